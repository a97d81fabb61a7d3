/* SPDX-License-Identifier: MIT */
/*
 * src/pool_item.c - the contents of items: zeroing, initial values and
 * poison, written only where they differ (so that the pages of CPUs that
 * never run the code are never written), and the misuse reports.
 *
 * For a COW_INIT range that is not frozen, the initial-values area is
 * written first: the instances that no CPU has written yet read it
 * through their copy-on-write mapping, compare equal and are left alone.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "pool-internal.h"

/* All 'len' bytes at m equal 'byte' (reading an untouched page maps the
 * shared zero page or the initial values: it does not copy a page). */
static bool is_filled(const unsigned char *m, int byte, size_t len)
{
	if (!len)
		return true;
	return m[0] == byte && (len == 1 || !memcmp(m, m + 1, len - 1));
}

/* A whole item is zero (items are word aligned, a power of two long). */
static bool is_zero_item(const struct rseq_mempool *p, const unsigned char *m)
{
	const uintptr_t *w = (const uintptr_t *)(const void *)m;
	uintptr_t acc = 0;

	for (size_t k = 0; k < p->item_len / sizeof(uintptr_t); k++)
		acc |= w[k];
	return !acc;
}

/* The instance (or initial values) m gets init[0..len) and zeros after. */
static inline __attribute__((always_inline)) void fill_one(const struct rseq_mempool *p, unsigned char *m,
		     const void *init, size_t len)
{
	if (!len) {
		if (!is_zero_item(p, m))
			memset(m, 0, p->item_len);
		return;
	}
	if (memcmp(m, init, len))
		memcpy(m, init, len);
	if (!is_filled(m + len, 0, p->item_len - len))
		memset(m + len, 0, p->item_len - len);
}

/* The initial-values copy of an item, when its range still uses one. */
static unsigned char *shared_copy(const struct pool_range *r, const char *item)
{
	if (!r->init || __atomic_load_n(&r->frozen, __ATOMIC_RELAXED))
		return NULL;
	return (unsigned char *)r->init + (item - r->base);
}

void rseqkit_pool_item_fill(struct rseq_mempool *p, struct pool_range *r, char *item,
			    const void *init, size_t len, bool zero)
{
	unsigned char *iv = shared_copy(r, item);

	if (!init && !zero)
		return;
	if (iv)
		fill_one(p, iv, init, len);
	for (size_t w = 0; w < ((size_t)p->nr_cpus + POOL_BITS - 1) / POOL_BITS; w++)
		for (unsigned long m = p->possible[w]; m; m &= m - 1) {
			int c = (int)(w * POOL_BITS) + __builtin_ctzl(m);

			fill_one(p, (unsigned char *)pool_instance(p, item, c), init, len);
		}
}

static bool poison_intact(const struct rseq_mempool *p, const unsigned char *m)
{
	const uintptr_t *w = (const uintptr_t *)(const void *)m;

	for (size_t k = 0; k < p->item_len / sizeof(uintptr_t); k++)
		if (w[k] != p->poison)
			return false;
	return true;
}

static void poison_one(const struct rseq_mempool *p, unsigned char *m)
{
	uintptr_t *w = (uintptr_t *)(void *)m;

	if (poison_intact(p, m))
		return;
	for (size_t k = 0; k < p->item_len / sizeof(uintptr_t); k++)
		w[k] = p->poison;
}

void rseqkit_pool_item_poison(struct rseq_mempool *p, struct pool_range *r, char *item)
{
	unsigned char *iv = shared_copy(r, item);

	if (iv)
		poison_one(p, iv);
	for (int c = 0; c < p->nr_cpus; c++)
		if (pool_bit_test(p->possible, (size_t)c))
			poison_one(p, (unsigned char *)pool_instance(p, item, c));
}

bool rseqkit_pool_item_poisoned(struct rseq_mempool *p, struct pool_range *r, char *item)
{
	unsigned char *iv = shared_copy(r, item);

	if (iv && !poison_intact(p, iv))
		return false;
	for (int c = 0; c < p->nr_cpus; c++)
		if (pool_bit_test(p->possible, (size_t)c) &&
		    !poison_intact(p, (unsigned char *)pool_instance(p, item, c)))
			return false;
	return true;
}

void rseqkit_pool_report(struct rseq_mempool *p, enum rseq_mempool_report_kind kind,
			 void *item, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	__atomic_fetch_add(&p->errors, 1, __ATOMIC_RELAXED);
	if (!p->report && !p->debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->report)
		p->report(p->report_priv, p, kind, item, msg);
	else
		fprintf(stderr, "rseq_mempool \"%s\": %s\n", p->name, msg);
}
