/* SPDX-License-Identifier: MIT */
/* percpu_lock - per-CPU locks guarding per-CPU data; a remote CPU's lock. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <rseqkit/percpu/lock.h>

#define WORKERS	4
#define ITERS	100000

static struct rseq_percpu_lock *lock;
static long *data;	/* one per CPU */
static int halfway;	/* workers past ITERS / 2 */

static void *work(void *arg)
{
	(void)arg;
	for (int i = 0; i < ITERS; i++) {
		int cpu = rseq_percpu_lock(lock);	/* this CPU's lock */
		data[cpu]++;
		rseq_percpu_unlock(lock, cpu);
		if (i == ITERS / 2)
			__atomic_fetch_add(&halfway, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[WORKERS];
	long sum = 0, cpu0;

	lock = rseq_percpu_lock_create(NULL);
	if (!lock)
		return perror("rseq_percpu_lock_create"), 1;
	data = calloc((size_t)lock->b.nr, sizeof(long));
	if (!data)
		return perror("calloc"), 1;
	for (int i = 0; i < WORKERS; i++)
		if (pthread_create(&t[i], NULL, work, NULL))
			return fprintf(stderr, "pthread_create failed\n"), 1;
	/* Once every worker is past halfway (some may have finished), read
	 * CPU 0's data under CPU 0's lock, from whatever CPU this is. */
	while (__atomic_load_n(&halfway, __ATOMIC_ACQUIRE) < WORKERS)
		sched_yield();
	if (rseq_percpu_lock_cpu(lock, 0) < 0)
		return fprintf(stderr, "lock cpu 0: %s\n", rseq_error_reason()), 1;
	cpu0 = data[0];
	rseq_percpu_unlock(lock, 0);
	printf("CPU 0's count, read under CPU 0's lock once every worker was past halfway: %ld\n", cpu0);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	for (int c = 0; c < lock->b.nr; c++)
		sum += data[c];
	printf("total after the workers finished: %ld (expected %d)\n", sum, WORKERS * ITERS);
	rseq_percpu_lock_destroy(lock);
	free(data);
	return sum == WORKERS * ITERS ? 0 : 1;
}
