/* SPDX-License-Identifier: MIT */

#ifndef RSEQ_TEMPLATE_IDENTIFIER
# error "rseqkit/arch/loadstore-ops.h is instantiated by arch/template-instantiate.h (include <rseqkit/rseq.h>)"
#endif
/*
 * rseqkit/arch/loadstore-ops.h - the operation families of every
 * load/store architecture (aarch64, arm, ppc, riscv, s390, mips), each
 * written ONCE here, instantiated per memory order (relaxed, release) and
 * per index (cpu_id, mm_cid) by arch/template-instantiate.h.  No include
 * guard: included once per instantiation.  x86 (memory operands, no
 * scratch registers) has its own template, arch/x86/ops.h.
 *
 * Finding an operation's assembly for one architecture: find the family
 * below (one function per family, in this order):
 *   rseq_cmpeqv_storev            if (*v == expect) *v = newv;
 *   rseq_cmpnev_storeoffp_load    pop: *load = *v; *v = *(*v + voffp)
 *   rseq_addv                     *v += count
 *   rseq_offset_deref_addv        *(*(ptr) + off) += inc
 *   rseq_cmpeqv_cmpeqv_storev     two comparisons, one store
 *   rseq_cmpeqv_trystorev_storev  trial store, then the commit
 *   rseq_cmpeqv_trymemcpy_storev  copy loop, then the commit
 * then read each RSEQ_ASM_* building block in arch/<arch>/arch.h, under
 * "Building blocks of arch/loadstore-ops.h".  The section frame
 * (RSEQ_ASM_OP_BEGIN / _EXIT / _END, RSEQ_OP_RETURN*) is in rseqkit/rseq.h;
 * its pieces (descriptor, arming, index check, abort handler) are in the
 * same arch.h.
 *
 * Every function returns 0 when it committed, 1 when a comparison failed
 * (nothing was stored), -1 when the kernel aborted the section (preempted,
 * migrated, signalled, or 'cpu' is not the current index): retry.
 *
 * Injection points (RSEQ_INJECT_ASM): 1 before arming, 2 at the start,
 * 3 after the index check, 4 after the first comparison, 5 before the
 * commit of two-step operations, 6 after the copy loop, as on x86.  The
 * scratch registers may hold a live value at point 4 of
 * rseq_offset_deref_addv (and of rseq_cmpnev_storeoffp_load where the
 * comparison's load is reused): RSEQ_INJECT_ASM must use other registers,
 * named in RSEQ_INJECT_CLOBBER.  No input register is ever modified.
 *
 * What each arch.h provides (all as assembler text unless noted):
 *   RSEQ_ASM_TMP0, RSEQ_ASM_TMP1   scratch registers (TMP0 may be used as
 *                                  an address; both in RSEQ_ARCH_CLOBBERS)
 *   RSEQ_ASM_LOAD_WORD(reg, ptr)   reg = *ptr            (word = long)
 *   RSEQ_ASM_STORE_WORD(val, ptr)  *ptr = val
 *   RSEQ_ASM_STORE_RELEASE_WORD(val, ptr)
 *                                  *ptr = val after all earlier accesses
 *                                  (fence + store, or a store-release)
 *   RSEQ_ASM_LOAD_WORD_INDEXED(dst, base, index)
 *                                  dst = *(base + index), index a register
 *   RSEQ_ASM_LOAD_ADD_WORD(dst, ptr, val)
 *                                  dst = *ptr + val
 *   RSEQ_ASM_CMP_WORD_NE(ptr, val, label)
 *                                  goto label if *ptr != val
 *   RSEQ_ASM_CMP_WORD_EQ(ptr, val, label)
 *                                  goto label if *ptr == val; leaves *ptr
 *                                  in RSEQ_ASM_TMP0
 *   RSEQ_ASM_MEMCPY_LOOP           copy %[len] bytes from %[src] to %[dst]
 *                                  (local labels 5, 6, 7; ends at 7:)
 *   RSEQ_ASM_PTR                   constraint of an address operand ("r";
 *                                  ppc "b": never r0; s390 "a")
 *   RSEQ_ASM_INDEX                 constraint of an offset added to an
 *                                  address ("r"; s390 "a": index register)
 *   RSEQ_ARCH_COMMON_INPUTS(cpu)   [cpu_id] and [rseq_abi] operands
 *   RSEQ_ARCH_CLOBBERS             "memory", flags, the scratch registers
 * and optionally (defaults below):
 *   RSEQ_ARCH_BEFORE_SECTION(n)    a statement before each section whose
 *                                  .text part has at most n instructions
 *                                  (arm: the literal-pool guard); n is 24
 *                                  or 40
 *   RSEQ_ASM_POP_RELOAD(ptr)       in rseq_cmpnev_storeoffp_load, after
 *                                  injection point 4: reload *ptr into
 *                                  TMP0 (default: nothing, the comparison
 *                                  left it there)
 *   RSEQ_ASM_POP_NEXT              register that receives the successor in
 *                                  rseq_cmpnev_storeoffp_load (default TMP0)
 *   RSEQ_ASM_ADDV_SUM              register of the sum in rseq_addv
 *                                  (default TMP0)
 * The last three only keep each architecture's register choices of its
 * former own template, so that the generated code stayed the same.
 * Value operands (expect, newv, count, len...) are "r" everywhere.
 */

