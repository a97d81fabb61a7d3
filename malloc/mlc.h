/* SPDX-License-Identifier: MIT */
/*
 * malloc/mlc.h - rseqkit-malloc's internal header: the layout of the heap,
 * the size classes, and the inline fast paths (one rseq critical section
 * on the current CPU's cache of a size class).  The design, and why each
 * piece is correct, is in docs/malloc.md.
 *
 * Tiers, fastest first:
 *   per-CPU caches  per CPU one region, per size class a count word and
 *                   an array of free objects at fixed offsets: malloc and
 *                   free are one rseq critical section each (the inline
 *                   fast paths below; slow paths in cpucache.c)
 *   central         per class, under a lock: a depot of free objects and
 *                   the spans with free objects (central.c)
 *   page heap       4 MiB chunks of 8 KiB pages: spans for the classes,
 *                   runs for large objects, purge (pageheap.c)
 *   huge            one mapping per object above MLC_LARGE_MAX (huge.c)
 */
#ifndef RSEQKIT_MALLOC_MLC_H
#define RSEQKIT_MALLOC_MLC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <pthread.h>

/*
 * The inline rseq code reads this hidden copy of rseq_offset instead of
 * librseqkit.so's variable (one GOT load less on every malloc and free,
 * rseqkit/rseq.h's RSEQKIT_OFFSET_VAR).  Set by mlc_cache_init() after
 * rseqkit's initialization, before the fast paths are enabled; nothing
 * here runs rseq code before that.
 */
#ifdef RSEQKIT_RSEQ_H
# error "malloc/mlc.h must be included before any rseqkit header"
#endif
#define RSEQKIT_OFFSET_VAR	mlc_rseq_offset
extern ptrdiff_t mlc_rseq_offset __attribute__((visibility("hidden")));

#include <rseqkit/rseq.h>
#include <rseqkit/percpu/common.h>

#define MLC_HIDDEN	__attribute__((visibility("hidden")))
#define MLC_EXPORT	__attribute__((visibility("default")))
#define MLC_INLINE	static inline __attribute__((always_inline))
#define mlc_likely(x)	__builtin_expect(!!(x), 1)
#define mlc_unlikely(x)	__builtin_expect(!!(x), 0)

#define MLC_ALIGN	16u			/* malloc's guarantee */
#define MLC_CHUNK_SHIFT	22
#define MLC_CHUNK	((size_t)1 << MLC_CHUNK_SHIFT)	/* 4 MiB, aligned */
#define MLC_PAGE_SHIFT	13
#define MLC_PAGE	((size_t)1 << MLC_PAGE_SHIFT)	/* 8 KiB */
#define MLC_PAGES	(MLC_CHUNK >> MLC_PAGE_SHIFT)	/* 512 per chunk */
#define MLC_HDR_PAGES	5u		/* the chunk header (struct mlc_chunk) */
#define MLC_RUN_MAX	(MLC_PAGES - MLC_HDR_PAGES)	/* pages of a whole chunk */
#define MLC_ADDR_BITS	48		/* chunks live below 2^48 */

#define MLC_NCLASS	44
#define MLC_SMALL_MAX	65536u		/* largest size class */
#define MLC_LARGE_MAX	((size_t)1 << 20)	/* above: huge (own mapping) */
#define MLC_MAX_BATCH	64u		/* objects moved per refill/drain */
#define MLC_MAX_CAP	256u		/* objects per CPU cache */

/*
 * The per-CPU caches' layout: one region of 128 KiB (virtual; only the
 * pages used become resident) per possible CPU, region c at
 * slab + (c << MLC_REGION_SHIFT).  In a region, the count word of class
 * k at offset 8 k (all 44 in the first 6 cache lines), and its array of
 * free objects (MLC_MAX_CAP pointers, 2 KiB on 64-bit) at
 * MLC_ITEMS_OFF + (k << 11).  Both
 * are computed from the CPU and the class: no descriptor to load.
 */
#define MLC_REGION_SHIFT	17
#define MLC_ITEMS_OFF		512u
#define MLC_SLOT_SHIFT		11
_Static_assert(((size_t)MLC_MAX_CAP * sizeof(void *)) <= ((size_t)1 << MLC_SLOT_SHIFT),
	       "a class's array (MLC_MAX_CAP pointers) overlaps the next");
