/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/ppc/arch.h - PowerPC: ppc64le (ELFv2), ppc64 big-endian
 * (ELFv1 or v2) and 32-bit powerpc: signature, barriers, thread pointer,
 * and the assembler building blocks every critical section in
 * arch/loadstore-ops.h is made of.  The word size and the descriptor pointer's
 * place are chosen by macros, as arch/x86 does for i386.
 *
 * Included by rseqkit/rseq.h only.
 *
 * Layout of one critical section (see arch/x86/arch.h for the picture):
 *   __rseq_cs:           3: descriptor {0, 0, 1f, 2f - 1f, 4f}
 *   __rseq_cs_ptr_array: &3b
 *   .text:   the descriptor address (TOC-relative, pc-relative, or
 *            absolute), stored into rseq_abi.rseq_cs
 *            1: lwz/cmpw the index, bne- <C abort label> ... commit  2:
 *   __rseq_failure:  .long 0x0fe5000b (the signature)  4: b <C abort label>
 *
 * Scratch registers: r9, r10, r11, cr0 and cr7 (declared clobbered; no
 * value in them lives across an injection point); 32-bit PIC code also
 * uses the link register.
 */
#ifndef RSEQKIT_ARCH_PPC_H
#define RSEQKIT_ARCH_PPC_H

#ifndef RSEQKIT_RSEQ_H
# error "rseqkit/arch/ppc/arch.h is part of <rseqkit/rseq.h>: include that"
#endif
#ifndef __powerpc__
# error "rseqkit/arch/ppc/arch.h: the target is not PowerPC"
#endif

/*
 * The signature: the word 0x0fe5000b ("twui r5, 0xb", a trap) in the
 * instruction stream, which is in the process's byte order on PowerPC.
 */
#define RSEQ_SIG	RSEQKIT_SIG

#ifdef __NO_LWSYNC__
# define RSEQ_PPC_LWSYNC	"sync"		/* e500 cores */
#else
# define RSEQ_PPC_LWSYNC	"lwsync"
#endif

#define rseq_smp_mb()	__asm__ __volatile__ ("sync" ::: "memory", "cc")
#define rseq_smp_lwsync()						\
	__asm__ __volatile__ (RSEQ_PPC_LWSYNC ::: "memory", "cc")
#define rseq_smp_rmb()	rseq_smp_lwsync()
#define rseq_smp_wmb()	rseq_smp_lwsync()

/* Acquire loads and release stores: arch/fences.h, from these fences. */
#define rseq_smp_acquire_fence()	rseq_smp_lwsync()
#define rseq_smp_release_fence()	rseq_smp_lwsync()

#define rseq_smp_acquire__after_ctrl_dep()	rseq_smp_lwsync()

/*
 * The spin-wait hint: low, then medium thread priority (what Linux's
 * cpu_relax() does on PowerPC).
 */
#define rseq_cpu_relax()	\
	__asm__ __volatile__ ("or 1,1,1\n\tor 2,2,2" ::: "memory")

/*
 * The thread pointer is r13 (64-bit) or r2 (32-bit).  gcc 12 has no
 * __builtin_thread_pointer() for PowerPC; an empty asm whose output is
 * tied to the register reads it without an instruction.
 */
static inline void *rseq_thread_pointer(void)
{
#ifdef __powerpc64__
	register void *__rseq_tp __asm__ ("r13");
#else
	register void *__rseq_tp __asm__ ("r2");
#endif
	__asm__ ("" : "=r" (__rseq_tp));
	return __rseq_tp;
}

/* Word size: loads, stores, compares, and the u64 fields of descriptors. */
#ifdef __powerpc64__
# define RSEQ_PPC_LL		"ld"		/* load word */
# define RSEQ_PPC_STL		"std"		/* store word */
# define RSEQ_PPC_LLX		"ldx"		/* load word, indexed */
# define RSEQ_PPC_STLX		"stdx"		/* store word, indexed */
# define RSEQ_PPC_CMPL		"cmpd"		/* compare words */
# define RSEQ_PPC_CMPLU		"cmpld"		/* compare words, unsigned */
# define RSEQ_PPC_CMPLUI	"cmpldi"	/* same, with an immediate */
# define RSEQ_PPC_WSIZE		"8"
# define RSEQ_PPC_WMASK		"7"
# define RSEQ_ASM_U64(x)	".quad " x
#else
# define RSEQ_PPC_LL		"lwz"
# define RSEQ_PPC_STL		"stw"
# define RSEQ_PPC_LLX		"lwzx"
# define RSEQ_PPC_STLX		"stwx"
# define RSEQ_PPC_CMPL		"cmpw"
# define RSEQ_PPC_CMPLU		"cmplw"
# define RSEQ_PPC_CMPLUI	"cmplwi"
# define RSEQ_PPC_WSIZE		"4"
# define RSEQ_PPC_WMASK		"3"
/* The low word of rseq_abi.rseq_cs holds the pointer; the high one is 0. */
# ifdef __LITTLE_ENDIAN__
#  define RSEQ_ASM_U64(x)	".long " x ", 0x0"
# else
#  define RSEQ_ASM_U64(x)	".long 0x0, " x
# endif
#endif

