/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/percpu/counter.h - per-CPU counter: add, exact sum, reset.
 *
 * Each CPU's slot has a word only rseq critical sections of that CPU add
 * to (one rseq_addv()), a word threads without rseq add to with atomic
 * instructions, and the snapshot the last reset took of the first word.
 * The two kinds of writers never share a word, so they cannot lose each
 * other's updates; a reset never writes the rseq word, so it needs no
 * fence.  See rseq_percpu_counter_add(3).
 */
#ifndef RSEQKIT_PERCPU_COUNTER_H
#define RSEQKIT_PERCPU_COUNTER_H

#include <pthread.h>
#include <rseqkit/percpu/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rseq_percpu_counter_slot {
	intptr_t count;		/* rseq critical sections of this CPU only */
	intptr_t atomic;	/* atomic adds of threads without rseq */
	intptr_t snap;		/* 'count' at the last reset (under 'lock') */
};

struct rseq_percpu_counter {
	struct rseq_percpu_base b;
	pthread_mutex_t lock;	/* serializes sums and resets */
};

struct rseq_percpu_counter *rseq_percpu_counter_create(struct rseq_mempool *pool) RSEQKIT_SYM(percpu_counter_create);
void rseq_percpu_counter_destroy(struct rseq_percpu_counter *c) RSEQKIT_SYM(percpu_counter_destroy);
void rseq_percpu_counter_add_slow(struct rseq_percpu_counter *c, intptr_t v) RSEQKIT_SYM(percpu_counter_add_slow);
/* The exact total (exact when no add runs concurrently). */
intptr_t rseq_percpu_counter_sum(struct rseq_percpu_counter *c) RSEQKIT_SYM(percpu_counter_sum);
/* Read slot 'cpu' and reset it to zero: what was added there since. */
intptr_t rseq_percpu_counter_read_reset(struct rseq_percpu_counter *c, int cpu) RSEQKIT_SYM(percpu_counter_read_reset);
/* Reset every slot; returns the total taken away. */
intptr_t rseq_percpu_counter_reset(struct rseq_percpu_counter *c) RSEQKIT_SYM(percpu_counter_reset);

/* The add of other structures' kinds, and of threads with rseq off. */
RSEQ_PERCPU_INLINE void rseq_percpu_counter_add_checked(struct rseq_percpu_counter *c,
						   intptr_t v)
{
	int cpu = rseq_percpu_fast_index(&c->b);

	if (rseq_likely(cpu >= 0)) {
		struct rseq_percpu_counter_slot *s = rseq_percpu_slot_of(&c->b, cpu);

		if (rseq_likely(!rseq_addv(RSEQ_MO_RELAXED, c->b.mode,
					   &s->count, v, cpu)))
			return;
	}
	rseq_percpu_counter_add_slow(c, v);
}

/*
 * The fast path is the raw per-CPU add plus two loads (the structure's
 * fast_base, which is also the mode check, and its stride): cpu_id_start,
 * one rseq_addv (whose comparison of cpu_id with it also rejects
 * unregistered threads), and the slow path on abort.
 */
RSEQ_PERCPU_INLINE void rseq_percpu_counter_add(struct rseq_percpu_counter *c,
					   intptr_t v)
{
	char *base = rseq_percpu_fast_base(&c->b);

	if (rseq_likely(base != NULL)) {
		uint32_t cpu = rseq_cpu_start();
		struct rseq_percpu_counter_slot *s = (struct rseq_percpu_counter_slot *)
			(base + (size_t)cpu * c->b.stride);

		if (rseq_likely(!rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
					   &s->count, v, (int)cpu)))
			return;
		rseq_percpu_counter_add_slow(c, v);
		return;
	}
	rseq_percpu_counter_add_checked(c, v);
}

RSEQ_PERCPU_INLINE void rseq_percpu_counter_inc(struct rseq_percpu_counter *c)
{
	rseq_percpu_counter_add(c, 1);
}

#ifdef __cplusplus
}
#endif

#endif
