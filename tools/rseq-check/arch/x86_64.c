/* SPDX-License-Identifier: MIT */
/*
 * arch/x86_64.c - rseq-check on x86-64: int3, the syscall instruction,
 * rip, and the variable-length decoder of arch/x86len.c.
 */
#if defined(__x86_64__)
#include "../arch.h"

#include <elf.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <sys/user.h>

const struct rc_arch rc_native_arch = {
	.name = "x86-64",
	.e_machine = EM_X86_64,
	.bp = { 0xcc },
	.bp_len = 1,
	.bp_trap_advance = 1,
	.syscall_len = 2,
	.sys_mmap = SYS_mmap,
	.sys_mprotect = SYS_mprotect,
	.sys_rseq = SYS_rseq,
	.regs_size = sizeof(struct user_regs_struct),
	.pc_offset = offsetof(struct user_regs_struct, rip),
	.insn_len = x86_insn_len,
};
#endif
