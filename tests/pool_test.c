/* SPDX-License-Identifier: MIT */
/*
 * pool_test - the per-CPU memory pool: stride addressing, zeroed and
 * initialized allocations, growth by ranges, sparse possible-CPU lists,
 * mm_cid pools, double-free and use-after-free detection (debug mode), and
 * that CPUs which never run the code never get pages: resident-set figures
 * from /proc/self/statm (mincore() counts the shared zero page that reads
 * of untouched memory map as resident, so it only confirms written areas).
 */
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "harness.h"
#include <rseqkit/pool.h>

static long page;

static long rss_pages(void)
{
	long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &size, &rss) != 2)
			rss = -1;
		fclose(f);
	}
	return rss;
}

/* Resident pages in [p, p + len). */
static long resident(void *p, size_t len)
{
	unsigned char vec[4096];
	size_t n = (len + page - 1) / page;
	long r = 0;

	if (n > sizeof(vec) || mincore(p, len, vec))
		return -1;
	for (size_t i = 0; i < n; i++)
		r += vec[i] & 1;
	return r;
}

static int under_valgrind(void)
{
	return !strcmp(test_mode(), "valgrind");
}

static void test_basic(void)
{
	struct rseq_mempool *p = rseq_mempool_create("basic", 24, NULL);
	struct rseq_mempool_stats st;
	int nr, possible = 0;
	long *a, *b;

	CHECK(p != NULL);
	if (!p)
		return;
	nr = rseq_mempool_nr_cpus(p);
	CHECK(nr >= 1);
	CHECK_EQ(rseq_mempool_stride(p), RSEQ_MEMPOOL_STRIDE);
	for (int c = 0; c < nr; c++)
		possible += rseq_mempool_cpu_possible(p, c);
	CHECK(possible >= 1);
	CHECK(!rseq_mempool_cpu_possible(p, nr));

	a = rseq_mempool_percpu_zmalloc(p);
	CHECK(a != NULL);
	for (int c = 0; c < nr; c++) {
		long *x = rseq_percpu_ptr(a, c);
		if (!rseq_mempool_cpu_possible(p, c))
			continue;
		CHECK_EQ(x[0] + x[1] + x[2], 0);
		x[0] = c + 100;
	}
	for (int c = 0; c < nr; c++)
		if (rseq_mempool_cpu_possible(p, c))
			CHECK_EQ(rseq_percpu_ptr(a, c)[0], c + 100);
	/* Free, then zmalloc again: the same item comes back zeroed. */
	CHECK_EQ(rseq_mempool_percpu_free(p, a), 0);
	b = rseq_mempool_percpu_zmalloc(p);
	CHECK(b == a);
	for (int c = 0; c < nr; c++)
		if (rseq_mempool_cpu_possible(p, c))
			CHECK_EQ(rseq_percpu_ptr(b, c)[0], 0);
	/* Initialized variant. */
	{
		long tmpl[3] = { 7, 8, 9 };
		long *i = rseq_mempool_percpu_malloc_init(p, tmpl, sizeof(tmpl));
		CHECK(i != NULL && i != b);
		for (int c = 0; c < nr; c++)
			if (rseq_mempool_cpu_possible(p, c))
				CHECK(!memcmp(rseq_percpu_ptr(i, c), tmpl, sizeof(tmpl)));
		CHECK_EQ(rseq_mempool_percpu_free(p, i), 0);
	}
	/* Double free and foreign pointers are refused, and counted. */
	CHECK_EQ(rseq_mempool_percpu_free(p, b), 0);
	CHECK_EQ(rseq_mempool_percpu_free(p, b), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rseq_mempool_percpu_free(p, &nr), -1);
	CHECK_EQ(rseq_mempool_get_stats(p, &st), 0);
	CHECK_EQ(st.errors, 2);
	CHECK_EQ(st.items_used, 0);
	CHECK_EQ(rseq_mempool_destroy(p), 0);
}

static void test_growth(void)
{
	struct rseq_mempool_attr a = { .stride = (size_t)page, .max_ranges = 3 };
	struct rseq_mempool *p = rseq_mempool_create("grow", 64, &a);
	struct rseq_mempool_stats st;
	void *items[200];
	int n = 0;

	CHECK(p != NULL);
	if (!p)
		return;
	/* page / 64 items per range (64 with 4 KiB pages), at most 3 ranges. */
	while (n < 200 && n < 3 * page / 64 + 1 &&
	       (items[n] = rseq_mempool_percpu_malloc(p)) != NULL)
		n++;
	CHECK_EQ(n, 3 * page / 64 < 200 ? 3 * page / 64 : 200);
	if (3 * page / 64 < 200)
		CHECK_EQ(errno, ENOMEM);
	rseq_mempool_get_stats(p, &st);
	CHECK_EQ(st.ranges, 3 * page / 64 < 200 ? 3 : (200 + page / 64 - 1) / (page / 64));
	CHECK_EQ(st.items_used, n);
	for (int i = 0; i < n; i++)
		CHECK_EQ(rseq_mempool_percpu_free(p, items[i]), 0);
	rseq_mempool_get_stats(p, &st);
	CHECK_EQ(st.items_used, 0);
	rseq_mempool_destroy(p);
	/* Bad arguments. */
	CHECK(rseq_mempool_create("x", 0, NULL) == NULL);
	a.stride = 1000;
	CHECK(rseq_mempool_create("x", 8, &a) == NULL);
	a.stride = (size_t)page;
	CHECK(rseq_mempool_create("x", (size_t)page * 2, &a) == NULL);
}

