/* SPDX-License-Identifier: MIT */
/*
 * pool_edge_test - every size, stride, count and CPU-list argument of the
 * pool's public functions at its edges: 0, 1, the largest valid, the
 * smallest invalid, SIZE_MAX, SIZE_MAX - k, 2^62, 2^63, negative and
 * INT_MIN ints, malformed CPU lists.  Each case runs in a child process
 * under a timeout and fails on a signal, a hang, a wrong errno, or a pool
 * that then misbehaves (two allocations overlapping, contents wrong).
 * Run once by tests/pool_edge.sh (not in every registration mode).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "harness.h"
#include <rseqkit/pool.h>

#define ANY_ERR	(-2)	/* EINVAL or ENOMEM: refused either way */
#define OK_OR_NOMEM (-3)	/* possible: works, or ENOMEM where memory lacks */
/* The two largest powers of two of a size_t (2^63 and 2^62 on 64 bits). */
#define P63	(SIZE_MAX / 2 + 1)
#define P62	(P63 / 2)

static size_t page;

static const char *errname(int e)
{
	return e == EINVAL ? "EINVAL" : e == ENOMEM ? "ENOMEM" : e == EBUSY ? "EBUSY" :
	       e == 0 ? "0" : strerror(e);
}

/* want: 0 success, an errno, or ANY_ERR. */
static int result(const char *what, int ok, int want)
{
	int e = errno;

	if ((want == 0 || want == OK_OR_NOMEM) && ok)
		return 0;
	if (want == OK_OR_NOMEM && !ok && e == ENOMEM)
		return 0;
	if (want != 0 && !ok && (e == want || (want == ANY_ERR && (e == EINVAL || e == ENOMEM))))
		return 0;
	fprintf(stderr, "%s: %s, errno %s (want %s)\n", what, ok ? "succeeded" : "failed",
		errname(e), want == ANY_ERR ? "EINVAL/ENOMEM" :
		want == OK_OR_NOMEM ? "success/ENOMEM" : errname(want));
	return 1;
}

/* Two allocations of a pool must not overlap, and must hold what we wrote. */
static int pool_works(struct rseq_mempool *p)
{
	struct rseq_mempool_stats st;
	char *a, *b;

	if (rseq_mempool_get_stats(p, &st))
		return 1;
	a = (char *)rseq_mempool_percpu_zmalloc(p);
	b = (char *)rseq_mempool_percpu_zmalloc(p);
	if (!a || !b) {
		/* Allowed only for pools that cannot get memory here. */
		return errno == ENOMEM ? 0 : 1;
	}
	if ((size_t)(a > b ? a - b : b - a) < st.item_len) {
		fprintf(stderr, "items overlap: %p %p (item_len %zu)\n", (void *)a, (void *)b,
			st.item_len);
		return 1;
	}
	memset(a, 0xaa, st.item_len);
	memset(b, 0xbb, st.item_len);
	if ((unsigned char)a[st.item_len - 1] != 0xaa || (unsigned char)b[0] != 0xbb)
		return 1;
	return rseq_mempool_percpu_free(a, st.stride) || rseq_mempool_percpu_free(b, st.stride);
}

/* Create with these arguments; check the outcome, then use the pool. */
static int create(size_t item_len, size_t stride, int max_nr_cpus, const char *cpus,
		  int cow_zero, int want)
{
	struct rseq_mempool_attr *a = rseq_mempool_attr_create();
	struct rseq_mempool *p;
	char what[160];
	int rc;

	if (!a)
		return 1;
	if (rseq_mempool_attr_set_percpu(a, stride, max_nr_cpus) ||
	    (cpus && rseq_mempool_attr_set_cpu_list(a, cpus)) ||
	    (cow_zero && rseq_mempool_attr_set_populate_policy(a, RSEQ_MEMPOOL_POPULATE_COW_ZERO))) {
		snprintf(what, sizeof(what), "attributes (stride %zu, max_nr_cpus %d, cpus %s)",
			 stride, max_nr_cpus, cpus ? cpus : "-");
		rc = result(what, 0, want);
		rseq_mempool_attr_destroy(a);
		return rc;
	}
	errno = 0;
	p = rseq_mempool_create("edge", item_len, a);
	rseq_mempool_attr_destroy(a);
	snprintf(what, sizeof(what), "create(item_len %zu, stride %zu, max_nr_cpus %d, cpus %s)",
		 item_len, stride, max_nr_cpus, cpus ? cpus : "-");
	rc = result(what, p != NULL, want);
	if (p) {
		rc |= pool_works(p);
		rc |= rseq_mempool_destroy(p);
	}
	return rc;
}

struct edge {
	const char *name;
	int line;
	/* create(...) arguments, or a custom check */
	size_t item_len, stride;
	int max_nr_cpus, cow_zero;
	const char *cpus;
	int want;
	int (*custom)(void);
};

