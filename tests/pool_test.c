/* SPDX-License-Identifier: MIT */
/*
 * pool_test - the per-CPU memory pool (rseqkit/pool.h), also built as C++
 * (pool_test_cxx): attributes and their checks, stride addressing, zeroed
 * and initialized allocations, free by pointer (with and without the
 * stride), growth by ranges and the range limit, sparse CPU lists, mm_cid
 * pools, global pools, pool sets, init callbacks and the NUMA helper,
 * robust and debug modes with the report callback, the per-CPU caches
 * under threads, the reservation (PROT_NONE beyond the used prefix, no
 * transparent huge pages), and that CPUs which never run the code never
 * get pages: /proc/self/pagemap (pages this process wrote) and mincore()
 * (pages in memory at all) for COW_ZERO pools, the Anonymous figure of
 * /proc/self/smaps for COW_INIT pools (whose untouched instances map the
 * shared initial values).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "harness.h"
#include <rseqkit/pool.h>

static size_t page;

static int under_valgrind(void)
{
	return !strcmp(test_mode(), "valgrind");
}

/*
 * Anonymous resident KiB of the process, exact (smaps_rollup walks the
 * page tables; statm lags, and Rss also counts library code paging in).
 */
static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Anonymous: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/*
 * Pages of [p, p + len) this process wrote: present and mapped only here
 * (pagemap bit 56).  Reading untouched memory maps the shared zero page or
 * the shared initial values, which do not count.  -1 when unreadable.
 */
static long written_pages(void *p, size_t len)
{
	/*
	 * pread(2), not stdio: pagemap takes only reads of whole 8-byte
	 * entries, and musl's buffered fread asks for other counts.
	 */
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	long n = 0;

	if (fd < 0)
		return -1;
	for (size_t off = 0; off < len; off += page) {
		uint64_t e = 0;

		if (pread(fd, &e, 8, (off_t)(((uintptr_t)p + off) / page * 8)) != 8) {
			n = -1;
			break;
		}
		n += (long)((e >> 63) & (e >> 56) & 1);
	}
	close(fd);
	return n;
}

/* Pages of [p, p + len) in memory (mincore; counts the zero page too). */
static long resident(void *p, size_t len)
{
	static unsigned char vec[1 << 14];
	size_t n = (len + page - 1) / page;
	long r = 0;

	if (n > sizeof(vec) || mincore(p, len, vec))
		return -1;
	for (size_t i = 0; i < n; i++)
		r += vec[i] & 1;
	return r;
}

/*
 * The mapping that holds addr in /proc/self/smaps: its permissions
 * ("rw-p") and whether VmFlags has flag (e.g. "nh": no huge pages).
 */
static int vma_of(const void *addr, char perms[5], const char *flag)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int inside = 0, has = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		char pr[5];

		if (sscanf(line, "%lx-%lx %4s ", &a, &b, pr) == 3 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			inside = (uintptr_t)addr >= a && (uintptr_t)addr < b;
			if (inside)
				memcpy(perms, pr, 5);
		} else if (inside && !strncmp(line, "VmFlags:", 8)) {
			char pat[8];

			snprintf(pat, sizeof(pat), " %s", flag);
			has = strstr(line, pat) != NULL;
			break;
		}
	}
	fclose(f);
	return has;
}

/* Anonymous (private, copied or zero-filled-and-written) KiB in [lo, hi). */
static long anon_kib(uintptr_t lo, uintptr_t hi)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int inside = 0;
	long sum = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b, kb;

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, '-') < strchr(line, ' '))
			inside = a < hi && b > lo;
		else if (inside && sscanf(line, "Anonymous: %lu kB", &kb) == 1)
			sum += (long)kb;
	}
	fclose(f);
	return sum;
}

static struct rseq_mempool_attr *attr_new(void)
{
	struct rseq_mempool_attr *a = rseq_mempool_attr_create();

	CHECK(a != NULL);
	if (!a)
		exit(1);
	return a;
}

static struct rseq_mempool *pool_new(const char *name, size_t len, size_t stride,
				     enum rseq_mempool_populate_policy pol, const char *cpus)
{
	struct rseq_mempool_attr *a = attr_new();
	struct rseq_mempool *p;

	CHECK_EQ(rseq_mempool_attr_set_percpu(a, stride, 0), 0);
	CHECK_EQ(rseq_mempool_attr_set_populate_policy(a, pol), 0);
	if (cpus)
		CHECK_EQ(rseq_mempool_attr_set_cpu_list(a, cpus), 0);
	p = rseq_mempool_create(name, len, a);
	rseq_mempool_attr_destroy(a);
	CHECK_MSG(p != NULL, "create %s: %s", name, rseq_error_reason());
	return p;
}

