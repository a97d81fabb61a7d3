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

extern struct rseq_percpu_node rseq_percpu_stack_end RSEQKIT_SYM(percpu_stack_end);
#define RSEQ_PERCPU_STACK_END	((intptr_t)&rseq_percpu_stack_end)

struct rseq_percpu_stack {
	struct rseq_percpu_base b;
};

struct rseq_percpu_stack *rseq_percpu_stack_create(struct rseq_mempool *pool) RSEQKIT_SYM(percpu_stack_create);
void rseq_percpu_stack_destroy(struct rseq_percpu_stack *s) RSEQKIT_SYM(percpu_stack_destroy);
int rseq_percpu_stack_push_slow(struct rseq_percpu_stack *s,
				struct rseq_percpu_node *node) RSEQKIT_SYM(percpu_stack_push_slow);
struct rseq_percpu_node *rseq_percpu_stack_pop_slow(struct rseq_percpu_stack *s) RSEQKIT_SYM(percpu_stack_pop_slow);
/* Take CPU 'cpu''s whole stack (NULL-terminated list, top first). */
struct rseq_percpu_node *rseq_percpu_stack_pop_all_cpu(struct rseq_percpu_stack *s,
							int cpu) RSEQKIT_SYM(percpu_stack_pop_all_cpu);
/* Turn an END-terminated chain into a NULL-terminated one. */
struct rseq_percpu_node *rseq_percpu_stack_terminate(intptr_t head) RSEQKIT_SYM(percpu_stack_terminate);

/* Push on this CPU's stack; returns the index of the stack used. */
RSEQ_PERCPU_INLINE int rseq_percpu_stack_push(struct rseq_percpu_stack *s,
					 struct rseq_percpu_node *node)
{
	int cpu = rseq_percpu_fast_index(&s->b);

	if (rseq_likely(cpu >= 0)) {
		struct rseq_percpu_slot *sl = rseq_percpu_slot_of(&s->b, cpu);
		intptr_t h = RSEQ_READ_ONCE(sl->word);

		if (rseq_likely(h != 0 && h != RSEQ_PERCPU_STOP) &&
		    rseq_likely(!rseq_cmpeqv_trystorev_storev(RSEQ_MO_RELEASE,
				s->b.mode, &sl->word, h,
				(intptr_t *)&node->next, h, (intptr_t)node, cpu)))
			return cpu;
	}
	return rseq_percpu_stack_push_slow(s, node);
}

/* Pop from this CPU's stack; NULL when it is empty. */
RSEQ_PERCPU_INLINE struct rseq_percpu_node *rseq_percpu_stack_pop(struct rseq_percpu_stack *s)
{
	int cpu = rseq_percpu_fast_index(&s->b);

	if (rseq_likely(cpu >= 0)) {
		struct rseq_percpu_slot *sl = rseq_percpu_slot_of(&s->b, cpu);
		intptr_t h = RSEQ_READ_ONCE(sl->word), load;

		if (h == 0 || h == RSEQ_PERCPU_STACK_END)
			return NULL;
		if (rseq_likely(h != RSEQ_PERCPU_STOP) &&
		    rseq_likely(!rseq_cmpnev_storeoffp_load(RSEQ_MO_RELAXED,
				s->b.mode, &sl->word, RSEQ_PERCPU_STOP,
				offsetof(struct rseq_percpu_node, next), &load, cpu)))
			return load == RSEQ_PERCPU_STACK_END ? NULL
				: (struct rseq_percpu_node *)load;
	}
	return rseq_percpu_stack_pop_slow(s);
}

/* Take this CPU's whole stack (NULL-terminated list, top first). */
RSEQ_PERCPU_INLINE struct rseq_percpu_node *rseq_percpu_stack_pop_all(struct rseq_percpu_stack *s)
{
	for (;;) {
		bool reg;
		int cpu = rseq_percpu_slow_index(&s->b, &reg);
		struct rseq_percpu_slot *sl = rseq_percpu_slot_of(&s->b, cpu);
		intptr_t h = RSEQ_READ_ONCE(sl->word);

		if (!reg)
			return rseq_percpu_stack_pop_all_cpu(s, cpu);
		if (h == 0 || h == RSEQ_PERCPU_STACK_END)
			return NULL;
		if (h == RSEQ_PERCPU_STOP) {
			unsigned int n = 64;
			rseq_percpu_backoff(&n);
			continue;
		}
		if (!rseq_cmpeqv_storev(RSEQ_MO_RELAXED, s->b.mode, &sl->word,
					h, RSEQ_PERCPU_STACK_END, cpu))
			return rseq_percpu_stack_terminate(h);
	}
}

#ifdef __cplusplus
}
#endif

#endif
