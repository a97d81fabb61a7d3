/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/s390/ops.h - the operation families for s390x (and 31-bit
 * s390), written once and instantiated per memory order (relaxed,
 * release) and per index (cpu_id, mm_cid) by arch/template-instantiate.h.
 * No include guard: included once per instantiation.
 *
 * Every function returns 0 when it committed, 1 when a comparison failed
 * (nothing was stored), -1 when the kernel aborted the section (preempted,
 * migrated, signalled, or 'cpu' is not the current index): retry.
 *
 * Injection points (RSEQ_INJECT_ASM): 1 before arming, 2 at the start,
 * 3 after the index check, 4 after the first comparison, 5 before the
 * commit of two-step operations, 6 after the copy loop.
 * Inputs are registers ("a": usable as base or index); %r0 and %r1 are
 * the scratch registers, so no input is modified.  s390 keeps stores in
 * order, so the release variants equal the relaxed ones.
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
		: RSEQ_S390_COMMON_INPUTS(cpu),
		  [v]		"a" (v),
		  [expect]	"r" (expect),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: RSEQ_S390_CLOBBERS
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
		RSEQ_ASM_LOAD_WORD("%%r1", "%[v]")
		RSEQ_S390_CR " %%r1, %[expectnot]\n\t"
		"jge %l[cmpfail]\n\t"
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_STORE_WORD("%%r1", "%[load]")
		RSEQ_S390_L " %%r1, 0(%[voffp], %%r1)\n\t"
		RSEQ_ASM_STORE_WORD("%%r1", "%[v]")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_S390_COMMON_INPUTS(cpu),
		  [v]		"a" (v),
		  [expectnot]	"r" (expectnot),
		  [voffp]	"a" (voffp),
		  [load]	"a" (load)
		  RSEQ_INJECT_INPUT
		: RSEQ_S390_CLOBBERS
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
		RSEQ_S390_LR " %%r0, %[count]\n\t"
		RSEQ_S390_A " %%r0, 0(%[v])\n\t"
		RSEQ_ASM_STORE_WORD("%%r0", "%[v]")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_S390_COMMON_INPUTS(cpu),
		  [v]		"a" (v),
		  [count]	"r" (count)
		  RSEQ_INJECT_INPUT
		: RSEQ_S390_CLOBBERS
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
		RSEQ_ASM_LOAD_WORD("%%r1", "%[ptr]")
		RSEQ_S390_L " %%r1, 0(%[off], %%r1)\n\t"
		RSEQ_INJECT_ASM(4)
		RSEQ_S390_LR " %%r0, %[inc]\n\t"
		RSEQ_S390_A " %%r0, 0(%%r1)\n\t"
		RSEQ_ASM_STORE_WORD("%%r0", "%%r1")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_S390_COMMON_INPUTS(cpu),
		  [ptr]		"a" (ptr),
		  [off]		"a" (off),
		  [inc]		"r" (inc)
		  RSEQ_INJECT_INPUT
		: RSEQ_S390_CLOBBERS
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
		: RSEQ_S390_COMMON_INPUTS(cpu),
		  [v]		"a" (v),
		  [expect]	"r" (expect),
		  [v2]		"a" (v2),
		  [expect2]	"r" (expect2),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: RSEQ_S390_CLOBBERS
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
		: RSEQ_S390_COMMON_INPUTS(cpu),
		  [v]		"a" (v),
		  [expect]	"r" (expect),
		  [v2]		"a" (v2),
		  [newv2]	"r" (newv2),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: RSEQ_S390_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}

/*
 * if (*v == expect) { memcpy(dst, src, len); [release] *v = newv; }
 * Whole words while at least one remains, then bytes (s390 accesses
 * misaligned words in hardware).  %r1 is the offset, used as the index
 * register, so no input register changes; %r0 carries the data.
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
		RSEQ_S390_LHI " %%r1, 0\n\t"
		"5:\n\t"			/* words */
		RSEQ_S390_LR " %%r0, %%r1\n\t"
		RSEQ_S390_AHI " %%r0, " RSEQ_S390_WSIZE "\n\t"
		RSEQ_S390_CLR " %%r0, %[len]\n\t"
		"jh 6f\n\t"
		RSEQ_S390_L " %%r0, 0(%%r1, %[src])\n\t"
		RSEQ_S390_ST " %%r0, 0(%%r1, %[dst])\n\t"
		RSEQ_S390_AHI " %%r1, " RSEQ_S390_WSIZE "\n\t"
		"j 5b\n\t"
		"6:\n\t"			/* trailing bytes */
		RSEQ_S390_CLR " %%r1, %[len]\n\t"
		"jhe 7f\n\t"
		"ic %%r0, 0(%%r1, %[src])\n\t"
		"stc %%r0, 0(%%r1, %[dst])\n\t"
		RSEQ_S390_AHI " %%r1, 1\n\t"
		"j 6b\n\t"
		"7:\n\t"
		RSEQ_INJECT_ASM(6)
#ifdef RSEQ_TEMPLATE_MO_RELEASE
		RSEQ_ASM_RELEASE_FENCE
#endif
		RSEQ_ASM_STORE_WORD("%[newv]", "%[v]")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_S390_COMMON_INPUTS(cpu),
		  [v]		"a" (v),
		  [expect]	"r" (expect),
		  [newv]	"r" (newv),
		  [dst]		"a" (dst),
		  [src]		"a" (src),
		  [len]		"r" (len)
		  RSEQ_INJECT_INPUT
		: RSEQ_S390_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}