static void test_basic(void)
{
	struct rseq_mempool *p = rseq_mempool_create("basic", 24, NULL);
	struct rseq_mempool_stats st;
	long tmpl[3] = { 7, 8, 9 };
	int nr, possible = 0, x;
	long *a, *b, *i;

	CHECK(p != NULL);
	if (!p)
		return;
	nr = rseq_mempool_nr_cpus(p);
	CHECK(nr >= 1);
	CHECK_EQ(nr, rseq_get_max_nr_cpus());
	CHECK_EQ(rseq_mempool_get_max_nr_cpus(p), nr);
	CHECK_EQ(rseq_mempool_stride(p), RSEQ_MEMPOOL_STRIDE);
	for (int c = 0; c < nr; c++)
		possible += rseq_mempool_cpu_possible(p, c);
	CHECK(possible >= 1);
	CHECK(!rseq_mempool_cpu_possible(p, nr));
	CHECK(!rseq_mempool_cpu_possible(p, -1));
	CHECK_EQ(rseq_mempool_get_stats(p, &st), 0);
	CHECK_EQ(st.item_len, 32);		/* 24 rounded to a power of two */
	CHECK_EQ(st.populate_policy, RSEQ_MEMPOOL_POPULATE_COW_INIT);
	CHECK_EQ(st.ranges, 1);			/* the first range at create */

	a = (long *)rseq_mempool_percpu_zmalloc(p);
	CHECK(a != NULL);
	for (int c = 0; c < nr; c++) {
		long *y = rseq_percpu_ptr(a, c);

		CHECK_EQ(y[0] + y[1] + y[2] + y[3], 0);
		y[0] = c + 100;
	}
	for (int c = 0; c < nr; c++)
		CHECK_EQ(rseq_percpu_ptr(a, c)[0], c + 100);
	/* The three-argument form and the function agree. */
	CHECK(rseq_percpu_ptr(a, 1, RSEQ_MEMPOOL_STRIDE) == rseq_percpu_ptr(a, 1));
	CHECK(rseq_percpu_ptr_stride(a, 1, RSEQ_MEMPOOL_STRIDE) == (void *)rseq_percpu_ptr(a, 1));
	/* Free, then zmalloc again: the same item comes back zeroed. */
	CHECK_EQ(rseq_mempool_percpu_free(a), 0);
	b = (long *)rseq_mempool_percpu_zmalloc(p);
	CHECK(b == a);
	for (int c = 0; c < nr; c++)
		CHECK_EQ(rseq_percpu_ptr(b, c)[0], 0);
	i = (long *)rseq_mempool_percpu_malloc_init(p, tmpl, sizeof(tmpl));
	CHECK(i != NULL && i != b);
	for (int c = 0; c < nr; c++) {
		CHECK(!memcmp(rseq_percpu_ptr(i, c), tmpl, sizeof(tmpl)));
		CHECK_EQ(rseq_percpu_ptr(i, c)[3], 0);	/* the rest is zeroed */
	}
	CHECK_EQ(rseq_mempool_percpu_free(i, RSEQ_MEMPOOL_STRIDE), 0);
	/* Double free, foreign pointers, inner pointers, wrong stride. */
	CHECK_EQ(rseq_mempool_percpu_free(b), 0);
	errno = 0;
	CHECK_EQ(rseq_mempool_percpu_free(b), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(rseq_error_reason(), "double free") != NULL);
	CHECK_EQ(rseq_mempool_percpu_free(&x), -1);
	CHECK_EQ(errno, EINVAL);
	b = (long *)rseq_mempool_percpu_malloc(p);
	CHECK_EQ(rseq_mempool_percpu_free((char *)b + 8), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rseq_mempool_percpu_free(b, RSEQ_MEMPOOL_STRIDE * 2), -1);
	CHECK_EQ(rseq_mempool_percpu_free(b, 3000), -1);
	CHECK_EQ(rseq_mempool_percpu_free(rseq_percpu_ptr(b, 1)), -1);	/* not CPU 0's */
	CHECK_EQ(rseq_mempool_percpu_free(b), 0);
	CHECK_EQ(rseq_mempool_percpu_free(NULL), 0);
	CHECK_EQ(rseq_mempool_get_stats(p, &st), 0);
	CHECK_EQ(st.errors, 2);		/* the double free and the inner pointer */
	CHECK_EQ(st.items_used, 0);
	CHECK_EQ(rseq_mempool_destroy(p), 0);
	CHECK_EQ(rseq_mempool_destroy(NULL), 0);
}

static void test_attrs(void)
{
	struct rseq_mempool_attr *a = attr_new();

	CHECK_EQ(rseq_mempool_attr_set_percpu(a, 3 * page, 0), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rseq_mempool_attr_set_percpu(a, page / 2, 0), -1);
	CHECK_EQ(rseq_mempool_attr_set_percpu(a, page, -1), -1);
	CHECK_EQ(rseq_mempool_attr_set_percpu(a, page, RSEQ_MEMPOOL_MAX_NR_CPUS + 1), -1);
	CHECK_EQ(rseq_mempool_attr_set_percpu(a, 0, RSEQ_MEMPOOL_MAX_NR_CPUS), 0);
	CHECK_EQ(rseq_mempool_attr_set_global(a, 5000), -1);
	CHECK_EQ(rseq_mempool_attr_set_populate_policy(a, (enum rseq_mempool_populate_policy)7), -1);
	CHECK_EQ(rseq_mempool_attr_set_percpu_mode(a, (enum rseq_percpu_mode)2), -1);
	CHECK_EQ(rseq_mempool_attr_set_cache(a, RSEQ_MEMPOOL_CACHE_MAX + 1), -1);
	CHECK_EQ(rseq_mempool_attr_set_cache(a, 0), 0);
	CHECK_EQ(rseq_mempool_attr_set_cpu_list(a, "1-0"), -1);
	CHECK_EQ(rseq_mempool_attr_set_cpu_list(a, "0,,1"), -1);
	CHECK_EQ(rseq_mempool_attr_set_cpu_list(a, "0-3\n"), 0);
	CHECK_EQ(rseq_mempool_attr_set_cpu_list(a, NULL), 0);
	CHECK_EQ(rseq_mempool_attr_set_max_nr_ranges(a, 4), 0);
	CHECK_EQ(rseq_mempool_attr_set_poison(a, 0x42), 0);
	CHECK_EQ(rseq_mempool_attr_set_robust(a), 0);
	CHECK_EQ(rseq_mempool_attr_set_debug(a), 0);
	CHECK_EQ(rseq_mempool_attr_set_report(a, NULL, NULL), 0);
	CHECK_EQ(rseq_mempool_attr_set_init(a, NULL, NULL), 0);
	rseq_mempool_attr_destroy(a);
	rseq_mempool_attr_destroy(NULL);
	/* Every setter refuses a NULL attribute object. */
	CHECK_EQ(rseq_mempool_attr_set_percpu(NULL, 0, 0), -1);
	CHECK_EQ(rseq_mempool_attr_set_global(NULL, 0), -1);
	CHECK_EQ(rseq_mempool_attr_set_robust(NULL), -1);
	CHECK_EQ(rseq_mempool_attr_set_debug(NULL), -1);
	CHECK_EQ(rseq_mempool_attr_set_init(NULL, NULL, NULL), -1);
	CHECK_EQ(rseq_mempool_attr_set_max_nr_ranges(NULL, 1), -1);
	CHECK_EQ(rseq_mempool_attr_set_poison(NULL, 1), -1);
	CHECK_EQ(rseq_mempool_attr_set_populate_policy(NULL, RSEQ_MEMPOOL_POPULATE_COW_ZERO), -1);
	CHECK_EQ(rseq_mempool_attr_set_cpu_list(NULL, "0"), -1);
	CHECK_EQ(rseq_mempool_attr_set_percpu_mode(NULL, RSEQ_PERCPU_CPU_ID), -1);
	CHECK_EQ(rseq_mempool_attr_set_report(NULL, NULL, NULL), -1);
	CHECK_EQ(rseq_mempool_attr_set_cache(NULL, 1), -1);
	CHECK_EQ(errno, EINVAL);
	/* Accessors on NULL. */
	CHECK_EQ(rseq_mempool_nr_cpus(NULL), -1);
	CHECK_EQ(rseq_mempool_stride(NULL), 0);
	CHECK_EQ(rseq_mempool_get_max_nr_cpus(NULL), -1);
	CHECK(rseq_mempool_percpu_zmalloc(NULL) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rseq_mempool_get_stats(NULL, NULL), -1);
}

