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
 * to the caller and commits head + 1.  The encoding is written once,
 * below, for the inline paths and the library alike.  See
 * rseq_percpu_fifo_push(3).
 */
#ifndef RSEQKIT_PERCPU_FIFO_H
#define RSEQKIT_PERCPU_FIFO_H

#include <rseqkit/percpu/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RSEQ_PERCPU_FIFO_SHIFT	(sizeof(intptr_t) * 4)
#define RSEQ_PERCPU_FIFO_MASK	(((intptr_t)1 << (RSEQ_PERCPU_FIFO_SHIFT - 1)) - 1)
/* The largest capacity (the counters must tell full from empty). */
#define RSEQ_PERCPU_FIFO_MAX_CAPACITY	((size_t)RSEQ_PERCPU_FIFO_MASK / 2 + 1)

struct rseq_percpu_fifo_slot {
	struct rseq_percpu_slot h;	/* h.word: tail << SHIFT | head */
	char data[];
};

/* Opaque but for what the inline paths read (see rseq_percpu_base). */
struct rseq_percpu_fifo {
	struct rseq_percpu_base b;
	size_t rec_size;		/* bytes copied per record */
	size_t rec_stride;		/* rec_size rounded up to 8 */
	size_t capacity;		/* power of two */
	uintptr_t reserved[2];
};

/*
 * A FIFO of records of rec_size bytes, capacity records per CPU (rounded
 * up to a power of two, at most RSEQ_PERCPU_FIFO_MAX_CAPACITY), over pool
 * (NULL: a private pool), or NULL with errno EINVAL or ENOMEM.
 */
struct rseq_percpu_fifo *rseq_percpu_fifo_create(size_t rec_size,
						 size_t capacity,
						 struct rseq_mempool *pool) RSEQKIT_SYM(percpu_fifo_create);
/* NULL is a no-op. */
void rseq_percpu_fifo_destroy(struct rseq_percpu_fifo *f) RSEQKIT_SYM(percpu_fifo_destroy);
/* Called by the inline push and pop; not for direct use. */
int rseq_percpu_fifo_push_slow(struct rseq_percpu_fifo *f, const void *rec) RSEQKIT_SYM(percpu_fifo_push_slow);
int rseq_percpu_fifo_pop_slow(struct rseq_percpu_fifo *f, void *out) RSEQKIT_SYM(percpu_fifo_pop_slow);
/*
 * Pop the oldest record of CPU 'cpu''s FIFO (remote): 0, or -1 with
 * errno EAGAIN (empty, or busy where the caller may not wait), EINVAL,
 * EPERM, ENOSYS.
 */
int rseq_percpu_fifo_pop_cpu(struct rseq_percpu_fifo *f, int cpu, void *out) RSEQKIT_SYM(percpu_fifo_pop_cpu);
/* FIFOs: indexes 0 .. nr_cpus - 1; -1 with errno EINVAL for NULL. */
int rseq_percpu_fifo_nr_cpus(const struct rseq_percpu_fifo *f) RSEQKIT_SYM(percpu_fifo_nr_cpus);
/* Records per CPU (the power of two); 0 with errno EINVAL for NULL. */
size_t rseq_percpu_fifo_capacity(const struct rseq_percpu_fifo *f) RSEQKIT_SYM(percpu_fifo_capacity);
/* Bytes per record; 0 with errno EINVAL for NULL. */
size_t rseq_percpu_fifo_record_size(const struct rseq_percpu_fifo *f) RSEQKIT_SYM(percpu_fifo_record_size);

/* The state word's encoding (valid for states >= 0: not claimed). */
RSEQ_PERCPU_INLINE intptr_t rseq_percpu_fifo_head(intptr_t st)
{
	return st & RSEQ_PERCPU_FIFO_MASK;
}

RSEQ_PERCPU_INLINE intptr_t rseq_percpu_fifo_tail(intptr_t st)
{
	return (st >> RSEQ_PERCPU_FIFO_SHIFT) & RSEQ_PERCPU_FIFO_MASK;
}

