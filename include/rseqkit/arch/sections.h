/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/sections.h - the tables every critical section leaves in
 * the ELF file, the same on every architecture (what rseq-inspect, the gdb
 * extension and debuggers read):
 *
 *   __rseq_cs                 the descriptor, struct rseq_abi_cs: 32 bytes,
 *                             32-byte aligned, u64 fields in the target's
 *                             byte order
 *   __rseq_cs_ptr_array       one u64 per descriptor: its address
 *   __rseq_exit_point_array   pairs of u64 (start_ip, exit_ip): the exits of
 *                             a section other than its post-commit address
 *
 * The arch header provides RSEQ_ASM_U64(x) (one u64 in the target's byte
 * order: on 32-bit targets a 32-bit value and a zero word).  An arch whose
 * table also needs code (mips) defines RSEQ_ASM_DEFINE_TABLE itself in
 * terms of RSEQ_ASM_DESCRIPTOR.
 */
#ifndef RSEQKIT_ARCH_SECTIONS_H
#define RSEQKIT_ARCH_SECTIONS_H

/* The descriptor of [start_ip, post_commit_ip) aborting to abort_ip. */
#define RSEQ_ASM_DESCRIPTOR(label, start_ip, post_commit_ip, abort_ip)	\
	".pushsection __rseq_cs, \"aw\"\n\t"					\
	".balign 32\n\t"							\
	__rseq_str(label) ":\n\t"						\
	".long 0x0, 0x0\n\t"			/* version, flags */		\
	RSEQ_ASM_U64(__rseq_str(start_ip)) "\n\t"				\
	RSEQ_ASM_U64("(" __rseq_str(post_commit_ip) " - "			\
		     __rseq_str(start_ip) ")") "\n\t"				\
	RSEQ_ASM_U64(__rseq_str(abort_ip)) "\n\t"				\
	".popsection\n\t"							\
	".pushsection __rseq_cs_ptr_array, \"aw\"\n\t"				\
	RSEQ_ASM_U64(__rseq_str(label) "b") "\n\t"				\
	".popsection\n\t"

#ifndef RSEQ_ASM_DEFINE_TABLE
# define RSEQ_ASM_DEFINE_TABLE(label, start_ip, post_commit_ip, abort_ip) \
	RSEQ_ASM_DESCRIPTOR(label, start_ip, post_commit_ip, abort_ip)
#endif

/* Record an exit of the section other than its post-commit address. */
#define RSEQ_ASM_DEFINE_EXIT_POINT(start_ip, exit_ip)			\
	".pushsection __rseq_exit_point_array, \"aw\"\n\t"		\
	RSEQ_ASM_U64(__rseq_str(start_ip)) "\n\t"			\
	RSEQ_ASM_U64(__rseq_str(exit_ip)) "\n\t"			\
	".popsection\n\t"

#endif /* RSEQKIT_ARCH_SECTIONS_H */
