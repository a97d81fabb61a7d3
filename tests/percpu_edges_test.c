/* SPDX-License-Identifier: MIT */
/*
 * percpu_edges_test - the per-CPU structures' out-of-line functions with
 * sizes, counts, capacities, batches and CPU numbers at and beyond their
 * limits (0, 1, the largest valid, the smallest invalid, SIZE_MAX,
 * SIZE_MAX - k, 2^58, 2^61, 2^62, 2^63, -1, INT_MIN), each case in a
 * child process with a time limit: a signal, a hang, a wrong errno, or
 * an object that then misbehaves (two allocations overlapping, a pushed
 * item not popping back) is a failure.  Valid C++.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "harness.h"
#include <rseqkit/percpu/percpu.h>

/* 2^s, or SIZE_MAX where size_t has no bit s (32-bit targets). */
#define BIG(s)	((unsigned)(s) < 8 * sizeof(size_t) ?				\
		 (size_t)1 << ((unsigned)(s) % (8 * sizeof(size_t))) : SIZE_MAX)
/* The documented limits: a cache object, a buffer's capacity that fits
 * the per-CPU item limit (2^40 and 2^24 on 64-bit; 2^20 on 32-bit). */
#define OBJ_LIMIT	BIG(sizeof(size_t) == 8 ? 40 : 20)
#define BUF_GOOD	BIG(sizeof(size_t) == 8 ? 24 : 20)

/* 0 passes; anything else is the failure's description. */
typedef const char *(*edge_fn)(size_t arg);

static const char *want_einval(void *obj)
{
	if (obj)
		return "accepted";
	return errno == EINVAL ? NULL : "wrong errno (EINVAL expected)";
}

/* ---- the object cache ---- */

static const char *cache_bad_size(size_t size)
{
	return want_einval(rseq_percpu_cache_create(size, NULL));
}

/* A size that must work: two objects never overlap, writes stick. */
static const char *cache_good_size(size_t size)
{
	struct rseq_percpu_cache *c = rseq_percpu_cache_create(size, NULL);
	unsigned char *a, *b;

	if (!c)
		return "refused";
	a = (unsigned char *)rseq_percpu_cache_alloc(c);
	b = (unsigned char *)rseq_percpu_cache_alloc(c);
	if (!a || !b)
		return errno == ENOMEM ? NULL : "alloc failed without ENOMEM";
	if (a == b || (a < b && a + size > b) || (b < a && b + size > a))
		return "two objects overlap";
	memset(a, 0xa5, size);
	memset(b, 0x5a, size);
	if (a[size - 1] != 0xa5 || b[0] != 0x5a)
		return "objects overwrite each other";
	rseq_percpu_cache_free(c, a);
	rseq_percpu_cache_free(c, b);
	rseq_percpu_cache_free(c, NULL);
	rseq_percpu_cache_destroy(c);
	return NULL;
}

static const char *cache_bad_capacity(size_t cap)
{
	struct rseq_percpu_cache_attr *a = rseq_percpu_cache_attr_create();

	if (!rseq_percpu_cache_attr_set_capacity(a, cap))
		return "set_capacity accepted";
	return errno == EINVAL ? NULL : "wrong errno";
}

static const char *cache_bad_batch(size_t batch)
{
	struct rseq_percpu_cache_attr *a = rseq_percpu_cache_attr_create();

	if (batch <= 512) {	/* valid alone, larger than the capacity */
		rseq_percpu_cache_attr_set_capacity(a, 1);
		if (rseq_percpu_cache_attr_set_batch(a, batch))
			return "set_batch refused";
		return want_einval(rseq_percpu_cache_create(64, a));
	}
	if (!rseq_percpu_cache_attr_set_batch(a, batch))
		return "set_batch accepted";
	return errno == EINVAL ? NULL : "wrong errno";
}