/* The state after a push / a pop. */
RSEQ_PERCPU_INLINE intptr_t rseq_percpu_fifo_pushed(intptr_t st)
{
	return (((rseq_percpu_fifo_tail(st) + 1) & RSEQ_PERCPU_FIFO_MASK)
		<< RSEQ_PERCPU_FIFO_SHIFT) | rseq_percpu_fifo_head(st);
}

RSEQ_PERCPU_INLINE intptr_t rseq_percpu_fifo_popped(intptr_t st)
{
	return (st & ~RSEQ_PERCPU_FIFO_MASK) |
	       ((rseq_percpu_fifo_head(st) + 1) & RSEQ_PERCPU_FIFO_MASK);
}

RSEQ_PERCPU_INLINE bool rseq_percpu_fifo_full(const struct rseq_percpu_fifo *f,
					      intptr_t st)
{
	return ((rseq_percpu_fifo_tail(st) - rseq_percpu_fifo_head(st)) &
		RSEQ_PERCPU_FIFO_MASK) >= (intptr_t)f->capacity;
}

RSEQ_PERCPU_INLINE bool rseq_percpu_fifo_empty(intptr_t st)
{
	return rseq_percpu_fifo_head(st) == rseq_percpu_fifo_tail(st);
}

/* Record i (a head or tail counter) of slot s. */
RSEQ_PERCPU_INLINE char *rseq_percpu_fifo_rec(const struct rseq_percpu_fifo *f,
					      struct rseq_percpu_fifo_slot *s,
					      intptr_t i)
{
	return s->data + (size_t)(i & (intptr_t)(f->capacity - 1)) * f->rec_stride;
}

/*
 * Append a copy of rec (rec_size bytes) to this CPU's FIFO: the index
 * used, or -1 with errno: ENOSPC (that FIFO is full), EINVAL (rec NULL),
 * EAGAIN, EPERM, ENOSYS (see rseq_percpu_fifo_push(3)).
 */
RSEQ_PERCPU_INLINE int rseq_percpu_fifo_push(struct rseq_percpu_fifo *f,
					     const void *rec)
{
	int cpu = rseq_percpu_fast_index(&f->b);

	if (rseq_likely(cpu >= 0 && rec != NULL)) {
		struct rseq_percpu_fifo_slot *s = (struct rseq_percpu_fifo_slot *)
			rseq_percpu_slot_of(&f->b, cpu);
		intptr_t st = RSEQ_READ_ONCE(s->h.word);

		if (rseq_likely(st >= 0)) {
			if (rseq_percpu_fifo_full(f, st)) {
				errno = ENOSPC;
				return -1;
			}
			if (rseq_likely(!rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELEASE,
					f->b.mode, &s->h.word, st,
					rseq_percpu_fifo_rec(f, s, rseq_percpu_fifo_tail(st)),
					(void *)(uintptr_t)rec, f->rec_size,
					rseq_percpu_fifo_pushed(st), cpu)))
				return cpu;
		}
	}
	return rseq_percpu_fifo_push_slow(f, rec);
}

/*
 * Copy out and remove the oldest record of this CPU's FIFO: 0, or -1
 * with errno EAGAIN when it is empty (EINVAL: out NULL).
 */
RSEQ_PERCPU_INLINE int rseq_percpu_fifo_pop(struct rseq_percpu_fifo *f, void *out)
{
	int cpu = rseq_percpu_fast_index(&f->b);

	if (rseq_likely(cpu >= 0 && out != NULL)) {
		struct rseq_percpu_fifo_slot *s = (struct rseq_percpu_fifo_slot *)
			rseq_percpu_slot_of(&f->b, cpu);
		intptr_t st = rseq_smp_load_acquire(&s->h.word);

		if (rseq_likely(st >= 0)) {
			if (rseq_percpu_fifo_empty(st)) {
				errno = EAGAIN;
				return -1;
			}
			if (rseq_likely(!rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELAXED,
					f->b.mode, &s->h.word, st, out,
					rseq_percpu_fifo_rec(f, s, rseq_percpu_fifo_head(st)),
					f->rec_size, rseq_percpu_fifo_popped(st), cpu)))
				return 0;
		}
	}
	return rseq_percpu_fifo_pop_slow(f, out);
}

#ifdef __cplusplus
}
#endif

#endif
