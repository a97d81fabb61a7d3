/* SPDX-License-Identifier: MIT */

#ifndef RSEQ_TEMPLATE_IDENTIFIER
# error "rseqkit/arch/x86/ops.h is instantiated by arch/template-instantiate.h (include <rseqkit/rseq.h>)"
#endif
/*
 * rseqkit/arch/x86/ops.h - the operation families for x86-64 and i386,
 * written once and instantiated per memory order (relaxed, release) and
 * per index (cpu_id, mm_cid) by arch/template-instantiate.h.  No include
 * guard: included once per instantiation.
 *
 * Every function returns 0 when it committed, 1 when a comparison failed
 * (nothing was stored), -1 when the kernel aborted the section (preempted,
 * migrated, signalled, or 'cpu' is not the current index): retry.
 *
 * Injection points: RSEQ_INJECT_C(9) on entry; RSEQ_INJECT_ASM 1 before
 * arming, 2 at the start, 3 after the index check, 4 after the first
 * comparison or load, 5 before the commit of two-step operations, 6 after
 * the copy loop.  An asm hook may clobber %eax/%rax (declared through
 * RSEQ_INJECT_CLOBBER, as the kernel's param_test does) and any register
 * the sections do not use (%r8-%r11 on x86-64): no value is live in
 * %eax/%rax across a hook.
 * x86 is TSO, so the release variants equal the relaxed ones.
 */

/* Operands every section uses (see RSEQ_ASM_CMP_CPU_ID, RSEQ_X86_FIELD). */
#define RSEQ_X86_COMMON_INPUTS(cpu)					\
	[cpu_id]	"g" (cpu),					\
	[rseq_offset]	"r" (RSEQKIT_OFFSET_VAR)

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
		RSEQ_ASM_CMP_WORD("%[v]", "%[expect]")
		"jnz %l[cmpfail]\n\t"
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_STORE_WORD("%[newv]", "%[v]")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_X86_COMMON_INPUTS(cpu),
		  [v]		"m" (*v),
		  [expect]	RSEQ_X86_VAL (expect),
		  [newv]	RSEQ_X86_VAL (newv)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_X86_CLOBBER_AX
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
		"mov" RSEQ_X86_W " %[v], " RSEQ_X86_CX "\n\t"
		"cmp" RSEQ_X86_W " %[expectnot], " RSEQ_X86_CX "\n\t"
		"je %l[cmpfail]\n\t"
		RSEQ_INJECT_ASM(4)
		"mov" RSEQ_X86_W " " RSEQ_X86_CX ", %[load]\n\t"
		"add" RSEQ_X86_W " %[voffp], " RSEQ_X86_CX "\n\t"
		"mov" RSEQ_X86_W " (" RSEQ_X86_CX "), " RSEQ_X86_CX "\n\t"
		"mov" RSEQ_X86_W " " RSEQ_X86_CX ", %[v]\n\t"	/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_X86_COMMON_INPUTS(cpu),
		  [v]		"m" (*v),
		  [expectnot]	RSEQ_X86_VAL (expectnot),
		  [voffp]	RSEQ_X86_VAL (voffp),
		  [load]	"m" (*load)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_X86_CLOBBER_AX, RSEQ_X86_CLOBBER_CX
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
		"add" RSEQ_X86_W " %[count], %[v]\n\t"		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_X86_COMMON_INPUTS(cpu),
		  [v]		"m" (*v),
		  [count]	RSEQ_X86_IMM (count)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_X86_CLOBBER_AX
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
		"mov" RSEQ_X86_W " %[ptr], " RSEQ_X86_CX "\n\t"
		"add" RSEQ_X86_W " %[off], " RSEQ_X86_CX "\n\t"
		"mov" RSEQ_X86_W " (" RSEQ_X86_CX "), " RSEQ_X86_CX "\n\t"
		RSEQ_INJECT_ASM(4)
		"add" RSEQ_X86_W " %[inc], (" RSEQ_X86_CX ")\n\t"	/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_X86_COMMON_INPUTS(cpu),
		  [ptr]		"m" (*ptr),
		  [off]		RSEQ_X86_VAL (off),
		  [inc]		RSEQ_X86_IMM (inc)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_X86_CLOBBER_AX, RSEQ_X86_CLOBBER_CX
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
		RSEQ_ASM_CMP_WORD("%[v]", "%[expect]")
		"jnz %l[cmpfail]\n\t"
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_CMP_WORD("%[v2]", "%[expect2]")
		"jnz %l[cmpfail]\n\t"
		RSEQ_INJECT_ASM(5)
		RSEQ_ASM_STORE_WORD("%[newv]", "%[v]")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_X86_COMMON_INPUTS(cpu),
		  [v]		"m" (*v),
		  [expect]	RSEQ_X86_VAL (expect),
		  [v2]		"m" (*v2),
		  [expect2]	RSEQ_X86_VAL (expect2),
		  [newv]	RSEQ_X86_VAL (newv)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_X86_CLOBBER_AX
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
		RSEQ_ASM_CMP_WORD("%[v]", "%[expect]")
		"jnz %l[cmpfail]\n\t"
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_STORE_WORD("%[newv2]", "%[v2]")	/* trial store */
		RSEQ_INJECT_ASM(5)
		RSEQ_ASM_RELEASE_FENCE
		RSEQ_ASM_STORE_WORD("%[newv]", "%[v]")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_X86_COMMON_INPUTS(cpu),
		  [v]		"m" (*v),
		  [expect]	RSEQ_X86_VAL (expect),
		  [v2]		"m" (*v2),
		  [newv2]	RSEQ_X86_VAL (newv2),
		  [newv]	RSEQ_X86_VAL (newv)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_X86_CLOBBER_AX
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}

