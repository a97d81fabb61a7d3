/* SPDX-License-Identifier: MIT */
/*
 * src/percpu_lock.c - the per-CPU spinlock's slow path and remote lock
 * (rseqkit/percpu/lock.h).  A lock word holds its holder's token
 * (rseq_percpu_lock_token()), so a thread that finds the lock held by
 * itself - a signal handler that interrupted the holder - gets EDEADLK
 * instead of waiting for ever, and the child of fork() frees the locks of
 * the threads it does not have.
 */
#include <errno.h>
#include <rseqkit/percpu/lock.h>
#include "internal.h"

RSEQKIT_STATIC_ASSERT(offsetof(struct rseq_percpu_lock, b) == 0, "base first");

static struct rseq_percpu_slot *lslot(const struct rseq_percpu_lock *l, int cpu)
{
	return (struct rseq_percpu_slot *)rseq_percpu_slot_of(&l->b, cpu);
}

/*
 * In the child of fork(): a claim in progress is undone, and a lock held
 * by a thread other than the one that forked is free (that thread does
 * not exist in the child; what the lock protected may be half-updated,
 * as with a robust mutex whose owner died).
 */
static void lock_child_slot(struct rseq_percpu_base *b, int cpu)
{
	struct rseq_percpu_slot *s = (struct rseq_percpu_slot *)rseq_percpu_slot_of(b, cpu);

	rseqkit_percpu_kind_claimable.child_slot(b, cpu);
	if (s->word != 0 && s->word != RSEQ_PERCPU_STOP &&
	    s->word != rseq_percpu_lock_token())
		s->word = 0;
}

static const struct rseqkit_percpu_kind lock_kind = {
	.name = "lock",
	.child_slot = lock_child_slot,
};

RSEQKIT_EXPORT struct rseq_percpu_lock *rseq_percpu_lock_create(struct rseq_mempool *pool)
{
	return rseqkit_percpu_create(sizeof(struct rseq_percpu_lock), pool,
				     sizeof(struct rseq_percpu_slot), "lock", &lock_kind);
}

RSEQKIT_EXPORT void rseq_percpu_lock_destroy(struct rseq_percpu_lock *l)
{
	rseqkit_percpu_destroy(l ? &l->b : NULL);
}

static int lock_deadlock(void)
{
	return rseqkit_fail(EDEADLK, "the calling thread holds this CPU's lock (a signal handler that interrupted the holder?)");
}

/*
 * Wait for the holder of a lock, unless this thread holds anything of
 * the library (a handler that interrupted it): the holder might be
 * waiting for that.
 */
static int lock_wait(unsigned int *n)
{
	if (!rseqkit_may_wait(RSEQKIT_LEVEL_REGISTRY))
		return rseqkit_fail(EAGAIN, "the lock is held, and a signal handler that interrupted rseqkit must not wait");
	rseq_percpu_backoff(n);
	return 0;
}

RSEQKIT_EXPORT int rseq_percpu_lock_cpu(struct rseq_percpu_lock *l, int cpu)
{
	intptr_t me = rseq_percpu_lock_token();
	unsigned int n = 0;

	if (!l)
		return rseqkit_fail(EINVAL, "no lock");
	if (rseqkit_percpu_check_cpu(&l->b, cpu))
		return -1;
	for (;;) {
		intptr_t w = RSEQ_READ_ONCE(lslot(l, cpu)->word);

		if (w == me)
			return lock_deadlock();
		if (w != 0) {
			if (lock_wait(&n))
				return -1;
			continue;
		}
		if (rseq_percpu_claim(&l->b, cpu, RSEQ_PERCPU_CLAIM_ZERO) == RSEQ_PERCPU_STOP) {
			if (errno == EBUSY)
				continue;	/* taken meanwhile */
			return -1;
		}
		rseq_percpu_release(&l->b, cpu, me);
		return cpu;
	}
}

RSEQKIT_EXPORT int rseq_percpu_lock_slow(struct rseq_percpu_lock *l)
{
	intptr_t me = rseq_percpu_lock_token();
	unsigned int n = 0;

	for (int tries = 0;;) {
		bool reg;
		int cpu = rseq_percpu_slow_index(&l->b, &reg), r;
		intptr_t w = RSEQ_READ_ONCE(lslot(l, cpu)->word);

		if (w == me)
			return lock_deadlock();
		if (!reg || tries >= RSEQKIT_PERCPU_TRIES)
			return rseq_percpu_lock_cpu(l, cpu);
		if (w != 0) {
			if (lock_wait(&n))
				return -1;
			continue;
		}
		r = rseq_cmpeqv_storev(RSEQ_MO_RELAXED, l->b.mode, &lslot(l, cpu)->word,
				       0, me, cpu);
		if (!r) {
			rseq_smp_acquire__after_ctrl_dep();
			return cpu;
		}
		if (r < 0)
			tries++;
	}
}

RSEQKIT_EXPORT int rseq_percpu_lock_nr_cpus(const struct rseq_percpu_lock *l)
{
	if (!l)
		return rseqkit_fail(EINVAL, "no lock");
	return l->b.nr;
}
