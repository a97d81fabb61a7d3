/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/percpu/cache.h - per-CPU object cache: fixed-size objects,
 * allocated from and freed to the current CPU's cache (a per-CPU buffer of
 * pointers: one critical section each), refilled from and drained to a
 * shared depot (a mutex-protected free list) in batches.
 * See rseq_percpu_cache_alloc(3).
 */
#ifndef RSEQKIT_PERCPU_CACHE_H
#define RSEQKIT_PERCPU_CACHE_H

#include <pthread.h>
#include <rseqkit/percpu/buffer.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rseq_percpu_cache_attr {
	size_t capacity;	/* objects per CPU; 0: 256 */
	size_t batch;		/* objects per refill / drain; 0: capacity / 2 */
	struct rseq_mempool *pool;	/* for the per-CPU caches; NULL: own */
};

struct rseq_percpu_cache {
	struct rseq_percpu_buffer buf;	/* the per-CPU caches */
	size_t obj_size;
	size_t batch;
	pthread_mutex_t lock;		/* protects the depot */
	void *depot;			/* free list: first word links */
	size_t depot_count;
	size_t total;			/* objects carved so far */
	void **chunks;
	size_t nr_chunks;
};

struct rseq_percpu_cache_stats {
	size_t obj_size;
	size_t total;		/* objects that exist */
	size_t depot;		/* in the depot */
	size_t cached;		/* in the per-CPU caches */
};

struct rseq_percpu_cache *rseq_percpu_cache_create(size_t obj_size,
		const struct rseq_percpu_cache_attr *attr) RSEQKIT_SYM(percpu_cache_create);
void rseq_percpu_cache_destroy(struct rseq_percpu_cache *c) RSEQKIT_SYM(percpu_cache_destroy);
void *rseq_percpu_cache_alloc_slow(struct rseq_percpu_cache *c) RSEQKIT_SYM(percpu_cache_alloc_slow);
void rseq_percpu_cache_free_slow(struct rseq_percpu_cache *c, void *obj) RSEQKIT_SYM(percpu_cache_free_slow);
/* Move CPU 'cpu''s cached objects to the depot (remote); how many moved. */
size_t rseq_percpu_cache_drain_cpu(struct rseq_percpu_cache *c, int cpu) RSEQKIT_SYM(percpu_cache_drain_cpu);
/* Drain every CPU's cache. */
size_t rseq_percpu_cache_drain_all(struct rseq_percpu_cache *c) RSEQKIT_SYM(percpu_cache_drain_all);
int rseq_percpu_cache_get_stats(struct rseq_percpu_cache *c,
				struct rseq_percpu_cache_stats *st) RSEQKIT_SYM(percpu_cache_get_stats);

/*
 * The fast paths are one critical section each on this CPU's array of
 * pointers, and nothing else: the structure's fast_base (which is also
 * the mode check) and stride, cpu_id_start, the count and, to pop, the top
 * pointer; the section checks that the count (and the top pointer) are
 * still what was read, and commits the new count.  Anything else -
 * empty, full, claimed (the count is RSEQ_PERCPU_STOP), aborted, another
 * mode, a thread without rseq - goes to the out-of-line slow path, which
 * retries and refills from / drains to the depot in batches.
 */

/* An object (obj_size bytes, 16-byte aligned), or NULL with errno ENOMEM. */
RSEQ_PERCPU_INLINE void *rseq_percpu_cache_alloc(struct rseq_percpu_cache *c)
{
	char *base = rseq_percpu_fast_base(&c->buf.b);

	if (rseq_likely(base != NULL)) {
		uint32_t cpu = rseq_cpu_start();
		struct rseq_percpu_buffer_slot *s = (struct rseq_percpu_buffer_slot *)
			(base + (size_t)cpu * c->buf.b.stride);
		/*
		 * A claimer's writes of items[] (released with the count)
		 * before the read of items[n - 1], whose address depends on
		 * n: a consume load (on x86 a plain load, with no compiler
		 * barrier, which would make the compiler load rseq_offset
		 * again for the section; an acquire load elsewhere).
		 */
		intptr_t n = rseq_smp_load_consume(&s->h.word);

		/* n < 1 (empty, or STOP while claimed): slow path. */
		if (rseq_likely(n > 0)) {
			void *p = RSEQ_READ_ONCE(s->items[n - 1]);

			if (rseq_likely(!rseq_cmpeqv_cmpeqv_storev(RSEQ_MO_RELAXED,
					RSEQ_PERCPU_CPU_ID, &s->h.word, n,
					(intptr_t *)&s->items[n - 1], (intptr_t)p,
					n - 1, (int)cpu)))
				return p;
		}
	}
	return rseq_percpu_cache_alloc_slow(c);
}

RSEQ_PERCPU_INLINE void rseq_percpu_cache_free(struct rseq_percpu_cache *c,
					  void *obj)
{
	char *base = rseq_percpu_fast_base(&c->buf.b);

	if (rseq_likely(base != NULL)) {
		uint32_t cpu = rseq_cpu_start();
		struct rseq_percpu_buffer_slot *s = (struct rseq_percpu_buffer_slot *)
			(base + (size_t)cpu * c->buf.b.stride);
		intptr_t n = RSEQ_READ_ONCE(s->h.word);

		/* One unsigned compare: full, or STOP (-1) while claimed. */
		if (rseq_likely((uintptr_t)n < (uintptr_t)c->buf.capacity) &&
		    rseq_likely(!rseq_cmpeqv_trystorev_storev(RSEQ_MO_RELEASE,
				RSEQ_PERCPU_CPU_ID, &s->h.word, n,
				(intptr_t *)&s->items[n], (intptr_t)obj,
				n + 1, (int)cpu)))
			return;
	}
	rseq_percpu_cache_free_slow(c, obj);
}

#ifdef __cplusplus
}
#endif

#endif
