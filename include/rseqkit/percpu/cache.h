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
		const struct rseq_percpu_cache_attr *attr);
void rseq_percpu_cache_destroy(struct rseq_percpu_cache *c);
void *rseq_percpu_cache_alloc_slow(struct rseq_percpu_cache *c);
void rseq_percpu_cache_free_slow(struct rseq_percpu_cache *c, void *obj);
/* Move CPU 'cpu''s cached objects to the depot (remote); how many moved. */
size_t rseq_percpu_cache_drain_cpu(struct rseq_percpu_cache *c, int cpu);
/* Drain every CPU's cache. */
size_t rseq_percpu_cache_drain_all(struct rseq_percpu_cache *c);
int rseq_percpu_cache_get_stats(struct rseq_percpu_cache *c,
				struct rseq_percpu_cache_stats *st);

/* An object (obj_size bytes, 16-byte aligned), or NULL with errno ENOMEM. */
static inline void *rseq_percpu_cache_alloc(struct rseq_percpu_cache *c)
{
	void *p = rseq_percpu_buffer_pop(&c->buf);

	if (rseq_likely(p != NULL))
		return p;
	return rseq_percpu_cache_alloc_slow(c);
}

static inline void rseq_percpu_cache_free(struct rseq_percpu_cache *c,
					  void *obj)
{
	if (rseq_likely(rseq_percpu_buffer_push(&c->buf, obj) >= 0))
		return;
	rseq_percpu_cache_free_slow(c, obj);
}

#ifdef __cplusplus
}
#endif

#endif
