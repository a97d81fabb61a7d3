// SPDX-License-Identifier: MIT
/*
 * selftests_compat - a program written the way the Linux kernel's rseq
 * selftests are (basic_test.c and basic_percpu_ops_test.c): it includes
 * "rseq.h" and builds against rseqkit with -I<includedir>/rseqkit/selftests
 * (pkg-config rseqkit-selftests), unchanged.  mk/docs.mk builds it with
 * -Iinclude/rseqkit/selftests.
 *
 * It checks that the rseq CPU number agrees with sched_getcpu() on every
 * CPU this thread may run on, then runs the selftests' per-CPU spinlock
 * protecting a per-CPU counter from several threads.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rseq.h"

#define NR_THREADS	4
#define REPS		50000

struct percpu_lock_entry {
	intptr_t v;
} __attribute__((aligned(128)));

struct percpu_lock {
	struct percpu_lock_entry c[CPU_SETSIZE];
};

struct spinlock_test_data {
	struct percpu_lock lock;
	struct {
		intptr_t count;
	} __attribute__((aligned(128))) c[CPU_SETSIZE];
};

static void test_cpu_pointer(void)
{
	cpu_set_t affinity, test_affinity;
	int i;

	sched_getaffinity(0, sizeof(affinity), &affinity);
	CPU_ZERO(&test_affinity);
	for (i = 0; i < CPU_SETSIZE; i++) {
		if (CPU_ISSET(i, &affinity)) {
			int node;

			CPU_SET(i, &test_affinity);
			sched_setaffinity(0, sizeof(test_affinity),
					  &test_affinity);
			assert(sched_getcpu() == i);
			assert(rseq_current_cpu() == (unsigned int)i);
			assert(rseq_current_cpu_raw() == i);
			assert(rseq_cpu_start() == (unsigned int)i);
			if (rseq_node_id_available()) {
				node = rseq_fallback_current_node();
				assert(rseq_current_node_id() == (unsigned int)node);
			}
			CPU_CLR(i, &test_affinity);
		}
	}
	sched_setaffinity(0, sizeof(affinity), &affinity);
}

/* The selftests' per-CPU spinlock: returns the CPU whose lock it took. */
static int rseq_this_cpu_lock(struct percpu_lock *lock)
{
	int cpu;

	for (;;) {
		int ret;

		cpu = rseq_cpu_start();
		ret = rseq_cmpeqv_storev(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
					 &lock->c[cpu].v, 0, 1, cpu);
		if (rseq_likely(!ret))
			break;
		/* Retry if comparison fails or rseq aborts. */
	}
	/*
	 * Acquire semantic when taking lock after control dependency.
	 * Matches rseq_smp_store_release().
	 */
	rseq_smp_acquire__after_ctrl_dep();
	return cpu;
}

static void rseq_percpu_unlock(struct percpu_lock *lock, int cpu)
{
	assert(lock->c[cpu].v == 1);
	/*
	 * Release lock, with release semantic. Matches
	 * rseq_smp_acquire__after_ctrl_dep().
	 */
	rseq_smp_store_release(&lock->c[cpu].v, 0);
}

static void *test_percpu_spinlock_thread(void *arg)
{
	struct spinlock_test_data *data = arg;
	int i, cpu;

	if (rseq_register_current_thread()) {
		fprintf(stderr, "Error: rseq_register_current_thread(...) failed(%d): %s\n",
			errno, strerror(errno));
		abort();
	}
	for (i = 0; i < REPS; i++) {
		cpu = rseq_this_cpu_lock(&data->lock);
		data->c[cpu].count++;
		rseq_percpu_unlock(&data->lock, cpu);
	}
	if (rseq_unregister_current_thread()) {
		fprintf(stderr, "Error: rseq_unregister_current_thread(...) failed(%d): %s\n",
			errno, strerror(errno));
		abort();
	}
	return NULL;
}

static void test_percpu_spinlock(void)
{
	static struct spinlock_test_data data;
	pthread_t test_threads[NR_THREADS];
	uint64_t sum;
	int i;

	for (i = 0; i < NR_THREADS; i++)
		pthread_create(&test_threads[i], NULL,
			       test_percpu_spinlock_thread, &data);
	for (i = 0; i < NR_THREADS; i++)
		pthread_join(test_threads[i], NULL);

	sum = 0;
	for (i = 0; i < CPU_SETSIZE; i++)
		sum += data.c[i].count;
	assert(sum == (uint64_t)REPS * NR_THREADS);
}

int main(void)
{
	if (rseq_register_current_thread()) {
		/* The selftests fail here; an example explains and stops. */
		printf("rseq is not available here (%s): %s\n",
		       strerror(errno), rseq_error_reason());
		return 0;
	}
	printf("testing current cpu\n");
	test_cpu_pointer();
	printf("spinlock\n");
	test_percpu_spinlock();
	if (rseq_unregister_current_thread()) {
		fprintf(stderr, "Error: rseq_unregister_current_thread(...) failed(%d): %s\n",
			errno, strerror(errno));
		return 1;
	}
	printf("ok\n");
	return 0;
}
