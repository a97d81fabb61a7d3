/* SPDX-License-Identifier: MIT */
/*
 * src/internal.h - state shared by the library's source files; not
 * installed.  Only symbols named rseq_* are exported (librseqkit.map).
 */
#ifndef RSEQKIT_INTERNAL_H
#define RSEQKIT_INTERNAL_H

#include <rseqkit/rseq.h>

#define RSEQKIT_EXPORT	__attribute__((visibility("default")))
#define RSEQKIT_HIDDEN	__attribute__((visibility("hidden")))

/* One-time process setup (constructor; also called by registration). */
RSEQKIT_HIDDEN void rseqkit_init(void);

/* The kernel's rseq feature size (0 when rseq is unavailable). */
RSEQKIT_HIDDEN unsigned int rseqkit_kernel_feature_size(void);

/* Remember why the calling thread's call failed; sets errno; returns -1. */
RSEQKIT_HIDDEN int rseqkit_fail(int err, const char *reason);

/*
 * Register the calling thread on first use (the per-CPU structures' slow
 * path): 0 when the thread has a working registration afterwards, -1 with
 * errno otherwise.  Never registers a thread that unregistered explicitly
 * (until it calls rseq_register_current_thread() again); the registration
 * it makes is not counted: rseq_register_current_thread() takes it over,
 * rseq_unregister_current_thread() undoes it, thread exit ends it.
 */
RSEQKIT_HIDDEN int rseqkit_register_implicit(void);

/* The raw system call: 0, or -1 with errno. */
RSEQKIT_HIDDEN int rseqkit_sys_rseq(void *area, uint32_t len, int flags,
				    uint32_t sig);

#endif
