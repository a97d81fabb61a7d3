/* SPDX-License-Identifier: MIT */
/*
 * tests/bad_input/pool.c - the per-CPU memory pool (rseqkit/pool.h):
 * item lengths, strides, instance counts, CPU lists, cache sizes, policy
 * and mode values, initial-value lengths, frees with wrong strides and
 * foreign pointers, pool sets, the NUMA helper; every attribute setter
 * with a NULL object.  A pool that is created must then hand out items
 * that do not overlap in any instance and keep what is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "bi.h"
#include <rseqkit/pool.h>

#define PAGE	((size_t)sysconf(_SC_PAGESIZE))

/* The instances a check writes: the possible ones up to 64, and the last. */
static bool instance_checked(struct rseq_mempool *p, int cpu, int nr)
{
	return cpu == nr - 1 || (cpu < 64 && rseq_mempool_cpu_possible(p, cpu));
}

/*
 * Two items of p, in every instance checked: apart by at least the item
 * length, hold what is written, zero from zmalloc; then freed.
 */
static const char *pool_works(struct rseq_mempool *p)
{
	struct rseq_mempool_stats st;
	char *a, *b;
	int nr;

	if (rseq_mempool_get_stats(p, &st))
		return bi_fail_errno("get_stats of a new pool");
	nr = rseq_mempool_nr_cpus(p);
	if (nr != st.nr_cpus || nr < 1 || rseq_mempool_stride(p) != st.stride ||
	    st.item_len < sizeof(void *) || (st.item_len & (st.item_len - 1)) ||
	    st.item_len > st.stride)
		return bi_fail("the pool's accessors disagree: nr_cpus %d/%d, stride %zu/%zu, "
			       "item_len %zu", nr, st.nr_cpus, rseq_mempool_stride(p), st.stride,
			       st.item_len);
	a = (char *)rseq_mempool_percpu_zmalloc(p);
	b = (char *)rseq_mempool_percpu_zmalloc(p);
	if (!a || !b)
		return errno == ENOMEM ? NULL : bi_fail_errno("zmalloc of a new pool failed");
	if ((size_t)(a > b ? a - b : b - a) < st.item_len)
		return bi_fail("items overlap: %p %p, item_len %zu", (void *)a, (void *)b,
			       st.item_len);
	for (int c = 0; c < nr; c++) {
		char *x, *y;

		if (!instance_checked(p, c, nr))
			continue;
		x = (char *)rseq_percpu_ptr_stride(a, c, st.stride);
		y = (char *)rseq_percpu_ptr_stride(b, c, st.stride);
		if (rseq_mempool_cpu_possible(p, c) && (x[0] || y[st.item_len - 1]))
			return bi_fail("instance %d of a zmalloc item is not zero", c);
		if (!rseq_mempool_cpu_possible(p, c))
			continue;	/* (not written by the pool: may not be mapped) */
		memset(x, 0xaa, st.item_len);
		memset(y, 0xbb, st.item_len);
		if ((unsigned char)x[st.item_len - 1] != 0xaa || (unsigned char)y[0] != 0xbb)
			return bi_fail("instance %d: the items overwrite each other", c);
	}
	if (rseq_mempool_percpu_free(a, st.stride) || rseq_mempool_percpu_free(b, st.stride))
		return bi_fail_errno("free of a new pool's items failed");
	return NULL;
}

/* Check a pool's creation (want in c), then that it works, then destroy. */
static const char *created(const struct bi_case *c, struct rseq_mempool *p)
{
	const char *why = bi_ptr(c, p);

	if (!why && p)
		why = pool_works(p);
	if (p && rseq_mempool_destroy(p) && !why)
		why = bi_fail_errno("destroy failed");
	return why;
}


/* create(name, item_len = u) with the default attributes. */
static const char *c_create_len(const struct bi_case *c)
{
	return created(c, rseq_mempool_create(c->s, (size_t)c->u, NULL));
}

/*
 * An attribute object: percpu(stride u, max_nr_cpus i), CPU list s,
 * populate policy j; the setters' verdict, then create's (item_len v).
 * c->want is create's; a setter's refusal must be EINVAL (checked).
 */
static const char *c_create_attr(const struct bi_case *c)
{
	struct rseq_mempool_attr *a = rseq_mempool_attr_create();
	struct rseq_mempool *p;

	if (!a)
		return bi_fail_errno("attr_create");
	if (rseq_mempool_attr_set_percpu(a, (size_t)c->u, (int)c->i) ||
	    (c->s && rseq_mempool_attr_set_cpu_list(a, c->s)) ||
	    rseq_mempool_attr_set_populate_policy(a, (enum rseq_mempool_populate_policy)c->j)) {
		rseq_mempool_attr_destroy(a);
		if (c->want == 0 || c->want == BI_OK_NOMEM)
			return bi_fail_errno("a setter refused");
		return bi_int(c, -1);
	}
	p = rseq_mempool_create("edge", (size_t)c->v, a);
	rseq_mempool_attr_destroy(a);
	return created(c, p);
}

/* A setter with an attribute object, or NULL (j); i selects the setter. */
static int init_ok(void *priv, void *addr, size_t len, int cpu)
{
	(void)priv; (void)cpu;
	memset(addr, 0, len < 64 ? len : 64);
	return 0;
}

