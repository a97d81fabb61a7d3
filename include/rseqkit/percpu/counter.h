/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/percpu/counter.h - per-CPU counter: add, sum, read-and-reset.
 *
 * Each CPU's slot has a word only rseq critical sections of that CPU add
 * to (one rseq_addv()), a word threads without rseq add to with atomic
 * instructions, and the value of the first word that the resets have
 * taken so far.  The two kinds of writers never share a word, so they
 * cannot lose each other's updates; a reset never writes the rseq word,
 * so it needs no fence, and no lock: every function here is lock-free
 * and async-signal-safe.  See rseq_percpu_counter_add(3).
 */
#ifndef RSEQKIT_PERCPU_COUNTER_H
#define RSEQKIT_PERCPU_COUNTER_H

#include <rseqkit/percpu/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rseq_percpu_counter_slot {
	intptr_t count;		/* rseq critical sections of this CPU only */
	intptr_t atomic;	/* atomic adds of threads without rseq */
	intptr_t snap;		/* 'count' up to which resets took it */
};

/* Opaque but for what the inline add reads (see rseq_percpu_base). */
struct rseq_percpu_counter {
	struct rseq_percpu_base b;
};

/* A counter over pool (NULL: a private pool), or NULL with errno. */
struct rseq_percpu_counter *rseq_percpu_counter_create(struct rseq_mempool *pool) RSEQKIT_SYM(percpu_counter_create);
/* NULL is a no-op. */
void rseq_percpu_counter_destroy(struct rseq_percpu_counter *c) RSEQKIT_SYM(percpu_counter_destroy);
/* Called by the inline add; not for direct use.  Cannot fail. */
void rseq_percpu_counter_add_slow(struct rseq_percpu_counter *c, intptr_t v) RSEQKIT_SYM(percpu_counter_add_slow);
/* The total not yet taken by resets (exact when nothing runs concurrently). */
intptr_t rseq_percpu_counter_sum(const struct rseq_percpu_counter *c) RSEQKIT_SYM(percpu_counter_sum);
/*
 * Take what was added to slot 'cpu' since the last reset of it, into
 * *taken: 0, or -1 with errno EINVAL (no such slot, or NULL).
 */
int rseq_percpu_counter_read_reset(struct rseq_percpu_counter *c, int cpu,
				   intptr_t *taken) RSEQKIT_SYM(percpu_counter_read_reset);
/* Reset every slot; returns the total taken (cannot fail). */
intptr_t rseq_percpu_counter_reset(struct rseq_percpu_counter *c) RSEQKIT_SYM(percpu_counter_reset);
/* Slots: indexes 0 .. nr_cpus - 1; -1 with errno EINVAL for NULL. */
int rseq_percpu_counter_nr_cpus(const struct rseq_percpu_counter *c) RSEQKIT_SYM(percpu_counter_nr_cpus);

/* The add of other structures' kinds, and of threads without rseq. */
RSEQ_PERCPU_INLINE void rseq_percpu_counter_add_checked(struct rseq_percpu_counter *c,
							intptr_t v)
{
	int cpu = rseq_percpu_fast_index(&c->b);

	if (rseq_likely(cpu >= 0)) {
		struct rseq_percpu_counter_slot *s = (struct rseq_percpu_counter_slot *)
			rseq_percpu_slot_of(&c->b, cpu);

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
 * unregistered threads), and the slow path on abort.  Async-signal-safe.
 */
RSEQ_PERCPU_INLINE void rseq_percpu_counter_add(struct rseq_percpu_counter *c,
						intptr_t v)
{
	char *base = rseq_percpu_fast_base(&c->b);

	if (rseq_likely(base != NULL)) {
		uint32_t cpu = rseq_cpu_start();
		struct rseq_percpu_counter_slot *s = (struct rseq_percpu_counter_slot *)
			(void *)(base + (size_t)cpu * c->b.stride);

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