static int c_possible(void)
{
	static unsigned char mask[64];
	int rc = 0, top = rseq_get_max_nr_cpus();

	rc |= result("possible_cpus(mask, 0)", rseq_possible_cpus(mask, 0) > 0, EINVAL);
	rc |= result("possible_cpus(mask, -1)", rseq_possible_cpus(mask, -1) > 0, EINVAL);
	rc |= result("possible_cpus(mask, INT_MIN)", rseq_possible_cpus(mask, INT_MIN) > 0, EINVAL);
	rc |= result("possible_cpus(NULL, 8)", rseq_possible_cpus(NULL, 8) > 0, EINVAL);
	if (top > 1)
		rc |= result("possible_cpus(mask, top - 1)", rseq_possible_cpus(mask, top - 1) > 0,
			     EINVAL);
	if (top <= 64)
		rc |= result("possible_cpus(mask, top)", rseq_possible_cpus(mask, top) == top, 0);
	return rc;
}

static int c_malloc_init(void)
{
	struct rseq_mempool *p = rseq_mempool_create("mi", 16, NULL);
	char init[32] = "x";
	int rc = 0;
	void *x;

	if (!p)
		return 1;
	rc |= result("malloc_init(len item_len + 1)",
		     rseq_mempool_percpu_malloc_init(p, init, 17) != NULL, EINVAL);
	rc |= result("malloc_init(len SIZE_MAX)",
		     rseq_mempool_percpu_malloc_init(p, init, SIZE_MAX) != NULL, EINVAL);
	rc |= result("malloc_init(NULL, 8)", rseq_mempool_percpu_malloc_init(p, NULL, 8) != NULL,
		     EINVAL);
	x = rseq_mempool_percpu_malloc_init(p, NULL, 0);
	rc |= result("malloc_init(NULL, 0)", x != NULL, 0);
	rc |= result("free", rseq_mempool_percpu_free(x) == 0, 0);
	x = rseq_mempool_percpu_malloc_init(p, init, 16);
	rc |= result("malloc_init(len item_len)", x != NULL, 0);
	rc |= result("free", rseq_mempool_percpu_free(x) == 0, 0);
	rc |= rseq_mempool_destroy(p);
	return rc;
}

static int c_free(void)
{
	struct rseq_mempool *p = rseq_mempool_create("free", 64, NULL);
	char *x = p ? (char *)rseq_mempool_percpu_malloc(p) : NULL;
	int stack, rc = 0;
	size_t bad[] = { 0, 1, 3, RSEQ_MEMPOOL_STRIDE - 1, RSEQ_MEMPOOL_STRIDE + 1, SIZE_MAX,
			 SIZE_MAX - 1, P62, P63, RSEQ_MEMPOOL_STRIDE * 2 };
	void *ptrs[] = { &stack, (void *)1, (void *)(uintptr_t)-1, (void *)(uintptr_t)-4096,
			 (void *)(UINTPTR_MAX / 2 + 1), x + 1, x + 63, x + RSEQ_MEMPOOL_STRIDE };

	if (!x)
		return 1;
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		char what[64];

		snprintf(what, sizeof(what), "free(item, stride %zu)", bad[k]);
		rc |= result(what, rseq_mempool_percpu_free(x, bad[k]) == 0, EINVAL);
	}
	for (size_t k = 0; k < sizeof(ptrs) / sizeof(ptrs[0]); k++) {
		char what[64];

		snprintf(what, sizeof(what), "free(%p)", ptrs[k]);
		rc |= result(what, rseq_mempool_percpu_free(ptrs[k]) == 0, EINVAL);
	}
	rc |= result("free(item)", rseq_mempool_percpu_free(x) == 0, 0);
	rc |= result("free(item) again", rseq_mempool_percpu_free(x) == 0, EINVAL);
	rc |= result("free(NULL)", rseq_mempool_percpu_free(NULL) == 0, 0);
	rc |= pool_works(p);
	rc |= rseq_mempool_destroy(p);
	return rc;
}

static int c_set(void)
{
	struct rseq_mempool_set *s = rseq_mempool_set_create();
	size_t lens[] = { SIZE_MAX, SIZE_MAX - 7, P62, P63,
			  P63 + 1, 129 };
	int rc = 0;
	void *x;

	if (!s || rseq_mempool_set_add_pool(s, rseq_mempool_create("s", 128, NULL)))
		return 1;
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		char what[64];

		snprintf(what, sizeof(what), "set_zmalloc(%zu)", lens[k]);
		rc |= result(what, rseq_mempool_set_percpu_zmalloc(s, lens[k]) != NULL, ENOMEM);
	}
	x = rseq_mempool_set_percpu_malloc(s, 0);
	rc |= result("set_malloc(0)", x != NULL, 0);
	rc |= rseq_mempool_free(x);
	x = rseq_mempool_set_percpu_malloc(s, 128);
	rc |= result("set_malloc(128)", x != NULL, 0);
	rc |= rseq_mempool_free(x);
	rc |= result("set_malloc_init(NULL, 8)",
		     rseq_mempool_set_percpu_malloc_init(s, NULL, 8) != NULL, EINVAL);
	rc |= rseq_mempool_set_destroy(s);
	return rc;
}