#define MLC_MAX_REQUEST	((size_t)PTRDIFF_MAX)	/* as glibc: larger is ENOMEM */

/* What a page of a chunk is (struct mlc_chunk.cls[]). */
#define MLC_PG_FREE	0u		/* in a free run */
/* 1 .. MLC_NCLASS: a span of small objects of class value - 1 */
#define MLC_PG_INNER	0xfdu		/* a page of a large run, not its first */
#define MLC_PG_LARGE	0xfeu		/* the first page of a large run */
#define MLC_PG_META	0xffu		/* the chunk header */

/* Kinds of struct mlc_span (meaningful at a span's first page). */
enum { MLC_SPAN_FREE = 0, MLC_SPAN_SMALL = 1, MLC_SPAN_LARGE = 2 };

/*
 * One descriptor per page of a chunk.  A span (a small-object span, a
 * large run or a free run) is described by the descriptor of its first
 * page; 'head' is set in every page of a small span (an object finds its
 * span) and in the last page of a free run (coalescing finds the run).
 */
struct mlc_span {
	struct mlc_span *next, *prev;	/* class partial list / free-run bin */
	void *free;			/* small: freed objects (first word links) */
	char *bump;			/* small: first never-used object */
	uint32_t npages;
	uint32_t head;			/* page index of the span's first page */
	uint32_t nfree;			/* small: free objects (list + bump) */
	uint32_t nobj;			/* small: objects in the span */
	uint8_t kind;			/* MLC_SPAN_* */
	uint8_t cls;			/* small: class */
	uint8_t dirty;			/* free run: may hold resident pages */
	uint8_t listed;			/* on a list */
	uint32_t pad;
	size_t req;			/* large: bytes asked for (statistics) */
};

struct mlc_chunk {
	uint8_t cls[MLC_PAGES];		/* MLC_PG_* or class + 1: free()'s lookup */
	uint64_t magic;
	struct mlc_span spans[MLC_PAGES];
};

_Static_assert(sizeof(struct mlc_chunk) <= MLC_HDR_PAGES * MLC_PAGE,
	       "chunk header larger than its pages");

/* A size class. */
struct mlc_class {
	uint32_t size;			/* object bytes */
	uint32_t batch;			/* objects per refill / drain */
	uint32_t cap;			/* objects per CPU cache */
	uint32_t npages;		/* pages per span */
	uint32_t nobj;			/* objects per span */
	uint32_t pad[3];
};

_Static_assert(MLC_ITEMS_OFF >= MLC_NCLASS * sizeof(intptr_t), "count words overlap");
_Static_assert(MLC_ITEMS_OFF + ((size_t)MLC_NCLASS << MLC_SLOT_SHIFT) <=
	       ((size_t)1 << MLC_REGION_SHIFT), "a CPU's region is too small");

/*
 * What the fast paths read, in two cache lines: the regions (NULL: no
 * fast path: before initialization, in debug mode, without rseq) and each
 * class's capacity.
 */
struct mlc_fast {
	char *slab;
	uint16_t cap[MLC_NCLASS];
} __attribute__((aligned(64)));
MLC_HIDDEN extern struct mlc_fast mlc_fast;

MLC_HIDDEN extern struct mlc_class mlc_classes[MLC_NCLASS];
MLC_HIDDEN extern uint8_t mlc_class_small[];	/* (size + 15) >> 4, size <= 1024 */
MLC_HIDDEN extern uint8_t mlc_class_big[];	/* (size + 127) >> 7, size <= MLC_SMALL_MAX */

/* One bit per 4 MiB of address space: set for the chunks of the heap. */
#define MLC_BITMAP_WORDS	(((size_t)1 << (MLC_ADDR_BITS - MLC_CHUNK_SHIFT)) / 64)
MLC_HIDDEN extern unsigned long mlc_chunk_bits[MLC_BITMAP_WORDS];

/* Process-wide state. */
struct mlc_state {
	int ready;		/* 2 once mlc_init() finished */
	int debug;		/* RSEQKIT_MALLOC_DEBUG */
	int stats;		/* RSEQKIT_MALLOC_STATS */
	int rseq_mode;		/* per-CPU caches by rseq critical sections */
	int caches;		/* per-CPU caches exist (else central only) */
	int nr_cpus;		/* CPU regions: 0 .. nr_cpus - 1 */
	size_t sys_page;	/* the system's page size */
	size_t dirty_max;	/* purge free pages beyond this many bytes */
};
MLC_HIDDEN extern struct mlc_state mlc;

