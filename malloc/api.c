/* SPDX-License-Identifier: MIT */
/*
 * malloc/api.c - the C allocation interface of librseqkit-malloc.so, its
 * initialization and its fork handlers.
 *
 * Every exported function is defined here with the C library's name and
 * contract (glibc's, where C leaves a choice: malloc(0) returns a unique
 * pointer, realloc(p, 0) frees p and returns NULL, sizes above
 * PTRDIFF_MAX fail with ENOMEM).  The __libc_* names are defined too, so
 * that code calling glibc's internal entry points gets the same heap.
 *
 * Initialization is lazy (the first allocation, or the constructor,
 * whichever comes first): it must work before constructors run, and
 * never call malloc() itself: allocations made from inside it (by the
 * C library) are served by the bootstrap allocator.
 */
#include <errno.h>
#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mlc.h"

struct mlc_state mlc;

static __thread int in_init __attribute__((tls_model("initial-exec")));

static void fork_prepare(void)
{
	mlc_debug_fork_prepare();
	mlc_cache_fork_prepare();
	mlc_central_fork_prepare();
	mlc_heap_fork_prepare();
	mlc_huge_fork_prepare();
}

static void fork_parent(void)
{
	mlc_huge_fork_parent();
	mlc_heap_fork_parent();
	mlc_central_fork_parent();
	mlc_cache_fork_parent();
	mlc_debug_fork_parent();
}

static void fork_child(void)
{
	mlc_huge_fork_child();
	mlc_heap_fork_child();
	mlc_central_fork_child();
	mlc_cache_fork_child();
	mlc_debug_fork_child();
}

/* A number of bytes with an optional k/m/g suffix; def when unset or bad. */
static size_t env_bytes(const char *name, size_t def)
{
	const char *s = getenv(name);
	size_t v = 0;

	if (!s || !*s)
		return def;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (SIZE_MAX - 9) / 10)
			return def;
		v = v * 10 + (size_t)(*s - '0');
	}
	switch (*s) {
	case 'g': case 'G': v = v > SIZE_MAX >> 30 ? def : v << 30; s++; break;
	case 'm': case 'M': v = v > SIZE_MAX >> 20 ? def : v << 20; s++; break;
	case 'k': case 'K': v = v > SIZE_MAX >> 10 ? def : v << 10; s++; break;
	default: break;
	}
	return *s ? def : v;
}

static int env_flag(const char *name)
{
	const char *s = getenv(name);

	return s && *s && strcmp(s, "0") != 0;
}

static void init_locked(void)
{
	long page = sysconf(_SC_PAGESIZE);

	mlc.sys_page = page > 0 ? (size_t)page : 4096;
	mlc.debug = env_flag("RSEQKIT_MALLOC_DEBUG");
	mlc.stats = env_flag("RSEQKIT_MALLOC_STATS");
	mlc.dirty_max = env_bytes("RSEQKIT_MALLOC_DIRTY_MAX", (size_t)16 << 20);
	mlc_sizeclass_init();
	mlc_central_init();
	if (!mlc.debug && !env_flag("RSEQKIT_MALLOC_NO_CACHE"))
		(void)mlc_cache_init();	/* failure: central tier alone */
	/*
	 * Tests: what a C library function called from in here would do if
	 * it allocated (the bootstrap allocator serves it; free ignores it).
	 */
	if (env_flag("RSEQKIT_MALLOC_TEST_BOOT")) {
		char *p = malloc(100), *q = calloc(3, 40);

		if (p && q && !q[119]) {
			memset(p, 1, 100);
			q = realloc(q, 200);
		}
		free(p);
		free(q);
	}
}

/*
 * 0 once the allocator is initialized; -1 in the initializing thread
 * while it initializes (the caller then uses the bootstrap allocator).
 * Another thread arriving during initialization waits for it (bounded:
 * initialization makes a few system calls).
 */
