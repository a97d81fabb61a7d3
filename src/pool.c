/* SPDX-License-Identifier: MIT */
/*
 * src/pool.c - the per-CPU memory pool (rseqkit/pool.h).
 *
 * A range is one mmap() reservation of nr_cpus * stride bytes, PROT_NONE;
 * CPU c's area is [base + c * stride, base + (c + 1) * stride).  Items are
 * handed out from a bitmap kept outside the ranges (the allocator's own
 * bookkeeping never touches a CPU's area), and each area's used prefix is
 * made readable and writable in steps of RSEQKIT_POOL_COMMIT bytes as the
 * items in use reach it.  Pages are committed by the kernel on first write.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <rseqkit/pool.h>
#include "internal.h"

#define RSEQKIT_POOL_COMMIT	(16 * 4096)
#define RSEQKIT_POOL_POISON	0xa5
#define RSEQKIT_MAX_CPUS	8192
#define BITS			(8 * sizeof(unsigned long))

struct pool_range {
	struct pool_range *next;
	char *base;
	size_t committed;	/* accessible prefix of each CPU's area */
	size_t nr_items;
	size_t used;
	size_t hint;		/* lowest possibly free item */
	unsigned long *used_map;
	unsigned long *poisoned_map;	/* debug: freed and poisoned */
};

struct rseq_mempool {
	char name[32];
	size_t item_len;
	size_t stride;
	int nr_cpus;
	int nr_possible;
	unsigned char *possible;	/* [nr_cpus] */
	enum rseq_percpu_mode mode;
	unsigned int flags;
	size_t max_ranges;
	size_t page;
	pthread_mutex_t lock;
	struct pool_range *ranges;
	size_t nr_ranges;
	size_t items_used;
	size_t errors;
};

/* "0-3,8,10-11\n" -> mask; returns highest + 1, or -1. */
static int parse_cpu_list(const char *s, unsigned char *mask, int max)
{
	int top = 0;

	memset(mask, 0, (size_t)max);
	while (*s && *s != '\n') {
		char *end;
		long a = strtol(s, &end, 10), b;

		if (end == s || a < 0)
			return -1;
		b = a;
		s = end;
		if (*s == '-') {
			b = strtol(s + 1, &end, 10);
			if (end == s + 1 || b < a)
				return -1;
			s = end;
		}
		if (b >= max)
			return -1;
		for (long i = a; i <= b; i++)
			mask[i] = 1;
		if (b + 1 > top)
			top = (int)b + 1;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -1;
	}
	return top ? top : -1;
}

RSEQKIT_EXPORT int rseq_possible_cpus(unsigned char *mask, int max)
{
	char buf[4096];
	ssize_t n;
	int fd = open("/sys/devices/system/cpu/possible", O_RDONLY | O_CLOEXEC);
	int top;

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			top = parse_cpu_list(buf, mask, max);
			if (top > 0)
				return top;
		}
	}
	/* No sysfs (a container without it): every configured CPU. */
	long conf = sysconf(_SC_NPROCESSORS_CONF);

	if (conf <= 0 || conf > max)
		return rseqkit_fail(EINVAL, "cannot find the possible CPUs");
	memset(mask, 0, (size_t)max);
	memset(mask, 1, (size_t)conf);
	return (int)conf;
}

RSEQKIT_EXPORT struct rseq_mempool *
rseq_mempool_create(const char *name, size_t item_len,
		    const struct rseq_mempool_attr *attr)
{
	struct rseq_mempool_attr a = { 0 };
	struct rseq_mempool *p;
	unsigned char *mask;
	int top, count = 0;

	rseqkit_init();
	if (attr)
		a = *attr;
	p = rseqkit_icalloc(1, sizeof(*p));
	mask = rseqkit_ialloc(RSEQKIT_MAX_CPUS);
	if (!p || !mask) {
		rseqkit_ifree(p);
		rseqkit_ifree(mask);
		rseqkit_fail(ENOMEM, "out of memory");
		return NULL;
	}
	p->page = (size_t)sysconf(_SC_PAGESIZE);
	if (!a.stride)
		a.stride = RSEQ_MEMPOOL_STRIDE;
	if (!item_len || a.stride % p->page ||
	    (a.index != RSEQ_MEMPOOL_INDEX_CPU && a.index != RSEQ_MEMPOOL_INDEX_MM_CID))
		goto inval;
	/* 8-byte granules; cache-line granules for items over half a line. */
	item_len = (item_len + 7) & ~(size_t)7;
	if (item_len > 32)
		item_len = (item_len + 63) & ~(size_t)63;
	if (item_len > a.stride)
		goto inval;
	if (a.cpu_list)
		top = parse_cpu_list(a.cpu_list, mask, RSEQKIT_MAX_CPUS);
	else
		top = rseq_possible_cpus(mask, RSEQKIT_MAX_CPUS);
	if (top <= 0)
		goto inval;
	for (int i = 0; i < top; i++)
		count += mask[i];
	p->mode = RSEQ_PERCPU_CPU_ID;
	if (a.index == RSEQ_MEMPOOL_INDEX_MM_CID && rseq_mm_cid_available()) {
		/* mm_cids are dense: 0 .. number of possible CPUs - 1. */
		p->mode = RSEQ_PERCPU_MM_CID;
		memset(mask, 0, (size_t)top);
		memset(mask, 1, (size_t)count);
	}
	p->possible = mask;
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
	p->item_len = item_len;
	p->stride = a.stride;
	p->nr_cpus = top;
	p->nr_possible = count;
	p->flags = a.flags;
	p->max_ranges = a.max_ranges;
	pthread_mutex_init(&p->lock, NULL);
	return p;
inval:
	rseqkit_ifree(p);
	rseqkit_ifree(mask);
	rseqkit_fail(EINVAL, "rseq_mempool_create: bad item length, stride or index");
	return NULL;
}

