/* SPDX-License-Identifier: MIT */
/*
 * src/pool_attr.c - the pool attribute object and its setters.  Each
 * setter checks its arguments (EINVAL) so that a mistake is reported
 * where it is made; rseq_mempool_create() checks the combination.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "pool-internal.h"

RSEQKIT_EXPORT struct rseq_mempool_attr *rseq_mempool_attr_create(void)
{
	struct rseq_mempool_attr *a = rseqkit_icalloc(1, sizeof(*a));

	if (!a) {
		rseqkit_fail(ENOMEM, "rseq_mempool_attr_create: out of memory");
		return NULL;
	}
	a->cache = RSEQ_MEMPOOL_CACHE_DEFAULT;
	return a;
}

RSEQKIT_EXPORT void rseq_mempool_attr_destroy(struct rseq_mempool_attr *attr)
{
	if (!attr)
		return;
	rseqkit_ifree(attr->cpu_list);
	rseqkit_ifree(attr);
}

static int no_attr(const char *fn)
{
	(void)fn;
	return rseqkit_fail(EINVAL, "the attribute object is NULL: create it with "
			    "rseq_mempool_attr_create()");
}

/* 0 (the default), or a power of two of at least a page. */
static bool stride_ok(size_t stride)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return !stride || (!(stride & (stride - 1)) && stride >= page);
}

RSEQKIT_EXPORT int rseq_mempool_attr_set_init(struct rseq_mempool_attr *attr,
					      int (*init_func)(void *, void *, size_t, int),
					      void *init_priv)
{
	if (!attr)
		return no_attr(__func__);
	attr->init_func = init_func;
	attr->init_priv = init_priv;
	attr->policy = RSEQ_MEMPOOL_POPULATE_COW_INIT;	/* as librseq */
	return 0;
}

RSEQKIT_EXPORT int rseq_mempool_attr_set_robust(struct rseq_mempool_attr *attr)
{
	if (!attr)
		return no_attr(__func__);
	attr->robust = true;
	return 0;
}

RSEQKIT_EXPORT int rseq_mempool_attr_set_debug(struct rseq_mempool_attr *attr)
{
	if (!attr)
		return no_attr(__func__);
	attr->robust = true;
	attr->debug = true;
	return 0;
}

RSEQKIT_EXPORT int rseq_mempool_attr_set_percpu(struct rseq_mempool_attr *attr,
						size_t stride, int max_nr_cpus)
{
	if (!attr)
		return no_attr(__func__);
	if (!stride_ok(stride))
		return rseqkit_fail(EINVAL, "rseq_mempool_attr_set_percpu: the stride must be 0 "
				    "(the default) or a power of two of at least a page");
	if (max_nr_cpus < 0 || max_nr_cpus > RSEQ_MEMPOOL_MAX_NR_CPUS)
		return rseqkit_fail(EINVAL, "rseq_mempool_attr_set_percpu: max_nr_cpus must be 0 "
				    "(the possible CPUs) to RSEQ_MEMPOOL_MAX_NR_CPUS");
	attr->type = POOL_TYPE_PERCPU;
	attr->stride = stride;
	attr->max_nr_cpus = max_nr_cpus;
	return 0;
}

RSEQKIT_EXPORT int rseq_mempool_attr_set_global(struct rseq_mempool_attr *attr, size_t stride)
{
	if (!attr)
		return no_attr(__func__);
	if (!stride_ok(stride))
		return rseqkit_fail(EINVAL, "rseq_mempool_attr_set_global: the stride must be 0 "
				    "(the default) or a power of two of at least a page");
	attr->type = POOL_TYPE_GLOBAL;
	attr->stride = stride;
	attr->max_nr_cpus = 0;
	return 0;
}

RSEQKIT_EXPORT int rseq_mempool_attr_set_max_nr_ranges(struct rseq_mempool_attr *attr,
						       unsigned long max_nr_ranges)
{
	if (!attr)
		return no_attr(__func__);
	attr->max_nr_ranges = max_nr_ranges;
	return 0;
}

