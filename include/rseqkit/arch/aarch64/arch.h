/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/aarch64/arch.h - AArch64 (little- and big-endian, LP64):
 * signature, barriers, thread pointer, and the assembler building blocks
 * every critical section in arch/loadstore-ops.h is made of.
 *
 * Included by rseqkit/rseq.h only.
 *
 * Layout of one critical section (see arch/x86/arch.h for the picture):
 *   __rseq_cs:           3: descriptor {0, 0, 1f, 2f - 1f, 4f}
 *   __rseq_cs_ptr_array: &3b
 *   .text:   adrp/add the descriptor, str into rseq_abi.rseq_cs
 *            1: ldr/cmp the index, b.ne <C abort label> ... commit store  2:
 *   __rseq_failure:  brk #0x45e0 (the signature)  4: b <C abort label>
 *
 * Scratch registers: x9, x10, x11 (declared clobbered; no value in them
 * lives across an injection point).  No branch in .text targets
 * __rseq_failure (b.cond spans only +-1 MiB): the index check branches to
 * the C abort label (see RSEQ_ASM_CMP_CPU_ID).
 */
#ifndef RSEQKIT_ARCH_AARCH64_H
#define RSEQKIT_ARCH_AARCH64_H

#ifndef RSEQKIT_RSEQ_H
# error "rseqkit/arch/aarch64/arch.h is part of <rseqkit/rseq.h>: include that"
#endif
#ifndef __aarch64__
# error "rseqkit/arch/aarch64/arch.h: the target is not AArch64"
#endif
#ifdef __ILP32__
# error "rseqkit: AArch64 ILP32 is not supported"
#endif

/*
 * The signature: the kernel compares the 4 bytes before abort_ip, read as
 * a u32 in the process's byte order, with the registered value.  The code
 * word is "brk #0x45e0" (0xd428bc00); A64 instructions are always stored
 * little-endian, so a big-endian process registers the byte-swapped word.
 */
#define RSEQ_SIG_CODE	RSEQKIT_SIG_AARCH64
#define RSEQ_SIG	RSEQKIT_SIG	/* rseqkit/abi.h: swapped on big-endian */

#define rseq_smp_mb()	__asm__ __volatile__ ("dmb ish" ::: "memory")
#define rseq_smp_rmb()	__asm__ __volatile__ ("dmb ishld" ::: "memory")
#define rseq_smp_wmb()	__asm__ __volatile__ ("dmb ishst" ::: "memory")

/* ldar / stlr through the compiler's atomics (sizes 1, 2, 4, 8). */
#define rseq_smp_load_acquire(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define rseq_smp_acquire__after_ctrl_dep()	rseq_smp_rmb()
#define rseq_smp_store_release(p, v)	__atomic_store_n(p, v, __ATOMIC_RELEASE)

/* The spin-wait hint. */
#define rseq_cpu_relax()	__asm__ __volatile__ ("yield" ::: "memory")

static inline void *rseq_thread_pointer(void)
{
	return __builtin_thread_pointer();	/* mrs tpidr_el0 */
}

/* Scratch registers of every section (as asm text and as clobbers). */
#define RSEQ_A64_T0		"x9"
#define RSEQ_A64_T0W		"w9"
#define RSEQ_A64_T1		"x10"
#define RSEQ_A64_T1W		"w10"
#define RSEQ_A64_T2		"x11"
#define RSEQ_A64_CLOBBERS	"x9", "x10", "x11"

#define RSEQ_ASM_U64(x)		".quad " x	/* tables: arch/sections.h */

/*
 * Arm the section: the descriptor's address (PC-relative, valid in PIC
 * and non-PIC code) into rseq_abi.rseq_cs, then the start label.
 */
#define RSEQ_ASM_STORE_RSEQ_CS(label, cs_label)				\
	RSEQ_INJECT_ASM(1)							\
	"adrp " RSEQ_A64_T0 ", " __rseq_str(cs_label) "\n\t"			\
	"add " RSEQ_A64_T0 ", " RSEQ_A64_T0 ", :lo12:" __rseq_str(cs_label) "\n\t" \
	"str " RSEQ_A64_T0 ", [%[rseq_abi], #"					\
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
	"ldr " RSEQ_A64_T0W ", [%[rseq_abi], #" __rseq_str(offset) "]\n\t"	\
	"cmp " RSEQ_A64_T0W ", %w[cpu_id]\n\t"					\
	"b.ne %l[abort]\n\t"

/*
 * Word helpers, 'ptr' a register operand holding the address:
 * branch to 'label' when *ptr != val (or == val); store; load.
 */
