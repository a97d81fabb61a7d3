/* SPDX-License-Identifier: MIT */
/*
 * arch.h - what rseq-check needs to know about the architecture it runs
 * on: one file per architecture in arch/, each compiled only for its own
 * target, defines rc_native_arch.  Adding an architecture is adding that
 * file (its breakpoint, its registers, its instruction lengths).
 */
#ifndef RSEQKIT_TOOLS_CHECK_ARCH_H
#define RSEQKIT_TOOLS_CHECK_ARCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct rc_arch {
	const char *name;
	uint16_t e_machine;		/* of the ELF files it can trace */
	uint8_t bp[4];			/* the breakpoint instruction */
	unsigned bp_len;
	unsigned bp_trap_advance;	/* pc - breakpoint address after it traps */
	unsigned syscall_len;		/* pc - system-call instruction at its stop */
	long sys_mmap, sys_mprotect, sys_rseq;
	/* the general registers (PTRACE_GETREGSET NT_PRSTATUS): their size
	 * and where the program counter is in them */
	size_t regs_size, pc_offset;
	/* length of the instruction at p (n bytes readable), -1 if unknown */
	int (*insn_len)(const uint8_t *p, size_t n);
};

/* Defined by the arch/ file of the host; absent (NULL) elsewhere. */
extern const struct rc_arch rc_native_arch __attribute__((weak));

/* The stopped thread's program counter (tracee.c, through the above). */
int rc_get_pc(pid_t tid, uint64_t *pc);
int rc_set_pc(pid_t tid, uint64_t pc);

/* The x86-64 decoder (arch/x86len.c; also tested on its own). */
int x86_insn_len(const uint8_t *p, size_t n);

#endif
