/* SPDX-License-Identifier: MIT */
/*
 * percpu_counter_raw - a per-CPU counter built directly on rseq_addv():
 * each thread adds to the slot of the CPU it runs on, without atomic
 * instructions; a reader sums the slots.  When rseq is unavailable the
 * threads add to one shared atomic counter instead (never to the slots,
 * which rseq updates with plain stores).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <rseqkit/rseq.h>

#define THREADS		4
#define INCREMENTS	200000

struct slot {
	intptr_t count;
} __attribute__((aligned(64)));		/* one cache line per CPU */

static struct slot *slots;
static int nr_slots;
static intptr_t fallback_count;		/* used only without rseq */

static void counter_add(intptr_t n)
{
	for (;;) {
		int cpu;

		/* Not registered (-1) or registration failed (-2). */
		if (rseq_current_cpu_raw() < 0)
			break;
		cpu = (int)rseq_cpu_start();
		if (cpu >= nr_slots)
			break;
		/* 0: added; -1: preempted, migrated or signalled: retry. */
		if (rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
			      &slots[cpu].count, n, cpu) == 0)
			return;
	}
	__atomic_fetch_add(&fallback_count, n, __ATOMIC_RELAXED);
}

static intptr_t counter_sum(void)
{
	intptr_t sum = __atomic_load_n(&fallback_count, __ATOMIC_RELAXED);

	for (int i = 0; i < nr_slots; i++)
		sum += RSEQ_READ_ONCE(slots[i].count);
	return sum;
}

static void *worker(void *arg)
{
	(void)arg;
	/* Fails harmlessly without rseq: counter_add() then falls back. */
	int registered = rseq_register_current_thread() == 0;

	for (int i = 0; i < INCREMENTS; i++)
		counter_add(1);
	if (registered)
		rseq_unregister_current_thread();
	return NULL;
}

int main(void)
{
	pthread_t threads[THREADS];
	intptr_t sum;

	nr_slots = get_nprocs_conf();
	slots = aligned_alloc(64, sizeof(*slots) * (size_t)nr_slots);
	if (!slots)
		return 1;
	memset(slots, 0, sizeof(*slots) * (size_t)nr_slots);

	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&threads[i], NULL, worker, NULL))
			return 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);

	sum = counter_sum();
	printf("%d threads x %d increments: sum %ld (%s)\n", THREADS,
	       INCREMENTS, (long)sum,
	       fallback_count ? "with the atomic fallback" : "all through rseq");
	for (int i = 0; i < nr_slots; i++)
		if (slots[i].count)
			printf("  cpu %d: %ld\n", i, (long)slots[i].count);
	free(slots);
	return sum == (intptr_t)THREADS * INCREMENTS ? 0 : 1;
}
