/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/mips/arch.h - MIPS (n64, n32 and o32, either byte order;
 * classic MIPS encoding only): signature, barriers, thread pointer, and
 * the assembler building blocks every critical section in
 * arch/loadstore-ops.h is made of.
 *
 * Included by rseqkit/rseq.h only.
 *
 * Layout of one critical section (all operations follow it):
 *
 *   __rseq_cs:                 3: descriptor {0, 0, 1f, 2f - 1f, 4f}
 *   __rseq_cs_ptr_array:       &3b
 *   __rseq_exit_point_array:   {1f, exit} for every early exit
 *   .text:   bal 79f ($31 = 78b)
 *            78:  .word 3b - 78b (the descriptor's PC-relative offset)
 *            79:  $12 = $31 + *(int32_t *)$31; store $12 into rseq_cs
 *            1: (start) compare the index (cpu_id or mm_cid) with 'cpu'
 *               ... loads, compares, at most one trial store ...
 *               final store (the commit)
 *            2: (post-commit) b 89f
 *               the signature as a 4-byte word
 *            4: (abort)  b to the C abort label
 *            89:
 *
 * Why not "la" of the descriptor, and why the abort handler sits in the
 * code rather than in __rseq_failure as on the other architectures:
 *  - MIPS before R6 has no PC-relative addressing.  In position-
 *    independent code (the default: Debian builds PIE) "la" of a label
 *    goes through the GOT and $gp, which inline assembly cannot rely on
 *    (gcc keeps the GOT pointer in whatever register it likes).  bal gives
 *    the PC; the offset word is resolved by the static linker
 *    (R_MIPS_PC32), so the code needs no run-time relocation.
 *  - Conditional branches reach +-128 KiB only, and "j" is not
 *    position-independent: a handler in another output section may be out
 *    of reach in a large program.
 * The fast path pays two taken branches (bal, b) and one load for it.
 *
 * Scratch registers: $12-$15 (t0-t3 in n64/n32, t4-t7 in o32) and $31,
 * declared clobbered by every operation.  The sections run in the
 * assembler's "reorder" mode (gas fills branch delay slots and never moves
 * an instruction across a label); the parts that depend on exact layout
 * switch to noreorder locally.
 */
#ifndef RSEQKIT_ARCH_MIPS_H
#define RSEQKIT_ARCH_MIPS_H

#ifndef RSEQKIT_RSEQ_H
# error "rseqkit/arch/mips/arch.h is part of <rseqkit/rseq.h>: include that"
#endif
#ifndef __mips__
# error "rseqkit/arch/mips/arch.h: the target is not MIPS"
#endif
#if defined(__mips16) || defined(__mips_micromips) || defined(__nanomips__)
# error "rseqkit: MIPS16e, microMIPS and nanoMIPS encodings are not supported"
#endif

/* The signature: "break 0x350"; the same word in either byte order. */
#define RSEQ_SIG	RSEQKIT_SIG

#define rseq_smp_mb()	__asm__ __volatile__ ("sync" ::: "memory")
#define rseq_smp_rmb()	rseq_smp_mb()
#define rseq_smp_wmb()	rseq_smp_mb()

/* Acquire loads and release stores: arch/fences.h, from these fences. */
#define rseq_smp_acquire_fence()	rseq_smp_mb()
#define rseq_smp_release_fence()	rseq_smp_mb()

#define rseq_smp_acquire__after_ctrl_dep()	rseq_smp_rmb()

/* rdhwr $29 (UserLocal); glibc's __rseq_offset is relative to it. */
static inline void *rseq_thread_pointer(void)
{
	return __builtin_thread_pointer();
}

/*
 * Word size (the size of intptr_t) and byte order of the target, so that
 * one template serves n64, n32 and o32.
 */