/* Scratch registers of every section (as asm text and as clobbers). */
#define RSEQ_PPC_T0		"%%r9"
#define RSEQ_PPC_T1		"%%r10"
#define RSEQ_PPC_T2		"%%r11"
#if !defined(__powerpc64__) && defined(__PIC__)
# define RSEQ_PPC_CLOBBERS	"r9", "r10", "r11", "cr0", "cr7", "lr"
#else
# define RSEQ_PPC_CLOBBERS	"r9", "r10", "r11", "cr0", "cr7"
#endif

/*
 * The descriptor's address into T0.  64-bit: pc-relative where the code
 * is (POWER10 -mpcrel: no TOC pointer), else relative to the TOC pointer
 * r2, which every function that reads rseq_offset (all of them with a
 * critical section) sets up.  32-bit: absolute, or relative to the
 * address that bcl 20,31 puts in the link register in PIC code.
 */
#if defined(__powerpc64__) && defined(__PCREL__)
# define RSEQ_PPC_LOAD_ADDR(reg, sym)					\
	"pla " reg ", " sym "@pcrel\n\t"
#elif defined(__powerpc64__)
# define RSEQ_PPC_LOAD_ADDR(reg, sym)					\
	"addis " reg ", %%r2, " sym "@toc@ha\n\t"			\
	"addi " reg ", " reg ", " sym "@toc@l\n\t"
#elif defined(__PIC__)
# define RSEQ_PPC_LOAD_ADDR(reg, sym)					\
	"bcl 20, 31, 55f\n\t"						\
	"55:\n\t"							\
	"mflr " reg "\n\t"						\
	"addis " reg ", " reg ", (" sym " - 55b)@ha\n\t"		\
	"addi " reg ", " reg ", (" sym " - 55b)@l\n\t"
#else
# define RSEQ_PPC_LOAD_ADDR(reg, sym)					\
	"lis " reg ", " sym "@ha\n\t"					\
	"addi " reg ", " reg ", " sym "@l\n\t"
#endif

/* Arm the section: the descriptor's address into rseq_cs, then start. */
#define RSEQ_ASM_STORE_RSEQ_CS(label, cs_label)				\
	RSEQ_INJECT_ASM(1)							\
	RSEQ_PPC_LOAD_ADDR(RSEQ_PPC_T0, __rseq_str(cs_label))			\
	RSEQ_PPC_STL " " RSEQ_PPC_T0 ", "					\
		__rseq_str(RSEQKIT_ABI_RSEQ_CS_PTR_OFFSET) "(%[rseq_abi])\n\t"		\
	__rseq_str(label) ":\n\t"

/*
 * Abort unless the index at 'offset' (cpu_id or mm_cid) equals %[cpu_id].
 * The branch goes straight to the C abort label, where the abort handler
 * (abort_label) would lead: a conditional branch spans only +-32 KiB, too
 * little to reach __rseq_failure from every .text.  It is recorded as an
 * exit point of the section that starts at 1 (RSEQ_ASM_OP_BEGIN's start
 * label, just before).
 */
#define RSEQ_ASM_CMP_CPU_ID(offset, abort_label)				\
	RSEQ_INJECT_ASM(2)							\
	RSEQ_ASM_DEFINE_EXIT_POINT(1b, %l[abort])				\
	"lwz " RSEQ_PPC_T0 ", " __rseq_str(offset) "(%[rseq_abi])\n\t"		\
	"cmpw %%cr7, " RSEQ_PPC_T0 ", %[cpu_id]\n\t"				\
	"bne- %%cr7, %l[abort]\n\t"

/*
 * Word helpers, 'ptr' a base-register operand ("b": never r0) holding
 * the address: branch to 'label' when *ptr != val (or == val); store;
 * load.
 */
#define RSEQ_ASM_CMP_WORD_NE(ptr, val, label)				\
	RSEQ_PPC_LL " " RSEQ_PPC_T0 ", 0(" ptr ")\n\t"			\
	RSEQ_PPC_CMPL " %%cr7, " RSEQ_PPC_T0 ", " val "\n\t"		\
	"bne- %%cr7, " label "\n\t"
#define RSEQ_ASM_CMP_WORD_EQ(ptr, val, label)				\
	RSEQ_PPC_LL " " RSEQ_PPC_T0 ", 0(" ptr ")\n\t"			\
	RSEQ_PPC_CMPL " %%cr7, " RSEQ_PPC_T0 ", " val "\n\t"		\
	"beq- %%cr7, " label "\n\t"
#define RSEQ_ASM_STORE_WORD(val, ptr)					\
	RSEQ_PPC_STL " " val ", 0(" ptr ")\n\t"
#define RSEQ_ASM_LOAD_WORD(reg, ptr)					\
	RSEQ_PPC_LL " " reg ", 0(" ptr ")\n\t"

