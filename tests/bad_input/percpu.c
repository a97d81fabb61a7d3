/* SPDX-License-Identifier: MIT */
/*
 * tests/bad_input/percpu.c - the per-CPU structures (the rseqkit/percpu/ headers):
 * capacities, record and object sizes, batches, counts of the bulk
 * operations, CPU numbers of every remote operation, pools that do not
 * fit, NULL objects, elements and arrays; every structure created in each
 * mode (rseq, atomic, rseq denied, rseqkit's registration) must then do
 * its job: adds that add up, locks that exclude, pushed items that pop
 * back (in order, for the FIFO), objects that do not overlap.
 *
 * The checks pin the thread to one CPU, so that what it pushes is on the
 * slot it pops from.  The slow paths are called directly with real
 * objects (their object argument is the inline caller's, which has
 * dereferenced it already: NULL there is not a documented input).
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include "bi.h"
#include <rseqkit/percpu/percpu.h>
#include <rseqkit/pool.h>

#define MODES	4
static const unsigned int modes[MODES] = { 0, BI_NOMB, BI_NORSEQ, BI_OWN };

static int pin(int cpu)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof(one), &one);
}

/* A pool for the structures (i: 0 none, 1 items too small, 2 global,
 * 3 CPU 0 only, 4 indexed by mm_cid). */
static struct rseq_mempool *pool_of(int kind, size_t item_len)
{
	struct rseq_mempool_attr *a;
	struct rseq_mempool *p;

	if (!kind)
		return NULL;
	a = rseq_mempool_attr_create();
	if (kind == 2)
		rseq_mempool_attr_set_global(a, 0);
	if (kind == 3)
		rseq_mempool_attr_set_cpu_list(a, "0");
	if (kind == 4)
		rseq_mempool_attr_set_percpu_mode(a, RSEQ_PERCPU_MM_CID);
	p = rseq_mempool_create("bi", kind == 1 ? 8 : item_len, a);
	rseq_mempool_attr_destroy(a);
	return p;
}

/* ---- what each structure must do ---- */

static void *adder(void *arg)
{
	struct rseq_percpu_counter *c = (struct rseq_percpu_counter *)arg;

	rseq_percpu_thread_without_rseq(true);	/* the atomic path too */
	for (int k = 0; k < 1000; k++)
		rseq_percpu_counter_inc(c);
	rseq_percpu_thread_without_rseq(false);
	for (int k = 0; k < 1000; k++)
		rseq_percpu_counter_add(c, 2);
	return NULL;
}

static const char *counter_works(struct rseq_percpu_counter *c)
{
	int nr = rseq_percpu_counter_nr_cpus(c);
	intptr_t taken = 0, t;
	pthread_t th;

	if (nr < 1)
		return bi_fail_errno("nr_cpus");
	for (int k = 0; k < 1000; k++)
		rseq_percpu_counter_add(c, 3);
	if (pthread_create(&th, NULL, adder, c) || pthread_join(th, NULL))
		return "pthread_create failed";
	if (rseq_percpu_counter_sum(c) != 6000)
		return bi_fail("sum %ld, want 6000", (long)rseq_percpu_counter_sum(c));
	for (int cpu = 0; cpu < nr; cpu++) {
		if (rseq_percpu_counter_read_reset(c, cpu, &t))
			return bi_fail_errno("read_reset of a valid CPU");
		taken += t;
	}
	if (taken != 6000 || rseq_percpu_counter_sum(c) != 0 || rseq_percpu_counter_reset(c))
		return bi_fail("the resets took %ld of 6000", (long)taken);
	return NULL;
}

static const char *lock_works(struct rseq_percpu_lock *l)
{
	int nr = rseq_percpu_lock_nr_cpus(l), cpu;

	if (nr < 1)
		return bi_fail_errno("nr_cpus");
	for (int k = 0; k < nr && k < 64; k++) {
		if (rseq_percpu_lock_cpu(l, k) != k)
			return bi_fail_errno("lock_cpu of a free lock");
		if (rseq_percpu_lock_cpu(l, k) != -1 || errno != EDEADLK)
			return "taking a lock this thread holds did not fail with EDEADLK";
		rseq_percpu_unlock(l, k);
	}
	cpu = rseq_percpu_lock(l);
	if (cpu < 0 || cpu >= nr)
		return bi_fail_errno("rseq_percpu_lock");
	if (rseq_percpu_lock_cpu(l, cpu) != -1 || errno != EDEADLK)
		return "the lock rseq_percpu_lock() took is not held";
	rseq_percpu_unlock(l, cpu);
	return NULL;
}

struct tnode {
	struct rseq_percpu_node link;
	int id;
};

/* Pushed nodes pop back, each once; then the stack is empty (EAGAIN). */
static const char *stack_works(struct rseq_percpu_stack *s)
{
	struct tnode n[5];
	int seen[5] = { 0 }, nr = rseq_percpu_stack_nr_cpus(s);
	struct rseq_percpu_node *l;

	if (nr < 1)
		return bi_fail_errno("nr_cpus");
	for (int k = 0; k < 5; k++) {
		n[k].id = k;
		if (rseq_percpu_stack_push(s, &n[k].link) < 0)
			return bi_fail_errno("push");
	}
	for (int k = 0; k < 2; k++) {
		struct tnode *t = (struct tnode *)rseq_percpu_stack_pop(s);

		if (!t || t < n || t > n + 4)
			return bi_fail_errno("pop of a pushed node");
		seen[t->id]++;
	}
	for (int cpu = -1; cpu < nr; cpu++) {
		l = cpu < 0 ? rseq_percpu_stack_pop_all(s) : rseq_percpu_stack_pop_all_cpu(s, cpu);
		if (!l && errno != EAGAIN)
			return bi_fail_errno("pop_all");
		for (; l; l = l->next)
			seen[((struct tnode *)l)->id]++;
	}
	for (int k = 0; k < 5; k++)
		if (seen[k] != 1)
			return bi_fail("node %d popped %d times", k, seen[k]);
	if (rseq_percpu_stack_pop(s) || errno != EAGAIN)
		return "an empty stack did not say EAGAIN";
	return NULL;
}

