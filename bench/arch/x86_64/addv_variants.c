/* SPDX-License-Identifier: MIT */
/*
 * bench/arch/x86_64/addv_variants.c - investigation, not part of 'make
 * bench' (build and run: make bench-variants, on x86-64 only).  How close can the per-CPU increment get
 * to the per-thread plain add, and what does each instruction of the
 * fast path cost?  Single file, x86-64 only; every variant is verified
 * like the ones in core_bench.
 *
 *   per-thread plain add   baseline (load+add+store of memory per op)
 *   rseq_addv (header)     the API: reloads rseq_offset after every
 *                          operation ("memory" clobber, non-const global)
 *   offset in register     the same section, rseq_offset read once: what
 *                          declaring 'extern const ptrdiff_t rseq_offset'
 *                          in rseq.h gives (gcc 12 and clang 14 then hoist
 *                          the load out of loops across the clobber)
 *   + lazy arm             also skip the store of rseq_cs when it already
 *                          points to this descriptor (a load and a compare
 *                          inside the section instead of a store before it)
 *   no cpu check           unsafe lower bound: the section without the
 *                          cpu_id comparison (never use; measurement only)
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <rseqkit/rseq.h>
#include "harness.h"
#include "increment.h"	/* the baselines, shared with core_bench */

/* The header's section, with the offset passed in a register. */
static inline __attribute__((always_inline))
int addv_off(ptrdiff_t off, intptr_t *v, intptr_t count, int cpu)
{
	__asm__ __volatile__ goto (
		RSEQ_ASM_DEFINE_TABLE(3, 1f, 2f, 4f)
		"leaq 3b(%%rip), %%rax\n\t"
		"movq %%rax, %%fs:8(%[off])\n\t"
		"1:\n\t"
		"cmpl %[cpu], %%fs:4(%[off])\n\t"
		"jnz 4f\n\t"
		"addq %[count], %[v]\n\t"
		"2:\n\t"
		RSEQ_ASM_DEFINE_ABORT(4, abort)
		: : [off] "r" (off), [cpu] "r" (cpu), [v] "m" (*v),
		    [count] "er" (count)
		: "memory", "cc", "rax"
		: abort);
	return 0;
abort:
	return -1;
}

/*
 * Lazy arm: the section starts before the check of rseq_cs.  Preempted
 * inside it with rseq_cs = this descriptor: aborted (as always).  With
 * rseq_cs elsewhere (cleared by the kernel, another section's): nothing
 * was accessed yet, the store and the cpu_id check follow.
 */
static inline __attribute__((always_inline))
int addv_lazy(ptrdiff_t off, intptr_t *v, intptr_t count, int cpu)
{
	__asm__ __volatile__ goto (
		RSEQ_ASM_DEFINE_TABLE(3, 1f, 2f, 4f)
		"leaq 3b(%%rip), %%rax\n\t"
		"1:\n\t"
		"cmpq %%rax, %%fs:8(%[off])\n\t"
		"je 5f\n\t"
		"movq %%rax, %%fs:8(%[off])\n\t"
		"5:\n\t"
		"cmpl %[cpu], %%fs:4(%[off])\n\t"
		"jnz 4f\n\t"
		"addq %[count], %[v]\n\t"
		"2:\n\t"
		RSEQ_ASM_DEFINE_ABORT(4, abort)
		: : [off] "r" (off), [cpu] "r" (cpu), [v] "m" (*v),
		    [count] "er" (count)
		: "memory", "cc", "rax"
		: abort);
	return 0;
abort:
	return -1;
}

/* Unsafe: no cpu_id check.  A lower bound for the measurement only. */
static inline __attribute__((always_inline))
int addv_nocheck(ptrdiff_t off, intptr_t *v, intptr_t count)
{
	__asm__ __volatile__ goto (
		RSEQ_ASM_DEFINE_TABLE(3, 1f, 2f, 4f)
		"leaq 3b(%%rip), %%rax\n\t"
		"movq %%rax, %%fs:8(%[off])\n\t"
		"1:\n\t"
		"addq %[count], %[v]\n\t"
		"2:\n\t"
		RSEQ_ASM_DEFINE_ABORT(4, abort)
		: : [off] "r" (off), [v] "m" (*v), [count] "er" (count)
		: "memory", "cc", "rax"
		: abort);
	return 0;
abort:
	return -1;
}

static inline __attribute__((always_inline)) uint32_t cpu_start_off(ptrdiff_t off)
{
	uint32_t c;

	__asm__ __volatile__ ("movl %%fs:(%1), %0" : "=r" (c) : "r" (off));
	return c;
}

#define VARIANT(fn, call)						\
static uint64_t fn(struct bench_thread *t, uint64_t n)			\
{									\
	struct inc_slot *s = inc_slots;					\
	ptrdiff_t off = rseq_offset;					\
	(void)t;							\
	for (uint64_t i = 0; i < n; i++) {				\
		for (;;) {						\
			int cpu = (int)cpu_start_off(off);		\
			if (rseq_likely(!(call)))			\
				break;					\
		}							\
		bench_clobber();					\
	}								\
	return n;							\
}
VARIANT(off_reg, addv_off(off, &s[cpu].v, 1, cpu))
VARIANT(lazy, addv_lazy(off, &s[cpu].v, 1, cpu))
VARIANT(nocheck, addv_nocheck(off, &s[cpu].v, 1))

static struct bench_case cases[] = {
	{ .name = "per-thread plain add", .body = inc_plain, .setup = inc_setup,
	  .verify = inc_verify },
	{ .name = "rseq_addv (header)", .body = inc_rseq, .setup = inc_setup,
	  .verify = inc_verify, .needs_rseq = 1 },
	{ .name = "offset in register", .body = off_reg, .setup = inc_setup,
	  .verify = inc_verify, .needs_rseq = 1 },
	{ .name = "+ lazy arm", .body = lazy, .setup = inc_setup, .verify = inc_verify,
	  .needs_rseq = 1 },
	{ .name = "no cpu check (unsafe)", .body = nocheck, .setup = inc_setup,
	  .needs_rseq = 1 },	/* not verified: it may lose increments */
};

static struct bench_group group = {
	"increment-variants", "per-thread plain add", cases,
	(int)(sizeof(cases) / sizeof(cases[0])), NULL,
};

int main(int argc, char **argv)
{
	struct bench_opts o;

	if (bench_init(&o, argc, argv))
		return 2;
	bench_run_group(&o, &group);
	return bench_finish(&o);
}