#if _MIPS_SZPTR == 64
# define RSEQ_MIPS_L		"ld"
# define RSEQ_MIPS_S		"sd"
# define RSEQ_MIPS_ADDU		"daddu"
# define RSEQ_MIPS_ADDIU	"daddiu"
# define RSEQ_MIPS_WSIZE	"8"
# define RSEQ_ASM_U64(x)	".dword " x
#elif _MIPS_SZPTR == 32
# define RSEQ_MIPS_L		"lw"
# define RSEQ_MIPS_S		"sw"
# define RSEQ_MIPS_ADDU		"addu"
# define RSEQ_MIPS_ADDIU	"addiu"
# define RSEQ_MIPS_WSIZE	"4"
# if defined(__MIPSEB__)
#  define RSEQ_ASM_U64(x)	".word 0x0, " x
# else
#  define RSEQ_ASM_U64(x)	".word " x ", 0x0"
# endif
#else
# error "rseqkit: unknown _MIPS_SZPTR"
#endif

/*
 * Emit the descriptor and register it in __rseq_cs_ptr_array.  In the
 * code: a bal that leaves the address of label 78 in $31 and jumps over
 * the 32-bit PC-relative offset of the descriptor stored there (resolved
 * at link time: no text relocation, also in PIE and shared libraries).
 */
#define RSEQ_ASM_DEFINE_TABLE(label, start_ip, post_commit_ip, abort_ip)	\
	RSEQ_ASM_DESCRIPTOR(label, start_ip, post_commit_ip, abort_ip)	\
	".set push\n\t"							\
	".set noreorder\n\t"							\
	"bal 79f\n\t"								\
	"nop\n\t"								\
	"78:\n\t"								\
	".word " __rseq_str(label) "b - 78b\n\t"				\
	"79:\n\t"								\
	".set pop\n\t"

/*
 * Arm the section: the descriptor's address ($31 plus the offset stored
 * at $31 by RSEQ_ASM_DEFINE_TABLE) into rseq_cs, then the start label.
 * cs_label is the descriptor's label: 78b holds its offset.
 */
#define RSEQ_ASM_STORE_RSEQ_CS(label, cs_label)				\
	RSEQ_INJECT_ASM(1)						\
	"lw $12, 0($31)\n\t"						\
	RSEQ_MIPS_ADDU " $12, $12, $31\n\t"				\
	RSEQ_MIPS_S " $12, " __rseq_str(RSEQKIT_ABI_RSEQ_CS_PTR_OFFSET)	\
		"(%[rseq_abi])\n\t"					\
	__rseq_str(label) ":\n\t"

/*
 * First instructions of every section: abort unless the index the data is
 * selected by (cpu_id or mm_cid, at 'offset') still equals %[cpu_id].
 */
#define RSEQ_ASM_CMP_CPU_ID(offset, abort_label)			\
	RSEQ_INJECT_ASM(2)						\
	"lw $12, " __rseq_str(offset) "(%[rseq_abi])\n\t"		\
	"bne $12, %[cpu_id], " __rseq_str(abort_label) "\n\t"

/*
 * Word helpers of the operations.  'addr' is a register operand holding
 * an address; 'reg' a register name or operand.
 */
#define RSEQ_ASM_LOAD_WORD(reg, addr)	RSEQ_MIPS_L " " reg ", 0(" addr ")\n\t"
#define RSEQ_ASM_STORE_WORD(reg, addr)	RSEQ_MIPS_S " " reg ", 0(" addr ")\n\t"
/* Go to 'label' unless the word at 'addr' equals 'expect' (uses $12). */
#define RSEQ_ASM_CMP_WORD_NE(addr, expect, label)			\
	RSEQ_ASM_LOAD_WORD("$12", addr)					\
	"bne $12, " expect ", " label "\n\t"
/* Go to 'label' when the word at 'addr' equals 'expect' (leaves it in $12). */
#define RSEQ_ASM_CMP_WORD_EQ(addr, expect, label)			\
	RSEQ_ASM_LOAD_WORD("$12", addr)					\
	"beq $12, " expect ", " label "\n\t"

/*
 * The abort handler, right after the post-commit label: the fast path
 * branches over it; the signature is the word before the abort label.
 */
#define RSEQ_ASM_DEFINE_ABORT(label, abort_label)			\
	".set push\n\t"							\
	".set noreorder\n\t"						\
	"b 89f\n\t"							\
	"nop\n\t"							\
	".word " __rseq_str(RSEQ_SIG) "\n\t"				\
	__rseq_str(label) ":\n\t"					\
	"b %l[" __rseq_str(abort_label) "]\n\t"				\
	"nop\n\t"							\
	"89:\n\t"							\
	".set pop\n\t"

