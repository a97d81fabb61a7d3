/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/percpu/lock.h - per-CPU spinlock.
 *
 * rseq_percpu_lock() takes the lock of the CPU the caller runs on and
 * returns that CPU's index; rseq_percpu_unlock() releases it (from any
 * CPU).  rseq_percpu_lock_cpu() takes a given CPU's lock (a remote CPU's,
 * or the caller's own without rseq) through the claim protocol.
 * Lock word: 0 free, else the holder's token (rseq_percpu_lock_token():
 * the thread pointer, odd), RSEQ_PERCPU_STOP while a claim is in
 * progress.  Knowing the holder lets a signal handler that interrupted
 * the holder get EDEADLK instead of waiting for ever, and lets the child
 * of fork() free the locks of threads that do not exist there.  See
 * rseq_percpu_lock(3).
 */
#ifndef RSEQKIT_PERCPU_LOCK_H
#define RSEQKIT_PERCPU_LOCK_H

#include <rseqkit/percpu/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque but for what the inline paths read (see rseq_percpu_base). */
struct rseq_percpu_lock {
	struct rseq_percpu_base b;
};

struct rseq_percpu_lock *rseq_percpu_lock_create(struct rseq_mempool *pool) RSEQKIT_SYM(percpu_lock_create);
/* NULL is a no-op. */
void rseq_percpu_lock_destroy(struct rseq_percpu_lock *l) RSEQKIT_SYM(percpu_lock_destroy);
/* Called by the inline rseq_percpu_lock(); not for direct use. */
int rseq_percpu_lock_slow(struct rseq_percpu_lock *l) RSEQKIT_SYM(percpu_lock_slow);
/*
 * Take CPU 'cpu''s lock; returns cpu, or -1 with errno: EINVAL (no such
 * CPU), EDEADLK (the calling thread holds it), EPERM or ENOSYS
 * (membarrier denied after the mode was chosen).
 */
int rseq_percpu_lock_cpu(struct rseq_percpu_lock *l, int cpu) RSEQKIT_SYM(percpu_lock_cpu);
/* Locks: indexes 0 .. nr_cpus - 1; -1 with errno EINVAL for NULL. */
int rseq_percpu_lock_nr_cpus(const struct rseq_percpu_lock *l) RSEQKIT_SYM(percpu_lock_nr_cpus);

/* What a lock word holds while the calling thread holds the lock. */
RSEQ_PERCPU_INLINE intptr_t rseq_percpu_lock_token(void)
{
	return (intptr_t)((uintptr_t)rseq_thread_pointer() | 1);
}

/*
 * Take this CPU's lock; returns the index of the lock taken, or -1 with
 * errno (see rseq_percpu_lock_cpu()).  (In C++ the function hides the
 * struct's name, as stat() does struct stat's: write "struct
 * rseq_percpu_lock"; g++ -Wshadow says so, hence the pragma.)
 */
#ifdef __cplusplus
# pragma GCC diagnostic push
# pragma GCC diagnostic ignored "-Wshadow"
#endif
RSEQ_PERCPU_INLINE int rseq_percpu_lock(struct rseq_percpu_lock *l)
{
	int cpu = rseq_percpu_fast_index(&l->b);

	if (rseq_likely(cpu >= 0)) {
		struct rseq_percpu_slot *s = (struct rseq_percpu_slot *)
			rseq_percpu_slot_of(&l->b, cpu);

		if (rseq_likely(!rseq_cmpeqv_storev(RSEQ_MO_RELAXED, l->b.mode,
						    &s->word, 0,
						    rseq_percpu_lock_token(), cpu))) {
			rseq_smp_acquire__after_ctrl_dep();
			return cpu;
		}
	}
	return rseq_percpu_lock_slow(l);
}
#ifdef __cplusplus
# pragma GCC diagnostic pop
#endif

/* Release lock 'cpu' (a value rseq_percpu_lock() or _lock_cpu() returned). */
RSEQ_PERCPU_INLINE void rseq_percpu_unlock(struct rseq_percpu_lock *l, int cpu)
{
	struct rseq_percpu_slot *s = (struct rseq_percpu_slot *)
		rseq_percpu_slot_of(&l->b, cpu);

	rseq_smp_store_release(&s->word, (intptr_t)0);
}

#ifdef __cplusplus
}
#endif

#endif
