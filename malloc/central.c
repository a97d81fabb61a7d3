/* SPDX-License-Identifier: MIT */
/*
 * malloc/central.c - the central tier of each size class, under one lock
 * per class:
 *
 *   depot    a bounded stack of free objects: batches that CPU caches
 *            drained, handed to CPU caches that refill (the fast way
 *            objects move between CPUs: producer/consumer patterns cycle
 *            through it);
 *   spans    the class's spans; those with free objects are on the
 *            'partial' list.  An object that does not fit in the depot
 *            goes back to its span (found from its address); a span whose
 *            objects are all free goes back to the page heap, which
 *            purges its pages in time.  A new span is carved lazily (the
 *            'bump' pointer): its pages are touched as objects are taken.
 *
 * The depot holds at most about 256 KiB (4 to 16 batches) per class, so
 * the memory a class keeps in free objects outside the spans is bounded.
 */
#include <errno.h>
#include <string.h>
#include "mlc.h"

struct mlc_central {
	pthread_mutex_t lock;
	void **depot;
	size_t ndepot, depot_cap;
	struct mlc_span *partial;	/* spans with free objects */
	size_t spans, span_free;	/* spans; free objects in them */
	uint64_t refills, drains;
} __attribute__((aligned(64)));

static struct mlc_central centrals[MLC_NCLASS];

void mlc_central_init(void)
{
	size_t total = 0;
	char *mem;

	for (unsigned int i = 0; i < MLC_NCLASS; i++) {
		struct mlc_class *c = &mlc_classes[i];
		size_t cap = (256 * 1024) / c->size;

		if (cap < 4u * c->batch)
			cap = 4u * c->batch;
		if (cap > 16u * c->batch)
			cap = 16u * c->batch;
		centrals[i].depot_cap = cap;
		total += cap * sizeof(void *);
		pthread_mutex_init(&centrals[i].lock, NULL);
	}
	/* The depots' arrays: untouched pages cost nothing. */
	mem = mlc_map(total);
	for (unsigned int i = 0; i < MLC_NCLASS; i++) {
		if (!mem) {
			centrals[i].depot_cap = 0;	/* objects go to spans */
			continue;
		}
		centrals[i].depot = (void **)(void *)mem;
		mem += centrals[i].depot_cap * sizeof(void *);
	}
}

static void partial_add(struct mlc_central *z, struct mlc_span *s)
{
	s->prev = NULL;
	s->next = z->partial;
	if (s->next)
		s->next->prev = s;
	z->partial = s;
	s->listed = 1;
}

static void partial_remove(struct mlc_central *z, struct mlc_span *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		z->partial = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
	s->listed = 0;
}

/* A new span of class cls on the partial list, or NULL (ENOMEM). */
static struct mlc_span *new_span(struct mlc_central *z, unsigned int cls)
{
	struct mlc_class *c = &mlc_classes[cls];
	struct mlc_span *s;
	bool zeroed;

	s = mlc_heap_alloc(c->npages, 1, cls + 1, &zeroed);
	if (!s)
		return NULL;
	s->cls = (uint8_t)cls;
	s->nobj = c->nobj;
	s->nfree = c->nobj;
	s->bump = mlc_span_addr(s);
	s->free = NULL;
	z->spans++;
	z->span_free += c->nobj;
	partial_add(z, s);
	return s;
}

size_t mlc_central_get(unsigned int cls, void **out, size_t n)
{
	struct mlc_central *z = &centrals[cls];
	uint32_t size = mlc_classes[cls].size;
	size_t k;

	pthread_mutex_lock(&z->lock);
	z->refills++;
	k = n < z->ndepot ? n : z->ndepot;
	z->ndepot -= k;
	memcpy(out, z->depot + z->ndepot, k * sizeof(void *));
	while (k < n) {
		struct mlc_span *s = z->partial;

		if (!s && !(s = new_span(z, cls)))
			break;
		while (k < n && s->free) {
			out[k++] = s->free;
			s->free = *(void **)s->free;
			s->nfree--;
			z->span_free--;
		}
		if (k < n && s->nfree) {
			char *end = s->bump + (size_t)s->nfree * size;	/* no list left */

			while (k < n && s->bump < end) {
				out[k++] = s->bump;
				s->bump += size;
				s->nfree--;
				z->span_free--;
			}
		}
		if (!s->nfree)
			partial_remove(z, s);
	}
	pthread_mutex_unlock(&z->lock);
	if (!k)
		errno = ENOMEM;
	return k;
}

/* Return one object to its span; under z->lock. */
static void span_put(struct mlc_central *z, void *p)
{
	struct mlc_span *s = mlc_span_of(p);

	*(void **)p = s->free;
	s->free = p;
	s->nfree++;
	z->span_free++;
	if (s->nfree == 1)
		partial_add(z, s);
	if (s->nfree == s->nobj) {
		/* Every object is free: the pages go back to the heap. */
		partial_remove(z, s);
		z->spans--;
		z->span_free -= s->nobj;
		mlc_heap_free(s);
	}
}

void mlc_central_put(unsigned int cls, void **objs, size_t n)
{
	struct mlc_central *z = &centrals[cls];
	size_t room, m;

	pthread_mutex_lock(&z->lock);
	z->drains++;
	room = z->depot_cap - z->ndepot;
	m = n < room ? n : room;
	memcpy(z->depot + z->ndepot, objs, m * sizeof(void *));
	z->ndepot += m;
	for (size_t i = m; i < n; i++)
		span_put(z, objs[i]);
	pthread_mutex_unlock(&z->lock);
}

void mlc_central_flush(void)
{
	for (unsigned int i = 0; i < MLC_NCLASS; i++) {
		struct mlc_central *z = &centrals[i];

		pthread_mutex_lock(&z->lock);
		while (z->ndepot)
			span_put(z, z->depot[--z->ndepot]);
		pthread_mutex_unlock(&z->lock);
	}
}

void mlc_central_stats(unsigned int cls, struct mlc_central_stats *st)
{
	struct mlc_central *z = &centrals[cls];

	pthread_mutex_lock(&z->lock);
	st->spans = z->spans;
	st->objs = z->spans * mlc_classes[cls].nobj;
	st->span_free = z->span_free;
	st->depot = z->ndepot;
	st->refills = z->refills;
	st->drains = z->drains;
	pthread_mutex_unlock(&z->lock);
}

void mlc_central_fork_prepare(void)
{
	for (unsigned int i = 0; i < MLC_NCLASS; i++)
		pthread_mutex_lock(&centrals[i].lock);
}

void mlc_central_fork_parent(void)
{
	for (unsigned int i = MLC_NCLASS; i-- > 0;)
		pthread_mutex_unlock(&centrals[i].lock);
}

void mlc_central_fork_child(void)
{
	for (unsigned int i = 0; i < MLC_NCLASS; i++)
		pthread_mutex_init(&centrals[i].lock, NULL);
}