static int init_fails(void *priv, void *addr, size_t len, int cpu)
{
	(void)priv; (void)addr; (void)len; (void)cpu;
	errno = EIO;
	return -1;
}

static void report_none(void *priv, struct rseq_mempool *pool, enum rseq_mempool_report_kind kind,
			void *item, const char *message)
{
	(void)pool; (void)kind; (void)item; (void)message;
	__atomic_fetch_add((int *)priv, 1, __ATOMIC_RELAXED);
}

static int reports;

static int call_setter(struct rseq_mempool_attr *a, const struct bi_case *c)
{
	switch (c->i) {
	case 0: return rseq_mempool_attr_set_init(a, c->v ? init_fails : init_ok, NULL);
	case 1: return rseq_mempool_attr_set_robust(a);
	case 2: return rseq_mempool_attr_set_percpu(a, (size_t)c->u, 0);
	case 3: return rseq_mempool_attr_set_global(a, (size_t)c->u);
	case 4: return rseq_mempool_attr_set_max_nr_ranges(a, (unsigned long)c->u);
	case 5: return rseq_mempool_attr_set_poison(a, (uintptr_t)c->u);
	case 6: return rseq_mempool_attr_set_populate_policy(a,
			(enum rseq_mempool_populate_policy)(int)c->u);
	case 7: return rseq_mempool_attr_set_cpu_list(a, c->s);
	case 8: return rseq_mempool_attr_set_percpu_mode(a, (enum rseq_percpu_mode)(int)c->u);
	case 9: return rseq_mempool_attr_set_debug(a);
	case 10: return rseq_mempool_attr_set_report(a, report_none, &reports);
	case 11: return rseq_mempool_attr_set_cache(a, (unsigned int)c->u);
	}
	return 0;
}

/*
 * Setter i on a new attribute object (or NULL: j): the setter's verdict
 * is the case's; when it accepts, a pool created with the object must
 * work (or fail as create documents: v of set_init, a failing callback).
 */
static const char *c_setter(const struct bi_case *c)
{
	struct rseq_mempool_attr *a = c->j ? NULL : rseq_mempool_attr_create();
	struct rseq_mempool *p;
	const char *why;
	int r;

	if (!c->j && !a)
		return bi_fail_errno("attr_create");
	r = call_setter(a, c);
	why = bi_int(c, r);
	if (why || r || !a) {
		rseq_mempool_attr_destroy(a);
		return why;
	}
	p = rseq_mempool_create("setter", 64, a);
	rseq_mempool_attr_destroy(a);	/* create copied what it needs */
	if (c->i == 0 && c->v) {	/* the callback fails: create reports its errno */
		if (p || errno != EIO)
			return bi_fail_errno("create with a failing init callback");
		return NULL;
	}
	if (!p) {
		/* Huge strides may not fit; 2^n CPUs of them may not either. */
		if ((c->i == 2 || c->i == 3) && (errno == ENOMEM || errno == EINVAL) &&
		    c->u >= BI_P(40))
			return NULL;
		return bi_fail_errno("create with the accepted attribute failed");
	}
	why = pool_works(p);
	if (!why && c->i == 4 && c->u == 1) {	/* one range: then ENOMEM, nothing else */
		struct rseq_mempool_stats st;
		size_t got = 0;
		void *x;

		rseq_mempool_get_stats(p, &st);
		while ((x = rseq_mempool_percpu_malloc(p)) != NULL)
			if (++got > st.items_capacity)
				break;
		if (got > st.items_capacity || errno != ENOMEM)
			why = bi_fail("max_nr_ranges 1: %zu items of %zu, errno %d", got,
				      st.items_capacity, errno);
	}
	if (!why && c->i == 1) {	/* robust: a double free is reported and refused */
		void *x = rseq_mempool_percpu_malloc(p);
		struct rseq_mempool_stats st;

		if (!x || rseq_mempool_percpu_free(x) || rseq_mempool_percpu_free(x) != -1 ||
		    errno != EINVAL || rseq_mempool_get_stats(p, &st) || st.errors != 1)
			why = "a robust pool did not report a double free";
	}
	if (rseq_mempool_destroy(p) && !why)
		why = bi_fail_errno("destroy");
	return why;
}

static const char *c_attr_create(const struct bi_case *c)
{
	struct rseq_mempool_attr *a = c->j ? NULL : rseq_mempool_attr_create();

	if (!c->j && !a)
		return bi_fail_errno("attr_create");
	rseq_mempool_attr_destroy(a);	/* (NULL: a no-op) */
	rseq_mempool_attr_destroy(NULL);
	return NULL;
}

