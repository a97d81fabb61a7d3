/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/fences.h - the memory-ordering primitives every
 * architecture shares, written once.  Included by rseqkit/rseq.h right
 * after the arch header, which defines either
 *
 *   rseq_smp_load_acquire(p), rseq_smp_store_release(p, v)
 *                     directly (aarch64: ldar/stlr; the generic header:
 *                     the compiler's __atomic builtins), or
 *   rseq_smp_acquire_fence(), rseq_smp_release_fence()
 *                     the fence after an acquire load / before a release
 *                     store, from which this file builds the two above;
 *
 * and may define (defaults below)
 *
 *   rseq_smp_load_consume(p)  a load whose value's dependent accesses
 *                     (an address computed from it) are ordered after it:
 *                     x86 (TSO, dependencies respected) a plain load, with
 *                     no compiler barrier; elsewhere the acquire load
 *   rseq_cpu_relax()  the spin-wait hint (x86 pause, arm yield, ...);
 *                     elsewhere a compiler barrier
 */
#ifndef RSEQKIT_ARCH_FENCES_H
#define RSEQKIT_ARCH_FENCES_H

#ifndef RSEQKIT_RSEQ_H
# error "rseqkit/arch/fences.h is part of <rseqkit/rseq.h>: include that"
#endif

#ifndef rseq_smp_load_acquire
# define rseq_smp_load_acquire(p)					\
__extension__ ({							\
	RSEQ_AUTO_TYPE ____p1 = RSEQ_READ_ONCE(*(p));			\
	rseq_smp_acquire_fence();					\
	____p1;								\
})
#endif

#ifndef rseq_smp_store_release
# define rseq_smp_store_release(p, v)					\
do {									\
	rseq_smp_release_fence();					\
	RSEQ_WRITE_ONCE(*(p), v);					\
} while (0)
#endif

#ifndef rseq_smp_load_consume
# define rseq_smp_load_consume(p)	rseq_smp_load_acquire(p)
#endif

#ifndef rseq_cpu_relax
# define rseq_cpu_relax()		rseq_barrier()
#endif

#endif /* RSEQKIT_ARCH_FENCES_H */
