/* SPDX-License-Identifier: MIT */
/*
 * percpu_fork_test - fork() from a process whose other threads hammer
 * every per-CPU structure (fast paths, claim paths, remote operations,
 * the cache's depot), many times; each child uses every structure on
 * every CPU slot - takes every CPU's lock, pops every CPU's stack,
 * drains every buffer and FIFO, allocates from the cache, creates a new
 * structure - within a time limit, and exits 0 only if each did what it
 * must.  Locks and claims that the parent's other threads held at the
 * fork are theirs, and those threads do not exist in the child: the
 * library's fork handlers undo them.  The parent checks at the end that
 * nothing of its own was lost.  Then again in atomic mode.  Valid C++.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "harness.h"
#include <rseqkit/percpu/percpu.h>
#define PERCPU_UTIL_ALL	/* one of each structure, named ctr, stk, ... */
#include "percpu_util.h"

#define PER_THREAD	16

static struct tnode *nodes;	/* [nt * PER_THREAD]: stack, then as many for the buffer */
static int nt, nr;
static volatile int done;

/* What one hammering thread does, over and over: every path. */
static void hammer_once(int id, unsigned int *seed)
{
	int c = (int)(rnd(seed) % (unsigned int)nr), cpu;
	struct rseq_percpu_node *n, *l, *next;
	void *p, *objs[8], *out[16];
	struct trec r;
	ssize_t k;
	intptr_t t;

	rseq_percpu_counter_add(ctr, 1);
	if (!(rnd(seed) % 64))
		rseq_percpu_counter_read_reset(ctr, c, &t);
	if ((n = rseq_percpu_stack_pop(stk)) != NULL)
		rseq_percpu_stack_push(stk, n);
	if (!(rnd(seed) % 16))
		for (l = rseq_percpu_stack_pop_all_cpu(stk, c); l; l = next) {
			next = l->next;
			rseq_percpu_stack_push(stk, l);
		}
	if ((p = rseq_percpu_buffer_pop(buf)) != NULL)
		rseq_percpu_buffer_push(buf, p);
	if (!(rnd(seed) % 16) && (k = rseq_percpu_buffer_drain_cpu(buf, c, out, 16)) > 0)
		rseq_percpu_buffer_push_many(buf, out, (size_t)k);
	r.id = id;
	r.check = ~(long)id;
	rseq_percpu_fifo_push(fifo, &r);
	rseq_percpu_fifo_pop(fifo, &r);
	rseq_percpu_fifo_pop_cpu(fifo, c, &r);
	for (int j = 0; j < 8; j++)
		objs[j] = rseq_percpu_cache_alloc(cache);
	for (int j = 0; j < 8; j++)
		rseq_percpu_cache_free(cache, objs[j]);
	if (!(rnd(seed) % 32))
		rseq_percpu_cache_drain_cpu(cache, c);
	cpu = rseq_percpu_lock(lck);
	if (cpu >= 0)
		rseq_percpu_unlock(lck, cpu);
	if ((cpu = rseq_percpu_lock_cpu(lck, c)) >= 0)
		rseq_percpu_unlock(lck, cpu);
}

static void *hammer(void *arg)
{
	int id = (int)(long)arg;
	unsigned int seed = (unsigned int)id * 7 + 1;

	(void)rseq_register_current_thread();
	if (id % 3 == 2)
		rseq_percpu_thread_without_rseq(true);	/* claim paths */
	while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE))
		hammer_once(id, &seed);
	return NULL;
}

/* ---- in the child ---- */

static int child_fail;
#define CHILD_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "child: %s failed (errno %d: %s)\n",	\
			#cond, errno, rseq_error_reason());		\
		child_fail = 1;						\
	}								\
} while (0)

static void child_locks(void)
{
	int cpu;

	/* Every lock: the parent's threads held some at the fork. */
	for (int c = 0; c < nr; c++) {
		CHILD_CHECK(rseq_percpu_lock_cpu(lck, c) == c);
		rseq_percpu_unlock(lck, c);
	}
	cpu = rseq_percpu_lock(lck);
	CHILD_CHECK(cpu >= 0);
	if (cpu >= 0)
		rseq_percpu_unlock(lck, cpu);
}

static void child_stack_buffer(void)
{
	struct tnode mine[4];
	int found = 0;
	void *out[64];
	ssize_t k;

	for (int i = 0; i < 4; i++) {
		mine[i].id = -1 - i;
		CHILD_CHECK(rseq_percpu_stack_push(stk, &mine[i].link) >= 0);
		CHILD_CHECK(rseq_percpu_buffer_push(buf, &mine[i]) >= 0);
	}
	for (int c = 0; c < nr; c++) {
		for (struct rseq_percpu_node *l = rseq_percpu_stack_pop_all_cpu(stk, c); l; l = l->next)
			found += ((struct tnode *)l)->id < 0;
		while ((k = rseq_percpu_buffer_drain_cpu(buf, c, out, 64)) > 0)
			for (ssize_t i = 0; i < k; i++)
				found += ((struct tnode *)out[i])->id < 0;
		CHILD_CHECK(k == 0);
	}
	CHILD_CHECK(found == 8);
}

