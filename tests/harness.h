/* SPDX-License-Identifier: MIT */
/*
 * tests/harness.h - the minimal test harness every test program uses.
 *
 * A test program counts its assertions with CHECK()/CHECK_EQ(), may skip
 * with test_skip("reason"), and ends with test_done(), which prints
 * "N passed, N failed" and returns the exit status: 0 all passed,
 * 1 something failed, 77 skipped (the runner's convention, as automake's).
 *
 * The registration mode the runner selected is in RSEQKIT_TEST_MODE:
 *   glibc - the C library registered rseq (the default on glibc >= 2.35)
 *   own   - GLIBC_TUNABLES=glibc.pthread.rseq=0: rseqkit registers its own
 *   none  - a seccomp filter makes rseq(2) fail with ENOSYS: rseq must be
 *           reported unavailable and nothing may hang
 *   valgrind - under valgrind, which also makes rseq(2) fail with ENOSYS
 */
#ifndef RSEQKIT_TESTS_HARNESS_H
#define RSEQKIT_TESTS_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stdarg.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

static unsigned long test_passed, test_failed;

#define CHECK(cond) test_check(!!(cond), __FILE__, __LINE__, "%s", #cond)
#define CHECK_MSG(cond, ...) test_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_EQ(a, b) do {						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	test_check(__a == __b, __FILE__, __LINE__,			\
		   "%s == %s (%lld vs %lld)", #a, #b, __a, __b);	\
} while (0)

__attribute__((format(printf, 4, 5), unused))
static int test_check(int ok, const char *file, int line, const char *fmt, ...)
{
	if (ok) {
		__atomic_fetch_add(&test_passed, 1, __ATOMIC_RELAXED);
		return 1;
	}
	__atomic_fetch_add(&test_failed, 1, __ATOMIC_RELAXED);
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "FAIL %s:%d: ", file, line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 0;
}

/* The registration mode chosen by the runner (see above). */
__attribute__((unused))
static const char *test_mode(void)
{
	const char *m = getenv("RSEQKIT_TEST_MODE");
	return m && *m ? m : "glibc";
}

/* True when the runner made rseq(2) unavailable on purpose. */
__attribute__((unused))
static int test_expect_unavailable(void)
{
	const char *m = test_mode();
	return !strcmp(m, "none") || !strcmp(m, "valgrind");
}

/* Scale factor for loop counts: RSEQKIT_TEST_SCALE (default 1). */
__attribute__((unused))
static unsigned long test_scale(unsigned long n)
{
	const char *s = getenv("RSEQKIT_TEST_SCALE");
	double f = s ? atof(s) : 1.0;
	unsigned long r;

	if (f <= 0)
		f = 1.0;
	r = (unsigned long)((double)n * f);
	return r ? r : 1;
}

/* Handle signal sig with handler (SA_RESTART, nothing blocked). */
__attribute__((unused))
static void test_on_signal(int sig, void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(sig, &sa, NULL);
}

/*
 * Wait for child pid and check that it exited with status 0 (what and n
 * name it in the failure): 1 when it did.
 */
__attribute__((unused))
static int test_check_child(pid_t pid, const char *what, int n)
{
	int st;

	if (!CHECK(waitpid(pid, &st, 0) == pid))
		return 0;
	return CHECK_MSG(WIFEXITED(st) && !WEXITSTATUS(st), "%s %d: the child %s %d", what, n,
			 WIFEXITED(st) ? "exited with" : "was killed by signal",
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

/*
 * The operations this run verified (one increment, lock/unlock pair,
 * push, pop, alloc or free whose effect the test accounted for), in the
 * line 'make check-soak' (tests/soak.sh) adds up.  Print it only when
 * every check of those operations passed.
 */
__attribute__((unused))
static void test_verified_ops(unsigned long long n)
{
	printf("VERIFIED-OPS %llu\n", n);
	fflush(stdout);
}

__attribute__((noreturn, format(printf, 1, 2), unused))
static void test_skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("SKIP: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	printf("%lu passed, %lu failed, 1 skipped\n", test_passed, test_failed);
	fflush(stdout);
	exit(test_failed ? 1 : 77);
}

__attribute__((unused))
static int test_done(void)
{
	printf("%lu passed, %lu failed\n", test_passed, test_failed);
	fflush(stdout);
	if (test_failed)
		return 1;
	return test_passed ? 0 : 1;	/* a test that asserted nothing failed */
}

#endif