/* NULL pools and stats: every accessor and allocator. */
static const char *c_null_pool(const struct bi_case *c)
{
	struct rseq_mempool_stats st;

	switch (c->i) {
	case 0: return bi_ptr(c, rseq_mempool_percpu_malloc(NULL));
	case 1: return bi_ptr(c, rseq_mempool_percpu_zmalloc(NULL));
	case 2: return bi_ptr(c, rseq_mempool_percpu_malloc_init(NULL, &st, 8));
	case 3: return bi_int(c, rseq_mempool_get_stats(NULL, &st));
	case 4: return bi_int(c, rseq_mempool_nr_cpus(NULL));
	case 5:
		return rseq_mempool_stride(NULL) ? "stride(NULL) is not 0" : bi_int(c, -1);
	case 6:
		return rseq_mempool_cpu_possible(NULL, 0) ? "cpu_possible(NULL, 0) is true" : NULL;
	case 7:
		return rseq_mempool_percpu_mode(NULL) != RSEQ_PERCPU_CPU_ID ?
			"percpu_mode(NULL) is not RSEQ_PERCPU_CPU_ID" : NULL;
	case 8: return bi_int(c, rseq_mempool_get_max_nr_cpus(NULL));
	case 9: return bi_int(c, rseq_mempool_destroy(NULL));
	case 10: return bi_int(c, rseq_mempool_percpu_free(NULL));
	case 11: return bi_int(c, rseq_mempool_set_destroy(NULL));
	case 12: {
		struct rseq_mempool *p = rseq_mempool_create(NULL, 8, NULL);
		int r = rseq_mempool_get_stats(p, NULL);
		const char *why = bi_int(c, r);

		rseq_mempool_destroy(p);
		return why;
	}
	}
	return "no such case";
}

/*
 * The queries of a real pool: cpu_possible(cpu = i) is true exactly for
 * the pool's possible instances; get_max_nr_cpus() is nr_cpus for a
 * per-CPU pool (j 0), EINVAL for a global one (j 1).
 */
static const char *c_queries(const struct bi_case *c)
{
	struct rseq_mempool_attr *a = rseq_mempool_attr_create();
	struct rseq_mempool *p;
	const char *why = NULL;
	int nr;

	if (c->j)
		rseq_mempool_attr_set_global(a, 0);
	p = rseq_mempool_create("q", 16, a);
	rseq_mempool_attr_destroy(a);
	if (!p)
		return bi_fail_errno("create");
	nr = rseq_mempool_nr_cpus(p);
	if (!strcmp(c->fn, "rseq_mempool_cpu_possible")) {
		bool want = c->i >= 0 && c->i < nr && (c->j || c->i < bi_nr_cpus);

		if (c->i == 0 && !rseq_mempool_cpu_possible(p, 0))
			why = "CPU 0 is not possible";
		else if (!want && rseq_mempool_cpu_possible(p, (int)c->i))
			why = bi_fail("CPU %lld possible in a pool of %d", c->i, nr);
	} else if (!strcmp(c->fn, "rseq_mempool_get_max_nr_cpus")) {
		int r = rseq_mempool_get_max_nr_cpus(p);

		why = c->j ? (r == -1 && errno == EINVAL ? NULL : "a global pool's max_nr_cpus")
			   : (r == nr ? NULL : "max_nr_cpus is not nr_cpus");
	} else if (!strcmp(c->fn, "rseq_mempool_percpu_mode")) {
		if (rseq_mempool_percpu_mode(p) != RSEQ_PERCPU_CPU_ID)
			why = "the default pool is not indexed by cpu_id";
	} else {
		why = pool_works(p);	/* stride, nr_cpus, get_stats */
		if (!why && (nr != (c->j ? 1 : bi_nr_cpus)))
			why = bi_fail("nr_cpus %d", nr);
	}
	rseq_mempool_destroy(p);
	return why;
}

/* malloc_init(pool of 64-byte items, init, len = u; init NULL: j). */
static const char *c_malloc_init(const struct bi_case *c)
{
	struct rseq_mempool *p = rseq_mempool_create("mi", 64, NULL);
	unsigned char init[128], *x;
	const char *why;

	if (!p)
		return bi_fail_errno("create");
	for (int k = 0; k < 128; k++)
		init[k] = (unsigned char)(k + 1);
	x = (unsigned char *)rseq_mempool_percpu_malloc_init(p, c->j ? NULL : init, (size_t)c->u);
	why = bi_ptr(c, x);
	if (!why && x) {
		size_t n = c->j ? 0 : (size_t)c->u;

		for (int cpu = 0; cpu < bi_nr_cpus && !why; cpu++) {
			unsigned char *m = rseq_percpu_ptr(x, cpu);

			for (size_t k = 0; k < 64; k++)
				if (m[k] != (k < n ? init[k] : 0)) {
					why = bi_fail("instance %d byte %zu is %d", cpu, k, m[k]);
					break;
				}
		}
		if (rseq_mempool_percpu_free(x) && !why)
			why = bi_fail_errno("free");
	}
	if (!why)
		why = pool_works(p);
	rseq_mempool_destroy(p);
	return why;
}

/*
 * free(ptr, stride): an item of a 64 KiB-stride pool with the stride u
 * (only the pool's is right), or a foreign pointer (i: which).  The pool
 * must still work after every refusal, and the item be freeable once.
 */
