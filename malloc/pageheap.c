/* SPDX-License-Identifier: MIT */
/*
 * malloc/pageheap.c - the page heap: 4 MiB chunks, aligned on 4 MiB, of
 * 8 KiB pages.  The first MLC_HDR_PAGES pages of a chunk hold its header
 * (the page map free() reads, and one descriptor per page); the others
 * form runs: small-object spans, large objects, and free runs.
 *
 * Free runs are coalesced with their free neighbours at once and kept in
 * bins by length (one list per length, a bitmap of the non-empty bins);
 * an allocation takes the shortest run that fits, most recently freed
 * first (its pages are likely resident and in cache).  A freed run is
 * "dirty" (its pages may be resident); when the dirty free pages exceed
 * mlc.dirty_max, the largest dirty runs are purged with
 * madvise(MADV_DONTNEED) down to half of it: RSS follows what the program
 * uses plus a bounded slack.  Beyond two wholly free chunks, a chunk that
 * becomes wholly free is unmapped.  One lock guards the heap; it is taken
 * after a class's central lock, never before one.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "mlc.h"

#define MLC_CHUNK_MAGIC		0x726b6d6c63686b31ull	/* "rkmlchk1" */
#define BIN_WORDS		((MLC_PAGES + 64) / 64)
#define KEEP_EMPTY_CHUNKS	2

unsigned long mlc_chunk_bits[MLC_BITMAP_WORDS];

static pthread_mutex_t heap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mlc_span *bins[MLC_PAGES + 1];	/* free runs by length */
static unsigned long bin_bits[BIN_WORDS];
static size_t nchunks, free_pages, dirty_pages, large_pages, large_runs;
static size_t empty_chunks;
static uint64_t purges, purged_pages;

static struct mlc_chunk *chunk_of_span(const struct mlc_span *s)
{
	return mlc_chunk_of(s);		/* descriptors live in their chunk */
}

static size_t page_of_span(const struct mlc_span *s)
{
	return (size_t)(s - chunk_of_span(s)->spans);
}

char *mlc_span_addr(const struct mlc_span *s)
{
	return mlc_page_addr(chunk_of_span(s), page_of_span(s));
}

static void bin_insert(struct mlc_span *s)
{
	size_t n = s->npages;

	s->prev = NULL;
	s->next = bins[n];
	if (s->next)
		s->next->prev = s;
	bins[n] = s;
	bin_bits[n / 64] |= 1UL << (n % 64);
	s->listed = 1;
}

static void bin_remove(struct mlc_span *s)
{
	size_t n = s->npages;

	if (s->prev)
		s->prev->next = s->next;
	else
		bins[n] = s->next;
	if (s->next)
		s->next->prev = s->prev;
	if (!bins[n])
		bin_bits[n / 64] &= ~(1UL << (n % 64));
	s->next = s->prev = NULL;
	s->listed = 0;
	free_pages -= n;
	if (s->dirty)
		dirty_pages -= n;
}

/* The shortest non-empty bin of at least n pages, or 0. */
static size_t bin_find(size_t n)
{
	for (size_t w = n / 64; w < BIN_WORDS; w++) {
		unsigned long bits = bin_bits[w];

		if (w == n / 64)
			bits &= ~0UL << (n % 64);
		if (bits)
			return w * 64 + (size_t)__builtin_ctzl(bits);
	}
	return 0;
}

/* Make [p0, p0 + n) of ch a free run and bin it. */
static void free_run(struct mlc_chunk *ch, size_t p0, size_t n, bool dirty)
{
	struct mlc_span *s = &ch->spans[p0];

	memset(&ch->cls[p0], MLC_PG_FREE, n);
	memset(s, 0, sizeof(*s));
	s->kind = MLC_SPAN_FREE;
	s->npages = (uint32_t)n;
	s->head = (uint32_t)p0;
	s->dirty = dirty;
	ch->spans[p0 + n - 1].head = (uint32_t)p0;
	free_pages += n;
	if (dirty)
		dirty_pages += n;
	bin_insert(s);
}

