/* SPDX-License-Identifier: MIT */
/*
 * librseq_mempool - a program written for librseq's API, built on
 * rseqkit through its librseq layer:
 *
 *     cc -O2 librseq_mempool.c $(pkg-config --cflags --libs rseqkit-librseq)
 *
 * (the module adds -I<includedir>/rseqkit/librseq, where <rseq/rseq.h> and
 * <rseq/mempool.h> are librseq's API as names for rseqkit).  Per-CPU
 * counters in a mempool, incremented with rseq_load_add_store__ptr().
 */
#include <stdio.h>
#include <rseq/rseq.h>
#include <rseq/mempool.h>

static void inc(intptr_t __rseq_percpu *counter)
{
	int cpu, ret;

	if (rseq_current_cpu_raw() < 0) {	/* no rseq: an atomic add */
		cpu = rseq_current_cpu();
		__atomic_fetch_add(rseq_percpu_ptr(counter, cpu), 1, __ATOMIC_RELAXED);
		return;
	}
	do {
		cpu = rseq_cpu_start();
		ret = rseq_load_add_store__ptr(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
					       rseq_percpu_ptr(counter, cpu), 1, cpu);
	} while (ret);
}

int main(void)
{
	struct rseq_mempool_attr *attr = rseq_mempool_attr_create();
	struct rseq_mempool *pool;
	intptr_t __rseq_percpu *counter;
	intptr_t sum = 0;
	int max;

	rseq_mempool_attr_set_percpu(attr, RSEQ_MEMPOOL_STRIDE, 0);
	rseq_mempool_attr_set_robust(attr);	/* librseq's: aborts on corruption */
	pool = rseq_mempool_create("counters", sizeof(intptr_t), attr);
	rseq_mempool_attr_destroy(attr);
	if (!pool)
		return perror("rseq_mempool_create"), 1;
	counter = (intptr_t *)rseq_mempool_percpu_zmalloc(pool);
	if (!counter)
		return perror("rseq_mempool_percpu_zmalloc"), 1;
	if (rseq_register_current_thread())
		printf("no rseq here (%s): atomic fallback\n",
		       rseq_available(RSEQ_AVAILABLE_QUERY_KERNEL) ? "registration refused" :
		       "kernel or sandbox");
	for (int i = 0; i < 1000; i++)
		inc(counter);
	max = rseq_mempool_get_max_nr_cpus(pool);
	for (int cpu = 0; cpu < max; cpu++)
		sum += *rseq_percpu_ptr(counter, cpu);
	printf("%ld increments over %d CPUs (glibc registers rseq: %s)\n", (long)sum, max,
	       rseq_available(RSEQ_AVAILABLE_QUERY_LIBC) ? "yes" : "no");
	rseq_mempool_percpu_free(counter);
	rseq_mempool_destroy(pool);
	return sum == 1000 ? 0 : 1;
}