int mlc_init(void)
{
	int st = __atomic_load_n(&mlc.ready, __ATOMIC_ACQUIRE);

	if (mlc_likely(st == 2))
		return 0;
	if (in_init)
		return -1;
	st = 0;
	if (__atomic_compare_exchange_n(&mlc.ready, &st, 1, false,
					__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
		in_init = 1;
		init_locked();
		in_init = 0;
		__atomic_store_n(&mlc.ready, 2, __ATOMIC_RELEASE);
		/* After 'ready': this may allocate, and that now works. */
		(void)pthread_atfork(fork_prepare, fork_parent, fork_child);
		return 0;
	}
	while (__atomic_load_n(&mlc.ready, __ATOMIC_ACQUIRE) != 2)
		sched_yield();
	return 0;
}

__attribute__((constructor))
static void mlc_constructor(void)
{
	(void)mlc_init();
}

__attribute__((destructor))
static void mlc_destructor(void)
{
	if (mlc_ready() && mlc.stats)
		mlc_stats_print(2);
}

/* The smallest class whose objects are aligned to align (<= MLC_PAGE). */
static unsigned int aligned_class(size_t size, size_t align)
{
	unsigned int cls = mlc_size_class(size < align ? align : size);

	while (mlc_classes[cls].size % align)
		cls++;		/* a power-of-two class ends the walk */
	return cls;
}

MLC_INLINE void *small_alloc(unsigned int cls, size_t size)
{
	char *slab = mlc_fast_slab();
	void *p;

	if (mlc_unlikely(slab == NULL))
		return mlc_small_alloc_slow(cls, size);
	if (mlc_likely(mlc_cache_pop(slab, cls, &p)))
		return p;
	return mlc_small_alloc_retry(cls);
}

/* A small object of class cls to this CPU's cache, or the slow path. */
MLC_INLINE void small_free(unsigned int cls, void *p)
{
	char *slab = mlc_fast_slab();

	if (mlc_unlikely(slab == NULL))
		mlc_small_free_slow(cls, p);
	else if (mlc_unlikely(!mlc_cache_push(slab, cls, p)))
		mlc_small_free_retry(p);	/* frees the registers of cls */
}

void *mlc_alloc(size_t size, size_t align, bool zero)
{
	void *p;

	if (mlc_unlikely(!mlc_ready()) && mlc_init())
		return mlc_boot_alloc(size, align);	/* zeroed (static) */
	if (size > MLC_MAX_REQUEST) {
		errno = ENOMEM;
		return NULL;
	}
	if (mlc_unlikely(mlc.debug))
		return mlc_debug_alloc(size, align, zero);
	if (align <= MLC_ALIGN) {
		if (size <= MLC_SMALL_MAX) {
			p = small_alloc(mlc_size_class(size), size);
			if (p && zero)
				memset(p, 0, size);
			return p;
		}
		if (size <= MLC_LARGE_MAX)
			return mlc_large_alloc(size, 0, zero);
		return mlc_huge_alloc(size, 0);
	}
	if (align <= MLC_PAGE && size <= MLC_SMALL_MAX && align <= MLC_SMALL_MAX) {
		p = small_alloc(aligned_class(size, align), size);
		if (p && zero)
			memset(p, 0, size);
		return p;
	}
	if (size <= MLC_LARGE_MAX && align <= MLC_LARGE_MAX)
		return mlc_large_alloc(size, align, zero);
	return mlc_huge_alloc(size, align);
}

size_t mlc_block_size(const void *p)
{
	uintptr_t a = (uintptr_t)p;

	if (!p)
		return 0;
	if (mlc_chunk_test(a)) {
		unsigned int v = mlc_chunk_of(p)->cls[mlc_page_index(p)];

		if (v - 1 < MLC_NCLASS)
			return mlc_classes[v - 1].size;
		if (v == MLC_PG_LARGE && !(a & (MLC_PAGE - 1)))
			return mlc_large_usable(p);
		return 0;
	}
	if (mlc_boot_owns(p))
		return mlc_boot_usable(p);
	return mlc_huge_usable(p);
}

size_t mlc_usable(const void *p)
{
	if (mlc_unlikely(mlc.debug) && p && !mlc_boot_owns(p))
		return mlc_debug_usable(p);
	return mlc_block_size(p);
}

void mlc_free(void *p)
{
	uintptr_t a = (uintptr_t)p;

	if (mlc_unlikely(mlc.debug)) {
		if (p && !mlc_boot_owns(p))
			mlc_debug_free(p, "free");
		return;
	}
	if (mlc_likely(mlc_chunk_test(a))) {
		unsigned int v = mlc_chunk_of(p)->cls[mlc_page_index(p)];

		if (mlc_likely(v - 1 < MLC_NCLASS)) {
			small_free(v - 1, p);
			return;
		}
		if (v == MLC_PG_LARGE && !(a & (MLC_PAGE - 1)))
			mlc_large_free(p);
		return;		/* not the start of an object: ignored */
	}
	if (!p || mlc_boot_owns(p))
		return;
	(void)mlc_huge_free(p);	/* not ours at all: ignored */
}

/* ---- the exported interface ---- */

MLC_EXPORT void *malloc(size_t size)
{
	unsigned int cls;

	if (mlc_likely(size <= 1024))
		cls = mlc_class_small[(size + 15) >> 4];
	else if (size <= MLC_SMALL_MAX)
		cls = mlc_class_big[(size + 127) >> 7];
	else
		return mlc_alloc(size, 0, false);
	return small_alloc(cls, size);
}

MLC_EXPORT void free(void *p)
{
	uintptr_t a = (uintptr_t)p;

	/* The common case inline: a small object, this CPU's cache. */
	if (mlc_likely(mlc_chunk_test(a))) {
		unsigned int v = mlc_chunk_of(p)->cls[mlc_page_index(p)];

		if (mlc_likely(v - 1 < MLC_NCLASS)) {
			small_free(v - 1, p);
			return;
		}
	}
	mlc_free(p);
}

MLC_EXPORT void *calloc(size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return mlc_alloc(total, 0, true);
}

MLC_EXPORT void *realloc(void *p, size_t size)
{
	size_t old;
	void *q;

	if (!p)
		return malloc(size);
	if (size == 0) {
		free(p);	/* glibc: realloc(p, 0) frees, returns NULL */
		return NULL;
	}
	if (size > MLC_MAX_REQUEST) {
		errno = ENOMEM;
		return NULL;
	}
	if (mlc_unlikely(mlc.debug) && !mlc_boot_owns(p)) {
		old = mlc_debug_usable(p);	/* checks p; dies when bad */
		q = mlc_debug_alloc(size, 0, false);
		if (!q)
			return NULL;
		memcpy(q, p, old < size ? old : size);
		mlc_debug_free(p, "realloc");
		return q;
	}
	old = mlc_block_size(p);
	if (!old) {
		errno = EINVAL;	/* not an object of this heap */
		return NULL;
	}
	/* Keep the block when the size fits and at most half is wasted. */
	if (size <= old && (size >= old / 2 || old <= MLC_ALIGN))
		return p;
	if (size > MLC_LARGE_MAX && old > MLC_LARGE_MAX && !mlc_chunk_test((uintptr_t)p) &&
	    !mlc_boot_owns(p)) {
		q = mlc_huge_realloc(p, size);
		if (q)
			return q;
	}
	q = malloc(size);
	if (!q)
		return NULL;	/* p is left as it was */
	memcpy(q, p, old < size ? old : size);
	mlc_free(p);
	return q;
}

MLC_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}

