/* SPDX-License-Identifier: MIT */
/*
 * percpu_list - a per-CPU linked list (a LIFO per CPU): push with
 * rseq_cmpeqv_storev(), pop with rseq_cmpnev_storeoffp_load().  Each
 * thread pushes its nodes, then pops until every list is empty; the
 * program checks that every node came out exactly once.  Without rseq a
 * mutex protects the lists instead (decided once, for the whole process).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* sched_setaffinity(), CPU_SET() */
#endif
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <rseqkit/rseq.h>

#define THREADS		4
#define NODES		10000	/* per thread */

struct node {
	intptr_t value;
	struct node *next;
};

struct head {
	struct node *first;
} __attribute__((aligned(64)));

static struct head *lists;
static int nr_lists;
static bool use_rseq;
static pthread_mutex_t fallback_lock = PTHREAD_MUTEX_INITIALIZER;

static void push(struct node *node)
{
	if (!use_rseq) {
		int cpu = rseq_current_cpu() % nr_lists;

		pthread_mutex_lock(&fallback_lock);
		node->next = lists[cpu].first;
		lists[cpu].first = node;
		pthread_mutex_unlock(&fallback_lock);
		return;
	}
	for (;;) {
		int cpu = (int)rseq_cpu_start();
		intptr_t *head = (intptr_t *)&lists[cpu].first;
		intptr_t expect = RSEQ_READ_ONCE(*head);

		node->next = (struct node *)expect;
		/* 0: pushed; 1: the head changed; -1: aborted. Retry both. */
		if (rseq_cmpeqv_storev(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID, head,
				       expect, (intptr_t)node, cpu) == 0)
			return;
	}
}

/* Pop from the current CPU's list; NULL when that list is empty. */
static struct node *pop(void)
{
	if (!use_rseq) {
		struct node *node = NULL;

		pthread_mutex_lock(&fallback_lock);
		for (int i = 0; i < nr_lists && !node; i++) {
			node = lists[i].first;
			if (node)
				lists[i].first = node->next;
		}
		pthread_mutex_unlock(&fallback_lock);
		return node;
	}
	for (;;) {
		int cpu = (int)rseq_cpu_start();
		intptr_t load;
		int ret = rseq_cmpnev_storeoffp_load(RSEQ_MO_RELAXED,
				RSEQ_PERCPU_CPU_ID, (intptr_t *)&lists[cpu].first,
				(intptr_t)NULL, offsetof(struct node, next),
				&load, cpu);

		if (ret == 0)
			return (struct node *)load;
		if (ret > 0)
			return NULL;	/* this CPU's list is empty */
	}
}

static void *worker(void *arg)
{
	struct node *nodes = arg;

	if (use_rseq && rseq_register_current_thread()) {
		fprintf(stderr, "thread registration failed: %s\n",
			rseq_error_reason());
		exit(1);	/* cannot mix the rseq and mutex paths */
	}
	for (int i = 0; i < NODES; i++)
		push(&nodes[i]);
	if (use_rseq)
		rseq_unregister_current_thread();
	return NULL;
}

/* Drain every list: pin this thread to each CPU in turn, or use the lock. */
static void drain(intptr_t *count, intptr_t *sum)
{
	struct node *node;
	cpu_set_t saved, one;

	sched_getaffinity(0, sizeof(saved), &saved);
	for (int cpu = 0; cpu < nr_lists; cpu++) {
		if (use_rseq) {
			if (!CPU_ISSET(cpu, &saved))
				continue;
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			if (sched_setaffinity(0, sizeof(one), &one))
				continue;
		}
		while ((node = pop())) {
			(*count)++;
			*sum += node->value;
		}
	}
	sched_setaffinity(0, sizeof(saved), &saved);
}

int main(void)
{
	pthread_t threads[THREADS];
	struct node *nodes;
	intptr_t count = 0, sum = 0, want = 0, left = 0;

	use_rseq = rseq_register_current_thread() == 0;
	nr_lists = get_nprocs_conf();
	lists = calloc((size_t)nr_lists, sizeof(*lists));
	nodes = calloc(THREADS * NODES, sizeof(*nodes));
	if (!lists || !nodes)
		return 1;
	for (intptr_t i = 0; i < THREADS * NODES; i++) {
		nodes[i].value = i;
		want += i;
	}

	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&threads[i], NULL, worker, &nodes[i * NODES]))
			return 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);

	drain(&count, &sum);
	for (int i = 0; i < nr_lists; i++)
		left += lists[i].first != NULL;	/* CPUs this thread may not use */
	printf("%s: pushed %d nodes, popped %ld, sum %s\n",
	       use_rseq ? "rseq" : "mutex fallback", THREADS * NODES,
	       (long)count, sum == want ? "ok" : "WRONG");
	if (use_rseq)
		rseq_unregister_current_thread();
	free(nodes);
	free(lists);
	if (left) {
		printf("%ld lists left on CPUs outside this thread's affinity\n",
		       (long)left);
		return 0;
	}
	return count == THREADS * NODES && sum == want ? 0 : 1;
}
