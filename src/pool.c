/* SPDX-License-Identifier: MIT */
/*
 * src/pool.c - the per-CPU memory pool (rseqkit/pool.h): creation and
 * destruction, allocation and free, accessors and statistics.  Ranges and
 * the shared store are in pool_range.c, item contents in pool_item.c, the
 * per-CPU caches in pool_cache.c, the process-wide table and the fork
 * handlers in pool_registry.c; docs/pool.md has the design.
 *
 * Every size is checked before anything is allocated: the item length
 * rounded to a power of two, the stride, the number of instances, and
 * the reservation (instances + initial values) * stride with room for
 * its alignment, none of which may wrap.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "pool-internal.h"

/* ceil(log2(n)) for 1 <= n <= 2^(bits-1). */
static unsigned int order_of(size_t n)
{
	unsigned int o = 0;

	while (((size_t)1 << o) < n)
		o++;
	return o;
}

static struct rseq_mempool *create_fail(struct rseq_mempool *p, int err, const char *why)
{
	if (p) {
		rseqkit_ifree(p->possible);
		rseqkit_ifree(p->mem);
	}
	rseqkit_fail(err, why);
	return NULL;
}

/*
 * The instances and which of them are written:
 *  - a CPU list: the listed CPUs (instances: max_nr_cpus, else the
 *    highest listed + 1);
 *  - max_nr_cpus alone: every instance (the caller may index by any id);
 *  - neither: the system's possible CPUs;
 *  - mm_cid indexing: 0 .. number of those CPUs - 1 (mm_cids are dense).
 * Returns 0, or -1 with the reason set.
 */
static int choose_cpus(struct rseq_mempool *p, const struct rseq_mempool_attr *a)
{
	unsigned long *list = NULL;
	int top = 0, count = 0, nr;

	if (a->type == POOL_TYPE_GLOBAL) {
		p->nr_cpus = p->nr_possible = 1;
		p->possible = rseqkit_icalloc(1, sizeof(unsigned long));
		if (!p->possible)
			return rseqkit_fail(ENOMEM, "rseq_mempool_create: out of memory");
		pool_bit_set(p->possible, 0);
		return 0;
	}
	if (a->cpu_list || !a->max_nr_cpus || a->mode == RSEQ_PERCPU_MM_CID) {
		list = rseqkit_icalloc(RSEQ_MEMPOOL_MAX_NR_CPUS / POOL_BITS, sizeof(unsigned long));
		if (!list)
			return rseqkit_fail(ENOMEM, "rseq_mempool_create: out of memory");
		if (a->cpu_list)
			top = rseqkit_pool_parse_cpu_list(a->cpu_list, list, RSEQ_MEMPOOL_MAX_NR_CPUS);
		else
			top = rseqkit_pool_system_cpus(list, RSEQ_MEMPOOL_MAX_NR_CPUS);
		if (top <= 0) {
			rseqkit_ifree(list);
			return rseqkit_fail(EINVAL, "rseq_mempool_create: cannot read the CPU list");
		}
		for (int c = 0; c < top; c++)
			count += pool_bit_test(list, (size_t)c);
	}
	p->mode = RSEQ_PERCPU_CPU_ID;
	/*
	 * Not rseq_mm_cid_available(): rseq_size reads 0 until a thread
	 * registers when rseqkit owns registration, and a pool is often
	 * made before any thread did.
	 */
	if (a->mode == RSEQ_PERCPU_MM_CID &&
	    rseqkit_active_size() >= rseq_offsetofend(struct rseq_abi, mm_cid)) {
		p->mode = RSEQ_PERCPU_MM_CID;
		top = count;
	} else if (list && a->max_nr_cpus && top > a->max_nr_cpus) {
		rseqkit_ifree(list);
		return rseqkit_fail(EINVAL, "rseq_mempool_create: the CPU list names CPUs at or "
				    "above max_nr_cpus");
	}
	nr = a->max_nr_cpus ? a->max_nr_cpus : top;
	p->nr_cpus = nr;
	p->possible = rseqkit_icalloc(((size_t)nr + POOL_BITS - 1) / POOL_BITS, sizeof(unsigned long));
	if (!p->possible) {
		rseqkit_ifree(list);
		return rseqkit_fail(ENOMEM, "rseq_mempool_create: out of memory");
	}
	for (int c = 0; c < nr; c++) {
		if (p->mode == RSEQ_PERCPU_CPU_ID && (a->cpu_list || !a->max_nr_cpus) &&
		    !pool_bit_test(list, (size_t)c))
			continue;
		pool_bit_set(p->possible, (size_t)c);
		p->nr_possible++;
	}
	rseqkit_ifree(list);
	return 0;
}

