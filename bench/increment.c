/* SPDX-License-Identifier: MIT */
/* bench/increment.c - the per-CPU increment's cases (bench/increment.h). */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <rseqkit/rseq.h>
#include "increment.h"

struct inc_slot *inc_slots;
static struct inc_slot shared_counter;
static int nslots;

int inc_setup(struct bench_case *c, int T)
{
	(void)c;
	nslots = bench_max_cpus() > T ? bench_max_cpus() : T;
	free(inc_slots);
	inc_slots = bench_alloc(sizeof(struct inc_slot) * (size_t)nslots);
	shared_counter.v = 0;
	return 0;
}

int inc_verify(struct bench_case *c, int T, uint64_t total)
{
	intptr_t sum = shared_counter.v;

	(void)T;
	for (int i = 0; i < nslots; i++)
		sum += inc_slots[i].v;
	if ((uint64_t)sum != total) {
		fprintf(stderr, "verify: %s: counters sum to %lld, %llu increments done\n",
			c->name, (long long)sum, (unsigned long long)total);
		return 1;
	}
	return 0;
}

/*
 * The baseline: the add is a load and a store of memory every iteration;
 * the compiler barrier keeps it from being hoisted or merged (the rseq
 * operation is an asm statement with a "memory" clobber: the same rule).
 */
uint64_t inc_plain(struct bench_thread *t, uint64_t n)
{
	struct inc_slot *s = &inc_slots[t->id];

	for (uint64_t i = 0; i < n; i++) {
		s->v++;
		bench_clobber();
	}
	return n;
}

/*
 * The array pointer is copied to a local (a register), as real code does:
 * the global would be reloaded after every operation's "memory" clobber.
 * The plain add computes its slot once, outside the loop, likewise.
 */
uint64_t inc_rseq(struct bench_thread *t, uint64_t n)
{
	struct inc_slot *s = inc_slots;

	(void)t;
	for (uint64_t i = 0; i < n; i++) {
		for (;;) {
			int cpu = (int)rseq_cpu_start();

			if (rseq_likely(!rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
						   &s[cpu].v, 1, cpu)))
				break;
		}
		bench_clobber();
	}
	return n;
}

uint64_t inc_shared_atomic(struct bench_thread *t, uint64_t n)
{
	(void)t;
	for (uint64_t i = 0; i < n; i++) {
		__atomic_fetch_add(&shared_counter.v, 1, __ATOMIC_RELAXED);
		bench_clobber();
	}
	return n;
}

uint64_t inc_percpu_atomic(struct bench_thread *t, uint64_t n)
{
	struct inc_slot *s = inc_slots;

	(void)t;
	for (uint64_t i = 0; i < n; i++) {
		int cpu = sched_getcpu();

		__atomic_fetch_add(&s[cpu].v, 1, __ATOMIC_RELAXED);
		bench_clobber();
	}
	return n;
}

