/* SPDX-License-Identifier: MIT */
/*
 * tests/bad_input/bi.h - the harness of the bad-input table
 * (tests/bad_input/main.c): every public out-of-line function of
 * src/librseqkit.map called with boundary values, each case in its own
 * child process under a time limit.
 *
 * An area's file adds its cases with BI() from its bi_<area>_cases()
 * function.  A case names the function it calls (the source name; the
 * table checks that every exported symbol has a case), the case function
 * that calls it, the outcome it wants and its arguments:
 *
 *	BI(rseq_percpu_fifo_create, fifo_create, EINVAL, "u=rec_size v=capacity",
 *	   .u = BI_P(61), .v = 8);
 *
 * The case function runs in the child: it calls, checks the result with
 * bi_ptr()/bi_int() (the errno and rseq_error_reason() of a failure, or a
 * success where one is wanted), then checks that what was created works
 * for its documented use.  It returns NULL when the case passes, else
 * what went wrong (bi_fail() formats it).  A signal, a hang (the parent
 * kills the child after BI_TIMEOUT_S) or an exit without a verdict fails
 * the case too.
 */
#ifndef RSEQKIT_TESTS_BI_H
#define RSEQKIT_TESTS_BI_H

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What a case wants: 0 (success), an errno value, or: */
#define BI_OK_NOMEM	(-1)	/* success, or ENOMEM where memory lacks here */
#define BI_EINVAL_NOMEM	(-2)	/* refused: EINVAL or ENOMEM */
#define BI_ANY		(-3)	/* any documented outcome: the case checks */

/* Flags of a case. */
#define BI_OWN		0x1u	/* rseqkit registers (glibc's registration off) */
#define BI_NORSEQ	0x2u	/* rseq(2) denied (tests/helpers/no-rseq) */
#define BI_NOMB		0x4u	/* RSEQKIT_PERCPU_NO_MEMBARRIER=1: atomic mode */
#define BI_NULL_OK	0x8u	/* NULL is documented as allowed here */
#define BI_LEGACY	0x10u	/* with BI_OWN: RSEQKIT_REG_SIZE=legacy */

#define BI_TIMEOUT_S	10

/* 2^n as a size, and the edges every size argument is tried with. */
#define BI_P(n)		((uint64_t)1 << (n))

struct bi_case {
	const char *fn;		/* the source name called */
	const char *sym;	/* its exported name (rseqkit_...) */
	const char *(*run)(const struct bi_case *c);
	int want;
	unsigned int flags;
	uint64_t u, v;		/* sizes, counts */
	long long i, j;		/* ints: CPUs, modes, fds */
	const char *s;		/* strings: CPU lists */
	const void *p;		/* a case-specific pointer argument */
	char args[160];		/* "name=value ..." for the report */
	double secs;		/* how long its process took */
};

struct bi_args {
	uint64_t u, v;
	long long i, j;
	const char *s;
	const void *p;
	unsigned int flags;
};

void bi_add(const char *fn, const void *addr, const char *(*run)(const struct bi_case *),
	    int want, const char *names, struct bi_args a);
#define BI(fn, run, want, names, ...)					\
	bi_add(#fn, (const void *)(uintptr_t)&(fn), run, want, names,	\
	       (struct bi_args){ __VA_ARGS__ })

/*
 * The size edges: 0, 1, small ones, the powers of two around each
 * limit the library has (2^20, 2^24, 2^31, 2^36, 2^40), 2^58 .. 2^63,
 * SIZE_MAX - k (those a size_t holds).
 */
extern size_t bi_sizes[];
extern size_t bi_nr_sizes;
/* The int edges, with the CPU count around nr (nr - 1, nr, nr + 1). */
size_t bi_ints(long long nr, long long *out);
#define BI_NR_INTS	14

/* The machine: possible CPUs (what the structures size themselves by). */
extern int bi_nr_cpus;

/* Outcome checks: NULL when the result is what c wants. */
const char *bi_ptr(const struct bi_case *c, const void *p);
const char *bi_int(const struct bi_case *c, long long r);
/* A failure message (a static buffer: one per case process). */
const char *bi_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same as bi_fail(), adding errno and the reason. */
const char *bi_fail_errno(const char *what);

/* The areas' case lists. */
void bi_core_cases(void);
void bi_pool_cases(void);
void bi_percpu_cases(void);
void bi_ringbuf_cases(void);

#endif
