/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/arch/counter.h - the architecture's free-running counter, for
 * timestamps cheaper than clock_gettime().
 *
 * Where a 64-bit counter is read from user space without a system call
 * and is synchronized across CPUs, this defines RSEQ_ARCH_HAS_COUNTER and
 *
 *	uint64_t rseq_arch_counter(void);	  after every earlier
 *						  instruction has completed
 *	uint64_t rseq_arch_counter_fast(void);	  may be read before earlier
 *						  instructions complete (about
 *						  half the cost on x86-64)
 *
 * Their unit is architecture-specific (x86-64: TSC ticks; aarch64: CNTVCT
 * ticks at CNTFRQ_EL0).  Elsewhere nothing is defined and callers use
 * clock_gettime(CLOCK_MONOTONIC) (the vDSO).
 */
#ifndef RSEQKIT_ARCH_COUNTER_H
#define RSEQKIT_ARCH_COUNTER_H

#include <stdint.h>

#if defined(__x86_64__)
/* lfence: rdtsc waits for the earlier instructions (Intel and AMD). */
# define RSEQ_ARCH_HAS_COUNTER	1
static inline uint64_t rseq_arch_counter(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__ ("lfence\n\trdtsc" : "=a" (lo), "=d" (hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rseq_arch_counter_fast(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__ ("rdtsc" : "=a" (lo), "=d" (hi));
	return ((uint64_t)hi << 32) | lo;
}
#elif defined(__aarch64__)
/* isb: the counter is read after the earlier instructions. */
# define RSEQ_ARCH_HAS_COUNTER	1
static inline uint64_t rseq_arch_counter(void)
{
	uint64_t v;

	__asm__ __volatile__ ("isb\n\tmrs %0, cntvct_el0" : "=r" (v) : : "memory");
	return v;
}

static inline uint64_t rseq_arch_counter_fast(void)
{
	uint64_t v;

	__asm__ __volatile__ ("mrs %0, cntvct_el0" : "=r" (v));
	return v;
}
#endif

#endif /* RSEQKIT_ARCH_COUNTER_H */
