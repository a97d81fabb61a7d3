/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/percpu/lock.h - per-CPU spinlock.
 *
 * rseq_percpu_lock() takes the lock of the CPU the caller runs on and
 * returns that CPU's index; rseq_percpu_unlock() releases it (from any
 * CPU).  rseq_percpu_lock_cpu() takes a given CPU's lock (a remote CPU's,
 * or the caller's own without rseq) through the claim protocol.
 * Lock word: 0 free, 1 held (taken by a critical section),
 * RSEQ_PERCPU_STOP held (taken by a claim).  See rseq_percpu_lock(3).
 */
#ifndef RSEQKIT_PERCPU_LOCK_H
#define RSEQKIT_PERCPU_LOCK_H

#include <rseqkit/percpu/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rseq_percpu_lock {
	struct rseq_percpu_base b;
};

struct rseq_percpu_lock *rseq_percpu_lock_create(struct rseq_mempool *pool) RSEQKIT_SYM(percpu_lock_create);
void rseq_percpu_lock_destroy(struct rseq_percpu_lock *l) RSEQKIT_SYM(percpu_lock_destroy);
int rseq_percpu_lock_slow(struct rseq_percpu_lock *l) RSEQKIT_SYM(percpu_lock_slow);
/* Take CPU 'cpu''s lock; returns cpu, or -1 with errno EINVAL. */
int rseq_percpu_lock_cpu(struct rseq_percpu_lock *l, int cpu) RSEQKIT_SYM(percpu_lock_cpu);

/* Take this CPU's lock; returns the index of the lock taken. */
RSEQ_PERCPU_INLINE int rseq_percpu_lock(struct rseq_percpu_lock *l)
{
	int cpu = rseq_percpu_fast_index(&l->b);

	if (rseq_likely(cpu >= 0)) {
		struct rseq_percpu_slot *s = rseq_percpu_slot_of(&l->b, cpu);

		if (rseq_likely(!rseq_cmpeqv_storev(RSEQ_MO_RELAXED, l->b.mode,
						    &s->word, 0, 1, cpu))) {
			rseq_smp_acquire__after_ctrl_dep();
			return cpu;
		}
	}
	return rseq_percpu_lock_slow(l);
}

RSEQ_PERCPU_INLINE void rseq_percpu_unlock(struct rseq_percpu_lock *l, int cpu)
{
	struct rseq_percpu_slot *s = rseq_percpu_slot_of(&l->b, cpu);

	rseq_smp_store_release(&s->word, 0);
}

#ifdef __cplusplus
}
#endif

#endif