/* Map a new chunk and bin its pages; 0, or -1 (ENOMEM). */
static int grow(void)
{
	char *m = mlc_map(2 * MLC_CHUNK), *a;
	struct mlc_chunk *ch;
	size_t i;

	if (!m)
		return -1;
	a = (char *)(((uintptr_t)m + MLC_CHUNK - 1) & ~(uintptr_t)(MLC_CHUNK - 1));
	if (a > m)
		mlc_unmap(m, (size_t)(a - m));
	if (a + MLC_CHUNK < m + 2 * MLC_CHUNK)
		mlc_unmap(a + MLC_CHUNK, (size_t)(m + 2 * MLC_CHUNK - (a + MLC_CHUNK)));
	i = (uintptr_t)a >> MLC_CHUNK_SHIFT;
	if (i >= MLC_BITMAP_WORDS * 64) {	/* beyond the map: not usable */
		mlc_unmap(a, MLC_CHUNK);
		errno = ENOMEM;
		return -1;
	}
#ifdef MADV_NOHUGEPAGE
	/* Purged 8 KiB pages must not be re-faulted as 2 MiB pages. */
	(void)madvise(a, MLC_CHUNK, MADV_NOHUGEPAGE);
#endif
	ch = (struct mlc_chunk *)a;
	memset(ch->cls, MLC_PG_META, MLC_HDR_PAGES);
	ch->magic = MLC_CHUNK_MAGIC;
	free_run(ch, MLC_HDR_PAGES, MLC_RUN_MAX, false);
	empty_chunks++;
	nchunks++;
	__atomic_fetch_or(&mlc_chunk_bits[i / 64], 1UL << (i % 64), __ATOMIC_RELEASE);
	return 0;
}

static void unmap_chunk(struct mlc_chunk *ch)
{
	size_t i = (uintptr_t)ch >> MLC_CHUNK_SHIFT;

	__atomic_fetch_and(&mlc_chunk_bits[i / 64], ~(1UL << (i % 64)), __ATOMIC_RELEASE);
	nchunks--;
	empty_chunks--;
	mlc_unmap(ch, MLC_CHUNK);
}