static bool pow2(size_t a)
{
	return a && !(a & (a - 1));
}

MLC_EXPORT int posix_memalign(void **memptr, size_t align, size_t size)
{
	int e = errno;
	void *p;

	if (!pow2(align) || align % sizeof(void *))
		return EINVAL;
	p = mlc_alloc(size, align, false);
	if (!p) {
		errno = e;
		return ENOMEM;
	}
	*memptr = p;
	return 0;
}

MLC_EXPORT void *aligned_alloc(size_t align, size_t size)
{
	if (!pow2(align)) {
		errno = EINVAL;
		return NULL;
	}
	return mlc_alloc(size, align, false);
}

MLC_EXPORT void *memalign(size_t align, size_t size)
{
	/* glibc: a non-power-of-two alignment is rounded up. */
	if (align > ((size_t)PTRDIFF_MAX >> 1) + 1) {
		errno = EINVAL;
		return NULL;
	}
	while (!pow2(align))
		align = align ? (align | (align - 1)) + 1 : 1;
	return mlc_alloc(size, align, false);
}

static size_t page_size(void)
{
	if (mlc_unlikely(!mlc_ready()))
		(void)mlc_init();
	return mlc.sys_page ? mlc.sys_page : 4096;
}

MLC_EXPORT void *valloc(size_t size)
{
	return mlc_alloc(size, page_size(), false);
}

MLC_EXPORT void *pvalloc(size_t size)
{
	size_t page = page_size();
	size_t r = (size + page - 1) & ~(page - 1);

	if (r < size) {
		errno = ENOMEM;
		return NULL;
	}
	return mlc_alloc(r ? r : page, page, false);
}

