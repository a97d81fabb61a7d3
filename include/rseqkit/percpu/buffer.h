/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/percpu/buffer.h - bounded per-CPU buffer of pointers (LIFO).
 *
 * A CPU's slot: the count of pointers (the key word: RSEQ_PERCPU_STOP
 * while claimed), then 'capacity' pointers.  Push stores the pointer
 * (trial store) and commits count + 1; pop checks that the top pointer is
 * still the one it read and commits count - 1.  See
 * rseq_percpu_buffer_push(3).
 */
#ifndef RSEQKIT_PERCPU_BUFFER_H
#define RSEQKIT_PERCPU_BUFFER_H

#include <rseqkit/percpu/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rseq_percpu_buffer_slot {
	struct rseq_percpu_slot h;	/* h.word: number of pointers */
	void *items[];
};

struct rseq_percpu_buffer {
	struct rseq_percpu_base b;
	intptr_t capacity;
};

struct rseq_percpu_buffer *rseq_percpu_buffer_create(size_t capacity,
						     struct rseq_mempool *pool) RSEQKIT_SYM(percpu_buffer_create);
void rseq_percpu_buffer_destroy(struct rseq_percpu_buffer *buf) RSEQKIT_SYM(percpu_buffer_destroy);
/* Set up / tear down a buffer embedded in another structure. */
int rseq_percpu_buffer_init(struct rseq_percpu_buffer *buf, size_t capacity,
			    struct rseq_mempool *pool, const char *name) RSEQKIT_SYM(percpu_buffer_init);
void rseq_percpu_buffer_fini(struct rseq_percpu_buffer *buf) RSEQKIT_SYM(percpu_buffer_fini);
int rseq_percpu_buffer_push_slow(struct rseq_percpu_buffer *buf, void *ptr) RSEQKIT_SYM(percpu_buffer_push_slow);
void *rseq_percpu_buffer_pop_slow(struct rseq_percpu_buffer *buf) RSEQKIT_SYM(percpu_buffer_pop_slow);
/* Push up to n pointers on one CPU's buffer; returns how many went. */
size_t rseq_percpu_buffer_push_many(struct rseq_percpu_buffer *buf,
				    void **ptrs, size_t n) RSEQKIT_SYM(percpu_buffer_push_many);
/* Pop up to max pointers from this CPU's buffer; returns how many. */
size_t rseq_percpu_buffer_pop_many(struct rseq_percpu_buffer *buf,
				   void **out, size_t max) RSEQKIT_SYM(percpu_buffer_pop_many);
/* Take up to max pointers from CPU 'cpu''s buffer (remote). */
size_t rseq_percpu_buffer_drain_cpu(struct rseq_percpu_buffer *buf, int cpu,
				    void **out, size_t max) RSEQKIT_SYM(percpu_buffer_drain_cpu);

/*
 * Push on this CPU's buffer: the index of the buffer used, or -1 when
 * that buffer is full.
 */
RSEQ_PERCPU_INLINE int rseq_percpu_buffer_push(struct rseq_percpu_buffer *buf,
					  void *ptr)
{
	int cpu = rseq_percpu_fast_index(&buf->b);

	if (rseq_likely(cpu >= 0)) {
		struct rseq_percpu_buffer_slot *s = rseq_percpu_slot_of(&buf->b, cpu);
		intptr_t n = RSEQ_READ_ONCE(s->h.word);

		if (rseq_likely(n >= 0 && n < buf->capacity)) {
			if (rseq_likely(!rseq_cmpeqv_trystorev_storev(RSEQ_MO_RELEASE,
					buf->b.mode, &s->h.word, n,
					(intptr_t *)&s->items[n], (intptr_t)ptr,
					n + 1, cpu)))
				return cpu;
		} else if (n == buf->capacity) {
			return -1;
		}
	}
	return rseq_percpu_buffer_push_slow(buf, ptr);
}

/* Pop from this CPU's buffer; NULL when it is empty. */
RSEQ_PERCPU_INLINE void *rseq_percpu_buffer_pop(struct rseq_percpu_buffer *buf)
{
	int cpu = rseq_percpu_fast_index(&buf->b);

	if (rseq_likely(cpu >= 0)) {
		struct rseq_percpu_buffer_slot *s = rseq_percpu_slot_of(&buf->b, cpu);
		intptr_t n = rseq_smp_load_acquire(&s->h.word);

		if (rseq_likely(n > 0)) {
			void *p = RSEQ_READ_ONCE(s->items[n - 1]);

			if (rseq_likely(!rseq_cmpeqv_cmpeqv_storev(RSEQ_MO_RELAXED,
					buf->b.mode, &s->h.word, n,
					(intptr_t *)&s->items[n - 1], (intptr_t)p,
					n - 1, cpu)))
				return p;
		} else if (n == 0) {
			return NULL;
		}
	}
	return rseq_percpu_buffer_pop_slow(buf);
}

#ifdef __cplusplus
}
#endif

#endif
