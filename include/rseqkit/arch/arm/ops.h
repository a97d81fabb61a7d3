/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/arm/ops.h - the operation families for 32-bit ARM (ARM and
 * Thumb-2 code),
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
 * scratch register ip may hold a live value at point 4 of
 * rseq_offset_deref_addv; lr holds none at any point, so RSEQ_INJECT_ASM
 * may use lr (registers are scarce: the copy takes 8 inputs) or other
 * registers named in RSEQ_INJECT_CLOBBER.
 */

/* Operands every section uses (see RSEQ_ASM_STORE_RSEQ_CS, _CMP_CPU_ID). */
#define RSEQ_ARM_COMMON_INPUTS(cpu)					\
	[cpu_id]	"r" (cpu),					\
	[rseq_abi]	"r" (rseq_get_abi())

/* The commit store: plain, or after a release fence (release variants). */
#ifdef RSEQ_TEMPLATE_MO_RELEASE
# define RSEQ_ARM_COMMIT(val, ptr)					\
	RSEQ_ASM_RELEASE_FENCE RSEQ_ASM_STORE_WORD(val, ptr)
#else
# define RSEQ_ARM_COMMIT(val, ptr)	RSEQ_ASM_STORE_WORD(val, ptr)
#endif

/*
 * gcc counts an asm goto as a single instruction when it places literal
 * pools and picks branch encodings (final.cc, get_attr_length_1: an
 * ordinary asm counts one instruction per line), so a function with many
 * critical sections gets pools out of reach ("offset out of range").  An
 * asm between .if 0 and .endif emits nothing and counts as one instruction
 * per line: one goes right before each section, with at least as many
 * lines as the section has instructions in .text (10 to 30 here), plus
 * the text of the six injection points (which may name the operands of
 * RSEQ_INJECT_INPUT, given to it too).
 */
#define RSEQ_ARM_LINES_8	"\n\n\n\n\n\n\n\n"
#define RSEQ_ARM_LINES_24	RSEQ_ARM_LINES_8 RSEQ_ARM_LINES_8 RSEQ_ARM_LINES_8
#define RSEQ_ARM_LINES_40	RSEQ_ARM_LINES_24 RSEQ_ARM_LINES_8 RSEQ_ARM_LINES_8
#define RSEQ_ARM_ASM_GOTO(lines, tmpl, ...)				\
	__asm__ __volatile__ (".if 0\n\t" lines			\
		RSEQ_INJECT_ASM(1) RSEQ_INJECT_ASM(2) RSEQ_INJECT_ASM(3)	\
		RSEQ_INJECT_ASM(4) RSEQ_INJECT_ASM(5) RSEQ_INJECT_ASM(6)	\
		"\n\t.endif\n\t"						\
		: : "i" (0) RSEQ_INJECT_INPUT);				\
	__asm__ __volatile__ goto (tmpl : __VA_ARGS__)

#if defined(RSEQ_TEMPLATE_MO_RELAXED)

