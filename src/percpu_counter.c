/* SPDX-License-Identifier: MIT */
/*
 * src/percpu_counter.c - the per-CPU counter's slow path, sum and resets
 * (rseqkit/percpu/counter.h).  Nothing here takes a lock or waits: a
 * reset moves the slot's 'snap' (what resets have taken of the rseq word)
 * forward with a compare-and-swap, so concurrent resets take disjoint
 * amounts whose total telescopes to exactly what was added.
 */
#include <errno.h>
#include <rseqkit/percpu/counter.h>
#include "internal.h"

RSEQKIT_STATIC_ASSERT(offsetof(struct rseq_percpu_counter, b) == 0, "base first");

static struct rseq_percpu_counter_slot *cslot(const struct rseq_percpu_counter *c, int cpu)
{
	return (struct rseq_percpu_counter_slot *)rseq_percpu_slot_of(&c->b, cpu);
}

RSEQKIT_EXPORT struct rseq_percpu_counter *rseq_percpu_counter_create(struct rseq_mempool *pool)
{
	return rseqkit_percpu_create(sizeof(struct rseq_percpu_counter), pool,
				     sizeof(struct rseq_percpu_counter_slot),
				     "counter", NULL);
}

RSEQKIT_EXPORT void rseq_percpu_counter_destroy(struct rseq_percpu_counter *c)
{
	rseqkit_percpu_destroy(c ? &c->b : NULL);
}

RSEQKIT_EXPORT void rseq_percpu_counter_add_slow(struct rseq_percpu_counter *c, intptr_t v)
{
	for (int tries = 0;; tries++) {
		bool reg;
		int cpu = rseq_percpu_slow_index(&c->b, &reg);
		struct rseq_percpu_counter_slot *s = cslot(c, cpu);

		if (reg && tries < RSEQKIT_PERCPU_TRIES) {
			if (!rseq_addv(RSEQ_MO_RELAXED, c->b.mode, &s->count, v, cpu))
				return;
			continue;
		}
		/* Not the word critical sections write: atomics are enough. */
		__atomic_fetch_add(&s->atomic, v, __ATOMIC_RELAXED);
		return;
	}
}

/* count - snap + atomic, in unsigned arithmetic (the counts wrap). */
static intptr_t slot_value(const struct rseq_percpu_counter_slot *s)
{
	uintptr_t count = (uintptr_t)RSEQ_READ_ONCE(s->count);
	uintptr_t snap = (uintptr_t)__atomic_load_n(&s->snap, __ATOMIC_RELAXED);
	uintptr_t atomic = (uintptr_t)__atomic_load_n(&s->atomic, __ATOMIC_RELAXED);

	return (intptr_t)(count - snap + atomic);
}

RSEQKIT_EXPORT intptr_t rseq_percpu_counter_sum(const struct rseq_percpu_counter *c)
{
	uintptr_t sum = 0;

	if (!c) {	/* 0, with errno EINVAL */
		rseqkit_fail(EINVAL, "rseq_percpu_counter_sum: no counter");
		return 0;
	}
	for (int cpu = 0; cpu < c->b.nr; cpu++)
		sum += (uintptr_t)slot_value(cslot(c, cpu));
	return (intptr_t)sum;
}

/* Take what slot s holds: exact, whatever else takes from it meanwhile. */
static intptr_t counter_take(struct rseq_percpu_counter_slot *s)
{
	intptr_t snap = __atomic_load_n(&s->snap, __ATOMIC_RELAXED), v;
	uintptr_t d, a = 0;

	do {
		v = RSEQ_READ_ONCE(s->count);
		d = (uintptr_t)v - (uintptr_t)snap;
		if (!d)
			break;	/* write nothing: idle CPUs' pages stay clean */
	} while (!__atomic_compare_exchange_n(&s->snap, &snap, v, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	if (__atomic_load_n(&s->atomic, __ATOMIC_RELAXED))
		a = (uintptr_t)__atomic_exchange_n(&s->atomic, 0, __ATOMIC_RELAXED);
	return (intptr_t)(d + a);
}

RSEQKIT_EXPORT int rseq_percpu_counter_read_reset(struct rseq_percpu_counter *c,
						  int cpu, intptr_t *taken)
{
	if (!c || !taken)
		return rseqkit_fail(EINVAL, "rseq_percpu_counter_read_reset: no counter or no result pointer");
	if (rseqkit_percpu_check_cpu(&c->b, cpu))
		return -1;
	*taken = counter_take(cslot(c, cpu));
	return 0;
}

RSEQKIT_EXPORT intptr_t rseq_percpu_counter_reset(struct rseq_percpu_counter *c)
{
	uintptr_t r = 0;

	if (!c) {	/* 0, with errno EINVAL */
		rseqkit_fail(EINVAL, "rseq_percpu_counter_reset: no counter");
		return 0;
	}
	for (int cpu = 0; cpu < c->b.nr; cpu++)
		r += (uintptr_t)counter_take(cslot(c, cpu));
	return (intptr_t)r;
}

RSEQKIT_EXPORT int rseq_percpu_counter_nr_cpus(const struct rseq_percpu_counter *c)
{
	if (!c)
		return rseqkit_fail(EINVAL, "no counter");
	return c->b.nr;
}