/* Initialized?  (Acquire: then mlc's fields are the initializer's.) */
MLC_INLINE bool mlc_ready(void)
{
	return __atomic_load_n(&mlc.ready, __ATOMIC_ACQUIRE) == 2;
}

/*
 * Each tier's fork handlers: prepare takes its locks (api.c calls them in
 * the lock order), parent releases them, child re-creates them.
 */
#define MLC_FORK_HANDLERS(area)						\
	MLC_HIDDEN void mlc_##area##_fork_prepare(void);		\
	MLC_HIDDEN void mlc_##area##_fork_parent(void);			\
	MLC_HIDDEN void mlc_##area##_fork_child(void)

/* ---- size classes (sizeclass.c) ---- */
MLC_HIDDEN void mlc_sizeclass_init(void);

MLC_INLINE unsigned int mlc_size_class(size_t size)
{
	if (size <= 1024)
		return mlc_class_small[(size + 15) >> 4];
	return mlc_class_big[(size + 127) >> 7];
}

/* ---- the chunk map ---- */
MLC_INLINE bool mlc_chunk_test(uintptr_t a)
{
	size_t i = a >> MLC_CHUNK_SHIFT;

	if (mlc_unlikely(i >= MLC_BITMAP_WORDS * 64))
		return false;
	return (__atomic_load_n(&mlc_chunk_bits[i / 64], __ATOMIC_RELAXED) >> (i % 64)) & 1;
}

MLC_INLINE struct mlc_chunk *mlc_chunk_of(const void *p)
{
	return (struct mlc_chunk *)((uintptr_t)p & ~(uintptr_t)(MLC_CHUNK - 1));
}

MLC_INLINE size_t mlc_page_index(const void *p)
{
	return ((uintptr_t)p & (MLC_CHUNK - 1)) >> MLC_PAGE_SHIFT;
}

MLC_INLINE char *mlc_page_addr(struct mlc_chunk *ch, size_t page)
{
	return (char *)ch + (page << MLC_PAGE_SHIFT);
}

/* The span of a small object (the page map says it is one). */
MLC_INLINE struct mlc_span *mlc_span_of(const void *p)
{
	struct mlc_chunk *ch = mlc_chunk_of(p);

	return &ch->spans[ch->spans[mlc_page_index(p)].head];
}

/* ---- per-CPU caches: the fast paths ---- */

/* CPU cpu's region; its count word and its array of free objects of class cls. */
MLC_INLINE char *mlc_region(char *slab, uint32_t cpu)
{
	return slab + ((size_t)cpu << MLC_REGION_SHIFT);
}

MLC_INLINE intptr_t *mlc_slot_count(char *region, unsigned int cls)
{
	return (intptr_t *)(void *)region + cls;
}

MLC_INLINE void **mlc_slot_items(char *region, unsigned int cls)
{
	return (void **)(void *)(region + MLC_ITEMS_OFF + ((size_t)cls << MLC_SLOT_SHIFT));
}

/* The regions for the fast paths, or NULL: take the slow path. */
MLC_INLINE char *mlc_fast_slab(void)
{
	return __atomic_load_n(&mlc_fast.slab, __ATOMIC_ACQUIRE);
}

/*
 * Pop one object from the current CPU's cache of class cls into *out
 * (slab: not NULL): true, or false: take the slow path (cache empty,
 * claimed by a remote drain (a negative count), aborted).  One critical
 * section that checks that the count and the top object are still what
 * was read: a thread preempted between the reads and the section cannot
 * take an object that was meanwhile taken and replaced.  The reads need
 * no acquire ordering: only critical sections of this CPU write the
 * arrays in rseq mode (a remote drain only claims and clears the count,
 * with a fence on this CPU between the two).
 *
 * The index is rseq_cpu_start(), which the section validates against
 * cpu_id: a thread without a registration (cpu_id negative) fails there
 * and the slow path serves it.  The path does not check
 * rseq_percpu_thread_without_rseq() (a TLS load: +8% on the 'short'
 * benchmark): such a thread may complete this one section, and when the
 * kernel aborts it the slow paths, which check, serve it.
 */
