/* SPDX-License-Identifier: MIT */
/*
 * malloc/debug.c - the debug mode (RSEQKIT_MALLOC_DEBUG=1): heap errors
 * are detected, reported on stderr and the process aborts, as glibc's
 * malloc does.  This is the one place in rseqkit where aborting is the
 * contract (docs/surface.md lists it): the user asked for it, and going
 * on with a corrupted heap would only move the crash elsewhere.
 *
 * Every block gets, at the end of its slot, a 16-byte trailer (the size
 * asked for, and a magic word mixed with the block's address that says
 * "live" or "freed"), and the bytes between the end of the object and the
 * trailer (at least 8) are a canary.  free() and realloc() check:
 *   - the pointer is the start of a block of this heap ("invalid pointer");
 *   - the trailer says "freed" ("double free");
 *   - the trailer or the canary was overwritten ("heap overflow");
 * and freed blocks stay poisoned in a quarantine (1024 blocks, 16 MiB)
 * before they are reused; a write into a quarantined block is reported
 * when it leaves ("write after free").  Debug mode has no per-CPU caches
 * (every block goes through the checks under one lock): it is slow.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "mlc.h"

#define TRAILER		16u
#define CANARY_MIN	8u
#define CANARY		0xcb
#define POISON		0xdf
#define MAGIC_LIVE	0x6d6c63a110c8ed01ull
#define MAGIC_FREE	0x6d6c63f4eef4ee02ull
#define QUARANTINE	1024u
#define QUARANTINE_BYTES	((size_t)16 << 20)

struct trailer {
	uint64_t size;
	uint64_t magic;		/* MAGIC_* ^ the block's address */
};

static pthread_mutex_t dbg_lock = PTHREAD_MUTEX_INITIALIZER;
static void *quarantine[QUARANTINE];
static size_t q_head, q_count, q_bytes;

void mlc_die(const char *what, const void *p, size_t size)
{
	char buf[256];
	size_t pos = 0;

	mlc_put_str(buf, sizeof(buf), &pos, "rseqkit-malloc: ");
	mlc_put_str(buf, sizeof(buf), &pos, what);
	mlc_put_str(buf, sizeof(buf), &pos, ": pointer ");
	mlc_put_hex(buf, sizeof(buf), &pos, (uintptr_t)p);
	if (size) {
		mlc_put_str(buf, sizeof(buf), &pos, ", block of ");
		mlc_put_num(buf, sizeof(buf), &pos, size);
		mlc_put_str(buf, sizeof(buf), &pos, " bytes");
	}
	mlc_put_str(buf, sizeof(buf), &pos, " (RSEQKIT_MALLOC_DEBUG)\n");
	mlc_write_all(2, buf, pos);
	abort();
}

static void *raw_alloc(size_t need, size_t align)
{
	void *p;

	if (align <= MLC_ALIGN && need <= MLC_SMALL_MAX)
		return mlc_central_get(mlc_size_class(need), &p, 1) ? p : NULL;
	if (need <= MLC_LARGE_MAX && align <= MLC_LARGE_MAX)
		return mlc_large_alloc(need, align, false);
	return mlc_huge_alloc(need, align);
}

static void raw_free(void *p)
{
	if (mlc_chunk_test((uintptr_t)p)) {
		unsigned int v = mlc_chunk_of(p)->cls[mlc_page_index(p)];

		if (v - 1 < MLC_NCLASS)
			mlc_central_put(v - 1, &p, 1);
		else
			mlc_large_free(p);
		return;
	}
	(void)mlc_huge_free(p);
}

static struct trailer *trailer_of(void *p, size_t usable)
{
	return (struct trailer *)(void *)((char *)p + usable - TRAILER);
}

void *mlc_debug_alloc(size_t size, size_t align, bool zero)
{
	size_t need, usable;
	struct trailer *t;
	char *p;

	if (size > MLC_MAX_REQUEST - TRAILER - CANARY_MIN) {
		errno = ENOMEM;
		return NULL;
	}
	need = size + TRAILER + CANARY_MIN;
	p = raw_alloc(need, align);
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	usable = mlc_block_size(p);
	t = trailer_of(p, usable);
	memset(p + size, CANARY, usable - TRAILER - size);
	t->size = size;
	t->magic = MAGIC_LIVE ^ (uintptr_t)p;
	if (zero)
		memset(p, 0, size);
	return p;
}

