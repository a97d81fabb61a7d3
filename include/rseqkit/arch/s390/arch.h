/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/s390/arch.h - s390x (z/Architecture, 64-bit) and 31-bit
 * s390: signature, barriers, thread pointer, and the assembler building
 * blocks every critical section in arch/loadstore-ops.h is made of.
 *
 * Included by rseqkit/rseq.h only.
 *
 * Layout of one critical section (all operations follow it):
 *
 *   __rseq_cs:                 3: descriptor {0, 0, 1f, 2f - 1f, 4f}
 *   __rseq_cs_ptr_array:       &3b
 *   __rseq_exit_point_array:   {1f, exit} for every early exit
 *   .text:   larl %r0, 3b; store %r0 into rseq_abi.rseq_cs
 *            1: (start) compare the index (cpu_id or mm_cid) with 'cpu'
 *               ... loads, compares, at most one trial store ...
 *               final store (the commit)
 *            2: (post-commit)
 *   __rseq_failure:  the signature as a 4-byte word
 *            4: (abort)  jg to the C abort label
 *
 * Scratch registers: %r0 and %r1, declared clobbered by every operation
 * (%r0 never serves as a base or index).  Branches out of a section are
 * the long relative forms (jg*, +-4 GiB): the abort handler and the C
 * labels may be in other sections.
 */
#ifndef RSEQKIT_ARCH_S390_H
#define RSEQKIT_ARCH_S390_H

#ifndef RSEQKIT_RSEQ_H
# error "rseqkit/arch/s390/arch.h is part of <rseqkit/rseq.h>: include that"
#endif
#ifndef __s390__
# error "rseqkit/arch/s390/arch.h: the target is not s390"
#endif

/* The signature (glibc's and the kernel selftests' value for s390). */
#define RSEQ_SIG	RSEQKIT_SIG

/*
 * z/Architecture orders everything but a store followed by a load from
 * another location: only the full barrier needs an instruction
 * (bcr 15,0 serializes on every model).
 */
#define rseq_smp_mb()	__asm__ __volatile__ ("bcr 15,0" ::: "memory")
#define rseq_smp_rmb()	rseq_barrier()
#define rseq_smp_wmb()	rseq_barrier()

/* Acquire loads and release stores: arch/fences.h, from these fences. */
#define rseq_smp_acquire_fence()	rseq_barrier()
#define rseq_smp_release_fence()	rseq_barrier()

#define rseq_smp_acquire__after_ctrl_dep()	rseq_smp_rmb()

/* The access registers a0:a1; glibc's __rseq_offset is relative to it. */
static inline void *rseq_thread_pointer(void)
{
	return __builtin_thread_pointer();
}

/* Word size of the target: one template serves s390x and 31-bit s390. */
#ifdef __s390x__
# define RSEQ_S390_L		"lg"		/* load word */
# define RSEQ_S390_ST		"stg"		/* store word */
# define RSEQ_S390_C		"cg"		/* compare register, word */
# define RSEQ_S390_CR		"cgr"		/* compare registers */
# define RSEQ_S390_A		"ag"		/* add word to register */
# define RSEQ_S390_AR		"agr"		/* add registers */
# define RSEQ_S390_AHI		"aghi"		/* add immediate */
# define RSEQ_S390_LR		"lgr"		/* copy register */
# define RSEQ_S390_LHI		"lghi"		/* load immediate */
# define RSEQ_S390_CLR		"clgr"		/* compare logical registers */
# define RSEQ_S390_WSIZE	"8"
# define RSEQ_ASM_U64(x)	".quad " x
#else
# define RSEQ_S390_L		"l"
# define RSEQ_S390_ST		"st"
# define RSEQ_S390_C		"c"
# define RSEQ_S390_CR		"cr"
# define RSEQ_S390_A		"a"
# define RSEQ_S390_AR		"ar"
# define RSEQ_S390_AHI		"ahi"
# define RSEQ_S390_LR		"lr"
# define RSEQ_S390_LHI		"lhi"
# define RSEQ_S390_CLR		"clr"
# define RSEQ_S390_WSIZE	"4"
# define RSEQ_ASM_U64(x)	".long 0x0, " x	/* big-endian u64 */
#endif

/*
 * Arm the section: store the descriptor's address (larl is PC-relative,
 * so also position-independent) into rseq_cs, then the start label.
 */
#define RSEQ_ASM_STORE_RSEQ_CS(label, cs_label)				\
	RSEQ_INJECT_ASM(1)						\
	"larl %%r0, " __rseq_str(cs_label) "\n\t"			\
	RSEQ_S390_ST " %%r0, " __rseq_str(RSEQKIT_ABI_RSEQ_CS_PTR_OFFSET)	\
		"(%[rseq_abi])\n\t"					\
	__rseq_str(label) ":\n\t"

/*
 * First instructions of every section: abort unless the index the data is
 * selected by (cpu_id or mm_cid, at 'offset') still equals %[cpu_id].
 */
#define RSEQ_ASM_CMP_CPU_ID(offset, abort_label)			\
	RSEQ_INJECT_ASM(2)						\
	"c %[cpu_id], " __rseq_str(offset) "(%[rseq_abi])\n\t"		\
	"jgne " __rseq_str(abort_label) "\n\t"

