/* SPDX-License-Identifier: MIT */
/*
 * src/percpu_structs.c - slow paths, remote operations, creation of the
 * per-CPU counter, lock, stack, buffer and FIFO.
 *
 * Every slow path has the same shape: find the slot (the index of a
 * registered thread, else sched_getcpu()); a registered thread retries
 * its critical section (waiting while a claimer owns the slot); a thread
 * without rseq, or any thread in atomic mode, claims the slot, works on
 * it with plain accesses, and releases it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <rseqkit/percpu/percpu.h>
#include "internal.h"

#define SLOT_OK(b, cpu)	((cpu) >= 0 && (cpu) < (b)->nr)

/*
 * Every structure starts with its struct rseq_percpu_base: allocate one of
 * 'size' bytes and set its base up over 'pool' (NULL: a private pool) with
 * per-CPU slots of 'slot_len' bytes.  NULL with errno set on failure.
 */
static void *struct_create(size_t size, struct rseq_mempool *pool, size_t slot_len,
			   const char *name)
{
	struct rseq_percpu_base *b = rseqkit_icalloc(1, size);

	if (!b) {
		rseqkit_fail(ENOMEM, "out of memory");
		return NULL;
	}
	if (rseq_percpu_base_init(b, pool, slot_len, name)) {
		rseqkit_ifree(b);
		return NULL;
	}
	return b;
}

static void struct_destroy(struct rseq_percpu_base *b)
{
	if (!b)
		return;
	rseq_percpu_base_fini(b);
	rseqkit_ifree(b);
}

_Static_assert(offsetof(struct rseq_percpu_counter, b) == 0, "base first");
_Static_assert(offsetof(struct rseq_percpu_lock, b) == 0, "base first");
_Static_assert(offsetof(struct rseq_percpu_stack, b) == 0, "base first");
_Static_assert(offsetof(struct rseq_percpu_fifo, b) == 0, "base first");
_Static_assert(offsetof(struct rseq_percpu_buffer, b) == 0, "base first");

/* ---- counter ---- */

RSEQKIT_EXPORT struct rseq_percpu_counter *rseq_percpu_counter_create(struct rseq_mempool *pool)
{
	struct rseq_percpu_counter *c = struct_create(sizeof(*c), pool,
			sizeof(struct rseq_percpu_counter_slot), "counter");

	if (c)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}

RSEQKIT_EXPORT void rseq_percpu_counter_destroy(struct rseq_percpu_counter *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	struct_destroy(&c->b);
}

RSEQKIT_EXPORT void rseq_percpu_counter_add_slow(struct rseq_percpu_counter *c, intptr_t v)
{
	for (int tries = 0;; tries++) {
		bool reg;
		int cpu = rseq_percpu_slow_index(&c->b, &reg);
		struct rseq_percpu_counter_slot *s = rseq_percpu_slot_of(&c->b, cpu);

		if (reg && tries < 64) {
			if (!rseq_addv(RSEQ_MO_RELAXED, c->b.mode, &s->count, v, cpu))
				return;
			continue;
		}
		/* Not the word critical sections write: atomics are enough. */
		__atomic_fetch_add(&s->atomic, v, __ATOMIC_RELAXED);
		return;
	}
}