/*
 * The abort handler: outside the section, in __rseq_failure, preceded by
 * the signature (a trap instruction).
 */
#define RSEQ_ASM_DEFINE_ABORT(label, abort_label)				\
	".pushsection __rseq_failure, \"ax\"\n\t"				\
	".balign 4\n\t"								\
	".long " __rseq_str(RSEQ_SIG) "\n\t"					\
	__rseq_str(label) ":\n\t"						\
	"b %l[" __rseq_str(abort_label) "]\n\t"					\
	".popsection\n\t"

/* Release ordering before the commit store. */
#define RSEQ_ASM_RELEASE_FENCE	RSEQ_PPC_LWSYNC "\n\t"

/*
 * Building blocks of arch/loadstore-ops.h (the operation families; that
 * file lists what each block must do).
 * Scratch r9 (TMP0), r10 (TMP1), r11 (the copy's index).  They may hold a
 * live value at injection point 4 of rseq_offset_deref_addv:
 * RSEQ_INJECT_ASM must use other registers (named in RSEQ_INJECT_CLOBBER);
 * cr0 and cr7 are free at every point.
 */
#define RSEQ_ASM_TMP0		RSEQ_PPC_T0
#define RSEQ_ASM_TMP1		RSEQ_PPC_T1
/* The commit store of a release variant. */
#define RSEQ_ASM_STORE_RELEASE_WORD(val, ptr)				\
	RSEQ_ASM_RELEASE_FENCE RSEQ_ASM_STORE_WORD(val, ptr)
/* dst = *(base + index) */
#define RSEQ_ASM_LOAD_WORD_INDEXED(dst, base, index)			\
	RSEQ_PPC_LLX " " dst ", " base ", " index "\n\t"
/* dst = *ptr + val */
#define RSEQ_ASM_LOAD_ADD_WORD(dst, ptr, val)				\
	RSEQ_ASM_LOAD_WORD(dst, ptr)					\
	"add " dst ", " dst ", " val "\n\t"
/* The pop reloads the head after injection point 4. */
#define RSEQ_ASM_POP_RELOAD(ptr)	RSEQ_ASM_LOAD_WORD(RSEQ_ASM_TMP0, ptr)
/*
 * The copy of rseq_cmpeqv_trymemcpy_storev: whole words (8 or 4 bytes)
 * while at least one remains, when both src and dst are word-aligned;
 * bytes otherwise and for the tail.  r11 indexes both buffers, so no
 * input register changes; cr0 and cr7 are the flags it uses.
 */
#define RSEQ_ASM_MEMCPY_LOOP						\
	"li " RSEQ_PPC_T2 ", 0\n\t"					\
	"or " RSEQ_PPC_T0 ", %[src], %[dst]\n\t"			\
	"andi. " RSEQ_PPC_T0 ", " RSEQ_PPC_T0 ", " RSEQ_PPC_WMASK "\n\t" \
	"bne- %%cr0, 6f\n\t"						\
	"5:\n\t"	/* words */					\
	"subf " RSEQ_PPC_T0 ", " RSEQ_PPC_T2 ", %[len]\n\t"		\
	RSEQ_PPC_CMPLUI " %%cr7, " RSEQ_PPC_T0 ", " RSEQ_PPC_WSIZE "\n\t" \
	"blt- %%cr7, 6f\n\t"						\
	RSEQ_PPC_LLX " " RSEQ_PPC_T1 ", %[src], " RSEQ_PPC_T2 "\n\t"	\
	RSEQ_PPC_STLX " " RSEQ_PPC_T1 ", %[dst], " RSEQ_PPC_T2 "\n\t"	\
	"addi " RSEQ_PPC_T2 ", " RSEQ_PPC_T2 ", " RSEQ_PPC_WSIZE "\n\t"	\
	"b 5b\n\t"							\
	"6:\n\t"	/* bytes */					\
	RSEQ_PPC_CMPLU " %%cr7, " RSEQ_PPC_T2 ", %[len]\n\t"		\
	"bge- %%cr7, 7f\n\t"						\
	"lbzx " RSEQ_PPC_T1 ", %[src], " RSEQ_PPC_T2 "\n\t"		\
	"stbx " RSEQ_PPC_T1 ", %[dst], " RSEQ_PPC_T2 "\n\t"		\
	"addi " RSEQ_PPC_T2 ", " RSEQ_PPC_T2 ", 1\n\t"			\
	"b 6b\n\t"							\
	"7:\n\t"

/* Operands and clobbers of every section ("b": a base register, never r0). */
#define RSEQ_ASM_PTR		"b"
#define RSEQ_ASM_INDEX		"r"
#define RSEQ_ARCH_COMMON_INPUTS(cpu)					\
	[cpu_id]	"r" (cpu),					\
	[rseq_abi]	"b" (rseq_get_abi())
#define RSEQ_ARCH_CLOBBERS	"memory", "cc", RSEQ_PPC_CLOBBERS

#define RSEQ_ARCH_OPS "loadstore-ops.h"

#endif /* RSEQKIT_ARCH_PPC_H */