static int c_attrs(void)
{
	struct rseq_mempool_attr *a = rseq_mempool_attr_create();
	const char *lists[] = { "", ",", "1,", ",1", "a", "-1", "1-", "3-1", "0--2", "1 2", " 1",
				"1\n\n", "0x1", "99999999999999999999", "0-1048576", "1048576",
				"0-18446744073709551616", "1:2", "0-3:2/4" };
	int rc = 0;

	if (!a)
		return 1;
	for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
		char what[80];

		snprintf(what, sizeof(what), "set_cpu_list(\"%s\")", lists[k]);
		rc |= result(what, rseq_mempool_attr_set_cpu_list(a, lists[k]) == 0, EINVAL);
	}
	rc |= result("set_cpu_list(\"1048575\")", rseq_mempool_attr_set_cpu_list(a, "1048575") == 0, 0);
	rc |= result("set_cache(UINT_MAX)", rseq_mempool_attr_set_cache(a, UINT_MAX) == 0, EINVAL);
	rc |= result("set_cache(RSEQ_MEMPOOL_CACHE_MAX)",
		     rseq_mempool_attr_set_cache(a, RSEQ_MEMPOOL_CACHE_MAX) == 0, 0);
	rc |= result("set_max_nr_ranges(ULONG_MAX)",
		     rseq_mempool_attr_set_max_nr_ranges(a, ULONG_MAX) == 0, 0);
	rc |= result("set_global(SIZE_MAX)", rseq_mempool_attr_set_global(a, SIZE_MAX) == 0, EINVAL);
	rc |= result("set_global(2^63)", rseq_mempool_attr_set_global(a, P63) == 0, 0);
	errno = 0;
	rc |= result("create global stride 2^63", rseq_mempool_create("g", 8, a) != NULL, ANY_ERR);
	rc |= result("set_percpu_mode(-1)",
		     rseq_mempool_attr_set_percpu_mode(a, (enum rseq_percpu_mode)-1) == 0, EINVAL);
	rc |= result("set_populate_policy(INT_MIN)",
		     rseq_mempool_attr_set_populate_policy(a, (enum rseq_mempool_populate_policy)INT_MIN) == 0,
		     EINVAL);
	rc |= result("range_init_numa(len SIZE_MAX)",
		     rseq_mempool_range_init_numa((void *)page, SIZE_MAX, 0, 2) == 0, EINVAL);
	rc |= result("range_init_numa(cpu INT_MIN)",
		     rseq_mempool_range_init_numa((void *)page, page, INT_MIN, 2) == 0, EINVAL);
	rseq_mempool_attr_destroy(a);
	return rc;
}

/* Item as large as the stride: one item per range, ranges grow. */
static int c_one_per_range(void)
{
	struct rseq_mempool_attr *a = rseq_mempool_attr_create();
	struct rseq_mempool *p;
	void *x[3];
	int rc = 0;

	rseq_mempool_attr_set_percpu(a, page, 0);
	p = rseq_mempool_create("big", page, a);
	rseq_mempool_attr_destroy(a);
	if (!p)
		return 1;
	for (int k = 0; k < 3; k++) {
		x[k] = rseq_mempool_percpu_zmalloc(p);
		if (!x[k])
			return 1;
		memset(x[k], k + 1, page);
	}
	for (int k = 0; k < 3; k++)
		rc |= ((unsigned char *)x[k])[page - 1] != k + 1 || rseq_mempool_percpu_free(x[k], page);
	return rc | rseq_mempool_destroy(p);
}