MLC_EXPORT size_t malloc_usable_size(void *p)
{
	return mlc_usable(p);
}

MLC_EXPORT void cfree(void *p)
{
	free(p);
}

MLC_EXPORT void free_sized(void *p, size_t size)
{
	(void)size;
	free(p);
}

MLC_EXPORT void free_aligned_sized(void *p, size_t align, size_t size)
{
	(void)align;
	(void)size;
	free(p);
}

MLC_EXPORT int malloc_trim(size_t pad)
{
	size_t released;

	(void)pad;
	if (!mlc_ready())
		return 0;
	mlc_cache_drain_all();
	mlc_central_flush();
	released = mlc_heap_purge(0);
	return released > 0;
}

MLC_EXPORT int mallopt(int param, int value)
{
	(void)value;
	/* glibc's tunables have no meaning here: accepted and ignored. */
	switch (param) {
	case M_MXFAST: case M_TRIM_THRESHOLD: case M_TOP_PAD:
	case M_MMAP_THRESHOLD: case M_MMAP_MAX: case M_CHECK_ACTION:
	case M_PERTURB: case M_ARENA_TEST: case M_ARENA_MAX:
		return 1;
	default:
		return 0;
	}
}

static int clamp_int(size_t v)
{
	return v > (size_t)INT32_MAX ? INT32_MAX : (int)v;
}

MLC_EXPORT struct mallinfo2 mallinfo2(void)
{
	struct mallinfo2 mi;
	struct mlc_totals t;

	memset(&mi, 0, sizeof(mi));
	if (!mlc_ready())
		return mi;
	mlc_totals(&t);
	mi.arena = t.mapped;
	mi.hblks = t.huge_count;
	mi.hblkhd = t.huge_bytes;
	mi.uordblks = t.in_use;
	mi.fordblks = t.free_cached;
	return mi;
}

MLC_EXPORT struct mallinfo mallinfo(void)
{
	struct mallinfo2 m2 = mallinfo2();
	struct mallinfo mi;

	memset(&mi, 0, sizeof(mi));
	mi.arena = clamp_int(m2.arena);
	mi.hblks = clamp_int(m2.hblks);
	mi.hblkhd = clamp_int(m2.hblkhd);
	mi.uordblks = clamp_int(m2.uordblks);
	mi.fordblks = clamp_int(m2.fordblks);
	return mi;
}

MLC_EXPORT void malloc_stats(void)
{
	if (!mlc_ready())
		(void)mlc_init();
	mlc_stats_print(2);
}

MLC_EXPORT int malloc_info(int options, FILE *fp)
{
	struct mlc_totals t;
	uint64_t passes, objs;

	if (options != 0) {
		errno = EINVAL;
		return -1;
	}
	if (!mlc_ready())
		(void)mlc_init();
	mlc_totals(&t);
	mlc_cache_reclaim_stats(&passes, &objs);
	fprintf(fp, "<malloc version=\"rseqkit-1\">\n"
		"<total type=\"mapped\" size=\"%zu\"/>\n"
		"<total type=\"in-use\" size=\"%zu\"/>\n"
		"<total type=\"free-cached\" size=\"%zu\"/>\n"
		"<total type=\"mmap\" count=\"%zu\" size=\"%zu\"/>\n"
		"<reclaim passes=\"%llu\" objects=\"%llu\"/>\n"
		"</malloc>\n", t.mapped, t.in_use, t.free_cached,
		t.huge_count, t.huge_bytes, (unsigned long long)passes,
		(unsigned long long)objs);
	return 0;
}

/* glibc's internal entry points, for code that calls them directly. */
MLC_EXPORT void *__libc_malloc(size_t size) { return malloc(size); }
MLC_EXPORT void __libc_free(void *p) { free(p); }
MLC_EXPORT void *__libc_calloc(size_t n, size_t size) { return calloc(n, size); }
MLC_EXPORT void *__libc_realloc(void *p, size_t size) { return realloc(p, size); }
MLC_EXPORT void *__libc_memalign(size_t align, size_t size) { return memalign(align, size); }
MLC_EXPORT void *__libc_valloc(size_t size) { return valloc(size); }
MLC_EXPORT void *__libc_pvalloc(size_t size) { return pvalloc(size); }
MLC_EXPORT int __posix_memalign(void **memptr, size_t align, size_t size)
{
	return posix_memalign(memptr, align, size);
}