/* The trailer of block p after every check; dies on a heap error. */
static struct trailer *check(void *p, const char *who)
{
	const char *why = "invalid pointer (not the start of a block of this heap)";
	size_t usable = 0;
	struct trailer *t;
	const unsigned char *c;

	if (mlc_chunk_test((uintptr_t)p)) {
		unsigned int v = mlc_chunk_of(p)->cls[mlc_page_index(p)];

		if (v - 1 < MLC_NCLASS) {
			struct mlc_span *s = mlc_span_of(p);
			size_t off = (size_t)((char *)p - mlc_span_addr(s));

			if (off % mlc_classes[v - 1].size == 0)
				usable = mlc_classes[v - 1].size;
		} else if (v == MLC_PG_LARGE && !((uintptr_t)p & (MLC_PAGE - 1))) {
			usable = mlc_large_usable(p);
		} else if (v == MLC_PG_FREE) {
			why = "double free or invalid pointer (the block's pages are free)";
		}
	} else {
		usable = mlc_huge_usable(p);
		if (!usable)
			why = "invalid pointer, or double free of a large block";
	}
	if (!usable) {
		char msg[160];
		size_t pos = 0;

		mlc_put_str(msg, sizeof(msg), &pos, who);
		mlc_put_str(msg, sizeof(msg), &pos, "(): ");
		mlc_put_str(msg, sizeof(msg), &pos, why);
		mlc_die(msg, p, 0);
	}
	t = trailer_of(p, usable);
	if (t->magic == (MAGIC_FREE ^ (uintptr_t)p))
		mlc_die(who[0] == 'r' ? "realloc(): double free (block already freed)"
				      : "free(): double free detected", p, (size_t)t->size);
	if (t->magic != (MAGIC_LIVE ^ (uintptr_t)p) || t->size > usable - TRAILER - CANARY_MIN)
		mlc_die("heap overflow: the block's trailer is overwritten", p, usable);
	c = (const unsigned char *)p + t->size;
	for (size_t i = 0; i < usable - TRAILER - t->size; i++)
		if (c[i] != CANARY)
			mlc_die("heap overflow: bytes written past the end of the block", p,
				(size_t)t->size);
	return t;
}

size_t mlc_debug_usable(const void *p)
{
	return (size_t)check((void *)p, "malloc_usable_size")->size;
}

/* A block leaves the quarantine: still poisoned? then really free it. */
static void release(void *p)
{
	size_t usable = mlc_block_size(p);
	struct trailer *t = trailer_of(p, usable);
	const unsigned char *c = p;

	for (size_t i = 0; i < t->size; i++)
		if (c[i] != POISON)
			mlc_die("write after free: a freed block was modified", p, (size_t)t->size);
	q_bytes -= usable;
	raw_free(p);
}

void mlc_debug_free(void *p, const char *who)
{
	struct trailer *t;
	size_t usable;

	pthread_mutex_lock(&dbg_lock);
	t = check(p, who);
	usable = mlc_block_size(p);
	t->magic = MAGIC_FREE ^ (uintptr_t)p;
	memset(p, POISON, (size_t)t->size);
	while (q_count && (q_count == QUARANTINE || q_bytes + usable > QUARANTINE_BYTES)) {
		release(quarantine[q_head]);
		q_head = (q_head + 1) % QUARANTINE;
		q_count--;
	}
	quarantine[(q_head + q_count) % QUARANTINE] = p;
	q_count++;
	q_bytes += usable;
	pthread_mutex_unlock(&dbg_lock);
}

void mlc_debug_fork_prepare(void)
{
	pthread_mutex_lock(&dbg_lock);
}

void mlc_debug_fork_parent(void)
{
	pthread_mutex_unlock(&dbg_lock);
}

void mlc_debug_fork_child(void)
{
	pthread_mutex_init(&dbg_lock, NULL);
}
