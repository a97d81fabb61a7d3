/* SPDX-License-Identifier: MIT */
/* percpu_counter - count events from several threads, read the exact sum. */
#include <stdio.h>
#include <pthread.h>
#include <rseqkit/percpu/counter.h>

static struct rseq_percpu_counter *events;

static void *work(void *arg)
{
	(void)arg;
	/* Without it a thread takes the (correct, slower) atomic path. */
	rseq_register_current_thread();
	for (int i = 0; i < 100000; i++)
		rseq_percpu_counter_inc(events);
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	intptr_t cpu0;

	events = rseq_percpu_counter_create(NULL);
	if (!events) {
		fprintf(stderr, "rseq_percpu_counter_create: %s\n", rseq_error_reason());
		return 1;
	}
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, work, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("events: %ld on %d CPU slots\n", (long)rseq_percpu_counter_sum(events),
	       rseq_percpu_counter_nr_cpus(events));
	if (rseq_percpu_counter_read_reset(events, 0, &cpu0) == 0)
		printf("CPU 0's share, now reset: %ld\n", (long)cpu0);
	rseq_percpu_counter_destroy(events);
	return 0;
}
