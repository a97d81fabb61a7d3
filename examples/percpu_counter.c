/* percpu_counter - count events from several threads, read the exact sum. */
#include <stdio.h>
#include <pthread.h>
#include <rseqkit/percpu/counter.h>

static struct rseq_percpu_counter *events;

static void *work(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100000; i++)
		rseq_percpu_counter_inc(events);
	return NULL;
}

int main(void)
{
	pthread_t t[4];

	events = rseq_percpu_counter_create(NULL);
	if (!events)
		return perror("rseq_percpu_counter_create"), 1;
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, work, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("events: %ld\n", (long)rseq_percpu_counter_sum(events));
	printf("CPU 0's share, now reset: %ld\n",
	       (long)rseq_percpu_counter_read_reset(events, 0));
	rseq_percpu_counter_destroy(events);
	return 0;
}
