/* SPDX-License-Identifier: MIT */
/*
 * malloc/huge.c - objects above MLC_LARGE_MAX: one anonymous mapping each,
 * recorded in an open-addressing hash table (address -> length) that
 * lives in mappings of its own.  free() looks here for a pointer outside
 * every chunk; realloc() resizes with mremap() (no copy).  The mappings
 * are returned to the system at once.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "mlc.h"

#define TOMB	((uintptr_t)1)

struct huge_ent {
	uintptr_t addr;		/* 0: empty, TOMB: deleted */
	size_t len;
};

static pthread_mutex_t huge_lock = PTHREAD_MUTEX_INITIALIZER;
static struct huge_ent *tab;
static size_t tab_cap, tab_used, tab_tomb;	/* cap: a power of two */
static size_t huge_count, huge_bytes;

static size_t slot_of(uintptr_t a, size_t cap)
{
	return (size_t)(((a >> 12) * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

static struct huge_ent *find(uintptr_t a)
{
	if (!tab)
		return NULL;
	for (size_t i = slot_of(a, tab_cap), k = 0; k < tab_cap; i = (i + 1) & (tab_cap - 1), k++) {
		if (tab[i].addr == a)
			return &tab[i];
		if (!tab[i].addr)
			return NULL;
	}
	return NULL;
}

static void put(struct huge_ent *t, size_t cap, uintptr_t a, size_t len)
{
	size_t i = slot_of(a, cap);

	while (t[i].addr > TOMB)
		i = (i + 1) & (cap - 1);
	if (t[i].addr == TOMB)
		tab_tomb--;
	t[i].addr = a;
	t[i].len = len;
}

/* Room for one more entry; 0 or -1. */
static int reserve(void)
{
	size_t cap = tab_cap ? tab_cap : 256;
	struct huge_ent *t;

	if ((tab_used + tab_tomb + 1) * 4 <= tab_cap * 3)
		return 0;
	if ((tab_used + 1) * 2 > cap)
		cap *= 2;
	t = mlc_map(cap * sizeof(*t));
	if (!t)
		return -1;
	tab_tomb = 0;
	for (size_t i = 0; i < tab_cap; i++)
		if (tab[i].addr > TOMB)
			put(t, cap, tab[i].addr, tab[i].len);
	if (tab)
		mlc_unmap(tab, tab_cap * sizeof(*tab));
	tab = t;
	tab_cap = cap;
	return 0;
}

static void del(struct huge_ent *e)
{
	e->addr = TOMB;
	tab_used--;
	tab_tomb++;
}

static size_t round_len(size_t size)
{
	return (size + mlc.sys_page - 1) & ~(mlc.sys_page - 1);
}

void *mlc_huge_alloc(size_t size, size_t align)
{
	size_t len = round_len(size), extra = align > mlc.sys_page ? align : 0;
	char *m, *a;

	if (len < size || len + extra < len) {
		errno = ENOMEM;
		return NULL;
	}
	m = mlc_map(len + extra);
	if (!m)
		return NULL;
	a = m;
	if (extra) {
		a = (char *)(((uintptr_t)m + align - 1) & ~(uintptr_t)(align - 1));
		if (a > m)
			mlc_unmap(m, (size_t)(a - m));
		if (a + len < m + len + extra)
			mlc_unmap(a + len, (size_t)(m + len + extra - (a + len)));
	}
	pthread_mutex_lock(&huge_lock);
	if (reserve()) {
		pthread_mutex_unlock(&huge_lock);
		mlc_unmap(a, len);
		errno = ENOMEM;
		return NULL;
	}
	put(tab, tab_cap, (uintptr_t)a, len);
	tab_used++;
	huge_count++;
	huge_bytes += len;
	pthread_mutex_unlock(&huge_lock);
	return a;
}

int mlc_huge_free(void *p)
{
	struct huge_ent *e;
	size_t len;

	pthread_mutex_lock(&huge_lock);
	e = find((uintptr_t)p);
	if (!e) {
		pthread_mutex_unlock(&huge_lock);
		return -1;
	}
	len = e->len;
	del(e);
	huge_count--;
	huge_bytes -= len;
	pthread_mutex_unlock(&huge_lock);
	mlc_unmap(p, len);
	return 0;
}

size_t mlc_huge_usable(const void *p)
{
	struct huge_ent *e;
	size_t len;

	pthread_mutex_lock(&huge_lock);
	e = find((uintptr_t)p);
	len = e ? e->len : 0;
	pthread_mutex_unlock(&huge_lock);
	return len;
}

void *mlc_huge_realloc(void *p, size_t size)
{
	size_t len = round_len(size);
	struct huge_ent *e;
	void *q;

	if (len < size)
		return NULL;
	pthread_mutex_lock(&huge_lock);
	e = find((uintptr_t)p);
	if (!e) {
		pthread_mutex_unlock(&huge_lock);
		return NULL;
	}
	if (e->len == len) {
		pthread_mutex_unlock(&huge_lock);
		return p;
	}
	q = mremap(p, e->len, len, MREMAP_MAYMOVE);
	if (q == MAP_FAILED) {
		pthread_mutex_unlock(&huge_lock);
		return NULL;
	}
	huge_bytes = huge_bytes - e->len + len;
	if (q == p) {
		e->len = len;
	} else {
		del(e);
		put(tab, tab_cap, (uintptr_t)q, len);	/* a tombstone is free */
		tab_used++;
	}
	pthread_mutex_unlock(&huge_lock);
	return q;
}

void mlc_huge_stats(size_t *count, size_t *bytes)
{
	pthread_mutex_lock(&huge_lock);
	*count = huge_count;
	*bytes = huge_bytes;
	pthread_mutex_unlock(&huge_lock);
}

void mlc_huge_fork_prepare(void)
{
	pthread_mutex_lock(&huge_lock);
}

void mlc_huge_fork_parent(void)
{
	pthread_mutex_unlock(&huge_lock);
}

void mlc_huge_fork_child(void)
{
	pthread_mutex_init(&huge_lock, NULL);
}
