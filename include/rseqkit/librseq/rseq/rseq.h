/* SPDX-License-Identifier: MIT */
/*
 * rseq/rseq.h - librseq's <rseq/rseq.h> on rseqkit (the librseq layer).
 *
 * Build with the rseqkit-librseq pkg-config module (-I<includedir>/rseqkit/
 * librseq -I<includedir> -lrseqkit): a program written for librseq's
 * public API builds unchanged and runs on rseqkit.  Everything here is a
 * name for something rseqkit has:
 *
 *  - from <rseqkit/rseq.h>, under the same names: rseq_offset, rseq_size,
 *    rseq_flags, rseq_get_abi(), rseq_register_current_thread(),
 *    rseq_fallback_current_cpu(),
 *    rseq_fallback_current_node(), rseq_current_cpu_raw(),
 *    rseq_cpu_start(), rseq_current_cpu(), rseq_node_id_available(),
 *    rseq_current_node_id(), rseq_mm_cid_available(),
 *    rseq_current_mm_cid(), rseq_clear_rseq_cs(), rseq_prepare_unload(),
 *    enum rseq_mo, enum rseq_percpu_mode, RSEQ_SIG and the barriers;
 *  - rseq_available(query), rseq_unregister_current_thread() (librseq's
 *    contract under the C library's registration) and
 *    rseq_get_max_nr_cpus() below;
 *  - librseq's critical-section helpers below, each on the rseqkit
 *    operation family that does the same (rseq/pseudocode.h).
 *
 * What differs from librseq is in docs/librseq.md: rseqkit returns errors
 * where librseq aborts (registration that fails after another thread's
 * succeeded, sched_getcpu() failing, an unexpected rseq(2) errno).
 */
#ifndef _RSEQ_RSEQ_H
#define _RSEQ_RSEQ_H

#include "../rseqkit-layer.h"
#include <stdint.h>
#include <stdbool.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <assert.h>
#include "abi.h"
#include "compiler.h"
#include "inject.h"
#include "thread-pointer.h"
#include "utils.h"
#include "arch.h"
#include <rseqkit/rseq.h>

