/* SPDX-License-Identifier: MIT */
/*
 * percpu_test - every per-CPU structure's API in one thread: results,
 * empty/full behaviour and their errno (ENOSPC, EAGAIN), FIFO order, the
 * remote operations (another CPU's lock, counter read-and-reset, stack
 * pop-all, buffer and cache drain, FIFO pop), the accessors, and the
 * cache's attribute object; on the rseq path, on the claim path
 * (rseq_percpu_thread_without_rseq), and in atomic mode.  Valid C++ too
 * (tests/percpu_test_cxx).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include <rseqkit/percpu/percpu.h>
#include "percpu_util.h"

struct item {
	struct rseq_percpu_node node;
	int id;
};

static void pin_here(int *cpu)
{
	cpu_set_t set;

	*cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(*cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void test_counter(void)
{
	struct rseq_percpu_counter *c = rseq_percpu_counter_create(NULL);
	intptr_t taken = 0, t;
	int nr;

	CHECK(c != NULL);
	if (!c)
		return;
	nr = rseq_percpu_counter_nr_cpus(c);
	CHECK(nr >= 1);
	for (int i = 0; i < 1000; i++)
		rseq_percpu_counter_add(c, 2);
	rseq_percpu_counter_inc(c);
	CHECK_EQ(rseq_percpu_counter_sum(c), 2001);
	for (int cpu = 0; cpu < nr; cpu++) {
		CHECK_EQ(rseq_percpu_counter_read_reset(c, cpu, &t), 0);
		taken += t;
	}
	CHECK_EQ(taken, 2001);
	CHECK_EQ(rseq_percpu_counter_sum(c), 0);
	rseq_percpu_counter_add(c, -5);
	CHECK_EQ(rseq_percpu_counter_reset(c), -5);
	CHECK_EQ(rseq_percpu_counter_sum(c), 0);
	/* Bad slots: an error, and nothing taken. */
	rseq_percpu_counter_add(c, 7);
	t = 99;
	errno = 0;
	CHECK_EQ(rseq_percpu_counter_read_reset(c, nr, &t), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(t, 99);
	CHECK_EQ(rseq_percpu_counter_read_reset(c, -1, &t), -1);
	CHECK_EQ(rseq_percpu_counter_read_reset(c, 0, NULL), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK(strlen(rseq_error_reason()) > 0);
	CHECK_EQ(rseq_percpu_counter_sum(c), 7);
	rseq_percpu_counter_destroy(c);
	rseq_percpu_counter_destroy(NULL);
}

static void test_lock(void)
{
	struct rseq_percpu_lock *l = rseq_percpu_lock_create(NULL);
	int cpu, other, nr;

	CHECK(l != NULL);
	if (!l)
		return;
	nr = rseq_percpu_lock_nr_cpus(l);
	cpu = rseq_percpu_lock(l);
	CHECK(cpu >= 0 && cpu < nr);
	/* The holder asking again gets EDEADLK, not a wait for ever. */
	errno = 0;
	CHECK_EQ(rseq_percpu_lock_cpu(l, cpu), -1);
	CHECK_EQ(errno, EDEADLK);
	rseq_percpu_unlock(l, cpu);
	other = (cpu + 1) % nr;
	CHECK_EQ(rseq_percpu_lock_cpu(l, other), other);
	CHECK_EQ(rseq_percpu_lock_cpu(l, other), -1);
	CHECK_EQ(errno, EDEADLK);
	rseq_percpu_unlock(l, other);
	CHECK_EQ(rseq_percpu_lock_cpu(l, nr), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rseq_percpu_lock_cpu(l, -1), -1);
	for (int i = 0; i < 100; i++) {
		cpu = rseq_percpu_lock(l);
		CHECK(cpu >= 0);
		if (cpu >= 0)
			rseq_percpu_unlock(l, cpu);
	}
	/* Every lock is free again: each can be taken remotely. */
	for (int c = 0; c < nr; c++) {
		CHECK_EQ(rseq_percpu_lock_cpu(l, c), c);
		rseq_percpu_unlock(l, c);
	}
	rseq_percpu_lock_destroy(l);
}

static void test_stack(void)
{
	struct rseq_percpu_stack *s = rseq_percpu_stack_create(NULL);
	struct item items[10];
	struct rseq_percpu_node *n, *list;
	int seen = 0, count = 0, nr;

	CHECK(s != NULL);
	if (!s)
		return;
	nr = rseq_percpu_stack_nr_cpus(s);
	errno = 0;
	CHECK(rseq_percpu_stack_pop(s) == NULL);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(rseq_percpu_stack_push(s, NULL), -1);
	CHECK_EQ(errno, EINVAL);
	for (int i = 0; i < 10; i++) {
		items[i].id = i;
		CHECK(rseq_percpu_stack_push(s, &items[i].node) >= 0);
	}
	/* Single thread, maybe migrated: pop what this CPU has, LIFO. */
	n = rseq_percpu_stack_pop(s);
	CHECK(n != NULL);
	if (n) {
		seen |= 1 << ((struct item *)n)->id;
		count++;
	}
	list = rseq_percpu_stack_pop_all(s);
	for (; list; list = list->next, count++)
		seen |= 1 << ((struct item *)list)->id;
	for (int c = 0; c < nr; c++)
		for (list = rseq_percpu_stack_pop_all_cpu(s, c); list; list = list->next, count++)
			seen |= 1 << ((struct item *)list)->id;
	CHECK_EQ(count, 10);
	CHECK_EQ(seen, 0x3ff);
	CHECK(rseq_percpu_stack_pop(s) == NULL);
	errno = 0;
	CHECK(rseq_percpu_stack_pop_all(s) == NULL);
	CHECK_EQ(errno, EAGAIN);
	/* Remote pop-all of a CPU never used, and of no CPU. */
	CHECK(rseq_percpu_stack_pop_all_cpu(s, nr - 1) == NULL);
	CHECK_EQ(errno, EAGAIN);
	CHECK(rseq_percpu_stack_pop_all_cpu(s, nr) == NULL);
	CHECK_EQ(errno, EINVAL);
	rseq_percpu_stack_destroy(s);
}

static void test_buffer(int cpu)
{
	struct rseq_percpu_buffer *b = rseq_percpu_buffer_create(4, NULL);
	int v[8];
	void *out[8], *in[3] = { &v[5], &v[6], &v[7] }, *bad[2] = { &v[0], NULL };

	CHECK(b != NULL);
	if (!b)
		return;
	CHECK_EQ(rseq_percpu_buffer_capacity(b), 4);
	errno = 0;
	CHECK(rseq_percpu_buffer_pop(b) == NULL);
	CHECK_EQ(errno, EAGAIN);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(rseq_percpu_buffer_push(b, &v[i]), cpu);
	errno = 0;
	CHECK_EQ(rseq_percpu_buffer_push(b, &v[4]), -1);
	CHECK_EQ(errno, ENOSPC);
	CHECK(rseq_percpu_buffer_pop(b) == &v[3]);
	CHECK_EQ(rseq_percpu_buffer_push(b, NULL), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rseq_percpu_buffer_drain_cpu(b, cpu, out, 8), 3);
	CHECK(out[0] == &v[2] && out[2] == &v[0]);
	CHECK(rseq_percpu_buffer_pop(b) == NULL);
	CHECK_EQ(rseq_percpu_buffer_push_many(b, in, 3), 3);
	CHECK_EQ(rseq_percpu_buffer_pop_many(b, out, 8), 3);
	CHECK(out[0] == &v[7]);
	CHECK_EQ(rseq_percpu_buffer_pop_many(b, out, 8), 0);
	/* Counts and arrays that cannot be. */
	CHECK_EQ(rseq_percpu_buffer_push_many(b, bad, 2), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK(rseq_percpu_buffer_pop(b) == NULL);	/* nothing half-pushed */
	CHECK_EQ(rseq_percpu_buffer_push_many(b, NULL, 1), -1);
	CHECK_EQ(rseq_percpu_buffer_pop_many(b, out, SIZE_MAX), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rseq_percpu_buffer_drain_cpu(b, rseq_percpu_buffer_nr_cpus(b), out, 8), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rseq_percpu_buffer_push_many(b, in, 0), 0);
	rseq_percpu_buffer_destroy(b);
}

struct rec {
	long a, b, c;
	char tail[5];
};

static void test_fifo(int cpu)
{
	struct rseq_percpu_fifo *f = rseq_percpu_fifo_create(sizeof(struct rec), 5, NULL);
	struct rec r, o;

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_EQ(rseq_percpu_fifo_capacity(f), 8);
	CHECK_EQ(rseq_percpu_fifo_record_size(f), sizeof(struct rec));
	errno = 0;
	CHECK_EQ(rseq_percpu_fifo_pop(f, &o), -1);
	CHECK_EQ(errno, EAGAIN);
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 8; i++) {
		r.a = i; r.b = -i; r.c = i * 3;
		memcpy(r.tail, "abcd", 5);
		CHECK_EQ(rseq_percpu_fifo_push(f, &r), cpu);
	}
	errno = 0;
	CHECK_EQ(rseq_percpu_fifo_push(f, &r), -1);
	CHECK_EQ(errno, ENOSPC);
	CHECK_EQ(rseq_percpu_fifo_push(f, NULL), -1);
	CHECK_EQ(errno, EINVAL);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(rseq_percpu_fifo_pop(f, &o), 0);
		CHECK(o.a == i && o.b == -i && o.c == 3 * i && !strcmp(o.tail, "abcd"));
	}
	CHECK_EQ(rseq_percpu_fifo_pop_cpu(f, cpu, &o), 0);
	CHECK_EQ(o.a, 3);
	/* Wrap around the ring many times. */
	for (int i = 0; i < 100; i++) {
		r.a = 100 + i;
		CHECK_EQ(rseq_percpu_fifo_push(f, &r), cpu);
		CHECK_EQ(rseq_percpu_fifo_pop(f, &o), 0);
		CHECK_EQ(o.a, i < 4 ? 4 + i : 100 + i - 4);
	}
	for (int i = 0; i < 4; i++)
		CHECK_EQ(rseq_percpu_fifo_pop(f, &o), 0);
	CHECK_EQ(rseq_percpu_fifo_pop(f, &o), -1);
	CHECK_EQ(rseq_percpu_fifo_pop_cpu(f, cpu, &o), -1);
	CHECK_EQ(errno, EAGAIN);
	CHECK_EQ(rseq_percpu_fifo_pop_cpu(f, -1, &o), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rseq_percpu_fifo_pop(f, NULL), -1);
	CHECK_EQ(errno, EINVAL);
	rseq_percpu_fifo_destroy(f);
}

