/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/percpu/fifo.h - per-CPU FIFO of fixed-size records, copied in
 * and out inside the critical section (rseq_cmpeqv_trymemcpy_storev).
 *
 * A CPU's slot: one state word holding the head (low half) and the tail
 * (high half) as wrapping counters of 31 bits (15 on 32-bit targets), the
 * sign bit never set except by a claim (RSEQ_PERCPU_STOP); then
 * 'capacity' records (a power of two).  A push copies the record into the
 * tail's place and commits tail + 1; a pop copies the head's record out
 * to the caller and commits head + 1.  See rseq_percpu_fifo_push(3).
 */
#ifndef RSEQKIT_PERCPU_FIFO_H
#define RSEQKIT_PERCPU_FIFO_H

#include <string.h>
#include <rseqkit/percpu/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RSEQ_PERCPU_FIFO_SHIFT	(sizeof(intptr_t) * 4)
#define RSEQ_PERCPU_FIFO_MASK	(((intptr_t)1 << (RSEQ_PERCPU_FIFO_SHIFT - 1)) - 1)

struct rseq_percpu_fifo_slot {
	struct rseq_percpu_slot h;	/* h.word: tail << SHIFT | head */
	char data[];
};

struct rseq_percpu_fifo {
	struct rseq_percpu_base b;
	size_t rec_size;		/* bytes copied per record */
	size_t rec_stride;		/* rec_size rounded up to 8 */
	size_t capacity;		/* power of two */
};

struct rseq_percpu_fifo *rseq_percpu_fifo_create(size_t rec_size,
						 size_t capacity,
						 struct rseq_mempool *pool) RSEQKIT_SYM(percpu_fifo_create);
void rseq_percpu_fifo_destroy(struct rseq_percpu_fifo *f) RSEQKIT_SYM(percpu_fifo_destroy);
int rseq_percpu_fifo_push_slow(struct rseq_percpu_fifo *f, const void *rec) RSEQKIT_SYM(percpu_fifo_push_slow);
int rseq_percpu_fifo_pop_slow(struct rseq_percpu_fifo *f, void *out) RSEQKIT_SYM(percpu_fifo_pop_slow);
/* Pop the oldest record of CPU 'cpu''s FIFO (remote): 0, or -1 if empty. */
int rseq_percpu_fifo_pop_cpu(struct rseq_percpu_fifo *f, int cpu, void *out) RSEQKIT_SYM(percpu_fifo_pop_cpu);

RSEQ_PERCPU_INLINE char *rseq_percpu_fifo_rec(const struct rseq_percpu_fifo *f,
					 struct rseq_percpu_fifo_slot *s,
					 intptr_t i)
{
	return s->data + (size_t)(i & (intptr_t)(f->capacity - 1)) * f->rec_stride;
}

/*
 * Append a copy of rec (rec_size bytes)
 * to this CPU's FIFO: the index used, or -1 when that FIFO is full.
 */
RSEQ_PERCPU_INLINE int rseq_percpu_fifo_push(struct rseq_percpu_fifo *f,
					const void *rec)
{
	int cpu = rseq_percpu_fast_index(&f->b);

	if (rseq_likely(cpu >= 0)) {
		struct rseq_percpu_fifo_slot *s = rseq_percpu_slot_of(&f->b, cpu);
		intptr_t st = RSEQ_READ_ONCE(s->h.word);
		intptr_t hd = st & RSEQ_PERCPU_FIFO_MASK;
		intptr_t tl = (st >> RSEQ_PERCPU_FIFO_SHIFT) & RSEQ_PERCPU_FIFO_MASK;

		if (rseq_likely(st >= 0)) {
			intptr_t nv = (((tl + 1) & RSEQ_PERCPU_FIFO_MASK)
				       << RSEQ_PERCPU_FIFO_SHIFT) | hd;

			if (((tl - hd) & RSEQ_PERCPU_FIFO_MASK) >= (intptr_t)f->capacity)
				return -1;
			if (rseq_likely(!rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELEASE,
					f->b.mode, &s->h.word, st,
					rseq_percpu_fifo_rec(f, s, tl), (void *)rec,
					f->rec_size, nv, cpu)))
				return cpu;
		}
	}
	return rseq_percpu_fifo_push_slow(f, rec);
}

/* Copy out and remove the oldest record of this CPU's FIFO: 0, or -1 if empty. */
RSEQ_PERCPU_INLINE int rseq_percpu_fifo_pop(struct rseq_percpu_fifo *f, void *out)
{
	int cpu = rseq_percpu_fast_index(&f->b);

	if (rseq_likely(cpu >= 0)) {
		struct rseq_percpu_fifo_slot *s = rseq_percpu_slot_of(&f->b, cpu);
		intptr_t st = rseq_smp_load_acquire(&s->h.word);
		intptr_t hd = st & RSEQ_PERCPU_FIFO_MASK;
		intptr_t tl = (st >> RSEQ_PERCPU_FIFO_SHIFT) & RSEQ_PERCPU_FIFO_MASK;

		if (rseq_likely(st >= 0)) {
			intptr_t nv = (st & ~RSEQ_PERCPU_FIFO_MASK) |
				      ((hd + 1) & RSEQ_PERCPU_FIFO_MASK);

			if (hd == tl)
				return -1;
			if (rseq_likely(!rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELAXED,
					f->b.mode, &s->h.word, st, out,
					rseq_percpu_fifo_rec(f, s, hd),
					f->rec_size, nv, cpu)))
				return 0;
		}
	}
	return rseq_percpu_fifo_pop_slow(f, out);
}

#ifdef __cplusplus
}
#endif

#endif
