/* SPDX-License-Identifier: MIT */
/*
 * rseq/mempool.h - librseq's <rseq/mempool.h> on rseqkit (the librseq
 * layer).  rseqkit's pool is librseq's mempool API (rseqkit/pool.h):
 * the same struct tags, functions, macros and semantics, so this header
 * adds only the two names whose librseq contract differs from rseqkit's:
 *
 *  - librseq_mempool_percpu_free(ptr, stride): the function under
 *    librseq's rseq_mempool_percpu_free() macro, returning nothing;
 *  - rseq_mempool_attr_set_robust(): librseq's robust mode aborts the
 *    program (after a message on stderr) when it detects a double free, a
 *    poisoned item that was written, or items left at destroy.  rseqkit's
 *    own robust mode reports and returns errors instead; here it is that
 *    mode with a report callback that aborts, the contract the caller
 *    opted into (docs/surface.md, section 4).
 */
#ifndef _RSEQ_MEMPOOL_H
#define _RSEQ_MEMPOOL_H

#include "../rseqkit-layer.h"
#include "compiler.h"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/mman.h>
#include <rseqkit/pool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What rseq_mempool_percpu_free(ptr[, stride]) calls in librseq. */
static inline void librseq_mempool_percpu_free(void __rseq_percpu *ptr, size_t stride)
{
	(void)rseq_mempool_percpu_free_stride(ptr, stride);
}

/* rseqkit's rseq_mempool_attr_set_robust(), under this layer's own name. */
int __rseqkit_mempool_attr_set_robust(struct rseq_mempool_attr *attr) RSEQKIT_SYM(mempool_attr_set_robust);

static inline void __rseqkit_abort_report(void *priv, struct rseq_mempool *pool,
						  enum rseq_mempool_report_kind kind,
						  void *item, const char *message)
{
	(void)priv;
	(void)kind;
	fprintf(stderr, "rseq mempool %p, item %p: %s: aborting (robust pool)\n",
		(void *)pool, item, message);
	abort();
}

/* Robust mode that aborts on detected corruption, as librseq's. */
static inline int rseq_mempool_attr_set_robust(struct rseq_mempool_attr *attr)
{
	if (__rseqkit_mempool_attr_set_robust(attr))
		return -1;
	return rseq_mempool_attr_set_report(attr, __rseqkit_abort_report, NULL);
}

#ifdef __cplusplus
}
#endif

#endif /* _RSEQ_MEMPOOL_H */
