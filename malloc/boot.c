/* SPDX-License-Identifier: MIT */
/*
 * malloc/boot.c - the bootstrap allocator: serves the allocations made
 * while mlc_init() runs in the initializing thread (the C library or
 * rseqkit may call malloc() from inside it), from a static area, never
 * freed.  free() recognizes these pointers and ignores them; realloc()
 * copies them out (a 16-byte header records each block's size).
 */
#include <errno.h>
#include "mlc.h"

#define BOOT_AREA	(256 * 1024)

static char boot_area[BOOT_AREA] __attribute__((aligned(4096)));
static size_t boot_used;	/* atomic: allocations may race with init */

void *mlc_boot_alloc(size_t size, size_t align)
{
	size_t old, start, end;

	if (align < MLC_ALIGN)
		align = MLC_ALIGN;
	if (size > BOOT_AREA || align > BOOT_AREA / 2) {
		errno = ENOMEM;
		return NULL;
	}
	old = __atomic_load_n(&boot_used, __ATOMIC_RELAXED);
	do {
		start = (old + 16 + align - 1) & ~(align - 1);
		end = start + ((size + 15) & ~(size_t)15);
		if (end > BOOT_AREA) {
			errno = ENOMEM;
			return NULL;
		}
	} while (!__atomic_compare_exchange_n(&boot_used, &old, end, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	*(size_t *)(void *)(boot_area + start - 16) = size;
	return boot_area + start;	/* static storage: zero */
}

bool mlc_boot_owns(const void *p)
{
	return (const char *)p >= boot_area && (const char *)p < boot_area + BOOT_AREA;
}

size_t mlc_boot_usable(const void *p)
{
	return *(const size_t *)(const void *)((const char *)p - 16);
}
