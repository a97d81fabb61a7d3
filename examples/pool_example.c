/* SPDX-License-Identifier: MIT */
/*
 * pool_example - per-CPU statistics from a rseq_mempool: one allocation,
 * one instance per CPU, each CPU counting in its own instance with a
 * restartable sequence, a reader summing them.
 *
 *     cc -O2 pool_example.c $(pkg-config --cflags --libs rseqkit)
 */
#include <stdio.h>
#include <rseqkit/pool.h>

struct stats {
	intptr_t hits;
	intptr_t misses;
};

/* hits++ on this CPU's instance; without rseq, an atomic add. */
static void count_hit(struct stats *st)
{
	while (rseq_current_cpu_raw() >= 0) {
		int cpu = (int)rseq_cpu_start();

		if (rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
			      &rseq_percpu_ptr(st, cpu)->hits, 1, cpu) == 0)
			return;
	}
	__atomic_fetch_add(&rseq_percpu_ptr(st, (int)rseq_current_cpu())->hits, 1,
			   __ATOMIC_RELAXED);
}

int main(void)
{
	struct rseq_mempool_attr *attr = rseq_mempool_attr_create();
	struct stats init = { 0, 0 }, *st;
	struct rseq_mempool *pool;
	intptr_t total = 0;

	/* Defaults, spelled out: per-CPU, 64 KiB stride, every possible CPU. */
	if (!attr || rseq_mempool_attr_set_percpu(attr, RSEQ_MEMPOOL_STRIDE, 0))
		return perror("rseq_mempool_attr"), 1;
	pool = rseq_mempool_create("stats", sizeof(struct stats), attr);
	rseq_mempool_attr_destroy(attr);	/* create copied what it needs */
	if (!pool)
		return fprintf(stderr, "rseq_mempool_create: %s\n", rseq_error_reason()), 1;
	st = (struct stats *)rseq_mempool_percpu_malloc_init(pool, &init, sizeof(init));
	if (!st)
		return perror("rseq_mempool_percpu_malloc_init"), 1;
	rseq_register_current_thread();		/* no-op under glibc's registration */
	for (int i = 0; i < 1000; i++)
		count_hit(st);
	for (int cpu = 0; cpu < rseq_mempool_nr_cpus(pool); cpu++)
		total += rseq_percpu_ptr(st, cpu)->hits;
	printf("%ld hits over %d per-CPU instances (this thread on CPU %u)\n",
	       (long)total, rseq_mempool_nr_cpus(pool), rseq_current_cpu());
	rseq_mempool_percpu_free(st);		/* by pointer: no pool argument */
	rseq_mempool_destroy(pool);
	return total == 1000 ? 0 : 1;
}
