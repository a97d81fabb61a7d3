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

static int push_claimed(struct rseq_percpu_fifo *f, int cpu, const void *rec)
{
	intptr_t st;
	int c = rseq_percpu_claim_any(&f->b, cpu, want_room, &st);

	if (c < 0)
		return -1;
	if (rseq_percpu_fifo_full(f, st)) {
		rseq_percpu_release(&f->b, c, st);
		return full();
	}
	memcpy(rseq_percpu_fifo_rec(f, fslot(f, c), rseq_percpu_fifo_tail(st)), rec,
	       f->rec_size);
	rseq_percpu_release(&f->b, c, rseq_percpu_fifo_pushed(st));
	return c;
}

RSEQKIT_EXPORT int rseq_percpu_fifo_push_slow(struct rseq_percpu_fifo *f, const void *rec)
{
	unsigned int w = 0;

	if (!rec)
		return rseqkit_fail(EINVAL, "rseq_percpu_fifo_push: the record is NULL");
	for (int tries = 0;;) {
		bool reg;
		int cpu = rseq_percpu_slow_index(&f->b, &reg), r;
		struct rseq_percpu_fifo_slot *s = fslot(f, cpu);
		intptr_t st;

		if (!reg || tries >= RSEQKIT_PERCPU_TRIES)
			return push_claimed(f, cpu, rec);
		st = RSEQ_READ_ONCE(s->h.word);
		if (st < 0) {
			if (rseq_percpu_wait_claimer(&f->b, cpu, &w))
				return push_claimed(f, cpu, rec);
			continue;
		}
		if (rseq_percpu_fifo_full(f, st))
			return full();
		r = rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELEASE, f->b.mode,
				&s->h.word, st,
				rseq_percpu_fifo_rec(f, s, rseq_percpu_fifo_tail(st)),
				(void *)(uintptr_t)rec, f->rec_size,
				rseq_percpu_fifo_pushed(st), cpu);
		if (!r)
			return cpu;
		if (r < 0)
			tries++;
	}
}

/* Pop through a claim already made of slot c (its state was st). */
static int pop_from(struct rseq_percpu_fifo *f, int c, intptr_t st, void *out)
{
	if (rseq_percpu_fifo_empty(st)) {
		rseq_percpu_release(&f->b, c, st);
		return empty();
	}
	memcpy(out, rseq_percpu_fifo_rec(f, fslot(f, c), rseq_percpu_fifo_head(st)),
	       f->rec_size);
	rseq_percpu_release(&f->b, c, rseq_percpu_fifo_popped(st));
	return 0;
}

static int pop_claimed(struct rseq_percpu_fifo *f, int cpu, void *out)
{
	intptr_t st;
	int c = rseq_percpu_claim_any(&f->b, cpu, want_records, &st);

	return c < 0 ? -1 : pop_from(f, c, st, out);
}

RSEQKIT_EXPORT int rseq_percpu_fifo_pop_slow(struct rseq_percpu_fifo *f, void *out)
{
	unsigned int w = 0;

	if (!out)
		return rseqkit_fail(EINVAL, "rseq_percpu_fifo_pop: the output buffer is NULL");
	for (int tries = 0;;) {
		bool reg;
		int cpu = rseq_percpu_slow_index(&f->b, &reg), r;
		struct rseq_percpu_fifo_slot *s = fslot(f, cpu);
		intptr_t st;

		if (!reg || tries >= RSEQKIT_PERCPU_TRIES)
			return pop_claimed(f, cpu, out);
		st = rseq_smp_load_acquire(&s->h.word);
		if (st < 0) {
			if (rseq_percpu_wait_claimer(&f->b, cpu, &w))
				return pop_claimed(f, cpu, out);
			continue;
		}
		if (rseq_percpu_fifo_empty(st))
			return empty();
		r = rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELAXED, f->b.mode,
				&s->h.word, st, out,
				rseq_percpu_fifo_rec(f, s, rseq_percpu_fifo_head(st)),
				f->rec_size, rseq_percpu_fifo_popped(st), cpu);
		if (!r)
			return 0;
		if (r < 0)
			tries++;
	}
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
	return pop_from(f, cpu, st, out);
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
