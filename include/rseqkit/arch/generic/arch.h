/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/generic/arch.h - an architecture rseqkit has no critical
 * sections for.  Everything compiles; registration fails with ENOSYS,
 * rseq_current_cpu_raw() returns RSEQ_ABI_CPU_ID_REGISTRATION_FAILED and
 * every operation returns -1 with errno ENOSYS, so callers take their
 * fallback (check rseq_current_cpu_raw() < 0 before retrying).
 */
#ifndef RSEQKIT_ARCH_GENERIC_H
#define RSEQKIT_ARCH_GENERIC_H

#ifndef RSEQKIT_RSEQ_H
# error "rseqkit/arch/generic/arch.h is part of <rseqkit/rseq.h>: include that"
#endif

#define RSEQ_ARCH_UNAVAILABLE	1
#ifdef RSEQKIT_SIG
# define RSEQ_SIG		RSEQKIT_SIG
#else
# define RSEQ_SIG		0
#endif

#define rseq_smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rseq_smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define rseq_smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define rseq_smp_load_acquire(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define rseq_smp_acquire__after_ctrl_dep()	rseq_smp_rmb()
#define rseq_smp_store_release(p, v)	__atomic_store_n(p, v, __ATOMIC_RELEASE)

/*
 * No thread pointer is assumed: rseq_offset is the address of a
 * library-owned area whose cpu_id says "registration failed".
 */
static inline void *rseq_thread_pointer(void)
{
	return (void *)0;
}

#endif /* RSEQKIT_ARCH_GENERIC_H */
