/* SPDX-License-Identifier: MIT */
/*
 * malloc/stats.c - exact accounting from the allocator's own structures
 * (no counter on the fast paths): per class, the objects in spans, free
 * in spans, in the depot and in CPU caches; in use is the difference.
 * Printed at exit with RSEQKIT_MALLOC_STATS=1, and by malloc_stats().
 * Figures read while other threads allocate are a snapshot of each part.
 */
#include <string.h>
#include "mlc.h"

void mlc_totals(struct mlc_totals *t)
{
	struct mlc_heap_stats h;

	memset(t, 0, sizeof(*t));
	mlc_heap_stats(&h);
	mlc_huge_stats(&t->huge_count, &t->huge_bytes);
	for (unsigned int i = 0; i < MLC_NCLASS; i++) {
		struct mlc_central_stats cs;
		size_t size = mlc_classes[i].size, cached = mlc_cache_count(i);
		size_t free_objs;

		mlc_central_stats(i, &cs);
		free_objs = cs.span_free + cs.depot + cached;
		t->in_use += free_objs < cs.objs ? (cs.objs - free_objs) * size : 0;
		t->free_cached += free_objs * size;
	}
	t->large_in_use = h.large_bytes;
	t->in_use += h.large_bytes + t->huge_bytes;
	t->free_cached += h.free_bytes;
	t->mapped = h.mapped + t->huge_bytes;
}

static void line(int fd, const char *label, uint64_t v, const char *unit)
{
	char buf[128];
	size_t pos = 0;

	mlc_put_str(buf, sizeof(buf), &pos, "  ");
	mlc_put_str(buf, sizeof(buf), &pos, label);
	mlc_put_str(buf, sizeof(buf), &pos, " ");
	mlc_put_num(buf, sizeof(buf), &pos, v);
	mlc_put_str(buf, sizeof(buf), &pos, unit);
	mlc_put_str(buf, sizeof(buf), &pos, "\n");
	mlc_write_all(fd, buf, pos);
}

void mlc_stats_print(int fd)
{
	static const char *mode[] = { "central only", "per-CPU caches (atomic claims: no rseq)",
				      "per-CPU caches (rseq)" };
	static const char hdr[] =
		"  class    size    spans   in use  span-free    depot   cached  refills   drains\n";
	struct mlc_heap_stats h;
	struct mlc_totals t;
	char buf[160];
	size_t pos = 0;

	mlc_totals(&t);
	mlc_heap_stats(&h);
	mlc_put_str(buf, sizeof(buf), &pos, "rseqkit-malloc statistics: ");
	mlc_put_str(buf, sizeof(buf), &pos, mlc.debug ? "debug mode"
			: mode[mlc.caches ? 1 + mlc.rseq_mode : 0]);
	mlc_put_str(buf, sizeof(buf), &pos, ", ");
	mlc_put_num(buf, sizeof(buf), &pos, (uint64_t)mlc.nr_cpus);
	mlc_put_str(buf, sizeof(buf), &pos, " CPU slots\n");
	mlc_write_all(fd, buf, pos);
	line(fd, "mapped           ", t.mapped, " bytes");
	line(fd, "in use           ", t.in_use, " bytes");
	line(fd, "free (cached)    ", t.free_cached, " bytes");
	line(fd, "large runs       ", h.large_runs, "");
	line(fd, "large in use     ", h.large_bytes, " bytes");
	line(fd, "huge mappings    ", t.huge_count, "");
	line(fd, "huge bytes       ", t.huge_bytes, " bytes");
	line(fd, "chunks           ", h.chunks, " (4 MiB)");
	line(fd, "free pages dirty ", h.dirty_bytes, " bytes");
	line(fd, "purges           ", h.purges, "");
	line(fd, "purged           ", h.purged_bytes, " bytes");
	{
		uint64_t passes, objs;

		mlc_cache_reclaim_stats(&passes, &objs);
		line(fd, "idle-CPU passes  ", passes, "");
		line(fd, "idle-CPU drained ", objs, " objects");
	}
	mlc_write_all(fd, hdr, strlen(hdr));
	for (unsigned int i = 0; i < MLC_NCLASS; i++) {
		struct mlc_central_stats cs;
		size_t cached = mlc_cache_count(i), free_objs;
		uint64_t cols[8];

		mlc_central_stats(i, &cs);
		if (!cs.spans && !cs.refills && !cached)
			continue;
		free_objs = cs.span_free + cs.depot + cached;
		cols[0] = i;
		cols[1] = mlc_classes[i].size;
		cols[2] = cs.spans;
		cols[3] = free_objs < cs.objs ? cs.objs - free_objs : 0;
		cols[4] = cs.span_free;
		cols[5] = cs.depot;
		cols[6] = cached;
		cols[7] = cs.refills;
		pos = 0;
		for (int k = 0; k < 9; k++) {
			char num[24];
			size_t np = 0, w = k == 0 ? 7 : k == 4 ? 11 : 9;

			mlc_put_num(num, sizeof(num), &np, k < 8 ? cols[k] : cs.drains);
			while (np < w && pos + 1 < sizeof(buf)) {
				buf[pos++] = ' ';
				w--;
			}
			mlc_put_str(buf, sizeof(buf), &pos, num);
		}
		mlc_put_str(buf, sizeof(buf), &pos, "\n");
		mlc_write_all(fd, buf, pos);
	}
}
