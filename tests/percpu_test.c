/* SPDX-License-Identifier: MIT */
/*
 * percpu_test - every per-CPU structure's API in one thread: results,
 * empty/full behaviour, FIFO order, and the remote operations (another
 * CPU's lock, counter read-and-reset, stack pop-all, buffer and cache
 * drain, FIFO pop); on the rseq path, on the claim path
 * (rseq_percpu_thread_disable_rseq), and in atomic mode.
 */
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include <rseqkit/percpu/percpu.h>

struct item {
	struct rseq_percpu_node node;
	int id;
};

static void test_counter(void)
{
	struct rseq_percpu_counter *c = rseq_percpu_counter_create(NULL);
	intptr_t taken = 0;

	CHECK(c != NULL);
	for (int i = 0; i < 1000; i++)
		rseq_percpu_counter_add(c, 2);
	rseq_percpu_counter_inc(c);
	CHECK_EQ(rseq_percpu_counter_sum(c), 2001);
	for (int cpu = 0; cpu < c->b.nr; cpu++)
		taken += rseq_percpu_counter_read_reset(c, cpu);
	CHECK_EQ(taken, 2001);
	CHECK_EQ(rseq_percpu_counter_sum(c), 0);
	rseq_percpu_counter_add(c, -5);
	CHECK_EQ(rseq_percpu_counter_reset(c), -5);
	CHECK_EQ(rseq_percpu_counter_sum(c), 0);
	rseq_percpu_counter_destroy(c);
}

static void test_lock(void)
{
	struct rseq_percpu_lock *l = rseq_percpu_lock_create(NULL);
	int cpu, other;

	CHECK(l != NULL);
	cpu = rseq_percpu_lock(l);
	CHECK(cpu >= 0 && cpu < l->b.nr);
	CHECK(((struct rseq_percpu_slot *)rseq_percpu_slot_of(&l->b, cpu))->word != 0);
	rseq_percpu_unlock(l, cpu);
	other = (cpu + 1) % l->b.nr;
	CHECK_EQ(rseq_percpu_lock_cpu(l, other), other);
	CHECK_EQ(((struct rseq_percpu_slot *)rseq_percpu_slot_of(&l->b, other))->word,
		 RSEQ_PERCPU_STOP);
	rseq_percpu_unlock(l, other);
	CHECK_EQ(rseq_percpu_lock_cpu(l, l->b.nr), -1);
	for (int i = 0; i < 100; i++) {
		cpu = rseq_percpu_lock(l);
		rseq_percpu_unlock(l, cpu);
	}
	for (int c = 0; c < l->b.nr; c++)
		CHECK_EQ(((struct rseq_percpu_slot *)rseq_percpu_slot_of(&l->b, c))->word, 0);
	rseq_percpu_lock_destroy(l);
}

static void test_stack(void)
{
	struct rseq_percpu_stack *s = rseq_percpu_stack_create(NULL);
	struct item items[10];
	struct rseq_percpu_node *n, *list;
	int seen = 0, count = 0;

	CHECK(s != NULL);
	CHECK(rseq_percpu_stack_pop(s) == NULL);
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
	for (int c = 0; c < s->b.nr; c++)
		for (list = rseq_percpu_stack_pop_all_cpu(s, c); list; list = list->next, count++)
			seen |= 1 << ((struct item *)list)->id;
	CHECK_EQ(count, 10);
	CHECK_EQ(seen, 0x3ff);
	CHECK(rseq_percpu_stack_pop(s) == NULL);
	/* Remote pop-all of a CPU never used. */
	CHECK(rseq_percpu_stack_pop_all_cpu(s, s->b.nr - 1) == NULL);
	rseq_percpu_stack_destroy(s);
}

