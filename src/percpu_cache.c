/* SPDX-License-Identifier: MIT */
/*
 * src/percpu_cache.c - the per-CPU object cache's depot and slow paths
 * (rseqkit/percpu/cache.h).  The depot is a free list under a mutex; it
 * carves new objects from chunks it allocates, and gives chunks back
 * only when the cache is destroyed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <rseqkit/percpu/cache.h>
#include "internal.h"

#define CACHE_MAX_BATCH	512

static int carve(struct rseq_percpu_cache *c)
{
	size_t n = c->batch * 2 < 64 ? 64 : c->batch * 2;
	size_t len = (n * c->obj_size + 63) & ~(size_t)63;
	void **chunks = rseqkit_irealloc(c->chunks, (c->nr_chunks + 1) * sizeof(void *));
	char *mem;

	if (!chunks)
		return -1;
	c->chunks = chunks;
	mem = rseqkit_ialloc(len + 64);	/* objects on 64-byte lines */
	if (!mem)
		return -1;
	c->chunks[c->nr_chunks++] = mem;
	mem = (char *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
	for (size_t i = n; i-- > 0;) {
		void **o = (void **)(void *)(mem + i * c->obj_size);
		*o = c->depot;
		c->depot = o;
	}
	c->depot_count += n;
	c->total += n;
	return 0;
}

static size_t depot_get(struct rseq_percpu_cache *c, void **out, size_t n)
{
	size_t k = 0;

	pthread_mutex_lock(&c->lock);
	while (k < n) {
		if (!c->depot && carve(c))
			break;
		out[k++] = c->depot;
		c->depot = *(void **)c->depot;
		c->depot_count--;
	}
	pthread_mutex_unlock(&c->lock);
	return k;
}

static void depot_put(struct rseq_percpu_cache *c, void **objs, size_t n)
{
	if (!n)
		return;
	for (size_t i = 0; i + 1 < n; i++)
		*(void **)objs[i] = objs[i + 1];
	pthread_mutex_lock(&c->lock);
	*(void **)objs[n - 1] = c->depot;
	c->depot = objs[0];
	c->depot_count += n;
	pthread_mutex_unlock(&c->lock);
}

RSEQKIT_EXPORT struct rseq_percpu_cache *
rseq_percpu_cache_create(size_t obj_size, const struct rseq_percpu_cache_attr *attr)
{
	struct rseq_percpu_cache_attr a = { 0 };
	struct rseq_percpu_cache *c;

	if (attr)
		a = *attr;
	if (!a.capacity)
		a.capacity = 256;
	if (!a.batch)
		a.batch = a.capacity / 2 ? a.capacity / 2 : 1;
	if (!obj_size || a.batch > a.capacity || a.batch > CACHE_MAX_BATCH) {
		rseqkit_fail(EINVAL, "bad object size, capacity or batch");
		return NULL;
	}
	c = rseqkit_icalloc(1, sizeof(*c));
	if (!c) {
		rseqkit_fail(ENOMEM, "out of memory");
		return NULL;
	}
	if (obj_size < sizeof(void *))
		obj_size = sizeof(void *);
	c->obj_size = (obj_size + 15) & ~(size_t)15;
	c->batch = a.batch;
	if (rseq_percpu_buffer_init(&c->buf, a.capacity, a.pool, "cache")) {
		rseqkit_ifree(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

RSEQKIT_EXPORT void rseq_percpu_cache_destroy(struct rseq_percpu_cache *c)
{
	if (!c)
		return;
	rseq_percpu_buffer_fini(&c->buf);
	for (size_t i = 0; i < c->nr_chunks; i++)
		rseqkit_ifree(c->chunks[i]);
	rseqkit_ifree(c->chunks);
	pthread_mutex_destroy(&c->lock);
	rseqkit_ifree(c);
}

RSEQKIT_EXPORT void *rseq_percpu_cache_alloc_slow(struct rseq_percpu_cache *c)
{
	void *tmp[CACHE_MAX_BATCH];
	size_t k, pushed;
	void *p;

	/*
	 * The inline fast path gives up on anything unusual: retry with the
	 * general one (claimed slot, aborted section, other modes, threads
	 * without rseq), which says NULL only when this CPU's cache is empty.
	 */
	p = rseq_percpu_buffer_pop(&c->buf);
	if (p)
		return p;
	/* This CPU's cache is empty: take a batch, keep one, cache the rest. */
	k = depot_get(c, tmp, c->batch);
	if (!k) {
		errno = ENOMEM;
		return NULL;
	}
	pushed = rseq_percpu_buffer_push_many(&c->buf, tmp + 1, k - 1);
	depot_put(c, tmp + 1 + pushed, k - 1 - pushed);
	return tmp[0];
}

RSEQKIT_EXPORT void rseq_percpu_cache_free_slow(struct rseq_percpu_cache *c, void *obj)
{
	void *tmp[CACHE_MAX_BATCH + 1];
	size_t k;

	/* As in alloc_slow: -1 only when this CPU's cache is full. */
	if (rseq_percpu_buffer_push(&c->buf, obj) >= 0)
		return;
	/* This CPU's cache is full: move a batch to the depot. */
	k = rseq_percpu_buffer_pop_many(&c->buf, tmp, c->batch);
	if (rseq_percpu_buffer_push(&c->buf, obj) < 0)
		tmp[k++] = obj;
	depot_put(c, tmp, k);
}

RSEQKIT_EXPORT size_t rseq_percpu_cache_drain_cpu(struct rseq_percpu_cache *c, int cpu)
{
	void *tmp[CACHE_MAX_BATCH];
	size_t k, total = 0;

	if (cpu < 0 || cpu >= c->buf.b.nr) {
		rseqkit_fail(EINVAL, "no such CPU slot");
		return 0;
	}
	do {
		k = rseq_percpu_buffer_drain_cpu(&c->buf, cpu, tmp, CACHE_MAX_BATCH);
		depot_put(c, tmp, k);
		total += k;
	} while (k == CACHE_MAX_BATCH);
	return total;
}

RSEQKIT_EXPORT size_t rseq_percpu_cache_drain_all(struct rseq_percpu_cache *c)
{
	size_t total = 0;

	for (int cpu = 0; cpu < c->buf.b.nr; cpu++) {
		struct rseq_percpu_buffer_slot *s = rseq_percpu_slot_of(&c->buf.b, cpu);

		/* Skip empty slots: no fence, no page touched. */
		if (RSEQ_READ_ONCE(s->h.word))
			total += rseq_percpu_cache_drain_cpu(c, cpu);
	}
	return total;
}

RSEQKIT_EXPORT int rseq_percpu_cache_get_stats(struct rseq_percpu_cache *c,
					       struct rseq_percpu_cache_stats *st)
{
	if (!c || !st)
		return rseqkit_fail(EINVAL, "no cache or no stats");
	memset(st, 0, sizeof(*st));
	st->obj_size = c->obj_size;
	pthread_mutex_lock(&c->lock);
	st->total = c->total;
	st->depot = c->depot_count;
	pthread_mutex_unlock(&c->lock);
	for (int cpu = 0; cpu < c->buf.b.nr; cpu++) {
		struct rseq_percpu_buffer_slot *s = rseq_percpu_slot_of(&c->buf.b, cpu);
		intptr_t n = RSEQ_READ_ONCE(s->h.word);

		if (n > 0)
			st->cached += (size_t)n;
	}
	return 0;
}