/* Sparse possible set: 0,2,5-6 -> 7 instances, 4 possible. */
static void test_sparse(void)
{
	struct rseq_mempool_attr a = { .stride = (size_t)page, .cpu_list = "0,2,5-6" };
	struct rseq_mempool *p = rseq_mempool_create("sparse", 32, &a);
	struct rseq_mempool_stats st;
	long tmpl[4] = { 1, 2, 3, 4 };
	long *x;

	CHECK(p != NULL);
	if (!p)
		return;
	rseq_mempool_get_stats(p, &st);
	CHECK_EQ(st.nr_cpus, 7);
	CHECK_EQ(st.nr_possible, 4);
	CHECK(rseq_mempool_cpu_possible(p, 5));
	CHECK(!rseq_mempool_cpu_possible(p, 1));
	CHECK(!rseq_mempool_cpu_possible(p, 3));
	x = rseq_mempool_percpu_malloc_init(p, tmpl, sizeof(tmpl));
	CHECK(x != NULL);
	for (int c = 0; c < 7; c++) {
		long *i = rseq_percpu_ptr_stride(x, c, (size_t)page);
		bool poss = rseq_mempool_cpu_possible(p, c);
		/* Impossible CPUs' areas are never written (still zero pages). */
		CHECK_EQ(i[3], poss ? 4 : 0);
	}
	rseq_mempool_destroy(p);

	/*
	 * 2 possible CPUs out of 64 ids: filling the pool with initialized
	 * items commits the 2 possible CPUs' pages only.
	 */
	{
		struct rseq_mempool_attr b = { .cpu_list = "0,63" };
		struct rseq_mempool *q = rseq_mempool_create("sparse-rss", 64, &b);
		long before = rss_pages(), grown;
		size_t n = RSEQ_MEMPOOL_STRIDE / 64;

		void *first = NULL;
		long in_core = 0;

		CHECK(q != NULL);
		for (size_t k = 0; q && k < n; k++) {
			void *it = rseq_mempool_percpu_malloc_init(q, tmpl, sizeof(tmpl));

			CHECK(it != NULL);
			if (!first)
				first = it;
		}
		grown = (rss_pages() - before) * page;
		/* The 64 CPU ids' stride regions: only CPUs 0 and 63 resident. */
		for (int cpu = 0; first && cpu < 64; cpu++) {
			long r = resident(rseq_percpu_ptr(first, cpu), RSEQ_MEMPOOL_STRIDE);

			CHECK(r >= 0);
			if (cpu != 0 && cpu != 63)
				CHECK_MSG(r == 0, "CPU %d: %ld pages resident", cpu, r);
			in_core += r;
		}
		CHECK_EQ(in_core * page, 2 * RSEQ_MEMPOOL_STRIDE);
		printf("RSS: sparse pool (possible 0,63): +%ld KiB after initializing %zu items "
		       "(2 CPUs: %d KiB; 64 CPUs would be %d KiB)\n", grown / 1024, n,
		       2 * RSEQ_MEMPOOL_STRIDE / 1024, 64 * RSEQ_MEMPOOL_STRIDE / 1024);
		if (!under_valgrind())	/* statm lags before Linux 6.2: mincore() decides */
			CHECK(grown < 4 * RSEQ_MEMPOOL_STRIDE);
		rseq_mempool_destroy(q);
	}
	a.cpu_list = "3-1";
	CHECK(rseq_mempool_create("bad", 8, &a) == NULL);
}

/*
 * 64 possible CPUs, 64 KiB each: fill the pool with zeroed items, write
 * only CPU 0's and CPU 3's instances.  The resident set grows by about two
 * CPUs' worth, not 64.
 */