RSEQKIT_EXPORT intptr_t rseq_percpu_counter_sum(struct rseq_percpu_counter *c)
{
	intptr_t sum = 0;

	pthread_mutex_lock(&c->lock);
	for (int cpu = 0; cpu < c->b.nr; cpu++) {
		struct rseq_percpu_counter_slot *s = rseq_percpu_slot_of(&c->b, cpu);

		sum += RSEQ_READ_ONCE(s->count) - s->snap +
		       __atomic_load_n(&s->atomic, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&c->lock);
	return sum;
}

static intptr_t counter_take(struct rseq_percpu_counter *c, int cpu)
{
	struct rseq_percpu_counter_slot *s = rseq_percpu_slot_of(&c->b, cpu);
	intptr_t v = RSEQ_READ_ONCE(s->count), d = v - s->snap, a = 0;

	/* Write only what changed: idle CPUs' pages stay untouched. */
	if (d)
		s->snap = v;
	if (__atomic_load_n(&s->atomic, __ATOMIC_RELAXED))
		a = __atomic_exchange_n(&s->atomic, 0, __ATOMIC_RELAXED);
	return d + a;
}

RSEQKIT_EXPORT intptr_t rseq_percpu_counter_read_reset(struct rseq_percpu_counter *c, int cpu)
{
	intptr_t r;

	if (!SLOT_OK(&c->b, cpu)) {
		rseqkit_fail(EINVAL, "no such CPU slot");
		return 0;
	}
	pthread_mutex_lock(&c->lock);
	r = counter_take(c, cpu);
	pthread_mutex_unlock(&c->lock);
	return r;
}

RSEQKIT_EXPORT intptr_t rseq_percpu_counter_reset(struct rseq_percpu_counter *c)
{
	intptr_t r = 0;

	pthread_mutex_lock(&c->lock);
	for (int cpu = 0; cpu < c->b.nr; cpu++)
		r += counter_take(c, cpu);
	pthread_mutex_unlock(&c->lock);
	return r;
}

/* ---- lock ---- */

RSEQKIT_EXPORT struct rseq_percpu_lock *rseq_percpu_lock_create(struct rseq_mempool *pool)
{
	return struct_create(sizeof(struct rseq_percpu_lock), pool,
			     sizeof(struct rseq_percpu_slot), "lock");
}

RSEQKIT_EXPORT void rseq_percpu_lock_destroy(struct rseq_percpu_lock *l)
{
	struct_destroy(l ? &l->b : NULL);
}

RSEQKIT_EXPORT int rseq_percpu_lock_cpu(struct rseq_percpu_lock *l, int cpu)
{
	if (!SLOT_OK(&l->b, cpu))
		return rseqkit_fail(EINVAL, "no such CPU slot");
	rseq_percpu_claim(&l->b, cpu, RSEQ_PERCPU_CLAIM_ZERO | RSEQ_PERCPU_CLAIM_LOCK);
	return cpu;
}

RSEQKIT_EXPORT int rseq_percpu_lock_slow(struct rseq_percpu_lock *l)
{
	unsigned int n = 0;

	for (;;) {
		bool reg;
		int cpu = rseq_percpu_slow_index(&l->b, &reg);
		struct rseq_percpu_slot *s = rseq_percpu_slot_of(&l->b, cpu);
		int r;

		if (!reg)
			return rseq_percpu_lock_cpu(l, cpu);
		r = rseq_cmpeqv_storev(RSEQ_MO_RELAXED, l->b.mode, &s->word, 0, 1, cpu);
		if (!r) {
			rseq_smp_acquire__after_ctrl_dep();
			return cpu;
		}
		if (r > 0)
			rseq_percpu_backoff(&n);	/* held */
	}
}

/* ---- stack ---- */

RSEQKIT_EXPORT struct rseq_percpu_node rseq_percpu_stack_end = {
	.next = &rseq_percpu_stack_end,
};

RSEQKIT_EXPORT struct rseq_percpu_stack *rseq_percpu_stack_create(struct rseq_mempool *pool)
{
	return struct_create(sizeof(struct rseq_percpu_stack), pool,
			     sizeof(struct rseq_percpu_slot), "stack");
}

RSEQKIT_EXPORT void rseq_percpu_stack_destroy(struct rseq_percpu_stack *s)
{
	struct_destroy(s ? &s->b : NULL);
}

RSEQKIT_EXPORT struct rseq_percpu_node *rseq_percpu_stack_terminate(intptr_t head)
{
	struct rseq_percpu_node *n;

	if (head == 0 || head == RSEQ_PERCPU_STACK_END || head == RSEQ_PERCPU_STOP)
		return NULL;
	for (n = (struct rseq_percpu_node *)head; n->next != &rseq_percpu_stack_end; n = n->next)
		;
	n->next = NULL;
	return (struct rseq_percpu_node *)head;
}

RSEQKIT_EXPORT int rseq_percpu_stack_push_slow(struct rseq_percpu_stack *st,
					       struct rseq_percpu_node *node)
{
	unsigned int n = 0;

	for (;;) {
		bool reg;
		int cpu = rseq_percpu_slow_index(&st->b, &reg);
		struct rseq_percpu_slot *s = rseq_percpu_slot_of(&st->b, cpu);
		intptr_t h;

		if (reg) {
			h = RSEQ_READ_ONCE(s->word);
			if (h == 0) {	/* first use of this slot: make it empty */
				h = rseq_percpu_claim(&st->b, cpu, 0);
				rseq_percpu_release(&st->b, cpu, h ? h : RSEQ_PERCPU_STACK_END);
				continue;
			}
			if (h == RSEQ_PERCPU_STOP) {
				rseq_percpu_backoff(&n);
				continue;
			}
			if (!rseq_cmpeqv_trystorev_storev(RSEQ_MO_RELEASE, st->b.mode,
					&s->word, h, (intptr_t *)&node->next, h,
					(intptr_t)node, cpu))
				return cpu;
			continue;
		}
		h = rseq_percpu_claim(&st->b, cpu, 0);
		node->next = (struct rseq_percpu_node *)(h ? h : RSEQ_PERCPU_STACK_END);
		rseq_percpu_release(&st->b, cpu, (intptr_t)node);
		return cpu;
	}
}

RSEQKIT_EXPORT struct rseq_percpu_node *rseq_percpu_stack_pop_slow(struct rseq_percpu_stack *st)
{
	unsigned int n = 0;

	for (;;) {
		bool reg;
		int cpu = rseq_percpu_slow_index(&st->b, &reg);
		struct rseq_percpu_slot *s = rseq_percpu_slot_of(&st->b, cpu);
		struct rseq_percpu_node *node;
		intptr_t h, load;

		if (reg) {
			h = RSEQ_READ_ONCE(s->word);
			if (h == 0 || h == RSEQ_PERCPU_STACK_END)
				return NULL;
			if (h == RSEQ_PERCPU_STOP) {
				rseq_percpu_backoff(&n);
				continue;
			}
			if (!rseq_cmpnev_storeoffp_load(RSEQ_MO_RELAXED, st->b.mode,
					&s->word, RSEQ_PERCPU_STOP,
					offsetof(struct rseq_percpu_node, next), &load, cpu))
				return load == RSEQ_PERCPU_STACK_END ? NULL
					: (struct rseq_percpu_node *)load;
			continue;
		}
		h = rseq_percpu_claim(&st->b, cpu, 0);
		if (h == 0 || h == RSEQ_PERCPU_STACK_END) {
			rseq_percpu_release(&st->b, cpu, h);
			return NULL;
		}
		node = (struct rseq_percpu_node *)h;
		rseq_percpu_release(&st->b, cpu, (intptr_t)node->next);
		return node;
	}
}

RSEQKIT_EXPORT struct rseq_percpu_node *rseq_percpu_stack_pop_all_cpu(struct rseq_percpu_stack *st,
								      int cpu)
{
	intptr_t h;

	if (!SLOT_OK(&st->b, cpu)) {
		rseqkit_fail(EINVAL, "no such CPU slot");
		return NULL;
	}
	h = rseq_percpu_claim(&st->b, cpu, 0);
	rseq_percpu_release(&st->b, cpu, h ? RSEQ_PERCPU_STACK_END : 0);
	return rseq_percpu_stack_terminate(h);
}

/* ---- buffer ---- */

/* Bytes of one CPU's slot of a buffer of 'capacity' pointers; 0: bad. */
static size_t buffer_slot_len(size_t capacity)
{
	if (!capacity || capacity > (1u << 24)) {
		rseqkit_fail(EINVAL, "bad buffer capacity");
		return 0;
	}
	return sizeof(struct rseq_percpu_buffer_slot) + capacity * sizeof(void *);
}

RSEQKIT_EXPORT int rseq_percpu_buffer_init(struct rseq_percpu_buffer *buf, size_t capacity,
					   struct rseq_mempool *pool, const char *name)
{
	size_t len = buffer_slot_len(capacity);

	if (!len)
		return -1;
	buf->capacity = (intptr_t)capacity;
	return rseq_percpu_base_init(&buf->b, pool, len, name);
}

RSEQKIT_EXPORT void rseq_percpu_buffer_fini(struct rseq_percpu_buffer *buf)
{
	rseq_percpu_base_fini(&buf->b);
}

RSEQKIT_EXPORT struct rseq_percpu_buffer *rseq_percpu_buffer_create(size_t capacity,
								    struct rseq_mempool *pool)
{
	size_t len = buffer_slot_len(capacity);
	struct rseq_percpu_buffer *buf;

	if (!len)
		return NULL;
	buf = struct_create(sizeof(*buf), pool, len, "buffer");
	if (buf)
		buf->capacity = (intptr_t)capacity;
	return buf;
}

RSEQKIT_EXPORT void rseq_percpu_buffer_destroy(struct rseq_percpu_buffer *buf)
{
	struct_destroy(buf ? &buf->b : NULL);
}

RSEQKIT_EXPORT int rseq_percpu_buffer_push_slow(struct rseq_percpu_buffer *buf, void *ptr)
{
	unsigned int w = 0;

	for (;;) {
		bool reg;
		int cpu = rseq_percpu_slow_index(&buf->b, &reg);
		struct rseq_percpu_buffer_slot *s = rseq_percpu_slot_of(&buf->b, cpu);
		intptr_t n;

		if (reg) {
			n = RSEQ_READ_ONCE(s->h.word);
			if (n == RSEQ_PERCPU_STOP) {
				rseq_percpu_backoff(&w);
				continue;
			}
			if (n >= buf->capacity)
				return -1;
			if (!rseq_cmpeqv_trystorev_storev(RSEQ_MO_RELEASE, buf->b.mode,
					&s->h.word, n, (intptr_t *)&s->items[n],
					(intptr_t)ptr, n + 1, cpu))
				return cpu;
			continue;
		}
		n = rseq_percpu_claim(&buf->b, cpu, 0);
		if (n >= buf->capacity) {
			rseq_percpu_release(&buf->b, cpu, n);
			return -1;
		}
		s->items[n] = ptr;
		rseq_percpu_release(&buf->b, cpu, n + 1);
		return cpu;
	}
}

RSEQKIT_EXPORT void *rseq_percpu_buffer_pop_slow(struct rseq_percpu_buffer *buf)
{
	unsigned int w = 0;

	for (;;) {
		bool reg;
		int cpu = rseq_percpu_slow_index(&buf->b, &reg);
		struct rseq_percpu_buffer_slot *s = rseq_percpu_slot_of(&buf->b, cpu);
		intptr_t n;
		void *p;

		if (reg) {
			n = rseq_smp_load_acquire(&s->h.word);
			if (n == RSEQ_PERCPU_STOP) {
				rseq_percpu_backoff(&w);
				continue;
			}
			if (n == 0)
				return NULL;
			p = RSEQ_READ_ONCE(s->items[n - 1]);
			if (!rseq_cmpeqv_cmpeqv_storev(RSEQ_MO_RELAXED, buf->b.mode,
					&s->h.word, n, (intptr_t *)&s->items[n - 1],
					(intptr_t)p, n - 1, cpu))
				return p;
			continue;
		}
		n = rseq_percpu_claim(&buf->b, cpu, 0);
		p = n ? s->items[n - 1] : NULL;
		rseq_percpu_release(&buf->b, cpu, n ? n - 1 : 0);
		return p;
	}
}

/* Claim 'cpu' and move pointers in (ptrs) or out (out); returns how many. */
static size_t buffer_bulk(struct rseq_percpu_buffer *buf, int cpu,
			  void **ptrs, void **out, size_t max)
{
	struct rseq_percpu_buffer_slot *s = rseq_percpu_slot_of(&buf->b, cpu);
	intptr_t n = rseq_percpu_claim(&buf->b, cpu, 0);
	size_t k = 0;

	if (ptrs) {
		while (k < max && n < buf->capacity)
			s->items[n++] = ptrs[k++];
	} else {
		while (k < max && n > 0)
			out[k++] = s->items[--n];
	}
	rseq_percpu_release(&buf->b, cpu, n);
	return k;
}

RSEQKIT_EXPORT size_t rseq_percpu_buffer_push_many(struct rseq_percpu_buffer *buf,
						   void **ptrs, size_t n)
{
	size_t done = 0;
	bool reg;
	int cpu = rseq_percpu_slow_index(&buf->b, &reg);

	if (!reg)
		return buffer_bulk(buf, cpu, ptrs, NULL, n);
	while (done < n && rseq_percpu_buffer_push(buf, ptrs[done]) >= 0)
		done++;
	return done;
}

RSEQKIT_EXPORT size_t rseq_percpu_buffer_pop_many(struct rseq_percpu_buffer *buf,
						  void **out, size_t max)
{
	size_t done = 0;
	bool reg;
	int cpu = rseq_percpu_slow_index(&buf->b, &reg);

	if (!reg)
		return buffer_bulk(buf, cpu, NULL, out, max);
	while (done < max && (out[done] = rseq_percpu_buffer_pop(buf)) != NULL)
		done++;
	return done;
}

RSEQKIT_EXPORT size_t rseq_percpu_buffer_drain_cpu(struct rseq_percpu_buffer *buf, int cpu,
						   void **out, size_t max)
{
	if (!SLOT_OK(&buf->b, cpu)) {
		rseqkit_fail(EINVAL, "no such CPU slot");
		return 0;
	}
	return buffer_bulk(buf, cpu, NULL, out, max);
}

/* ---- FIFO ---- */

RSEQKIT_EXPORT struct rseq_percpu_fifo *rseq_percpu_fifo_create(size_t rec_size,
				size_t capacity, struct rseq_mempool *pool)
{
	struct rseq_percpu_fifo *f;
	size_t cap = 1, stride;

	while (cap < capacity)
		cap <<= 1;
	if (!rec_size || !capacity || cap > (size_t)RSEQ_PERCPU_FIFO_MASK / 2) {
		rseqkit_fail(EINVAL, "bad record size or capacity");
		return NULL;
	}
	stride = (rec_size + 7) & ~(size_t)7;
	f = struct_create(sizeof(*f), pool,
			  sizeof(struct rseq_percpu_fifo_slot) + cap * stride, "fifo");
	if (f) {
		f->rec_size = rec_size;
		f->rec_stride = stride;
		f->capacity = cap;
	}
	return f;
}

RSEQKIT_EXPORT void rseq_percpu_fifo_destroy(struct rseq_percpu_fifo *f)
{
	struct_destroy(f ? &f->b : NULL);
}

static intptr_t fifo_head(intptr_t st) { return st & RSEQ_PERCPU_FIFO_MASK; }
static intptr_t fifo_tail(intptr_t st)
{
	return (st >> RSEQ_PERCPU_FIFO_SHIFT) & RSEQ_PERCPU_FIFO_MASK;
}
static intptr_t fifo_pushed(intptr_t st)
{
	return (((fifo_tail(st) + 1) & RSEQ_PERCPU_FIFO_MASK) << RSEQ_PERCPU_FIFO_SHIFT) |
	       fifo_head(st);
}
static intptr_t fifo_popped(intptr_t st)
{
	return (st & ~RSEQ_PERCPU_FIFO_MASK) | ((fifo_head(st) + 1) & RSEQ_PERCPU_FIFO_MASK);
}
static bool fifo_full(const struct rseq_percpu_fifo *f, intptr_t st)
{
	return ((fifo_tail(st) - fifo_head(st)) & RSEQ_PERCPU_FIFO_MASK) >= (intptr_t)f->capacity;
}

RSEQKIT_EXPORT int rseq_percpu_fifo_push_slow(struct rseq_percpu_fifo *f, const void *rec)
{
	unsigned int w = 0;

	for (;;) {
		bool reg;
		int cpu = rseq_percpu_slow_index(&f->b, &reg);
		struct rseq_percpu_fifo_slot *s = rseq_percpu_slot_of(&f->b, cpu);
		intptr_t st;

		if (reg) {
			st = RSEQ_READ_ONCE(s->h.word);
			if (st < 0) {
				rseq_percpu_backoff(&w);
				continue;
			}
			if (fifo_full(f, st))
				return -1;
			if (!rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELEASE, f->b.mode,
					&s->h.word, st, rseq_percpu_fifo_rec(f, s, fifo_tail(st)),
					(void *)rec, f->rec_size, fifo_pushed(st), cpu))
				return cpu;
			continue;
		}
		st = rseq_percpu_claim(&f->b, cpu, 0);
		if (fifo_full(f, st)) {
			rseq_percpu_release(&f->b, cpu, st);
			return -1;
		}
		memcpy(rseq_percpu_fifo_rec(f, s, fifo_tail(st)), rec, f->rec_size);
		rseq_percpu_release(&f->b, cpu, fifo_pushed(st));
		return cpu;
	}
}

