/* SPDX-License-Identifier: MIT */
/*
 * src/pool-internal.h - what the pool's source files share (not
 * installed).  The design is in docs/pool.md; in short:
 *
 *  - a range is one reservation aligned on the stride: CPU c's area is
 *    [base + c * stride, base + (c + 1) * stride), followed for COW_INIT
 *    pools by the initial-values area; all PROT_NONE except the used
 *    prefix of each area ('committed');
 *  - item i of a range is at base + i * item_len; a free item is either
 *    in the pool's shared store ('avail' bit, under the pool lock) or in
 *    a per-CPU cache; items [next_unused, nr_items) were never handed out;
 *    robust pools (which have no caches) also keep an exact 'inuse' bit
 *    per item, under the lock.  Nothing per item is written on the fast
 *    path: a bitmap word shared by items of different CPUs would bounce
 *    between them;
 *  - a free finds its range from the pointer and the stride through a
 *    process-wide table of range bases (lock-free lookups);
 *  - per-CPU caches are small stacks of free items changed only by rseq
 *    critical sections of the CPU they belong to; the lock is taken once
 *    per batch.
 */
#ifndef RSEQKIT_POOL_INTERNAL_H
#define RSEQKIT_POOL_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <rseqkit/pool.h>
#include "internal.h"

#define POOL_BITS		(8 * sizeof(unsigned long))
#define POOL_MIN_ITEM_ORDER	(sizeof(void *) == 8 ? 3 : 2)
#define POOL_SET_ENTRIES	(8 * (unsigned int)sizeof(long))
#define POOL_COMMIT_STEP	((size_t)64 * 1024)	/* mprotect() granule */
#define POOL_CACHE_AFTER	64	/* slow-path calls before caches */

#if UINTPTR_MAX > 0xffffffffu
# define POOL_COW_INIT_POISON	((uintptr_t)0x5555555555555555ULL)
#else
# define POOL_COW_INIT_POISON	((uintptr_t)0x55555555UL)
#endif

enum pool_type {
	POOL_TYPE_PERCPU = 0,
	POOL_TYPE_GLOBAL = 1,
};

struct rseq_mempool_attr {
	enum pool_type type;
	size_t stride;			/* 0: default */
	int max_nr_cpus;		/* 0: the possible CPUs */
	unsigned long max_nr_ranges;	/* 0: unlimited */
	bool robust, debug;
	bool poison_set;
	uintptr_t poison;
	enum rseq_mempool_populate_policy policy;
	int (*init_func)(void *priv, void *addr, size_t len, int cpu);
	void *init_priv;
	char *cpu_list;			/* ialloc'd copy, validated */
	enum rseq_percpu_mode mode;
	rseq_mempool_report_func report;
	void *report_priv;
	unsigned int cache;		/* per-CPU cache size */
	bool cache_set;
};

struct pool_range {
	/* Read on the fast paths. */
	struct pool_range *next;	/* the pool's ranges, newest first */
	struct rseq_mempool *pool;
	char *base;			/* CPU 0's area, aligned on the stride */
	char *init;			/* COW_INIT: the initial values, else NULL */
	unsigned long *inuse;		/* robust pools only; under the lock */
	unsigned long *avail;		/* under the pool lock */
	size_t nr_items;
	bool frozen;			/* COW_INIT after fork(): initial values
					   area no longer written */
	/* Written under the lock (its own cache line). */
	size_t next_unused __attribute__((aligned(64)));	/* [0, next_unused)
					   were handed out */
	size_t nr_avail;		/* avail bits set */
	size_t hint;			/* no avail bit below it */
	struct pool_range *avail_next;	/* the pool's ranges with avail items */
	bool listed;			/* on that list */
	size_t committed;		/* accessible prefix of every area */
	char *map;			/* the reservation */
	size_t map_len;
	void *mem;			/* what to free (pool_zalloc64) */
};

/* One CPU's cache: count, then the items (a stack). */
struct pool_cache {
	intptr_t count;
	intptr_t slots[RSEQ_MEMPOOL_CACHE_MAX];
} __attribute__((aligned(64)));

