/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/abi.h - the Linux restartable sequences (rseq) kernel ABI.
 *
 * Everything here describes what the kernel reads and writes; nothing
 * depends on the version of the installed kernel headers.  The names are
 * those of the kernel rseq selftests' rseq-abi.h (struct rseq_abi,
 * struct rseq_abi_cs, RSEQ_ABI_*), which do not clash with <linux/rseq.h>
 * (struct rseq, struct rseq_cs) nor with glibc's <sys/rseq.h>: a program
 * may include all three.  rseqkit's own additions use RSEQKIT_ABI_*.
 */
#ifndef RSEQKIT_ABI_H
#define RSEQKIT_ABI_H

#include <stdint.h>
#include <stddef.h>
#include "version.h"

enum rseq_abi_cpu_id_state {
	RSEQ_ABI_CPU_ID_UNINITIALIZED		= -1,
	RSEQ_ABI_CPU_ID_REGISTRATION_FAILED	= -2,
};

/* rseq(2) flags argument. */
enum rseq_abi_flags {
	RSEQ_ABI_FLAG_UNREGISTER		= (1 << 0),
	RSEQ_ABI_FLAG_SLICE_EXT_DEFAULT_ON	= (1 << 1),	/* Linux 7.0 */
};

/*
 * struct rseq_abi_cs flags.  Deprecated since Linux 6.1: a descriptor that
 * sets any of them makes the kernel kill the thread (SIGSEGV).
 */
enum rseq_abi_cs_flags_bit {
	RSEQ_ABI_CS_FLAG_NO_RESTART_ON_PREEMPT_BIT	= 0,
	RSEQ_ABI_CS_FLAG_NO_RESTART_ON_SIGNAL_BIT	= 1,
	RSEQ_ABI_CS_FLAG_NO_RESTART_ON_MIGRATE_BIT	= 2,
};

enum rseq_abi_cs_flags {
	RSEQ_ABI_CS_FLAG_NO_RESTART_ON_PREEMPT	=
		(1U << RSEQ_ABI_CS_FLAG_NO_RESTART_ON_PREEMPT_BIT),
	RSEQ_ABI_CS_FLAG_NO_RESTART_ON_SIGNAL	=
		(1U << RSEQ_ABI_CS_FLAG_NO_RESTART_ON_SIGNAL_BIT),
	RSEQ_ABI_CS_FLAG_NO_RESTART_ON_MIGRATE	=
		(1U << RSEQ_ABI_CS_FLAG_NO_RESTART_ON_MIGRATE_BIT),
};

/*
 * The critical-section descriptor: 32 bytes, aligned on 32 so that it
 * never straddles a cache line.  Usually link-time constant data in the
 * __rseq_cs section.  The kernel aborts to abort_ip when the thread is
 * preempted, migrated or signalled while its instruction pointer is in
 * [start_ip, start_ip + post_commit_offset).
 */
struct rseq_abi_cs {
	uint32_t version;		/* must be 0 */
	uint32_t flags;			/* must be 0 (see above) */
	uint64_t start_ip;
	uint64_t post_commit_offset;	/* offset from start_ip */
	uint64_t abort_ip;		/* preceded by the 4-byte signature */
} __attribute__((aligned(4 * sizeof(uint64_t))));

/* The time-slice extension control word (Linux 7.0). */
struct rseq_abi_slice_ctrl {
	uint8_t request;		/* user writes 1 to ask for an extension */
	uint8_t granted;		/* kernel sets when it granted one */
	uint16_t reserved;
};

/*
 * The per-thread area, registered with rseq(2).  Field by field:
 *
 *  off field         since  written by
 *    0 cpu_id_start  4.18   kernel only
 *    4 cpu_id        4.18   kernel only (-1 uninitialized, -2 failed)
 *    8 rseq_cs       4.18   user: address of the active descriptor;
 *                           the kernel clears it
 *   16 flags         4.18   kernel (deprecated for user writes)
 *   20 node_id       6.3    kernel only
 *   24 mm_cid        6.3    kernel only
 *   28 slice_ctrl    7.0    user writes request, kernel writes granted
 *
 * Which fields the kernel fills is told by the feature size
 * (auxv AT_RSEQ_FEATURE_SIZE; 20 when auxv lacks it).  Kernels from 6.19
 * kill a process that writes a kernel-owned field.
 */
struct rseq_abi {
	uint32_t cpu_id_start;
	uint32_t cpu_id;
	union {
		uint64_t ptr64;
		/* Pointer-sized access that matches the byte order. */
		struct {
#if defined(__LP64__) || defined(_LP64)
			uint64_t ptr;
#elif defined(__BYTE_ORDER__) && (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
			uint32_t padding;	/* always zero */
			uint32_t ptr;
#else
			uint32_t ptr;
			uint32_t padding;	/* always zero */
#endif
		} arch;
	} rseq_cs;
	uint32_t flags;
	uint32_t node_id;
	uint32_t mm_cid;
	struct rseq_abi_slice_ctrl slice_ctrl;
	char end[];
} __attribute__((aligned(4 * sizeof(uint64_t))));

