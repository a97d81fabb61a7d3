/* percpu_lock - per-CPU locks guarding per-CPU data; a remote CPU's lock. */
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <rseqkit/percpu/lock.h>

static struct rseq_percpu_lock *lock;
static long *data;	/* one per CPU */

static void *work(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100000; i++) {
		int cpu = rseq_percpu_lock(lock);	/* this CPU's lock */
		data[cpu]++;
		rseq_percpu_unlock(lock, cpu);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	long sum = 0;

	lock = rseq_percpu_lock_create(NULL);
	if (!lock)
		return perror("rseq_percpu_lock_create"), 1;
	data = calloc((size_t)lock->b.nr, sizeof(long));
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, work, NULL);
	/* Meanwhile, read CPU 0's data under CPU 0's lock. */
	rseq_percpu_lock_cpu(lock, 0);
	printf("cpu 0 so far: %ld\n", data[0]);
	rseq_percpu_unlock(lock, 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (int c = 0; c < lock->b.nr; c++)
		sum += data[c];
	printf("total: %ld\n", sum);
	rseq_percpu_lock_destroy(lock);
	free(data);
	return 0;
}
