/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/percpu/cache.h - per-CPU object cache: fixed-size objects,
 * allocated from and freed to the current CPU's cache (a per-CPU buffer of
 * pointers: one critical section each), refilled from and drained to a
 * shared depot in batches.  See rseq_percpu_cache_alloc(3).
 */
#ifndef RSEQKIT_PERCPU_CACHE_H
#define RSEQKIT_PERCPU_CACHE_H

#include <rseqkit/percpu/buffer.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Creation options, as an opaque object with setters (docs/surface.md,
 * section 5): create, set what differs from the defaults, pass it to
 * rseq_percpu_cache_create() (which copies it), destroy.  NULL where an
 * attribute object is expected means the defaults.
 */
struct rseq_percpu_cache_attr;

/* A new attribute object with the defaults, or NULL with errno ENOMEM. */
struct rseq_percpu_cache_attr *rseq_percpu_cache_attr_create(void) RSEQKIT_SYM(percpu_cache_attr_create);
/* NULL is a no-op. */
void rseq_percpu_cache_attr_destroy(struct rseq_percpu_cache_attr *attr) RSEQKIT_SYM(percpu_cache_attr_destroy);
/*
 * Objects each CPU's cache holds (1 .. 2^24; 0: the default, 256), 0 or
 * -1 with errno EINVAL.
 */
int rseq_percpu_cache_attr_set_capacity(struct rseq_percpu_cache_attr *attr,
					size_t capacity) RSEQKIT_SYM(percpu_cache_attr_set_capacity);
/*
 * Objects moved per refill or drain (1 .. 512, at most the capacity,
 * which rseq_percpu_cache_create() checks; 0: the default, capacity / 2
 * up to 512), 0 or -1 with errno EINVAL.
 */
int rseq_percpu_cache_attr_set_batch(struct rseq_percpu_cache_attr *attr,
				     size_t batch) RSEQKIT_SYM(percpu_cache_attr_set_batch);
/* The pool of the per-CPU caches (NULL, the default: a private one). */
int rseq_percpu_cache_attr_set_pool(struct rseq_percpu_cache_attr *attr,
				    struct rseq_mempool *pool) RSEQKIT_SYM(percpu_cache_attr_set_pool);

/* Opaque but for what the inline paths read (see rseq_percpu_base). */
struct rseq_percpu_cache {
	struct rseq_percpu_buffer buf;	/* the per-CPU caches */
	uintptr_t reserved[2];
};

struct rseq_percpu_cache_stats {
	size_t obj_size;	/* bytes per object (rounded up) */
	size_t total;		/* objects that exist */
	size_t depot;		/* in the depot */
	size_t cached;		/* in the per-CPU caches */
	size_t capacity;	/* objects per CPU cache */
	size_t batch;		/* objects per refill or drain */
	int nr_cpus;		/* CPU caches: indexes 0 .. nr_cpus - 1 */
	uintptr_t reserved[4];
};

/*
 * A cache of objects of obj_size bytes (1 .. 2^40 on 64-bit targets,
 * 2^20 on 32-bit ones; rounded up to 16), or NULL with errno EINVAL (a
 * bad size or attribute) or ENOMEM.
 */
struct rseq_percpu_cache *rseq_percpu_cache_create(size_t obj_size,
		const struct rseq_percpu_cache_attr *attr) RSEQKIT_SYM(percpu_cache_create);
/* Frees every object, whether given back or not.  NULL is a no-op. */
void rseq_percpu_cache_destroy(struct rseq_percpu_cache *c) RSEQKIT_SYM(percpu_cache_destroy);
/* Called by the inline alloc and free; not for direct use. */
void *rseq_percpu_cache_alloc_slow(struct rseq_percpu_cache *c) RSEQKIT_SYM(percpu_cache_alloc_slow);
void rseq_percpu_cache_free_slow(struct rseq_percpu_cache *c, void *obj) RSEQKIT_SYM(percpu_cache_free_slow);
/*
 * Move CPU 'cpu''s cached objects (or every CPU's) to the depot: how many
 * moved, or -1 with errno EINVAL (no such CPU), EAGAIN, EPERM, ENOSYS.
 */
ssize_t rseq_percpu_cache_drain_cpu(struct rseq_percpu_cache *c, int cpu) RSEQKIT_SYM(percpu_cache_drain_cpu);
ssize_t rseq_percpu_cache_drain_all(struct rseq_percpu_cache *c) RSEQKIT_SYM(percpu_cache_drain_all);
/* 0, or -1 with errno EINVAL (NULL). */
int rseq_percpu_cache_get_stats(const struct rseq_percpu_cache *c,
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

/*
 * An object (obj_size bytes, 16-byte aligned), or NULL with errno ENOMEM
 * (or EAGAIN: see rseq_percpu_cache_alloc(3), signal handlers).
 */
RSEQ_PERCPU_INLINE void *rseq_percpu_cache_alloc(struct rseq_percpu_cache *c)
{
	char *base = rseq_percpu_fast_base(&c->buf.b);

	if (rseq_likely(base != NULL)) {
		uint32_t cpu = rseq_cpu_start();
		struct rseq_percpu_buffer_slot *s = (struct rseq_percpu_buffer_slot *)
			(void *)(base + (size_t)cpu * c->buf.b.stride);
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
					(intptr_t *)(void *)&s->items[n - 1], (intptr_t)p,
					n - 1, (int)cpu)))
				return p;
		}
	} else {
		/* The checked path (other modes, a thread without rseq). */
		void *p = rseq_percpu_buffer_pop(&c->buf);

		if (rseq_likely(p != NULL))
			return p;
	}
	return rseq_percpu_cache_alloc_slow(c);
}

/* Give obj back (to any CPU's cache); NULL is a no-op, as for free(). */
RSEQ_PERCPU_INLINE void rseq_percpu_cache_free(struct rseq_percpu_cache *c,
					       void *obj)
{
	char *base = rseq_percpu_fast_base(&c->buf.b);

	if (rseq_likely(base != NULL)) {
		uint32_t cpu = rseq_cpu_start();
		struct rseq_percpu_buffer_slot *s = (struct rseq_percpu_buffer_slot *)
			(void *)(base + (size_t)cpu * c->buf.b.stride);
		intptr_t n = RSEQ_READ_ONCE(s->h.word);

		/* One unsigned compare: full, or STOP (-1) while claimed. */
		if (rseq_likely((uintptr_t)n < (uintptr_t)c->buf.capacity) &&
		    rseq_likely(obj != NULL) &&
		    rseq_likely(!rseq_cmpeqv_trystorev_storev(RSEQ_MO_RELEASE,
				RSEQ_PERCPU_CPU_ID, &s->h.word, n,
				(intptr_t *)(void *)&s->items[n], (intptr_t)obj,
				n + 1, (int)cpu)))
			return;
	} else if (rseq_likely(obj != NULL) &&
		   rseq_likely(rseq_percpu_buffer_push(&c->buf, obj) >= 0)) {
		return;	/* the checked path */
	}
	rseq_percpu_cache_free_slow(c, obj);
}

#ifdef __cplusplus
}
#endif

#endif