static const char *c_free(const struct bi_case *c)
{
	struct rseq_mempool *p = rseq_mempool_create("free", 64, NULL);
	char *x = p ? (char *)rseq_mempool_percpu_malloc(p) : NULL, *y;
	int stack_var = 0;
	void *ptr;
	const char *why;

	if (!x)
		return bi_fail_errno("create/malloc");
	switch (c->i) {
	case 0: ptr = x; break;
	case 1: ptr = &stack_var; break;
	case 2: ptr = (void *)(uintptr_t)1; break;
	case 3: ptr = (void *)UINTPTR_MAX; break;
	case 4: ptr = (void *)(UINTPTR_MAX - 4095); break;
	case 5: ptr = x + 1; break;
	case 6: ptr = x + 63; break;
	case 7: ptr = x + RSEQ_MEMPOOL_STRIDE; break;		/* CPU 1's instance */
	case 8: ptr = x + 64 * 1000; break;			/* never allocated */
	case 9: ptr = x; rseq_mempool_percpu_free(x); break;	/* freed already */
	default: ptr = (void *)(uintptr_t)c->u; break;
	}
	why = bi_int(c, rseq_mempool_percpu_free_stride(ptr, (size_t)c->u));
	if (why)
		return why;
	if (c->i == 9 || (c->want == 0 && ptr == x))
		x = NULL;	/* freed */
	if (x && rseq_mempool_percpu_free(x))
		return bi_fail_errno("the item could not be freed after the refusal");
	y = (char *)rseq_mempool_percpu_malloc(p);
	if (!y || rseq_mempool_percpu_free(y))
		return bi_fail_errno("the pool does not allocate after the refusal");
	why = pool_works(p);
	rseq_mempool_destroy(p);
	return why;
}

/*
 * rseq_mempool_range_init_numa(addr, len = u, cpu = i, numa_flags = j):
 * addr is a 1 MiB mapping of this process (p: which address).
 */
static const char *c_numa(const struct bi_case *c)
{
	size_t map = (size_t)1 << 20;
	char *m = (char *)mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
	void *addr;
	int r;

	if (m == MAP_FAILED)
		return "mmap failed";
	memset(m, 1, map / 2);	/* half faulted in, half not */
	addr = c->p == (const void *)1 ? (void *)(m + 1) : c->p == (const void *)2 ? NULL : m;
	r = rseq_mempool_range_init_numa(addr, (size_t)c->u, (int)c->i, (int)c->j);
	if (r == -1 && (errno == ENOSYS || errno == EPERM) && c->want != ENOSYS) {
		/* No NUMA here, or move_pages(2) denied: so for valid arguments too? */
		int err = errno;

		if (!rseq_mempool_range_init_numa(m, PAGE, 0, 2) || errno != err)
			return bi_fail("errno %d (%s), but not for valid arguments", err,
				       strerror(err));
		return NULL;
	}
	if (r == -1 && c->want == BI_ANY && errno != EINVAL && errno != EFAULT)
		return bi_fail_errno("a range beyond the mapping: want EINVAL or EFAULT");
	if (r == 0 && c->want == BI_ANY)
		return "a range beyond the mapping was accepted";
	munmap(m, map);
	return bi_int(c, r);
}

/* Pool sets: add (NULL set or pool, a size taken, a pool of another set). */
static const char *c_set_add(const struct bi_case *c)
{
	struct rseq_mempool_set *s = rseq_mempool_set_create(), *s2 = rseq_mempool_set_create();
	struct rseq_mempool *p = rseq_mempool_create("s", 64, NULL);
	struct rseq_mempool *q = rseq_mempool_create("t", 64, NULL);
	const char *why = NULL;
	int r = 0;

	if (!s || !s2 || !p || !q)
		return bi_fail_errno("set_create/create");
	switch (c->i) {
	case 0: r = rseq_mempool_set_add_pool(NULL, p); break;
	case 1: r = rseq_mempool_set_add_pool(s, NULL); break;
	case 2: r = rseq_mempool_set_add_pool(s, p); break;
	case 3:	/* the same item size twice */
		if (rseq_mempool_set_add_pool(s, p))
			return bi_fail_errno("the first add");
		r = rseq_mempool_set_add_pool(s, q);
		break;
	case 4:	/* a pool that is in another set already */
		if (rseq_mempool_set_add_pool(s2, p))
			return bi_fail_errno("the first add");
		r = rseq_mempool_set_add_pool(s, p);
		break;
	}
	why = bi_int(c, r);
	if (!why && c->i >= 2) {	/* p is in a set: destroyed with it, not alone */
		if (rseq_mempool_destroy(p) != -1 || errno != EBUSY)
			why = "a pool of a set was destroyed alone";
		else if (!rseq_mempool_set_percpu_malloc(c->i == 4 ? s2 : s, 64))
			why = bi_fail_errno("the set does not allocate");
	}
	if (c->i < 2)
		rseq_mempool_destroy(p);
	if (c->i == 3)
		rseq_mempool_destroy(q);
	else if (rseq_mempool_set_add_pool(s, q) && c->i != 2)
		why = why ? why : bi_fail_errno("adding the second pool");
	if (c->i == 2)
		rseq_mempool_destroy(q);
	if (rseq_mempool_set_destroy(s) || rseq_mempool_set_destroy(s2))
		why = why ? why : bi_fail_errno("set_destroy");
	return why;
}

/*
 * A set of pools of 16, 128 and 4096-byte items (or NULL: j); an
 * allocation of len u (i: malloc, zmalloc, malloc_init; NULL init: p).
 */
