/* SPDX-License-Identifier: MIT */
/*
 * src/percpu_cache.c - the per-CPU object cache's attributes, depot and
 * slow paths (rseqkit/percpu/cache.h).
 *
 * The depot has two lists of free objects (the first word of an object
 * links it): 'incoming', where frees and drains push chains with a
 * compare-and-swap (never a lock, so a free cannot fail nor wait, even in
 * a signal handler), and 'depot', which the holder of the depot lock
 * refills from 'incoming' (taking it whole with an exchange: no ABA) and,
 * when both are empty, from new chunks.  Chunks are given back only when
 * the cache is destroyed.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <rseqkit/percpu/cache.h>
#include "internal.h"

#define CACHE_DEFAULT_CAPACITY	256
#define CACHE_MAX_BATCH		512
#define CACHE_CHUNK_MIN		64	/* objects carved at once, at least */
#define CACHE_ALIGN		16
#define CACHE_MAX_OBJ		((size_t)1 << (sizeof(size_t) == 8 ? 40 : 20))

struct rseq_percpu_cache_attr {
	size_t capacity;	/* 0: the default */
	size_t batch;		/* 0: capacity / 2 */
	struct rseq_mempool *pool;
};

/* The cache's private part (rseqkit_percpu_priv.data). */
struct cache_depot {
	size_t obj_size;
	size_t batch;
	struct rseqkit_lock lock;	/* depot, depot_count, chunks */
	void *depot;
	size_t depot_count;		/* also read by stats (atomically) */
	void *incoming;			/* lock-free push, exchange to take */
	size_t incoming_count;		/* atomic */
	size_t total;			/* atomic: objects carved so far */
	void **chunks;
	size_t nr_chunks, chunks_cap;
	bool fork_locked;
};

RSEQKIT_STATIC_ASSERT(offsetof(struct rseq_percpu_cache, buf) == 0, "buffer first");

/* ---- attributes ---- */

RSEQKIT_EXPORT struct rseq_percpu_cache_attr *rseq_percpu_cache_attr_create(void)
{
	struct rseq_percpu_cache_attr *a = rseqkit_icalloc(1, sizeof(*a));

	if (!a)
		return rseqkit_fail_null(ENOMEM, "out of memory for a cache attribute object");
	return a;
}

RSEQKIT_EXPORT void rseq_percpu_cache_attr_destroy(struct rseq_percpu_cache_attr *attr)
{
	rseqkit_ifree(attr);
}

RSEQKIT_EXPORT int rseq_percpu_cache_attr_set_capacity(struct rseq_percpu_cache_attr *attr,
						       size_t capacity)
{
	if (!attr)
		return rseqkit_fail(EINVAL, "no attribute object");
	if (capacity > ((size_t)1 << 24))
		return rseqkit_fail(EINVAL, "a cache holds from 1 to 2^24 objects per CPU");
	attr->capacity = capacity;
	return 0;
}

RSEQKIT_EXPORT int rseq_percpu_cache_attr_set_batch(struct rseq_percpu_cache_attr *attr,
						    size_t batch)
{
	if (!attr)
		return rseqkit_fail(EINVAL, "no attribute object");
	if (batch > CACHE_MAX_BATCH)
		return rseqkit_fail(EINVAL, "a batch is from 1 to 512 objects");
	attr->batch = batch;
	return 0;
}

RSEQKIT_EXPORT int rseq_percpu_cache_attr_set_pool(struct rseq_percpu_cache_attr *attr,
						   struct rseq_mempool *pool)
{
	if (!attr)
		return rseqkit_fail(EINVAL, "no attribute object");
	attr->pool = pool;
	return 0;
}

/* ---- the depot ---- */

static struct cache_depot *depot_of(const struct rseq_percpu_cache *c)
{
	return (struct cache_depot *)rseqkit_percpu_priv(&c->buf.b)->data;
}

static void *next_of(void *obj)
{
	return *(void **)obj;
}

static void set_next(void *obj, void *next)
{
	*(void **)obj = next;
}