#ifndef RSEQ_ARCH_BEFORE_SECTION
# define RSEQ_ARCH_BEFORE_SECTION(max_insns)	do { } while (0)
#endif
#ifndef RSEQ_ASM_POP_RELOAD
# define RSEQ_ASM_POP_RELOAD(ptr)	""
#endif
#ifndef RSEQ_ASM_POP_NEXT
# define RSEQ_ASM_POP_NEXT		RSEQ_ASM_TMP0
#endif
#ifndef RSEQ_ASM_ADDV_SUM
# define RSEQ_ASM_ADDV_SUM		RSEQ_ASM_TMP0
#endif

/* The commit store: plain, or ordered after everything before (release). */
#ifdef RSEQ_TEMPLATE_MO_RELEASE
# define RSEQ_LSA_COMMIT(val, ptr)	RSEQ_ASM_STORE_RELEASE_WORD(val, ptr)
#else
# define RSEQ_LSA_COMMIT(val, ptr)	RSEQ_ASM_STORE_WORD(val, ptr)
#endif

#if defined(RSEQ_TEMPLATE_MO_RELAXED)

/* if (*v == expect) *v = newv; */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_IDENTIFIER(rseq_cmpeqv_storev)(intptr_t *v, intptr_t expect,
						 intptr_t newv, int cpu)
{
	RSEQ_INJECT_C(9)

	RSEQ_ARCH_BEFORE_SECTION(24);
	__asm__ __volatile__ goto (
		RSEQ_ASM_OP_BEGIN
		RSEQ_ASM_OP_EXIT(cmpfail)
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_CMP_WORD_NE("%[v]", "%[expect]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		RSEQ_LSA_COMMIT("%[newv]", "%[v]")
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_ARCH_COMMON_INPUTS(cpu),
		  [v]		RSEQ_ASM_PTR (v),
		  [expect]	"r" (expect),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: RSEQ_ARCH_CLOBBERS
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

	RSEQ_ARCH_BEFORE_SECTION(24);
	__asm__ __volatile__ goto (
		RSEQ_ASM_OP_BEGIN
		RSEQ_ASM_OP_EXIT(cmpfail)
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_CMP_WORD_EQ("%[v]", "%[expectnot]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_POP_RELOAD("%[v]")
		RSEQ_ASM_STORE_WORD(RSEQ_ASM_TMP0, "%[load]")
		RSEQ_ASM_LOAD_WORD_INDEXED(RSEQ_ASM_POP_NEXT, RSEQ_ASM_TMP0,
					   "%[voffp]")
		RSEQ_LSA_COMMIT(RSEQ_ASM_POP_NEXT, "%[v]")
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_ARCH_COMMON_INPUTS(cpu),
		  [v]		RSEQ_ASM_PTR (v),
		  [expectnot]	"r" (expectnot),
		  [voffp]	RSEQ_ASM_INDEX (voffp),
		  [load]	RSEQ_ASM_PTR (load)
		  RSEQ_INJECT_INPUT
		: RSEQ_ARCH_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}

/* *v += count; the per-CPU counter increment. */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_IDENTIFIER(rseq_addv)(intptr_t *v, intptr_t count, int cpu)
{
	RSEQ_INJECT_C(9)

	RSEQ_ARCH_BEFORE_SECTION(24);
	__asm__ __volatile__ goto (
		RSEQ_ASM_OP_BEGIN
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_LOAD_ADD_WORD(RSEQ_ASM_ADDV_SUM, "%[v]", "%[count]")
		RSEQ_LSA_COMMIT(RSEQ_ASM_ADDV_SUM, "%[v]")
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_ARCH_COMMON_INPUTS(cpu),
		  [v]		RSEQ_ASM_PTR (v),
		  [count]	"r" (count)
		  RSEQ_INJECT_INPUT
		: RSEQ_ARCH_CLOBBERS
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

	RSEQ_ARCH_BEFORE_SECTION(24);
	__asm__ __volatile__ goto (
		RSEQ_ASM_OP_BEGIN
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_LOAD_WORD(RSEQ_ASM_TMP0, "%[ptr]")
		RSEQ_ASM_LOAD_WORD_INDEXED(RSEQ_ASM_TMP0, RSEQ_ASM_TMP0,
					   "%[off]")	/* TMP0 = pv */
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_LOAD_ADD_WORD(RSEQ_ASM_TMP1, RSEQ_ASM_TMP0, "%[inc]")
		RSEQ_LSA_COMMIT(RSEQ_ASM_TMP1, RSEQ_ASM_TMP0)
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_ARCH_COMMON_INPUTS(cpu),
		  [ptr]		RSEQ_ASM_PTR (ptr),
		  [off]		RSEQ_ASM_INDEX (off),
		  [inc]		"r" (inc)
		  RSEQ_INJECT_INPUT
		: RSEQ_ARCH_CLOBBERS
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

	RSEQ_ARCH_BEFORE_SECTION(24);
	__asm__ __volatile__ goto (
		RSEQ_ASM_OP_BEGIN
		RSEQ_ASM_OP_EXIT(cmpfail)
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_CMP_WORD_NE("%[v]", "%[expect]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_CMP_WORD_NE("%[v2]", "%[expect2]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(5)
		RSEQ_LSA_COMMIT("%[newv]", "%[v]")
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_ARCH_COMMON_INPUTS(cpu),
		  [v]		RSEQ_ASM_PTR (v),
		  [expect]	"r" (expect),
		  [v2]		RSEQ_ASM_PTR (v2),
		  [expect2]	"r" (expect2),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: RSEQ_ARCH_CLOBBERS
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

	RSEQ_ARCH_BEFORE_SECTION(24);
	__asm__ __volatile__ goto (
		RSEQ_ASM_OP_BEGIN
		RSEQ_ASM_OP_EXIT(cmpfail)
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_CMP_WORD_NE("%[v]", "%[expect]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_STORE_WORD("%[newv2]", "%[v2]")	/* trial store */
		RSEQ_INJECT_ASM(5)
		RSEQ_LSA_COMMIT("%[newv]", "%[v]")
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_ARCH_COMMON_INPUTS(cpu),
		  [v]		RSEQ_ASM_PTR (v),
		  [expect]	"r" (expect),
		  [v2]		RSEQ_ASM_PTR (v2),
		  [newv2]	"r" (newv2),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: RSEQ_ARCH_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}

/*
 * if (*v == expect) { memcpy(dst, src, len); [release] *v = newv; }
 * The loop is the architecture's (RSEQ_ASM_MEMCPY_LOOP in its arch.h):
 * whole words while at least one remains, then bytes.
 */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_IDENTIFIER(rseq_cmpeqv_trymemcpy_storev)(intptr_t *v,
		intptr_t expect, void *dst, void *src, size_t len,
		intptr_t newv, int cpu)
{
	RSEQ_INJECT_C(9)

	RSEQ_ARCH_BEFORE_SECTION(40);
	__asm__ __volatile__ goto (
		RSEQ_ASM_OP_BEGIN
		RSEQ_ASM_OP_EXIT(cmpfail)
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_CMP_WORD_NE("%[v]", "%[expect]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_MEMCPY_LOOP
		RSEQ_INJECT_ASM(6)
		RSEQ_LSA_COMMIT("%[newv]", "%[v]")
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_ARCH_COMMON_INPUTS(cpu),
		  [v]		RSEQ_ASM_PTR (v),
		  [expect]	"r" (expect),
		  [newv]	"r" (newv),
		  [dst]		RSEQ_ASM_PTR (dst),
		  [src]		RSEQ_ASM_PTR (src),
		  [len]		"r" (len)
		  RSEQ_INJECT_INPUT
		: RSEQ_ARCH_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}

#undef RSEQ_LSA_COMMIT
