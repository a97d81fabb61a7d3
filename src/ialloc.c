/* SPDX-License-Identifier: MIT */
/*
 * src/ialloc.c - the library's own allocator for its metadata.
 *
 * The library's slow paths (pool and structure descriptors, range maps,
 * object-cache chunk lists) must not call malloc(): rseqkit's own
 * allocator (librseqkit-malloc.so) is built on the library, so a malloc()
 * from inside it would recurse, and a program may call rseqkit from code
 * that must not depend on the C library's heap.  This allocator takes its
 * memory from mmap() only.
 *
 * Design: power-of-two size classes from 32 to 4096 bytes, each block
 * preceded by a 16-byte header that records its class; a class's free
 * blocks form a singly linked list; new blocks are carved from 64 KiB
 * chunks.  Requests above 4096 bytes (minus the header) get their own
 * mapping, which free() unmaps.  Returned memory is zeroed.  One mutex
 * guards the lists: metadata is allocated at create/destroy time, never on
 * a fast path and never from a signal handler.  fork(): the lock is taken
 * by rseqkit_ialloc_fork_prepare() and released in the parent and child
 * by rseqkit_ialloc_fork_parent/child() (called from the library's one
 * set of fork handlers).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include "internal.h"

#define IALLOC_HDR		16u	/* keeps 16-byte alignment */
#define IALLOC_MIN_SHIFT	5u	/* 32-byte blocks */
#define IALLOC_MAX_SHIFT	12u	/* 4096-byte blocks */
#define IALLOC_CLASSES		(IALLOC_MAX_SHIFT - IALLOC_MIN_SHIFT + 1)
#define IALLOC_CHUNK		(64u * 1024)
#define IALLOC_LARGE		0xffffffffu	/* header class of a mapping */
#define IALLOC_ALIGNED		0xfffffffeu	/* header before an aligned pointer */

struct ialloc_hdr {
	uint32_t cls;		/* class index, or IALLOC_LARGE */
	uint32_t magic;
	uint64_t map_len;	/* IALLOC_LARGE: length of the mapping;
				   IALLOC_ALIGNED: distance back to the block */
};

struct ialloc_free {
	struct ialloc_free *next;
};

#define IALLOC_MAGIC	0x1a110c8du

static pthread_mutex_t ialloc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ialloc_free *ialloc_lists[IALLOC_CLASSES];
static char *ialloc_cur, *ialloc_end;	/* the chunk being carved */

_Static_assert(sizeof(struct ialloc_hdr) == IALLOC_HDR, "header size");

static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* The class of a block able to hold 'size' bytes after the header. */
static unsigned int class_of(size_t size)
{
	unsigned int cls = 0;

	while (((size_t)1 << (cls + IALLOC_MIN_SHIFT)) - IALLOC_HDR < size)
		cls++;
	return cls;
}

static struct ialloc_hdr *large_alloc(size_t size)
{
	size_t page = 4096, len;
	struct ialloc_hdr *h;

	if (size > SIZE_MAX - IALLOC_HDR - page)
		return NULL;
	len = (size + IALLOC_HDR + page - 1) & ~(page - 1);
	h = map_anon(len);
	if (!h)
		return NULL;
	h->cls = IALLOC_LARGE;
	h->map_len = len;
	return h;
}

static struct ialloc_hdr *small_alloc(unsigned int cls)
{
	size_t bsize = (size_t)1 << (cls + IALLOC_MIN_SHIFT);
	struct ialloc_hdr *h;

	pthread_mutex_lock(&ialloc_lock);
	if (ialloc_lists[cls]) {
		struct ialloc_free *f = ialloc_lists[cls];

		ialloc_lists[cls] = f->next;
		h = (struct ialloc_hdr *)f;
	} else {
		if ((size_t)(ialloc_end - ialloc_cur) < bsize) {
			/* The rest of the old chunk stays unused (< 4 KiB). */
			char *c = map_anon(IALLOC_CHUNK);

			if (!c) {
				pthread_mutex_unlock(&ialloc_lock);
				return NULL;
			}
			ialloc_cur = c;
			ialloc_end = c + IALLOC_CHUNK;
		}
		h = (struct ialloc_hdr *)ialloc_cur;
		ialloc_cur += bsize;
	}
	pthread_mutex_unlock(&ialloc_lock);
	memset(h, 0, bsize);
	h->cls = cls;
	return h;
}

