/* SPDX-License-Identifier: MIT */
/*
 * src/percpu_stack.c - the per-CPU stack's slow paths and pop-all
 * (rseqkit/percpu/stack.h).
 *
 * Every slow path has the same shape: find the slot (the index of a
 * registered thread, else sched_getcpu()); a registered thread retries
 * its critical section, waiting while a claimer owns the slot, at most
 * RSEQKIT_PERCPU_TRIES aborts; a thread without rseq, any thread in
 * atomic mode, and a registered one out of tries claims the slot, works
 * on it with plain accesses, and releases it.  Where the thread may not
 * wait (a signal handler that interrupted rseqkit), a push claims any
 * slot that is free instead, and a pop reports EAGAIN.
 */
#include <errno.h>
#include <rseqkit/percpu/stack.h>
#include "internal.h"

RSEQKIT_STATIC_ASSERT(offsetof(struct rseq_percpu_stack, b) == 0, "base first");

RSEQKIT_EXPORT struct rseq_percpu_node rseq_percpu_stack_end = {
	&rseq_percpu_stack_end,
};

static struct rseq_percpu_slot *sslot(const struct rseq_percpu_stack *st, int cpu)
{
	return (struct rseq_percpu_slot *)rseq_percpu_slot_of(&st->b, cpu);
}

static bool stack_empty(intptr_t h)
{
	return h == 0 || h == RSEQ_PERCPU_STACK_END;
}

static bool want_nonempty(const struct rseq_percpu_base *b, intptr_t h)
{
	(void)b;
	return !stack_empty(h);
}

static void *empty(void)
{
	return rseqkit_fail_null(EAGAIN, "the stack is empty");
}

RSEQKIT_EXPORT struct rseq_percpu_stack *rseq_percpu_stack_create(struct rseq_mempool *pool)
{
	return rseqkit_percpu_create(sizeof(struct rseq_percpu_stack), pool,
				     sizeof(struct rseq_percpu_slot), "stack",
				     &rseqkit_percpu_kind_claimable);
}

RSEQKIT_EXPORT void rseq_percpu_stack_destroy(struct rseq_percpu_stack *s)
{
	rseqkit_percpu_destroy(s ? &s->b : NULL);
}

RSEQKIT_HIDDEN struct rseq_percpu_node *rseq_percpu_stack_terminate(intptr_t head)
{
	struct rseq_percpu_node *n;

	if (stack_empty(head) || head == RSEQ_PERCPU_STOP)
		return NULL;
	for (n = (struct rseq_percpu_node *)head; n->next != &rseq_percpu_stack_end; n = n->next)
		;
	n->next = NULL;
	return (struct rseq_percpu_node *)head;
}

/* Push through a claim (of 'cpu', or of any free slot where we may not wait). */
static int push_claimed(struct rseq_percpu_stack *st, int cpu, struct rseq_percpu_node *node)
{
	intptr_t h;
	int c = rseq_percpu_claim_any(&st->b, cpu, NULL, &h);

	if (c < 0)
		return -1;
	node->next = (struct rseq_percpu_node *)(h ? h : RSEQ_PERCPU_STACK_END);
	rseq_percpu_release(&st->b, c, (intptr_t)node);
	return c;
}

RSEQKIT_EXPORT int rseq_percpu_stack_push_slow(struct rseq_percpu_stack *st,
					       struct rseq_percpu_node *node)
{
	unsigned int n = 0;

	if (!node)
		return rseqkit_fail(EINVAL, "rseq_percpu_stack_push: the node is NULL");
	for (int tries = 0;;) {
		bool reg;
		int cpu = rseq_percpu_slow_index(&st->b, &reg), r;
		struct rseq_percpu_slot *s = sslot(st, cpu);
		intptr_t h;

		if (!reg || tries >= RSEQKIT_PERCPU_TRIES)
			return push_claimed(st, cpu, node);
		h = RSEQ_READ_ONCE(s->word);
		if (h == RSEQ_PERCPU_STOP) {
			if (rseq_percpu_wait_claimer(&st->b, cpu, &n))
				return push_claimed(st, cpu, node);
			continue;
		}
		if (h == 0)	/* first use of this slot: make it empty */
			r = rseq_cmpeqv_storev(RSEQ_MO_RELAXED, st->b.mode, &s->word,
					       0, RSEQ_PERCPU_STACK_END, cpu);
		else if (!(r = rseq_cmpeqv_trystorev_storev(RSEQ_MO_RELEASE, st->b.mode,
				&s->word, h, (intptr_t *)(void *)&node->next, h,
				(intptr_t)node, cpu)))
			return cpu;
		if (r < 0)
			tries++;
	}
}

