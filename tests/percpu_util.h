/* SPDX-License-Identifier: MIT */
/*
 * tests/percpu_util.h - what the per-CPU structures' tests share: a node
 * and a record to move around, a small random generator, one of each
 * structure, and the re-run of the whole test in atomic mode.  Include
 * after "harness.h" and <rseqkit/percpu/percpu.h>.
 */
#ifndef RSEQKIT_TESTS_PERCPU_UTIL_H
#define RSEQKIT_TESTS_PERCPU_UTIL_H

#include <unistd.h>

/* An intrusive node: on a stack by 'link', in a buffer by its address. */
struct tnode {
	struct rseq_percpu_node link;
	int id;
};

/* A FIFO record with a check of its id. */
struct trec {
	long id, check;
};

/* One of each structure. */
struct structures {
	struct rseq_percpu_counter *ctr;
	struct rseq_percpu_lock *lck;
	struct rseq_percpu_stack *stk;
	struct rseq_percpu_buffer *buf;
	struct rseq_percpu_fifo *fifo;
	struct rseq_percpu_cache *cache;
};

__attribute__((unused))
static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245 + 12345;
	return *s >> 8;
}

/*
 * Every structure: a buffer of buf_cap pointers, a FIFO of fifo_cap
 * records, a cache of 64-byte objects with capacity/batch per CPU.
 */
__attribute__((unused))
static void create_structures(struct structures *st, size_t buf_cap, size_t fifo_cap,
			      size_t cache_cap, size_t cache_batch)
{
	struct rseq_percpu_cache_attr *a = rseq_percpu_cache_attr_create();

	rseq_percpu_cache_attr_set_capacity(a, cache_cap);
	rseq_percpu_cache_attr_set_batch(a, cache_batch);
	st->ctr = rseq_percpu_counter_create(NULL);
	st->lck = rseq_percpu_lock_create(NULL);
	st->stk = rseq_percpu_stack_create(NULL);
	st->buf = rseq_percpu_buffer_create(buf_cap, NULL);
	st->fifo = rseq_percpu_fifo_create(sizeof(struct trec), fifo_cap, NULL);
	st->cache = rseq_percpu_cache_create(64, a);
	rseq_percpu_cache_attr_destroy(a);
	CHECK(st->ctr && st->lck && st->stk && st->buf && st->fifo && st->cache);
}

/*
 * Count every node on every CPU's stack and in every CPU's buffer, taking
 * them out: seen[id]++ for each.
 */
__attribute__((unused))
static void take_all_nodes(const struct structures *st, int *seen)
{
	for (int c = 0; c < rseq_percpu_stack_nr_cpus(st->stk); c++) {
		void *out[64];
		ssize_t k;

		for (struct rseq_percpu_node *l = rseq_percpu_stack_pop_all_cpu(st->stk, c); l;
		     l = l->next)
			seen[((struct tnode *)l)->id]++;
		while ((k = rseq_percpu_buffer_drain_cpu(st->buf, c, out, 64)) > 0)
			for (ssize_t i = 0; i < k; i++)
				seen[((struct tnode *)out[i])->id]++;
	}
}

/*
 * After a run in rseq mode, the whole test again in atomic mode (a new
 * process: the mode is decided once per process).  Returns only when
 * there is nothing to re-run.
 */
__attribute__((unused))
static void rerun_in_atomic_mode(int argc, char **argv, int rseq_mode)
{
	char *args[] = { argv[0], (char *)"child", NULL };

	if (!rseq_mode || argc != 1 || test_failed)
		return;
	setenv("RSEQKIT_PERCPU_NO_MEMBARRIER", "1", 1);
	fflush(stdout);
	execv("/proc/self/exe", args);
	CHECK_MSG(0, "exec failed");
}

#ifdef PERCPU_UTIL_ALL
/* The test's structures, by short names (after the functions above). */
static struct structures all;
#define ctr	all.ctr
#define stk	all.stk
#define buf	all.buf
#define fifo	all.fifo
#define cache	all.cache
#define lck	all.lck
#endif

#endif