static void test_growth(void)
{
	struct rseq_mempool_attr *a = attr_new();
	struct rseq_mempool *p;
	struct rseq_mempool_stats st;
	size_t per = page / 64, n = 0;	/* items per range (one page) */
	void **items = (void **)calloc(3 * per + 1, sizeof(void *));

	CHECK_EQ(rseq_mempool_attr_set_percpu(a, page, 0), 0);
	CHECK_EQ(rseq_mempool_attr_set_max_nr_ranges(a, 3), 0);
	p = rseq_mempool_create("grow", 64, a);
	rseq_mempool_attr_destroy(a);
	CHECK(p != NULL && items != NULL);
	if (!p || !items)
		return;
	while (n < 3 * per + 1 && (items[n] = rseq_mempool_percpu_malloc(p)) != NULL)
		n++;
	CHECK_EQ(n, 3 * per);			/* three ranges, then ENOMEM */
	CHECK_EQ(errno, ENOMEM);
	rseq_mempool_get_stats(p, &st);
	CHECK_EQ(st.ranges, 3);
	CHECK_EQ(st.items_used, n);
	CHECK_EQ(st.items_capacity, 3 * per);
	CHECK_EQ(st.items_cached, 0);		/* a range limit: no caches */
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(rseq_mempool_percpu_free(items[i], page), 0);
	rseq_mempool_get_stats(p, &st);
	CHECK_EQ(st.items_used, 0);
	/* Everything freed is available again: the limit is exact. */
	for (size_t i = 0; i < n; i++)
		CHECK((items[i] = rseq_mempool_percpu_malloc(p)) != NULL);
	for (size_t i = 0; i < n; i++)
		rseq_mempool_percpu_free(items[i], page);
	CHECK_EQ(rseq_mempool_destroy(p), 0);
	free(items);
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(char *const *)a, y = (uintptr_t)*(char *const *)b;

	return x < y ? -1 : x > y;
}

/*
 * Many ranges: free in a scattered order, allocate again; every item
 * comes back exactly once (the store finds freed items in any range).
 */
static void test_many_ranges(void)
{
	struct rseq_mempool *p = pool_new("many", 64, page, RSEQ_MEMPOOL_POPULATE_COW_ZERO, NULL);
	size_t n = 20000, seen = 0;
	char **items = (char **)calloc(n, sizeof(char *));
	struct rseq_mempool_stats st;

	if (!p || !items)
		return;
	for (size_t i = 0; i < n; i++) {
		items[i] = (char *)rseq_mempool_percpu_malloc(p);
		CHECK(items[i] != NULL);
	}
	rseq_mempool_get_stats(p, &st);
	CHECK_EQ(st.ranges, (n + page / 64 - 1) / (page / 64));
	for (size_t k = 0; k < n; k++) {		/* a scattered order */
		size_t i = k * 7919 % n;

		CHECK_EQ(rseq_mempool_percpu_free(items[i], page), 0);
		items[i] = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		items[i] = (char *)rseq_mempool_percpu_zmalloc(p);
		CHECK(items[i] != NULL && items[i][0] == 0);
	}
	qsort(items, n, sizeof(char *), cmp_ptr);	/* no item twice */
	for (size_t i = 1; i < n; i++)
		seen += items[i] != items[i - 1];
	CHECK_EQ(seen, n - 1);
	rseq_mempool_get_stats(p, &st);
	CHECK_EQ(st.ranges, (n + page / 64 - 1) / (page / 64));	/* none added */
	CHECK_EQ(st.items_used, n);
	rseq_mempool_destroy(p);
	free(items);
}

/* Sparse CPU list: 0,2,5-6 -> 7 instances, 4 written. */
static void test_sparse(void)
{
	struct rseq_mempool *p = pool_new("sparse", 32, page, RSEQ_MEMPOOL_POPULATE_COW_ZERO,
					  "0,2,5-6");
	struct rseq_mempool_stats st;
	long tmpl[4] = { 1, 2, 3, 4 };
	long *x;

	if (!p)
		return;
	rseq_mempool_get_stats(p, &st);
	CHECK_EQ(st.nr_cpus, 7);
	CHECK_EQ(st.nr_possible, 4);
	CHECK(rseq_mempool_cpu_possible(p, 5));
	CHECK(!rseq_mempool_cpu_possible(p, 1));
	CHECK(!rseq_mempool_cpu_possible(p, 3));
	x = (long *)rseq_mempool_percpu_malloc_init(p, tmpl, sizeof(tmpl));
	CHECK(x != NULL);
	for (int c = 0; x && c < 7; c++) {
		/* Other CPUs' instances are never written (still zero pages). */
		CHECK_EQ(rseq_percpu_ptr(x, c, page)[3], rseq_mempool_cpu_possible(p, c) ? 4 : 0);
	}
	rseq_mempool_percpu_free(x, page);
	rseq_mempool_destroy(p);

	/* max_nr_cpus with a list: the list must fit. */
	{
		struct rseq_mempool_attr *a = attr_new();

		rseq_mempool_attr_set_percpu(a, page, 4);
		rseq_mempool_attr_set_cpu_list(a, "1,3");
		p = rseq_mempool_create("fits", 8, a);
		CHECK(p != NULL);
		CHECK_EQ(rseq_mempool_nr_cpus(p), 4);
		CHECK(!rseq_mempool_cpu_possible(p, 0) && rseq_mempool_cpu_possible(p, 3));
		rseq_mempool_destroy(p);
		rseq_mempool_attr_set_cpu_list(a, "1,4");
		errno = 0;
		CHECK(rseq_mempool_create("toobig", 8, a) == NULL);
		CHECK_EQ(errno, EINVAL);
		/* max_nr_cpus alone: every instance is written. */
		rseq_mempool_attr_set_cpu_list(a, NULL);
		rseq_mempool_attr_set_percpu(a, page, 3);
		p = rseq_mempool_create("all", 8, a);
		CHECK(p != NULL);
		for (int c = 0; c < 3; c++)
			CHECK(rseq_mempool_cpu_possible(p, c));
		rseq_mempool_destroy(p);
		rseq_mempool_attr_destroy(a);
	}
}

