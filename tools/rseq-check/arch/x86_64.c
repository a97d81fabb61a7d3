/* SPDX-License-Identifier: MIT */
/*
 * arch/x86_64.c - rseq-check on x86-64: int3, the syscall instruction,
 * rip, and the variable-length decoder of arch/x86len.c.
 */
#if defined(__x86_64__)
#include "../arch.h"

#include <elf.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>

static int get_regs(pid_t tid, struct user_regs_struct *r)
{
	struct iovec io = { r, sizeof(*r) };
	return (int)ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &io);
}

static int get_pc(pid_t tid, uint64_t *pc)
{
	struct user_regs_struct r;
	if (get_regs(tid, &r))
		return -1;
	*pc = r.rip;
	return 0;
}

static int set_pc(pid_t tid, uint64_t pc)
{
	struct user_regs_struct r;
	struct iovec io = { &r, sizeof(r) };
	if (get_regs(tid, &r))
		return -1;
	r.rip = pc;
	return (int)ptrace(PTRACE_SETREGSET, tid, (void *)NT_PRSTATUS, &io);
}

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
	.get_pc = get_pc,
	.set_pc = set_pc,
	.insn_len = x86_insn_len,
};
#endif
