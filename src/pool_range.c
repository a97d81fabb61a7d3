/* SPDX-License-Identifier: MIT */
/*
 * src/pool_range.c - the pool's ranges (reservations of address space)
 * and its shared store of free items: taking batches out, giving them
 * back.  Everything here runs under the pool lock, except the creation
 * of a pool's first range (the pool is not yet visible).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "pool-internal.h"

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Areas per range: the instances, then the initial values (COW_INIT). */
static size_t range_areas(const struct rseq_mempool *p)
{
	return (size_t)p->nr_cpus + (p->policy == RSEQ_MEMPOOL_POPULATE_COW_INIT);
}

/*
 * Reserve 'len' bytes aligned on 'align' (a power of two), PROT_NONE and
 * without commit charge.
 */
static char *reserve(size_t len, size_t align)
{
	char *m = mmap(NULL, len + align, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t start, end;

	if (m == MAP_FAILED)
		return NULL;
	start = ((uintptr_t)m + align - 1) & ~(uintptr_t)(align - 1);
	end = start + len;
	if (start > (uintptr_t)m)
		munmap(m, start - (uintptr_t)m);
	if ((uintptr_t)m + len + align > end)
		munmap((void *)end, (uintptr_t)m + len + align - end);
	return (char *)start;
}

/*
 * COW_INIT: every instance a private mapping of one memory file, the
 * initial values a shared mapping of it.  Returns -1 (errno) when the
 * memory file cannot be had: the caller falls back to COW_ZERO.
 */
static int map_cow_init(struct rseq_mempool *p, struct pool_range *r)
{
	char name[80];
	int fd;

	snprintf(name, sizeof(name), "%s:rseq-mempool", p->name[0] ? p->name : "<anonymous>");
	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)p->stride))
		goto fail;
	for (int c = 0; c < p->nr_cpus; c++)
		if (mmap(r->base + (size_t)c * p->stride, p->stride, PROT_NONE,
			 MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, fd, 0) == MAP_FAILED)
			goto fail;
	r->init = r->base + (size_t)p->nr_cpus * p->stride;
	if (mmap(r->init, p->stride, PROT_NONE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
		goto fail;
	close(fd);
	return 0;
fail:
	close(fd);
	r->init = NULL;
	return -1;
}

/* Make [0, end) of every area accessible (end <= stride). */
static int commit(struct rseq_mempool *p, struct pool_range *r, size_t end)
{
	size_t newc, page = page_size();

	if (end <= r->committed)
		return 0;
	newc = (end + POOL_COMMIT_STEP - 1) / POOL_COMMIT_STEP * POOL_COMMIT_STEP;
	newc = (newc + page - 1) / page * page;
	if (newc > p->stride)
		newc = p->stride;
	/* The instances, then the initial values when the range has them
	 * (one call when every area becomes accessible whole). */
	if (!r->committed && newc == p->stride) {
		if (mprotect(r->base, ((size_t)p->nr_cpus + (r->init != NULL)) * p->stride,
			     PROT_READ | PROT_WRITE))
			return rseqkit_fail(errno, "mprotect of a pool range failed (out of "
					    "memory, or too many mappings: vm.max_map_count)");
		r->committed = newc;
		return 0;
	}
	for (size_t a = 0; a < (size_t)p->nr_cpus + (r->init != NULL); a++) {
		char *area = r->base + a * p->stride;

		if (mprotect(area + r->committed, newc - r->committed, PROT_READ | PROT_WRITE))
			return rseqkit_fail(errno, "mprotect of a pool range failed (out of "
					    "memory, or too many mappings: vm.max_map_count)");
	}
	r->committed = newc;
	return 0;
}

void rseqkit_pool_range_free(struct rseq_mempool *p, struct pool_range *r)
{
	(void)p;
	rseqkit_pool_table_del(r);
	munmap(r->map, r->map_len);
	rseqkit_ifree(r->inuse);
	rseqkit_ifree(r->avail);
	rseqkit_ifree(r->mem);
}

/* Run the pool's init callback on every written area of a new range. */
static int run_init(struct rseq_mempool *p, struct pool_range *r)
{
	if (commit(p, r, p->stride))
		return -1;
	if (p->type == POOL_TYPE_GLOBAL) {
		errno = 0;
		if (p->init_func(p->init_priv, r->base, p->stride, -1))
			goto fail;
		return 0;
	}
	for (int c = 0; c < p->nr_cpus; c++) {
		if (!pool_bit_test(p->possible, (size_t)c))
			continue;
		errno = 0;
		if (p->init_func(p->init_priv, r->base + (size_t)c * p->stride, p->stride, c))
			goto fail;
	}
	return 0;
fail:
	return rseqkit_fail(errno ? errno : EINVAL, "the pool's init callback failed "
			    "(its errno is kept)");
}

struct pool_range *rseqkit_pool_range_new(struct rseq_mempool *p)
{
	struct pool_range *r;
	size_t words;

	if (p->max_nr_ranges && p->nr_ranges >= p->max_nr_ranges) {
		rseqkit_fail(ENOMEM, "the pool reached its max_nr_ranges: free items, or raise "
			     "rseq_mempool_attr_set_max_nr_ranges()");
		return NULL;
	}
	{
		void *mem;

		r = (struct pool_range *)pool_zalloc64(sizeof(*r), &mem);
		if (!r)
			goto nomem;
		r->mem = mem;
	}
	r->pool = p;
	r->nr_items = p->stride >> p->item_order;
	words = (r->nr_items + POOL_BITS - 1) / POOL_BITS;
	if (p->robust)
		r->inuse = rseqkit_icalloc(words, sizeof(unsigned long));
	r->avail = rseqkit_icalloc(words, sizeof(unsigned long));
	r->map_len = range_areas(p) * p->stride;	/* checked by create */
	r->map = reserve(r->map_len, p->stride);
	if ((p->robust && !r->inuse) || !r->avail || !r->map) {
		if (r->map)
			munmap(r->map, r->map_len);
		rseqkit_ifree(r->inuse);
		rseqkit_ifree(r->avail);
		rseqkit_ifree(r->mem);
		goto nomem;
	}
	r->base = r->map;
	if (p->policy == RSEQ_MEMPOOL_POPULATE_COW_INIT && map_cow_init(p, r)) {
		/* No memory file (seccomp, limits): write instances instead. */
		munmap(r->map, r->map_len);
		r->map = reserve(r->map_len, p->stride);
		if (!r->map) {
			r->map_len = 0;
			rseqkit_pool_range_free(p, r);
			goto nomem;
		}
		r->base = r->map;
		p->policy = RSEQ_MEMPOOL_POPULATE_COW_ZERO;
	}
#ifdef MADV_NOHUGEPAGE
	(void)madvise(r->map, r->map_len, MADV_NOHUGEPAGE);
#endif
	if ((p->init_func && run_init(p, r)) || rseqkit_pool_table_add(r)) {
		int err = errno;
		const char *why = rseq_error_reason();

		rseqkit_pool_range_free(p, r);
		rseqkit_fail(err, why);
		return NULL;
	}
	r->next = p->ranges;
	__atomic_store_n(&p->ranges, r, __ATOMIC_RELEASE);
	p->nr_ranges++;
	return r;
nomem:
	rseqkit_fail(ENOMEM, "cannot reserve a pool range (address space or memory)");
	return NULL;
}

/* The next avail item of r at or after its hint. */
static size_t find_avail(struct pool_range *r)
{
	size_t w = r->hint / POOL_BITS, words = (r->nr_items + POOL_BITS - 1) / POOL_BITS;
	unsigned long m;

	if (w >= words)		/* cannot happen: avail bits are at or above hint */
		return r->nr_items;
	m = r->avail[w] & (~0UL << (r->hint % POOL_BITS));

	while (!m && ++w < words)
		m = r->avail[w];
	return w < words ? w * POOL_BITS + (size_t)__builtin_ctzl(m) : r->nr_items;
}

size_t rseqkit_pool_take(struct rseq_mempool *p, intptr_t *out, size_t want, size_t *reused)
{
	size_t n = 0;

	/* Freed items first: the ranges that have some, lowest index first. */
	for (struct pool_range *r; n < want && (r = p->avail_ranges);) {
		while (r->nr_avail && n < want) {
			size_t i = find_avail(r);

			if (i >= r->nr_items) {	/* the count disagrees: trust the bits */
				r->nr_avail = 0;
				break;
			}
			pool_bit_publish(r->avail, i, false);
			if (r->inuse)
				pool_bit_set(r->inuse, i);
			r->nr_avail--;
			r->hint = i + 1;
			out[n++] = (intptr_t)(r->base + (i << p->item_order));
		}
		if (!r->nr_avail) {
			p->avail_ranges = r->avail_next;
			r->listed = false;
		}
	}
	*reused = n;
	while (n < want) {
		struct pool_range *r = p->ranges;
		size_t k;

		if (!r || r->next_unused == r->nr_items) {
			r = rseqkit_pool_range_new(p);
			if (!r)
				break;
		}
		k = r->nr_items - r->next_unused;
		if (k > want - n)
			k = want - n;
		if (commit(p, r, (r->next_unused + k) << p->item_order))
			break;
		for (; k; k--) {
			if (r->inuse)
				pool_bit_set(r->inuse, r->next_unused);
			out[n++] = (intptr_t)(r->base + (r->next_unused << p->item_order));
			__atomic_store_n(&r->next_unused, r->next_unused + 1, __ATOMIC_RELEASE);
		}
	}
	return n;
}

size_t rseqkit_pool_give(struct rseq_mempool *p, const intptr_t *items, size_t n, intptr_t *bad)
{
	size_t doubles = 0;

	for (size_t k = 0; k < n; k++) {
		struct pool_range *r = pool_range_of(p, (void *)items[k]);
		size_t i;

		if (!r)
			continue;	/* cannot happen: items come from ranges */
		i = pool_index_of(p, r, (void *)items[k]);
		if (pool_bit_test(r->avail, i)) {
			if (!doubles++)
				*bad = items[k];
			continue;
		}
		pool_bit_publish(r->avail, i, true);
		r->nr_avail++;
		if (i < r->hint)
			r->hint = i;
		if (!r->listed) {
			r->avail_next = p->avail_ranges;
			p->avail_ranges = r;
			r->listed = true;
		}
	}
	return doubles;
}