MLC_INLINE bool mlc_cache_pop(char *slab, unsigned int cls, void **out)
{
	uint32_t cpu;
	intptr_t *cnt, n;
	void **items, *p;
	char *r;

	cpu = rseq_cpu_start();
	r = mlc_region(slab, cpu);
	cnt = mlc_slot_count(r, cls);
	n = RSEQ_READ_ONCE(*cnt);
	if (mlc_unlikely(n <= 0))
		return false;
	items = mlc_slot_items(r, cls);
	p = RSEQ_READ_ONCE(items[n - 1]);
	if (mlc_unlikely(rseq_cmpeqv_cmpeqv_storev(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
			cnt, n, (intptr_t *)(void *)&items[n - 1], (intptr_t)p,
			n - 1, (int)cpu)))
		return false;
	*out = p;
	return true;
}

/*
 * Push obj on the current CPU's cache of class cls (slab: not NULL): true
 * when it went, false for the slow path (full, claimed (a negative count,
 * which the unsigned compare rejects), aborted).
 */
MLC_INLINE bool mlc_cache_push(char *slab, unsigned int cls, void *obj)
{
	uint32_t cpu;
	intptr_t *cnt, n;
	char *r;

	cpu = rseq_cpu_start();
	r = mlc_region(slab, cpu);
	cnt = mlc_slot_count(r, cls);
	n = RSEQ_READ_ONCE(*cnt);
	if (mlc_unlikely((uintptr_t)n >= mlc_fast.cap[cls]))
		return false;
	return !rseq_cmpeqv_trystorev_storev(RSEQ_MO_RELEASE, RSEQ_PERCPU_CPU_ID,
			cnt, n, (intptr_t *)(void *)&mlc_slot_items(r, cls)[n],
			(intptr_t)obj, n + 1, (int)cpu);
}

/* ---- slow paths (cpucache.c) ---- */
/* Create the caches; 0, or -1 (the central tier alone then serves). */
MLC_HIDDEN int mlc_cache_init(void);
/*
 * The slow paths of a small allocation: the object, or NULL with errno
 * ENOMEM.  _slow: any state; _retry: after the fast path failed (rseq
 * mode, caches ready).
 */
MLC_HIDDEN void *mlc_small_alloc_slow(unsigned int cls, size_t size);
MLC_HIDDEN void *mlc_small_alloc_retry(unsigned int cls);
MLC_HIDDEN void mlc_small_free_slow(unsigned int cls, void *p);
/* After the fast path failed (rseq mode, caches ready); p's class again. */
MLC_HIDDEN void mlc_small_free_retry(void *p);
/* Give every CPU's cached objects back to the central tier; how many. */
MLC_HIDDEN size_t mlc_cache_drain_all(void);
/* Idle-CPU reclaim passes so far, and the objects they drained. */
MLC_HIDDEN void mlc_cache_reclaim_stats(uint64_t *passes, uint64_t *objs);
/* Objects in CPU caches of class cls (statistics). */
MLC_HIDDEN size_t mlc_cache_count(unsigned int cls);
MLC_FORK_HANDLERS(cache);

/* ---- central (central.c) ---- */
struct mlc_central_stats {
	size_t spans, objs, span_free, depot;
	uint64_t refills, drains;
};
MLC_HIDDEN void mlc_central_init(void);
/* Up to n free objects of class cls into out; how many (0: ENOMEM). */
MLC_HIDDEN size_t mlc_central_get(unsigned int cls, void **out, size_t n);
MLC_HIDDEN void mlc_central_put(unsigned int cls, void **objs, size_t n);
/* Move every depot object back to its span (malloc_trim). */
MLC_HIDDEN void mlc_central_flush(void);
MLC_HIDDEN void mlc_central_stats(unsigned int cls, struct mlc_central_stats *st);
MLC_FORK_HANDLERS(central);

/* ---- page heap (pageheap.c) ---- */
struct mlc_heap_stats {
	size_t chunks, mapped, large_bytes, large_runs, free_bytes, dirty_bytes;
	uint64_t purges, purged_bytes;
};
/*
 * A run of npages pages (at most MLC_RUN_MAX) whose first page is aligned
 * to align_pages pages (a power of two, 1: any), marked in the page map
 * with 'value' (class + 1: a small span, every page's head set; or
 * MLC_PG_LARGE).  The caller fills in the rest of the span.  *zeroed says
 * whether every page is known to be zero.  NULL with errno ENOMEM.
 */
