/* SPDX-License-Identifier: MIT */
/*
 * malloc/large.c - objects above the largest size class and up to
 * MLC_LARGE_MAX, and aligned objects no size class can hold: a run of
 * whole pages of the page heap each, marked MLC_PG_LARGE in the page map
 * so that free() finds it with the same lookup as a small object.
 */
#include <errno.h>
#include <string.h>
#include "mlc.h"

void *mlc_large_alloc(size_t size, size_t align, bool zero)
{
	size_t npages = (size + MLC_PAGE - 1) >> MLC_PAGE_SHIFT;
	size_t align_pages = align > MLC_PAGE ? align >> MLC_PAGE_SHIFT : 1;
	struct mlc_span *s;
	bool zeroed;
	char *p;

	if (!npages)
		npages = 1;
	s = mlc_heap_alloc(npages, align_pages, MLC_PG_LARGE, &zeroed);
	if (!s)
		return NULL;
	s->req = size;
	p = mlc_span_addr(s);
	if (zero && !zeroed)
		memset(p, 0, size);
	return p;
}

void mlc_large_free(void *p)
{
	struct mlc_chunk *ch = mlc_chunk_of(p);

	mlc_heap_free(&ch->spans[mlc_page_index(p)]);
}

size_t mlc_large_usable(const void *p)
{
	struct mlc_chunk *ch = mlc_chunk_of(p);

	return (size_t)ch->spans[mlc_page_index(p)].npages << MLC_PAGE_SHIFT;
}
