/* SPDX-License-Identifier: MIT */
/*
 * tests/helpers/coexist_plugin.c - a plug-in the coexistence test
 * dlopen()s, built twice from this source:
 *  - PLUGIN_RSEQKIT: written against librseq's API, compiled with
 *    rseqkit's librseq layer (-Iinclude/rseqkit/librseq), linked with
 *    librseqkit.so: its librseq names must reach rseqkit;
 *  - PLUGIN_LIBRSEQ: the same code against librseq itself (here the
 *    stand-in library, whose prototypes are declared below as librseq's
 *    headers declare them), linked with the stand-in's librseq.so.0.
 * Each reports what its calls returned, so the test can tell which
 * library they reached.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "coexist_plugin.h"

#if defined(PLUGIN_RSEQKIT)
# include <rseq/rseq.h>
# include <rseq/mempool.h>
# define PROBE plugin_rseqkit_probe
static int32_t cpu_raw(void) { return rseq_current_cpu_raw(); }
#elif defined(PLUGIN_LIBRSEQ)
/* librseq's declarations (rseq/rseq.h, rseq/mempool.h). */
struct rseq_mempool;
struct rseq_mempool_attr;
int rseq_register_current_thread(void);
int rseq_unregister_current_thread(void);
bool rseq_available(unsigned int query);
int rseq_get_max_nr_cpus(void);
struct rseq_mempool_attr *rseq_mempool_attr_create(void);
void rseq_mempool_attr_destroy(struct rseq_mempool_attr *attr);
int rseq_mempool_attr_set_percpu(struct rseq_mempool_attr *attr, size_t stride, int max_nr_cpus);
struct rseq_mempool *rseq_mempool_create(const char *name, size_t item_len,
					 const struct rseq_mempool_attr *attr);
int rseq_mempool_destroy(struct rseq_mempool *pool);
void *rseq_mempool_percpu_zmalloc(struct rseq_mempool *pool);
void librseq_mempool_percpu_free(void *ptr, size_t stride);
int rseq_mempool_get_max_nr_cpus(struct rseq_mempool *pool);
# define rseq_mempool_percpu_free(p) librseq_mempool_percpu_free(p, 1U << 16)
int32_t standin_current_cpu_raw(void);
# define PROBE plugin_librseq_probe
static int32_t cpu_raw(void) { return standin_current_cpu_raw(); }
#endif

int PROBE(struct coexist_report *r)
{
	struct rseq_mempool_attr *attr = rseq_mempool_attr_create();
	struct rseq_mempool *pool;
	long *item;

	r->max_nr_cpus = rseq_get_max_nr_cpus();
	r->kernel = rseq_available(0);
	r->registered = rseq_register_current_thread();
	r->cpu_raw = cpu_raw();
	if (!attr || rseq_mempool_attr_set_percpu(attr, 0, 0))
		return -1;
	pool = rseq_mempool_create("plugin", sizeof(long), attr);
	rseq_mempool_attr_destroy(attr);
	if (!pool)
		return -1;
	r->pool_max_nr_cpus = rseq_mempool_get_max_nr_cpus(pool);
	item = (long *)rseq_mempool_percpu_zmalloc(pool);
	if (!item)
		return -1;
	*item = 42;
	rseq_mempool_percpu_free(item);
	if (r->registered == 0)
		rseq_unregister_current_thread();
	return rseq_mempool_destroy(pool);
}