/* Release ordering before the commit store. */
#define RSEQ_ASM_RELEASE_FENCE	"sync\n\t"

/* The operands and clobbers every section uses. */
#define RSEQ_ARCH_COMMON_INPUTS(cpu)					\
	[cpu_id]	"r" (cpu),					\
	[rseq_abi]	"r" (rseq_get_abi())
#define RSEQ_ARCH_CLOBBERS	"memory", "$12", "$13", "$14", "$15", "$31"

/*
 * Building blocks of arch/loadstore-ops.h (the operation families; that
 * file lists what each block must do).
 * Scratch $12 (TMP0), $13 (TMP1), $14-$15 (the copy); no input is
 * modified and nothing needs restoring.
 */
#define RSEQ_ASM_TMP0		"$12"
#define RSEQ_ASM_TMP1		"$13"
/* The commit store of a release variant. */
#define RSEQ_ASM_STORE_RELEASE_WORD(val, ptr)				\
	RSEQ_ASM_RELEASE_FENCE RSEQ_ASM_STORE_WORD(val, ptr)
/* dst = *(base + index) */
#define RSEQ_ASM_LOAD_WORD_INDEXED(dst, base, index)			\
	RSEQ_MIPS_ADDU " " dst ", " base ", " index "\n\t"	\
	RSEQ_ASM_LOAD_WORD(dst, dst)
/* dst = *ptr + val */
#define RSEQ_ASM_LOAD_ADD_WORD(dst, ptr, val)				\
	RSEQ_ASM_LOAD_WORD(dst, ptr)					\
	RSEQ_MIPS_ADDU " " dst ", " dst ", " val "\n\t"
/* The pop's successor goes to $13 (the head stays in $12). */
#define RSEQ_ASM_POP_NEXT	RSEQ_ASM_TMP1
/*
 * The copy of rseq_cmpeqv_trymemcpy_storev: whole words while at least
 * one remains, then bytes; only bytes when dst or src is not word-aligned
 * (a misaligned access traps to the kernel's emulation).  $12 is the
 * offset, so no input register changes.
 */
#define RSEQ_ASM_MEMCPY_LOOP						\
	"move $12, $0\n\t"						\
	"or $13, %[dst], %[src]\n\t"					\
	"andi $13, $13, " RSEQ_MIPS_WSIZE " - 1\n\t"			\
	"bnez $13, 6f\n\t"						\
	"5:\n\t"	/* words */					\
	RSEQ_MIPS_ADDIU " $13, $12, " RSEQ_MIPS_WSIZE "\n\t"		\
	"sltu $14, %[len], $13\n\t"					\
	"bnez $14, 6f\n\t"						\
	RSEQ_MIPS_ADDU " $14, %[src], $12\n\t"				\
	RSEQ_ASM_LOAD_WORD("$15", "$14")				\
	RSEQ_MIPS_ADDU " $14, %[dst], $12\n\t"				\
	RSEQ_ASM_STORE_WORD("$15", "$14")				\
	"move $12, $13\n\t"						\
	"b 5b\n\t"							\
	"6:\n\t"	/* trailing (or all) bytes */			\
	"sltu $13, $12, %[len]\n\t"					\
	"beqz $13, 7f\n\t"						\
	RSEQ_MIPS_ADDU " $14, %[src], $12\n\t"				\
	"lbu $15, 0($14)\n\t"						\
	RSEQ_MIPS_ADDU " $14, %[dst], $12\n\t"				\
	"sb $15, 0($14)\n\t"						\
	RSEQ_MIPS_ADDIU " $12, $12, 1\n\t"				\
	"b 6b\n\t"							\
	"7:\n\t"

/* Operands of every section. */
#define RSEQ_ASM_PTR		"r"
#define RSEQ_ASM_INDEX		"r"
#define RSEQ_ARCH_OPS "loadstore-ops.h"

#endif /* RSEQKIT_ARCH_MIPS_H */
