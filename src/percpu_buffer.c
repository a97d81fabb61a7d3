/* SPDX-License-Identifier: MIT */
/*
 * src/percpu_buffer.c - the per-CPU buffer of pointers: slow paths, bulk
 * and remote operations (rseqkit/percpu/buffer.h).  The slow paths have
 * the shape described in src/percpu_stack.c.
 */
#include <errno.h>
#include <limits.h>
#include <rseqkit/percpu/buffer.h>
#include "internal.h"

RSEQKIT_STATIC_ASSERT(offsetof(struct rseq_percpu_buffer, b) == 0, "base first");

#define BUFFER_MAX_CAPACITY	((size_t)1 << 24)

static struct rseq_percpu_buffer_slot *bslot(const struct rseq_percpu_buffer *buf, int cpu)
{
	return (struct rseq_percpu_buffer_slot *)rseq_percpu_slot_of(&buf->b, cpu);
}

static const struct rseq_percpu_buffer *of_base(const struct rseq_percpu_base *b)
{
	return (const struct rseq_percpu_buffer *)(const void *)b;
}

static bool want_room(const struct rseq_percpu_base *b, intptr_t n)
{
	return n < of_base(b)->capacity;
}

static bool want_items(const struct rseq_percpu_base *b, intptr_t n)
{
	(void)b;
	return n > 0;
}

RSEQKIT_HIDDEN size_t rseqkit_percpu_buffer_slot_len(size_t capacity)
{
	if (!capacity || capacity > BUFFER_MAX_CAPACITY) {
		rseqkit_fail(EINVAL, "the capacity must be from 1 to 2^24 pointers");
		return 0;
	}
	return sizeof(struct rseq_percpu_buffer_slot) + capacity * sizeof(void *);
}

RSEQKIT_HIDDEN int rseq_percpu_buffer_init(struct rseq_percpu_buffer *buf, size_t capacity,
					   struct rseq_mempool *pool, const char *name)
{
	size_t len = rseqkit_percpu_buffer_slot_len(capacity);

	if (!len)
		return -1;
	if (rseqkit_percpu_base_init_kind(&buf->b, pool, len, name,
					  &rseqkit_percpu_kind_claimable))
		return -1;
	buf->capacity = (intptr_t)capacity;
	return 0;
}

RSEQKIT_HIDDEN void rseq_percpu_buffer_fini(struct rseq_percpu_buffer *buf)
{
	rseq_percpu_base_fini(&buf->b);
}

RSEQKIT_EXPORT struct rseq_percpu_buffer *rseq_percpu_buffer_create(size_t capacity,
								    struct rseq_mempool *pool)
{
	size_t len = rseqkit_percpu_buffer_slot_len(capacity);
	struct rseq_percpu_buffer *buf;

	if (!len)
		return NULL;
	buf = rseqkit_percpu_create(sizeof(*buf), pool, len, "buffer",
				    &rseqkit_percpu_kind_claimable);
	if (buf)
		buf->capacity = (intptr_t)capacity;
	return buf;
}

RSEQKIT_EXPORT void rseq_percpu_buffer_destroy(struct rseq_percpu_buffer *buf)
{
	rseqkit_percpu_destroy(buf ? &buf->b : NULL);
}

static int full(void)
{
	return rseqkit_fail(ENOSPC, "this CPU's buffer is full");
}

static void *empty(void)
{
	return rseqkit_fail_null(EAGAIN, "this CPU's buffer is empty");
}

static enum rseqkit_slow push_section(const struct rseq_percpu_base *b, int cpu,
				      void *ptr, intptr_t *result)
{
	const struct rseq_percpu_buffer *buf = of_base(b);
	struct rseq_percpu_buffer_slot *s = bslot(buf, cpu);
	intptr_t n = RSEQ_READ_ONCE(s->h.word);
	int r;

	if (n == RSEQ_PERCPU_STOP)
		return RSEQKIT_SLOW_CLAIMED;
	if (n >= buf->capacity) {
		*result = full();
		return RSEQKIT_SLOW_DONE;
	}
	r = rseq_cmpeqv_trystorev_storev(RSEQ_MO_RELEASE, b->mode, &s->h.word, n,
					 (intptr_t *)(void *)&s->items[n], (intptr_t)ptr,
					 n + 1, cpu);
	if (r)
		return rseqkit_slow_outcome(r);
	*result = cpu;
	return RSEQKIT_SLOW_DONE;
}

static intptr_t push_claimed(const struct rseq_percpu_base *b, int c, intptr_t n, void *ptr)
{
	if (n >= of_base(b)->capacity) {
		rseq_percpu_release(b, c, n);
		return full();
	}
	bslot(of_base(b), c)->items[n] = ptr;
	rseq_percpu_release(b, c, n + 1);
	return c;
}

static const struct rseqkit_slow_op push_op = { push_section, want_room, push_claimed };

RSEQKIT_EXPORT int rseq_percpu_buffer_push_slow(struct rseq_percpu_buffer *buf, void *ptr)
{
	if (!ptr)
		return rseqkit_fail(EINVAL, "rseq_percpu_buffer_push: a buffer does not hold NULL");
	return (int)rseqkit_percpu_slow(&buf->b, &push_op, ptr, -1);
}