struct mlc_span *mlc_heap_alloc(size_t npages, size_t align_pages,
				unsigned int value, bool *zeroed)
{
	size_t need = npages + (align_pages > 1 ? align_pages - 1 : 0);
	struct mlc_chunk *ch;
	struct mlc_span *s;
	size_t b, p0, start, len;
	bool dirty;

	if (!npages || need > MLC_RUN_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_lock(&heap_lock);
	while (!(b = bin_find(need))) {
		if (grow()) {
			pthread_mutex_unlock(&heap_lock);
			errno = ENOMEM;
			return NULL;
		}
	}
	s = bins[b];
	bin_remove(s);
	if (b == MLC_RUN_MAX)
		empty_chunks--;
	ch = chunk_of_span(s);
	p0 = page_of_span(s);
	len = s->npages;
	dirty = s->dirty;
	start = p0;
	if (align_pages > 1)
		start = (p0 + align_pages - 1) & ~(align_pages - 1);
	if (start > p0)
		free_run(ch, p0, start - p0, dirty);
	if (start + npages < p0 + len)
		free_run(ch, start + npages, p0 + len - start - npages, dirty);
	s = &ch->spans[start];
	memset(s, 0, sizeof(*s));
	s->npages = (uint32_t)npages;
	s->head = (uint32_t)start;
	if (value == MLC_PG_LARGE) {
		s->kind = MLC_SPAN_LARGE;
		ch->cls[start] = MLC_PG_LARGE;
		memset(&ch->cls[start + 1], MLC_PG_INNER, npages - 1);
		large_pages += npages;
		large_runs++;
	} else {
		s->kind = MLC_SPAN_SMALL;
		for (size_t i = 1; i < npages; i++)
			ch->spans[start + i].head = (uint32_t)start;
		/* Published to free() before any object of the span is. */
		memset(&ch->cls[start], (int)value, npages);
	}
	pthread_mutex_unlock(&heap_lock);
	*zeroed = !dirty;
	return s;
}

static void purge_run(struct mlc_span *s)
{
	char *a = mlc_span_addr(s);
	char *end = a + ((size_t)s->npages << MLC_PAGE_SHIFT);
	uintptr_t lo = ((uintptr_t)a + mlc.sys_page - 1) & ~(uintptr_t)(mlc.sys_page - 1);
	uintptr_t hi = (uintptr_t)end & ~(uintptr_t)(mlc.sys_page - 1);

	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
	/* Clean (known zero) only when every page went: system pages larger
	 * than MLC_PAGE may leave its edges. */
	if (lo == (uintptr_t)a && hi == (uintptr_t)end) {
		s->dirty = 0;
		dirty_pages -= s->npages;
	}
	purged_pages += s->npages;
}

/* Purge the largest dirty runs until at most keep_pages stay dirty. */
static size_t purge_locked(size_t keep_pages)
{
	size_t before = purged_pages;

	if (dirty_pages > keep_pages)
		purges++;
	for (size_t n = MLC_PAGES; n > 0 && dirty_pages > keep_pages; n--)
		for (struct mlc_span *s = bins[n]; s && dirty_pages > keep_pages; s = s->next)
			if (s->dirty)
				purge_run(s);
	return (purged_pages - before) << MLC_PAGE_SHIFT;
}

size_t mlc_heap_purge(size_t keep)
{
	size_t r;

	pthread_mutex_lock(&heap_lock);
	r = purge_locked(keep >> MLC_PAGE_SHIFT);
	pthread_mutex_unlock(&heap_lock);
	return r;
}

void mlc_heap_free(struct mlc_span *s)
{
	struct mlc_chunk *ch = chunk_of_span(s);
	size_t p0 = page_of_span(s), n = s->npages;

	pthread_mutex_lock(&heap_lock);
	if (s->kind == MLC_SPAN_LARGE) {
		large_pages -= n;
		large_runs--;
	}
	/* Coalesce with the free runs before and after. */
	if (p0 > MLC_HDR_PAGES && ch->cls[p0 - 1] == MLC_PG_FREE) {
		struct mlc_span *l = &ch->spans[ch->spans[p0 - 1].head];

		bin_remove(l);
		p0 = (size_t)(l - ch->spans);
		n += l->npages;
	}
	if (p0 + n < MLC_PAGES && ch->cls[p0 + n] == MLC_PG_FREE) {
		struct mlc_span *r = &ch->spans[p0 + n];

		bin_remove(r);
		n += r->npages;
	}
	free_run(ch, p0, n, true);
	if (n == MLC_RUN_MAX) {
		empty_chunks++;
		if (empty_chunks > KEEP_EMPTY_CHUNKS) {
			bin_remove(&ch->spans[p0]);
			unmap_chunk(ch);
		}
	}
	if ((dirty_pages << MLC_PAGE_SHIFT) > mlc.dirty_max)
		purge_locked((mlc.dirty_max / 2) >> MLC_PAGE_SHIFT);
	pthread_mutex_unlock(&heap_lock);
}

void mlc_heap_stats(struct mlc_heap_stats *st)
{
	pthread_mutex_lock(&heap_lock);
	st->chunks = nchunks;
	st->mapped = nchunks * MLC_CHUNK;
	st->large_bytes = large_pages << MLC_PAGE_SHIFT;
	st->large_runs = large_runs;
	st->free_bytes = free_pages << MLC_PAGE_SHIFT;
	st->dirty_bytes = dirty_pages << MLC_PAGE_SHIFT;
	st->purges = purges;
	st->purged_bytes = purged_pages << MLC_PAGE_SHIFT;
	pthread_mutex_unlock(&heap_lock);
}

void mlc_heap_fork_prepare(void)
{
	pthread_mutex_lock(&heap_lock);
}

void mlc_heap_fork_parent(void)
{
	pthread_mutex_unlock(&heap_lock);
}

void mlc_heap_fork_child(void)
{
	pthread_mutex_init(&heap_lock, NULL);
}