struct rseq_mempool {
	/* Read-only after create. */
	size_t item_len;
	unsigned int item_order;
	size_t stride;
	int nr_cpus;			/* instances */
	int nr_possible;
	unsigned long *possible;	/* bitmap over nr_cpus */
	enum rseq_percpu_mode mode;
	enum pool_type type;
	bool robust, debug;
	bool poison_set;
	uintptr_t poison;
	enum rseq_mempool_populate_policy policy;	/* in effect */
	unsigned long max_nr_ranges;
	int (*init_func)(void *priv, void *addr, size_t len, int cpu);
	void *init_priv;
	rseq_mempool_report_func report;
	void *report_priv;
	unsigned int cache_cap;		/* 0: no per-CPU caches */
	char name[64];

	/* Published once (release), read without the lock. */
	struct pool_cache *caches;	/* [nr_cache_cpus] */
	int nr_cache_cpus;
	void *caches_mem;		/* what to free */

	/* Under the lock (cache lines of their own). */
	pthread_mutex_t lock __attribute__((aligned(64)));
	struct pool_range *ranges;
	struct pool_range *avail_ranges;	/* those with nr_avail > 0 */
	unsigned long nr_ranges;
	unsigned long slow_calls;
	size_t errors;			/* atomic */
	struct rseq_mempool_set *set;	/* under the registry lock */
	struct rseq_mempool *reg_prev, *reg_next;	/* every pool (fork) */
	void *mem;			/* what to free (pool_zalloc64) */
};

/* ---- src/pool_cpus.c ---- */
/* Parse "0-3,8": fills the bitmap (words of POOL_BITS) up to max ids;
 * returns highest + 1, or -1 (malformed, empty, or an id >= max). */
RSEQKIT_HIDDEN int rseqkit_pool_parse_cpu_list(const char *s, unsigned long *bits, int max);
/* The system's possible CPUs as a bitmap of max bits; highest + 1 or -1. */
RSEQKIT_HIDDEN int rseqkit_pool_system_cpus(unsigned long *bits, int max);

/* ---- src/pool_registry.c: the pool list and the range table ---- */
RSEQKIT_HIDDEN void rseqkit_pool_list_add(struct rseq_mempool *p);
RSEQKIT_HIDDEN void rseqkit_pool_list_del(struct rseq_mempool *p);
RSEQKIT_HIDDEN void rseqkit_pool_list_lock(void);
RSEQKIT_HIDDEN void rseqkit_pool_list_unlock(void);
RSEQKIT_HIDDEN int rseqkit_pool_table_add(struct pool_range *r);
RSEQKIT_HIDDEN void rseqkit_pool_table_del(struct pool_range *r);
/* The range whose CPU 0 area starts at base, or NULL.  Lock-free. */
RSEQKIT_HIDDEN struct pool_range *rseqkit_pool_table_find(uintptr_t base);
RSEQKIT_HIDDEN void rseqkit_pool_atfork_once(void);

/* ---- src/pool_range.c: ranges and item states ---- */
RSEQKIT_HIDDEN struct pool_range *rseqkit_pool_range_new(struct rseq_mempool *p);
RSEQKIT_HIDDEN void rseqkit_pool_range_free(struct rseq_mempool *p, struct pool_range *r);
/* Take up to 'want' free items into out[]: first *reused items that were
 * freed before, then never used ones; returns how many (0 with errno set
 * when none can be had).  Lock held. */
RSEQKIT_HIDDEN size_t rseqkit_pool_take(struct rseq_mempool *p, intptr_t *out, size_t want,
					size_t *reused);
/* Give free items back to the store.  Lock held.  Returns how many were
 * already there (double frees, not inserted again); *bad: the first. */
RSEQKIT_HIDDEN size_t rseqkit_pool_give(struct rseq_mempool *p, const intptr_t *items, size_t n,
					intptr_t *bad);

/* ---- src/pool_item.c: contents of items ---- */
/* Write the requested contents into every instance that needs it. */
RSEQKIT_HIDDEN void rseqkit_pool_item_fill(struct rseq_mempool *p, struct pool_range *r,
					   char *item, const void *init, size_t len, bool zero);