static int fifo_pop_claimed(struct rseq_percpu_fifo *f, int cpu, void *out)
{
	struct rseq_percpu_fifo_slot *s = rseq_percpu_slot_of(&f->b, cpu);
	intptr_t st = rseq_percpu_claim(&f->b, cpu, 0);

	if (fifo_head(st) == fifo_tail(st)) {
		rseq_percpu_release(&f->b, cpu, st);
		return -1;
	}
	memcpy(out, rseq_percpu_fifo_rec(f, s, fifo_head(st)), f->rec_size);
	rseq_percpu_release(&f->b, cpu, fifo_popped(st));
	return 0;
}

RSEQKIT_EXPORT int rseq_percpu_fifo_pop_slow(struct rseq_percpu_fifo *f, void *out)
{
	unsigned int w = 0;

	for (;;) {
		bool reg;
		int cpu = rseq_percpu_slow_index(&f->b, &reg);
		struct rseq_percpu_fifo_slot *s = rseq_percpu_slot_of(&f->b, cpu);
		intptr_t st;

		if (!reg)
			return fifo_pop_claimed(f, cpu, out);
		st = rseq_smp_load_acquire(&s->h.word);
		if (st < 0) {
			rseq_percpu_backoff(&w);
			continue;
		}
		if (fifo_head(st) == fifo_tail(st))
			return -1;
		if (!rseq_cmpeqv_trymemcpy_storev(RSEQ_MO_RELAXED, f->b.mode,
				&s->h.word, st, out, rseq_percpu_fifo_rec(f, s, fifo_head(st)),
				f->rec_size, fifo_popped(st), cpu))
			return 0;
	}
}

RSEQKIT_EXPORT int rseq_percpu_fifo_pop_cpu(struct rseq_percpu_fifo *f, int cpu, void *out)
{
	if (!SLOT_OK(&f->b, cpu))
		return rseqkit_fail(EINVAL, "no such CPU slot");
	return fifo_pop_claimed(f, cpu, out);
}
