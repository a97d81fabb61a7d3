/* SPDX-License-Identifier: MIT */
/* tracee.c - reading and writing a traced process, a thread's rseq area. */
#include "check.h"

#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#ifndef PTRACE_GET_RSEQ_CONFIGURATION
#define PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#endif

struct rseq_config {		/* struct ptrace_rseq_configuration */
	uint64_t rseq_abi_pointer;
	uint32_t rseq_abi_size, signature, flags, pad;
};

/* Offset of rseq_cs in struct rseq (the low word on 32-bit targets). */
#define RSEQ_CS_OFFSET 8

/* The general registers, as the architecture file describes them. */
static int regs(pid_t tid, int set, uint64_t *pc)
{
	uint64_t buf[128];	/* larger than any architecture's NT_PRSTATUS */
	struct iovec io = { buf, rc_native_arch.regs_size };

	if (rc_native_arch.regs_size > sizeof(buf) ||
	    rc_native_arch.pc_offset + 8 > rc_native_arch.regs_size ||
	    ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &io))
		return -1;
	if (!set) {
		memcpy(pc, (char *)buf + rc_native_arch.pc_offset, 8);
		return 0;
	}
	memcpy((char *)buf + rc_native_arch.pc_offset, pc, 8);
	return (int)ptrace(PTRACE_SETREGSET, tid, (void *)NT_PRSTATUS, &io);
}

int rc_get_pc(pid_t tid, uint64_t *pc)
{
	return regs(tid, 0, pc);
}

int rc_set_pc(pid_t tid, uint64_t pc)
{
	return regs(tid, 1, &pc);
}

int peek(pid_t pid, uint64_t addr, void *dst, size_t n)
{
	struct iovec l = { dst, n }, r = { (void *)(uintptr_t)addr, n };
	uint8_t *d = dst;

	if (process_vm_readv(pid, &l, 1, &r, 1, 0) == (ssize_t)n)
		return 0;
	for (size_t done = 0; done < n;) {	/* word by word */
		uint64_t a = (addr + done) & ~(uint64_t)(sizeof(long) - 1);
		errno = 0;
		long w = ptrace(PTRACE_PEEKDATA, pid, (void *)(uintptr_t)a, NULL);
		if (errno)
			return -1;
		size_t skip = (size_t)(addr + done - a);
		size_t take = sizeof(long) - skip < n - done ? sizeof(long) - skip : n - done;
		memcpy(d + done, (uint8_t *)&w + skip, take);
		done += take;
	}
	return 0;
}

/* Writes n bytes (code or data) through ptrace, a word at a time. */
int poke(pid_t pid, uint64_t addr, const void *src, size_t n)
{
	const uint8_t *s = src;

	for (size_t done = 0; done < n;) {
		uint64_t a = (addr + done) & ~(uint64_t)(sizeof(long) - 1);
		size_t skip = (size_t)(addr + done - a);
		size_t take = sizeof(long) - skip < n - done ? sizeof(long) - skip : n - done;
		long w = 0;
		if (skip || take < sizeof(long)) {
			errno = 0;
			w = ptrace(PTRACE_PEEKTEXT, pid, (void *)(uintptr_t)a, NULL);
			if (errno)
				return -1;
		}
		memcpy((uint8_t *)&w + skip, s + done, take);
		if (ptrace(PTRACE_POKETEXT, pid, (void *)(uintptr_t)a, (void *)w))
			return -1;
		done += take;
	}
	return 0;
}

uint64_t thread_area(struct thr *t)
{
	struct rseq_config cfg;

	if (!t->area_known) {
		memset(&cfg, 0, sizeof(cfg));
		if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, t->tid,
			   (void *)sizeof(cfg), &cfg) > 0)
			t->area = cfg.rseq_abi_pointer;
		else
			t->area = 0;
		t->area_known = t->area != 0;
	}
	return t->area;
}

int read_rseq_cs(struct thr *t, uint64_t *cs)
{
	uint64_t area = thread_area(t);

	*cs = 0;
	if (!area)
		return -1;
	return peek(t->tid, area + RSEQ_CS_OFFSET, cs, 8);
}

int clear_rseq_cs(struct thr *t)
{
	uint64_t zero = 0, area = thread_area(t);

	return area ? poke(t->tid, area + RSEQ_CS_OFFSET, &zero, 8) : -1;
}