#ifdef __cplusplus
extern "C" {
#endif

enum rseq_available_query {
	RSEQ_AVAILABLE_QUERY_KERNEL = 0,	/* the kernel has rseq, not denied */
	RSEQ_AVAILABLE_QUERY_LIBC = 1,		/* the C library owns the registration */
};

/* rseqkit's bool rseq_available(void), under this layer's own name. */
bool __rseqkit_rseq_available(void) RSEQKIT_SYM(available);

/* True when what 'query' asks about is there; false for unknown queries. */
static inline bool rseq_available(unsigned int query)
{
	switch (query) {
	case RSEQ_AVAILABLE_QUERY_KERNEL:
		return __rseqkit_rseq_available();
	case RSEQ_AVAILABLE_QUERY_LIBC:
		return rseq_registration_owner() == RSEQ_OWNER_LIBC;
	default:
		return false;
	}
}

/* rseqkit's rseq_unregister_current_thread(), under this layer's own name. */
int __rseqkit_rseq_unregister_current_thread(void) RSEQKIT_SYM(unregister_current_thread);

/*
 * librseq's contract: when the C library owns the registration,
 * unregistering succeeds, balanced or not (librseq treats the C library's
 * ownership as a successful unregistration; rseqkit's own API reports an
 * unbalanced call as EINVAL).  Otherwise rseqkit's: 0, or -1 with errno.
 */
static inline int rseq_unregister_current_thread(void)
{
	int saved = errno;

	if (__rseqkit_rseq_unregister_current_thread() == 0)
		return 0;
	if (rseq_registration_owner() != RSEQ_OWNER_LIBC)
		return -1;
	errno = saved;
	return 0;
}

/* The highest possible CPU + 1: what a pool with max_nr_cpus 0 gets. */
int rseq_get_max_nr_cpus(void) RSEQKIT_SYM(get_max_nr_cpus);

#ifndef RSEQ_ARCH_UNAVAILABLE

/* if (*v == expect) *v = newv; */
static inline __attribute__((always_inline))
int rseq_load_cbne_store__ptr(enum rseq_mo rseq_mo, enum rseq_percpu_mode percpu_mode,
			      intptr_t *v, intptr_t expect, intptr_t newv, int cpu)
{
	return rseq_cmpeqv_storev(rseq_mo, percpu_mode, v, expect, newv, cpu);
}

/* if (*v != expectnot) { *load = *v; *v = *(intptr_t *)(*v + voffp); } */
static inline __attribute__((always_inline))
int rseq_load_cbeq_store_add_load_store__ptr(enum rseq_mo rseq_mo,
					     enum rseq_percpu_mode percpu_mode,
					     intptr_t *v, intptr_t expectnot, long voffp,
					     intptr_t *load, int cpu)
{
	return rseq_cmpnev_storeoffp_load(rseq_mo, percpu_mode, v, expectnot, voffp, load, cpu);
}

/* *v += count; */
static inline __attribute__((always_inline))
int rseq_load_add_store__ptr(enum rseq_mo rseq_mo, enum rseq_percpu_mode percpu_mode,
			     intptr_t *v, intptr_t count, int cpu)
{
	return rseq_addv(rseq_mo, percpu_mode, v, count, cpu);
}

#ifdef RSEQ_ARCH_HAS_OFFSET_DEREF_ADDV
#define rseq_arch_has_load_add_load_load_add_store
/* *(*(intptr_t **)(*ptr + off)) += inc; */
static inline __attribute__((always_inline))
int rseq_load_add_load_load_add_store__ptr(enum rseq_mo rseq_mo,
					   enum rseq_percpu_mode percpu_mode,
					   intptr_t *ptr, long off, intptr_t inc, int cpu)
{
	return rseq_offset_deref_addv(rseq_mo, percpu_mode, ptr, off, inc, cpu);
}
#endif

/* if (*v == expect) { *v2 = newv2; *v = newv; }  (relaxed or release) */
static inline __attribute__((always_inline))
int rseq_load_cbne_store_store__ptr(enum rseq_mo rseq_mo, enum rseq_percpu_mode percpu_mode,
				    intptr_t *v, intptr_t expect, intptr_t *v2, intptr_t newv2,
				    intptr_t newv, int cpu)
{
	return rseq_cmpeqv_trystorev_storev(rseq_mo, percpu_mode, v, expect, v2, newv2, newv, cpu);
}

/* if (*v == expect && *v2 == expect2) *v = newv; */
static inline __attribute__((always_inline))
int rseq_load_cbne_load_cbne_store__ptr(enum rseq_mo rseq_mo,
					enum rseq_percpu_mode percpu_mode,
					intptr_t *v, intptr_t expect, intptr_t *v2,
					intptr_t expect2, intptr_t newv, int cpu)
{
	return rseq_cmpeqv_cmpeqv_storev(rseq_mo, percpu_mode, v, expect, v2, expect2, newv, cpu);
}

/* if (*v == expect) { memcpy(dst, src, len); *v = newv; }  (relaxed or release) */
static inline __attribute__((always_inline))
int rseq_load_cbne_memcpy_store__ptr(enum rseq_mo rseq_mo, enum rseq_percpu_mode percpu_mode,
				     intptr_t *v, intptr_t expect, void *dst, void *src,
				     size_t len, intptr_t newv, int cpu)
{
	return rseq_cmpeqv_trymemcpy_storev(rseq_mo, percpu_mode, v, expect, dst, src, len,
					    newv, cpu);
}

#endif /* !RSEQ_ARCH_UNAVAILABLE */

#ifdef __cplusplus
}
#endif

#endif /* _RSEQ_RSEQ_H */
