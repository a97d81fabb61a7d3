/* SPDX-License-Identifier: MIT */
/*
 * src/sync.c - waiting that never waits for the code it interrupted:
 * per-thread tokens, lock levels, the back-off, and the small lock the
 * library's slow paths use (src/internal.h; the rules: docs/safety.md).
 */
#include <errno.h>
#include <sched.h>
#include "internal.h"

/* Its address is the token: one per thread, kept across fork(). */
static RSEQKIT_TLS char token_byte;
/* Locks and claims of each level this thread holds (nesting: handlers). */
static RSEQKIT_TLS unsigned short held[RSEQKIT_LEVELS];

uintptr_t rseqkit_token(void)
{
	return (uintptr_t)&token_byte;
}

bool rseqkit_may_wait(enum rseqkit_level level)
{
	for (int l = (int)level; l < RSEQKIT_LEVELS; l++)
		if (held[l])
			return false;
	return true;
}

/*
 * A signal handler that interrupts the increment (a load, an add, a
 * store) leaves the count as it found it (its own enters and leaves
 * balance), so the interrupted store writes the right value.
 */
void rseqkit_level_enter(enum rseqkit_level level)
{
	held[level]++;
}

void rseqkit_level_leave(enum rseqkit_level level)
{
	held[level]--;
}

void rseq_percpu_backoff(unsigned int *n)
{
	if (*n < 64) {
		rseq_cpu_relax();
		(*n)++;
	} else {
		sched_yield();
	}
}

int rseqkit_owner_acquire(uintptr_t *owner, enum rseqkit_level level,
			  const char *self_reason, const char *busy_reason)
{
	uintptr_t me = rseqkit_token();
	bool may_wait = rseqkit_may_wait(level);
	unsigned int n = 0;

	for (;;) {
		uintptr_t o = 0;

		if (__atomic_compare_exchange_n(owner, &o, me, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			rseqkit_level_enter(level);
			return 0;
		}
		if (o == me)
			return rseqkit_fail(EDEADLK, self_reason);
		if (!may_wait)
			return rseqkit_fail(EAGAIN, busy_reason);
		rseq_percpu_backoff(&n);
	}
}

void rseqkit_owner_release(uintptr_t *owner, enum rseqkit_level level)
{
	rseqkit_level_leave(level);
	__atomic_store_n(owner, 0, __ATOMIC_RELEASE);
}

int rseqkit_lock_acquire(struct rseqkit_lock *l, enum rseqkit_level level)
{
	return rseqkit_owner_acquire(&l->owner, level,
		"held by the code this signal handler interrupted",
		"busy, and a signal handler that interrupted rseqkit must not wait: retry outside the handler");
}

void rseqkit_lock_release(struct rseqkit_lock *l, enum rseqkit_level level)
{
	rseqkit_owner_release(&l->owner, level);
}

void rseqkit_lock_reset(struct rseqkit_lock *l)
{
	__atomic_store_n(&l->owner, 0, __ATOMIC_RELAXED);
}