RSEQKIT_EXPORT struct rseq_mempool *rseq_mempool_create(const char *pool_name, size_t item_len,
							const struct rseq_mempool_attr *attr)
{
	struct rseq_mempool_attr a = { .cache = RSEQ_MEMPOOL_CACHE_DEFAULT };
	size_t page = (size_t)sysconf(_SC_PAGESIZE), areas;
	struct rseq_mempool *p;

	rseqkit_init();
	if (attr)
		a = *attr;
	if (item_len < sizeof(void *))
		item_len = sizeof(void *);
	if (item_len > ((size_t)1 << (8 * sizeof(size_t) - 1)))
		return create_fail(NULL, EINVAL, "rseq_mempool_create: item_len is larger than "
				   "the largest power of two a size_t holds");
	if (!a.stride)
		a.stride = RSEQ_MEMPOOL_STRIDE;
	if ((a.stride & (a.stride - 1)) || a.stride < page)
		return create_fail(NULL, EINVAL, "rseq_mempool_create: the stride must be a power "
				   "of two of at least a page");
	if (((size_t)1 << order_of(item_len)) > a.stride)
		return create_fail(NULL, EINVAL, "rseq_mempool_create: item_len (rounded up to a "
				   "power of two) is larger than the stride: raise the stride "
				   "with rseq_mempool_attr_set_percpu()");
	if (a.type == POOL_TYPE_GLOBAL)
		a.policy = RSEQ_MEMPOOL_POPULATE_COW_ZERO;
	{
		void *mem;

		p = (struct rseq_mempool *)pool_zalloc64(sizeof(*p), &mem);
		if (!p)
			return create_fail(NULL, ENOMEM, "rseq_mempool_create: out of memory");
		p->mem = mem;
	}
	p->item_order = order_of(item_len);
	p->item_len = (size_t)1 << p->item_order;
	p->stride = a.stride;
	p->type = a.type;
	p->policy = a.policy;
	if (choose_cpus(p, &a))
		return create_fail(p, errno, rseq_error_reason());
	areas = (size_t)p->nr_cpus + (p->policy == RSEQ_MEMPOOL_POPULATE_COW_INIT);
	if (areas > (SIZE_MAX - p->stride) / p->stride)
		return create_fail(p, EINVAL, "rseq_mempool_create: nr_cpus * stride does not "
				   "fit in the address space: lower the stride or max_nr_cpus");
	p->robust = a.robust;
	p->debug = a.debug;
	p->poison_set = a.poison_set;
	p->poison = a.poison;
	if (p->robust && !p->poison_set) {
		p->poison_set = true;
		p->poison = p->policy == RSEQ_MEMPOOL_POPULATE_COW_INIT ? POOL_COW_INIT_POISON : 0;
	}
	p->max_nr_ranges = a.max_nr_ranges;
	p->init_func = a.init_func;
	p->init_priv = a.init_priv;
	p->report = a.report;
	p->report_priv = a.report_priv;
	/* Caches keep free items from other CPUs: not where accounting is exact. */
	p->cache_cap = p->robust || p->max_nr_ranges ? 0 : a.cache;
	snprintf(p->name, sizeof(p->name), "%s", pool_name ? pool_name : "");
	pthread_mutex_init(&p->lock, NULL);
	if (!rseqkit_pool_range_new(p)) {
		int err = errno;
		const char *why = rseq_error_reason();

		pthread_mutex_destroy(&p->lock);
		return create_fail(p, err, why);
	}
	rseqkit_pool_atfork_once();
	rseqkit_pool_list_add(p);
	return p;
}