#define RSEQ_ASM_CMP_WORD_NE(ptr, val, label)				\
	"ldr " RSEQ_A64_T0 ", [" ptr "]\n\t"				\
	"cmp " RSEQ_A64_T0 ", " val "\n\t"				\
	"b.ne " label "\n\t"
#define RSEQ_ASM_CMP_WORD_EQ(ptr, val, label)				\
	"ldr " RSEQ_A64_T0 ", [" ptr "]\n\t"				\
	"cmp " RSEQ_A64_T0 ", " val "\n\t"				\
	"b.eq " label "\n\t"
#define RSEQ_ASM_STORE_WORD(val, ptr)	"str " val ", [" ptr "]\n\t"
#define RSEQ_ASM_LOAD_WORD(reg, ptr)	"ldr " reg ", [" ptr "]\n\t"
/* The commit store of a release variant: a store-release. */
#define RSEQ_ASM_STORE_RELEASE_WORD(val, ptr)	"stlr " val ", [" ptr "]\n\t"

/*
 * The abort handler: outside the section, in __rseq_failure, preceded by
 * the signature as an instruction (it traps if ever executed).
 */
#define RSEQ_ASM_DEFINE_ABORT(label, abort_label)				\
	".pushsection __rseq_failure, \"ax\"\n\t"				\
	".balign 4\n\t"								\
	".inst " __rseq_str(RSEQ_SIG_CODE) "\n\t"				\
	__rseq_str(label) ":\n\t"						\
	"b %l[" __rseq_str(abort_label) "]\n\t"					\
	".popsection\n\t"

/*
 * Release ordering before the commit store.  The templates use the
 * store-release form instead (RSEQ_ASM_STORE_RELEASE_WORD), which orders
 * all earlier loads and stores before the commit at a lower cost.
 */
#define RSEQ_ASM_RELEASE_FENCE	"dmb ish\n\t"

/*
 * Building blocks of arch/loadstore-ops.h (the operation families; that
 * file lists what each block must do).
 * Scratch x9 (TMP0), x10 (TMP1), x11 (the copy's index).  They may hold
 * a live value at injection point 4 of rseq_offset_deref_addv:
 * RSEQ_INJECT_ASM must use other registers (named in RSEQ_INJECT_CLOBBER).
 */
#define RSEQ_ASM_TMP0		RSEQ_A64_T0
#define RSEQ_ASM_TMP1		RSEQ_A64_T1
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
 * The copy of rseq_cmpeqv_trymemcpy_storev: whole 8-byte words while at
 * least one remains, when both src and dst are 8-byte aligned; bytes
 * otherwise and for the tail.  x11 indexes both buffers, so no input
 * register changes.
 */
#define RSEQ_ASM_MEMCPY_LOOP						\
	"mov " RSEQ_A64_T2 ", #0\n\t"					\
	"orr " RSEQ_A64_T0 ", %[src], %[dst]\n\t"			\
	"tst " RSEQ_A64_T0 ", #7\n\t"					\
	"b.ne 6f\n\t"							\
	"5:\n\t"	/* words */					\
	"sub " RSEQ_A64_T0 ", %[len], " RSEQ_A64_T2 "\n\t"		\
	"cmp " RSEQ_A64_T0 ", #8\n\t"					\
	"b.lo 6f\n\t"							\
	"ldr " RSEQ_A64_T1 ", [%[src], " RSEQ_A64_T2 "]\n\t"		\
	"str " RSEQ_A64_T1 ", [%[dst], " RSEQ_A64_T2 "]\n\t"		\
	"add " RSEQ_A64_T2 ", " RSEQ_A64_T2 ", #8\n\t"			\
	"b 5b\n\t"							\
	"6:\n\t"	/* bytes */					\
	"cmp " RSEQ_A64_T2 ", %[len]\n\t"				\
	"b.hs 7f\n\t"							\
	"ldrb " RSEQ_A64_T1W ", [%[src], " RSEQ_A64_T2 "]\n\t"		\
	"strb " RSEQ_A64_T1W ", [%[dst], " RSEQ_A64_T2 "]\n\t"		\
	"add " RSEQ_A64_T2 ", " RSEQ_A64_T2 ", #1\n\t"			\
	"b 6b\n\t"							\
	"7:\n\t"

/* Operands and clobbers of every section. */
#define RSEQ_ASM_PTR		"r"
#define RSEQ_ASM_INDEX		"r"
#define RSEQ_ARCH_COMMON_INPUTS(cpu)					\
	[cpu_id]	"r" (cpu),					\
	[rseq_abi]	"r" (rseq_get_abi())
#define RSEQ_ARCH_CLOBBERS	"memory", "cc", RSEQ_A64_CLOBBERS

#define RSEQ_ARCH_OPS "loadstore-ops.h"

#endif /* RSEQKIT_ARCH_AARCH64_H */
