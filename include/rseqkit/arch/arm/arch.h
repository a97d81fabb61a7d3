/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/arm/arch.h - 32-bit ARM, ARMv7-A and later (armhf), in the
 * ARM or the Thumb-2 instruction set (gcc's default on armhf), little- or
 * big-endian (BE8): signature, barriers, thread pointer, and the assembler
 * building blocks every critical section in arch/loadstore-ops.h is made of.
 * Older cores (no movw/movt, no dmb, Thumb-1 only) get the "unavailable"
 * implementation of arch/generic: everything builds, callers take their
 * fallback path.
 *
 * Included by rseqkit/rseq.h only.
 *
 * Layout of one critical section (see arch/x86/arch.h for the picture):
 *   __rseq_cs:           3: descriptor {0, 0, 1f, 2f - 1f, 4f}
 *   __rseq_cs_ptr_array: &3b
 *   .text:   movw/movt the descriptor address, str into rseq_abi.rseq_cs
 *            1: ldr/cmp the index, bne <C abort label> ... commit store  2:
 *   __rseq_failure:  udf #24035 (the signature)  4: b <C abort label>
 *
 * Scratch registers: r12 (ip) and r14 (lr), declared clobbered; no value
 * in them lives across an injection point.  The frame pointer (r7 in
 * Thumb, r11 in ARM code) is never touched.  No branch in .text targets
 * __rseq_failure (a Thumb-2 conditional branch spans only +-1 MiB): the
 * index check branches to the C abort label (see RSEQ_ASM_CMP_CPU_ID).
 */
#ifndef RSEQKIT_ARCH_ARM_H
#define RSEQKIT_ARCH_ARM_H

#ifndef RSEQKIT_RSEQ_H
# error "rseqkit/arch/arm/arch.h is part of <rseqkit/rseq.h>: include that"
#endif
#ifndef __arm__
# error "rseqkit/arch/arm/arch.h: the target is not 32-bit Arm"
#endif

#if !defined(__ARM_ARCH) || __ARM_ARCH < 7 || \
	(defined(__thumb__) && !defined(__thumb2__))
# include "../generic/arch.h"
#else

/*
 * The signature.  The 4 bytes before abort_ip are "udf #24035" in ARM
 * code (0xe7f5def3), which in Thumb code is "udf #243" (0xdef3) followed
 * by the halfword 0xe7f5: the same 4 bytes in memory either way, so one
 * value serves both instruction sets.  The kernel reads them as a u32 in
 * the process's byte order: on big-endian (BE8: instructions stay
 * little-endian, data is big-endian) that is the byte-swapped word.
 */
#define RSEQ_SIG_CODE	RSEQKIT_SIG_ARM
#define RSEQ_SIG	RSEQKIT_SIG	/* rseqkit/abi.h: swapped on BE8 */

#define rseq_smp_mb()	__asm__ __volatile__ ("dmb ish" ::: "memory")
#define rseq_smp_rmb()	__asm__ __volatile__ ("dmb ish" ::: "memory")
#define rseq_smp_wmb()	__asm__ __volatile__ ("dmb ishst" ::: "memory")

/* Acquire loads and release stores: arch/fences.h, from these fences. */
#define rseq_smp_acquire_fence()	rseq_smp_mb()
#define rseq_smp_release_fence()	rseq_smp_mb()

#define rseq_smp_acquire__after_ctrl_dep()	rseq_smp_rmb()

/* The spin-wait hint (ARMv6K and later; this header needs v7). */
#define rseq_cpu_relax()	__asm__ __volatile__ ("yield" ::: "memory")

static inline void *rseq_thread_pointer(void)
{
	return __builtin_thread_pointer();	/* mrc p15, 0, rX, c13, c0, 3 */
}

/* Scratch registers of every section (as asm text and as clobbers). */
#define RSEQ_ARM_T0		"ip"
#define RSEQ_ARM_T1		"lr"
#define RSEQ_ARM_CLOBBERS	"r12", "r14"

/*
 * rseq_abi.rseq_cs is a u64: a 32-bit process stores the descriptor
 * pointer into its low word and leaves the high word zero.
 */
#ifdef __ARMEB__
# define RSEQ_ASM_U64(x)	".long 0x0, " x
#else
# define RSEQ_ASM_U64(x)	".long " x ", 0x0"
#endif

/*
 * The descriptor's address into T0: absolute in non-PIC code; in PIC code
 * relative to the pc, which reads as the add's address + 8 (ARM) or + 4
 * (Thumb).
 */
#ifdef __PIC__
# ifdef __thumb__
#  define RSEQ_ARM_PC_BIAS	"4"
# else
#  define RSEQ_ARM_PC_BIAS	"8"
# endif
# define RSEQ_ARM_LOAD_ADDR(reg, sym)					\
	"movw " reg ", #:lower16:(" sym " - (55f + " RSEQ_ARM_PC_BIAS "))\n\t" \
	"movt " reg ", #:upper16:(" sym " - (55f + " RSEQ_ARM_PC_BIAS "))\n\t" \
	"55:\n\t"							\
	"add " reg ", " reg ", pc\n\t"
#else
# define RSEQ_ARM_LOAD_ADDR(reg, sym)					\
	"movw " reg ", #:lower16:" sym "\n\t"				\
	"movt " reg ", #:upper16:" sym "\n\t"
#endif

/* Arm the section: the descriptor's address into rseq_cs, then start. */
#define RSEQ_ASM_STORE_RSEQ_CS(label, cs_label)				\
	RSEQ_INJECT_ASM(1)							\
	RSEQ_ARM_LOAD_ADDR(RSEQ_ARM_T0, __rseq_str(cs_label))			\
	"str " RSEQ_ARM_T0 ", [%[rseq_abi], #"					\
		__rseq_str(RSEQKIT_ABI_RSEQ_CS_PTR_OFFSET) "]\n\t"			\
	__rseq_str(label) ":\n\t"

/*
 * Abort unless the index at 'offset' (cpu_id or mm_cid) equals %[cpu_id].
 * The branch goes straight to the C abort label, where the abort handler
 * (abort_label) would lead: it stays within the function, whatever the
 * distance to __rseq_failure, and is recorded as an exit point of the
 * section that starts at 1 (RSEQ_ASM_OP_BEGIN's start label, just before).
 */
#define RSEQ_ASM_CMP_CPU_ID(offset, abort_label)				\
	RSEQ_INJECT_ASM(2)							\
	RSEQ_ASM_DEFINE_EXIT_POINT(1b, %l[abort])				\
	"ldr " RSEQ_ARM_T0 ", [%[rseq_abi], #" __rseq_str(offset) "]\n\t"	\
	"cmp " RSEQ_ARM_T0 ", %[cpu_id]\n\t"					\
	"bne %l[abort]\n\t"

/*
 * Word helpers, 'ptr' a register operand holding the address:
 * branch to 'label' when *ptr != val (or == val); store; load.
 */
#define RSEQ_ASM_CMP_WORD_NE(ptr, val, label)				\
	"ldr " RSEQ_ARM_T0 ", [" ptr "]\n\t"				\
	"cmp " RSEQ_ARM_T0 ", " val "\n\t"				\
	"bne " label "\n\t"
#define RSEQ_ASM_CMP_WORD_EQ(ptr, val, label)				\
	"ldr " RSEQ_ARM_T0 ", [" ptr "]\n\t"				\
	"cmp " RSEQ_ARM_T0 ", " val "\n\t"				\
	"beq " label "\n\t"
#define RSEQ_ASM_STORE_WORD(val, ptr)	"str " val ", [" ptr "]\n\t"
#define RSEQ_ASM_LOAD_WORD(reg, ptr)	"ldr " reg ", [" ptr "]\n\t"

/* The signature as instructions of the current instruction set. */
#ifdef __thumb__
# define RSEQ_ARM_SIG_INSN						\
	".inst.n (" __rseq_str(RSEQ_SIG_CODE) " & 0xffff)\n\t"		\
	".inst.n (" __rseq_str(RSEQ_SIG_CODE) " >> 16)\n\t"
#else
# define RSEQ_ARM_SIG_INSN	".inst " __rseq_str(RSEQ_SIG_CODE) "\n\t"
#endif

/*
 * The abort handler: outside the section, in __rseq_failure (assembled in
 * the same instruction set as the section), preceded by the signature.
 */
#define RSEQ_ASM_DEFINE_ABORT(label, abort_label)				\
	".pushsection __rseq_failure, \"ax\"\n\t"				\
	".balign 4\n\t"								\
	RSEQ_ARM_SIG_INSN							\
	__rseq_str(label) ":\n\t"						\
	"b %l[" __rseq_str(abort_label) "]\n\t"					\
	".popsection\n\t"

/* Release ordering before the commit store. */
#define RSEQ_ASM_RELEASE_FENCE	"dmb ish\n\t"

/*
 * Building blocks of arch/loadstore-ops.h (the operation families; that
 * file lists what each block must do).
 * Scratch ip (TMP0) and lr (TMP1).  ip may hold a live value at injection
 * point 4 of rseq_offset_deref_addv; lr holds none at any point, so
 * RSEQ_INJECT_ASM may use lr (registers are scarce: the copy takes 8
 * inputs) or other registers named in RSEQ_INJECT_CLOBBER.
 */
#define RSEQ_ASM_TMP0		RSEQ_ARM_T0
#define RSEQ_ASM_TMP1		RSEQ_ARM_T1
/* The commit store of a release variant. */
#define RSEQ_ASM_STORE_RELEASE_WORD(val, ptr)				\
	RSEQ_ASM_RELEASE_FENCE RSEQ_ASM_STORE_WORD(val, ptr)
/* dst = *(base + index) */
#define RSEQ_ASM_LOAD_WORD_INDEXED(dst, base, index)			\
	"ldr " dst ", [" base ", " index "]\n\t"
/* dst = *ptr + val */
#define RSEQ_ASM_LOAD_ADD_WORD(dst, ptr, val)				\
	RSEQ_ASM_LOAD_WORD(dst, ptr)					\
	"add " dst ", " dst ", " val "\n\t"
/* The pop reloads the head after injection point 4. */
#define RSEQ_ASM_POP_RELOAD(ptr)	RSEQ_ASM_LOAD_WORD(RSEQ_ASM_TMP0, ptr)
/*
 * The copy of rseq_cmpeqv_trymemcpy_storev: whole 4-byte words while at
 * least one remains, when both src and dst are 4-byte aligned; bytes
 * otherwise and for the tail.  lr indexes both buffers, so no input
 * register changes.
 */
#define RSEQ_ASM_MEMCPY_LOOP						\
	"mov " RSEQ_ARM_T1 ", #0\n\t"					\
	"orr " RSEQ_ARM_T0 ", %[src], %[dst]\n\t"			\
	"tst " RSEQ_ARM_T0 ", #3\n\t"					\
	"bne 6f\n\t"							\
	"5:\n\t"	/* words */					\
	"sub " RSEQ_ARM_T0 ", %[len], " RSEQ_ARM_T1 "\n\t"		\
	"cmp " RSEQ_ARM_T0 ", #4\n\t"					\
	"blo 6f\n\t"							\
	"ldr " RSEQ_ARM_T0 ", [%[src], " RSEQ_ARM_T1 "]\n\t"		\
	"str " RSEQ_ARM_T0 ", [%[dst], " RSEQ_ARM_T1 "]\n\t"		\
	"add " RSEQ_ARM_T1 ", " RSEQ_ARM_T1 ", #4\n\t"			\
	"b 5b\n\t"							\
	"6:\n\t"	/* bytes */					\
	"cmp " RSEQ_ARM_T1 ", %[len]\n\t"				\
	"bhs 7f\n\t"							\
	"ldrb " RSEQ_ARM_T0 ", [%[src], " RSEQ_ARM_T1 "]\n\t"		\
	"strb " RSEQ_ARM_T0 ", [%[dst], " RSEQ_ARM_T1 "]\n\t"		\
	"add " RSEQ_ARM_T1 ", " RSEQ_ARM_T1 ", #1\n\t"			\
	"b 6b\n\t"							\
	"7:\n\t"

/* Operands and clobbers of every section. */
#define RSEQ_ASM_PTR		"r"
#define RSEQ_ASM_INDEX		"r"
#define RSEQ_ARCH_COMMON_INPUTS(cpu)					\
	[cpu_id]	"r" (cpu),					\
	[rseq_abi]	"r" (rseq_get_abi())
#define RSEQ_ARCH_CLOBBERS	"memory", "cc", RSEQ_ARM_CLOBBERS

/*
 * The literal-pool guard, a statement before each section.  gcc counts
 * an asm goto as a single instruction when it places literal pools and
 * picks branch encodings (final.cc, get_attr_length_1: an ordinary asm
 * counts one instruction per line), so a function with many critical
 * sections gets pools out of reach ("offset out of range").  An asm
 * between .if 0 and .endif emits nothing and counts as one instruction
 * per line: one goes right before each section, with at least as many
 * lines as the section has instructions in .text (max_insns: 24, or 40
 * for the copy), plus the text of the six injection points (which may
 * name the operands of RSEQ_INJECT_INPUT, given to it too).
 */
#define RSEQ_ARM_LINES_8	"\n\n\n\n\n\n\n\n"
#define RSEQ_ARM_LINES_24	RSEQ_ARM_LINES_8 RSEQ_ARM_LINES_8 RSEQ_ARM_LINES_8
#define RSEQ_ARM_LINES_40	RSEQ_ARM_LINES_24 RSEQ_ARM_LINES_8 RSEQ_ARM_LINES_8
#define RSEQ_ARCH_BEFORE_SECTION(max_insns)				\
	__asm__ __volatile__ (".if 0\n\t" RSEQ_ARM_LINES_ ## max_insns	\
		RSEQ_INJECT_ASM(1) RSEQ_INJECT_ASM(2) RSEQ_INJECT_ASM(3)	\
		RSEQ_INJECT_ASM(4) RSEQ_INJECT_ASM(5) RSEQ_INJECT_ASM(6)	\
		"\n\t.endif\n\t"						\
		: : "i" (0) RSEQ_INJECT_INPUT)

#define RSEQ_ARCH_OPS "loadstore-ops.h"

#endif /* ARMv7 or later */
#endif /* RSEQKIT_ARCH_ARM_H */
