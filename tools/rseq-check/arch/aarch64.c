/* SPDX-License-Identifier: MIT */
/*
 * arch/aarch64.c - rseq-check on AArch64: BRK #0, SVC #0, pc; every
 * instruction is 4 bytes, so the boundaries of a section are every 4
 * bytes from its start.
 */
#if defined(__aarch64__)
#include "../arch.h"

#include <elf.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <sys/user.h>

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
	.regs_size = sizeof(struct user_regs_struct),
	.pc_offset = offsetof(struct user_regs_struct, pc),
	.insn_len = insn_len,
};
#endif