static void child_fifo_counter(void)
{
	struct trec r = { 12345, ~12345L }, o;
	int found = 0;
	intptr_t s0, t;

	CHILD_CHECK(rseq_percpu_fifo_push(fifo, &r) >= 0);
	for (int c = 0; c < nr; c++)
		while (!rseq_percpu_fifo_pop_cpu(fifo, c, &o))
			found += o.id == 12345;
	CHILD_CHECK(found == 1);
	s0 = rseq_percpu_counter_sum(ctr);
	for (int i = 0; i < 10; i++)
		rseq_percpu_counter_inc(ctr);
	CHILD_CHECK(rseq_percpu_counter_sum(ctr) - s0 == 10);
	for (int c = 0; c < nr; c++)
		CHILD_CHECK(!rseq_percpu_counter_read_reset(ctr, c, &t));
	CHILD_CHECK(rseq_percpu_counter_sum(ctr) == 0);
}

static void child_cache(void)
{
	void *objs[200];
	struct rseq_percpu_cache_stats st;
	struct rseq_percpu_counter *fresh;

	for (int i = 0; i < 200; i++) {
		objs[i] = rseq_percpu_cache_alloc(cache);
		CHILD_CHECK(objs[i] != NULL);
		if (objs[i])
			memset(objs[i], i, 64);
	}
	for (int i = 0; i < 200; i++)
		if (objs[i]) {
			CHILD_CHECK(((unsigned char *)objs[i])[63] == (unsigned char)i);
			rseq_percpu_cache_free(cache, objs[i]);
		}
	CHILD_CHECK(rseq_percpu_cache_drain_all(cache) >= 0);
	CHILD_CHECK(!rseq_percpu_cache_get_stats(cache, &st));
	/* The metadata allocator works too. */
	fresh = rseq_percpu_counter_create(NULL);
	CHILD_CHECK(fresh != NULL);
	rseq_percpu_counter_inc(fresh);
	CHILD_CHECK(rseq_percpu_counter_sum(fresh) == 1);
	rseq_percpu_counter_destroy(fresh);
}

static void child(void)
{
	alarm(20);	/* a hang is a failure, not a stuck test */
	child_locks();
	child_stack_buffer();
	child_fifo_counter();
	child_cache();
	fflush(stderr);
	_exit(child_fail);
}

static void create_all(void)
{
	create_structures(&all, (size_t)nt * PER_THREAD + 64, 8, 16, 8);
	nr = rseq_percpu_stack_nr_cpus(stk);
	nodes = (struct tnode *)calloc((size_t)nt * PER_THREAD * 2, sizeof(*nodes));
	for (int i = 0; i < nt * PER_THREAD; i++) {
		nodes[i].id = i;
		CHECK(rseq_percpu_stack_push(stk, &nodes[i].link) >= 0);
		nodes[nt * PER_THREAD + i].id = nt * PER_THREAD + i;
		CHECK(rseq_percpu_buffer_push(buf, &nodes[nt * PER_THREAD + i]) >= 0);
	}
}

/* The parent lost nothing through the forks. */
static void verify_parent(void)
{
	int *seen = (int *)calloc((size_t)nt * PER_THREAD * 2, sizeof(int));
	int bad = 0;

	take_all_nodes(&all, seen);
	for (int i = 0; i < nt * PER_THREAD * 2; i++)
		bad += seen[i] != 1;
	CHECK_MSG(!bad, "parent: %d nodes lost or duplicated across the forks", bad);
	free(seen);
}

int main(int argc, char **argv)
{
	int ok = rseq_percpu_init(), failed = 0;
	int forks = (int)test_scale(!strcmp(test_mode(), "valgrind") ? 6 : 40);
	pthread_t *tids;
	unsigned int seed = 3;

	(void)rseq_register_current_thread();
	nt = 2 * (int)sysconf(_SC_NPROCESSORS_ONLN) + 1;
	tids = (pthread_t *)calloc((size_t)nt, sizeof(*tids));
	create_all();
	for (long i = 0; i < nt; i++)
		pthread_create(&tids[i], NULL, hammer, (void *)i);
	for (int f = 0; f < forks; f++) {
		pid_t pid;

		usleep(rnd(&seed) % 3000);
		pid = fork();
		if (pid == 0)
			child();
		CHECK(pid > 0);
		if (pid < 0)
			break;
		if (!test_check_child(pid, "fork", f))
			failed++;
	}
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < nt; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	verify_parent();
	printf("%s mode: %d forks while %d threads used every structure; %d children failed\n",
	       ok ? "rseq" : "atomic", forks, nt, failed);
	rerun_in_atomic_mode(argc, argv, ok);
	return test_done();
}
