/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/percpu/buffer.h - bounded per-CPU buffer of pointers (LIFO).
 *
 * A CPU's slot: the count of pointers (the key word: RSEQ_PERCPU_STOP
 * while claimed), then 'capacity' pointers.  Push stores the pointer
 * (trial store) and commits count + 1; pop checks that the top pointer is
 * still the one it read and commits count - 1.  NULL is not a pointer a
 * buffer holds (a pop returns NULL when there is none).  See
 * rseq_percpu_buffer_push(3).
 */
#ifndef RSEQKIT_PERCPU_BUFFER_H
#define RSEQKIT_PERCPU_BUFFER_H

#include <sys/types.h>
#include <rseqkit/percpu/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rseq_percpu_buffer_slot {
	struct rseq_percpu_slot h;	/* h.word: number of pointers */
	void *items[];
};

/* Opaque but for what the inline paths read (see rseq_percpu_base). */
struct rseq_percpu_buffer {
	struct rseq_percpu_base b;
	intptr_t capacity;
	uintptr_t reserved[2];
};

/*
 * A buffer of 'capacity' pointers per CPU (1 .. 2^24) over pool (NULL: a
 * private pool), or NULL with errno EINVAL or ENOMEM.
 */
struct rseq_percpu_buffer *rseq_percpu_buffer_create(size_t capacity,
						     struct rseq_mempool *pool) RSEQKIT_SYM(percpu_buffer_create);
/* NULL is a no-op. */
void rseq_percpu_buffer_destroy(struct rseq_percpu_buffer *buf) RSEQKIT_SYM(percpu_buffer_destroy);
/* Called by the inline push and pop; not for direct use. */
int rseq_percpu_buffer_push_slow(struct rseq_percpu_buffer *buf, void *ptr) RSEQKIT_SYM(percpu_buffer_push_slow);
void *rseq_percpu_buffer_pop_slow(struct rseq_percpu_buffer *buf) RSEQKIT_SYM(percpu_buffer_pop_slow);
/*
 * Push up to n pointers on one CPU's buffer, pop up to max from this
 * CPU's buffer, or take up to max from CPU 'cpu''s buffer (remote):
 * how many, or -1 with errno (EINVAL: a bad count, CPU or array; EAGAIN,
 * EPERM, ENOSYS as for a push).
 */
ssize_t rseq_percpu_buffer_push_many(struct rseq_percpu_buffer *buf,
				     void *const *ptrs, size_t n) RSEQKIT_SYM(percpu_buffer_push_many);
ssize_t rseq_percpu_buffer_pop_many(struct rseq_percpu_buffer *buf,
				    void **out, size_t max) RSEQKIT_SYM(percpu_buffer_pop_many);
ssize_t rseq_percpu_buffer_drain_cpu(struct rseq_percpu_buffer *buf, int cpu,
				     void **out, size_t max) RSEQKIT_SYM(percpu_buffer_drain_cpu);
/* Buffers: indexes 0 .. nr_cpus - 1; -1 with errno EINVAL for NULL. */
int rseq_percpu_buffer_nr_cpus(const struct rseq_percpu_buffer *buf) RSEQKIT_SYM(percpu_buffer_nr_cpus);
/* Pointers per CPU; 0 with errno EINVAL for NULL. */
size_t rseq_percpu_buffer_capacity(const struct rseq_percpu_buffer *buf) RSEQKIT_SYM(percpu_buffer_capacity);

/*
 * Push on this CPU's buffer: the index of the buffer used, or -1 with
 * errno: ENOSPC (that buffer is full), EINVAL (ptr NULL), EAGAIN, EPERM,
 * ENOSYS (see rseq_percpu_buffer_push(3)).
 */
RSEQ_PERCPU_INLINE int rseq_percpu_buffer_push(struct rseq_percpu_buffer *buf,
					       void *ptr)
{
	int cpu = rseq_percpu_fast_index(&buf->b);

	if (rseq_likely(cpu >= 0 && ptr != NULL)) {
		struct rseq_percpu_buffer_slot *s = (struct rseq_percpu_buffer_slot *)
			rseq_percpu_slot_of(&buf->b, cpu);
		intptr_t n = RSEQ_READ_ONCE(s->h.word);

		if (rseq_likely(n >= 0 && n < buf->capacity)) {
			if (rseq_likely(!rseq_cmpeqv_trystorev_storev(RSEQ_MO_RELEASE,
					buf->b.mode, &s->h.word, n,
					(intptr_t *)(void *)&s->items[n], (intptr_t)ptr,
					n + 1, cpu)))
				return cpu;
		} else if (n == buf->capacity) {
			errno = ENOSPC;
			return -1;
		}
	}
	return rseq_percpu_buffer_push_slow(buf, ptr);
}

/* Pop from this CPU's buffer; NULL with errno EAGAIN when it is empty. */
RSEQ_PERCPU_INLINE void *rseq_percpu_buffer_pop(struct rseq_percpu_buffer *buf)
{
	int cpu = rseq_percpu_fast_index(&buf->b);

	if (rseq_likely(cpu >= 0)) {
		struct rseq_percpu_buffer_slot *s = (struct rseq_percpu_buffer_slot *)
			rseq_percpu_slot_of(&buf->b, cpu);
		intptr_t n = rseq_smp_load_acquire(&s->h.word);

		if (rseq_likely(n > 0)) {
			void *p = RSEQ_READ_ONCE(s->items[n - 1]);

			if (rseq_likely(!rseq_cmpeqv_cmpeqv_storev(RSEQ_MO_RELAXED,
					buf->b.mode, &s->h.word, n,
					(intptr_t *)(void *)&s->items[n - 1], (intptr_t)p,
					n - 1, cpu)))
				return p;
		} else if (n == 0) {
			errno = EAGAIN;
			return NULL;
		}
	}
	return rseq_percpu_buffer_pop_slow(buf);
}

#ifdef __cplusplus
}
#endif

#endif