RSEQKIT_HIDDEN void rseqkit_pool_item_poison(struct rseq_mempool *p, struct pool_range *r, char *item);
/* True when every instance still holds the poison value. */
RSEQKIT_HIDDEN bool rseqkit_pool_item_poisoned(struct rseq_mempool *p, struct pool_range *r,
					       char *item);
/* Count an error and tell the report callback (or stderr in debug mode). */
RSEQKIT_HIDDEN void rseqkit_pool_report(struct rseq_mempool *p,
					enum rseq_mempool_report_kind kind,
					void *item, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- src/pool_cache.c: the per-CPU caches ---- */
RSEQKIT_HIDDEN void *rseqkit_pool_cache_pop(struct rseq_mempool *p);
/* 0 when the item went into this CPU's cache, 1 when it is there already
 * (a double free), -1 when it cannot go there (full, no registration). */
RSEQKIT_HIDDEN int rseqkit_pool_cache_push(struct rseq_mempool *p, void *item);
/* Put n items into this CPU's empty cache; how many went in. */
RSEQKIT_HIDDEN size_t rseqkit_pool_cache_refill(struct rseq_mempool *p, const intptr_t *items, size_t n);
/* Take up to n items out of this CPU's cache into out[]; how many. */
RSEQKIT_HIDDEN size_t rseqkit_pool_cache_drain(struct rseq_mempool *p, intptr_t *out, size_t n);
/* Lock held: create the caches when the pool qualifies. */
RSEQKIT_HIDDEN void rseqkit_pool_cache_enable(struct rseq_mempool *p);
/* Items in caches (a snapshot). */
RSEQKIT_HIDDEN size_t rseqkit_pool_cache_count(struct rseq_mempool *p);

/* Zeroed metadata aligned on a cache line; *mem is what to free. */
static inline void *pool_zalloc64(size_t size, void **mem)
{
	char *m = (char *)rseqkit_icalloc(1, size + 63);

	*mem = m;
	return m ? (void *)(((uintptr_t)m + 63) & ~(uintptr_t)63) : NULL;
}

/* Bits. */
static inline bool pool_bit_test(const unsigned long *m, size_t i)
{
	return (m[i / POOL_BITS] >> (i % POOL_BITS)) & 1;
}

static inline void pool_bit_set(unsigned long *m, size_t i)
{
	m[i / POOL_BITS] |= 1UL << (i % POOL_BITS);
}

static inline void pool_bit_clear(unsigned long *m, size_t i)
{
	m[i / POOL_BITS] &= ~(1UL << (i % POOL_BITS));
}

/* Bits that lock-free readers look at: written with atomic stores. */
static inline void pool_bit_publish(unsigned long *m, size_t i, bool on)
{
	unsigned long w = m[i / POOL_BITS], b = 1UL << (i % POOL_BITS);

	__atomic_store_n(&m[i / POOL_BITS], on ? w | b : w & ~b, __ATOMIC_RELAXED);
}

static inline bool pool_bit_peek(const unsigned long *m, size_t i)
{
	return (__atomic_load_n(&m[i / POOL_BITS], __ATOMIC_RELAXED) >> (i % POOL_BITS)) & 1;
}

static inline char *pool_instance(const struct rseq_mempool *p, char *item, int cpu)
{
	return item + (size_t)cpu * p->stride;
}

/* The range an item pointer belongs to, or NULL (the newest range first). */
static inline struct pool_range *pool_range_of(const struct rseq_mempool *p, const void *item)
{
	struct pool_range *r = __atomic_load_n(&p->ranges, __ATOMIC_ACQUIRE);
	uintptr_t base = (uintptr_t)item & ~(uintptr_t)(p->stride - 1);

	if (r && (uintptr_t)r->base == base)
		return r;
	return rseqkit_pool_table_find(base);
}

static inline size_t pool_index_of(const struct rseq_mempool *p,
				   const struct pool_range *r, const void *item)
{
	return (size_t)((const char *)item - r->base) >> p->item_order;
}

#endif