/* Pop through a claim (of 'cpu', or of a non-empty slot where we may not wait). */
static struct rseq_percpu_node *pop_claimed(struct rseq_percpu_stack *st, int cpu)
{
	struct rseq_percpu_node *node;
	intptr_t h;
	int c = rseq_percpu_claim_any(&st->b, cpu, want_nonempty, &h);

	if (c < 0)
		return NULL;
	if (stack_empty(h)) {
		rseq_percpu_release(&st->b, c, h);
		return empty();
	}
	node = (struct rseq_percpu_node *)h;
	rseq_percpu_release(&st->b, c, (intptr_t)node->next);
	return node;
}

RSEQKIT_EXPORT struct rseq_percpu_node *rseq_percpu_stack_pop_slow(struct rseq_percpu_stack *st)
{
	unsigned int n = 0;

	for (int tries = 0;;) {
		bool reg;
		int cpu = rseq_percpu_slow_index(&st->b, &reg), r;
		struct rseq_percpu_slot *s = sslot(st, cpu);
		intptr_t h, load;

		if (!reg || tries >= RSEQKIT_PERCPU_TRIES)
			return pop_claimed(st, cpu);
		h = RSEQ_READ_ONCE(s->word);
		if (stack_empty(h))
			return empty();
		if (h == RSEQ_PERCPU_STOP) {
			if (rseq_percpu_wait_claimer(&st->b, cpu, &n))
				return pop_claimed(st, cpu);
			continue;
		}
		r = rseq_cmpnev_storeoffp_load(RSEQ_MO_RELAXED, st->b.mode,
				&s->word, RSEQ_PERCPU_STOP,
				(long)offsetof(struct rseq_percpu_node, next), &load, cpu);
		if (!r)
			return load == RSEQ_PERCPU_STACK_END ? empty()
				: (struct rseq_percpu_node *)load;
		if (r < 0)
			tries++;
	}
}

/* Take slot c's chain through a claim already made (its word was h). */
static struct rseq_percpu_node *take_all(struct rseq_percpu_stack *st, int c, intptr_t h)
{
	rseq_percpu_release(&st->b, c, h ? RSEQ_PERCPU_STACK_END : 0);
	if (stack_empty(h))
		return empty();
	return rseq_percpu_stack_terminate(h);
}

RSEQKIT_EXPORT struct rseq_percpu_node *rseq_percpu_stack_pop_all_cpu(struct rseq_percpu_stack *st,
								      int cpu)
{
	intptr_t h;

	if (!st)
		return rseqkit_fail_null(EINVAL, "no stack");
	if (rseqkit_percpu_check_cpu(&st->b, cpu))
		return NULL;
	h = rseq_percpu_claim(&st->b, cpu, 0);
	if (h == RSEQ_PERCPU_STOP)
		return NULL;
	return take_all(st, cpu, h);
}

RSEQKIT_EXPORT struct rseq_percpu_node *rseq_percpu_stack_pop_all(struct rseq_percpu_stack *st)
{
	unsigned int n = 0;

	for (int tries = 0;;) {
		bool reg;
		int cpu = rseq_percpu_slow_index(&st->b, &reg), c, r;
		struct rseq_percpu_slot *s = sslot(st, cpu);
		intptr_t h;

		if (!reg || tries >= RSEQKIT_PERCPU_TRIES) {
			c = rseq_percpu_claim_any(&st->b, cpu, want_nonempty, &h);
			return c < 0 ? NULL : take_all(st, c, h);
		}
		h = RSEQ_READ_ONCE(s->word);
		if (stack_empty(h))
			return empty();
		if (h == RSEQ_PERCPU_STOP) {
			if (rseq_percpu_wait_claimer(&st->b, cpu, &n))
				tries = RSEQKIT_PERCPU_TRIES;	/* claim another */
			continue;
		}
		r = rseq_cmpeqv_storev(RSEQ_MO_RELAXED, st->b.mode, &s->word,
				       h, RSEQ_PERCPU_STACK_END, cpu);
		if (!r)
			return rseq_percpu_stack_terminate(h);
		if (r < 0)
			tries++;
	}
}

RSEQKIT_EXPORT int rseq_percpu_stack_nr_cpus(const struct rseq_percpu_stack *s)
{
	if (!s)
		return rseqkit_fail(EINVAL, "no stack");
	return s->b.nr;
}
