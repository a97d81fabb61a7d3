/* SPDX-License-Identifier: MIT */
/* src/fallback.c - current CPU and node without rseq. */
#include <sched.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "internal.h"

RSEQKIT_EXPORT int32_t rseq_fallback_current_cpu(void)
{
	int cpu = sched_getcpu();

	if (cpu < 0)
		return rseqkit_fail(errno, "sched_getcpu() failed");
	return cpu;
}

RSEQKIT_EXPORT int32_t rseq_fallback_current_node(void)
{
	unsigned int cpu, node;

	if (syscall(SYS_getcpu, &cpu, &node, NULL) < 0)
		return rseqkit_fail(errno, "the getcpu system call failed");
	return (int32_t)node;
}
