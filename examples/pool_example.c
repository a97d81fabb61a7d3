/* pool_example - per-CPU items from a rseq_mempool: one instance per CPU. */
#include <stdio.h>
#include <rseqkit/pool.h>

struct stats { long hits, misses; };

int main(void)
{
	struct rseq_mempool *pool = rseq_mempool_create("stats", sizeof(struct stats), NULL);
	struct stats init = { 0, 0 }, *st;
	int cpu;

	if (!pool)
		return perror("rseq_mempool_create"), 1;
	st = rseq_mempool_percpu_malloc_init(pool, &init, sizeof(init));
	cpu = (int)rseq_current_cpu();
	rseq_percpu_ptr(st, cpu)->hits++;	/* one add: st + cpu * stride */
	printf("cpu %d of %d instances: hits %ld\n", cpu, rseq_mempool_nr_cpus(pool),
	       rseq_percpu_ptr(st, cpu)->hits);
	rseq_mempool_percpu_free(pool, st);
	rseq_mempool_destroy(pool);
	return 0;
}
