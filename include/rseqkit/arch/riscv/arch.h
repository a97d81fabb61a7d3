/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/riscv/arch.h - RISC-V (RV64 and RV32, little-endian):
 * signature, barriers, thread pointer, and the assembler building blocks
 * every critical section in arch/loadstore-ops.h is made of.
 *
 * Included by rseqkit/rseq.h only.
 *
 * Layout of one critical section (all operations follow it):
 *
 *   __rseq_cs:                 3: descriptor {0, 0, 1f, 2f - 1f, 4f}
 *   __rseq_cs_ptr_array:       &3b
 *   __rseq_exit_point_array:   {1f, exit} for every early exit
 *   .text:   lla t0, 3b; store t0 into rseq_abi.rseq_cs
 *            1: (start) compare the index (cpu_id or mm_cid) with 'cpu'
 *               ... loads, compares, at most one trial store ...
 *               final store (the commit)
 *            2: (post-commit)
 *   __rseq_failure:  the signature as a 4-byte word
 *            4: (abort)  auipc/jr to the C abort label
 *
 * Scratch registers: t0-t3 (x5-x7, x28), declared clobbered by every
 * operation.  The area's address comes in a register ([rseq_abi]); no
 * stack slot is touched inside a section.
 */
#ifndef RSEQKIT_ARCH_RISCV_H
#define RSEQKIT_ARCH_RISCV_H

#ifndef RSEQKIT_RSEQ_H
# error "rseqkit/arch/riscv/arch.h is part of <rseqkit/rseq.h>: include that"
#endif
#ifndef __riscv
# error "rseqkit/arch/riscv/arch.h: the target is not RISC-V"
#endif

#if defined(__BYTE_ORDER__) && (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
# error "rseqkit: big-endian RISC-V has no defined rseq signature"
#endif

/*
 * The signature: "csrr mhartid, x0" (csrrs x0, mhartid, x0), which traps
 * in user mode; the same value as glibc's and the kernel selftests'.
 */
#define RSEQ_SIG	RSEQKIT_SIG

#define rseq_smp_mb()	__asm__ __volatile__ ("fence rw, rw" ::: "memory")
#define rseq_smp_rmb()	__asm__ __volatile__ ("fence r, r" ::: "memory")
#define rseq_smp_wmb()	__asm__ __volatile__ ("fence w, w" ::: "memory")

/* Acquire loads and release stores: arch/fences.h, from these fences. */
#define rseq_smp_acquire_fence()	__asm__ __volatile__ ("fence r, rw" ::: "memory")
#define rseq_smp_release_fence()	__asm__ __volatile__ ("fence rw, w" ::: "memory")

#define rseq_smp_acquire__after_ctrl_dep()	rseq_smp_rmb()

/*
 * The spin-wait hint: "pause" (Zihintpause), spelled as its encoding so
 * that assemblers without the extension accept it; cores without it run
 * it as a fence that orders nothing.
 */
#define rseq_cpu_relax()	__asm__ __volatile__ (".4byte 0x100000f" ::: "memory")

/* tp (x4); glibc's __rseq_offset is relative to it. */
static inline void *rseq_thread_pointer(void)
{
	return __builtin_thread_pointer();
}

/* Word size of the target: one template serves RV64 and RV32. */
#if __riscv_xlen == 64
# define RSEQ_RV_L		"ld"
# define RSEQ_RV_S		"sd"
# define RSEQ_RV_WSIZE		"8"
# define RSEQ_ASM_U64(x)	".dword " x
#elif __riscv_xlen == 32
# define RSEQ_RV_L		"lw"
# define RSEQ_RV_S		"sw"
# define RSEQ_RV_WSIZE		"4"
# define RSEQ_ASM_U64(x)	".word " x ", 0x0"	/* little-endian u64 */
#else
# error "rseqkit: unknown __riscv_xlen"
#endif

/*
 * rseq_cs: the whole u64 on RV64; on RV32 its low word, which is at
 * offset 8 (little-endian); the high word stays zero.
 */

/*
 * Arm the section: store the descriptor's address (PC-relative, so also
 * in position-independent code) into rseq_cs, then the start label.
 */
#define RSEQ_ASM_STORE_RSEQ_CS(label, cs_label)				\
	RSEQ_INJECT_ASM(1)						\
	"lla t0, " __rseq_str(cs_label) "\n\t"				\
	RSEQ_RV_S " t0, " __rseq_str(RSEQKIT_ABI_RSEQ_CS_PTR_OFFSET)		\
		"(%[rseq_abi])\n\t"					\
	__rseq_str(label) ":\n\t"

/*
 * Branches to a label outside the section (the abort handler in another
 * section, a C label anywhere in the function): an inverted conditional
 * branch over a jal (+-1 MiB), since a conditional branch reaches only
 * +-4 KiB and not every assembler relaxes it (clang's does not).
 */
#define RSEQ_RV_BNE_FAR(a, b, label)					\
	"beq " a ", " b ", 77f\n\t"					\
	"j " label "\n\t"						\
	"77:\n\t"
#define RSEQ_RV_BEQ_FAR(a, b, label)					\
	"bne " a ", " b ", 77f\n\t"					\
	"j " label "\n\t"						\
	"77:\n\t"

/*
 * First instructions of every section: abort unless the index the data is
 * selected by (cpu_id or mm_cid, at 'offset') still equals %[cpu_id].
 */
#define RSEQ_ASM_CMP_CPU_ID(offset, abort_label)			\
	RSEQ_INJECT_ASM(2)						\
	"lw t0, " __rseq_str(offset) "(%[rseq_abi])\n\t"		\
	RSEQ_RV_BNE_FAR("t0", "%[cpu_id]", __rseq_str(abort_label))