/* Pointers pushed on this CPU pop back in LIFO order; full: ENOSPC. */
static const char *buffer_works(struct rseq_percpu_buffer *b, size_t cap)
{
	size_t n = cap < 100 ? cap : 100;
	char items[100];
	void *out[101];
	ssize_t got;

	if (rseq_percpu_buffer_capacity(b) != cap || rseq_percpu_buffer_nr_cpus(b) < 1)
		return bi_fail("capacity %zu, want %zu", rseq_percpu_buffer_capacity(b), cap);
	for (size_t k = 0; k < n; k++)
		if (rseq_percpu_buffer_push(b, &items[k]) < 0)
			return bi_fail_errno("push below the capacity");
	if (n == cap && (rseq_percpu_buffer_push(b, &items[0]) != -1 || errno != ENOSPC))
		return "a push to a full buffer did not fail with ENOSPC";
	for (size_t k = n; k-- > 0;)
		if (rseq_percpu_buffer_pop(b) != &items[k])
			return bi_fail("pop %zu is not the pointer pushed", k);
	if (rseq_percpu_buffer_pop(b) || errno != EAGAIN)
		return "an empty buffer did not say EAGAIN";
	/* The bulk operations, and a remote drain, the same way. */
	for (size_t k = 0; k < n; k++)
		out[k] = &items[k];
	if (rseq_percpu_buffer_push_many(b, out, n) != (ssize_t)n)
		return bi_fail_errno("push_many below the capacity");
	got = rseq_percpu_buffer_pop_many(b, out, n > 1 ? n / 2 : 1);
	if (got != (n > 1 ? (ssize_t)(n / 2) : 1) || out[0] != &items[n - 1])
		return bi_fail_errno("pop_many");
	for (int cpu = 0; cpu < rseq_percpu_buffer_nr_cpus(b); cpu++) {
		ssize_t k = rseq_percpu_buffer_drain_cpu(b, cpu, out, 101);

		if (k < 0)
			return bi_fail_errno("drain_cpu");
		got += k;
	}
	return got == (ssize_t)n ? NULL : bi_fail("%zd of %zu pointers came back", got, n);
}

