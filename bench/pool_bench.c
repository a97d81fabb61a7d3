/* SPDX-License-Identifier: MIT */
/*
 * pool_bench - per-CPU pool allocation and free against calloc() of the
 * same bytes (one zeroed array of nr_cpus 64-byte slots, the usual way to
 * get per-CPU memory), at 1 .. nproc and 2 x nproc threads (make bench;
 * 1, 2 and 4 on a 2-CPU machine); the summary lines give 1, 2 and 4:
 *   calloc_free_ncpu_x_64B    the baseline
 *   mempool_zmalloc_free      zmalloc + free, per-CPU caches (default)
 *   mempool_malloc_free       malloc + free
 *   mempool_zmalloc_free_x32  32 zmallocs then 32 frees (batch refills
 *                             and drains of the caches)
 *   mempool_set_zmalloc_free  the same through a pool set
 *   mempool_nocache           zmalloc + free with the per-CPU caches off:
 *                             every call takes the pool lock (the design
 *                             before the caches)
 * Every case checks that no item is left allocated afterwards.  librseq's
 * own mempool is not measured: Debian 12 does not package librseq.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include <rseqkit/pool.h>

#define ITEM 64

static struct rseq_mempool *pool, *nocache;
static struct rseq_mempool_set *set;
static size_t ncpu;

static uint64_t calloc_body(struct bench_thread *t, uint64_t n)
{
	(void)t;
	for (uint64_t i = 0; i < n; i++) {
		void *p = calloc(ncpu, ITEM);

		bench_sink(p);
		free(p);
	}
	return n;
}

static uint64_t zmalloc_body(struct bench_thread *t, uint64_t n)
{
	struct rseq_mempool *p = (struct rseq_mempool *)t->c->arg;

	for (uint64_t i = 0; i < n; i++) {
		void *x = rseq_mempool_percpu_zmalloc(p);

		bench_sink(x);
		rseq_mempool_percpu_free(x);
	}
	return n;
}

static uint64_t malloc_body(struct bench_thread *t, uint64_t n)
{
	(void)t;
	for (uint64_t i = 0; i < n; i++) {
		void *x = rseq_mempool_percpu_malloc(pool);

		bench_sink(x);
		rseq_mempool_percpu_free(x);
	}
	return n;
}

static uint64_t batch_body(struct bench_thread *t, uint64_t n)
{
	void *x[32];
	uint64_t done = 0;

	(void)t;
	while (done < n) {
		for (int k = 0; k < 32; k++)
			x[k] = rseq_mempool_percpu_zmalloc(pool);
		for (int k = 0; k < 32; k++)
			rseq_mempool_percpu_free(x[k]);
		done += 32;
	}
	return done;
}

static uint64_t set_body(struct bench_thread *t, uint64_t n)
{
	(void)t;
	for (uint64_t i = 0; i < n; i++) {
		void *x = rseq_mempool_set_percpu_zmalloc(set, ITEM);

		bench_sink(x);
		rseq_mempool_percpu_free(x);
	}
	return n;
}

/* Nothing may stay allocated, nothing may have been refused. */
static int verify(struct bench_case *c, int nthreads, uint64_t total)
{
	struct rseq_mempool_stats st;
	struct rseq_mempool *p = c->arg ? (struct rseq_mempool *)c->arg : pool;

	(void)nthreads;
	(void)total;
	if (rseq_mempool_get_stats(p, &st) || st.items_used || st.errors) {
		fprintf(stderr, "%s: %zu items left allocated, %zu errors\n", c->name,
			st.items_used, st.errors);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const int threads[] = { 1, 2, 4, 0 };
	struct rseq_mempool_attr *a;
	struct rseq_mempool *set_pool;
	struct bench_opts o;

	if (bench_init(&o, argc, argv))
		return 2;
	pool = rseq_mempool_create("bench", ITEM, NULL);
	a = rseq_mempool_attr_create();
	if (!a || rseq_mempool_attr_set_cache(a, 0))
		return 1;
	nocache = rseq_mempool_create("bench-nocache", ITEM, a);
	rseq_mempool_attr_destroy(a);
	set = rseq_mempool_set_create();
	set_pool = rseq_mempool_create("bench-set", ITEM, NULL);
	if (!pool || !nocache || !set || !set_pool || rseq_mempool_set_add_pool(set, set_pool)) {
		fprintf(stderr, "pool_bench: %s\n", rseq_error_reason());
		return 1;
	}
	ncpu = (size_t)rseq_mempool_nr_cpus(pool);
	printf("pool: %zu instances of %d B per item (calloc: %zu x %d B zeroed)\n",
	       ncpu, ITEM, ncpu, ITEM);

	struct bench_case cases[] = {
		{ .name = "calloc_free_ncpu_x_64B", .body = calloc_body },
		{ .name = "mempool_zmalloc_free", .body = zmalloc_body, .verify = verify,
		  .arg = pool },
		{ .name = "mempool_malloc_free", .body = malloc_body, .verify = verify },
		{ .name = "mempool_zmalloc_free_x32", .body = batch_body, .verify = verify },
		{ .name = "mempool_set_zmalloc_free", .body = set_body, .verify = verify,
		  .arg = set_pool },
		{ .name = "mempool_nocache", .body = zmalloc_body, .verify = verify,
		  .arg = nocache },
	};
	struct bench_group g = { .name = "pool_alloc", .baseline = "calloc_free_ncpu_x_64B",
				 .cases = cases, .ncases = 6 };
	bench_run_group(&o, &g);
	for (int i = 0; threads[i] && !o.quick; i++) {
		const struct bench_result *c = bench_find("pool_alloc", "calloc_free_ncpu_x_64B",
							  threads[i]);
		const struct bench_result *z = bench_find("pool_alloc", "mempool_zmalloc_free",
							  threads[i]);
		const struct bench_result *l = bench_find("pool_alloc", "mempool_nocache",
							  threads[i]);

		if (c && z && l && !c->status && !z->status && !l->status)
			printf("pool at %d thread(s): zmalloc+free %.1f ns, calloc+free %.1f ns "
			       "(%.2fx), without the per-CPU caches %.1f ns\n", threads[i],
			       z->ns_per_op, c->ns_per_op, c->ns_per_op / z->ns_per_op,
			       l->ns_per_op);
	}
	rseq_mempool_destroy(pool);
	rseq_mempool_destroy(nocache);
	rseq_mempool_set_destroy(set);
	return bench_finish(&o);
}
