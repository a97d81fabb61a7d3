/* SPDX-License-Identifier: MIT */
/*
 * src/pool_set.c - pool sets: one pool per power-of-two item size; an
 * allocation of len bytes comes from the smallest pool whose items hold
 * len and that has room.  Lookups read the entries without a lock (an
 * entry is set once, by add, and cleared only by destroy, which nobody
 * may run concurrently with an allocation); add takes the pool list lock,
 * which also guards each pool's membership.
 */
#include <errno.h>
#include "pool-internal.h"

struct rseq_mempool_set {
	struct rseq_mempool *entries[POOL_SET_ENTRIES];
};

RSEQKIT_EXPORT struct rseq_mempool_set *rseq_mempool_set_create(void)
{
	struct rseq_mempool_set *s = rseqkit_icalloc(1, sizeof(*s));

	if (!s)
		rseqkit_fail(ENOMEM, "rseq_mempool_set_create: out of memory");
	return s;
}

RSEQKIT_EXPORT int rseq_mempool_set_destroy(struct rseq_mempool_set *s)
{
	if (!s)
		return 0;
	for (unsigned int o = 0; o < POOL_SET_ENTRIES; o++) {
		struct rseq_mempool *p = s->entries[o];

		if (!p)
			continue;
		__atomic_store_n(&p->set, NULL, __ATOMIC_RELEASE);
		if (rseq_mempool_destroy(p)) {
			/* Robust pool with items in use: the set keeps it. */
			__atomic_store_n(&p->set, s, __ATOMIC_RELEASE);
			return -1;
		}
		s->entries[o] = NULL;
	}
	rseqkit_ifree(s);
	return 0;
}

RSEQKIT_EXPORT int rseq_mempool_set_add_pool(struct rseq_mempool_set *s, struct rseq_mempool *p)
{
	int rc = 0;

	if (!s || !p)
		return rseqkit_fail(EINVAL, "rseq_mempool_set_add_pool: NULL set or pool");
	rseqkit_pool_list_lock();
	if (p->set)
		rc = rseqkit_fail(EBUSY, "rseq_mempool_set_add_pool: the pool already belongs "
				  "to a set");
	else if (s->entries[p->item_order])
		rc = rseqkit_fail(EBUSY, "rseq_mempool_set_add_pool: the set already has a "
				  "pool of this item size");
	else {
		__atomic_store_n(&p->set, s, __ATOMIC_RELEASE);
		__atomic_store_n(&s->entries[p->item_order], p, __ATOMIC_RELEASE);
	}
	rseqkit_pool_list_unlock();
	return rc;
}

static void *set_alloc(struct rseq_mempool_set *s, void *init, size_t len, bool zero)
{
	unsigned int order = POOL_MIN_ITEM_ORDER;

	if (!s) {
		rseqkit_fail(EINVAL, "the pool set is NULL");
		return NULL;
	}
	while (order < POOL_SET_ENTRIES && ((size_t)1 << order) < len)
		order++;
	for (; order < POOL_SET_ENTRIES; order++) {
		struct rseq_mempool *p = __atomic_load_n(&s->entries[order], __ATOMIC_ACQUIRE);
		void *item;

		if (!p)
			continue;
		if (init)
			item = rseq_mempool_percpu_malloc_init(p, init, len);
		else if (zero)
			item = rseq_mempool_percpu_zmalloc(p);
		else
			item = rseq_mempool_percpu_malloc(p);
		if (item || errno != ENOMEM)
			return item;
	}
	rseqkit_fail(ENOMEM, "rseq_mempool_set: no pool of the set has room for items of "
		     "this length");
	return NULL;
}

RSEQKIT_EXPORT void *rseq_mempool_set_percpu_malloc(struct rseq_mempool_set *s, size_t len)
{
	return set_alloc(s, NULL, len, false);
}

RSEQKIT_EXPORT void *rseq_mempool_set_percpu_zmalloc(struct rseq_mempool_set *s, size_t len)
{
	return set_alloc(s, NULL, len, true);
}

RSEQKIT_EXPORT void *rseq_mempool_set_percpu_malloc_init(struct rseq_mempool_set *s,
							 void *init_ptr, size_t len)
{
	if (!init_ptr && len) {
		rseqkit_fail(EINVAL, "rseq_mempool_set_percpu_malloc_init: init_ptr is NULL");
		return NULL;
	}
	return set_alloc(s, init_ptr ? init_ptr : (void *)"", len, true);
}