/* NULL freed many times, then allocations: never NULL with errno 0. */
static const char *cache_free_null(size_t n)
{
	struct rseq_percpu_cache *c = rseq_percpu_cache_create(32, NULL);
	struct rseq_percpu_cache_stats st;

	for (size_t i = 0; i < n; i++)
		rseq_percpu_cache_free(c, NULL);
	for (size_t i = 0; i < n; i++)
		if (!rseq_percpu_cache_alloc(c))
			return "an allocation returned NULL";
	if (rseq_percpu_cache_drain_all(c) < 0 || rseq_percpu_cache_get_stats(c, &st))
		return "drain or stats failed";
	return st.total == st.depot + st.cached + n ? NULL : "the accounting is off";
}

/* ---- the FIFO and the buffer ---- */

static const char *fifo_bad_capacity(size_t cap)
{
	return want_einval(rseq_percpu_fifo_create(8, cap, NULL));
}

static const char *fifo_bad_record(size_t rec)
{
	return want_einval(rseq_percpu_fifo_create(rec, 8, NULL));
}

/* Record sizes that must work: what goes in comes out. */
static const char *fifo_good_record(size_t rec)
{
	struct rseq_percpu_fifo *f = rseq_percpu_fifo_create(rec, 2, NULL);
	unsigned char *in = (unsigned char *)malloc(rec), *out = (unsigned char *)malloc(rec);
	const char *why = NULL;

	if (!f)
		return "refused";
	for (size_t i = 0; i < rec; i++)
		in[i] = (unsigned char)(i * 7);
	if (rseq_percpu_fifo_push(f, in) < 0)
		why = "push failed";
	else if (rseq_percpu_fifo_pop(f, out) &&
		 rseq_percpu_fifo_pop_cpu(f, 0, out) && rseq_percpu_fifo_pop_cpu(f, 1, out))
		why = "the record did not pop back";
	else if (memcmp(in, out, rec))
		why = "the record changed";
	rseq_percpu_fifo_destroy(f);
	free(in);
	free(out);
	return why;
}

static const char *buffer_bad_capacity(size_t cap)
{
	return want_einval(rseq_percpu_buffer_create(cap, NULL));
}

static const char *buffer_good_capacity(size_t cap)
{
	struct rseq_percpu_buffer *b = rseq_percpu_buffer_create(cap, NULL);
	int x;

	if (!b)
		return "refused";
	if (rseq_percpu_buffer_push(b, &x) < 0 || rseq_percpu_buffer_pop(b) != &x)
		return "a pushed pointer did not pop back";
	rseq_percpu_buffer_destroy(b);
	return NULL;
}

static const char *buffer_bad_count(size_t n)
{
	struct rseq_percpu_buffer *b = rseq_percpu_buffer_create(4, NULL);
	void *out[4];

	if (rseq_percpu_buffer_pop_many(b, out, n) != -1 || errno != EINVAL)
		return "pop_many accepted the count";
	if (rseq_percpu_buffer_push_many(b, out, n) != -1 || errno != EINVAL)
		return "push_many accepted the count";
	if (rseq_percpu_buffer_drain_cpu(b, 0, out, n) != -1 || errno != EINVAL)
		return "drain_cpu accepted the count";
	return NULL;
}

/* ---- CPU numbers of every remote operation ---- */

static const char *bad_cpu(size_t which)
{
	static const int cpus[] = { -1, INT_MIN, INT_MAX, -2 };
	int cpu = cpus[which % 4];
	struct rseq_percpu_counter *ctr = rseq_percpu_counter_create(NULL);
	struct rseq_percpu_lock *l = rseq_percpu_lock_create(NULL);
	struct rseq_percpu_stack *s = rseq_percpu_stack_create(NULL);
	struct rseq_percpu_buffer *b = rseq_percpu_buffer_create(4, NULL);
	struct rseq_percpu_fifo *f = rseq_percpu_fifo_create(8, 4, NULL);
	struct rseq_percpu_cache *c = rseq_percpu_cache_create(8, NULL);
	void *out[4];
	char rec[8];
	intptr_t t;

	if (which >= 4)
		cpu = rseq_percpu_counter_nr_cpus(ctr);	/* the first past the end */
	if (rseq_percpu_counter_read_reset(ctr, cpu, &t) != -1 || errno != EINVAL)
		return "counter_read_reset";
	if (rseq_percpu_lock_cpu(l, cpu) != -1 || errno != EINVAL)
		return "lock_cpu";
	if (rseq_percpu_stack_pop_all_cpu(s, cpu) || errno != EINVAL)
		return "stack_pop_all_cpu";
	if (rseq_percpu_buffer_drain_cpu(b, cpu, out, 4) != -1 || errno != EINVAL)
		return "buffer_drain_cpu";
	if (rseq_percpu_fifo_pop_cpu(f, cpu, rec) != -1 || errno != EINVAL)
		return "fifo_pop_cpu";
	if (rseq_percpu_cache_drain_cpu(c, cpu) != -1 || errno != EINVAL)
		return "cache_drain_cpu";
	return NULL;
}

