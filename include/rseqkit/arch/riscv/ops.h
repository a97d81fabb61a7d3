/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/riscv/ops.h - the operation families for RISC-V, written
 * once and instantiated per memory order (relaxed, release) and per index
 * (cpu_id, mm_cid) by arch/template-instantiate.h.  No include guard:
 * included once per instantiation.
 *
 * Every function returns 0 when it committed, 1 when a comparison failed
 * (nothing was stored), -1 when the kernel aborted the section (preempted,
 * migrated, signalled, or 'cpu' is not the current index): retry.
 *
 * Injection points (RSEQ_INJECT_ASM): 1 before arming, 2 at the start,
 * 3 after the index check, 4 after the first comparison, 5 before the
 * commit of two-step operations, 6 after the copy loop.
 * Inputs are registers (addresses and values); t0-t3 are the scratch
 * registers, so no input is modified and nothing needs restoring.
 */

#if defined(RSEQ_TEMPLATE_MO_RELAXED)

/* if (*v == expect) *v = newv; */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_IDENTIFIER(rseq_cmpeqv_storev)(intptr_t *v, intptr_t expect,
						 intptr_t newv, int cpu)
{
	RSEQ_INJECT_C(9)

	__asm__ __volatile__ goto (
		RSEQ_ASM_OP_BEGIN
		RSEQ_ASM_OP_EXIT(cmpfail)
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_CMP_WORD_NE("%[v]", "%[expect]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_STORE_WORD("%[newv]", "%[v]")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_RV_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [expect]	"r" (expect),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: RSEQ_RV_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}

/*
 * if (*v != expectnot) { *load = *v; *v = *(intptr_t *)(*v + voffp); }
 * The pop of a linked list: v is the head, voffp the offset of 'next'.
 */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_IDENTIFIER(rseq_cmpnev_storeoffp_load)(intptr_t *v,
		intptr_t expectnot, long voffp, intptr_t *load, int cpu)
{
	RSEQ_INJECT_C(9)

	__asm__ __volatile__ goto (
		RSEQ_ASM_OP_BEGIN
		RSEQ_ASM_OP_EXIT(cmpfail)
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_CMP_WORD_EQ("%[v]", "%[expectnot]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_STORE_WORD("t0", "%[load]")
		"add t1, t0, %[voffp]\n\t"
		RSEQ_ASM_LOAD_WORD("t1", "t1")
		RSEQ_ASM_STORE_WORD("t1", "%[v]")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_RV_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [expectnot]	"r" (expectnot),
		  [voffp]	"r" (voffp),
		  [load]	"r" (load)
		  RSEQ_INJECT_INPUT
		: RSEQ_RV_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}

/* *v += count; the per-CPU counter increment. */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_IDENTIFIER(rseq_addv)(intptr_t *v, intptr_t count, int cpu)
{
	RSEQ_INJECT_C(9)

	__asm__ __volatile__ goto (
		RSEQ_ASM_OP_BEGIN
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_LOAD_WORD("t0", "%[v]")
		"add t0, t0, %[count]\n\t"
		RSEQ_ASM_STORE_WORD("t0", "%[v]")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_RV_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [count]	"r" (count)
		  RSEQ_INJECT_INPUT
		: RSEQ_RV_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort);
	RSEQ_OP_RETURN();
}

#define RSEQ_ARCH_HAS_OFFSET_DEREF_ADDV
/* pv = *(intptr_t **)(*ptr + off); *pv += inc; */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_IDENTIFIER(rseq_offset_deref_addv)(intptr_t *ptr, long off,
						     intptr_t inc, int cpu)
{
	RSEQ_INJECT_C(9)

	__asm__ __volatile__ goto (
		RSEQ_ASM_OP_BEGIN
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_LOAD_WORD("t0", "%[ptr]")
		"add t0, t0, %[off]\n\t"
		RSEQ_ASM_LOAD_WORD("t0", "t0")
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_LOAD_WORD("t1", "t0")
		"add t1, t1, %[inc]\n\t"
		RSEQ_ASM_STORE_WORD("t1", "t0")			/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_RV_COMMON_INPUTS(cpu),
		  [ptr]		"r" (ptr),
		  [off]		"r" (off),
		  [inc]		"r" (inc)
		  RSEQ_INJECT_INPUT
		: RSEQ_RV_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort);
	RSEQ_OP_RETURN();
}

/* if (*v == expect && *v2 == expect2) *v = newv; */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_IDENTIFIER(rseq_cmpeqv_cmpeqv_storev)(intptr_t *v,
		intptr_t expect, intptr_t *v2, intptr_t expect2,
		intptr_t newv, int cpu)
{
	RSEQ_INJECT_C(9)

	__asm__ __volatile__ goto (
		RSEQ_ASM_OP_BEGIN
		RSEQ_ASM_OP_EXIT(cmpfail)
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_CMP_WORD_NE("%[v]", "%[expect]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_CMP_WORD_NE("%[v2]", "%[expect2]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(5)
		RSEQ_ASM_STORE_WORD("%[newv]", "%[v]")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_RV_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [expect]	"r" (expect),
		  [v2]		"r" (v2),
		  [expect2]	"r" (expect2),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: RSEQ_RV_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}

#endif /* RSEQ_TEMPLATE_MO_RELAXED */

/* if (*v == expect) { *v2 = newv2; [release] *v = newv; } */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_IDENTIFIER(rseq_cmpeqv_trystorev_storev)(intptr_t *v,
		intptr_t expect, intptr_t *v2, intptr_t newv2,
		intptr_t newv, int cpu)
{
	RSEQ_INJECT_C(9)

	__asm__ __volatile__ goto (
		RSEQ_ASM_OP_BEGIN
		RSEQ_ASM_OP_EXIT(cmpfail)
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_CMP_WORD_NE("%[v]", "%[expect]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_STORE_WORD("%[newv2]", "%[v2]")	/* trial store */
		RSEQ_INJECT_ASM(5)
#ifdef RSEQ_TEMPLATE_MO_RELEASE
		RSEQ_ASM_RELEASE_FENCE
#endif
		RSEQ_ASM_STORE_WORD("%[newv]", "%[v]")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_RV_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [expect]	"r" (expect),
		  [v2]		"r" (v2),
		  [newv2]	"r" (newv2),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: RSEQ_RV_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}

/*
 * if (*v == expect) { memcpy(dst, src, len); [release] *v = newv; }
 * Whole words while at least one remains, then bytes; only bytes when
 * dst or src is not word-aligned (a misaligned access may trap to a slow
 * handler).  t0 is the offset, so no input register changes.
 */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_IDENTIFIER(rseq_cmpeqv_trymemcpy_storev)(intptr_t *v,
		intptr_t expect, void *dst, void *src, size_t len,
		intptr_t newv, int cpu)
{
	RSEQ_INJECT_C(9)

	__asm__ __volatile__ goto (
		RSEQ_ASM_OP_BEGIN
		RSEQ_ASM_OP_EXIT(cmpfail)
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_CMP_WORD_NE("%[v]", "%[expect]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		"li t0, 0\n\t"
		"or t1, %[dst], %[src]\n\t"
		"andi t1, t1, " RSEQ_RV_WSIZE " - 1\n\t"
		"bnez t1, 6f\n\t"
		"5:\n\t"			/* words */
		"addi t1, t0, " RSEQ_RV_WSIZE "\n\t"
		"bgtu t1, %[len], 6f\n\t"
		"add t2, %[src], t0\n\t"
		RSEQ_ASM_LOAD_WORD("t3", "t2")
		"add t2, %[dst], t0\n\t"
		RSEQ_ASM_STORE_WORD("t3", "t2")
		"mv t0, t1\n\t"
		"j 5b\n\t"
		"6:\n\t"			/* trailing (or all) bytes */
		"bgeu t0, %[len], 7f\n\t"
		"add t2, %[src], t0\n\t"
		"lbu t3, 0(t2)\n\t"
		"add t2, %[dst], t0\n\t"
		"sb t3, 0(t2)\n\t"
		"addi t0, t0, 1\n\t"
		"j 6b\n\t"
		"7:\n\t"
		RSEQ_INJECT_ASM(6)
#ifdef RSEQ_TEMPLATE_MO_RELEASE
		RSEQ_ASM_RELEASE_FENCE
#endif
		RSEQ_ASM_STORE_WORD("%[newv]", "%[v]")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_RV_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [expect]	"r" (expect),
		  [newv]	"r" (newv),
		  [dst]		"r" (dst),
		  [src]		"r" (src),
		  [len]		"r" (len)
		  RSEQ_INJECT_INPUT
		: RSEQ_RV_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}