/* A cache of 40-byte objects, 16 per CPU, batches of 8, through its attributes. */
static struct rseq_percpu_cache *cache_16x40(void)
{
	struct rseq_percpu_cache_attr *a = rseq_percpu_cache_attr_create();
	struct rseq_percpu_cache *c;

	CHECK(a != NULL);
	if (!a)
		return NULL;
	CHECK_EQ(rseq_percpu_cache_attr_set_capacity(a, 16), 0);
	CHECK_EQ(rseq_percpu_cache_attr_set_batch(a, 8), 0);
	CHECK_EQ(rseq_percpu_cache_attr_set_batch(a, 513), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rseq_percpu_cache_attr_set_capacity(a, (size_t)1 << 25), -1);
	CHECK_EQ(rseq_percpu_cache_attr_set_pool(a, NULL), 0);
	c = rseq_percpu_cache_create(40, a);
	rseq_percpu_cache_attr_destroy(a);	/* the cache took a copy */
	CHECK(c != NULL);
	return c;
}

static void test_cache(void)
{
	struct rseq_percpu_cache *c = cache_16x40();
	struct rseq_percpu_cache_stats st;
	void *objs[100], *p;

	if (!c)
		return;
	CHECK_EQ(rseq_percpu_cache_get_stats(c, &st), 0);
	CHECK_EQ(st.capacity, 16);
	CHECK_EQ(st.batch, 8);
	CHECK_EQ(st.obj_size, 48);
	CHECK(st.nr_cpus >= 1);
	for (int i = 0; i < 100; i++) {
		objs[i] = rseq_percpu_cache_alloc(c);
		CHECK(objs[i] != NULL && ((uintptr_t)objs[i] & 15) == 0);
		if (objs[i])
			memset(objs[i], i, 40);
	}
	for (int i = 0; i < 100; i++)
		for (int j = 0; objs[i] && j < 40; j++)
			if (((unsigned char *)objs[i])[j] != i) {
				CHECK_MSG(0, "object %d overlaps another", i);
				break;
			}
	rseq_percpu_cache_get_stats(c, &st);
	CHECK_EQ(st.total, st.depot + st.cached + 100);
	for (int i = 0; i < 100; i++)
		rseq_percpu_cache_free(c, objs[i]);
	/* free(NULL) is a no-op: nothing cached, nothing handed out later. */
	rseq_percpu_cache_free(c, NULL);
	rseq_percpu_cache_get_stats(c, &st);
	CHECK_EQ(st.total, st.depot + st.cached);
	CHECK(st.cached <= 16);
	CHECK_EQ(rseq_percpu_cache_drain_all(c), (ssize_t)st.cached);
	rseq_percpu_cache_get_stats(c, &st);
	CHECK_EQ(st.cached, 0);
	CHECK_EQ(st.depot, st.total);
	for (int i = 0; i < 100; i++) {
		p = rseq_percpu_cache_alloc(c);
		CHECK(p != NULL);
		objs[i] = p;
	}
	for (int i = 0; i < 100; i++)
		rseq_percpu_cache_free(c, objs[i]);
	CHECK_EQ(rseq_percpu_cache_drain_cpu(c, st.nr_cpus), -1);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(rseq_percpu_cache_get_stats(c, NULL), -1);
	rseq_percpu_cache_destroy(c);
	rseq_percpu_cache_destroy(NULL);
	rseq_percpu_cache_attr_destroy(NULL);
}