static const char *null_objects(size_t unused)
{
	(void)unused;
	if (rseq_percpu_counter_nr_cpus(NULL) != -1 || rseq_percpu_lock_nr_cpus(NULL) != -1 ||
	    rseq_percpu_stack_nr_cpus(NULL) != -1 || rseq_percpu_buffer_nr_cpus(NULL) != -1 ||
	    rseq_percpu_fifo_nr_cpus(NULL) != -1 || rseq_percpu_buffer_capacity(NULL) ||
	    rseq_percpu_fifo_capacity(NULL) || rseq_percpu_fifo_record_size(NULL) ||
	    rseq_percpu_cache_get_stats(NULL, NULL) != -1)
		return "an accessor accepted NULL";
	rseq_percpu_counter_destroy(NULL);
	rseq_percpu_lock_destroy(NULL);
	rseq_percpu_stack_destroy(NULL);
	rseq_percpu_buffer_destroy(NULL);
	rseq_percpu_fifo_destroy(NULL);
	rseq_percpu_cache_destroy(NULL);
	rseq_percpu_cache_attr_destroy(NULL);
	return errno == EINVAL ? NULL : "wrong errno";
}

struct edge {
	const char *name;
	edge_fn fn;
	size_t arg;
	int slow;	/* reads hundreds of MiB: not under valgrind */
};

