/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/pool.h - per-CPU memory pool (librseq's mempool API).
 *
 * A pool hands out "per-CPU items": one allocation is one instance per
 * CPU (or per memory-map concurrency id), all at the same offset in
 * per-CPU areas that lie a fixed stride apart.  The pointer an allocation
 * returns is CPU 0's instance; CPU n's instance is
 *
 *	rseq_percpu_ptr(ptr, n)			default stride
 *	rseq_percpu_ptr(ptr, n, stride)		the pool's stride
 *
 * which is one multiply-add.  A global pool (one instance) is a plain
 * fixed-size allocator.  Pool sets serve variable sizes from several pools.
 *
 * The functions, their names, signatures and semantics are librseq's
 * (<rseq/mempool.h>): options are an opaque attribute object with
 * setters, items are freed by pointer with rseq_mempool_percpu_free(ptr
 * [, stride]).  rseqkit adds setters for what librseq lacks (a CPU list,
 * indexing by mm_cid, a debug mode, a corruption report callback, the
 * per-CPU cache size) and accessors and statistics.  See
 * rseq_mempool_create(3) and docs/pool.md.
 *
 * Memory: a pool grows by ranges; a range reserves nr_cpus * stride bytes
 * of address space (PROT_NONE), makes the used prefix of each CPU's area
 * accessible as allocations need it, and the kernel commits a page only
 * when it is first written.  Allocation writes an instance only when it
 * must (zmalloc only instances that are not zero, malloc_init only those
 * that differ from the initial values), and only the instances of
 * possible CPUs, so the pages of CPUs that never run the code stay out of
 * the resident set.  With the default populate policy (COW_INIT) all CPUs
 * share one copy of the initial values until a CPU writes its instance.
 * Transparent huge pages are disabled on ranges.
 *
 * Allocation and free run on a per-CPU cache of free items through rseq
 * critical sections; the pool's lock is taken once per batch.
 */
#ifndef RSEQKIT_POOL_H
#define RSEQKIT_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>
#include <rseqkit/rseq.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Default distance between two CPUs' instances of an item.  A stride is a
 * power of two, at least the page size; it must be the same in
 * rseq_mempool_create() (through the attribute), rseq_percpu_ptr() and
 * rseq_mempool_percpu_free().
 */
#define RSEQ_MEMPOOL_STRIDE	(1U << 16)

/* Most instances a pool can have (max_nr_cpus, CPU lists). */
#define RSEQ_MEMPOOL_MAX_NR_CPUS	(1 << 20)

/* Largest per-CPU cache (rseq_mempool_attr_set_cache()); and the default. */
#define RSEQ_MEMPOOL_CACHE_MAX		31
#define RSEQ_MEMPOOL_CACHE_DEFAULT	31

/* Marks per-CPU pointers for static analysers (empty). */
#ifndef __rseq_percpu
#define __rseq_percpu
#endif

struct rseq_mempool;
struct rseq_mempool_attr;
struct rseq_mempool_set;

enum rseq_mempool_populate_policy {
	/*
	 * Default.  Every CPU's area is a private copy-on-write mapping of
	 * one "initial values" area: malloc_init/zmalloc write the initial
	 * values once, and a CPU's page is copied only when that CPU's
	 * instance is written.  (After fork(), existing ranges of both
	 * processes stop using the shared area; see rseq_mempool_create(3).)
	 */
	RSEQ_MEMPOOL_POPULATE_COW_INIT = 0,
	/* Areas are anonymous zero pages until written. */
	RSEQ_MEMPOOL_POPULATE_COW_ZERO = 1,
};

/* What a report callback is told about (rseq_mempool_attr_set_report()). */
enum rseq_mempool_report_kind {
	RSEQ_MEMPOOL_REPORT_DOUBLE_FREE = 1,	/* free of an item not allocated */
	RSEQ_MEMPOOL_REPORT_BAD_FREE = 2,	/* free of a pointer inside a range
						   that is not an item's start */
	RSEQ_MEMPOOL_REPORT_POISON = 3,		/* a freed item was written */
	RSEQ_MEMPOOL_REPORT_LEAK = 4,		/* destroy with items allocated */
};

typedef void (*rseq_mempool_report_func)(void *priv, struct rseq_mempool *pool,
					 enum rseq_mempool_report_kind kind,
					 void *item, const char *message);

struct rseq_mempool_stats {
	size_t item_len;	/* bytes per instance (a power of two) */
	size_t stride;
	int nr_cpus;		/* instances per item: indexes 0 .. nr_cpus - 1 */
	int nr_possible;	/* instances that are written (possible CPUs) */
	size_t ranges;
	size_t items_used;	/* allocated */
	size_t items_cached;	/* free, held in per-CPU caches */
	size_t items_capacity;	/* of the ranges reserved so far */
	size_t reserved_bytes;	/* address space reserved */
	size_t errors;		/* double or bad frees, poison and leak reports */
	enum rseq_mempool_populate_policy populate_policy;	/* in effect */
	int global;		/* 1 for a global pool */
	uintptr_t reserved[6];
};

/* ---- attributes ---- */

/* A new attribute object with the defaults (per-CPU pool, COW_INIT). */
struct rseq_mempool_attr *rseq_mempool_attr_create(void) RSEQKIT_SYM(mempool_attr_create);
void rseq_mempool_attr_destroy(struct rseq_mempool_attr *attr) RSEQKIT_SYM(mempool_attr_destroy);
/* Called on each CPU's area of every new range (cpu -1: a global pool). */
int rseq_mempool_attr_set_init(struct rseq_mempool_attr *attr,
			       int (*init_func)(void *priv, void *addr, size_t len, int cpu),
			       void *init_priv) RSEQKIT_SYM(mempool_attr_set_init);
#ifndef RSEQKIT_LIBRSEQ_LAYER	/* the librseq layer's aborts (rseq/mempool.h) */
int rseq_mempool_attr_set_robust(struct rseq_mempool_attr *attr) RSEQKIT_SYM(mempool_attr_set_robust);
#endif
int rseq_mempool_attr_set_percpu(struct rseq_mempool_attr *attr, size_t stride,
				 int max_nr_cpus) RSEQKIT_SYM(mempool_attr_set_percpu);
int rseq_mempool_attr_set_global(struct rseq_mempool_attr *attr, size_t stride) RSEQKIT_SYM(mempool_attr_set_global);
int rseq_mempool_attr_set_max_nr_ranges(struct rseq_mempool_attr *attr,
					unsigned long max_nr_ranges) RSEQKIT_SYM(mempool_attr_set_max_nr_ranges);
int rseq_mempool_attr_set_poison(struct rseq_mempool_attr *attr, uintptr_t poison) RSEQKIT_SYM(mempool_attr_set_poison);
int rseq_mempool_attr_set_populate_policy(struct rseq_mempool_attr *attr,
					  enum rseq_mempool_populate_policy policy) RSEQKIT_SYM(mempool_attr_set_populate_policy);
/* rseqkit: the CPUs whose instances are written ("0-3,8"). */
int rseq_mempool_attr_set_cpu_list(struct rseq_mempool_attr *attr, const char *cpu_list) RSEQKIT_SYM(mempool_attr_set_cpu_list);
/* rseqkit: index by cpu_id (default) or by mm_cid. */
int rseq_mempool_attr_set_percpu_mode(struct rseq_mempool_attr *attr,
				      enum rseq_percpu_mode mode) RSEQKIT_SYM(mempool_attr_set_percpu_mode);
/* rseqkit: robust checks, reported on stderr unless a report callback is set. */
int rseq_mempool_attr_set_debug(struct rseq_mempool_attr *attr) RSEQKIT_SYM(mempool_attr_set_debug);
/* rseqkit: called for every detected misuse (double free, poison, leak). */
int rseq_mempool_attr_set_report(struct rseq_mempool_attr *attr,
				 rseq_mempool_report_func report, void *priv) RSEQKIT_SYM(mempool_attr_set_report);
/* rseqkit: free items each CPU keeps (0: none, every call takes the lock). */
int rseq_mempool_attr_set_cache(struct rseq_mempool_attr *attr, unsigned int nr_items) RSEQKIT_SYM(mempool_attr_set_cache);

/* ---- pools ---- */

struct rseq_mempool *rseq_mempool_create(const char *pool_name, size_t item_len,
					 const struct rseq_mempool_attr *attr) RSEQKIT_SYM(mempool_create);
int rseq_mempool_destroy(struct rseq_mempool *pool) RSEQKIT_SYM(mempool_destroy);

/* CPU 0's instance of a new item, or NULL + errno. */
void __rseq_percpu *rseq_mempool_percpu_malloc(struct rseq_mempool *pool) RSEQKIT_SYM(mempool_percpu_malloc);
void __rseq_percpu *rseq_mempool_percpu_zmalloc(struct rseq_mempool *pool) RSEQKIT_SYM(mempool_percpu_zmalloc);
/* init_len bytes of init_ptr in every instance, the rest zeroed. */
void __rseq_percpu *rseq_mempool_percpu_malloc_init(struct rseq_mempool *pool,
						    void *init_ptr, size_t init_len) RSEQKIT_SYM(mempool_percpu_malloc_init);

/*
 * Free the item at ptr (NULL: nothing) of the pool whose stride is
 * 'stride': 0, or -1 with errno EINVAL (not an item of a pool of that
 * stride, or not allocated).  Use rseq_mempool_percpu_free(ptr[, stride]).
 */
int rseq_mempool_percpu_free_stride(void __rseq_percpu *ptr, size_t stride) RSEQKIT_SYM(mempool_percpu_free_stride);

/* For global pools (normally max_nr_cpus 1). */
static inline void *rseq_mempool_malloc(struct rseq_mempool *pool)
{
	return (void *)rseq_mempool_percpu_malloc(pool);
}

static inline void *rseq_mempool_zmalloc(struct rseq_mempool *pool)
{
	return (void *)rseq_mempool_percpu_zmalloc(pool);
}

static inline void *rseq_mempool_malloc_init(struct rseq_mempool *pool,
					     void *init_ptr, size_t init_len)
{
	return (void *)rseq_mempool_percpu_malloc_init(pool, init_ptr, init_len);
}

/*
 * rseq_mempool_percpu_free(ptr), rseq_mempool_percpu_free(ptr, stride),
 * rseq_mempool_free(ptr), rseq_mempool_free(ptr, stride): the stride
 * defaults to RSEQ_MEMPOOL_STRIDE.  (Standard C99 variadic macros: the
 * last argument of the helper absorbs the default when a stride is given.)
 */
#define RSEQ_MEMPOOL_ARG2_(a, b, ...)	b
#define rseq_mempool_percpu_free(...)					\
	rseq_mempool_percpu_free_stride(RSEQ_MEMPOOL_ARG1_(__VA_ARGS__, ~),	\
		(size_t)RSEQ_MEMPOOL_ARG2_(__VA_ARGS__, RSEQ_MEMPOOL_STRIDE, ~))
#define rseq_mempool_free(...)						\
	rseq_mempool_percpu_free_stride((void *)RSEQ_MEMPOOL_ARG1_(__VA_ARGS__, ~), \
		(size_t)RSEQ_MEMPOOL_ARG2_(__VA_ARGS__, RSEQ_MEMPOOL_STRIDE, ~))
#define RSEQ_MEMPOOL_ARG1_(a, ...)	a

/*
 * CPU cpu's instance of a per-CPU item, keeping the pointer's type:
 * rseq_percpu_ptr(ptr, cpu) or rseq_percpu_ptr(ptr, cpu, stride).
 */
#define rseq_percpu_ptr(...)						\
	RSEQ_PERCPU_PTR_(__VA_ARGS__, RSEQ_MEMPOOL_STRIDE, ~)
#define RSEQ_PERCPU_PTR_(ptr, cpu, stride, ...)				\
	((__typeof__(*(ptr)) *)((uintptr_t)(ptr) +			\
		(uintptr_t)(unsigned int)(cpu) * (uintptr_t)(stride)))

/* The same as a function, for any stride. */
static inline void *rseq_percpu_ptr_stride(void *ptr, int cpu, size_t stride)
{
	return (char *)ptr + (size_t)(unsigned int)cpu * stride;
}

/* max_nr_cpus of a per-CPU pool, or -1 with errno EINVAL (NULL, global). */
int rseq_mempool_get_max_nr_cpus(struct rseq_mempool *mempool) RSEQKIT_SYM(mempool_get_max_nr_cpus);

/*
 * For init callbacks: move a CPU's area to the NUMA node of that CPU
 * (move_pages(2) with numa_flags, e.g. MPOL_MF_MOVE).  0, or -1 with
 * errno (ENOSYS without NUMA support, EINVAL for bad arguments).
 */
int rseq_mempool_range_init_numa(void *addr, size_t len, int cpu, int numa_flags) RSEQKIT_SYM(mempool_range_init_numa);

/* ---- pool sets: variable sizes from pools of power-of-two items ---- */

struct rseq_mempool_set *rseq_mempool_set_create(void) RSEQKIT_SYM(mempool_set_create);
/* Destroys the set and every pool in it. */
int rseq_mempool_set_destroy(struct rseq_mempool_set *pool_set) RSEQKIT_SYM(mempool_set_destroy);
/* The set owns the pool from now on; EBUSY when its size is taken. */
int rseq_mempool_set_add_pool(struct rseq_mempool_set *pool_set,
			      struct rseq_mempool *pool) RSEQKIT_SYM(mempool_set_add_pool);
void __rseq_percpu *rseq_mempool_set_percpu_malloc(struct rseq_mempool_set *pool_set,
						   size_t len) RSEQKIT_SYM(mempool_set_percpu_malloc);
void __rseq_percpu *rseq_mempool_set_percpu_zmalloc(struct rseq_mempool_set *pool_set,
						    size_t len) RSEQKIT_SYM(mempool_set_percpu_zmalloc);
void __rseq_percpu *rseq_mempool_set_percpu_malloc_init(struct rseq_mempool_set *pool_set,
							void *init_ptr, size_t len) RSEQKIT_SYM(mempool_set_percpu_malloc_init);

static inline void *rseq_mempool_set_malloc(struct rseq_mempool_set *pool_set, size_t len)
{
	return (void *)rseq_mempool_set_percpu_malloc(pool_set, len);
}

static inline void *rseq_mempool_set_zmalloc(struct rseq_mempool_set *pool_set, size_t len)
{
	return (void *)rseq_mempool_set_percpu_zmalloc(pool_set, len);
}

static inline void *rseq_mempool_set_malloc_init(struct rseq_mempool_set *pool_set,
						 void *init_ptr, size_t len)
{
	return (void *)rseq_mempool_set_percpu_malloc_init(pool_set, init_ptr, len);
}

/* ---- rseqkit: accessors, statistics, CPUs ---- */

size_t rseq_mempool_stride(const struct rseq_mempool *pool) RSEQKIT_SYM(mempool_stride);
/* Instances per item: indexes 0 .. nr_cpus - 1 are valid (1: global). */
int rseq_mempool_nr_cpus(const struct rseq_mempool *pool) RSEQKIT_SYM(mempool_nr_cpus);
/* True when instance 'cpu' is written by the pool (a possible CPU). */
bool rseq_mempool_cpu_possible(const struct rseq_mempool *pool, int cpu) RSEQKIT_SYM(mempool_cpu_possible);
/* The index the pool's users pass to the operations. */
enum rseq_percpu_mode rseq_mempool_percpu_mode(const struct rseq_mempool *pool) RSEQKIT_SYM(mempool_percpu_mode);
int rseq_mempool_get_stats(struct rseq_mempool *pool,
			   struct rseq_mempool_stats *stats) RSEQKIT_SYM(mempool_get_stats);

/*
 * The possible CPUs as the kernel lists them
 * (/sys/devices/system/cpu/possible): fills mask[0..max-1] with 0/1 and
 * returns the highest possible CPU + 1, or -1 with errno EINVAL (mask
 * NULL, max <= 0, or max too small for this machine's CPUs).
 */
int rseq_possible_cpus(unsigned char *mask, int max) RSEQKIT_SYM(possible_cpus);

/* The highest possible CPU + 1 (what max_nr_cpus 0 selects), or -1. */
int rseq_get_max_nr_cpus(void) RSEQKIT_SYM(get_max_nr_cpus);

#ifdef __cplusplus
}
#endif

#endif /* RSEQKIT_POOL_H */