/*
 * Word helpers of the operations.  'addr' is a register operand holding
 * an address; 'reg' a register name or operand.
 */
#define RSEQ_ASM_LOAD_WORD(reg, addr)	RSEQ_RV_L " " reg ", 0(" addr ")\n\t"
#define RSEQ_ASM_STORE_WORD(reg, addr)	RSEQ_RV_S " " reg ", 0(" addr ")\n\t"
/* Go to 'label' unless the word at 'addr' equals 'expect' (uses t0). */
#define RSEQ_ASM_CMP_WORD_NE(addr, expect, label)			\
	RSEQ_ASM_LOAD_WORD("t0", addr)					\
	RSEQ_RV_BNE_FAR("t0", expect, label)
/* Go to 'label' when the word at 'addr' equals 'expect' (leaves it in t0). */
#define RSEQ_ASM_CMP_WORD_EQ(addr, expect, label)			\
	RSEQ_ASM_LOAD_WORD("t0", addr)					\
	RSEQ_RV_BEQ_FAR("t0", expect, label)

/*
 * The abort handler: outside the section, in __rseq_failure, preceded by
 * the signature.  auipc + jr reach the C label at any distance (a plain
 * jal stops at 1 MiB).
 */
#define RSEQ_ASM_DEFINE_ABORT(label, abort_label)			\
	".pushsection __rseq_failure, \"ax\"\n\t"			\
	".balign 4\n\t"							\
	".long " __rseq_str(RSEQ_SIG) "\n\t"				\
	__rseq_str(label) ":\n\t"					\
	"88: auipc t0, %%pcrel_hi(%l[" __rseq_str(abort_label) "])\n\t" \
	"jr t0, %%pcrel_lo(88b)\n\t"					\
	".popsection\n\t"

/* Release ordering before the commit store. */
#define RSEQ_ASM_RELEASE_FENCE	"fence rw, w\n\t"

/* The operands and clobbers every section uses. */
#define RSEQ_ARCH_COMMON_INPUTS(cpu)					\
	[cpu_id]	"r" (cpu),					\
	[rseq_abi]	"r" (rseq_get_abi())
#define RSEQ_ARCH_CLOBBERS	"memory", "t0", "t1", "t2", "t3"

/*
 * Building blocks of arch/loadstore-ops.h (the operation families; that
 * file lists what each block must do).
 * Scratch t0 (TMP0), t1 (TMP1), t2-t3 (the copy); no input is modified
 * and nothing needs restoring.  The comparisons branch with
 * RSEQ_RV_BNE_FAR / _BEQ_FAR (any distance).
 */
#define RSEQ_ASM_TMP0		"t0"
#define RSEQ_ASM_TMP1		"t1"
/* The commit store of a release variant. */
#define RSEQ_ASM_STORE_RELEASE_WORD(val, ptr)				\
	RSEQ_ASM_RELEASE_FENCE RSEQ_ASM_STORE_WORD(val, ptr)
/* dst = *(base + index) */
#define RSEQ_ASM_LOAD_WORD_INDEXED(dst, base, index)			\
	"add " dst ", " base ", " index "\n\t"	\
	RSEQ_ASM_LOAD_WORD(dst, dst)
/* dst = *ptr + val */
#define RSEQ_ASM_LOAD_ADD_WORD(dst, ptr, val)				\
	RSEQ_ASM_LOAD_WORD(dst, ptr)					\
	"add " dst ", " dst ", " val "\n\t"
/* The pop's successor goes to t1 (the head stays in t0). */
#define RSEQ_ASM_POP_NEXT	RSEQ_ASM_TMP1
/*
 * The copy of rseq_cmpeqv_trymemcpy_storev: whole words while at least
 * one remains, then bytes; only bytes when dst or src is not word-aligned
 * (a misaligned access may trap to a slow handler).  t0 is the offset,
 * so no input register changes.
 */
#define RSEQ_ASM_MEMCPY_LOOP						\
	"li t0, 0\n\t"							\
	"or t1, %[dst], %[src]\n\t"					\
	"andi t1, t1, " RSEQ_RV_WSIZE " - 1\n\t"			\
	"bnez t1, 6f\n\t"						\
	"5:\n\t"	/* words */					\
	"addi t1, t0, " RSEQ_RV_WSIZE "\n\t"				\
	"bgtu t1, %[len], 6f\n\t"					\
	"add t2, %[src], t0\n\t"					\
	RSEQ_ASM_LOAD_WORD("t3", "t2")					\
	"add t2, %[dst], t0\n\t"					\
	RSEQ_ASM_STORE_WORD("t3", "t2")					\
	"mv t0, t1\n\t"							\
	"j 5b\n\t"							\
	"6:\n\t"	/* trailing (or all) bytes */			\
	"bgeu t0, %[len], 7f\n\t"					\
	"add t2, %[src], t0\n\t"					\
	"lbu t3, 0(t2)\n\t"						\
	"add t2, %[dst], t0\n\t"					\
	"sb t3, 0(t2)\n\t"						\
	"addi t0, t0, 1\n\t"						\
	"j 6b\n\t"							\
	"7:\n\t"

/* Operands of every section. */
#define RSEQ_ASM_PTR		"r"
#define RSEQ_ASM_INDEX		"r"
#define RSEQ_ARCH_OPS "loadstore-ops.h"

#endif /* RSEQKIT_ARCH_RISCV_H */