/*
 * if (*v == expect) { memcpy(dst, src, len); [release] *v = newv; }
 * The copy moves whole words while at least one remains, then bytes.
 * Indexed addressing keeps every input register intact, so neither the
 * abort nor the compare-failure path has anything to restore.
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
		RSEQ_ASM_CMP_WORD("%[v]", "%[expect]")
		"jnz %l[cmpfail]\n\t"
		RSEQ_INJECT_ASM(4)
		"xor" RSEQ_X86_W " " RSEQ_X86_CX ", " RSEQ_X86_CX "\n\t"
		"5:\n\t"			/* words */
		"lea" RSEQ_X86_W " " RSEQ_X86_WSIZE "(" RSEQ_X86_CX "), " RSEQ_X86_AX "\n\t"
		"cmp" RSEQ_X86_W " %[len], " RSEQ_X86_AX "\n\t"
		"ja 6f\n\t"
		"mov" RSEQ_X86_W " (%[src], " RSEQ_X86_CX "), " RSEQ_X86_AX "\n\t"
		"mov" RSEQ_X86_W " " RSEQ_X86_AX ", (%[dst], " RSEQ_X86_CX ")\n\t"
		"add" RSEQ_X86_W " $" RSEQ_X86_WSIZE ", " RSEQ_X86_CX "\n\t"
		"jmp 5b\n\t"
		"6:\n\t"			/* trailing bytes */
		"cmp" RSEQ_X86_W " %[len], " RSEQ_X86_CX "\n\t"
		"jae 8f\n\t"
		"movb (%[src], " RSEQ_X86_CX "), %%al\n\t"
		"movb %%al, (%[dst], " RSEQ_X86_CX ")\n\t"
		"inc" RSEQ_X86_W " " RSEQ_X86_CX "\n\t"
		"jmp 6b\n\t"
		"8:\n\t"
		RSEQ_INJECT_ASM(6)
		RSEQ_ASM_RELEASE_FENCE
		RSEQ_ASM_STORE_WORD("%[newv]", "%[v]")		/* commit */
		RSEQ_ASM_OP_END
		: /* no outputs with asm goto */
		: RSEQ_X86_COMMON_INPUTS(cpu),
		  [v]		"m" (*v),
		  [expect]	RSEQ_X86_VAL (expect),
		  [newv]	RSEQ_X86_VAL (newv),
		  [dst]		"r" (dst),
		  [src]		"r" (src),
		  [len]		RSEQ_X86_VAL (len)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_X86_CLOBBER_AX, RSEQ_X86_CLOBBER_CX
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}

#undef RSEQ_X86_COMMON_INPUTS