static void run_all(const char *what)
{
	unsigned long before = test_failed;
	cpu_set_t all;
	int cpu;

	sched_getaffinity(0, sizeof(all), &all);
	test_counter();
	test_lock();
	test_stack();
	pin_here(&cpu);		/* "full" and "empty" are this CPU's */
	test_buffer(cpu);
	test_fifo(cpu);
	sched_setaffinity(0, sizeof(all), &all);
	test_cache();
	printf("%s: %s\n", what, test_failed == before ? "ok" : "FAILED");
}

int main(int argc, char **argv)
{
	int ok = rseq_percpu_init();

	(void)rseq_register_current_thread();
	printf("mode: %s (rseq %savailable)\n", ok ? "rseq" : "atomic",
	       rseq_available() ? "" : "un");
	CHECK_EQ(ok, !test_expect_unavailable() && !getenv("RSEQKIT_PERCPU_NO_MEMBARRIER"));
	run_all(ok ? "rseq fast paths" : "atomic mode");
	CHECK_EQ(rseq_percpu_thread_without_rseq(true), 0);
	run_all("claim paths (thread without rseq)");
	CHECK_EQ(rseq_percpu_thread_without_rseq(false), 0);
	/* Once more in atomic mode (a new process: the mode is decided once). */
	rerun_in_atomic_mode(argc, argv, ok);
	return test_done();
}
