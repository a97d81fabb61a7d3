/* SPDX-License-Identifier: MIT */
/*
 * src/pool_numa.c - rseq_mempool_range_init_numa(): move a CPU's area to
 * that CPU's NUMA node, for a pool's init callback.  No libnuma: the node
 * comes from sysfs (/sys/devices/system/cpu/cpuN/nodeM) and the move is
 * the move_pages(2) system call, in batches.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "pool-internal.h"

#define NUMA_BATCH	256

/* The node of 'cpu', -1 when sysfs has none (no NUMA support). */
static int node_of_cpu(int cpu)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int node = -1;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d", cpu);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char *end;
		long n;

		if (strncmp(e->d_name, "node", 4))
			continue;
		n = strtol(e->d_name + 4, &end, 10);
		if (end != e->d_name + 4 && !*end && n >= 0 && n < 1 << 20) {
			node = (int)n;
			break;
		}
	}
	closedir(d);
	return node;
}

RSEQKIT_EXPORT int rseq_mempool_range_init_numa(void *addr, size_t len, int cpu, int numa_flags)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), nr;
	void *pages[NUMA_BATCH];
	int nodes[NUMA_BATCH], status[NUMA_BATCH];
	int node;

	if (!addr || ((uintptr_t)addr & (page - 1)) || (len & (page - 1)) || cpu < 0 ||
	    !numa_flags)
		return rseqkit_fail(EINVAL, "rseq_mempool_range_init_numa: addr and len must be "
				    "page aligned, cpu >= 0 and numa_flags non-zero");
	if (len > UINTPTR_MAX - (uintptr_t)addr)
		return rseqkit_fail(EINVAL, "rseq_mempool_range_init_numa: addr + len wraps around "
				    "the address space");
#ifndef SYS_move_pages
	(void)pages; (void)nodes; (void)status; (void)node; (void)nr;
	return rseqkit_fail(ENOSYS, "rseq_mempool_range_init_numa: no move_pages(2) here");
#else
	node = node_of_cpu(cpu);
	if (node < 0)
		return rseqkit_fail(ENOSYS, "rseq_mempool_range_init_numa: no NUMA node for this "
				    "CPU (kernel without NUMA, or no such CPU)");
	nr = len / page;
	for (size_t done = 0; done < nr;) {
		size_t k = nr - done < NUMA_BATCH ? nr - done : NUMA_BATCH;

		for (size_t i = 0; i < k; i++) {
			pages[i] = (char *)addr + (done + i) * page;
			nodes[i] = node;
		}
		if (syscall(SYS_move_pages, 0, (unsigned long)k, pages, nodes, status, numa_flags) < 0)
			return rseqkit_fail(errno, "rseq_mempool_range_init_numa: move_pages(2) failed");
		/* A page that is not mapped ends it: the rest of the range is not ours. */
		for (size_t i = 0; i < k; i++)
			if (status[i] == -EFAULT)
				return rseqkit_fail(EFAULT, "rseq_mempool_range_init_numa: part of "
						    "[addr, addr + len) is not mapped");
		done += k;
	}
	return 0;
#endif
}
