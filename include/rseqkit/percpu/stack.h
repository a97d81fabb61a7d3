/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/percpu/stack.h - per-CPU stack (free list) of intrusive nodes:
 * push, pop, pop-all, and pop-all of another CPU's stack.
 *
 * A CPU's head word: 0 (never used), the address of rseq_percpu_stack_end
 * (empty; its 'next' points to itself, so a pop of an empty stack is a
 * harmless no-op), RSEQ_PERCPU_STOP (claimed), or the top node.  Lists
 * returned by pop-all end with NULL.  See rseq_percpu_stack_push(3).
 */
#ifndef RSEQKIT_PERCPU_STACK_H
#define RSEQKIT_PERCPU_STACK_H

#include <rseqkit/percpu/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rseq_percpu_node {
	struct rseq_percpu_node *next;
};

/* The end of every stack (read by the inline pop). */
extern struct rseq_percpu_node rseq_percpu_stack_end RSEQKIT_SYM(percpu_stack_end);
#define RSEQ_PERCPU_STACK_END	((intptr_t)&rseq_percpu_stack_end)

/* Opaque but for what the inline paths read (see rseq_percpu_base). */
struct rseq_percpu_stack {
	struct rseq_percpu_base b;
};

struct rseq_percpu_stack *rseq_percpu_stack_create(struct rseq_mempool *pool) RSEQKIT_SYM(percpu_stack_create);
/* NULL is a no-op. */
void rseq_percpu_stack_destroy(struct rseq_percpu_stack *s) RSEQKIT_SYM(percpu_stack_destroy);
/* Called by the inline push and pop; not for direct use. */
int rseq_percpu_stack_push_slow(struct rseq_percpu_stack *s,
				struct rseq_percpu_node *node) RSEQKIT_SYM(percpu_stack_push_slow);
struct rseq_percpu_node *rseq_percpu_stack_pop_slow(struct rseq_percpu_stack *s) RSEQKIT_SYM(percpu_stack_pop_slow);
/*
 * Take this CPU's whole stack (NULL-terminated list, top first), or
 * NULL with errno: EAGAIN (empty).
 */
struct rseq_percpu_node *rseq_percpu_stack_pop_all(struct rseq_percpu_stack *s) RSEQKIT_SYM(percpu_stack_pop_all);
/*
 * Take CPU 'cpu''s whole stack (NULL-terminated list, top first), or
 * NULL with errno: EAGAIN (empty, or busy where the caller may not wait),
 * EINVAL (no such CPU), EPERM or ENOSYS (membarrier denied).
 */
struct rseq_percpu_node *rseq_percpu_stack_pop_all_cpu(struct rseq_percpu_stack *s,
						       int cpu) RSEQKIT_SYM(percpu_stack_pop_all_cpu);
/* Stacks: indexes 0 .. nr_cpus - 1; -1 with errno EINVAL for NULL. */
int rseq_percpu_stack_nr_cpus(const struct rseq_percpu_stack *s) RSEQKIT_SYM(percpu_stack_nr_cpus);

/*
 * Push on this CPU's stack; returns the index of the stack used, or -1
 * with errno: EINVAL (node NULL), EAGAIN (no stack could be had without
 * waiting for the code a signal handler interrupted), EPERM or ENOSYS.
 */
RSEQ_PERCPU_INLINE int rseq_percpu_stack_push(struct rseq_percpu_stack *s,
					      struct rseq_percpu_node *node)
{
	int cpu = rseq_percpu_fast_index(&s->b);

	if (rseq_likely(cpu >= 0 && node != NULL)) {
		struct rseq_percpu_slot *sl = (struct rseq_percpu_slot *)
			rseq_percpu_slot_of(&s->b, cpu);
		intptr_t h = RSEQ_READ_ONCE(sl->word);

		if (rseq_likely(h != 0 && h != RSEQ_PERCPU_STOP) &&
		    rseq_likely(!rseq_cmpeqv_trystorev_storev(RSEQ_MO_RELEASE,
				s->b.mode, &sl->word, h,
				(intptr_t *)(void *)&node->next, h, (intptr_t)node, cpu)))
			return cpu;
	}
	return rseq_percpu_stack_push_slow(s, node);
}

/* Pop from this CPU's stack; NULL with errno EAGAIN when it is empty. */
RSEQ_PERCPU_INLINE struct rseq_percpu_node *rseq_percpu_stack_pop(struct rseq_percpu_stack *s)
{
	int cpu = rseq_percpu_fast_index(&s->b);

	if (rseq_likely(cpu >= 0)) {
		struct rseq_percpu_slot *sl = (struct rseq_percpu_slot *)
			rseq_percpu_slot_of(&s->b, cpu);
		intptr_t h = RSEQ_READ_ONCE(sl->word), load;

		if (h == 0 || h == RSEQ_PERCPU_STACK_END) {
			errno = EAGAIN;
			return NULL;
		}
		if (rseq_likely(h != RSEQ_PERCPU_STOP) &&
		    rseq_likely(!rseq_cmpnev_storeoffp_load(RSEQ_MO_RELAXED,
				s->b.mode, &sl->word, RSEQ_PERCPU_STOP,
				(long)offsetof(struct rseq_percpu_node, next), &load, cpu)) &&
		    rseq_likely(load != RSEQ_PERCPU_STACK_END))
			return (struct rseq_percpu_node *)load;
	}
	return rseq_percpu_stack_pop_slow(s);
}

#ifdef __cplusplus
}
#endif

#endif