/* Records pushed on this CPU pop back in order, byte for byte. */
static const char *fifo_works(struct rseq_percpu_fifo *f, size_t rec, size_t cap)
{
	size_t n = cap < 64 ? cap : 64, pcap = 1;
	unsigned char *in = (unsigned char *)malloc(rec), *out = (unsigned char *)malloc(rec);
	const char *why = NULL;

	while (pcap < cap)
		pcap <<= 1;
	if (!in || !out)
		return "malloc";
	if (rseq_percpu_fifo_capacity(f) != pcap || rseq_percpu_fifo_record_size(f) != rec ||
	    rseq_percpu_fifo_nr_cpus(f) < 1)
		why = bi_fail("capacity %zu (want %zu), record size %zu (want %zu)",
			      rseq_percpu_fifo_capacity(f), pcap, rseq_percpu_fifo_record_size(f), rec);
	for (size_t k = 0; !why && k < n; k++) {
		memset(in, (int)k + 1, rec);
		in[rec - 1] = (unsigned char)(k * 7);
		if (rseq_percpu_fifo_push(f, in) < 0)
			why = bi_fail_errno("push below the capacity");
	}
	if (!why && n == pcap && (rseq_percpu_fifo_push(f, in) != -1 || errno != ENOSPC))
		why = "a push to a full FIFO did not fail with ENOSPC";
	for (size_t k = 0; !why && k < n; k++) {
		int r = k & 1 ? rseq_percpu_fifo_pop(f, out) : rseq_percpu_fifo_pop_cpu(f, 0, out);

		if (r)
			why = bi_fail_errno("pop of a pushed record");
		else if (out[0] != (rec == 1 ? (unsigned char)(k * 7) : (unsigned char)(k + 1)) ||
			 out[rec - 1] != (unsigned char)(k * 7))	/* (one byte: the last) */
			why = bi_fail("record %zu came back changed or out of order", k);
	}
	if (!why && (rseq_percpu_fifo_pop(f, out) != -1 || errno != EAGAIN))
		why = "an empty FIFO did not say EAGAIN";
	free(in);
	free(out);
	return why;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * n objects of obj bytes: 16-byte aligned, none overlapping another,
 * their first and last bytes kept; all freed, then every one is in the
 * depot after a drain.  NULL frees in between change nothing.
 */
static const char *cache_works(struct rseq_percpu_cache *c, size_t obj, size_t n)
{
	void **objs = (void **)calloc(n, sizeof(void *));
	struct rseq_percpu_cache_stats st;
	size_t edge = obj < 64 ? obj : 64;
	const char *why = NULL;

	if (!objs)
		return "calloc";
	for (size_t k = 0; k < n && !why; k++) {
		objs[k] = rseq_percpu_cache_alloc(c);
		if (!objs[k]) {
			why = errno == ENOMEM && k == 0 ? NULL : bi_fail_errno("alloc");
			n = k;
			break;
		}
		rseq_percpu_cache_free(c, NULL);	/* nothing */
		if ((uintptr_t)objs[k] & 15)
			why = "an object is not 16-byte aligned";
		memset(objs[k], (int)(k & 0xff), edge);
		memset((char *)objs[k] + obj - edge, (int)(k & 0xff), edge);
	}
	qsort(objs, n, sizeof(void *), cmp_ptr);
	for (size_t k = 0; k + 1 < n && !why; k++)
		if ((uintptr_t)objs[k + 1] - (uintptr_t)objs[k] < obj)
			why = bi_fail("objects %p and %p overlap (%zu bytes)", objs[k], objs[k + 1],
				      obj);
	for (size_t k = 0; k < n; k++) {
		unsigned char *o = (unsigned char *)objs[k];

		if (!why && (o[0] != o[obj - 1] || o[edge - 1] != o[0]))
			why = bi_fail("object %p was written by another's owner", objs[k]);
		rseq_percpu_cache_free(c, objs[k]);
	}
	free(objs);
	if (why)
		return why;
	if (rseq_percpu_cache_get_stats(c, &st) || st.total != st.depot + st.cached ||
	    st.obj_size < obj || st.nr_cpus < 1)
		return bi_fail("stats: total %zu, depot %zu, cached %zu, obj_size %zu", st.total,
			       st.depot, st.cached, st.obj_size);
	if (rseq_percpu_cache_drain_all(c) < 0 && errno != EAGAIN)
		return bi_fail_errno("drain_all");
	if (rseq_percpu_cache_get_stats(c, &st) || st.cached || st.depot != st.total)
		return bi_fail("after drain_all: total %zu, depot %zu, cached %zu", st.total,
			       st.depot, st.cached);
	return NULL;
}

/* ---- creation in every mode, over every kind of pool ---- */

/* Structure c->i (0 counter .. 5 cache) over pool kind c->j. */
static const char *c_create(const struct bi_case *c)
{
	struct rseq_mempool *p;
	const char *why;
	size_t slot = c->i == 3 ? 16 * sizeof(void *) + 32 : c->i == 4 ? 256 : 64;

	if (pin(0))
		return "cannot pin to CPU 0";
	p = pool_of((int)c->j, c->i == 5 ? 4096 : slot);
	if (c->j && !p)
		return bi_fail_errno("the pool");
	switch (c->i) {
	case 0: {
		struct rseq_percpu_counter *x = rseq_percpu_counter_create(p);

		if ((why = bi_ptr(c, x)) || !x)
			break;
		why = counter_works(x);
		rseq_percpu_counter_destroy(x);
		break;
	}
	case 1: {
		struct rseq_percpu_lock *x = rseq_percpu_lock_create(p);

		if ((why = bi_ptr(c, x)) || !x)
			break;
		why = lock_works(x);
		rseq_percpu_lock_destroy(x);
		break;
	}
	case 2: {
		struct rseq_percpu_stack *x = rseq_percpu_stack_create(p);

		if ((why = bi_ptr(c, x)) || !x)
			break;
		why = stack_works(x);
		rseq_percpu_stack_destroy(x);
		break;
	}
	case 3: {
		struct rseq_percpu_buffer *x = rseq_percpu_buffer_create(16, p);

		if ((why = bi_ptr(c, x)) || !x)
			break;
		why = buffer_works(x, 16);
		rseq_percpu_buffer_destroy(x);
		break;
	}
	case 4: {
		struct rseq_percpu_fifo *x = rseq_percpu_fifo_create(24, 8, p);

		if ((why = bi_ptr(c, x)) || !x)
			break;
		why = fifo_works(x, 24, 8);
		rseq_percpu_fifo_destroy(x);
		break;
	}
	default: {
		struct rseq_percpu_cache_attr *a = rseq_percpu_cache_attr_create();
		struct rseq_percpu_cache *x;

		rseq_percpu_cache_attr_set_pool(a, p);
		x = rseq_percpu_cache_create(48, a);
		rseq_percpu_cache_attr_destroy(a);
		if ((why = bi_ptr(c, x)) || !x)
			break;
		why = cache_works(x, 48, 1000);
		rseq_percpu_cache_destroy(x);
	}
	}
	if (p && rseq_mempool_destroy(p) && !why)
		why = bi_fail_errno("the pool could not be destroyed after the structure");
	return why;
}

/* destroy(NULL) of each structure and attribute object: a no-op. */
static const char *c_destroy_null(const struct bi_case *c)
{
	(void)c;
	rseq_percpu_counter_destroy(NULL);
	rseq_percpu_lock_destroy(NULL);
	rseq_percpu_stack_destroy(NULL);
	rseq_percpu_buffer_destroy(NULL);
	rseq_percpu_fifo_destroy(NULL);
	rseq_percpu_cache_destroy(NULL);
	rseq_percpu_cache_attr_destroy(NULL);
	return NULL;
}

/* ---- the mode, and threads without rseq ---- */

static const char *c_init(const struct bi_case *c)
{
	int ok = rseq_percpu_init();

	if (ok != rseq_percpu_init() || ok != rseq_percpu_rseq_ok || (ok != 0 && ok != 1))
		return bi_fail("rseq_percpu_init() %d, then %d, rseq_percpu_rseq_ok %d", ok,
			       rseq_percpu_init(), rseq_percpu_rseq_ok);
	if ((c->flags & (BI_NOMB | BI_NORSEQ)) && ok)
		return "rseq mode without rseq or with RSEQKIT_PERCPU_NO_MEMBARRIER=1";
	if (!(c->flags & (BI_NOMB | BI_NORSEQ)) && !ok)
		return "atomic mode although rseq and membarrier work here";
	return NULL;
}

/*
 * rseq_percpu_thread_without_rseq(): the sequence of c->u's bits (1: on)
 * over c->i calls; the TLS flag follows the last; a counter adds exactly
 * in between and after.
 */
static const char *c_without(const struct bi_case *c)
{
	struct rseq_percpu_counter *ctr = rseq_percpu_counter_create(NULL);
	bool on = false;

	if (!ctr)
		return bi_fail_errno("counter_create");
	if (rseq_percpu_thread_off)
		return "rseq_percpu_thread_off is set in a new process";
	for (long long k = 0; k < c->i; k++) {
		on = (c->u >> k) & 1;
		if (rseq_percpu_thread_without_rseq(on))
			return bi_fail_errno("rseq_percpu_thread_without_rseq");
		if (rseq_percpu_thread_off != (int)on)
			return bi_fail("rseq_percpu_thread_off is %d after (%d)", rseq_percpu_thread_off,
				       on);
		rseq_percpu_counter_add(ctr, 1);
	}
	rseq_percpu_counter_add(ctr, 1);
	if (rseq_percpu_counter_sum(ctr) != c->i + 1)
		return "the counter lost adds across the switches";
	if (rseq_percpu_counter_reset(ctr) != c->i + 1)	/* counter_works() starts from 0 */
		return "counter_reset did not take every add";
	return counter_works(ctr);
}

static const char *c_stack_end(const struct bi_case *c)
{
	(void)c;
	return rseq_percpu_stack_end.next == &rseq_percpu_stack_end ? NULL :
		"rseq_percpu_stack_end does not point to itself";
}

/* ---- counter ---- */

/* add_slow(c, v = i) twice, and the sum wraps as intptr_t arithmetic. */
static const char *c_counter_add(const struct bi_case *c)
{
	struct rseq_percpu_counter *ctr = rseq_percpu_counter_create(NULL);
	intptr_t v = (intptr_t)c->i;

	if (!ctr)
		return bi_fail_errno("create");
	rseq_percpu_counter_add_slow(ctr, v);
	rseq_percpu_counter_add(ctr, v);
	if (rseq_percpu_counter_sum(ctr) != (intptr_t)((uintptr_t)v * 2))
		return bi_fail("sum %ld after adding %ld twice", (long)rseq_percpu_counter_sum(ctr),
			       (long)v);
	if (rseq_percpu_counter_reset(ctr) != (intptr_t)((uintptr_t)v * 2) ||
	    rseq_percpu_counter_sum(ctr))
		return "reset did not take the total";
	rseq_percpu_counter_destroy(ctr);
	return NULL;
}

/*
 * The remote and query functions of every structure with CPU c->i (or
 * a NULL object: j 1; a NULL result pointer or array: j 2).
 * c->u selects the function.
 */
enum { R_READ_RESET, R_LOCK_CPU, R_POP_ALL_CPU, R_DRAIN_CPU, R_FIFO_POP_CPU, R_CACHE_DRAIN,
       R_NR };

static const char *c_remote(const struct bi_case *c)
{
	int cpu = (int)c->i, nr = bi_nr_cpus, r = 0;
	bool null_obj = c->j == 1, null_arg = c->j == 2;
	struct rseq_percpu_counter *ctr = null_obj ? NULL : rseq_percpu_counter_create(NULL);
	struct rseq_percpu_lock *l = null_obj ? NULL : rseq_percpu_lock_create(NULL);
	struct rseq_percpu_stack *s = null_obj ? NULL : rseq_percpu_stack_create(NULL);
	struct rseq_percpu_buffer *b = null_obj ? NULL : rseq_percpu_buffer_create(4, NULL);
	struct rseq_percpu_fifo *f = null_obj ? NULL : rseq_percpu_fifo_create(8, 4, NULL);
	struct rseq_percpu_cache *cache = null_obj ? NULL : rseq_percpu_cache_create(8, NULL);
	void *out[4];
	char rec[8];
	intptr_t t;
	const char *why = NULL;

	if (!null_obj && (!ctr || !l || !s || !b || !f || !cache))
		return bi_fail_errno("create");
	if (!null_obj && rseq_percpu_counter_nr_cpus(ctr) != nr)
		return bi_fail("the counter has %d slots, the machine %d CPUs",
			       rseq_percpu_counter_nr_cpus(ctr), nr);
	switch (c->u) {
	case R_READ_RESET:
		r = rseq_percpu_counter_read_reset(ctr, cpu, null_arg ? NULL : &t);
		why = bi_int(c, r);
		if (!why && !r && t != 0)
			why = "read_reset of an untouched slot took something";
		break;
	case R_LOCK_CPU:
		r = rseq_percpu_lock_cpu(l, cpu);
		why = bi_int(c, r);
		if (!why && r >= 0) {
			if (r != cpu)
				why = bi_fail("lock_cpu returned %d", r);
			else if (rseq_percpu_lock_cpu(l, cpu) != -1 || errno != EDEADLK)
				why = "the lock is not held by this thread";
			rseq_percpu_unlock(l, cpu);
		}
		break;
	case R_POP_ALL_CPU:
		/* empty: NULL with EAGAIN, for a valid CPU */
		r = rseq_percpu_stack_pop_all_cpu(s, cpu) ? 0 : errno == EAGAIN ? 0 : -1;
		why = bi_int(c, r);
		break;
	case R_DRAIN_CPU:
		r = (int)rseq_percpu_buffer_drain_cpu(b, cpu, null_arg ? NULL : out, 4);
		why = bi_int(c, r);
		if (!why && r > 0)
			why = "drained pointers from an empty buffer";
		break;
	case R_FIFO_POP_CPU:
		r = rseq_percpu_fifo_pop_cpu(f, cpu, null_arg ? NULL : rec);
		if (r == -1 && errno == EAGAIN)
			r = 0;	/* empty, for a valid CPU */
		why = bi_int(c, r);
		break;
	case R_CACHE_DRAIN:
		r = (int)rseq_percpu_cache_drain_cpu(cache, cpu);
		why = bi_int(c, r);
		break;
	}
	/* After a refusal every structure still works. */
	if (!why && !null_obj) {
		if (pin(0))
			return "cannot pin to CPU 0";
		why = counter_works(ctr);
		why = why ? why : lock_works(l);
		why = why ? why : stack_works(s);
		why = why ? why : buffer_works(b, 4);
		why = why ? why : fifo_works(f, 8, 4);
		why = why ? why : cache_works(cache, 8, 600);
	}
	rseq_percpu_counter_destroy(ctr);
	rseq_percpu_lock_destroy(l);
	rseq_percpu_stack_destroy(s);
	rseq_percpu_buffer_destroy(b);
	rseq_percpu_fifo_destroy(f);
	rseq_percpu_cache_destroy(cache);
	return why;
}

/* The accessors and "cannot fail" queries of a NULL object: EINVAL. */
static const char *c_null_query(const struct bi_case *c)
{
	long long r;

	switch (c->i) {
	case 0: r = rseq_percpu_counter_nr_cpus(NULL); break;
	case 1: r = rseq_percpu_lock_nr_cpus(NULL); break;
	case 2: r = rseq_percpu_stack_nr_cpus(NULL); break;
	case 3: r = rseq_percpu_buffer_nr_cpus(NULL); break;
	case 4: r = rseq_percpu_fifo_nr_cpus(NULL); break;
	case 5: r = rseq_percpu_buffer_capacity(NULL) ? 0 : -1; break;
	case 6: r = rseq_percpu_fifo_capacity(NULL) ? 0 : -1; break;
	case 7: r = rseq_percpu_fifo_record_size(NULL) ? 0 : -1; break;
	case 8: r = rseq_percpu_cache_get_stats(NULL, NULL); break;
	case 9: {
		struct rseq_percpu_cache *x = rseq_percpu_cache_create(8, NULL);

		r = rseq_percpu_cache_get_stats(x, NULL);
		if (r == -1)
			break;
		rseq_percpu_cache_destroy(x);
		break;
	}
	case 10: r = rseq_percpu_cache_drain_all(NULL); break;
	case 11: r = rseq_percpu_counter_sum(NULL) ? 0 : -1; break;
	case 12: r = rseq_percpu_counter_reset(NULL) ? 0 : -1; break;
	case 13: r = rseq_percpu_stack_pop_all(NULL) ? 0 : -1; break;
	case 14: r = rseq_percpu_buffer_push_many(NULL, NULL, 0); break;
	case 15: r = rseq_percpu_buffer_pop_many(NULL, NULL, 0); break;
	case 16: r = rseq_percpu_lock_cpu(NULL, 0); break;
	default: return "no such case";
	}
	return bi_int(c, r);
}

/* ---- the slow paths, with real objects ---- */

static const char *c_slow(const struct bi_case *c)
{
	struct tnode n = { { NULL }, 7 };
	char rec[16] = "abcdefghijklmno", out[16];
	const char *why = NULL;

	if (pin(0))
		return "cannot pin to CPU 0";
	switch (c->i) {
	case 0: {	/* lock_slow: this CPU's lock, then EDEADLK while held */
		struct rseq_percpu_lock *l = rseq_percpu_lock_create(NULL);
		int cpu = l ? rseq_percpu_lock_slow(l) : -1;

		if (cpu < 0)
			return bi_fail_errno("lock_slow of a free lock");
		if (rseq_percpu_lock_slow(l) != -1 || errno != EDEADLK)
			why = "lock_slow of a lock this thread holds did not fail with EDEADLK";
		rseq_percpu_unlock(l, cpu);
		why = why ? why : lock_works(l);
		rseq_percpu_lock_destroy(l);
		return why;
	}
	case 1: {	/* stack: push_slow(NULL node), push_slow, pop_slow, pop_slow empty */
		struct rseq_percpu_stack *s = rseq_percpu_stack_create(NULL);

		if (!s)
			return bi_fail_errno("create");
		if (c->j) {
			why = bi_int(c, rseq_percpu_stack_push_slow(s, NULL));
		} else if (rseq_percpu_stack_push_slow(s, &n.link) < 0) {
			why = bi_fail_errno("push_slow");
		} else if (rseq_percpu_stack_pop_slow(s) != &n.link) {
			why = "pop_slow did not give the node back";
		} else if (rseq_percpu_stack_pop_slow(s) || errno != EAGAIN) {
			why = "pop_slow of an empty stack did not say EAGAIN";
		}
		why = why ? why : stack_works(s);
		rseq_percpu_stack_destroy(s);
		return why;
	}
	case 2: {	/* buffer: push_slow(NULL), then full, pop_slow empty */
		struct rseq_percpu_buffer *b = rseq_percpu_buffer_create(1, NULL);

		if (!b)
			return bi_fail_errno("create");
		if (c->j) {
			why = bi_int(c, rseq_percpu_buffer_push_slow(b, NULL));
		} else if (rseq_percpu_buffer_push_slow(b, &n) < 0) {
			why = bi_fail_errno("push_slow");
		} else if (rseq_percpu_buffer_push_slow(b, &n) != -1 || errno != ENOSPC) {
			why = "push_slow to a full buffer did not fail with ENOSPC";
		} else if (rseq_percpu_buffer_pop_slow(b) != &n) {
			why = "pop_slow did not give the pointer back";
		} else if (rseq_percpu_buffer_pop_slow(b) || errno != EAGAIN) {
			why = "pop_slow of an empty buffer did not say EAGAIN";
		}
		why = why ? why : buffer_works(b, 1);
		rseq_percpu_buffer_destroy(b);
		return why;
	}
	case 3: {	/* fifo: push_slow(NULL), pop_slow(NULL), a round trip */
		struct rseq_percpu_fifo *f = rseq_percpu_fifo_create(sizeof(rec), 1, NULL);

		if (!f)
			return bi_fail_errno("create");
		if (c->j == 1) {
			why = bi_int(c, rseq_percpu_fifo_push_slow(f, NULL));
		} else if (c->j == 2) {
			why = bi_int(c, rseq_percpu_fifo_pop_slow(f, NULL));
		} else if (rseq_percpu_fifo_push_slow(f, rec) < 0) {
			why = bi_fail_errno("push_slow");
		} else if (rseq_percpu_fifo_push_slow(f, rec) != -1 || errno != ENOSPC) {
			why = "push_slow to a full FIFO did not fail with ENOSPC";
		} else if (rseq_percpu_fifo_pop_slow(f, out) || memcmp(out, rec, sizeof(rec))) {
			why = "pop_slow did not give the record back";
		} else if (rseq_percpu_fifo_pop_slow(f, out) != -1 || errno != EAGAIN) {
			why = "pop_slow of an empty FIFO did not say EAGAIN";
		}
		why = why ? why : fifo_works(f, sizeof(rec), 1);
		rseq_percpu_fifo_destroy(f);
		return why;
	}
	case 4: {	/* cache: alloc_slow, free_slow (and of NULL, many times) */
		struct rseq_percpu_cache *x = rseq_percpu_cache_create(32, NULL);
		void *o;

		if (!x)
			return bi_fail_errno("create");
		for (int k = 0; k < 1000; k++)
			rseq_percpu_cache_free_slow(x, NULL);
		for (int k = 0; k < 2000 && !why; k++) {
			o = rseq_percpu_cache_alloc_slow(x);
			if (!o)
				why = bi_fail_errno("alloc_slow after frees of NULL");
			else
				rseq_percpu_cache_free_slow(x, o);
		}
		why = why ? why : cache_works(x, 32, 1000);
		rseq_percpu_cache_destroy(x);
		return why;
	}
	}
	return "no such case";
}

/* ---- sizes ---- */

/* buffer_create(capacity u) */
static const char *c_buffer_create(const struct bi_case *c)
{
	struct rseq_percpu_buffer *b;
	const char *why;

	if (pin(0))
		return "cannot pin to CPU 0";
	b = rseq_percpu_buffer_create((size_t)c->u, NULL);
	if ((why = bi_ptr(c, b)) || !b)
		return why;
	why = buffer_works(b, (size_t)c->u);
	rseq_percpu_buffer_destroy(b);
	return why;
}

/*
 * The bulk operations' counts: i selects push_many, pop_many, drain_cpu;
 * u is the count, with an array of that many entries when it is small,
 * NULL when j is set (or the count is too large for an array).
 */
static const char *c_bulk(const struct bi_case *c)
{
	struct rseq_percpu_buffer *b;
	size_t n = (size_t)c->u, len = n <= 4096 ? n : 0;
	void **arr = NULL;
	char items[4096];
	ssize_t r = 0, expect;
	const char *why;

	if (pin(0))
		return "cannot pin to CPU 0";
	b = rseq_percpu_buffer_create(64, NULL);
	if (!b)
		return bi_fail_errno("create");
	if (!c->j && len) {
		arr = (void **)calloc(len, sizeof(void *));
		for (size_t k = 0; k < len; k++)
			arr[k] = &items[k];
	}
	if (c->v)	/* a NULL element in the array */
		arr[len / 2] = NULL;
	/* 10 pointers in the buffer first, for the pops. */
	for (int k = 0; k < 10; k++)
		rseq_percpu_buffer_push(b, &items[k]);
	switch (c->i) {
	case 0: r = rseq_percpu_buffer_push_many(b, arr, n); break;
	case 1: r = rseq_percpu_buffer_pop_many(b, arr, n); break;
	default: r = rseq_percpu_buffer_drain_cpu(b, 0, arr, n); break;
	}
	why = bi_int(c, r);
	expect = c->i == 0 ? (ssize_t)(n < 54 ? n : 54) : (ssize_t)(n < 10 ? n : 10);
	if (!why && r >= 0 && r != expect)
		why = bi_fail("%zd moved, want %zd", r, expect);
	if (!why && r < 0) {	/* refused: nothing moved */
		int have = 0;

		while (rseq_percpu_buffer_pop(b))
			have++;
		if (have != 10)
			why = bi_fail("a refused call moved pointers: %d in the buffer, want 10", have);
		else
			why = buffer_works(b, 64);
	}
	free(arr);
	rseq_percpu_buffer_destroy(b);
	return why;
}

/* fifo_create(rec_size u, capacity v) */
static const char *c_fifo_create(const struct bi_case *c)
{
	struct rseq_percpu_fifo *f;
	const char *why;

	if (pin(0))
		return "cannot pin to CPU 0";
	f = rseq_percpu_fifo_create((size_t)c->u, (size_t)c->v, NULL);
	if ((why = bi_ptr(c, f)) || !f)
		return why;
	why = fifo_works(f, (size_t)c->u, (size_t)c->v);
	rseq_percpu_fifo_destroy(f);
	return why;
}

/*
 * The cache: object size u, capacity v and batch i through the
 * attribute setters (j: which setter's verdict is the case's: 0 create,
 * 1 set_capacity, 2 set_batch; 3: a NULL attribute object for every
 * setter; 4: a pool whose items are too small).
 */
static const char *c_cache(const struct bi_case *c)
{
	struct rseq_percpu_cache_attr *a = rseq_percpu_cache_attr_create();
	struct rseq_percpu_cache *x;
	struct rseq_mempool *p = NULL;
	size_t cap = (size_t)c->v ? (size_t)c->v : 256;
	const char *why;
	int r;

	if (!a)
		return bi_fail_errno("attr_create");
	if (pin(0))
		return "cannot pin to CPU 0";
	switch (c->j) {
	case 1:
		r = rseq_percpu_cache_attr_set_capacity(a, (size_t)c->v);
		if ((why = bi_int(c, r)) || r)
			return why;
		break;
	case 2:
		r = rseq_percpu_cache_attr_set_batch(a, (size_t)c->i);
		if ((why = bi_int(c, r)) || r)
			return why;
		if ((size_t)c->i > cap) {	/* valid alone, larger than the capacity */
			x = rseq_percpu_cache_create((size_t)c->u, a);
			rseq_percpu_cache_attr_destroy(a);
			if (x || errno != EINVAL)
				return bi_fail_errno("a batch above the capacity: want EINVAL");
			return NULL;
		}
		break;
	case 3:
		if (rseq_percpu_cache_attr_set_capacity(NULL, 1) != -1 || errno != EINVAL ||
		    rseq_percpu_cache_attr_set_batch(NULL, 1) != -1 || errno != EINVAL)
			return "a setter accepted a NULL attribute object";
		return bi_int(c, rseq_percpu_cache_attr_set_pool(NULL, NULL));
	case 4:
		p = rseq_mempool_create("small", 16, NULL);
		if (rseq_percpu_cache_attr_set_pool(a, p))
			return bi_fail_errno("set_pool");
		break;
	default:
		if (rseq_percpu_cache_attr_set_capacity(a, (size_t)c->v) ||
		    rseq_percpu_cache_attr_set_batch(a, (size_t)c->i))
			return bi_int(c, -1);
	}
	x = rseq_percpu_cache_create((size_t)c->u, a);
	rseq_percpu_cache_attr_destroy(a);	/* create copied it */
	if (c->j == 0 || c->j == 4) {
		if ((why = bi_ptr(c, x)) || !x) {
			rseq_mempool_destroy(p);
			return why;
		}
	} else if (!x) {
		return bi_fail_errno("create with an accepted attribute");
	}
	why = cache_works(x, c->u ? (size_t)c->u : 1, cap < 300 ? 2 * cap + 3 : 600);
	rseq_percpu_cache_destroy(x);
	rseq_mempool_destroy(p);
	return why;
}

void bi_percpu_cases(void)
{
	long long ints[BI_NR_INTS];
	size_t ni = bi_ints(bi_nr_cpus, ints);
	/* every structure, every mode, every kind of pool */
	for (int m = 0; m < MODES; m++) {
		unsigned int f = modes[m];

		BI(rseq_percpu_init, c_init, 0, "", .flags = f);
		BI(rseq_percpu_rseq_ok, c_init, 0, "", .flags = f);
		BI(rseq_percpu_counter_create, c_create, 0, "i=structure j=pool", .i = 0, .flags = f);
		BI(rseq_percpu_lock_create, c_create, 0, "i=structure j=pool", .i = 1, .flags = f);
		BI(rseq_percpu_stack_create, c_create, 0, "i=structure j=pool", .i = 2, .flags = f);
		BI(rseq_percpu_buffer_create, c_create, 0, "i=structure j=pool", .i = 3, .flags = f);
		BI(rseq_percpu_fifo_create, c_create, 0, "i=structure j=pool", .i = 4, .flags = f);
		BI(rseq_percpu_cache_create, c_create, 0, "i=structure j=pool", .i = 5, .flags = f);
		BI(rseq_percpu_thread_without_rseq, c_without, 0, "i=calls u=bits", .i = 3,
		   .u = 0x3, .flags = f);
	}
	for (int pk = 1; pk <= 4; pk++) {
		int want = pk == 1 ? EINVAL : 0;

		BI(rseq_percpu_counter_create, c_create, want, "i=structure j=pool", .i = 0, .j = pk);
		BI(rseq_percpu_lock_create, c_create, want, "i=structure j=pool", .i = 1, .j = pk);
		BI(rseq_percpu_stack_create, c_create, want, "i=structure j=pool", .i = 2, .j = pk);
		BI(rseq_percpu_buffer_create, c_create, want, "i=structure j=pool", .i = 3, .j = pk);
		BI(rseq_percpu_fifo_create, c_create, want, "i=structure j=pool", .i = 4, .j = pk);
		BI(rseq_percpu_cache_attr_set_pool, c_create, want, "i=structure j=pool", .i = 5,
		   .j = pk);
	}
	BI(rseq_percpu_cache_attr_set_pool, c_cache, EINVAL, "u=obj_size j=null_attr", .u = 8,
	   .j = 3);
	BI(rseq_percpu_cache_attr_set_pool, c_cache, EINVAL, "u=obj_size j=small_pool", .u = 8,
	   .j = 4);
	/* thread_without_rseq: on, on again, off; off alone; on, off, on, off */
	BI(rseq_percpu_thread_without_rseq, c_without, 0, "i=calls u=bits", .i = 1, .u = 0);
	BI(rseq_percpu_thread_without_rseq, c_without, 0, "i=calls u=bits", .i = 1, .u = 1);
	BI(rseq_percpu_thread_without_rseq, c_without, 0, "i=calls u=bits", .i = 4, .u = 0x5);
	BI(rseq_percpu_thread_off, c_without, 0, "i=calls u=bits", .i = 2, .u = 0x1);
	BI(rseq_percpu_stack_end, c_stack_end, 0, "");
	/* destroy(NULL): documented no-ops */
	BI(rseq_percpu_counter_destroy, c_destroy_null, 0, "", .flags = BI_NULL_OK);
	BI(rseq_percpu_lock_destroy, c_destroy_null, 0, "", .flags = BI_NULL_OK);
	BI(rseq_percpu_stack_destroy, c_destroy_null, 0, "", .flags = BI_NULL_OK);
	BI(rseq_percpu_buffer_destroy, c_destroy_null, 0, "", .flags = BI_NULL_OK);
	BI(rseq_percpu_fifo_destroy, c_destroy_null, 0, "", .flags = BI_NULL_OK);
	BI(rseq_percpu_cache_destroy, c_destroy_null, 0, "", .flags = BI_NULL_OK);
	BI(rseq_percpu_cache_attr_destroy, c_destroy_null, 0, "", .flags = BI_NULL_OK);
	BI(rseq_percpu_cache_free_slow, c_slow, 0, "i=path", .i = 4, .flags = BI_NULL_OK);
	/* the counter's adds at the edges of intptr_t */
	{
		static const long long v[] = { 0, 1, -1, INT_MIN, INT_MAX, LLONG_MAX, LLONG_MIN };

		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
			BI(rseq_percpu_counter_add_slow, c_counter_add, 0, "i=v", .i = v[k]);
			if (k < 3)
				BI(rseq_percpu_counter_sum, c_counter_add, 0, "i=v", .i = v[k]);
		}
		BI(rseq_percpu_counter_reset, c_counter_add, 0, "i=v", .i = LLONG_MIN);
	}
	/* every remote operation with every CPU number, NULL objects and results */
	for (size_t k = 0; k < ni; k++) {
		int want = ints[k] >= 0 && ints[k] < bi_nr_cpus ? 0 : EINVAL;

		BI(rseq_percpu_counter_read_reset, c_remote, want, "u=op i=cpu", .u = R_READ_RESET,
		   .i = ints[k]);
		BI(rseq_percpu_lock_cpu, c_remote, want, "u=op i=cpu", .u = R_LOCK_CPU, .i = ints[k]);
		BI(rseq_percpu_stack_pop_all_cpu, c_remote, want, "u=op i=cpu", .u = R_POP_ALL_CPU,
		   .i = ints[k]);
		BI(rseq_percpu_buffer_drain_cpu, c_remote, want, "u=op i=cpu", .u = R_DRAIN_CPU,
		   .i = ints[k]);
		BI(rseq_percpu_fifo_pop_cpu, c_remote, want, "u=op i=cpu", .u = R_FIFO_POP_CPU,
		   .i = ints[k]);
		BI(rseq_percpu_cache_drain_cpu, c_remote, want, "u=op i=cpu", .u = R_CACHE_DRAIN,
		   .i = ints[k]);
	}
	for (int j = 1; j <= 2; j++) {
		BI(rseq_percpu_counter_read_reset, c_remote, EINVAL, "u=op j=null", .u = R_READ_RESET,
		   .j = j);
		BI(rseq_percpu_buffer_drain_cpu, c_remote, EINVAL, "u=op j=null", .u = R_DRAIN_CPU,
		   .j = j);
		BI(rseq_percpu_fifo_pop_cpu, c_remote, EINVAL, "u=op j=null", .u = R_FIFO_POP_CPU,
		   .j = j);
	}
	BI(rseq_percpu_lock_cpu, c_remote, EINVAL, "u=op j=null", .u = R_LOCK_CPU, .j = 1);
	BI(rseq_percpu_stack_pop_all_cpu, c_remote, EINVAL, "u=op j=null", .u = R_POP_ALL_CPU,
	   .j = 1);
	BI(rseq_percpu_cache_drain_cpu, c_remote, EINVAL, "u=op j=null", .u = R_CACHE_DRAIN,
	   .j = 1);
	/* NULL objects of the accessors and queries */
	BI(rseq_percpu_counter_nr_cpus, c_null_query, EINVAL, "i=call", .i = 0);
	BI(rseq_percpu_lock_nr_cpus, c_null_query, EINVAL, "i=call", .i = 1);
	BI(rseq_percpu_stack_nr_cpus, c_null_query, EINVAL, "i=call", .i = 2);
	BI(rseq_percpu_buffer_nr_cpus, c_null_query, EINVAL, "i=call", .i = 3);
	BI(rseq_percpu_fifo_nr_cpus, c_null_query, EINVAL, "i=call", .i = 4);
	BI(rseq_percpu_buffer_capacity, c_null_query, EINVAL, "i=call", .i = 5);
	BI(rseq_percpu_fifo_capacity, c_null_query, EINVAL, "i=call", .i = 6);
	BI(rseq_percpu_fifo_record_size, c_null_query, EINVAL, "i=call", .i = 7);
	BI(rseq_percpu_cache_get_stats, c_null_query, EINVAL, "i=call", .i = 8);
	BI(rseq_percpu_cache_get_stats, c_null_query, EINVAL, "i=call", .i = 9);
	BI(rseq_percpu_cache_drain_all, c_null_query, EINVAL, "i=call", .i = 10);
	BI(rseq_percpu_counter_sum, c_null_query, EINVAL, "i=call", .i = 11);
	BI(rseq_percpu_counter_reset, c_null_query, EINVAL, "i=call", .i = 12);
	BI(rseq_percpu_stack_pop_all, c_null_query, EINVAL, "i=call", .i = 13);
	BI(rseq_percpu_buffer_push_many, c_null_query, EINVAL, "i=call", .i = 14);
	BI(rseq_percpu_buffer_pop_many, c_null_query, EINVAL, "i=call", .i = 15);
	BI(rseq_percpu_lock_cpu, c_null_query, EINVAL, "i=call", .i = 16);
	/* the slow paths with real objects, and NULL elements */
	BI(rseq_percpu_lock_slow, c_slow, 0, "i=path", .i = 0);
	BI(rseq_percpu_stack_push_slow, c_slow, 0, "i=path j=null_node", .i = 1);
	BI(rseq_percpu_stack_pop_slow, c_slow, 0, "i=path j=null_node", .i = 1);
	BI(rseq_percpu_stack_pop_all, c_create, 0, "i=structure j=pool", .i = 2);
	BI(rseq_percpu_stack_push_slow, c_slow, EINVAL, "i=path j=null_node", .i = 1, .j = 1);
	BI(rseq_percpu_buffer_push_slow, c_slow, 0, "i=path j=null_ptr", .i = 2);
	BI(rseq_percpu_buffer_pop_slow, c_slow, 0, "i=path j=null_ptr", .i = 2);
	BI(rseq_percpu_buffer_push_slow, c_slow, EINVAL, "i=path j=null_ptr", .i = 2, .j = 1);
	BI(rseq_percpu_fifo_push_slow, c_slow, 0, "i=path j=null", .i = 3);
	BI(rseq_percpu_fifo_pop_slow, c_slow, 0, "i=path j=null", .i = 3);
	BI(rseq_percpu_fifo_push_slow, c_slow, EINVAL, "i=path j=null", .i = 3, .j = 1);
	BI(rseq_percpu_fifo_pop_slow, c_slow, EINVAL, "i=path j=null", .i = 3, .j = 2);
	BI(rseq_percpu_cache_alloc_slow, c_slow, 0, "i=path", .i = 4);
	/* capacities, counts, record and object sizes */
	for (size_t k = 0; k < bi_nr_sizes; k++) {
		size_t v = bi_sizes[k];

		BI(rseq_percpu_buffer_create, c_buffer_create, v && v <= BI_P(24) ? BI_OK_NOMEM :
		   EINVAL, "u=capacity", .u = v);
		BI(rseq_percpu_buffer_capacity, c_buffer_create, v && v <= BI_P(24) ? BI_OK_NOMEM :
		   EINVAL, "u=capacity", .u = v);
		/* counts: an array of that many entries (NULL past 4096) */
		for (int op = 0; op < 3; op++) {
			int want = v <= 4096 ? 0 : EINVAL;

			if (op == 0)
				BI(rseq_percpu_buffer_push_many, c_bulk, want, "i=op u=n", .i = op, .u = v);
			else if (op == 1)
				BI(rseq_percpu_buffer_pop_many, c_bulk, want, "i=op u=n", .i = op, .u = v);
			else
				BI(rseq_percpu_buffer_drain_cpu, c_bulk, want, "i=op u=n", .i = op, .u = v);
		}
		/* FIFO records and capacities; their product */
		{
			size_t cap = 1;
			bool rec_ok = v && v <= BI_P(20);
			bool cap_ok = v && v <= RSEQ_PERCPU_FIFO_MAX_CAPACITY;

			while (cap_ok && cap < v)
				cap <<= 1;
			BI(rseq_percpu_fifo_create, c_fifo_create, rec_ok ? 0 : EINVAL,
			   "u=rec_size v=capacity", .u = v, .v = 8);
			BI(rseq_percpu_fifo_record_size, c_fifo_create, rec_ok ? 0 : EINVAL,
			   "u=rec_size v=capacity", .u = v, .v = 2);
			BI(rseq_percpu_fifo_create, c_fifo_create,
			   !cap_ok ? EINVAL : cap * 8 + 64 <= BI_P(36) ? BI_OK_NOMEM : EINVAL,
			   "u=rec_size v=capacity", .u = 8, .v = v);
			BI(rseq_percpu_fifo_capacity, c_fifo_create,
			   !cap_ok ? EINVAL : cap * 8 + 64 <= BI_P(36) ? BI_OK_NOMEM : EINVAL,
			   "u=rec_size v=capacity", .u = 8, .v = v);
		}
		/* the cache: object sizes, capacities, batches */
		BI(rseq_percpu_cache_create, c_cache, v && v <= BI_P(40) ? BI_OK_NOMEM : EINVAL,
		   "u=obj_size", .u = v);
		BI(rseq_percpu_cache_attr_set_capacity, c_cache, v <= BI_P(24) ? 0 : EINVAL,
		   "u=obj_size v=capacity j=setter", .u = 64, .v = v, .j = 1);
		BI(rseq_percpu_cache_attr_set_batch, c_cache, v <= 512 ? 0 : EINVAL,
		   "u=obj_size i=batch j=setter", .u = 64, .i = (long long)(v < BI_P(62) ? v : BI_P(62)),
		   .j = 2);
	}
	/* a record and a capacity each valid, their product not */
	BI(rseq_percpu_fifo_create, c_fifo_create, EINVAL, "u=rec_size v=capacity",
	   .u = BI_P(20), .v = BI_P(17));
	/* (2^20 x 2^8: 256 MiB a CPU; zmalloc reads every byte of a large
	 * item in every instance, so 2^15 of them would take minutes) */
	BI(rseq_percpu_fifo_create, c_fifo_create, BI_OK_NOMEM, "u=rec_size v=capacity",
	   .u = BI_P(20), .v = BI_P(8));
	BI(rseq_percpu_fifo_create, c_fifo_create, 0, "u=rec_size v=capacity", .u = 13, .v = 3);
	/* a batch larger than the capacity; both at their largest */
	BI(rseq_percpu_cache_attr_set_batch, c_cache, EINVAL, "u=obj_size v=capacity i=batch",
	   .u = 64, .v = 1, .i = 2);
	BI(rseq_percpu_cache_attr_set_batch, c_cache, 0, "u=obj_size v=capacity i=batch",
	   .u = 64, .v = 512, .i = 512);
	BI(rseq_percpu_cache_attr_set_capacity, c_cache, 0, "u=obj_size v=capacity i=batch",
	   .u = 64, .v = BI_P(24), .i = 512);
	BI(rseq_percpu_cache_attr_set_capacity, c_cache, 0, "u=obj_size v=capacity i=batch",
	   .u = 64, .v = BI_P(24), .i = 0);
	BI(rseq_percpu_cache_attr_set_capacity, c_cache, 0, "u=obj_size v=capacity i=batch",
	   .u = 64, .v = 1, .i = 0);
	BI(rseq_percpu_cache_attr_create, c_cache, 0, "u=obj_size", .u = 24);
	/* a NULL element in push_many: refused, nothing pushed */
	BI(rseq_percpu_buffer_push_many, c_bulk, EINVAL, "i=op u=n v=null_element", .i = 0, .u = 5,
	   .v = 1);
	BI(rseq_percpu_buffer_push_many, c_bulk, EINVAL, "i=op u=n j=null_array", .i = 0, .u = 5,
	   .j = 1);
	BI(rseq_percpu_buffer_pop_many, c_bulk, EINVAL, "i=op u=n j=null_array", .i = 1, .u = 5,
	   .j = 1);
	BI(rseq_percpu_buffer_pop_many, c_bulk, 0, "i=op u=n j=null_array", .i = 1, .u = 0,
	   .j = 1, .flags = BI_NULL_OK);
	BI(rseq_percpu_buffer_drain_cpu, c_bulk, EINVAL, "i=op u=n j=null_array", .i = 2, .u = 5,
	   .j = 1);
}