static void test_buffer(void)
{
	struct rseq_percpu_buffer *b = rseq_percpu_buffer_create(4, NULL);
	int v[8], got = 0, cpu;
	void *out[8];

	CHECK(b != NULL);
	CHECK(rseq_percpu_buffer_pop(b) == NULL);
	/* Pin to one CPU so "full" is this CPU's. */
	cpu = sched_getcpu();
	{
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	for (int i = 0; i < 4; i++)
		CHECK_EQ(rseq_percpu_buffer_push(b, &v[i]), cpu);
	CHECK_EQ(rseq_percpu_buffer_push(b, &v[4]), -1);
	CHECK(rseq_percpu_buffer_pop(b) == &v[3]);
	CHECK_EQ(rseq_percpu_buffer_drain_cpu(b, cpu, out, 8), 3);
	CHECK(out[0] == &v[2] && out[2] == &v[0]);
	CHECK(rseq_percpu_buffer_pop(b) == NULL);
	void *in[3] = { &v[5], &v[6], &v[7] };
	CHECK_EQ(rseq_percpu_buffer_push_many(b, in, 3), 3);
	got = (int)rseq_percpu_buffer_pop_many(b, out, 8);
	CHECK_EQ(got, 3);
	CHECK(out[0] == &v[7]);
	rseq_percpu_buffer_destroy(b);
}

struct rec {
	long a, b, c;
	char tail[5];
};

static void test_fifo(void)
{
	struct rseq_percpu_fifo *f = rseq_percpu_fifo_create(sizeof(struct rec), 5, NULL);
	struct rec r, o;
	int cpu = sched_getcpu();	/* pinned by test_buffer */

	CHECK(f != NULL);
	CHECK_EQ(f->capacity, 8);
	CHECK_EQ(rseq_percpu_fifo_pop(f, &o), -1);
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 8; i++) {
		r.a = i; r.b = -i; r.c = i * 3;
		memcpy(r.tail, "abcd", 5);
		CHECK_EQ(rseq_percpu_fifo_push(f, &r), cpu);
	}
	CHECK_EQ(rseq_percpu_fifo_push(f, &r), -1);
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
	rseq_percpu_fifo_destroy(f);
}

static void test_cache(void)
{
	struct rseq_percpu_cache_attr a = { .capacity = 16, .batch = 8 };
	struct rseq_percpu_cache *c = rseq_percpu_cache_create(40, &a);
	struct rseq_percpu_cache_stats st;
	void *objs[100];

	CHECK(c != NULL);
	for (int i = 0; i < 100; i++) {
		objs[i] = rseq_percpu_cache_alloc(c);
		CHECK(objs[i] != NULL && ((uintptr_t)objs[i] & 15) == 0);
		memset(objs[i], i, 40);
	}
	for (int i = 0; i < 100; i++)
		for (int j = 0; j < 40; j++)
			if (((unsigned char *)objs[i])[j] != i) {
				CHECK_MSG(0, "object %d overlaps another", i);
				break;
			}
	rseq_percpu_cache_get_stats(c, &st);
	CHECK_EQ(st.total, st.depot + st.cached + 100);
	for (int i = 0; i < 100; i++)
		rseq_percpu_cache_free(c, objs[i]);
	rseq_percpu_cache_get_stats(c, &st);
	CHECK_EQ(st.total, st.depot + st.cached);
	CHECK(st.cached <= 16);
	CHECK_EQ(rseq_percpu_cache_drain_all(c), st.cached);
	rseq_percpu_cache_get_stats(c, &st);
	CHECK_EQ(st.cached, 0);
	CHECK_EQ(st.depot, st.total);
	rseq_percpu_cache_destroy(c);
}

static void run_all(const char *what)
{
	unsigned long before = test_failed;

	test_counter();
	test_lock();
	test_stack();
	test_buffer();
	test_fifo();
	test_cache();
	printf("%s: %s\n", what, test_failed == before ? "ok" : "FAILED");
}

int main(int argc, char **argv)
{
	cpu_set_t all;
	int ok = rseq_percpu_init();

	sched_getaffinity(0, sizeof(all), &all);
	printf("mode: %s (rseq %savailable)\n", ok ? "rseq" : "atomic",
	       rseq_available() ? "" : "un");
	CHECK_EQ(ok, !test_expect_unavailable() && !getenv("RSEQKIT_PERCPU_NO_MEMBARRIER"));
	run_all(ok ? "rseq fast paths" : "atomic mode");
	sched_setaffinity(0, sizeof(all), &all);
	rseq_percpu_thread_disable_rseq(true);
	run_all("claim paths (thread without rseq)");
	sched_setaffinity(0, sizeof(all), &all);
	rseq_percpu_thread_disable_rseq(false);
	/* Once more in atomic mode (a new process: the mode is decided once). */
	if (ok && argc == 1 && !test_failed) {
		char *args[] = { argv[0], "child", NULL };
		setenv("RSEQKIT_PERCPU_NO_MEMBARRIER", "1", 1);
		fflush(stdout);
		execv("/proc/self/exe", args);
		CHECK_MSG(0, "exec failed");
	}
	return test_done();
}