/*
 * Word helpers of the operations.  'addr' is an address register operand,
 * 'reg' a register name or operand.
 */
#define RSEQ_ASM_LOAD_WORD(reg, addr)	RSEQ_S390_L " " reg ", 0(" addr ")\n\t"
#define RSEQ_ASM_STORE_WORD(reg, addr)	RSEQ_S390_ST " " reg ", 0(" addr ")\n\t"
/* Go to 'label' unless the word at 'addr' equals register 'expect'. */
#define RSEQ_ASM_CMP_WORD_NE(addr, expect, label)			\
	RSEQ_S390_C " " expect ", 0(" addr ")\n\t"			\
	"jgne " label "\n\t"

/*
 * The abort handler: outside the section, in __rseq_failure, preceded by
 * the signature (also a valid trap-like instruction word).
 */
#define RSEQ_ASM_DEFINE_ABORT(label, abort_label)			\
	".pushsection __rseq_failure, \"ax\"\n\t"			\
	".balign 2\n\t"							\
	".long " __rseq_str(RSEQ_SIG) "\n\t"				\
	__rseq_str(label) ":\n\t"					\
	"jg %l[" __rseq_str(abort_label) "]\n\t"			\
	".popsection\n\t"

/* Release ordering before the commit store: stores are not reordered. */
#define RSEQ_ASM_RELEASE_FENCE	""

/* The operands and clobbers every section uses. */
#define RSEQ_ARCH_COMMON_INPUTS(cpu)					\
	[cpu_id]	"r" (cpu),					\
	[rseq_abi]	"a" (rseq_get_abi())
#define RSEQ_ARCH_CLOBBERS	"memory", "cc", "r0", "r1"

/*
 * Building blocks of arch/loadstore-ops.h (the operation families; that
 * file lists what each block must do).
 * Scratch %r1 (TMP0: r0 cannot be a base or index register) and %r0
 * (TMP1).  Inputs are "a" registers (usable as base or index).  s390
 * keeps stores in order, so the release variants equal the relaxed ones.
 */
#define RSEQ_ASM_TMP0		"%%r1"		/* r0 cannot be an address */
#define RSEQ_ASM_TMP1		"%%r0"
/* The commit store of a release variant (the fence is empty). */
#define RSEQ_ASM_STORE_RELEASE_WORD(val, ptr)				\
	RSEQ_ASM_RELEASE_FENCE RSEQ_ASM_STORE_WORD(val, ptr)
/* Go to 'label' when the word at 'addr' equals 'expect' (leaves it in %r1). */
#define RSEQ_ASM_CMP_WORD_EQ(addr, expect, label)			\
	RSEQ_ASM_LOAD_WORD("%%r1", addr)				\
	RSEQ_S390_CR " %%r1, " expect "\n\t"				\
	"jge " label "\n\t"
/* dst = *(base + index) */
#define RSEQ_ASM_LOAD_WORD_INDEXED(dst, base, index)			\
	RSEQ_S390_L " " dst ", 0(" index ", " base ")\n\t"
/* dst = *ptr + val (add from memory) */
#define RSEQ_ASM_LOAD_ADD_WORD(dst, ptr, val)				\
	RSEQ_S390_LR " " dst ", " val "\n\t"				\
	RSEQ_S390_A " " dst ", 0(" ptr ")\n\t"
/* rseq_addv sums in %r0. */
#define RSEQ_ASM_ADDV_SUM	RSEQ_ASM_TMP1
/*
 * The copy of rseq_cmpeqv_trymemcpy_storev: whole words while at least
 * one remains, then bytes (s390 accesses misaligned words in hardware).
 * %r1 is the offset, used as the index register, so no input register
 * changes; %r0 carries the data.
 */
#define RSEQ_ASM_MEMCPY_LOOP						\
	RSEQ_S390_LHI " %%r1, 0\n\t"					\
	"5:\n\t"	/* words */					\
	RSEQ_S390_LR " %%r0, %%r1\n\t"					\
	RSEQ_S390_AHI " %%r0, " RSEQ_S390_WSIZE "\n\t"			\
	RSEQ_S390_CLR " %%r0, %[len]\n\t"				\
	"jh 6f\n\t"							\
	RSEQ_S390_L " %%r0, 0(%%r1, %[src])\n\t"			\
	RSEQ_S390_ST " %%r0, 0(%%r1, %[dst])\n\t"			\
	RSEQ_S390_AHI " %%r1, " RSEQ_S390_WSIZE "\n\t"			\
	"j 5b\n\t"							\
	"6:\n\t"	/* trailing bytes */				\
	RSEQ_S390_CLR " %%r1, %[len]\n\t"				\
	"jhe 7f\n\t"							\
	"ic %%r0, 0(%%r1, %[src])\n\t"					\
	"stc %%r0, 0(%%r1, %[dst])\n\t"					\
	RSEQ_S390_AHI " %%r1, 1\n\t"					\
	"j 6b\n\t"							\
	"7:\n\t"

/* Operands of every section ("a": usable as base or index register). */
#define RSEQ_ASM_PTR		"a"
#define RSEQ_ASM_INDEX		"a"
#define RSEQ_ARCH_OPS "loadstore-ops.h"

#endif /* RSEQKIT_ARCH_S390_H */