static void test_rss(void)
{
	struct rseq_mempool_attr a = { .cpu_list = "0-63" };
	struct rseq_mempool *p = rseq_mempool_create("rss", 64, &a);
	size_t per_cpu = RSEQ_MEMPOOL_STRIDE, n = per_cpu / 64;
	long before, after_alloc, after_touch;
	char **items = calloc(n, sizeof(*items));

	CHECK(p != NULL && items != NULL);
	if (!p || !items)
		return;
	before = rss_pages();
	for (size_t i = 0; i < n; i++)
		items[i] = rseq_mempool_percpu_zmalloc(p);
	after_alloc = rss_pages();
	for (size_t i = 0; i < n; i++) {
		memset(items[i], 1, 64);
		memset(rseq_percpu_ptr(items[i], 3), 3, 64);
	}
	after_touch = rss_pages();
	printf("RSS: 64 possible CPUs x %zu items x 64 B (%zu KiB reserved per CPU):\n"
	       "     +%ld KiB after zmalloc of all items, +%ld KiB after writing CPU 0 and 3 "
	       "(all CPUs written would be %zu KiB)\n",
	       n, per_cpu / 1024, (after_alloc - before) * page / 1024,
	       (after_touch - before) * page / 1024, 64 * per_cpu / 1024);
	if (!under_valgrind()) {
		CHECK((after_alloc - before) * page < 64 * 1024);
		CHECK((after_touch - before) * page < 3 * (long)per_cpu);
		CHECK((after_touch - before) * page >= (long)per_cpu);
		CHECK_EQ(resident(rseq_percpu_ptr(items[0], 0), per_cpu), (long)(per_cpu / page));
		CHECK_EQ(resident(rseq_percpu_ptr(items[0], 3), per_cpu), (long)(per_cpu / page));
	}
	/* Free and zmalloc again: only the written instances are rewritten. */
	CHECK_EQ(rseq_mempool_percpu_free(p, items[7]), 0);
	items[7] = rseq_mempool_percpu_zmalloc(p);
	CHECK_EQ(rseq_percpu_ptr(items[7], 3)[0], 0);
	CHECK_EQ(items[7][0], 0);
	if (!under_valgrind())
		CHECK((rss_pages() - before) * page < 3 * (long)per_cpu);
	rseq_mempool_destroy(p);
	free(items);
}

static void test_debug(void)
{
	struct rseq_mempool_attr a = { .stride = (size_t)page, .flags = RSEQ_MEMPOOL_DEBUG };
	struct rseq_mempool *p = rseq_mempool_create("debug", 16, &a);
	struct rseq_mempool_stats st;
	long *x, *y;

	CHECK(p != NULL);
	if (!p)
		return;
	x = rseq_mempool_percpu_zmalloc(p);
	CHECK_EQ(rseq_mempool_percpu_free(p, x), 0);
	y = rseq_mempool_percpu_malloc(p);	/* poison intact: no error */
	CHECK(y == x);
	rseq_mempool_get_stats(p, &st);
	CHECK_EQ(st.errors, 0);
	CHECK_EQ(rseq_mempool_percpu_free(p, y), 0);
	fprintf(stderr, "(two reports expected below)\n");
	x[1] = 42;				/* use after free */
	y = rseq_mempool_percpu_zmalloc(p);
	CHECK(y == x);
	CHECK_EQ(y[1], 0);
	rseq_mempool_get_stats(p, &st);
	CHECK_EQ(st.errors, 1);
	CHECK_EQ(rseq_mempool_percpu_free(p, y), 0);
	CHECK_EQ(rseq_mempool_percpu_free(p, y), -1);	/* double free */
	rseq_mempool_get_stats(p, &st);
	CHECK_EQ(st.errors, 2);
	rseq_mempool_destroy(p);
}

/* mm_cid pools: instances 0 .. number of possible CPUs - 1. */
static void test_mm_cid(void)
{
	struct rseq_mempool_attr a = { .stride = (size_t)page, .index = RSEQ_MEMPOOL_INDEX_MM_CID,
				       .cpu_list = "0,4,8,12" };
	struct rseq_mempool *p = rseq_mempool_create("cid", 8, &a);
	long *x;

	CHECK(p != NULL);
	if (!p)
		return;
	x = rseq_mempool_percpu_malloc_init(p, &(long){ 5 }, sizeof(long));
	if (rseq_mempool_percpu_mode(p) == RSEQ_PERCPU_MM_CID) {
		CHECK(rseq_mm_cid_available());
		for (int c = 0; c < 4; c++)
			CHECK(rseq_mempool_cpu_possible(p, c));
		CHECK(!rseq_mempool_cpu_possible(p, 4));
		CHECK_EQ(*(long *)rseq_percpu_ptr_stride(x, 3, (size_t)page), 5);
		CHECK_EQ(*(long *)rseq_percpu_ptr_stride(x, 4, (size_t)page), 0);
	} else {
		/* No mm_cid (rseq unavailable): indexed by CPU instead. */
		CHECK(!rseq_mm_cid_available());
		CHECK(rseq_mempool_cpu_possible(p, 4));
		CHECK(!rseq_mempool_cpu_possible(p, 3));
	}
	rseq_mempool_destroy(p);
}

static void test_possible(void)
{
	unsigned char mask[4096];
	int top = rseq_possible_cpus(mask, 4096), n = 0;
	long onln = sysconf(_SC_NPROCESSORS_ONLN);

	CHECK(top >= 1);
	for (int i = 0; i < top; i++)
		n += mask[i];
	CHECK(n >= onln);
	CHECK_EQ(mask[sched_getcpu()], 1);
}

int main(void)
{
	page = sysconf(_SC_PAGESIZE);
	test_basic();
	test_growth();
	test_sparse();
	test_rss();
	test_debug();
	test_mm_cid();
	test_possible();
	return test_done();
}