/*
 * Compile-time assertion usable in C (from C99, as a GNU extension there)
 * and C++ headers alike.
 */
#ifdef __cplusplus
# define RSEQKIT_STATIC_ASSERT(cond, msg)	static_assert(cond, msg)
#else
# define RSEQKIT_STATIC_ASSERT(cond, msg)	__extension__ _Static_assert(cond, msg)
#endif

/*
 * Field offsets as assembler literals: the critical sections' asm names
 * these (arch/template-bits.h, each arch.h), and the assertions below tie
 * every one to the C layout.  RSEQKIT_ABI_RSEQ_CS_PTR_OFFSET is where a
 * pointer-sized store of the descriptor address goes: the whole u64 on
 * 64-bit and little-endian targets, its low word (offset 12) on 32-bit
 * big-endian ones.
 */
#define RSEQKIT_ABI_CPU_ID_START_OFFSET	0
#define RSEQKIT_ABI_CPU_ID_OFFSET	4
#define RSEQKIT_ABI_RSEQ_CS_OFFSET	8
#if defined(__LP64__) || defined(_LP64) || !defined(__BYTE_ORDER__) || \
	(__BYTE_ORDER__ != __ORDER_BIG_ENDIAN__)
# define RSEQKIT_ABI_RSEQ_CS_PTR_OFFSET	8
#else
# define RSEQKIT_ABI_RSEQ_CS_PTR_OFFSET	12
#endif
#define RSEQKIT_ABI_FLAGS_OFFSET	16
#define RSEQKIT_ABI_NODE_ID_OFFSET	20
#define RSEQKIT_ABI_MM_CID_OFFSET	24
#define RSEQKIT_ABI_SLICE_CTRL_OFFSET	28

RSEQKIT_STATIC_ASSERT(offsetof(struct rseq_abi, cpu_id_start) == RSEQKIT_ABI_CPU_ID_START_OFFSET,
		      "rseq_abi.cpu_id_start offset");
RSEQKIT_STATIC_ASSERT(offsetof(struct rseq_abi, cpu_id) == RSEQKIT_ABI_CPU_ID_OFFSET,
		      "rseq_abi.cpu_id offset");
RSEQKIT_STATIC_ASSERT(offsetof(struct rseq_abi, rseq_cs) == RSEQKIT_ABI_RSEQ_CS_OFFSET,
		      "rseq_abi.rseq_cs offset");
RSEQKIT_STATIC_ASSERT(offsetof(struct rseq_abi, rseq_cs.arch.ptr) == RSEQKIT_ABI_RSEQ_CS_PTR_OFFSET,
		      "rseq_abi.rseq_cs.arch.ptr offset");
RSEQKIT_STATIC_ASSERT(sizeof(((struct rseq_abi *)0)->rseq_cs.arch.ptr) == sizeof(void *),
		      "rseq_abi.rseq_cs.arch.ptr is pointer-sized");
RSEQKIT_STATIC_ASSERT(offsetof(struct rseq_abi, flags) == RSEQKIT_ABI_FLAGS_OFFSET,
		      "rseq_abi.flags offset");
RSEQKIT_STATIC_ASSERT(offsetof(struct rseq_abi, node_id) == RSEQKIT_ABI_NODE_ID_OFFSET,
		      "rseq_abi.node_id offset");
RSEQKIT_STATIC_ASSERT(offsetof(struct rseq_abi, mm_cid) == RSEQKIT_ABI_MM_CID_OFFSET,
		      "rseq_abi.mm_cid offset");
RSEQKIT_STATIC_ASSERT(offsetof(struct rseq_abi, slice_ctrl) == RSEQKIT_ABI_SLICE_CTRL_OFFSET,
		      "rseq_abi.slice_ctrl offset");
RSEQKIT_STATIC_ASSERT(sizeof(struct rseq_abi_cs) == 32, "rseq_abi_cs is 32 bytes");

/* struct rseq_abi flags bits the kernel sets (Linux 7.0, read-only). */
#define RSEQKIT_ABI_FLAG_SLICE_EXT_AVAILABLE	(1U << 4)
#define RSEQKIT_ABI_FLAG_SLICE_EXT_ENABLED	(1U << 5)

/* Sizes that the ABI's history fixes. */
#define RSEQKIT_ABI_ORIG_FEATURE_SIZE	20	/* up to and incl. flags */
#define RSEQKIT_ABI_ORIG_ALLOC_SIZE	32	/* the legacy registration */
#define RSEQKIT_ABI_ORIG_ALIGN		32

/* auxv entries (Linux 6.3). */
#define RSEQKIT_AT_RSEQ_FEATURE_SIZE	27
#define RSEQKIT_AT_RSEQ_ALIGN		28