RSEQKIT_EXPORT int rseq_mempool_destroy(struct rseq_mempool *p)
{
	struct pool_range *r, *n;

	if (!p)
		return 0;
	for (r = p->ranges; r; r = n) {
		n = r->next;
		munmap(r->base, (size_t)p->nr_cpus * p->stride);
		rseqkit_ifree(r->used_map);
		rseqkit_ifree(r->poisoned_map);
		rseqkit_ifree(r);
	}
	pthread_mutex_destroy(&p->lock);
	rseqkit_ifree(p->possible);
	rseqkit_ifree(p);
	return 0;
}

static struct pool_range *new_range(struct rseq_mempool *p)
{
	struct pool_range *r;
	size_t words, len = (size_t)p->nr_cpus * p->stride;

	if (p->max_ranges && p->nr_ranges >= p->max_ranges) {
		rseqkit_fail(ENOMEM, "the pool reached its max_ranges");
		return NULL;
	}
	r = rseqkit_icalloc(1, sizeof(*r));
	if (!r)
		goto nomem;
	r->nr_items = p->stride / p->item_len;
	words = (r->nr_items + BITS - 1) / BITS;
	r->used_map = rseqkit_icalloc(words, sizeof(unsigned long));
	r->poisoned_map = rseqkit_icalloc(words, sizeof(unsigned long));
	r->base = mmap(NULL, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->base == MAP_FAILED || !r->used_map || !r->poisoned_map) {
		if (r->base != MAP_FAILED && r->base)
			munmap(r->base, len);
		rseqkit_ifree(r->used_map);
		rseqkit_ifree(r->poisoned_map);
		rseqkit_ifree(r);
		goto nomem;
	}
#ifdef MADV_NOHUGEPAGE
	(void)madvise(r->base, len, MADV_NOHUGEPAGE);
#endif
	r->next = p->ranges;
	p->ranges = r;
	p->nr_ranges++;
	return r;
nomem:
	rseqkit_fail(ENOMEM, "cannot reserve a pool range");
	return NULL;
}

/* Make [0, end) of every CPU's area accessible. */
static int commit(struct rseq_mempool *p, struct pool_range *r, size_t end)
{
	size_t newc;

	if (end <= r->committed)
		return 0;
	newc = (end + RSEQKIT_POOL_COMMIT - 1) / RSEQKIT_POOL_COMMIT * RSEQKIT_POOL_COMMIT;
	newc = (newc + p->page - 1) / p->page * p->page;
	if (newc > p->stride)
		newc = p->stride;
	for (int c = 0; c < p->nr_cpus; c++) {
		if (mprotect(r->base + (size_t)c * p->stride + r->committed,
			     newc - r->committed, PROT_READ | PROT_WRITE))
			return rseqkit_fail(errno, "mprotect of a pool range failed");
	}
	r->committed = newc;
	return 0;
}

/* All 'len' bytes at m equal 'byte' (reading an untouched page maps the
 * shared zero page: it does not grow the resident set). */
static bool is_filled(const unsigned char *m, int byte, size_t len)
{
	if (!len)
		return true;
	return m[0] == byte && (len == 1 || !memcmp(m, m + 1, len - 1));
}

static void *instance(struct rseq_mempool *p, void *ptr, int c)
{
	return rseq_percpu_ptr_stride(ptr, c, p->stride);
}

/* Take a free item; NULL with errno when none can be had. */
static void *take(struct rseq_mempool *p, bool *poisoned)
{
	struct pool_range *r;
	size_t i = 0;

	pthread_mutex_lock(&p->lock);
	for (r = p->ranges; r; r = r->next)
		if (r->used < r->nr_items)
			break;
	if (!r && !(r = new_range(p))) {
		pthread_mutex_unlock(&p->lock);
		return NULL;
	}
	for (i = r->hint; i < r->nr_items; i++)
		if (!(r->used_map[i / BITS] & (1UL << (i % BITS))))
			break;
	if (commit(p, r, (i + 1) * p->item_len)) {
		pthread_mutex_unlock(&p->lock);
		return NULL;
	}
	r->used_map[i / BITS] |= 1UL << (i % BITS);
	*poisoned = r->poisoned_map[i / BITS] & (1UL << (i % BITS));
	r->poisoned_map[i / BITS] &= ~(1UL << (i % BITS));
	r->used++;
	r->hint = i + 1;
	p->items_used++;
	pthread_mutex_unlock(&p->lock);
	return r->base + i * p->item_len;
}

