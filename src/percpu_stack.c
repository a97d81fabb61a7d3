/* SPDX-License-Identifier: MIT */
/*
 * src/percpu_stack.c - the per-CPU stack's slow paths and pop-all
 * (rseqkit/percpu/stack.h).
 *
 * Each slow path is a critical-section attempt and a claimed version,
 * driven by rseqkit_percpu_slow() (src/percpu_common.c), which has the
 * shape every slow path shares.  Where the thread may not wait (a signal
 * handler that interrupted rseqkit), a push claims any slot that is free
 * instead, and a pop any slot with nodes, or reports EAGAIN.
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

/* ---- push ---- */

static enum rseqkit_slow push_section(const struct rseq_percpu_base *b, int cpu,
				      void *arg, intptr_t *result)
{
	struct rseq_percpu_node *node = (struct rseq_percpu_node *)arg;
	struct rseq_percpu_slot *s = sslot((const struct rseq_percpu_stack *)(const void *)b, cpu);
	intptr_t h = RSEQ_READ_ONCE(s->word);
	int r;

	if (h == RSEQ_PERCPU_STOP)
		return RSEQKIT_SLOW_CLAIMED;
	if (h == 0)	/* first use of this slot: make it empty */
		return rseqkit_slow_outcome(rseq_cmpeqv_storev(RSEQ_MO_RELAXED, b->mode, &s->word, 0,
						  RSEQ_PERCPU_STACK_END, cpu));
	r = rseq_cmpeqv_trystorev_storev(RSEQ_MO_RELEASE, b->mode, &s->word, h,
					 (intptr_t *)(void *)&node->next, h,
					 (intptr_t)node, cpu);
	if (r)
		return rseqkit_slow_outcome(r);
	*result = cpu;
	return RSEQKIT_SLOW_DONE;
}

static intptr_t push_claimed(const struct rseq_percpu_base *b, int c, intptr_t h, void *arg)
{
	struct rseq_percpu_node *node = (struct rseq_percpu_node *)arg;

	node->next = (struct rseq_percpu_node *)(h ? h : RSEQ_PERCPU_STACK_END);
	rseq_percpu_release(b, c, (intptr_t)node);
	return c;
}

static const struct rseqkit_slow_op push_op = { push_section, NULL, push_claimed };

RSEQKIT_EXPORT int rseq_percpu_stack_push_slow(struct rseq_percpu_stack *st,
					       struct rseq_percpu_node *node)
{
	if (!node)
		return rseqkit_fail(EINVAL, "rseq_percpu_stack_push: the node is NULL");
	return (int)rseqkit_percpu_slow(&st->b, &push_op, node, -1);
}

/* ---- pop ---- */

/*
 * The top node (all false) or the whole chain (all true) of slot cpu,
 * with one critical section.
 */
static enum rseqkit_slow take_section(const struct rseq_percpu_base *b, int cpu,
				      bool all, intptr_t *result)
{
	struct rseq_percpu_slot *s = sslot((const struct rseq_percpu_stack *)(const void *)b, cpu);
	intptr_t h = RSEQ_READ_ONCE(s->word), load;
	int r;

	if (stack_empty(h)) {
		*result = (intptr_t)empty();
		return RSEQKIT_SLOW_DONE;
	}
	if (h == RSEQ_PERCPU_STOP)
		return RSEQKIT_SLOW_CLAIMED;
	if (all)
		r = rseq_cmpeqv_storev(RSEQ_MO_RELAXED, b->mode, &s->word, h,
				       RSEQ_PERCPU_STACK_END, cpu);
	else
		r = rseq_cmpnev_storeoffp_load(RSEQ_MO_RELAXED, b->mode, &s->word,
				RSEQ_PERCPU_STOP, (long)offsetof(struct rseq_percpu_node, next),
				&load, cpu);
	if (r)
		return rseqkit_slow_outcome(r);
	if (all)
		*result = (intptr_t)rseq_percpu_stack_terminate(h);
	else
		*result = load == RSEQ_PERCPU_STACK_END ? (intptr_t)empty() : load;
	return RSEQKIT_SLOW_DONE;
}

static enum rseqkit_slow pop_section(const struct rseq_percpu_base *b, int cpu,
				     void *arg, intptr_t *result)
{
	(void)arg;
	return take_section(b, cpu, false, result);
}

static intptr_t pop_claimed(const struct rseq_percpu_base *b, int c, intptr_t h, void *arg)
{
	struct rseq_percpu_node *node;

	(void)arg;
	if (stack_empty(h)) {
		rseq_percpu_release(b, c, h);
		return (intptr_t)empty();
	}
	node = (struct rseq_percpu_node *)h;
	rseq_percpu_release(b, c, (intptr_t)node->next);
	return h;
}

static const struct rseqkit_slow_op pop_op = { pop_section, want_nonempty, pop_claimed };

RSEQKIT_EXPORT struct rseq_percpu_node *rseq_percpu_stack_pop_slow(struct rseq_percpu_stack *st)
{
	return (struct rseq_percpu_node *)rseqkit_percpu_slow(&st->b, &pop_op, NULL, 0);
}

/* ---- pop all ---- */

static enum rseqkit_slow pop_all_section(const struct rseq_percpu_base *b, int cpu,
					 void *arg, intptr_t *result)
{
	(void)arg;
	return take_section(b, cpu, true, result);
}

/* Take slot c's chain through a claim already made (its word was h). */
static intptr_t take_all(const struct rseq_percpu_base *b, int c, intptr_t h, void *arg)
{
	(void)arg;
	rseq_percpu_release(b, c, h ? RSEQ_PERCPU_STACK_END : 0);
	if (stack_empty(h))
		return (intptr_t)empty();
	return (intptr_t)rseq_percpu_stack_terminate(h);
}

static const struct rseqkit_slow_op pop_all_op = { pop_all_section, want_nonempty, take_all };

RSEQKIT_EXPORT struct rseq_percpu_node *rseq_percpu_stack_pop_all(struct rseq_percpu_stack *st)
{
	if (!st)
		return (struct rseq_percpu_node *)rseqkit_fail_null(EINVAL, "no stack");
	return (struct rseq_percpu_node *)rseqkit_percpu_slow(&st->b, &pop_all_op, NULL, 0);
}

RSEQKIT_EXPORT struct rseq_percpu_node *rseq_percpu_stack_pop_all_cpu(struct rseq_percpu_stack *st,
								      int cpu)
{
	intptr_t h;

	if (!st)
		return (struct rseq_percpu_node *)rseqkit_fail_null(EINVAL, "no stack");
	if (rseqkit_percpu_check_cpu(&st->b, cpu))
		return NULL;
	h = rseq_percpu_claim(&st->b, cpu, 0);
	if (h == RSEQ_PERCPU_STOP)
		return NULL;
	return (struct rseq_percpu_node *)take_all(&st->b, cpu, h, NULL);
}

RSEQKIT_EXPORT int rseq_percpu_stack_nr_cpus(const struct rseq_percpu_stack *s)
{
	if (!s)
		return rseqkit_fail(EINVAL, "no stack");
	return s->b.nr;
}