/* membarrier(2) commands used with rseq (Linux 5.10). */
#define RSEQKIT_MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ		(1 << 7)
#define RSEQKIT_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ	(1 << 8)
#define RSEQKIT_MEMBARRIER_CMD_FLAG_CPU				(1 << 0)

/* Time-slice extension (Linux 7.0). */
#define RSEQKIT_PR_RSEQ_SLICE_EXTENSION		79
#define RSEQKIT_PR_RSEQ_SLICE_EXTENSION_GET	1
#define RSEQKIT_PR_RSEQ_SLICE_EXTENSION_SET	2
#define RSEQKIT_PR_RSEQ_SLICE_EXT_ENABLE	1

/*
 * The abort signature each architecture's critical sections carry in the
 * 4 bytes before their abort handler, and registration passes to rseq(2):
 * the kernel selftests' and glibc's RSEQ_SIG.  Defined here once: the
 * arch headers, the library and the tools (rseq-inspect reads files of
 * every architecture) use these names.  Each is also an assembler
 * literal (gas and LLVM accept the U suffix).
 */
#define RSEQKIT_SIG_X86		0x53053053U	/* ud1 operand, x86 and x86-64 */
#define RSEQKIT_SIG_AARCH64	0xd428bc00U	/* BRK #0x45E0 (the instruction) */
#define RSEQKIT_SIG_AARCH64_BE	0x00bc28d4U	/* the same bytes read as a
						   big-endian u32 */
#define RSEQKIT_SIG_ARM		0xe7f5def3U	/* udf #24035 */
#define RSEQKIT_SIG_ARM_BE8	0xf3def5e7U	/* same, byte-swapped for BE8 */
#define RSEQKIT_SIG_PPC		0x0fe5000bU	/* twui r5, 0xb */
#define RSEQKIT_SIG_S390	0xB2FF0FFFU
#define RSEQKIT_SIG_RISCV	0xf1401073U	/* csrr mhartid, x0 */
#define RSEQKIT_SIG_MIPS	0x0350000dU	/* MIPS32/64 break */
#define RSEQKIT_SIG_LOONGARCH	0x002a0010U

/* The value the architecture being compiled registers (and compares). */
#if defined(__x86_64__) || defined(__i386__)
# define RSEQKIT_SIG		RSEQKIT_SIG_X86
#elif defined(__aarch64__) && defined(__AARCH64EB__)
# define RSEQKIT_SIG		RSEQKIT_SIG_AARCH64_BE
#elif defined(__aarch64__)
# define RSEQKIT_SIG		RSEQKIT_SIG_AARCH64
#elif defined(__arm__) && defined(__ARMEB__)
# define RSEQKIT_SIG		RSEQKIT_SIG_ARM_BE8
#elif defined(__arm__)
# define RSEQKIT_SIG		RSEQKIT_SIG_ARM
#elif defined(__powerpc__)
# define RSEQKIT_SIG		RSEQKIT_SIG_PPC
#elif defined(__s390__)
# define RSEQKIT_SIG		RSEQKIT_SIG_S390
#elif defined(__riscv)
# define RSEQKIT_SIG		RSEQKIT_SIG_RISCV
#elif defined(__mips__)
# define RSEQKIT_SIG		RSEQKIT_SIG_MIPS
#elif defined(__loongarch__)
# define RSEQKIT_SIG		RSEQKIT_SIG_LOONGARCH
#endif

/* The rseq(2) system-call number for the architecture being compiled. */
#if defined(__x86_64__) && defined(__ILP32__)
# define RSEQKIT_NR_rseq	(0x40000000 + 334)	/* x32 */
#elif defined(__x86_64__)
# define RSEQKIT_NR_rseq	334
#elif defined(__i386__)
# define RSEQKIT_NR_rseq	386
#elif defined(__aarch64__) || defined(__riscv) || defined(__loongarch__)
# define RSEQKIT_NR_rseq	293	/* asm-generic */
#elif defined(__arm__)
# define RSEQKIT_NR_rseq	398
#elif defined(__powerpc__)
# define RSEQKIT_NR_rseq	387
#elif defined(__s390__)
# define RSEQKIT_NR_rseq	383
#elif defined(__mips__) && _MIPS_SIM == _ABIO32	/* gcc defines all _ABI* */
# define RSEQKIT_NR_rseq	(4000 + 367)
#elif defined(__mips__) && _MIPS_SIM == _ABIN32
# define RSEQKIT_NR_rseq	(6000 + 331)
#elif defined(__mips__)
# define RSEQKIT_NR_rseq	(5000 + 327)
#endif

/* The time-slice yield system call (Linux 7.0), the same on every arch. */
#define RSEQKIT_NR_rseq_slice_yield	471

#endif /* RSEQKIT_ABI_H */