static struct edge cases[] = {
#define CR(len, stride, max, cpus, zero, want) \
	{ "create", __LINE__, len, stride, max, zero, cpus, want, NULL }
	/* item_len */
	CR(0, 0, 0, NULL, 0, 0),
	CR(1, 0, 0, NULL, 0, 0),
	CR(RSEQ_MEMPOOL_STRIDE, 0, 0, NULL, 0, 0),
	CR(RSEQ_MEMPOOL_STRIDE + 1, 0, 0, NULL, 0, EINVAL),
	CR(SIZE_MAX, 0, 0, NULL, 0, EINVAL),
	CR(SIZE_MAX - 3, 0, 0, NULL, 0, EINVAL),
	CR(SIZE_MAX - 4096, 0, 0, NULL, 0, EINVAL),
	CR(P62, 0, 0, NULL, 0, EINVAL),
	CR(P63, 0, 0, NULL, 0, EINVAL),
	CR(P63 + 1, 0, 0, NULL, 0, EINVAL),
	/* stride */
	CR(8, 1, 0, NULL, 0, EINVAL),
	CR(8, 4095, 0, NULL, 0, EINVAL),
	CR(8, 4096, 0, NULL, 0, 0),
	CR(8, 4097, 0, NULL, 0, EINVAL),
	CR(8, 3 * 4096, 0, NULL, 0, EINVAL),
	CR(8, SIZE_MAX, 0, NULL, 0, EINVAL),
	CR(8, SIZE_MAX - 4095, 0, NULL, 0, EINVAL),
	CR(8, P62, 0, "0-1", 0, ANY_ERR),
	CR(8, P62, 0, "0-1", 1, ANY_ERR),
	CR(8, P63, 0, "0-1", 1, EINVAL),
	CR(8, (size_t)(P63 + P63 / 0x200000000ULL), 0, "0-1", 0, EINVAL),	/* 2^63 + 2^30 */
#if SIZE_MAX > 0xffffffffu
	CR(8, (size_t)1 << 40, 0, "0-255", 1, OK_OR_NOMEM),
#endif
	/* max_nr_cpus */
	CR(8, 4096, -1, NULL, 0, EINVAL),
	CR(8, 4096, INT_MIN, NULL, 0, EINVAL),
	CR(8, 4096, 1, NULL, 0, 0),
	CR(8, 4096, RSEQ_MEMPOOL_MAX_NR_CPUS, NULL, 1, OK_OR_NOMEM),
	CR(8, 0, RSEQ_MEMPOOL_MAX_NR_CPUS, NULL, 0, OK_OR_NOMEM),
	CR(8, 4096, RSEQ_MEMPOOL_MAX_NR_CPUS + 1, NULL, 0, EINVAL),
	CR(8, 4096, INT_MAX, NULL, 0, EINVAL),
	CR(8, 4096, 2, "0-2", 0, EINVAL),
	CR(8, 4096, 3, "0-2", 0, 0),
	/* CPU lists */
	CR(8, 4096, 0, "0", 1, 0),
	CR(8, 4096, 0, "1048575", 1, OK_OR_NOMEM),
	CR(8, 4096, 0, "0,1048575", 0, OK_OR_NOMEM),
	CR(8, 4096, 0, "3-1", 0, EINVAL),
	CR(8, 4096, 0, "", 0, EINVAL),
#undef CR
	{ "rseq_possible_cpus", __LINE__, 0, 0, 0, 0, NULL, 0, c_possible },
	{ "malloc_init lengths", __LINE__, 0, 0, 0, 0, NULL, 0, c_malloc_init },
	{ "free strides and pointers", __LINE__, 0, 0, 0, 0, NULL, 0, c_free },
	{ "pool set lengths", __LINE__, 0, 0, 0, 0, NULL, 0, c_set },
	{ "attribute setters", __LINE__, 0, 0, 0, 0, NULL, 0, c_attrs },
	{ "item as large as the stride", __LINE__, 0, 0, 0, 0, NULL, 0, c_one_per_range },
};

static int run(struct edge *e)
{
	if (e->custom)
		return e->custom();
	return create(e->item_len, e->stride, e->max_nr_cpus, e->cpus, e->cow_zero, e->want);
}

int main(void)
{
	int n = (int)(sizeof(cases) / sizeof(cases[0]));

	page = (size_t)sysconf(_SC_PAGESIZE);
	if (page != 4096)
		test_skip("the table assumes 4 KiB pages (this machine: %zu)", page);
	for (int k = 0; k < n; k++) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		pid_t pid = fork();
		int st = 0, waited = 0;

		if (pid == 0)
			_exit(run(&cases[k]) ? 1 : 0);
		if (pid < 0) {
			CHECK_MSG(0, "fork: %s", strerror(errno));
			break;
		}
		while (waitpid(pid, &st, WNOHANG) == 0) {
			if (++waited > 20 * 200) {	/* 20 s */
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
				CHECK_MSG(0, "line %d (%s): hung, killed after 20 s", cases[k].line,
					  cases[k].name);
				st = -1;
				break;
			}
			nanosleep(&ts, NULL);
		}
		if (st == -1)
			continue;
		CHECK_MSG(WIFEXITED(st) && !WEXITSTATUS(st), "line %d (%s): %s %d", cases[k].line,
			  cases[k].name, WIFEXITED(st) ? "exit" : "signal",
			  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	}
	printf("%d cases (each in its own process)\n", n);
	return test_done();
}