/*
 * COW_ZERO, 64 possible CPUs: fill the pool with zeroed items, write only
 * CPU 0's and CPU 3's instances: about two CPUs' worth of pages become
 * resident, not 64.  2 of 64 listed with initial values: the same.
 */
static void test_rss_cow_zero(void)
{
	struct rseq_mempool *p = pool_new("rss", 64, 0, RSEQ_MEMPOOL_POPULATE_COW_ZERO, "0-63");
	size_t per_cpu = RSEQ_MEMPOOL_STRIDE, n = per_cpu / 64, cpu_pages = per_cpu / page;
	long before, after_alloc, after_touch;
	char **items = (char **)calloc(n, sizeof(*items));
	long tmpl[4] = { 1, 2, 3, 4 };

	if (!p || !items)
		return;
	memset(items, 0, n * sizeof(*items));		/* its pages count before */
	before = rss_kib();
	for (size_t i = 0; i < n; i++)
		items[i] = (char *)rseq_mempool_percpu_zmalloc(p);
	after_alloc = rss_kib();
	for (size_t i = 0; i < n; i++) {
		memset(items[i], 1, 64);
		memset(rseq_percpu_ptr(items[i], 3), 3, 64);
	}
	after_touch = rss_kib();
	printf("RSS (COW_ZERO): 64 CPUs x %zu items x 64 B: +%ld KiB after zmalloc of all, "
	       "+%ld KiB after writing CPUs 0 and 3 (all 64 written: %zu KiB)\n",
	       n, after_alloc - before, after_touch - before, 64 * per_cpu / 1024);
	if (!under_valgrind()) {	/* valgrind's own memory grows too */
		/* No instance written (metadata: a page or two). */
		CHECK(after_alloc - before < 32 + 2 * (long)page / 1024);
		CHECK(after_touch - after_alloc < 3 * (long)per_cpu / 1024);
	}
	CHECK_EQ(written_pages(items[0], per_cpu), (long)cpu_pages);
	CHECK_EQ(written_pages(rseq_percpu_ptr(items[0], 3), per_cpu), (long)cpu_pages);
	for (int c = 0; c < 64; c++)
		if (c != 0 && c != 3)
			CHECK_EQ(written_pages(rseq_percpu_ptr(items[0], c), per_cpu), 0);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(rseq_mempool_percpu_free(items[i]), 0);
	rseq_mempool_destroy(p);

	/* 2 of 64 CPUs listed, items with initial values: 2 CPUs' pages. */
	p = pool_new("rss-list", 64, 0, RSEQ_MEMPOOL_POPULATE_COW_ZERO, "0,63");
	for (size_t k = 0; p && k < n; k++) {
		items[k] = (char *)rseq_mempool_percpu_malloc_init(p, tmpl, sizeof(tmpl));
		CHECK(items[k] != NULL);
	}
	for (int cpu = 0; p && cpu < 64; cpu++) {
		CHECK_EQ(written_pages(rseq_percpu_ptr(items[0], cpu), per_cpu),
			 cpu == 0 || cpu == 63 ? (long)cpu_pages : 0);
		/* Not even read: not in memory at all (mincore). */
		if (cpu != 0 && cpu != 63)
			CHECK_EQ(resident(rseq_percpu_ptr(items[0], cpu), per_cpu), 0);
	}
	rseq_mempool_destroy(p);
	free(items);
}

/*
 * COW_INIT: malloc_init of every item writes the initial values once;
 * instances nobody writes stay mappings of them (no anonymous pages); a
 * CPU that writes its instance gets private copies of its pages only.
 */
static void test_rss_cow_init(void)
{
	struct rseq_mempool *p = pool_new("cow", 64, 0, RSEQ_MEMPOOL_POPULATE_COW_INIT, "0-15");
	size_t per_cpu = RSEQ_MEMPOOL_STRIDE, n = per_cpu / 64;
	long tmpl[8] = { 11, 12, 13, 14, 15, 16, 17, 18 };
	struct rseq_mempool_stats st;
	char **items = (char **)calloc(n, sizeof(*items));
	uintptr_t lo, hi;
	long total, cpu2;

	if (!p || !items)
		return;
	rseq_mempool_get_stats(p, &st);
	for (size_t i = 0; i < n; i++) {
		items[i] = (char *)rseq_mempool_percpu_malloc_init(p, tmpl, sizeof(tmpl));
		CHECK(items[i] != NULL);
	}
	/* Every instance reads the initial values. */
	for (int c = 0; c < 16; c++)
		CHECK(!memcmp(rseq_percpu_ptr(items[n - 1], c), tmpl, sizeof(tmpl)));
	for (size_t i = 0; i < n; i++)
		*(long *)rseq_percpu_ptr(items[i], 2) = 99;	/* CPU 2 writes */
	lo = (uintptr_t)items[0];
	hi = lo + 16 * per_cpu;
	total = anon_kib(lo, hi);
	cpu2 = anon_kib((uintptr_t)rseq_percpu_ptr(items[0], 2),
			(uintptr_t)rseq_percpu_ptr(items[0], 3));
	printf("RSS (COW_INIT): 16 CPUs x %zu items x 64 B, all initialized, CPU 2 wrote "
	       "its instances: %ld KiB private in all 16 areas, %ld KiB in CPU 2's "
	       "(the initial values: one shared %zu KiB copy)\n", n, total, cpu2, per_cpu / 1024);
	if (st.populate_policy == RSEQ_MEMPOOL_POPULATE_COW_INIT && !under_valgrind()) {
		CHECK_EQ(cpu2, (long)per_cpu / 1024);
		CHECK_EQ(total, cpu2);
	}
	for (int c = 0; c < 16; c++)
		CHECK_EQ(rseq_percpu_ptr((long *)items[7], c)[0], c == 2 ? 99 : 11);
	/* Reused items: zmalloc zeroes every instance, including CPU 2's copy. */
	CHECK_EQ(rseq_mempool_percpu_free(items[7]), 0);
	items[7] = (char *)rseq_mempool_percpu_zmalloc(p);
	for (int c = 0; c < 16; c++)
		CHECK_EQ(rseq_percpu_ptr((long *)items[7], c)[0], 0);
	for (size_t i = 0; i < n; i++)
		rseq_mempool_percpu_free(items[i]);
	rseq_mempool_destroy(p);
	free(items);
}