static enum rseqkit_slow pop_section(const struct rseq_percpu_base *b, int cpu,
				     void *arg, intptr_t *result)
{
	struct rseq_percpu_buffer_slot *s = bslot(of_base(b), cpu);
	intptr_t n = rseq_smp_load_acquire(&s->h.word);
	void *p;
	int r;

	(void)arg;
	if (n == RSEQ_PERCPU_STOP)
		return RSEQKIT_SLOW_CLAIMED;
	if (n == 0) {
		*result = (intptr_t)empty();
		return RSEQKIT_SLOW_DONE;
	}
	p = RSEQ_READ_ONCE(s->items[n - 1]);
	r = rseq_cmpeqv_cmpeqv_storev(RSEQ_MO_RELAXED, b->mode, &s->h.word, n,
				      (intptr_t *)(void *)&s->items[n - 1], (intptr_t)p,
				      n - 1, cpu);
	if (r)
		return rseqkit_slow_outcome(r);
	*result = (intptr_t)p;
	return RSEQKIT_SLOW_DONE;
}

static intptr_t pop_claimed(const struct rseq_percpu_base *b, int c, intptr_t n, void *arg)
{
	void *p;

	(void)arg;
	if (n <= 0) {
		rseq_percpu_release(b, c, n);
		return (intptr_t)empty();
	}
	p = bslot(of_base(b), c)->items[n - 1];
	rseq_percpu_release(b, c, n - 1);
	return (intptr_t)p;
}

static const struct rseqkit_slow_op pop_op = { pop_section, want_items, pop_claimed };

RSEQKIT_EXPORT void *rseq_percpu_buffer_pop_slow(struct rseq_percpu_buffer *buf)
{
	return (void *)rseqkit_percpu_slow(&buf->b, &pop_op, NULL, 0);
}

/*
 * Claim 'cpu' (or, where this thread may not wait, a slot that has what
 * the direction needs) and move pointers in (ptrs) or out (out); returns
 * how many, or -1 with errno when no slot could be claimed.
 */
static ssize_t bulk(struct rseq_percpu_buffer *buf, int cpu, bool any,
		    void *const *ptrs, void **out, size_t max)
{
	intptr_t n;
	int c = cpu;
	size_t k = 0;

	if (any)
		c = rseq_percpu_claim_any(&buf->b, cpu, ptrs ? want_room : want_items, &n);
	else if ((n = rseq_percpu_claim(&buf->b, cpu, 0)) == RSEQ_PERCPU_STOP)
		c = -1;
	if (c < 0)
		return -1;
	if (ptrs) {
		while (k < max && n < buf->capacity)
			bslot(buf, c)->items[n++] = ptrs[k++];
	} else {
		while (k < max && n > 0)
			out[k++] = bslot(buf, c)->items[--n];
	}
	rseq_percpu_release(&buf->b, c, n);
	return (ssize_t)k;
}

static int check_array(const void *array, size_t n)
{
	if (n > (size_t)SSIZE_MAX)
		return rseqkit_fail(EINVAL, "the count is larger than SSIZE_MAX");
	if (n && !array)
		return rseqkit_fail(EINVAL, "the array is NULL");
	return 0;
}

RSEQKIT_EXPORT ssize_t rseq_percpu_buffer_push_many(struct rseq_percpu_buffer *buf,
						    void *const *ptrs, size_t n)
{
	size_t done = 0;
	bool reg;
	int cpu;

	if (!buf)
		return rseqkit_fail(EINVAL, "no buffer");
	if (check_array(ptrs, n))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!ptrs[i])
			return rseqkit_fail(EINVAL, "rseq_percpu_buffer_push_many: a buffer does not hold NULL");
	cpu = rseq_percpu_slow_index(&buf->b, &reg);
	if (!reg)
		return bulk(buf, cpu, true, ptrs, NULL, n);
	while (done < n && rseq_percpu_buffer_push(buf, ptrs[done]) >= 0)
		done++;
	if (done < n && !done && errno != ENOSPC)
		return -1;
	return (ssize_t)done;
}

RSEQKIT_EXPORT ssize_t rseq_percpu_buffer_pop_many(struct rseq_percpu_buffer *buf,
						   void **out, size_t max)
{
	size_t done = 0;
	bool reg;
	int cpu;

	if (!buf)
		return rseqkit_fail(EINVAL, "no buffer");
	if (check_array(out, max))
		return -1;
	cpu = rseq_percpu_slow_index(&buf->b, &reg);
	if (!reg)
		return bulk(buf, cpu, true, NULL, out, max);
	while (done < max && (out[done] = rseq_percpu_buffer_pop(buf)) != NULL)
		done++;
	if (done < max && !done && errno != EAGAIN)
		return -1;
	return (ssize_t)done;
}

RSEQKIT_EXPORT ssize_t rseq_percpu_buffer_drain_cpu(struct rseq_percpu_buffer *buf, int cpu,
						    void **out, size_t max)
{
	if (!buf)
		return rseqkit_fail(EINVAL, "no buffer");
	if (check_array(out, max) || rseqkit_percpu_check_cpu(&buf->b, cpu))
		return -1;
	return bulk(buf, cpu, false, NULL, out, max);
}

RSEQKIT_EXPORT int rseq_percpu_buffer_nr_cpus(const struct rseq_percpu_buffer *buf)
{
	if (!buf)
		return rseqkit_fail(EINVAL, "no buffer");
	return buf->b.nr;
}

RSEQKIT_EXPORT size_t rseq_percpu_buffer_capacity(const struct rseq_percpu_buffer *buf)
{
	if (!buf) {
		rseqkit_fail(EINVAL, "no buffer");
		return 0;
	}
	return (size_t)buf->capacity;
}
