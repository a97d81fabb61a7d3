/* SPDX-License-Identifier: MIT */
/*
 * src/percpu_fifo.c - the per-CPU FIFO's creation, slow paths and remote
 * pop (rseqkit/percpu/fifo.h, where the state word's encoding is written
 * once).  The slow paths have the shape described in src/percpu_stack.c.
 */
#include <errno.h>
#include <string.h>
#include <rseqkit/percpu/fifo.h>
#include "internal.h"

RSEQKIT_STATIC_ASSERT(offsetof(struct rseq_percpu_fifo, b) == 0, "base first");

/* Records are copied inside a critical section: keep them reasonable. */
#define FIFO_MAX_RECORD	((size_t)1 << 20)

static struct rseq_percpu_fifo_slot *fslot(const struct rseq_percpu_fifo *f, int cpu)
{
	return (struct rseq_percpu_fifo_slot *)rseq_percpu_slot_of(&f->b, cpu);
}

static const struct rseq_percpu_fifo *of_base(const struct rseq_percpu_base *b)
{
	return (const struct rseq_percpu_fifo *)(const void *)b;
}

static bool want_room(const struct rseq_percpu_base *b, intptr_t st)
{
	return !rseq_percpu_fifo_full(of_base(b), st);
}

static bool want_records(const struct rseq_percpu_base *b, intptr_t st)
{
	(void)b;
	return !rseq_percpu_fifo_empty(st);
}

RSEQKIT_EXPORT struct rseq_percpu_fifo *rseq_percpu_fifo_create(size_t rec_size,
				size_t capacity, struct rseq_mempool *pool)
{
	struct rseq_percpu_fifo *f;
	size_t cap = 1, stride, hdr = sizeof(struct rseq_percpu_fifo_slot);

	if (!rec_size || rec_size > FIFO_MAX_RECORD)
		return rseqkit_fail_null(EINVAL, "the record size must be from 1 byte to 1 MiB");
	if (!capacity || capacity > RSEQ_PERCPU_FIFO_MAX_CAPACITY)
		return rseqkit_fail_null(EINVAL, "the capacity must be from 1 to RSEQ_PERCPU_FIFO_MAX_CAPACITY records");
	while (cap < capacity)
		cap <<= 1;
	stride = (rec_size + 7) & ~(size_t)7;
	/* The pool refuses what it cannot hold; only the product may wrap. */
	if (cap > (SIZE_MAX - hdr) / stride)
		return rseqkit_fail_null(EINVAL, "capacity x record size is larger than memory");
	f = rseqkit_percpu_create(sizeof(*f), pool, hdr + cap * stride, "fifo",
				  &rseqkit_percpu_kind_claimable);
	if (f) {
		f->rec_size = rec_size;
		f->rec_stride = stride;
		f->capacity = cap;
	}
	return f;
}

RSEQKIT_EXPORT void rseq_percpu_fifo_destroy(struct rseq_percpu_fifo *f)
{
	rseqkit_percpu_destroy(f ? &f->b : NULL);
}

static int full(void)
{
	return rseqkit_fail(ENOSPC, "this CPU's FIFO is full");
}

static int empty(void)
{
	return rseqkit_fail(EAGAIN, "the FIFO is empty");
}

static enum rseqkit_slow push_section(const struct rseq_percpu_base *b, int cpu,
				      void *rec, intptr_t *result)
{
	const struct rseq_percpu_fifo *f = of_base(b);
	struct rseq_percpu_fifo_slot *s = fslot(f, cpu);
	intptr_t st = RSEQ_READ_ONCE(s->h.word);
	int r;

	if (st < 0)
		return RSEQKIT_SLOW_CLAIMED;
	if (rseq_percpu_fifo_full(f, st)) {
		*result = full();
		return RSEQKIT_SLOW_DONE;
	}
	r = rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELEASE, b->mode, &s->h.word, st,
			rseq_percpu_fifo_rec(f, s, rseq_percpu_fifo_tail(st)), rec,
			f->rec_size, rseq_percpu_fifo_pushed(st), cpu);
	if (r)
		return rseqkit_slow_outcome(r);
	*result = cpu;
	return RSEQKIT_SLOW_DONE;
}

