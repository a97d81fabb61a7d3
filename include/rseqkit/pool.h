/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/pool.h - per-CPU memory pool.
 *
 * A pool hands out "per-CPU items": one allocation is one instance per
 * possible CPU (or per memory-map concurrency id), all at the same offset
 * in per-CPU areas that lie a fixed stride apart.  The pointer an
 * allocation returns is CPU 0's instance; CPU n's instance is
 *
 *	rseq_percpu_ptr_stride(ptr, n, rseq_mempool_stride(pool))
 *
 * which is one multiply-add (rseq_percpu_ptr() for pools with the default
 * stride).  See rseq_mempool_create(3).
 *
 * Memory: a pool grows by ranges; a range reserves nr_cpus * stride bytes
 * of address space (PROT_NONE), makes the used prefix of each CPU's area
 * accessible as allocations need it, and the kernel commits a page only
 * when it is first written.  Allocation never writes to a CPU's instance
 * unless it must (zmalloc writes only instances that are not already zero,
 * malloc_init only instances that differ from the template), so the pages
 * of CPUs that never run the code stay out of the resident set.
 * Transparent huge pages are disabled on ranges (a huge page would span
 * many CPUs' areas).
 */
#ifndef RSEQKIT_POOL_H
#define RSEQKIT_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <rseqkit/rseq.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Default distance between two CPUs' instances of an item. */
#define RSEQ_MEMPOOL_STRIDE	(64 * 1024)

/* How a pool is indexed (which 'cpu' the per-CPU structures use). */
enum rseq_mempool_index {
	RSEQ_MEMPOOL_INDEX_CPU = 0,	/* by CPU number (cpu_id) */
	RSEQ_MEMPOOL_INDEX_MM_CID = 1,	/* by mm_cid: memory follows threads */
};

/* rseq_mempool_attr.flags */
#define RSEQ_MEMPOOL_DEBUG	0x1	/* poison freed items, check on alloc */

struct rseq_mempool_attr {
	size_t stride;		/* 0: RSEQ_MEMPOOL_STRIDE; a page multiple */
	enum rseq_mempool_index index;
	unsigned int flags;	/* RSEQ_MEMPOOL_DEBUG */
	const char *cpu_list;	/* possible CPUs ("0-3,8"); NULL: sysfs */
	size_t max_ranges;	/* 0: unlimited */
};

struct rseq_mempool_stats {
	size_t item_len;	/* bytes per instance (rounded up) */
	size_t stride;
	int nr_cpus;		/* instances per item: max possible id + 1 */
	int nr_possible;	/* possible CPUs (or mm_cids) */
	size_t ranges;
	size_t items_used;
	size_t items_capacity;	/* of the ranges reserved so far */
	size_t reserved_bytes;	/* address space reserved */
	size_t errors;		/* double frees, bad frees, use after free */
};

struct rseq_mempool;

struct rseq_mempool *rseq_mempool_create(const char *name, size_t item_len,
					 const struct rseq_mempool_attr *attr) RSEQKIT_SYM(mempool_create);
int rseq_mempool_destroy(struct rseq_mempool *pool) RSEQKIT_SYM(mempool_destroy);

/* CPU 0's instance of a new item (contents undefined), or NULL + errno. */
void *rseq_mempool_percpu_malloc(struct rseq_mempool *pool) RSEQKIT_SYM(mempool_percpu_malloc);
/* Same, every instance zeroed. */
void *rseq_mempool_percpu_zmalloc(struct rseq_mempool *pool) RSEQKIT_SYM(mempool_percpu_zmalloc);
/* Same, 'len' bytes of 'init' copied into every instance (rest zeroed). */
void *rseq_mempool_percpu_malloc_init(struct rseq_mempool *pool,
				      const void *init, size_t len) RSEQKIT_SYM(mempool_percpu_malloc_init);
/* 0, or -1 with errno EINVAL (not from this pool, or freed twice). */
int rseq_mempool_percpu_free(struct rseq_mempool *pool, void *ptr) RSEQKIT_SYM(mempool_percpu_free);

size_t rseq_mempool_stride(const struct rseq_mempool *pool) RSEQKIT_SYM(mempool_stride);
/* Instances per item: indexes 0 .. nr_cpus - 1 are valid. */
int rseq_mempool_nr_cpus(const struct rseq_mempool *pool) RSEQKIT_SYM(mempool_nr_cpus);
/* True when index 'cpu' is a possible CPU (or a possible mm_cid). */
bool rseq_mempool_cpu_possible(const struct rseq_mempool *pool, int cpu) RSEQKIT_SYM(mempool_cpu_possible);
/* The index the pool's users pass to the operations. */
enum rseq_percpu_mode rseq_mempool_percpu_mode(const struct rseq_mempool *pool) RSEQKIT_SYM(mempool_percpu_mode);
int rseq_mempool_get_stats(struct rseq_mempool *pool,
			   struct rseq_mempool_stats *stats) RSEQKIT_SYM(mempool_get_stats);

/*
 * The possible CPUs as the kernel lists them
 * (/sys/devices/system/cpu/possible): fills mask[0..max-1] with 0/1 and
 * returns the highest possible CPU + 1, or -1 with errno.
 */
int rseq_possible_cpus(unsigned char *mask, int max) RSEQKIT_SYM(possible_cpus);

/* CPU 'cpu''s instance of a per-CPU item. */
static inline void *rseq_percpu_ptr_stride(void *ptr, int cpu, size_t stride)
{
	return (char *)ptr + (size_t)cpu * stride;
}

/* For pools with the default stride; keeps the pointer's type. */
#define rseq_percpu_ptr(ptr, cpu)					\
	((__typeof__(ptr))rseq_percpu_ptr_stride((void *)(ptr), (cpu),	\
						 RSEQ_MEMPOOL_STRIDE))

#ifdef __cplusplus
}
#endif

#endif /* RSEQKIT_POOL_H */