MLC_HIDDEN struct mlc_span *mlc_heap_alloc(size_t npages, size_t align_pages,
					   unsigned int value, bool *zeroed);
MLC_HIDDEN void mlc_heap_free(struct mlc_span *s);
MLC_HIDDEN char *mlc_span_addr(const struct mlc_span *s);
/* Purge free pages down to 'keep' dirty bytes; bytes purged. */
MLC_HIDDEN size_t mlc_heap_purge(size_t keep);
MLC_HIDDEN void mlc_heap_stats(struct mlc_heap_stats *st);
MLC_FORK_HANDLERS(heap);

/* ---- large objects: page runs (large.c) ---- */
MLC_HIDDEN void *mlc_large_alloc(size_t size, size_t align, bool zero);
MLC_HIDDEN void mlc_large_free(void *p);
MLC_HIDDEN size_t mlc_large_usable(const void *p);

/* ---- huge objects: one mapping each (huge.c) ---- */
MLC_HIDDEN void *mlc_huge_alloc(size_t size, size_t align);
/* 0 when p is a huge object (freed), -1 when it is not one. */
MLC_HIDDEN int mlc_huge_free(void *p);
/* The usable size of huge object p, or 0 when p is not one. */
MLC_HIDDEN size_t mlc_huge_usable(const void *p);
/* Resize huge object p in place or by moving it; NULL: not possible. */
MLC_HIDDEN void *mlc_huge_realloc(void *p, size_t size);
MLC_HIDDEN void mlc_huge_stats(size_t *count, size_t *bytes);
MLC_FORK_HANDLERS(huge);

/* ---- the allocation interface's core (api.c) ---- */
MLC_HIDDEN int mlc_init(void);
MLC_HIDDEN void *mlc_alloc(size_t size, size_t align, bool zero);
MLC_HIDDEN void mlc_free(void *p);
MLC_HIDDEN size_t mlc_usable(const void *p);
/* Bytes of the block behind p (class size, run, mapping); 0: not ours. */
MLC_HIDDEN size_t mlc_block_size(const void *p);

/* ---- bootstrap allocator (boot.c): allocations during mlc_init() ---- */
MLC_HIDDEN void *mlc_boot_alloc(size_t size, size_t align);
MLC_HIDDEN bool mlc_boot_owns(const void *p);
MLC_HIDDEN size_t mlc_boot_usable(const void *p);

/* ---- debug mode (debug.c) ---- */
MLC_HIDDEN void *mlc_debug_alloc(size_t size, size_t align, bool zero);
MLC_HIDDEN void mlc_debug_free(void *p, const char *who);
MLC_HIDDEN size_t mlc_debug_usable(const void *p);
MLC_FORK_HANDLERS(debug);
/* Report a detected heap error on stderr and abort() (the contract). */
MLC_HIDDEN void mlc_die(const char *what, const void *p, size_t size)
	__attribute__((noreturn));

/* ---- statistics (stats.c) ---- */
struct mlc_totals {
	size_t mapped, in_use, free_cached, large_in_use, huge_count, huge_bytes;
};
MLC_HIDDEN void mlc_totals(struct mlc_totals *t);
MLC_HIDDEN void mlc_stats_print(int fd);

/* ---- small helpers (util.c) ---- */
MLC_HIDDEN void *mlc_map(size_t len);		/* anonymous rw; NULL on failure */
MLC_HIDDEN void mlc_unmap(void *p, size_t len);
/* Append a string / an unsigned number to buf at *pos (bounded by len). */
MLC_HIDDEN void mlc_put_str(char *buf, size_t len, size_t *pos, const char *s);
MLC_HIDDEN void mlc_put_num(char *buf, size_t len, size_t *pos, uint64_t v);
MLC_HIDDEN void mlc_put_hex(char *buf, size_t len, size_t *pos, uintptr_t v);
MLC_HIDDEN void mlc_write_all(int fd, const char *buf, size_t len);

#endif /* RSEQKIT_MALLOC_MLC_H */