static intptr_t push_claimed(const struct rseq_percpu_base *b, int c, intptr_t st, void *rec)
{
	const struct rseq_percpu_fifo *f = of_base(b);

	if (rseq_percpu_fifo_full(f, st)) {
		rseq_percpu_release(b, c, st);
		return full();
	}
	memcpy(rseq_percpu_fifo_rec(f, fslot(f, c), rseq_percpu_fifo_tail(st)), rec,
	       f->rec_size);
	rseq_percpu_release(b, c, rseq_percpu_fifo_pushed(st));
	return c;
}

static const struct rseqkit_slow_op push_op = { push_section, want_room, push_claimed };

RSEQKIT_EXPORT int rseq_percpu_fifo_push_slow(struct rseq_percpu_fifo *f, const void *rec)
{
	if (!rec)
		return rseqkit_fail(EINVAL, "rseq_percpu_fifo_push: the record is NULL");
	return (int)rseqkit_percpu_slow(&f->b, &push_op, (void *)(uintptr_t)rec, -1);
}

static enum rseqkit_slow pop_section(const struct rseq_percpu_base *b, int cpu,
				     void *out, intptr_t *result)
{
	const struct rseq_percpu_fifo *f = of_base(b);
	struct rseq_percpu_fifo_slot *s = fslot(f, cpu);
	intptr_t st = rseq_smp_load_acquire(&s->h.word);
	int r;

	if (st < 0)
		return RSEQKIT_SLOW_CLAIMED;
	if (rseq_percpu_fifo_empty(st)) {
		*result = empty();
		return RSEQKIT_SLOW_DONE;
	}
	r = rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELAXED, b->mode, &s->h.word, st, out,
			rseq_percpu_fifo_rec(f, s, rseq_percpu_fifo_head(st)),
			f->rec_size, rseq_percpu_fifo_popped(st), cpu);
	if (r)
		return rseqkit_slow_outcome(r);
	*result = 0;
	return RSEQKIT_SLOW_DONE;
}

/* Pop through a claim already made of slot c (its state was st). */
static intptr_t pop_claimed(const struct rseq_percpu_base *b, int c, intptr_t st, void *out)
{
	const struct rseq_percpu_fifo *f = of_base(b);

	if (rseq_percpu_fifo_empty(st)) {
		rseq_percpu_release(b, c, st);
		return empty();
	}
	memcpy(out, rseq_percpu_fifo_rec(f, fslot(f, c), rseq_percpu_fifo_head(st)),
	       f->rec_size);
	rseq_percpu_release(b, c, rseq_percpu_fifo_popped(st));
	return 0;
}

static const struct rseqkit_slow_op pop_op = { pop_section, want_records, pop_claimed };

RSEQKIT_EXPORT int rseq_percpu_fifo_pop_slow(struct rseq_percpu_fifo *f, void *out)
{
	if (!out)
		return rseqkit_fail(EINVAL, "rseq_percpu_fifo_pop: the output buffer is NULL");
	return (int)rseqkit_percpu_slow(&f->b, &pop_op, out, -1);
}

RSEQKIT_EXPORT int rseq_percpu_fifo_pop_cpu(struct rseq_percpu_fifo *f, int cpu, void *out)
{
	intptr_t st;

	if (!f || !out)
		return rseqkit_fail(EINVAL, "no FIFO or no output buffer");
	if (rseqkit_percpu_check_cpu(&f->b, cpu))
		return -1;
	st = rseq_percpu_claim(&f->b, cpu, 0);
	if (st == RSEQ_PERCPU_STOP)
		return -1;
	return (int)pop_claimed(&f->b, cpu, st, out);
}

RSEQKIT_EXPORT int rseq_percpu_fifo_nr_cpus(const struct rseq_percpu_fifo *f)
{
	if (!f)
		return rseqkit_fail(EINVAL, "no FIFO");
	return f->b.nr;
}

RSEQKIT_EXPORT size_t rseq_percpu_fifo_capacity(const struct rseq_percpu_fifo *f)
{
	if (!f) {
		rseqkit_fail(EINVAL, "no FIFO");
		return 0;
	}
	return f->capacity;
}

RSEQKIT_EXPORT size_t rseq_percpu_fifo_record_size(const struct rseq_percpu_fifo *f)
{
	if (!f) {
		rseqkit_fail(EINVAL, "no FIFO");
		return 0;
	}
	return f->rec_size;
}
