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
	rseq_register_current_thread();
	for (int i = 0; i < 100000; i++) {
		int cpu = rseq_percpu_lock(lock);	/* this CPU's lock */

		if (cpu < 0)
			break;	/* only EDEADLK or a denied membarrier */
		data[cpu]++;
		rseq_percpu_unlock(lock, cpu);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	long sum = 0;
	int nr;

	lock = rseq_percpu_lock_create(NULL);
	if (!lock) {
		fprintf(stderr, "rseq_percpu_lock_create: %s\n", rseq_error_reason());
		return 1;
	}
	nr = rseq_percpu_lock_nr_cpus(lock);
	data = (long *)calloc((size_t)nr, sizeof(long));
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, work, NULL);
	/* Meanwhile, read CPU 0's data under CPU 0's lock. */
	if (rseq_percpu_lock_cpu(lock, 0) == 0) {
		printf("cpu 0 so far: %ld\n", data[0]);
		rseq_percpu_unlock(lock, 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (int c = 0; c < nr; c++)
		sum += data[c];
	printf("total: %ld\n", sum);
	rseq_percpu_lock_destroy(lock);
	free(data);
	return 0;
}