/* Items handed out and not free (exact for robust pools; a snapshot else). */
static size_t items_used(struct rseq_mempool *p)
{
	size_t used = 0, avail = 0;

	for (struct pool_range *r = p->ranges; r; r = r->next) {
		if (r->inuse) {
			for (size_t w = 0; w < (r->nr_items + POOL_BITS - 1) / POOL_BITS; w++)
				used += (size_t)__builtin_popcountl(r->inuse[w]);
		} else {
			used += r->next_unused;
			avail += r->nr_avail;
		}
	}
	used -= avail;
	if (!p->robust) {
		size_t cached = rseqkit_pool_cache_count(p);

		used = used > cached ? used - cached : 0;
	}
	return used;
}

/* Robust destroy: no item may still be allocated; free items keep poison. */
static int check_destroy(struct rseq_mempool *p)
{
	size_t used = items_used(p);

	if (used) {
		rseqkit_pool_report(p, RSEQ_MEMPOOL_REPORT_LEAK, NULL,
				    "destroy with %zu item(s) still allocated", used);
		return rseqkit_fail(EBUSY, "rseq_mempool_destroy: items are still allocated "
				    "(robust pool): free them first");
	}
	for (struct pool_range *r = p->ranges; r; r = r->next)
		for (size_t i = 0; i < r->next_unused; i++) {
			char *item = r->base + (i << p->item_order);

			if (!rseqkit_pool_item_poisoned(p, r, item))
				rseqkit_pool_report(p, RSEQ_MEMPOOL_REPORT_POISON, item,
						    "item %p was written after it was freed", item);
		}
	return 0;
}

RSEQKIT_EXPORT int rseq_mempool_destroy(struct rseq_mempool *p)
{
	struct pool_range *r, *next;

	if (!p)
		return 0;
	if (__atomic_load_n(&p->set, __ATOMIC_ACQUIRE))
		return rseqkit_fail(EBUSY, "rseq_mempool_destroy: the pool belongs to a pool set: "
				    "rseq_mempool_set_destroy() destroys it");
	if (p->robust && check_destroy(p))
		return -1;
	rseqkit_pool_list_del(p);
	for (r = p->ranges; r; r = next) {
		next = r->next;
		rseqkit_pool_range_free(p, r);
	}
	pthread_mutex_destroy(&p->lock);
	rseqkit_ifree(p->caches_mem);
	rseqkit_ifree(p->possible);
	rseqkit_ifree(p->mem);
	return 0;
}

/*
 * No item in this CPU's cache: take a batch under the lock, keep the
 * first item and put the others into the cache.  *fresh: never used.
 */
static __attribute__((noinline)) void *alloc_slow(struct rseq_mempool *p, bool *fresh)
{
	intptr_t batch[RSEQ_MEMPOOL_CACHE_MAX + 1], bad;
	size_t n, want = 1, kept, reused;

	pthread_mutex_lock(&p->lock);
	rseqkit_pool_cache_enable(p);
	if (p->caches && rseq_current_cpu_raw() >= 0)
		want = 1 + (p->cache_cap + 1) / 2;
	n = rseqkit_pool_take(p, batch, want, &reused);
	pthread_mutex_unlock(&p->lock);
	if (!n)
		return NULL;
	*fresh = !reused;
	if (n > 1) {
		kept = rseqkit_pool_cache_refill(p, batch + 1, n - 1);
		if (kept < n - 1) {
			pthread_mutex_lock(&p->lock);
			rseqkit_pool_give(p, batch + 1 + kept, n - 1 - kept, &bad);
			pthread_mutex_unlock(&p->lock);
		}
	}
	return (void *)batch[0];
}