static void *alloc(struct rseq_mempool *p, const void *init, size_t len, bool zero)
{
	bool poisoned = false;
	void *ptr;

	if (!p) {
		rseqkit_fail(EINVAL, "no pool");
		return NULL;
	}
	if (len > p->item_len) {
		rseqkit_fail(EINVAL, "initializer longer than the item");
		return NULL;
	}
	ptr = take(p, &poisoned);
	if (!ptr)
		return NULL;
	for (int c = 0; c < p->nr_cpus; c++) {
		unsigned char *m;

		if (!p->possible[c])
			continue;
		m = instance(p, ptr, c);
		if (poisoned && !is_filled(m, RSEQKIT_POOL_POISON, p->item_len)) {
			__atomic_fetch_add(&p->errors, 1, __ATOMIC_RELAXED);
			fprintf(stderr, "rseq_mempool %s: use after free: item %p "
				"(cpu %d instance) was written after it was freed\n",
				p->name, ptr, c);
		}
		if (init && memcmp(m, init, len))
			memcpy(m, init, len);
		if ((init || zero || poisoned) &&
		    !is_filled(m + len, 0, p->item_len - len))
			memset(m + len, 0, p->item_len - len);
	}
	return ptr;
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
						     const void *init, size_t len)
{
	if (!init && len) {
		rseqkit_fail(EINVAL, "no initializer");
		return NULL;
	}
	return alloc(p, init ? init : "", len, true);
}

RSEQKIT_EXPORT int rseq_mempool_percpu_free(struct rseq_mempool *p, void *ptr)
{
	struct pool_range *r;
	size_t off, i;

	if (!ptr)
		return 0;
	if (!p)
		return rseqkit_fail(EINVAL, "no pool");
	pthread_mutex_lock(&p->lock);
	for (r = p->ranges; r; r = r->next)
		if ((char *)ptr >= r->base && (char *)ptr < r->base + p->stride)
			break;
	if (!r)
		goto bad;
	off = (size_t)((char *)ptr - r->base);
	i = off / p->item_len;
	if (off % p->item_len || i >= r->nr_items ||
	    !(r->used_map[i / BITS] & (1UL << (i % BITS))))
		goto bad;
	r->used_map[i / BITS] &= ~(1UL << (i % BITS));
	r->used--;
	p->items_used--;
	if (i < r->hint)
		r->hint = i;
	if (p->flags & RSEQ_MEMPOOL_DEBUG) {
		for (int c = 0; c < p->nr_cpus; c++)
			if (p->possible[c])
				memset(instance(p, ptr, c), RSEQKIT_POOL_POISON, p->item_len);
		r->poisoned_map[i / BITS] |= 1UL << (i % BITS);
	}
	pthread_mutex_unlock(&p->lock);
	return 0;
bad:
	p->errors++;
	pthread_mutex_unlock(&p->lock);
	if (p->flags & RSEQ_MEMPOOL_DEBUG)
		fprintf(stderr, "rseq_mempool %s: free of %p: double free or not "
			"an item of this pool\n", p->name, ptr);
	return rseqkit_fail(EINVAL, "double free, or not an item of this pool");
}

RSEQKIT_EXPORT size_t rseq_mempool_stride(const struct rseq_mempool *p)
{
	return p->stride;
}

RSEQKIT_EXPORT int rseq_mempool_nr_cpus(const struct rseq_mempool *p)
{
	return p->nr_cpus;
}

RSEQKIT_EXPORT bool rseq_mempool_cpu_possible(const struct rseq_mempool *p, int cpu)
{
	return cpu >= 0 && cpu < p->nr_cpus && p->possible[cpu];
}

RSEQKIT_EXPORT enum rseq_percpu_mode rseq_mempool_percpu_mode(const struct rseq_mempool *p)
{
	return p->mode;
}

RSEQKIT_EXPORT int rseq_mempool_get_stats(struct rseq_mempool *p,
					  struct rseq_mempool_stats *s)
{
	struct pool_range *r;

	if (!p || !s)
		return rseqkit_fail(EINVAL, "no pool or no stats");
	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&p->lock);
	s->item_len = p->item_len;
	s->stride = p->stride;
	s->nr_cpus = p->nr_cpus;
	s->nr_possible = p->nr_possible;
	s->ranges = p->nr_ranges;
	s->items_used = p->items_used;
	for (r = p->ranges; r; r = r->next)
		s->items_capacity += r->nr_items;
	s->reserved_bytes = p->nr_ranges * (size_t)p->nr_cpus * p->stride;
	s->errors = p->errors;
	pthread_mutex_unlock(&p->lock);
	return 0;
}
