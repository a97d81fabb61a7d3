/* SPDX-License-Identifier: MIT */
/*
 * pool_fork_test - fork() from a multi-threaded process while other
 * threads allocate and free from every kind of pool (COW_INIT, COW_ZERO,
 * robust, global, a pool set, a range-limited pool): the child, under an
 * alarm so that a lock left held fails instead of hanging, allocates and
 * frees from each pool, creates and destroys one, and checks contents.
 * COW_INIT pools share their initial values with the other process after
 * fork; the test checks that neither process sees the other's
 * allocations: an item the parent initialized before fork reads the same
 * in both, and the values each process writes later stay its own.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "harness.h"
#include <rseqkit/pool.h>

#define NPOOLS	6
static struct rseq_mempool *pools[NPOOLS];
static const char *names[NPOOLS] = { "cow-init", "cow-zero", "robust", "global", "limited",
				     "set" };
static struct rseq_mempool_set *set;
static size_t page;
static volatile int stop;
static long before_value[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static long *before_item;	/* COW_INIT item initialized before any fork */

static size_t stride_of(int k)
{
	return k == 0 || k == 5 ? RSEQ_MEMPOOL_STRIDE : page;
}

static void *alloc_from(int k, long tag)
{
	long v[8];

	for (int i = 0; i < 8; i++)
		v[i] = tag + i;
	if (k == 5)
		return rseq_mempool_set_percpu_malloc_init(set, v, sizeof(v));
	return rseq_mempool_percpu_malloc_init(pools[k], v, sizeof(v));
}

/* Every written instance holds tag, tag + 1, ... */
static int holds(int k, long *x, long tag)
{
	struct rseq_mempool *p = k == 5 ? NULL : pools[k];
	int n = p ? rseq_mempool_nr_cpus(p) : rseq_get_max_nr_cpus();

	for (int c = 0; c < n; c++) {
		long *i = rseq_percpu_ptr(x, c, stride_of(k));

		if (p && !rseq_mempool_cpu_possible(p, c))
			continue;
		for (int w = 0; w < 8; w++)
			if (i[w] != tag + w)
				return 0;
	}
	return 1;
}

static void *hammer(void *arg)
{
	long tag = (long)(uintptr_t)arg * 1000000;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		for (int k = 0; k < NPOOLS; k++) {
			long *x = (long *)alloc_from(k, tag);

			if (!x)
				continue;
			if (!holds(k, x, tag))
				CHECK_MSG(0, "parent: pool %s: contents wrong", names[k]);
			CHECK_EQ(rseq_mempool_percpu_free(x, stride_of(k)), 0);
		}
		tag++;
	}
	return NULL;
}

/* The child: returns its exit status (0 ok). */
static int child(int round)
{
	long tag = 900000000L + round * 1000;
	struct rseq_mempool *fresh;
	long *x[NPOOLS][4];

	alarm(30);		/* a lock held across fork() would hang here */
	if (!holds(0, before_item, 1))
		return 10;
	for (int k = 0; k < NPOOLS; k++) {
		for (int j = 0; j < 4; j++) {
			x[k][j] = (long *)alloc_from(k, tag + j * 10);
			if (!x[k][j])
				return 20 + k;
		}
		for (int j = 0; j < 4; j++) {
			if (!holds(k, x[k][j], tag + j * 10))
				return 30 + k;
			if (rseq_mempool_percpu_free(x[k][j], stride_of(k)))
				return 40 + k;
		}
	}
	if (!holds(0, before_item, 1))
		return 11;
	fresh = rseq_mempool_create("child", 32, NULL);
	if (!fresh || !rseq_mempool_percpu_zmalloc(fresh) || rseq_mempool_destroy(fresh))
		return 50;
	return 0;
}

static struct rseq_mempool *make(int k)
{
	struct rseq_mempool_attr *a = rseq_mempool_attr_create();
	struct rseq_mempool *p;

	if (!a)
		return NULL;
	switch (k) {
	case 1:
		rseq_mempool_attr_set_percpu(a, page, 0);
		rseq_mempool_attr_set_populate_policy(a, RSEQ_MEMPOOL_POPULATE_COW_ZERO);
		break;
	case 2:
		rseq_mempool_attr_set_percpu(a, page, 0);
		rseq_mempool_attr_set_robust(a);
		break;
	case 3:
		rseq_mempool_attr_set_global(a, page);
		break;
	case 4:
		rseq_mempool_attr_set_percpu(a, page, 0);
		rseq_mempool_attr_set_max_nr_ranges(a, 64);
		break;
	}
	p = rseq_mempool_create(names[k], 64, a);
	rseq_mempool_attr_destroy(a);
	return p;
}

int main(void)
{
	int threads = 3, rounds = (int)test_scale(!strcmp(test_mode(), "valgrind") ? 10 : 60);
	pthread_t t[3];
	int bad = 0;

	page = (size_t)sysconf(_SC_PAGESIZE);
	for (int k = 0; k < NPOOLS - 1; k++) {
		pools[k] = make(k);
		CHECK_MSG(pools[k] != NULL, "create %s: %s", names[k], rseq_error_reason());
		if (!pools[k])
			return test_done();
	}
	set = rseq_mempool_set_create();
	CHECK(set != NULL);
	CHECK_EQ(rseq_mempool_set_add_pool(set, rseq_mempool_create("set", 64, NULL)), 0);
	before_item = (long *)rseq_mempool_percpu_malloc_init(pools[0], before_value,
							      sizeof(before_value));
	CHECK(before_item != NULL);
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, hammer, (void *)(uintptr_t)(i + 1));
	for (int r = 0; r < rounds; r++) {
		pid_t pid = fork();
		int st = 0;

		if (pid == 0)
			_exit(child(r));
		CHECK(pid > 0);
		if (pid < 0)
			break;
		/* Meanwhile the parent's threads keep allocating. */
		CHECK(waitpid(pid, &st, 0) == pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			bad++;
			CHECK_MSG(0, "round %d: child %s %d", r,
				  WIFEXITED(st) ? "exited with" : "killed by signal",
				  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		}
		CHECK(holds(0, before_item, 1));
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	printf("%d forks with %d threads allocating: %d children failed\n", rounds, threads, bad);
	CHECK_EQ(rseq_mempool_percpu_free(before_item), 0);
	for (int k = 0; k < NPOOLS - 1; k++) {
		struct rseq_mempool_stats st;

		rseq_mempool_get_stats(pools[k], &st);
		CHECK_EQ(st.items_used, 0);
		CHECK_EQ(st.errors, 0);
		CHECK_EQ(rseq_mempool_destroy(pools[k]), 0);
	}
	CHECK_EQ(rseq_mempool_set_destroy(set), 0);
	return test_done();
}
