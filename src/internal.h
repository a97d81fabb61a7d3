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
 * The active feature size of this process's registrations: what
 * rseq_size reads once a thread registered, also before (rseq_size is 0
 * until then when rseqkit owns registration, as with the kernel's helper).
 * For decisions made before any thread may have registered, such as a
 * pool's mm_cid indexing: compare with rseq_offsetofend(struct rseq_abi, ...).
 */
RSEQKIT_HIDDEN unsigned int rseqkit_active_size(void);

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

/*
 * The library's metadata allocator (src/ialloc.c): mmap-backed, zeroed
 * memory, never malloc(), so that rseqkit's own malloc can use the
 * library.  Not for fast paths or signal handlers (one mutex).  The fork
 * functions are called by the library's fork handlers only.
 */
RSEQKIT_HIDDEN void *rseqkit_ialloc(size_t size);
RSEQKIT_HIDDEN void *rseqkit_icalloc(size_t n, size_t size);
/* Zeroed, aligned on 'align' (a power of two <= 4096); not for irealloc. */
RSEQKIT_HIDDEN void *rseqkit_ialloc_aligned(size_t align, size_t size);
RSEQKIT_HIDDEN void *rseqkit_irealloc(void *p, size_t size);
RSEQKIT_HIDDEN void rseqkit_ifree(void *p);
RSEQKIT_HIDDEN void rseqkit_ialloc_fork_prepare(void);
RSEQKIT_HIDDEN void rseqkit_ialloc_fork_parent(void);
RSEQKIT_HIDDEN void rseqkit_ialloc_fork_child(void);

#endif
