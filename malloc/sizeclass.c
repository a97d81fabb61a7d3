/* SPDX-License-Identifier: MIT */
/*
 * malloc/sizeclass.c - the size classes: 16-byte steps up to 128 bytes,
 * then four classes per power of two up to 64 KiB (44 classes, at most
 * 25% internal waste above 128 bytes, 12.5% on average).  Every class is
 * a multiple of 16, so objects are 16-byte aligned; power-of-two classes
 * up to the page size hold naturally aligned objects (aligned
 * allocations use them).
 *
 * Per class: pages per span (the fewest giving at least 8 objects and at
 * most 1/8 of the span left over), the batch moved between a CPU's cache
 * and the central tier (about 16 KiB, 2..64 objects) and the capacity of
 * a CPU's cache (2 to 4 batches, about 128 KiB, at most MLC_MAX_CAP).
 */
#include "mlc.h"

struct mlc_class mlc_classes[MLC_NCLASS];
uint8_t mlc_class_small[(1024 >> 4) + 1];
uint8_t mlc_class_big[(MLC_SMALL_MAX >> 7) + 1];

static uint32_t clamp_u32(size_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : (uint32_t)v;
}

void mlc_sizeclass_init(void)
{
	unsigned int n = 0;
	size_t size;

	for (size = 16; size <= 128; size += 16)
		mlc_classes[n++].size = (uint32_t)size;
	for (size = 256; size <= MLC_SMALL_MAX; size *= 2)
		for (unsigned int q = 1; q <= 4; q++)
			mlc_classes[n++].size = (uint32_t)(size / 2 + q * size / 8);
	for (unsigned int i = 0; i < MLC_NCLASS; i++) {
		struct mlc_class *c = &mlc_classes[i];
		uint32_t np = 1;

		while ((np * MLC_PAGE) / c->size < 8 ||
		       (np * MLC_PAGE) % c->size > np * MLC_PAGE / 8)
			np++;
		c->npages = np;
		c->nobj = (uint32_t)(np * MLC_PAGE / c->size);
		c->batch = clamp_u32(16384 / c->size, 2, MLC_MAX_BATCH);
		c->cap = clamp_u32((128 * 1024) / c->size, 2 * c->batch, 4 * c->batch);
		if (c->cap > MLC_MAX_CAP)
			c->cap = MLC_MAX_CAP;
	}
	/* Lookup tables: the smallest class that holds the size. */
	n = 0;
	for (size_t i = 0; i <= 1024 >> 4; i++) {
		while (mlc_classes[n].size < i << 4)
			n++;
		mlc_class_small[i] = (uint8_t)n;
	}
	n = 0;
	for (size_t i = 0; i <= MLC_SMALL_MAX >> 7; i++) {
		while (mlc_classes[n].size < i << 7)
			n++;
		mlc_class_big[i] = (uint8_t)n;
	}
}