/* if (*v == expect) *v = newv; */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_IDENTIFIER(rseq_cmpeqv_storev)(intptr_t *v, intptr_t expect,
						 intptr_t newv, int cpu)
{
	RSEQ_INJECT_C(9)

	RSEQ_ARM_ASM_GOTO(RSEQ_ARM_LINES_24,
		RSEQ_ASM_OP_BEGIN
		RSEQ_ASM_OP_EXIT(cmpfail)
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_BNE_WORD("%[v]", "%[expect]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		RSEQ_ARM_COMMIT("%[newv]", "%[v]")
		RSEQ_ASM_OP_END
		, /* no outputs with asm goto */
		: RSEQ_ARM_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [expect]	"r" (expect),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_ARM_CLOBBERS
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

	RSEQ_ARM_ASM_GOTO(RSEQ_ARM_LINES_24,
		RSEQ_ASM_OP_BEGIN
		RSEQ_ASM_OP_EXIT(cmpfail)
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_BEQ_WORD("%[v]", "%[expectnot]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_LOAD_WORD(RSEQ_ARM_T0, "%[v]")
		RSEQ_ASM_STORE_WORD(RSEQ_ARM_T0, "%[load]")
		"ldr " RSEQ_ARM_T0 ", [" RSEQ_ARM_T0 ", %[voffp]]\n\t"
		RSEQ_ARM_COMMIT(RSEQ_ARM_T0, "%[v]")
		RSEQ_ASM_OP_END
		, /* no outputs with asm goto */
		: RSEQ_ARM_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [expectnot]	"r" (expectnot),
		  [voffp]	"r" (voffp),
		  [load]	"r" (load)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_ARM_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}

/* *v += count; the per-CPU counter increment. */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_IDENTIFIER(rseq_addv)(intptr_t *v, intptr_t count, int cpu)
{
	RSEQ_INJECT_C(9)

	RSEQ_ARM_ASM_GOTO(RSEQ_ARM_LINES_24,
		RSEQ_ASM_OP_BEGIN
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_LOAD_WORD(RSEQ_ARM_T0, "%[v]")
		"add " RSEQ_ARM_T0 ", " RSEQ_ARM_T0 ", %[count]\n\t"
		RSEQ_ARM_COMMIT(RSEQ_ARM_T0, "%[v]")
		RSEQ_ASM_OP_END
		, /* no outputs with asm goto */
		: RSEQ_ARM_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [count]	"r" (count)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_ARM_CLOBBERS
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

	RSEQ_ARM_ASM_GOTO(RSEQ_ARM_LINES_24,
		RSEQ_ASM_OP_BEGIN
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_LOAD_WORD(RSEQ_ARM_T0, "%[ptr]")
		"ldr " RSEQ_ARM_T0 ", [" RSEQ_ARM_T0 ", %[off]]\n\t"
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_LOAD_WORD(RSEQ_ARM_T1, RSEQ_ARM_T0)
		"add " RSEQ_ARM_T1 ", " RSEQ_ARM_T1 ", %[inc]\n\t"
		RSEQ_ARM_COMMIT(RSEQ_ARM_T1, RSEQ_ARM_T0)
		RSEQ_ASM_OP_END
		, /* no outputs with asm goto */
		: RSEQ_ARM_COMMON_INPUTS(cpu),
		  [ptr]		"r" (ptr),
		  [off]		"r" (off),
		  [inc]		"r" (inc)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_ARM_CLOBBERS
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

	RSEQ_ARM_ASM_GOTO(RSEQ_ARM_LINES_24,
		RSEQ_ASM_OP_BEGIN
		RSEQ_ASM_OP_EXIT(cmpfail)
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_BNE_WORD("%[v]", "%[expect]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_BNE_WORD("%[v2]", "%[expect2]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(5)
		RSEQ_ARM_COMMIT("%[newv]", "%[v]")
		RSEQ_ASM_OP_END
		, /* no outputs with asm goto */
		: RSEQ_ARM_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [expect]	"r" (expect),
		  [v2]		"r" (v2),
		  [expect2]	"r" (expect2),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_ARM_CLOBBERS
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

	RSEQ_ARM_ASM_GOTO(RSEQ_ARM_LINES_24,
		RSEQ_ASM_OP_BEGIN
		RSEQ_ASM_OP_EXIT(cmpfail)
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_BNE_WORD("%[v]", "%[expect]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		RSEQ_ASM_STORE_WORD("%[newv2]", "%[v2]")	/* trial store */
		RSEQ_INJECT_ASM(5)
		RSEQ_ARM_COMMIT("%[newv]", "%[v]")
		RSEQ_ASM_OP_END
		, /* no outputs with asm goto */
		: RSEQ_ARM_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [expect]	"r" (expect),
		  [v2]		"r" (v2),
		  [newv2]	"r" (newv2),
		  [newv]	"r" (newv)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_ARM_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}

/*
 * if (*v == expect) { memcpy(dst, src, len); [release] *v = newv; }
 * Whole 4-byte words while at least one remains, when both src and dst
 * are 4-byte aligned; bytes otherwise and for the tail.  lr indexes both
 * buffers, so no input register changes.
 */
static inline __attribute__((always_inline))
int RSEQ_TEMPLATE_IDENTIFIER(rseq_cmpeqv_trymemcpy_storev)(intptr_t *v,
		intptr_t expect, void *dst, void *src, size_t len,
		intptr_t newv, int cpu)
{
	RSEQ_INJECT_C(9)

	RSEQ_ARM_ASM_GOTO(RSEQ_ARM_LINES_40,
		RSEQ_ASM_OP_BEGIN
		RSEQ_ASM_OP_EXIT(cmpfail)
		RSEQ_INJECT_ASM(3)
		RSEQ_ASM_BNE_WORD("%[v]", "%[expect]", "%l[cmpfail]")
		RSEQ_INJECT_ASM(4)
		"mov " RSEQ_ARM_T1 ", #0\n\t"
		"orr " RSEQ_ARM_T0 ", %[src], %[dst]\n\t"
		"tst " RSEQ_ARM_T0 ", #3\n\t"
		"bne 6f\n\t"
		"5:\n\t"				/* words */
		"sub " RSEQ_ARM_T0 ", %[len], " RSEQ_ARM_T1 "\n\t"
		"cmp " RSEQ_ARM_T0 ", #4\n\t"
		"blo 6f\n\t"
		"ldr " RSEQ_ARM_T0 ", [%[src], " RSEQ_ARM_T1 "]\n\t"
		"str " RSEQ_ARM_T0 ", [%[dst], " RSEQ_ARM_T1 "]\n\t"
		"add " RSEQ_ARM_T1 ", " RSEQ_ARM_T1 ", #4\n\t"
		"b 5b\n\t"
		"6:\n\t"				/* bytes */
		"cmp " RSEQ_ARM_T1 ", %[len]\n\t"
		"bhs 7f\n\t"
		"ldrb " RSEQ_ARM_T0 ", [%[src], " RSEQ_ARM_T1 "]\n\t"
		"strb " RSEQ_ARM_T0 ", [%[dst], " RSEQ_ARM_T1 "]\n\t"
		"add " RSEQ_ARM_T1 ", " RSEQ_ARM_T1 ", #1\n\t"
		"b 6b\n\t"
		"7:\n\t"
		RSEQ_INJECT_ASM(6)
		RSEQ_ARM_COMMIT("%[newv]", "%[v]")
		RSEQ_ASM_OP_END
		, /* no outputs with asm goto */
		: RSEQ_ARM_COMMON_INPUTS(cpu),
		  [v]		"r" (v),
		  [expect]	"r" (expect),
		  [newv]	"r" (newv),
		  [dst]		"r" (dst),
		  [src]		"r" (src),
		  [len]		"r" (len)
		  RSEQ_INJECT_INPUT
		: "memory", "cc", RSEQ_ARM_CLOBBERS
		  RSEQ_INJECT_CLOBBER
		: abort, cmpfail);
	RSEQ_OP_RETURN_CMPFAIL();
}

#undef RSEQ_ARM_COMMON_INPUTS
#undef RSEQ_ARM_COMMIT
#undef RSEQ_ARM_ASM_GOTO
#undef RSEQ_ARM_LINES_8
#undef RSEQ_ARM_LINES_24
#undef RSEQ_ARM_LINES_40
