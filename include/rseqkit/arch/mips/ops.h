/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/mips/ops.h - the operation families for MIPS, written
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
 * Inputs are registers (addresses and values); $12-$15 are the scratch
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
		: RSEQ_MIPS_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [expect]	"r" (expect),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: RSEQ_MIPS_CLOBBERS
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
		RSEQ_ASM_STORE_WORD("$12", "%[load]")
		RSEQ_MIPS_ADDU " $13, $12, %[voffp]\n\t"
		RSEQ_ASM_LOAD_WORD("$13", "$13")
		RSEQ_ASM_STORE_WORD("$13", "%[v]")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_MIPS_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [expectnot]	"r" (expectnot),
		  [voffp]	"r" (voffp),
		  [load]	"r" (load)
		  RSEQ_INJECT_INPUT
		: RSEQ_MIPS_CLOBBERS
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
		RSEQ_ASM_LOAD_WORD("$12", "%[v]")
		RSEQ_MIPS_ADDU " $12, $12, %[count]\n\t"
		RSEQ_ASM_STORE_WORD("$12", "%[v]")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_MIPS_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [count]	"r" (count)
		  RSEQ_INJECT_INPUT
		: RSEQ_MIPS_CLOBBERS
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
		RSEQ_ASM_LOAD_WORD("$12", "%[ptr]")
		RSEQ_MIPS_ADDU " $12, $12, %[off]\n\t"
		RSEQ_ASM_LOAD_WORD("$12", "$12")
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_LOAD_WORD("$13", "$12")
		RSEQ_MIPS_ADDU " $13, $13, %[inc]\n\t"
		RSEQ_ASM_STORE_WORD("$13", "$12")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_MIPS_COMMON_INPUTS(cpu),
		  [ptr]		"r" (ptr),
		  [off]		"r" (off),
		  [inc]		"r" (inc)
		  RSEQ_INJECT_INPUT
		: RSEQ_MIPS_CLOBBERS
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
		: RSEQ_MIPS_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [expect]	"r" (expect),
		  [v2]		"r" (v2),
		  [expect2]	"r" (expect2),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: RSEQ_MIPS_CLOBBERS
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
		: RSEQ_MIPS_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [expect]	"r" (expect),
		  [v2]		"r" (v2),
		  [newv2]	"r" (newv2),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: RSEQ_MIPS_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}

/*
 * if (*v == expect) { memcpy(dst, src, len); [release] *v = newv; }
 * Whole words while at least one remains, then bytes; only bytes when
 * dst or src is not word-aligned (a misaligned access traps to the
 * kernel's emulation).  $12 is the offset, so no input register changes.
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
		"move $12, $0\n\t"
		"or $13, %[dst], %[src]\n\t"
		"andi $13, $13, " RSEQ_MIPS_WSIZE " - 1\n\t"
		"bnez $13, 6f\n\t"
		"5:\n\t"			/* words */
		RSEQ_MIPS_ADDIU " $13, $12, " RSEQ_MIPS_WSIZE "\n\t"
		"sltu $14, %[len], $13\n\t"
		"bnez $14, 6f\n\t"
		RSEQ_MIPS_ADDU " $14, %[src], $12\n\t"
		RSEQ_ASM_LOAD_WORD("$15", "$14")
		RSEQ_MIPS_ADDU " $14, %[dst], $12\n\t"
		RSEQ_ASM_STORE_WORD("$15", "$14")
		"move $12, $13\n\t"
		"b 5b\n\t"
		"6:\n\t"			/* trailing (or all) bytes */
		"sltu $13, $12, %[len]\n\t"
		"beqz $13, 7f\n\t"
		RSEQ_MIPS_ADDU " $14, %[src], $12\n\t"
		"lbu $15, 0($14)\n\t"
		RSEQ_MIPS_ADDU " $14, %[dst], $12\n\t"
		"sb $15, 0($14)\n\t"
		RSEQ_MIPS_ADDIU " $12, $12, 1\n\t"
		"b 6b\n\t"
		"7:\n\t"
		RSEQ_INJECT_ASM(6)
#ifdef RSEQ_TEMPLATE_MO_RELEASE
		RSEQ_ASM_RELEASE_FENCE
#endif
		RSEQ_ASM_STORE_WORD("%[newv]", "%[v]")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_MIPS_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [expect]	"r" (expect),
		  [newv]	"r" (newv),
		  [dst]		"r" (dst),
		  [src]		"r" (src),
		  [len]		"r" (len)
		  RSEQ_INJECT_INPUT
		: RSEQ_MIPS_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}