static const char *c_set_alloc(const struct bi_case *c)
{
	struct rseq_mempool_set *s = c->j ? NULL : rseq_mempool_set_create();
	static const size_t lens[] = { 16, 128, 4096 };
	unsigned char init[4096];
	unsigned char *x = NULL;
	const char *why;

	for (size_t k = 0; s && k < 3; k++)
		if (rseq_mempool_set_add_pool(s, rseq_mempool_create("set", lens[k], NULL)))
			return bi_fail_errno("set_add_pool");
	memset(init, 0x5c, sizeof(init));
	switch (c->i) {
	case 0: x = (unsigned char *)rseq_mempool_set_percpu_malloc(s, (size_t)c->u); break;
	case 1: x = (unsigned char *)rseq_mempool_set_percpu_zmalloc(s, (size_t)c->u); break;
	case 2:
		x = (unsigned char *)rseq_mempool_set_percpu_malloc_init(s, c->p ? NULL : init,
									 (size_t)c->u);
		break;
	}
	why = bi_ptr(c, x);
	if (!why && x) {
		size_t n = (size_t)c->u;

		for (int cpu = 0; cpu < bi_nr_cpus && !why; cpu++) {
			unsigned char *m = rseq_percpu_ptr(x, cpu);

			if (c->i && n && m[n - 1] != (c->i == 2 && !c->p ? 0x5c : 0))
				why = bi_fail("instance %d: byte %zu is %d", cpu, n - 1, m[n - 1]);
			if (n)
				memset(m, 0x11, n);	/* the whole length is usable */
		}
		if (rseq_mempool_free(x) && !why)
			why = bi_fail_errno("free");
	}
	if (rseq_mempool_set_destroy(s) && !why)
		why = bi_fail_errno("set_destroy");
	return why;
}

/* Malformed CPU lists, and lists that must work. */
static const char *const bad_lists[] = {
	"", ",", "1,", ",1", "a", "-1", "1-", "-", "3-1", "0--2", "1 2", " 1", "1 ", "1\n\n",
	"0x1", "01a", "+1", "1,,2", "1-2-3", "99999999999999999999", "4294967296",
	"2147483648", "0-1048576", "1048576", "0-18446744073709551616", "1:2", "0-3:2/4",
	"\xff", "1\n2",
};
static const char *const good_lists[] = { "0", "0\n", "0-0", "0,0", "0,1", "1-1,0", "0-1" };