static int reports[5];
static void *report_item;

static void on_report(void *priv, struct rseq_mempool *pool, enum rseq_mempool_report_kind kind,
		      void *item, const char *msg)
{
	(void)pool;
	CHECK(priv == (void *)&reports);
	CHECK(msg && *msg);
	if ((int)kind >= 1 && (int)kind <= 4)
		reports[kind]++;
	report_item = item;
}

static void test_robust(void)
{
	struct rseq_mempool_attr *a = attr_new();
	struct rseq_mempool_stats st;
	struct rseq_mempool *p;
	long *x, *y;

	rseq_mempool_attr_set_percpu(a, page, 0);
	rseq_mempool_attr_set_robust(a);
	rseq_mempool_attr_set_report(a, on_report, &reports);
	p = rseq_mempool_create("robust", 16, a);
	CHECK(p != NULL);
	if (!p)
		return;
	x = (long *)rseq_mempool_percpu_zmalloc(p);
	CHECK_EQ(rseq_mempool_percpu_free(x, page), 0);
	/* COW_INIT's default poison is 0x55..: every instance holds it. */
	CHECK_EQ((uintptr_t)x[0], (uintptr_t)0x5555555555555555ULL & UINTPTR_MAX);
	y = (long *)rseq_mempool_percpu_malloc(p);	/* poison intact: no report */
	CHECK(y == x);
	CHECK_EQ(reports[RSEQ_MEMPOOL_REPORT_POISON], 0);
	CHECK_EQ(rseq_mempool_percpu_free(y, page), 0);
	x[1] = 42;					/* use after free */
	y = (long *)rseq_mempool_percpu_zmalloc(p);
	CHECK(y == x);
	CHECK_EQ(reports[RSEQ_MEMPOOL_REPORT_POISON], 1);
	CHECK(report_item == (void *)x);
	CHECK_EQ(y[1], 0);
	CHECK_EQ(rseq_mempool_percpu_free(y, page), 0);
	CHECK_EQ(rseq_mempool_percpu_free(y, page), -1);	/* double free */
	CHECK_EQ(reports[RSEQ_MEMPOOL_REPORT_DOUBLE_FREE], 1);
	CHECK_EQ(rseq_mempool_percpu_free((char *)y + 8, page), -1);
	CHECK_EQ(reports[RSEQ_MEMPOOL_REPORT_BAD_FREE], 1);
	/* Destroy with an item allocated: EBUSY, reported, the pool intact. */
	x = (long *)rseq_mempool_percpu_malloc(p);
	CHECK_EQ(rseq_mempool_destroy(p), -1);
	CHECK_EQ(errno, EBUSY);
	CHECK_EQ(reports[RSEQ_MEMPOOL_REPORT_LEAK], 1);
	rseq_mempool_get_stats(p, &st);
	CHECK_EQ(st.errors, 4);
	CHECK_EQ(st.items_used, 1);
	CHECK_EQ(rseq_mempool_percpu_free(x, page), 0);
	CHECK_EQ(rseq_mempool_destroy(p), 0);

	/* Debug mode: the same checks, reported on stderr. */
	rseq_mempool_attr_set_report(a, NULL, NULL);
	rseq_mempool_attr_set_debug(a);
	rseq_mempool_attr_set_populate_policy(a, RSEQ_MEMPOOL_POPULATE_COW_ZERO);
	p = rseq_mempool_create("debug", 16, a);
	x = (long *)rseq_mempool_percpu_malloc(p);
	fprintf(stderr, "(one double-free report expected below)\n");
	rseq_mempool_percpu_free(x, page);
	CHECK_EQ(x[0], 0);			/* COW_ZERO's default poison is 0 */
	CHECK_EQ(rseq_mempool_percpu_free(x, page), -1);
	rseq_mempool_get_stats(p, &st);
	CHECK_EQ(st.errors, 1);
	CHECK_EQ(rseq_mempool_destroy(p), 0);

	/* A poison value without robust mode: written on free, not checked. */
	rseq_mempool_attr_destroy(a);
	a = attr_new();
	rseq_mempool_attr_set_percpu(a, page, 0);
	rseq_mempool_attr_set_poison(a, 0xabcd);
	p = rseq_mempool_create("poison", 8, a);
	x = (long *)rseq_mempool_percpu_malloc(p);
	rseq_mempool_percpu_free(x, page);
	for (int c = 0; c < rseq_mempool_nr_cpus(p); c++)
		if (rseq_mempool_cpu_possible(p, c))
			CHECK_EQ(*rseq_percpu_ptr(x, c, page), 0xabcd);
	rseq_mempool_destroy(p);
	rseq_mempool_attr_destroy(a);
}

/*
 * mm_cid pools: instances 0 .. number of CPUs - 1, wherever the kernel
 * has mm_cid and rseq works here; also when no thread registered yet
 * (first is set on main's first call: rseqkit's own registration leaves
 * rseq_size 0 until a thread registers, and the pool must not read that
 * as "no mm_cid").
 */
