/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/ppc/ops.h - the operation families for PowerPC (64-bit and
 * 32-bit),
 * written once and instantiated per memory order (relaxed, release) and
 * per index (cpu_id, mm_cid) by arch/template-instantiate.h.  No include
 * guard: included once per instantiation.
 *
 * Every function returns 0 when it committed, 1 when a comparison failed
 * (nothing was stored), -1 when the kernel aborted the section (preempted,
 * migrated, signalled, or 'cpu' is not the current index): retry.
 *
 * Injection points (RSEQ_INJECT_ASM): 1 before arming, 2 at the start,
 * 3 after the index check, 4 after the first comparison, 5 before the
 * commit of two-step operations, 6 after the copy loop, as on x86.  The
 * scratch registers r9-r11 may hold a live value at point 4 of
 * rseq_offset_deref_addv: RSEQ_INJECT_ASM must use other registers
 * (named in RSEQ_INJECT_CLOBBER); cr0 and cr7 are free at every point.
 */

/* Operands every section uses (see RSEQ_ASM_STORE_RSEQ_CS, _CMP_CPU_ID). */
#define RSEQ_PPC_COMMON_INPUTS(cpu)					\
	[cpu_id]	"r" (cpu),					\
	[rseq_abi]	"b" (rseq_get_abi())

/* The commit store: plain, or after a release fence (release variants). */
#ifdef RSEQ_TEMPLATE_MO_RELEASE
# define RSEQ_PPC_COMMIT(val, ptr)					\
	RSEQ_ASM_RELEASE_FENCE RSEQ_ASM_STORE_WORD(val, ptr)
#else
# define RSEQ_PPC_COMMIT(val, ptr)	RSEQ_ASM_STORE_WORD(val, ptr)
#endif

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
		RSEQ_ASM_BNE_WORD("%[v]", "%[expect]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		RSEQ_PPC_COMMIT("%[newv]", "%[v]")
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_PPC_COMMON_INPUTS(cpu),
		  [v]		"b" (v),
		  [expect]	"r" (expect),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_PPC_CLOBBERS
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
		RSEQ_ASM_BEQ_WORD("%[v]", "%[expectnot]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_LOAD_WORD(RSEQ_PPC_T0, "%[v]")
		RSEQ_ASM_STORE_WORD(RSEQ_PPC_T0, "%[load]")
		RSEQ_PPC_LLX " " RSEQ_PPC_T0 ", " RSEQ_PPC_T0 ", %[voffp]\n\t"
		RSEQ_PPC_COMMIT(RSEQ_PPC_T0, "%[v]")
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_PPC_COMMON_INPUTS(cpu),
		  [v]		"b" (v),
		  [expectnot]	"r" (expectnot),
		  [voffp]	"r" (voffp),
		  [load]	"b" (load)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_PPC_CLOBBERS
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
		RSEQ_ASM_LOAD_WORD(RSEQ_PPC_T0, "%[v]")
		"add " RSEQ_PPC_T0 ", " RSEQ_PPC_T0 ", %[count]\n\t"
		RSEQ_PPC_COMMIT(RSEQ_PPC_T0, "%[v]")
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_PPC_COMMON_INPUTS(cpu),
		  [v]		"b" (v),
		  [count]	"r" (count)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_PPC_CLOBBERS
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
		RSEQ_ASM_LOAD_WORD(RSEQ_PPC_T0, "%[ptr]")
		RSEQ_PPC_LLX " " RSEQ_PPC_T0 ", " RSEQ_PPC_T0 ", %[off]\n\t"
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_LOAD_WORD(RSEQ_PPC_T1, RSEQ_PPC_T0)
		"add " RSEQ_PPC_T1 ", " RSEQ_PPC_T1 ", %[inc]\n\t"
		RSEQ_PPC_COMMIT(RSEQ_PPC_T1, RSEQ_PPC_T0)
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_PPC_COMMON_INPUTS(cpu),
		  [ptr]		"b" (ptr),
		  [off]		"r" (off),
		  [inc]		"r" (inc)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_PPC_CLOBBERS
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
		RSEQ_ASM_BNE_WORD("%[v]", "%[expect]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_BNE_WORD("%[v2]", "%[expect2]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(5)
		RSEQ_PPC_COMMIT("%[newv]", "%[v]")
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_PPC_COMMON_INPUTS(cpu),
		  [v]		"b" (v),
		  [expect]	"r" (expect),
		  [v2]		"b" (v2),
		  [expect2]	"r" (expect2),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_PPC_CLOBBERS
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
		RSEQ_ASM_BNE_WORD("%[v]", "%[expect]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_STORE_WORD("%[newv2]", "%[v2]")	/* trial store */
		RSEQ_INJECT_ASM(5)
		RSEQ_PPC_COMMIT("%[newv]", "%[v]")
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_PPC_COMMON_INPUTS(cpu),
		  [v]		"b" (v),
		  [expect]	"r" (expect),
		  [v2]		"b" (v2),
		  [newv2]	"r" (newv2),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_PPC_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}

/*
 * if (*v == expect) { memcpy(dst, src, len); [release] *v = newv; }
 * Whole words (8 or 4 bytes) while at least one remains, when both src
 * and dst are word-aligned; bytes otherwise and for the tail.  r11
 * indexes both buffers, so no input register changes.
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
		RSEQ_ASM_BNE_WORD("%[v]", "%[expect]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		"li " RSEQ_PPC_T2 ", 0\n\t"
		"or " RSEQ_PPC_T0 ", %[src], %[dst]\n\t"
		"andi. " RSEQ_PPC_T0 ", " RSEQ_PPC_T0 ", " RSEQ_PPC_WMASK "\n\t"
		"bne- %%cr0, 6f\n\t"
		"5:\n\t"				/* words */
		"subf " RSEQ_PPC_T0 ", " RSEQ_PPC_T2 ", %[len]\n\t"
		RSEQ_PPC_CMPLUI " %%cr7, " RSEQ_PPC_T0 ", " RSEQ_PPC_WSIZE "\n\t"
		"blt- %%cr7, 6f\n\t"
		RSEQ_PPC_LLX " " RSEQ_PPC_T1 ", %[src], " RSEQ_PPC_T2 "\n\t"
		RSEQ_PPC_STLX " " RSEQ_PPC_T1 ", %[dst], " RSEQ_PPC_T2 "\n\t"
		"addi " RSEQ_PPC_T2 ", " RSEQ_PPC_T2 ", " RSEQ_PPC_WSIZE "\n\t"
		"b 5b\n\t"
		"6:\n\t"				/* bytes */
		RSEQ_PPC_CMPLU " %%cr7, " RSEQ_PPC_T2 ", %[len]\n\t"
		"bge- %%cr7, 7f\n\t"
		"lbzx " RSEQ_PPC_T1 ", %[src], " RSEQ_PPC_T2 "\n\t"
		"stbx " RSEQ_PPC_T1 ", %[dst], " RSEQ_PPC_T2 "\n\t"
		"addi " RSEQ_PPC_T2 ", " RSEQ_PPC_T2 ", 1\n\t"
		"b 6b\n\t"
		"7:\n\t"
		RSEQ_INJECT_ASM(6)
		RSEQ_PPC_COMMIT("%[newv]", "%[v]")
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_PPC_COMMON_INPUTS(cpu),
		  [v]		"b" (v),
		  [expect]	"r" (expect),
		  [newv]	"r" (newv),
		  [dst]		"b" (dst),
		  [src]		"b" (src),
		  [len]		"r" (len)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_PPC_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}

#undef RSEQ_PPC_COMMON_INPUTS
#undef RSEQ_PPC_COMMIT