RSEQKIT_EXPORT int rseq_mempool_attr_set_poison(struct rseq_mempool_attr *attr, uintptr_t poison)
{
	if (!attr)
		return no_attr(__func__);
	attr->poison_set = true;
	attr->poison = poison;
	return 0;
}

RSEQKIT_EXPORT int rseq_mempool_attr_set_populate_policy(struct rseq_mempool_attr *attr,
							 enum rseq_mempool_populate_policy policy)
{
	if (!attr)
		return no_attr(__func__);
	if (policy != RSEQ_MEMPOOL_POPULATE_COW_INIT && policy != RSEQ_MEMPOOL_POPULATE_COW_ZERO)
		return rseqkit_fail(EINVAL, "rseq_mempool_attr_set_populate_policy: unknown policy "
				    "(RSEQ_MEMPOOL_POPULATE_COW_INIT or _COW_ZERO)");
	attr->policy = policy;
	return 0;
}

RSEQKIT_EXPORT int rseq_mempool_attr_set_cpu_list(struct rseq_mempool_attr *attr,
						  const char *cpu_list)
{
	unsigned long *bits;
	char *copy = NULL;
	int top;

	if (!attr)
		return no_attr(__func__);
	if (cpu_list) {
		size_t len = strnlen(cpu_list, 1 << 20);

		if (len >= 1 << 20)
			return rseqkit_fail(EINVAL, "rseq_mempool_attr_set_cpu_list: the list is "
					    "longer than 1 MiB");
		bits = rseqkit_icalloc(RSEQ_MEMPOOL_MAX_NR_CPUS / POOL_BITS, sizeof(unsigned long));
		if (!bits)
			return rseqkit_fail(ENOMEM, "rseq_mempool_attr_set_cpu_list: out of memory");
		top = rseqkit_pool_parse_cpu_list(cpu_list, bits, RSEQ_MEMPOOL_MAX_NR_CPUS);
		rseqkit_ifree(bits);
		if (top <= 0)
			return rseqkit_fail(EINVAL, "rseq_mempool_attr_set_cpu_list: malformed list "
					    "(write it as \"0-3,8\": increasing ranges of CPU "
					    "numbers below RSEQ_MEMPOOL_MAX_NR_CPUS)");
		copy = rseqkit_ialloc(len + 1);
		if (!copy)
			return rseqkit_fail(ENOMEM, "rseq_mempool_attr_set_cpu_list: out of memory");
		memcpy(copy, cpu_list, len + 1);
	}
	rseqkit_ifree(attr->cpu_list);
	attr->cpu_list = copy;
	return 0;
}

RSEQKIT_EXPORT int rseq_mempool_attr_set_percpu_mode(struct rseq_mempool_attr *attr,
						     enum rseq_percpu_mode mode)
{
	if (!attr)
		return no_attr(__func__);
	if (mode != RSEQ_PERCPU_CPU_ID && mode != RSEQ_PERCPU_MM_CID)
		return rseqkit_fail(EINVAL, "rseq_mempool_attr_set_percpu_mode: the mode must be "
				    "RSEQ_PERCPU_CPU_ID or RSEQ_PERCPU_MM_CID");
	attr->mode = mode;
	return 0;
}

RSEQKIT_EXPORT int rseq_mempool_attr_set_report(struct rseq_mempool_attr *attr,
						rseq_mempool_report_func report, void *priv)
{
	if (!attr)
		return no_attr(__func__);
	attr->report = report;
	attr->report_priv = priv;
	return 0;
}

RSEQKIT_EXPORT int rseq_mempool_attr_set_cache(struct rseq_mempool_attr *attr,
					       unsigned int nr_items)
{
	if (!attr)
		return no_attr(__func__);
	if (nr_items > RSEQ_MEMPOOL_CACHE_MAX)
		return rseqkit_fail(EINVAL, "rseq_mempool_attr_set_cache: at most "
				    "RSEQ_MEMPOOL_CACHE_MAX items per CPU");
	attr->cache = nr_items;
	attr->cache_set = true;
	return 0;
}