static void test_mm_cid(int first)
{
	struct rseq_mempool_attr *a = attr_new();
	struct rseq_mempool *p;
	long five = 5, *x;
	bool want = !test_expect_unavailable() && rseq_available() &&
		    rseq_feature_size >= rseq_offsetofend(struct rseq_abi, mm_cid);

	rseq_mempool_attr_set_percpu(a, page, 0);
	rseq_mempool_attr_set_percpu_mode(a, RSEQ_PERCPU_MM_CID);
	rseq_mempool_attr_set_populate_policy(a, RSEQ_MEMPOOL_POPULATE_COW_ZERO);
	rseq_mempool_attr_set_cpu_list(a, "0,4,8,12");
	p = rseq_mempool_create("cid", 8, a);
	rseq_mempool_attr_destroy(a);
	CHECK(p != NULL);
	if (!p)
		return;
	x = (long *)rseq_mempool_percpu_malloc_init(p, &five, sizeof(long));
	if (first)
		printf("mm_cid pool made with rseq_size %u (mode %s, feature size %u): %s\n",
		       rseq_size, test_mode(), rseq_feature_size,
		       rseq_mempool_percpu_mode(p) == RSEQ_PERCPU_MM_CID ? "mm_cid" : "cpu_id");
	CHECK_EQ(rseq_mempool_percpu_mode(p) == RSEQ_PERCPU_MM_CID, want);
	if (rseq_mempool_percpu_mode(p) == RSEQ_PERCPU_MM_CID) {
		CHECK_EQ(rseq_mempool_nr_cpus(p), 4);
		for (int c = 0; c < 4; c++)
			CHECK(rseq_mempool_cpu_possible(p, c));
		CHECK(!rseq_mempool_cpu_possible(p, 4));
		CHECK_EQ(*rseq_percpu_ptr(x, 3, page), 5);
	} else {
		/* No mm_cid (rseq unavailable): indexed by CPU instead. */
		CHECK_EQ(rseq_mempool_nr_cpus(p), 13);
		CHECK(rseq_mempool_cpu_possible(p, 4));
		CHECK(!rseq_mempool_cpu_possible(p, 3));
		CHECK_EQ(*rseq_percpu_ptr(x, 4, page), 5);
		CHECK_EQ(*rseq_percpu_ptr(x, 3, page), 0);
	}
	rseq_mempool_percpu_free(x, page);
	rseq_mempool_destroy(p);
}

static void test_possible(void)
{
	static unsigned char mask[4096];
	int top = rseq_possible_cpus(mask, 4096), n = 0;
	long onln = sysconf(_SC_NPROCESSORS_ONLN);

	CHECK(top >= 1);
	CHECK_EQ(top, rseq_get_max_nr_cpus());
	for (int i = 0; i < top; i++)
		n += mask[i];
	CHECK(n >= onln);
	CHECK_EQ(mask[sched_getcpu()], 1);
	CHECK_EQ(rseq_possible_cpus(mask, 0), -1);
	CHECK_EQ(rseq_possible_cpus(mask, -1), -1);
	CHECK_EQ(rseq_possible_cpus(mask, INT32_MIN), -1);
	CHECK_EQ(rseq_possible_cpus(NULL, 10), -1);
	CHECK_EQ(errno, EINVAL);
	if (top > 1) {
		CHECK_EQ(rseq_possible_cpus(mask, top - 1), -1);	/* too small */
		CHECK_EQ(errno, EINVAL);
	}
	CHECK_EQ(rseq_possible_cpus(mask, top), top);
}

static void test_global(void)
{
	struct rseq_mempool_attr *a = attr_new();
	struct rseq_mempool_stats st;
	struct rseq_mempool *p;
	long v = 77, *x, *y, *z;

	CHECK_EQ(rseq_mempool_attr_set_global(a, 0), 0);
	p = rseq_mempool_create("global", 100, a);
	rseq_mempool_attr_destroy(a);
	CHECK(p != NULL);
	if (!p)
		return;
	CHECK_EQ(rseq_mempool_nr_cpus(p), 1);
	CHECK_EQ(rseq_mempool_get_max_nr_cpus(p), -1);
	CHECK_EQ(errno, EINVAL);
	rseq_mempool_get_stats(p, &st);
	CHECK_EQ(st.global, 1);
	CHECK_EQ(st.item_len, 128);
	CHECK_EQ(st.populate_policy, RSEQ_MEMPOOL_POPULATE_COW_ZERO);
	x = (long *)rseq_mempool_malloc(p);
	y = (long *)rseq_mempool_zmalloc(p);
	z = (long *)rseq_mempool_malloc_init(p, &v, sizeof(v));
	CHECK(x && y && z && x != y && y != z);
	CHECK_EQ(y[15], 0);
	CHECK_EQ(z[0], 77);
	CHECK_EQ(rseq_mempool_free(x), 0);
	CHECK_EQ(rseq_mempool_free(y, RSEQ_MEMPOOL_STRIDE), 0);
	CHECK_EQ(rseq_mempool_free(z), 0);
	CHECK_EQ(rseq_mempool_free(z), -1);
	CHECK_EQ(rseq_mempool_destroy(p), 0);
}

static struct rseq_mempool *set_pool(size_t len, unsigned long ranges)
{
	struct rseq_mempool_attr *a = attr_new();
	struct rseq_mempool *p;

	rseq_mempool_attr_set_percpu(a, page, 0);
	rseq_mempool_attr_set_max_nr_ranges(a, ranges);
	p = rseq_mempool_create("set", len, a);
	rseq_mempool_attr_destroy(a);
	CHECK(p != NULL);
	return p;
}