static void *alloc(struct rseq_mempool *p, const void *init, size_t len, bool zero)
{
	struct pool_range *r;
	bool fresh = false;
	char *item;

	if (!p) {
		rseqkit_fail(EINVAL, "the pool is NULL");
		return NULL;
	}
	if (len > p->item_len) {
		rseqkit_fail(EINVAL, "the initial values are longer than the pool's items");
		return NULL;
	}
	item = (char *)rseqkit_pool_cache_pop(p);
	if (!item && !(item = (char *)alloc_slow(p, &fresh)))
		return NULL;
	r = pool_range_of(p, item);
	if (p->robust && !fresh && !rseqkit_pool_item_poisoned(p, r, item))
		rseqkit_pool_report(p, RSEQ_MEMPOOL_REPORT_POISON, item,
				    "item %p was written after it was freed", (void *)item);
	rseqkit_pool_item_fill(p, r, item, init, len, zero);
	return item;
}

RSEQKIT_EXPORT void *rseq_mempool_percpu_malloc(struct rseq_mempool *p)
{
	return alloc(p, NULL, 0, false);
}

RSEQKIT_EXPORT void *rseq_mempool_percpu_zmalloc(struct rseq_mempool *p)
{
	return alloc(p, NULL, 0, true);
}

RSEQKIT_EXPORT void *rseq_mempool_percpu_malloc_init(struct rseq_mempool *p,
						     void *init_ptr, size_t init_len)
{
	if (!init_ptr && init_len) {
		rseqkit_fail(EINVAL, "rseq_mempool_percpu_malloc_init: init_ptr is NULL");
		return NULL;
	}
	return alloc(p, init_ptr ? init_ptr : "", init_len, true);
}

static int double_free(struct rseq_mempool *p, void *ptr)
{
	rseqkit_pool_report(p, RSEQ_MEMPOOL_REPORT_DOUBLE_FREE, ptr,
			    "double free (or free of an item never allocated): %p", ptr);
	return rseqkit_fail(EINVAL, "rseq_mempool_percpu_free: double free, or an item "
			    "that was never allocated");
}

/* Give items to the store; report the ones that were there already. */
static int give_locked(struct rseq_mempool *p, const intptr_t *items, size_t n)
{
	intptr_t bad = 0;
	size_t doubles;

	pthread_mutex_lock(&p->lock);
	rseqkit_pool_cache_enable(p);
	doubles = rseqkit_pool_give(p, items, n, &bad);
	pthread_mutex_unlock(&p->lock);
	return doubles ? double_free(p, (void *)bad) : 0;
}

/* Robust pools: exact state under the lock, poison checked at alloc. */
static int free_robust(struct rseq_mempool *p, struct pool_range *r, size_t i, void *ptr)
{
	bool was;

	pthread_mutex_lock(&p->lock);
	was = pool_bit_test(r->inuse, i);
	pool_bit_clear(r->inuse, i);
	pthread_mutex_unlock(&p->lock);
	if (!was)
		return double_free(p, ptr);
	rseqkit_pool_item_poison(p, r, (char *)ptr);
	return give_locked(p, (const intptr_t *)&ptr, 1);
}

/* This CPU's cache is full (or unusable): move half of it to the store. */
static __attribute__((noinline)) int free_slow(struct rseq_mempool *p, void *item)
{
	intptr_t out[RSEQ_MEMPOOL_CACHE_MAX + 1];
	size_t n = 0;

	if (p->caches && rseq_current_cpu_raw() >= 0) {
		n = rseqkit_pool_cache_drain(p, out, (p->cache_cap + 1) / 2);
		if (n && rseqkit_pool_cache_push(p, item) == 0)
			item = NULL;
	}
	if (item)
		out[n++] = (intptr_t)item;
	return give_locked(p, out, n);
}