/* Push the chain first .. last (n objects) on 'incoming'. */
static void incoming_push(struct cache_depot *d, void *first, void *last, size_t n)
{
	void *head = __atomic_load_n(&d->incoming, __ATOMIC_RELAXED);

	/* Counted first: a taker never subtracts what is not counted yet. */
	__atomic_fetch_add(&d->incoming_count, n, __ATOMIC_RELAXED);
	do
		set_next(last, head);
	while (!__atomic_compare_exchange_n(&d->incoming, &head, first, true,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

/* Give n objects back: lock-free, never fails. */
static void depot_put(struct cache_depot *d, void **objs, size_t n)
{
	if (!n)
		return;
	for (size_t i = 0; i + 1 < n; i++)
		set_next(objs[i], objs[i + 1]);
	incoming_push(d, objs[0], objs[n - 1], n);
}

/* Take all of 'incoming'; its length in *n. */
static void *incoming_take(struct cache_depot *d, size_t *n)
{
	void *list = __atomic_exchange_n(&d->incoming, NULL, __ATOMIC_ACQUIRE);
	size_t k = 0;

	for (void *o = list; o; o = next_of(o))
		k++;
	__atomic_fetch_sub(&d->incoming_count, k, __ATOMIC_RELAXED);
	*n = k;
	return list;
}

/* Under the lock: new objects on 'depot'.  0, or -1 with errno. */
static int carve(struct cache_depot *d)
{
	size_t n = d->batch * 2 < CACHE_CHUNK_MIN ? CACHE_CHUNK_MIN : d->batch * 2;
	char *mem;

	if (d->nr_chunks == d->chunks_cap) {
		size_t cap = d->chunks_cap ? 2 * d->chunks_cap : 16;
		void **chunks = rseqkit_irealloc(d->chunks, cap * sizeof(void *));

		if (!chunks)
			return -1;
		d->chunks = chunks;
		d->chunks_cap = cap;
	}
	/* n * obj_size cannot wrap: rseq_percpu_cache_create() checked. */
	mem = rseqkit_ialloc(n * d->obj_size + 64);	/* objects on 64-byte lines */
	if (!mem)
		return -1;
	d->chunks[d->nr_chunks++] = mem;
	mem = (char *)(((uintptr_t)mem + 63) & ~(uintptr_t)63);
	for (size_t i = n; i-- > 0;) {
		set_next(mem + i * d->obj_size, d->depot);
		d->depot = mem + i * d->obj_size;
	}
	__atomic_store_n(&d->depot_count, d->depot_count + n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&d->total, n, __ATOMIC_RELAXED);
	return 0;
}

/*
 * Where this thread may not take the depot lock (a signal handler that
 * interrupted the depot's code): up to n objects of 'incoming' only.
 */
static size_t depot_get_unlocked(struct cache_depot *d, void **out, size_t n)
{
	size_t have, k = 0;
	void *list = incoming_take(d, &have), *last = NULL;

	while (k < n && list) {
		out[k++] = list;
		list = next_of(list);
	}
	if (list) {
		for (last = list; next_of(last); last = next_of(last))
			;
		incoming_push(d, list, last, have - k);
	}
	return k;
}

/* Up to n objects; how many, with errno set when none. */
static size_t depot_get(struct cache_depot *d, void **out, size_t n)
{
	size_t k = 0, moved;

	if (rseqkit_lock_acquire(&d->lock, RSEQKIT_LEVEL_DEPOT)) {
		k = depot_get_unlocked(d, out, n);
		if (!k)
			rseqkit_fail(EAGAIN, "the cache is empty here, and its depot is in use by the code this signal handler interrupted");
		return k;
	}
	while (k < n) {
		if (!d->depot) {
			d->depot = incoming_take(d, &moved);
			__atomic_store_n(&d->depot_count, d->depot_count + moved, __ATOMIC_RELAXED);
			if (!d->depot && carve(d))
				break;
		}
		out[k++] = d->depot;
		d->depot = next_of(d->depot);
		__atomic_store_n(&d->depot_count, d->depot_count - 1, __ATOMIC_RELAXED);
	}
	rseqkit_lock_release(&d->lock, RSEQKIT_LEVEL_DEPOT);
	if (!k && errno != EAGAIN)
		errno = ENOMEM;
	return k;
}

/* ---- fork ---- */

static void cache_fork_prepare(struct rseq_percpu_base *b)
{
	struct cache_depot *d = depot_of((struct rseq_percpu_cache *)(void *)b);

	if (!d)
		return;	/* being created */
	d->fork_locked = !rseqkit_lock_acquire(&d->lock, RSEQKIT_LEVEL_DEPOT);
}

static void cache_fork_parent(struct rseq_percpu_base *b)
{
	struct cache_depot *d = depot_of((struct rseq_percpu_cache *)(void *)b);

	if (!d)
		return;	/* being created */
	if (d->fork_locked)
		rseqkit_lock_release(&d->lock, RSEQKIT_LEVEL_DEPOT);
}

static void cache_fork_child(struct rseq_percpu_base *b)
{
	struct cache_depot *d = depot_of((struct rseq_percpu_cache *)(void *)b);

	if (!d)
		return;	/* being created */
	if (d->fork_locked) {
		rseqkit_lock_release(&d->lock, RSEQKIT_LEVEL_DEPOT);
		return;
	}
	/* fork() from a handler that interrupted the depot: start over. */
	d->depot = NULL;
	d->depot_count = 0;
	rseqkit_lock_reset(&d->lock);
}

static void cache_child_slot(struct rseq_percpu_base *b, int cpu)
{
	rseqkit_percpu_kind_claimable.child_slot(b, cpu);
}

static const struct rseqkit_percpu_kind cache_kind = {
	.name = "cache",
	.fork_prepare = cache_fork_prepare,
	.fork_parent = cache_fork_parent,
	.fork_child = cache_fork_child,
	.child_slot = cache_child_slot,
};

/* ---- the cache ---- */

/* Checks every size and product before anything is allocated. */
static int cache_params(size_t obj_size, const struct rseq_percpu_cache_attr *attr,
			struct rseq_percpu_cache_attr *a, size_t *rounded)
{
	size_t chunk;

	memset(a, 0, sizeof(*a));
	if (attr)
		*a = *attr;
	if (!a->capacity)
		a->capacity = CACHE_DEFAULT_CAPACITY;
	if (!a->batch)		/* half the capacity, at most the largest batch */
		a->batch = a->capacity / 2 ? (a->capacity / 2 < CACHE_MAX_BATCH ?
					      a->capacity / 2 : CACHE_MAX_BATCH) : 1;
	if (!obj_size || obj_size > CACHE_MAX_OBJ)
		return rseqkit_fail(EINVAL, "the object size must be from 1 byte to 2^40 (2^20 on 32-bit targets)");
	if (a->batch > a->capacity || a->batch > CACHE_MAX_BATCH)
		return rseqkit_fail(EINVAL, "the batch must be at most the capacity and 512");
	if (!rseqkit_percpu_buffer_slot_len(a->capacity))
		return -1;
	if (obj_size < sizeof(void *))
		obj_size = sizeof(void *);
	*rounded = (obj_size + CACHE_ALIGN - 1) & ~(size_t)(CACHE_ALIGN - 1);
	chunk = a->batch * 2 < CACHE_CHUNK_MIN ? CACHE_CHUNK_MIN : a->batch * 2;
	if (*rounded > (SIZE_MAX / 2 - 64) / chunk)
		return rseqkit_fail(EINVAL, "objects of this size cannot be carved in this address space");
	return 0;
}

RSEQKIT_EXPORT struct rseq_percpu_cache *
rseq_percpu_cache_create(size_t obj_size, const struct rseq_percpu_cache_attr *attr)
{
	struct rseq_percpu_cache_attr a;
	struct rseq_percpu_cache *c;
	struct cache_depot *d;
	size_t rounded = 0, len;

	if (cache_params(obj_size, attr, &a, &rounded))
		return NULL;
	len = rseqkit_percpu_buffer_slot_len(a.capacity);
	c = rseqkit_icalloc(1, sizeof(*c));
	d = rseqkit_icalloc(1, sizeof(*d));
	if (!c || !d) {
		rseqkit_ifree(c);
		rseqkit_ifree(d);
		return rseqkit_fail_null(ENOMEM, "out of memory for the cache");
	}
	d->obj_size = rounded;
	d->batch = a.batch;
	if (rseqkit_percpu_base_init_kind(&c->buf.b, a.pool, len, "cache", &cache_kind)) {
		int err = errno;

		rseqkit_ifree(c);
		rseqkit_ifree(d);
		errno = err;
		return NULL;
	}
	c->buf.capacity = (intptr_t)a.capacity;
	rseqkit_percpu_priv(&c->buf.b)->data = d;
	return c;
}

RSEQKIT_EXPORT void rseq_percpu_cache_destroy(struct rseq_percpu_cache *c)
{
	struct cache_depot *d;

	if (!c)
		return;
	d = depot_of(c);
	rseq_percpu_buffer_fini(&c->buf);
	if (c->buf.b.priv)
		return;		/* could not leave the registry: leaked */
	for (size_t i = 0; i < d->nr_chunks; i++)
		rseqkit_ifree(d->chunks[i]);
	rseqkit_ifree(d->chunks);
	rseqkit_ifree(d);
	rseqkit_ifree(c);
}

RSEQKIT_EXPORT void *rseq_percpu_cache_alloc_slow(struct rseq_percpu_cache *c)
{
	struct cache_depot *d = depot_of(c);
	void *tmp[CACHE_MAX_BATCH];
	size_t k;
	ssize_t pushed;
	void *p;

	/*
	 * The inline fast path gives up on anything unusual: retry with the
	 * general one (claimed slot, aborted section, other modes, threads
	 * without rseq), which says NULL when this CPU's cache is empty (or
	 * cannot be had without waiting, or membarrier is denied).
	 */
	p = rseq_percpu_buffer_pop(&c->buf);
	if (p)
		return p;
	/* Take a batch from the depot, keep one, cache the rest. */
	k = depot_get(d, tmp, d->batch);
	if (!k)
		return NULL;
	pushed = k > 1 ? rseq_percpu_buffer_push_many(&c->buf, tmp + 1, k - 1) : 0;
	if (pushed < 0)
		pushed = 0;
	depot_put(d, tmp + 1 + pushed, k - 1 - (size_t)pushed);
	return tmp[0];
}

RSEQKIT_EXPORT void rseq_percpu_cache_free_slow(struct rseq_percpu_cache *c, void *obj)
{
	struct cache_depot *d = depot_of(c);
	void *tmp[CACHE_MAX_BATCH + 1];
	ssize_t k;

	if (!obj)
		return;
	if (rseq_percpu_buffer_push(&c->buf, obj) >= 0)
		return;
	if (errno != ENOSPC) {
		/* Cannot be had here (a handler, membarrier denied): the depot. */
		depot_put(d, &obj, 1);
		return;
	}
	/* This CPU's cache is full: move a batch, and obj, to the depot. */
	k = rseq_percpu_buffer_pop_many(&c->buf, tmp, d->batch);
	if (k < 0)
		k = 0;
	if (rseq_percpu_buffer_push(&c->buf, obj) < 0)
		tmp[k++] = obj;
	depot_put(d, tmp, (size_t)k);
}

RSEQKIT_EXPORT ssize_t rseq_percpu_cache_drain_cpu(struct rseq_percpu_cache *c, int cpu)
{
	void *tmp[CACHE_MAX_BATCH];
	ssize_t k, total = 0;

	if (!c)
		return rseqkit_fail(EINVAL, "no cache");
	if (rseqkit_percpu_check_cpu(&c->buf.b, cpu))
		return -1;
	do {
		k = rseq_percpu_buffer_drain_cpu(&c->buf, cpu, tmp, CACHE_MAX_BATCH);
		if (k < 0)
			return total ? total : -1;
		depot_put(depot_of(c), tmp, (size_t)k);
		total += k;
	} while (k == CACHE_MAX_BATCH);
	return total;
}

RSEQKIT_EXPORT ssize_t rseq_percpu_cache_drain_all(struct rseq_percpu_cache *c)
{
	ssize_t total = 0, k;
	int failed = 0, err = 0;

	if (!c)
		return rseqkit_fail(EINVAL, "no cache");
	for (int cpu = 0; cpu < c->buf.b.nr; cpu++) {
		struct rseq_percpu_buffer_slot *s = (struct rseq_percpu_buffer_slot *)
			rseq_percpu_slot_of(&c->buf.b, cpu);

		/* Skip empty slots: no fence, no page touched. */
		if (!RSEQ_READ_ONCE(s->h.word))
			continue;
		k = rseq_percpu_cache_drain_cpu(c, cpu);
		if (k < 0) {
			failed = 1;
			err = errno;
			continue;
		}
		total += k;
	}
	if (failed && !total)
		return rseqkit_fail(err, "no CPU's cache could be drained");
	return total;
}

RSEQKIT_EXPORT int rseq_percpu_cache_get_stats(const struct rseq_percpu_cache *c,
					       struct rseq_percpu_cache_stats *st)
{
	const struct cache_depot *d;

	if (!c || !st)
		return rseqkit_fail(EINVAL, "no cache or no stats");
	d = depot_of(c);
	memset(st, 0, sizeof(*st));
	st->obj_size = d->obj_size;
	st->capacity = (size_t)c->buf.capacity;
	st->batch = d->batch;
	st->nr_cpus = c->buf.b.nr;
	st->total = __atomic_load_n(&d->total, __ATOMIC_RELAXED);
	st->depot = __atomic_load_n(&d->depot_count, __ATOMIC_RELAXED) +
		    __atomic_load_n(&d->incoming_count, __ATOMIC_RELAXED);
	for (int cpu = 0; cpu < c->buf.b.nr; cpu++) {
		struct rseq_percpu_buffer_slot *s = (struct rseq_percpu_buffer_slot *)
			rseq_percpu_slot_of(&c->buf.b, cpu);
		intptr_t n = RSEQ_READ_ONCE(s->h.word);

		if (n > 0)
			st->cached += (size_t)n;
	}
	return 0;
}