static void test_sets(void)
{
	struct rseq_mempool_set *s = rseq_mempool_set_create();
	struct rseq_mempool *p8 = set_pool(8, 1), *p64 = set_pool(64, 0), *p1k = set_pool(1024, 0);
	struct rseq_mempool *dup = set_pool(60, 0);
	char init[40] = "initial";
	void *a, *b, *c, *d;

	CHECK(s != NULL);
	if (!s || !p8 || !p64 || !p1k || !dup)
		return;
	CHECK_EQ(rseq_mempool_set_add_pool(s, p8), 0);
	CHECK_EQ(rseq_mempool_set_add_pool(s, p64), 0);
	CHECK_EQ(rseq_mempool_set_add_pool(s, p1k), 0);
	CHECK_EQ(rseq_mempool_set_add_pool(s, dup), -1);	/* 64 is taken */
	CHECK_EQ(errno, EBUSY);
	CHECK_EQ(rseq_mempool_set_add_pool(s, p8), -1);		/* already in a set */
	CHECK_EQ(rseq_mempool_set_add_pool(NULL, dup), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rseq_mempool_destroy(p8), -1);			/* the set owns it */
	CHECK_EQ(errno, EBUSY);
	CHECK_EQ(rseq_mempool_destroy(dup), 0);

	a = rseq_mempool_set_percpu_malloc(s, 1);		/* -> 8 */
	b = rseq_mempool_set_percpu_zmalloc(s, 9);		/* -> 64 */
	c = rseq_mempool_set_percpu_malloc_init(s, init, sizeof(init));	/* -> 64 */
	d = rseq_mempool_set_malloc(s, 65);			/* -> 1024 */
	CHECK(a && b && c && d);
	CHECK_EQ(rseq_mempool_percpu_free(a, page), 0);
	CHECK_EQ(rseq_mempool_percpu_free(b, page), 0);
	CHECK(!memcmp(c, init, sizeof(init)));
	CHECK_EQ(((char *)c)[sizeof(init)], 0);
	CHECK_EQ(rseq_mempool_percpu_free(c, page), 0);
	CHECK_EQ(rseq_mempool_free(d, page), 0);
	CHECK(rseq_mempool_set_zmalloc(s, 1025) == NULL);	/* no pool that big */
	CHECK_EQ(errno, ENOMEM);
	CHECK(rseq_mempool_set_percpu_malloc(s, SIZE_MAX) == NULL);
	CHECK_EQ(errno, ENOMEM);
	CHECK(rseq_mempool_set_percpu_malloc_init(s, NULL, 8) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK(rseq_mempool_set_percpu_malloc(NULL, 8) == NULL);
	CHECK_EQ(errno, EINVAL);
	{
		/* The 8-byte pool (one range) fills up: the next size serves. */
		size_t n8 = page / 8, from64 = 0;
		void **v = (void **)calloc(n8 + 4, sizeof(void *));

		for (size_t i = 0; i < n8 + 4; i++) {
			v[i] = rseq_mempool_set_zmalloc(s, 8);
			CHECK(v[i] != NULL);
			from64 += ((uintptr_t)v[i] & (page - 1)) % 64 == 0 && i >= n8;
		}
		CHECK_EQ(from64, 4);
		for (size_t i = 0; i < n8 + 4; i++)
			CHECK_EQ(rseq_mempool_free(v[i], page), 0);
		free(v);
	}
	{
		char *e = (char *)rseq_mempool_set_malloc_init(s, init, 8);

		CHECK(e && !memcmp(e, "initial", 8));
		rseq_mempool_free(e, page);
	}
	CHECK_EQ(rseq_mempool_set_destroy(s), 0);
	CHECK_EQ(rseq_mempool_set_destroy(NULL), 0);
}

struct init_log {
	int calls, fail_at;
	uint64_t cpus;
	size_t len;
};

static int init_cb(void *priv, void *addr, size_t len, int cpu)
{
	struct init_log *l = (struct init_log *)priv;

	if (++l->calls == l->fail_at) {
		errno = EPERM;
		return -1;
	}
	l->len = len;
	if (cpu >= 0 && cpu < 64)
		l->cpus |= 1ULL << cpu;
	memset(addr, 0x11, 16);			/* the whole area is accessible */
	((char *)addr)[len - 1] = 0x22;
	if (cpu == 1) {
		int rc = rseq_mempool_range_init_numa(addr, len, cpu, 2 /* MPOL_MF_MOVE */);

		CHECK(rc == 0 || errno == ENOSYS || errno == EPERM);
	}
	return 0;
}

static void test_init_callback(void)
{
	struct rseq_mempool_attr *a = attr_new();
	struct init_log log = { 0, 0, 0, 0 };
	struct rseq_mempool *p;
	char *x;

	rseq_mempool_attr_set_init(a, init_cb, &log);
	rseq_mempool_attr_set_percpu(a, page, 0);
	rseq_mempool_attr_set_cpu_list(a, "0-2,5");
	p = rseq_mempool_create("init", 32, a);
	CHECK(p != NULL);
	CHECK_EQ(log.calls, 4);				/* each written instance */
	CHECK_EQ(log.cpus, 0x27);
	CHECK_EQ(log.len, page);
	x = (char *)rseq_mempool_percpu_malloc(p);	/* contents as the callback left them */
	CHECK_EQ(x[0], 0x11);
	CHECK_EQ(rseq_percpu_ptr(x, 5, page)[page - 1], 0x22);
	rseq_mempool_percpu_free(x, page);
	rseq_mempool_destroy(p);
	/* A failing callback fails the creation with its errno. */
	log.calls = 0;
	log.fail_at = 2;
	errno = 0;
	CHECK(rseq_mempool_create("init-fail", 32, a) == NULL);
	CHECK_EQ(errno, EPERM);
	rseq_mempool_attr_destroy(a);
	/* The NUMA helper's argument checks. */
	CHECK_EQ(rseq_mempool_range_init_numa(NULL, page, 0, 2), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rseq_mempool_range_init_numa((void *)page, page + 1, 0, 2), -1);
	CHECK_EQ(rseq_mempool_range_init_numa((void *)page, page, -1, 2), -1);
	CHECK_EQ(rseq_mempool_range_init_numa((void *)page, page, 0, 0), -1);
	CHECK_EQ(errno, EINVAL);
}

static void test_stride(void)
{
	size_t stride = (size_t)1 << 20;
	struct rseq_mempool *p = pool_new("stride", 4096, stride, RSEQ_MEMPOOL_POPULATE_COW_ZERO, NULL);
	char *x;

	if (!p)
		return;
	x = (char *)rseq_mempool_percpu_zmalloc(p);
	CHECK_EQ((uintptr_t)x % 4096, 0);
	for (int c = 0; c < rseq_mempool_nr_cpus(p); c++)
		*rseq_percpu_ptr(x, c, stride) = (char)c;
	for (int c = 0; c < rseq_mempool_nr_cpus(p); c++)
		CHECK_EQ(*rseq_percpu_ptr(x, c, stride), (char)c);
	CHECK_EQ(rseq_mempool_percpu_free(x), -1);		/* default stride: wrong */
	CHECK_EQ(rseq_mempool_percpu_free(x, stride), 0);
	/*
	 * The reservation: only the used prefix of an area (64 KiB steps)
	 * is accessible, the rest PROT_NONE; no transparent huge pages.
	 */
	{
		char perms[5] = "";
		/* "nh" only where the kernel has transparent huge pages at
		 * all (armhf's has not: madvise() refuses, no flag shown). */
		const char *nh = access("/sys/kernel/mm/transparent_hugepage", F_OK) ? "" : "nh";

		CHECK_EQ(vma_of(x, perms, nh), 1);
		CHECK(!strcmp(perms, "rw-p"));
		CHECK_EQ(vma_of(x + stride / 2, perms, nh), 1);
		CHECK(!strcmp(perms, "---p"));
	}
	rseq_mempool_destroy(p);
}

/*
 * Threads allocate and free through the per-CPU caches: no item is
 * handed out twice (each holder stamps its instance of CPU 0 and checks
 * the stamp before freeing), nothing is lost (the counts at the end).
 */
#define T_THREADS 4
static struct rseq_mempool *tpool;
/* Allocations and frees of the churns whose checks passed (VERIFIED-OPS). */
static unsigned long long churn_ops;

static void *churn(void *arg)
{
	uintptr_t me = (uintptr_t)arg;
	long *held[16];
	unsigned long iters = test_scale(20000);

	for (unsigned long i = 0; i < iters; i++) {
		int k = (int)(i % 16);

		if (i >= 16) {
			CHECK_EQ((uintptr_t)held[k][0], me * 1000003 + (i - 16));
			CHECK_EQ(rseq_mempool_percpu_free(held[k]), 0);
		}
		held[k] = (long *)(i & 1 ? rseq_mempool_percpu_zmalloc(tpool)
					 : rseq_mempool_percpu_malloc(tpool));
		if (!held[k]) {
			CHECK(held[k] != NULL);
			return NULL;
		}
		held[k][0] = (long)(me * 1000003 + i);
	}
	for (int k = 0; k < 16; k++)
		rseq_mempool_percpu_free(held[k]);
	__atomic_fetch_add(&churn_ops, 2ULL * iters, __ATOMIC_RELAXED);
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[T_THREADS];
	struct rseq_mempool_stats st;
	unsigned long failed = test_failed;

	tpool = rseq_mempool_create("threads", 64, NULL);
	CHECK(tpool != NULL);
	if (!tpool)
		return;
	for (uintptr_t i = 0; i < T_THREADS; i++)
		pthread_create(&t[i], NULL, churn, (void *)(i + 1));
	for (int i = 0; i < T_THREADS; i++)
		pthread_join(t[i], NULL);
	rseq_mempool_get_stats(tpool, &st);
	CHECK_EQ(st.items_used, 0);
	CHECK_EQ(st.errors, 0);
	CHECK(st.items_cached <= (size_t)rseq_get_max_nr_cpus() * RSEQ_MEMPOOL_CACHE_MAX);
	printf("threads: %d x %lu alloc/free, %zu items in per-CPU caches at the end, "
	       "%zu ranges\n", T_THREADS, test_scale(20000), st.items_cached, st.ranges);
	if (!test_expect_unavailable() && rseq_current_cpu_raw() >= 0)
		CHECK(st.items_cached > 0);		/* the caches were used */
	/* Double frees are caught in this CPU's cache and in the store. */
	{
		void *x = rseq_mempool_percpu_malloc(tpool), *y[64];

		CHECK_EQ(rseq_mempool_percpu_free(x), 0);
		CHECK_EQ(rseq_mempool_percpu_free(x), -1);
		CHECK_EQ(errno, EINVAL);
		for (int k = 0; k < 64; k++)		/* push x out to the store */
			y[k] = rseq_mempool_percpu_malloc(tpool);
		for (int k = 0; k < 64; k++)
			CHECK_EQ(rseq_mempool_percpu_free(y[k]), 0);
		for (int k = 0; k < 64; k++)
			if (y[k] == x)
				x = NULL;
		if (x)
			CHECK_EQ(rseq_mempool_percpu_free(x), -1);
		rseq_mempool_get_stats(tpool, &st);
		CHECK_EQ(st.errors, x ? 2 : 1);
		CHECK_EQ(st.items_used, 0);
	}
	CHECK_EQ(rseq_mempool_destroy(tpool), 0);

	/* Without caches: the same, all through the lock. */
	{
		struct rseq_mempool_attr *a = attr_new();

		rseq_mempool_attr_set_cache(a, 0);
		tpool = rseq_mempool_create("nocache", 64, a);
		rseq_mempool_attr_destroy(a);
		for (uintptr_t i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, churn, (void *)(i + 1));
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		rseq_mempool_get_stats(tpool, &st);
		CHECK_EQ(st.items_used, 0);
		CHECK_EQ(st.items_cached, 0);
		rseq_mempool_destroy(tpool);
	}
	if (test_failed == failed)
		test_verified_ops(churn_ops);
}

int main(void)
{
	page = (size_t)sysconf(_SC_PAGESIZE);
	test_mm_cid(1);		/* before anything registers this thread */
	test_basic();
	test_attrs();
	test_growth();
	test_many_ranges();
	test_sparse();
	test_rss_cow_zero();
	test_rss_cow_init();
	test_robust();
	test_mm_cid(0);
	test_possible();
	test_global();
	test_sets();
	test_init_callback();
	test_stride();
	test_threads();
	return test_done();
}
