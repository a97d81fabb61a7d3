/* SPDX-License-Identifier: MIT */
/*
 * arch/aarch64.c - rseq-check on AArch64: BRK #0, SVC #0, pc; every
 * instruction is 4 bytes, so the boundaries of a section are every 4
 * bytes from its start.
 */
#if defined(__aarch64__)
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
	*pc = r.pc;
	return 0;
}

static int set_pc(pid_t tid, uint64_t pc)
{
	struct user_regs_struct r;
	struct iovec io = { &r, sizeof(r) };
	if (get_regs(tid, &r))
		return -1;
	r.pc = pc;
	return (int)ptrace(PTRACE_SETREGSET, tid, (void *)NT_PRSTATUS, &io);
}

static int insn_len(const uint8_t *p, size_t n)
{
	(void)p;
	return n >= 4 ? 4 : -1;
}

const struct rc_arch rc_native_arch = {
	.name = "aarch64",
	.e_machine = EM_AARCH64,
	.bp = { 0x00, 0x00, 0x20, 0xd4 },	/* BRK #0, little-endian */
	.bp_len = 4,
	.bp_trap_advance = 0,
	.syscall_len = 4,
	.sys_mmap = SYS_mmap,
	.sys_mprotect = SYS_mprotect,
	.sys_rseq = SYS_rseq,
	.get_pc = get_pc,
	.set_pc = set_pc,
	.insn_len = insn_len,
};
#endif