void *rseqkit_ialloc(size_t size)
{
	struct ialloc_hdr *h;

	if (size == 0)
		size = 1;
	if (size <= ((size_t)1 << IALLOC_MAX_SHIFT) - IALLOC_HDR)
		h = small_alloc(class_of(size));
	else
		h = large_alloc(size);
	if (!h) {
		errno = ENOMEM;
		return NULL;
	}
	h->magic = IALLOC_MAGIC;
	return (char *)h + IALLOC_HDR;
}

/*
 * 'size' bytes aligned on 'align' (a power of two up to 4096): a block
 * with room to move the pointer forward, and a second header just before
 * the aligned pointer that leads rseqkit_ifree() back to the block.
 */
void *rseqkit_ialloc_aligned(size_t align, size_t size)
{
	char *raw, *p;
	struct ialloc_hdr *h;

	if (align <= IALLOC_HDR)
		return rseqkit_ialloc(size);
	if ((align & (align - 1)) || align > 4096 || size > SIZE_MAX - 2 * align) {
		errno = EINVAL;
		return NULL;
	}
	raw = rseqkit_ialloc(size + align);
	if (!raw)
		return NULL;
	p = (char *)(((uintptr_t)raw + IALLOC_HDR + align - 1) & ~(uintptr_t)(align - 1));
	h = (struct ialloc_hdr *)(p - IALLOC_HDR);
	h->cls = IALLOC_ALIGNED;
	h->magic = IALLOC_MAGIC;
	h->map_len = (uint64_t)(p - raw);
	return p;
}

void *rseqkit_icalloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return rseqkit_ialloc(n * size);
}

static struct ialloc_hdr *hdr_of(void *p)
{
	return (struct ialloc_hdr *)((char *)p - IALLOC_HDR);
}

/* (Aligned pointers are never passed to rseqkit_irealloc().) */
static size_t usable(const struct ialloc_hdr *h)
{
	if (h->cls == IALLOC_LARGE)
		return (size_t)h->map_len - IALLOC_HDR;
	return ((size_t)1 << (h->cls + IALLOC_MIN_SHIFT)) - IALLOC_HDR;
}

void rseqkit_ifree(void *p)
{
	struct ialloc_hdr *h;
	uint32_t cls;

	if (!p)
		return;
	h = hdr_of(p);
	if (h->magic != IALLOC_MAGIC)
		return;		/* not ours: leak rather than corrupt */
	h->magic = 0;
	if (h->cls == IALLOC_ALIGNED) {
		rseqkit_ifree((char *)p - (size_t)h->map_len);
		return;
	}
	if (h->cls == IALLOC_LARGE) {
		munmap(h, (size_t)h->map_len);
		return;
	}
	cls = h->cls;	/* the link below overwrites the header */
	if (cls >= IALLOC_CLASSES)
		return;		/* a corrupted header: leak rather than corrupt */
	pthread_mutex_lock(&ialloc_lock);
	((struct ialloc_free *)h)->next = ialloc_lists[cls];
	ialloc_lists[cls] = (struct ialloc_free *)h;
	pthread_mutex_unlock(&ialloc_lock);
}

void *rseqkit_irealloc(void *p, size_t size)
{
	void *n;
	size_t have;

	if (!p)
		return rseqkit_ialloc(size);
	have = usable(hdr_of(p));
	if (size <= have)
		return p;	/* the tail stays zero-or-old; callers track sizes */
	n = rseqkit_ialloc(size);
	if (!n)
		return NULL;	/* p is untouched, as realloc() leaves it */
	memcpy(n, p, have);
	rseqkit_ifree(p);
	return n;
}

void rseqkit_ialloc_fork_prepare(void)
{
	pthread_mutex_lock(&ialloc_lock);
}

void rseqkit_ialloc_fork_parent(void)
{
	pthread_mutex_unlock(&ialloc_lock);
}

void rseqkit_ialloc_fork_child(void)
{
	pthread_mutex_init(&ialloc_lock, NULL);
}
