/* SPDX-License-Identifier: MIT */
/*
 * src/pool_cache.c - the pool's per-CPU caches of free items.
 *
 * Each CPU has a stack (count, slots) that only rseq critical sections
 * running on that CPU change, so no atomic instruction and no lock is
 * needed and a pop cannot be fooled by ABA: a pop commits only when the
 * count and the top slot are still what it read, on the same CPU.  Other
 * threads never touch another CPU's cache (the pool's destroy reads them
 * when nobody uses the pool any more), which is why pools that must
 * account exactly (a range limit, robust mode) have no caches.
 *
 * Every loop is bounded: a thread without a working registration, or one
 * aborted several times in a row, takes the pool's locked path.
 */
#include <errno.h>
#include "pool-internal.h"

#define CACHE_TRIES	8

/* This thread's CPU's cache, or NULL (no caches, no registration). */
static struct pool_cache *this_cache(struct rseq_mempool *p, int *cpu)
{
	struct pool_cache *caches = __atomic_load_n(&p->caches, __ATOMIC_ACQUIRE);

	if (!caches || rseq_current_cpu_raw() < 0)
		return NULL;
	*cpu = (int)rseq_cpu_start();
	if (*cpu >= p->nr_cache_cpus)
		return NULL;
	return &caches[*cpu];
}

void *rseqkit_pool_cache_pop(struct rseq_mempool *p)
{
	for (int t = 0; t < CACHE_TRIES; t++) {
		struct pool_cache *c;
		intptr_t n, item;
		int cpu;

		if (!(c = this_cache(p, &cpu)))
			return NULL;
		n = RSEQ_READ_ONCE(c->count);
		if (n <= 0 || n > (intptr_t)p->cache_cap)
			return NULL;
		item = RSEQ_READ_ONCE(c->slots[n - 1]);
		if (!rseq_cmpeqv_cmpeqv_storev(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID, &c->count, n,
					       &c->slots[n - 1], item, n - 1, cpu))
			return (void *)item;
	}
	return NULL;
}

int rseqkit_pool_cache_push(struct rseq_mempool *p, void *item)
{
	for (int t = 0; t < CACHE_TRIES; t++) {
		struct pool_cache *c;
		intptr_t n;
		int cpu;

		if (!(c = this_cache(p, &cpu)))
			return -1;
		n = RSEQ_READ_ONCE(c->count);
		if (n < 0 || n > (intptr_t)p->cache_cap)
			return -1;
		/* Already here: a double free (no false alarm: see docs/pool.md). */
		if (!t)
			for (intptr_t k = 0; k < n; k++)
				if (RSEQ_READ_ONCE(c->slots[k]) == (intptr_t)item)
					return 1;
		if (n == (intptr_t)p->cache_cap)
			return -1;
		if (!rseq_cmpeqv_trystorev_storev(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID, &c->count, n,
						  &c->slots[n], (intptr_t)item, n + 1, cpu))
			return 0;
	}
	return -1;
}

size_t rseqkit_pool_cache_refill(struct rseq_mempool *p, const intptr_t *items, size_t n)
{
	if (n > p->cache_cap)
		n = p->cache_cap;
	for (int t = 0; n && t < CACHE_TRIES; t++) {
		struct pool_cache *c;
		int cpu;

		if (!(c = this_cache(p, &cpu)) || RSEQ_READ_ONCE(c->count) != 0)
			return 0;
		if (!rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID, &c->count, 0,
						  c->slots, (void *)(uintptr_t)items,
						  n * sizeof(intptr_t), (intptr_t)n, cpu))
			return n;
	}
	return 0;
}

size_t rseqkit_pool_cache_drain(struct rseq_mempool *p, intptr_t *out, size_t n)
{
	for (int t = 0; n && t < CACHE_TRIES; t++) {
		struct pool_cache *c;
		intptr_t have;
		size_t k;
		int cpu;

		if (!(c = this_cache(p, &cpu)))
			return 0;
		have = RSEQ_READ_ONCE(c->count);
		if (have <= 0 || have > (intptr_t)p->cache_cap)
			return 0;
		k = (size_t)have < n ? (size_t)have : n;
		if (!rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID, &c->count, have,
						  out, &c->slots[(size_t)have - k],
						  k * sizeof(intptr_t), have - (intptr_t)k, cpu))
			return k;
	}
	return 0;
}

void rseqkit_pool_cache_enable(struct rseq_mempool *p)
{
	struct pool_cache *caches;
	void *mem;
	int n;

	if (p->caches || !p->cache_cap || ++p->slow_calls < POOL_CACHE_AFTER)
		return;
	if (!rseq_available()) {
		p->cache_cap = 0;	/* no thread will ever run a section */
		return;
	}
	n = rseq_get_max_nr_cpus();
	if (n <= 0)
		return;
	mem = rseqkit_icalloc((size_t)n + 1, sizeof(*caches));
	if (!mem)
		return;		/* the pool works without; try again later */
	/* One cache per 64-byte line group: no false sharing between CPUs. */
	caches = (struct pool_cache *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
	p->caches_mem = mem;
	p->nr_cache_cpus = n;
	__atomic_store_n(&p->caches, caches, __ATOMIC_RELEASE);
}

size_t rseqkit_pool_cache_count(struct rseq_mempool *p)
{
	struct pool_cache *caches = __atomic_load_n(&p->caches, __ATOMIC_ACQUIRE);
	size_t sum = 0;

	for (int c = 0; caches && c < p->nr_cache_cpus; c++) {
		intptr_t n = __atomic_load_n(&caches[c].count, __ATOMIC_RELAXED);

		if (n > 0)
			sum += (size_t)n;
	}
	return sum;
}