static const struct edge edges[] = {
	{ "cache_create(0)", cache_bad_size, 0, 0 },
	{ "cache_create(SIZE_MAX)", cache_bad_size, SIZE_MAX, 0 },
	{ "cache_create(SIZE_MAX - 15)", cache_bad_size, SIZE_MAX - 15, 0 },
	{ "cache_create(2^58)", cache_bad_size, BIG(58), 0 },
	{ "cache_create(2^62)", cache_bad_size, BIG(62), 0 },
	{ "cache_create(2^63)", cache_bad_size, BIG(63), 0 },
	{ "cache_create(limit + 1)", cache_bad_size, OBJ_LIMIT + 1, 0 },
	{ "cache_create(1)", cache_good_size, 1, 0 },
	{ "cache_create(17)", cache_good_size, 17, 0 },
	{ "cache_create(1 MiB)", cache_good_size, BIG(20), 0 },
	{ "cache_create(limit: 2^40, 2^20 on 32-bit)", cache_good_size, OBJ_LIMIT, 0 },
	{ "cache capacity 2^24 + 1", cache_bad_capacity, BIG(24) + 1, 0 },
	{ "cache capacity SIZE_MAX", cache_bad_capacity, SIZE_MAX, 0 },
	{ "cache batch 513", cache_bad_batch, 513, 0 },
	{ "cache batch SIZE_MAX", cache_bad_batch, SIZE_MAX, 0 },
	{ "cache batch > capacity", cache_bad_batch, 2, 0 },
	{ "cache_free(c, NULL) x 1000", cache_free_null, 1000, 0 },
	{ "fifo_create(8, 0)", fifo_bad_capacity, 0, 0 },
	{ "fifo_create(8, SIZE_MAX)", fifo_bad_capacity, SIZE_MAX, 0 },
	{ "fifo_create(8, SIZE_MAX - 1)", fifo_bad_capacity, SIZE_MAX - 1, 0 },
	{ "fifo_create(8, 2^61)", fifo_bad_capacity, BIG(61), 0 },
	{ "fifo_create(8, max + 1)", fifo_bad_capacity, RSEQ_PERCPU_FIFO_MAX_CAPACITY + 1, 0 },
	{ "fifo_create(0, 8)", fifo_bad_record, 0, 0 },
	{ "fifo_create(2^61, 8)", fifo_bad_record, BIG(61), 0 },
	{ "fifo_create(SIZE_MAX, 8)", fifo_bad_record, SIZE_MAX, 0 },
	{ "fifo_create(1 MiB + 1, 8)", fifo_bad_record, BIG(20) + 1, 0 },
	{ "fifo record 1 byte", fifo_good_record, 1, 0 },
	{ "fifo record 13 bytes", fifo_good_record, 13, 0 },
	{ "fifo record 1 MiB", fifo_good_record, BIG(20), 0 },
	{ "buffer_create(0)", buffer_bad_capacity, 0, 0 },
	{ "buffer_create(2^24 + 1)", buffer_bad_capacity, BIG(24) + 1, 0 },
	{ "buffer_create(SIZE_MAX)", buffer_bad_capacity, SIZE_MAX, 0 },
	{ "buffer_create(1)", buffer_good_capacity, 1, 0 },
	{ "buffer_create(2^24; 2^20 on 32-bit)", buffer_good_capacity, BUF_GOOD, 1 },
	{ "buffer counts SIZE_MAX", buffer_bad_count, SIZE_MAX, 0 },
	{ "buffer counts SSIZE_MAX + 1", buffer_bad_count, (size_t)SSIZE_MAX + 1, 0 },
	{ "remote operations, CPU -1", bad_cpu, 0, 0 },
	{ "remote operations, CPU INT_MIN", bad_cpu, 1, 0 },
	{ "remote operations, CPU INT_MAX", bad_cpu, 2, 0 },
	{ "remote operations, CPU -2", bad_cpu, 3, 0 },
	{ "remote operations, CPU nr_cpus", bad_cpu, 4, 0 },
	{ "NULL objects", null_objects, 0, 0 },
};

/*
 * Under valgrind a child per case costs a valgrind start-up each (20 s in
 * all): there the cases run in this process, one after the other.
 */
static void run_in_process(int n)
{
	for (int i = 0; i < n; i++) {
		const char *why = edges[i].slow ? NULL : edges[i].fn(edges[i].arg);

		CHECK_MSG(!why, "%s: %s", edges[i].name, why ? why : "");
	}
}

int main(void)
{
	int n = (int)(sizeof(edges) / sizeof(edges[0]));

	(void)rseq_register_current_thread();
	if (!strcmp(test_mode(), "valgrind")) {
		run_in_process(n);
		printf("%d edge cases, in one process\n", n);
		return test_done();
	}
	for (int i = 0; i < n; i++) {
		int p[2], st;
		char why[200] = "";
		pid_t pid;
		ssize_t got;

		if (pipe(p))
			return 1;
		pid = fork();
		if (pid == 0) {
			const char *r;

			alarm(20);	/* a hang is a failure */
			r = edges[i].fn(edges[i].arg);
			if (r && write(p[1], r, strlen(r)) < 0)
				_exit(2);
			_exit(r ? 1 : 0);
		}
		close(p[1]);
		got = read(p[0], why, sizeof(why) - 1);
		close(p[0]);
		if (got > 0)
			why[got] = '\0';
		waitpid(pid, &st, 0);
		if (WIFSIGNALED(st))
			snprintf(why, sizeof(why), "killed by signal %d (%s)", WTERMSIG(st),
				 WTERMSIG(st) == SIGALRM ? "a hang" : strsignal(WTERMSIG(st)));
		CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: %s", edges[i].name, why);
	}
	printf("%d edge cases\n", n);
	return test_done();
}