RSEQKIT_EXPORT int rseq_mempool_percpu_free_stride(void *ptr, size_t stride)
{
	struct rseq_mempool *p;
	struct pool_range *r;
	size_t off, i;

	if (!ptr)
		return 0;
	if (!stride || (stride & (stride - 1)))
		return rseqkit_fail(EINVAL, "rseq_mempool_percpu_free: the stride must be the "
				    "pool's (a power of two)");
	r = rseqkit_pool_table_find((uintptr_t)ptr & ~(uintptr_t)(stride - 1));
	if (!r || r->pool->stride != stride)
		return rseqkit_fail(EINVAL, "rseq_mempool_percpu_free: not an item of a pool "
				    "with this stride (wrong stride, or a foreign pointer)");
	p = r->pool;
	off = (size_t)((char *)ptr - r->base);
	if (off & (p->item_len - 1)) {
		rseqkit_pool_report(p, RSEQ_MEMPOOL_REPORT_BAD_FREE, ptr,
				    "free of %p, which is inside an item, not its start", ptr);
		return rseqkit_fail(EINVAL, "rseq_mempool_percpu_free: the pointer is inside an "
				    "item, not its start");
	}
	i = off >> p->item_order;
	if (i >= __atomic_load_n(&r->next_unused, __ATOMIC_ACQUIRE))
		return double_free(p, ptr);
	if (p->robust)
		return free_robust(p, r, i, ptr);
	/* Already free: in the store, or in this CPU's cache (checked by push). */
	if (pool_bit_peek(r->avail, i))
		return double_free(p, ptr);
	if (p->poison_set)
		rseqkit_pool_item_poison(p, r, (char *)ptr);
	switch (rseqkit_pool_cache_push(p, ptr)) {
	case 0:
		return 0;
	case 1:
		return double_free(p, ptr);
	}
	return free_slow(p, ptr);
}

RSEQKIT_EXPORT size_t rseq_mempool_stride(const struct rseq_mempool *p)
{
	if (!p) {
		rseqkit_fail(EINVAL, "the pool is NULL");
		return 0;
	}
	return p->stride;
}

RSEQKIT_EXPORT int rseq_mempool_nr_cpus(const struct rseq_mempool *p)
{
	if (!p)
		return rseqkit_fail(EINVAL, "the pool is NULL");
	return p->nr_cpus;
}

RSEQKIT_EXPORT bool rseq_mempool_cpu_possible(const struct rseq_mempool *p, int cpu)
{
	return p && cpu >= 0 && cpu < p->nr_cpus && pool_bit_test(p->possible, (size_t)cpu);
}

RSEQKIT_EXPORT enum rseq_percpu_mode rseq_mempool_percpu_mode(const struct rseq_mempool *p)
{
	return p ? p->mode : RSEQ_PERCPU_CPU_ID;
}

RSEQKIT_EXPORT int rseq_mempool_get_max_nr_cpus(struct rseq_mempool *p)
{
	if (!p || p->type != POOL_TYPE_PERCPU)
		return rseqkit_fail(EINVAL, "rseq_mempool_get_max_nr_cpus: NULL, or a global pool");
	return p->nr_cpus;
}

RSEQKIT_EXPORT int rseq_mempool_get_stats(struct rseq_mempool *p, struct rseq_mempool_stats *s)
{
	if (!p || !s)
		return rseqkit_fail(EINVAL, "rseq_mempool_get_stats: NULL pool or stats");
	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&p->lock);
	s->item_len = p->item_len;
	s->stride = p->stride;
	s->nr_cpus = p->nr_cpus;
	s->nr_possible = p->nr_possible;
	s->ranges = p->nr_ranges;
	for (struct pool_range *r = p->ranges; r; r = r->next) {
		s->items_capacity += r->nr_items;
		s->reserved_bytes += r->map_len;
	}
	s->items_used = items_used(p);
	s->items_cached = rseqkit_pool_cache_count(p);
	s->errors = __atomic_load_n(&p->errors, __ATOMIC_RELAXED);
	s->populate_policy = p->policy;
	s->global = p->type == POOL_TYPE_GLOBAL;
	pthread_mutex_unlock(&p->lock);
	return 0;
}