void bi_pool_cases(void)
{
	long long ints[BI_NR_INTS];
	size_t ni = bi_ints(bi_nr_cpus, ints);
	size_t page = PAGE;

	/* item_len: up to the default stride after rounding to a power of two. */
	for (size_t k = 0; k < bi_nr_sizes; k++) {
		size_t len = bi_sizes[k];
		bool ok = len <= RSEQ_MEMPOOL_STRIDE;

		BI(rseq_mempool_create, c_create_len, ok ? 0 : EINVAL, "s=name u=item_len",
		   .u = len, .s = "edge");
	}
	BI(rseq_mempool_create, c_create_len, 0, "s=name u=item_len", .u = 8, .s = NULL,
	   .flags = BI_NULL_OK);
	/*
	 * strides: 0 or a power of two of at least a page, whose areas (the
	 * CPUs, and the initial values with COW_INIT) fit in a size_t with
	 * a stride to spare for the alignment; then possible, or ENOMEM.
	 */
	for (size_t k = 0; k < bi_nr_sizes; k++) {
		size_t st = bi_sizes[k];
		bool valid = !st || (!(st & (st - 1)) && st >= page);

		for (int zero = 0; zero < 2; zero++) {
			size_t areas = (size_t)bi_nr_cpus + !zero;
			bool fits = !st || areas <= (SIZE_MAX - st) / st;

			BI(rseq_mempool_attr_set_percpu, c_create_attr,
			   valid && fits ? BI_OK_NOMEM : EINVAL,
			   "u=stride v=item_len i=max_nr_cpus j=policy", .u = st, .v = 8, .j = zero);
		}
		BI(rseq_mempool_attr_set_global, c_setter, valid ? 0 : EINVAL, "i=setter u=stride",
		   .i = 3, .u = st);
		BI(rseq_mempool_attr_set_percpu, c_setter, valid ? 0 : EINVAL, "i=setter u=stride",
		   .i = 2, .u = st);
	}
	/* the item length against the stride */
	BI(rseq_mempool_create, c_create_attr, 0, "u=stride v=item_len", .u = page, .v = page);
	BI(rseq_mempool_create, c_create_attr, EINVAL, "u=stride v=item_len", .u = page,
	   .v = page + 1);
	BI(rseq_mempool_create, c_create_attr, EINVAL, "u=stride v=item_len", .u = page,
	   .v = SIZE_MAX);
	/* nr_cpus * stride, 2^63 + 2^30 (it wrapped once) */
	BI(rseq_mempool_create, c_create_attr, EINVAL, "u=stride v=item_len s=cpus",
	   .u = BI_P(63), .v = 8, .s = "0-1");
	BI(rseq_mempool_create, c_create_attr, EINVAL, "u=stride v=item_len s=cpus",
	   .u = BI_P(63) + BI_P(30), .v = 8, .s = "0-1");
	BI(rseq_mempool_create, c_create_attr, BI_EINVAL_NOMEM, "u=stride v=item_len s=cpus",
	   .u = BI_P(62), .v = 8, .s = "0-1");
	BI(rseq_mempool_create, c_create_attr, BI_OK_NOMEM, "u=stride v=item_len s=cpus j=policy",
	   .u = BI_P(40), .v = 8, .s = "0-255", .j = 1);
	/* max_nr_cpus: 0 .. RSEQ_MEMPOOL_MAX_NR_CPUS */
	for (size_t k = 0; k < ni; k++) {
		long long n = ints[k];
		int want = n < 0 || n > RSEQ_MEMPOOL_MAX_NR_CPUS ? EINVAL : BI_OK_NOMEM;

		BI(rseq_mempool_attr_set_percpu, c_create_attr, want,
		   "u=stride v=item_len i=max_nr_cpus j=policy", .u = page, .v = 8, .i = n, .j = 1);
	}
	BI(rseq_mempool_attr_set_percpu, c_create_attr, BI_OK_NOMEM,
	   "u=stride v=item_len i=max_nr_cpus", .u = page, .v = 8, .i = RSEQ_MEMPOOL_MAX_NR_CPUS);
	BI(rseq_mempool_attr_set_percpu, c_create_attr, EINVAL,
	   "u=stride v=item_len i=max_nr_cpus", .u = page, .v = 8,
	   .i = RSEQ_MEMPOOL_MAX_NR_CPUS + 1);
	/* CPU lists */
	for (size_t k = 0; k < sizeof(bad_lists) / sizeof(bad_lists[0]); k++) {
		BI(rseq_mempool_attr_set_cpu_list, c_setter, EINVAL, "i=setter s=cpu_list",
		   .i = 7, .s = bad_lists[k]);
		BI(rseq_mempool_attr_set_cpu_list, c_create_attr, EINVAL,
		   "u=stride v=item_len s=cpu_list", .u = page, .v = 8, .s = bad_lists[k]);
	}
	for (size_t k = 0; k < sizeof(good_lists) / sizeof(good_lists[0]); k++)
		BI(rseq_mempool_attr_set_cpu_list, c_create_attr, 0,
		   "u=stride v=item_len s=cpu_list", .u = page, .v = 8, .s = good_lists[k]);
	BI(rseq_mempool_attr_set_cpu_list, c_create_attr, BI_OK_NOMEM,
	   "u=stride v=item_len s=cpu_list j=policy", .u = page, .v = 8, .s = "1048575", .j = 1);
	BI(rseq_mempool_attr_set_cpu_list, c_create_attr, BI_OK_NOMEM,
	   "u=stride v=item_len s=cpu_list", .u = page, .v = 8, .s = "0,1048575");
	BI(rseq_mempool_attr_set_cpu_list, c_setter, 0, "i=setter s=cpu_list", .i = 7, .s = NULL,
	   .flags = BI_NULL_OK);
	/* CPUs listed at or above max_nr_cpus */
	BI(rseq_mempool_attr_set_cpu_list, c_create_attr, EINVAL,
	   "u=stride v=item_len i=max_nr_cpus s=cpu_list", .u = page, .v = 8, .i = 2, .s = "0-2");
	BI(rseq_mempool_attr_set_cpu_list, c_create_attr, 0,
	   "u=stride v=item_len i=max_nr_cpus s=cpu_list", .u = page, .v = 8, .i = 3, .s = "0-2");
	/* enum values */
	{
		static const long long en[] = { 0, 1, 2, -1, INT_MIN, INT_MAX };

		for (size_t k = 0; k < 6; k++) {
			BI(rseq_mempool_attr_set_populate_policy, c_setter, en[k] == 0 || en[k] == 1 ?
			   0 : EINVAL, "i=setter u=policy", .i = 6, .u = (uint64_t)en[k]);
			BI(rseq_mempool_attr_set_percpu_mode, c_setter, en[k] == 0 || en[k] == 1 ?
			   0 : EINVAL, "i=setter u=mode", .i = 8, .u = (uint64_t)en[k]);
		}
	}
	/* cache sizes, ranges, poison */
	{
		static const uint64_t cache[] = { 0, 1, RSEQ_MEMPOOL_CACHE_MAX,
						  RSEQ_MEMPOOL_CACHE_MAX + 1, UINT32_MAX };
		static const uint64_t vals[] = { 0, 1, 2, UINT32_MAX, UINT64_MAX };

		for (size_t k = 0; k < 5; k++) {
			BI(rseq_mempool_attr_set_cache, c_setter,
			   cache[k] <= RSEQ_MEMPOOL_CACHE_MAX ? 0 : EINVAL, "i=setter u=nr_items",
			   .i = 11, .u = cache[k]);
			if (vals[k] <= ULONG_MAX)
				BI(rseq_mempool_attr_set_max_nr_ranges, c_setter, 0,
				   "i=setter u=max_nr_ranges", .i = 4, .u = vals[k]);
			BI(rseq_mempool_attr_set_poison, c_setter, 0, "i=setter u=poison", .i = 5,
			   .u = (uintptr_t)vals[k]);
		}
	}
	BI(rseq_mempool_attr_set_init, c_setter, 0, "i=setter v=callback_fails", .i = 0);
	BI(rseq_mempool_attr_set_init, c_setter, 0, "i=setter v=callback_fails", .i = 0, .v = 1);
	BI(rseq_mempool_attr_set_robust, c_setter, 0, "i=setter", .i = 1);
	BI(rseq_mempool_attr_set_debug, c_setter, 0, "i=setter", .i = 9);
	BI(rseq_mempool_attr_set_report, c_setter, 0, "i=setter", .i = 10);
	/* every setter with a NULL attribute object */
	BI(rseq_mempool_attr_set_init, c_setter, EINVAL, "i=setter j=attr_null", .i = 0, .j = 1);
	BI(rseq_mempool_attr_set_robust, c_setter, EINVAL, "i=setter j=attr_null", .i = 1, .j = 1);
	BI(rseq_mempool_attr_set_percpu, c_setter, EINVAL, "i=setter j=attr_null", .i = 2, .j = 1);
	BI(rseq_mempool_attr_set_global, c_setter, EINVAL, "i=setter j=attr_null", .i = 3, .j = 1);
	BI(rseq_mempool_attr_set_max_nr_ranges, c_setter, EINVAL, "i=setter j=attr_null", .i = 4,
	   .j = 1);
	BI(rseq_mempool_attr_set_poison, c_setter, EINVAL, "i=setter j=attr_null", .i = 5, .j = 1);
	BI(rseq_mempool_attr_set_populate_policy, c_setter, EINVAL, "i=setter j=attr_null",
	   .i = 6, .j = 1);
	BI(rseq_mempool_attr_set_cpu_list, c_setter, EINVAL, "i=setter j=attr_null s=cpu_list",
	   .i = 7, .j = 1, .s = "0");
	BI(rseq_mempool_attr_set_percpu_mode, c_setter, EINVAL, "i=setter j=attr_null", .i = 8,
	   .j = 1);
	BI(rseq_mempool_attr_set_debug, c_setter, EINVAL, "i=setter j=attr_null", .i = 9, .j = 1);
	BI(rseq_mempool_attr_set_report, c_setter, EINVAL, "i=setter j=attr_null", .i = 10,
	   .j = 1);
	BI(rseq_mempool_attr_set_cache, c_setter, EINVAL, "i=setter j=attr_null", .i = 11, .j = 1);
	BI(rseq_mempool_attr_create, c_attr_create, 0, "");
	BI(rseq_mempool_attr_destroy, c_attr_create, 0, "j=attr_null", .j = 1, .flags = BI_NULL_OK);
	/* NULL pools */
	BI(rseq_mempool_percpu_malloc, c_null_pool, EINVAL, "i=call", .i = 0);
	BI(rseq_mempool_percpu_zmalloc, c_null_pool, EINVAL, "i=call", .i = 1);
	BI(rseq_mempool_percpu_malloc_init, c_null_pool, EINVAL, "i=call", .i = 2);
	BI(rseq_mempool_get_stats, c_null_pool, EINVAL, "i=call", .i = 3);
	BI(rseq_mempool_get_stats, c_null_pool, EINVAL, "i=call", .i = 12);
	BI(rseq_mempool_nr_cpus, c_null_pool, EINVAL, "i=call", .i = 4);
	BI(rseq_mempool_stride, c_null_pool, EINVAL, "i=call", .i = 5);
	BI(rseq_mempool_cpu_possible, c_null_pool, 0, "i=call", .i = 6);
	BI(rseq_mempool_percpu_mode, c_null_pool, 0, "i=call", .i = 7);
	BI(rseq_mempool_get_max_nr_cpus, c_null_pool, EINVAL, "i=call", .i = 8);
	BI(rseq_mempool_destroy, c_null_pool, 0, "i=call", .i = 9, .flags = BI_NULL_OK);
	BI(rseq_mempool_percpu_free_stride, c_null_pool, 0, "i=call", .i = 10,
	   .flags = BI_NULL_OK);
	BI(rseq_mempool_set_destroy, c_null_pool, 0, "i=call", .i = 11, .flags = BI_NULL_OK);
	/* queries of real pools, every CPU number */
	for (size_t k = 0; k < ni; k++)
		for (int g = 0; g < 2; g++)
			BI(rseq_mempool_cpu_possible, c_queries, 0, "i=cpu j=global", .i = ints[k], .j = g);
	for (int g = 0; g < 2; g++) {
		BI(rseq_mempool_get_max_nr_cpus, c_queries, 0, "j=global", .j = g);
		BI(rseq_mempool_percpu_mode, c_queries, 0, "j=global", .j = g);
		BI(rseq_mempool_get_stats, c_queries, 0, "j=global", .j = g);
		BI(rseq_mempool_nr_cpus, c_queries, 0, "j=global", .j = g);
		BI(rseq_mempool_stride, c_queries, 0, "j=global", .j = g);
		BI(rseq_mempool_percpu_malloc, c_queries, 0, "j=global", .j = g);
		BI(rseq_mempool_percpu_zmalloc, c_queries, 0, "j=global", .j = g);
		BI(rseq_mempool_destroy, c_queries, 0, "j=global", .j = g);
	}
	/* initial values: 0 .. item_len, then too long */
	for (size_t k = 0; k < bi_nr_sizes; k++) {
		BI(rseq_mempool_percpu_malloc_init, c_malloc_init, bi_sizes[k] <= 64 ? 0 : EINVAL,
		   "u=init_len", .u = bi_sizes[k]);
		BI(rseq_mempool_percpu_malloc_init, c_malloc_init, bi_sizes[k] ? EINVAL : 0,
		   "u=init_len j=init_null", .u = bi_sizes[k], .j = 1,
		   .flags = bi_sizes[k] ? 0 : BI_NULL_OK);
	}
	/* free: every stride with a real item (only the pool's works) */
	for (size_t k = 0; k < bi_nr_sizes; k++)
		BI(rseq_mempool_percpu_free_stride, c_free,
		   bi_sizes[k] == RSEQ_MEMPOOL_STRIDE ? 0 : EINVAL, "i=pointer u=stride", .i = 0,
		   .u = bi_sizes[k]);
	for (int k = 1; k <= 9; k++)
		BI(rseq_mempool_percpu_free_stride, c_free, EINVAL, "i=pointer u=stride", .i = k,
		   .u = RSEQ_MEMPOOL_STRIDE);
	/*
	 * NUMA: addr (a 1 MiB mapping), len, cpu, flags.  A length past the
	 * mapping: EFAULT; one that wraps around the address space: EINVAL.
	 */
	for (size_t k = 0; k < bi_nr_sizes; k++) {
		size_t len = bi_sizes[k];
		int want = (len & (page - 1)) ? EINVAL : len <= ((size_t)1 << 20) ? 0 :
			   len > SIZE_MAX / 2 ? BI_ANY : EFAULT;

		BI(rseq_mempool_range_init_numa, c_numa, want, "u=len i=cpu j=numa_flags", .u = len,
		   .i = 0, .j = 2);
	}
	for (size_t k = 0; k < ni; k++)
		BI(rseq_mempool_range_init_numa, c_numa, ints[k] < 0 ? EINVAL : ints[k] < bi_nr_cpus ?
		   0 : ENOSYS, "u=len i=cpu j=numa_flags", .u = page, .i = ints[k], .j = 2);
	BI(rseq_mempool_range_init_numa, c_numa, EINVAL, "u=len i=cpu j=numa_flags", .u = page,
	   .j = 0);
	BI(rseq_mempool_range_init_numa, c_numa, EINVAL, "u=len i=cpu j=numa_flags", .u = page,
	   .j = INT_MIN);
	BI(rseq_mempool_range_init_numa, c_numa, EINVAL, "u=len i=cpu j=numa_flags p=addr",
	   .u = page, .j = 2, .p = (const void *)1);
	BI(rseq_mempool_range_init_numa, c_numa, EINVAL, "u=len i=cpu j=numa_flags p=addr",
	   .u = page, .j = 2, .p = (const void *)2);
	/* pool sets */
	BI(rseq_mempool_set_create, c_set_add, 0, "i=add", .i = 2);
	BI(rseq_mempool_set_destroy, c_set_add, 0, "i=add", .i = 2);
	BI(rseq_mempool_set_add_pool, c_set_add, EINVAL, "i=add", .i = 0);
	BI(rseq_mempool_set_add_pool, c_set_add, EINVAL, "i=add", .i = 1);
	BI(rseq_mempool_set_add_pool, c_set_add, 0, "i=add", .i = 2);
	BI(rseq_mempool_set_add_pool, c_set_add, EBUSY, "i=add", .i = 3);
	BI(rseq_mempool_set_add_pool, c_set_add, EBUSY, "i=add", .i = 4);
	for (size_t k = 0; k < bi_nr_sizes; k++) {
		int want = bi_sizes[k] <= 4096 ? 0 : ENOMEM;

		BI(rseq_mempool_set_percpu_malloc, c_set_alloc, want, "i=call u=len", .i = 0,
		   .u = bi_sizes[k]);
		BI(rseq_mempool_set_percpu_zmalloc, c_set_alloc, want, "i=call u=len", .i = 1,
		   .u = bi_sizes[k]);
		BI(rseq_mempool_set_percpu_malloc_init, c_set_alloc, want, "i=call u=len", .i = 2,
		   .u = bi_sizes[k]);
	}
	BI(rseq_mempool_set_percpu_malloc_init, c_set_alloc, EINVAL, "i=call u=len p=init_null",
	   .i = 2, .u = 8, .p = (const void *)1);
	BI(rseq_mempool_set_percpu_malloc_init, c_set_alloc, 0, "i=call u=len p=init_null",
	   .i = 2, .u = 0, .p = (const void *)1, .flags = BI_NULL_OK);
	BI(rseq_mempool_set_percpu_malloc, c_set_alloc, EINVAL, "i=call u=len j=set_null", .i = 0,
	   .u = 8, .j = 1);
	BI(rseq_mempool_set_percpu_zmalloc, c_set_alloc, EINVAL, "i=call u=len j=set_null", .i = 1,
	   .u = 8, .j = 1);
	BI(rseq_mempool_set_percpu_malloc_init, c_set_alloc, EINVAL, "i=call u=len j=set_null",
	   .i = 2, .u = 8, .j = 1);
}
