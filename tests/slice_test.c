/* SPDX-License-Identifier: MIT */
/*
 * slice_test - the time-slice extension API (Linux 7.0,
 * CONFIG_RSEQ_SLICE_EXTENSION) of rseqkit/slice.h.
 *
 * Where it is unavailable (kernel before 7.0, built without it, a 32-byte
 * registration, rseq denied): rseq_slice_extension_available() is false,
 * rseq_slice_extension_enable() fails with errno and a reason, and the
 * test skips with that reason.  Before 7.0 rseq_slice_yield() must fail
 * with ENOSYS.
 *
 * Where it is available: enabling shows in the prctl and in the area's
 * flags; rseq_slice_yield() without a grant returns 0; then 3 threads per
 * allowed CPU, pinned, run short requested sections between longer
 * unrequested work, so the tick often finds a thread inside a request:
 * the grants are counted (at least one is required) and every yield
 * after a grant must succeed (return 0 or 1).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include "harness.h"
#include <rseqkit/slice.h>

static int kernel_at_least(int maj, int min)
{
	struct utsname u;
	int a = 0, b = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return 0;
	return a > maj || (a == maj && b >= min);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile unsigned long sink;

static void work(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		sink += i;
}

#define PER_CPU	3

static double deadline;
static unsigned long target;
static unsigned long grants, yielded, sections, yield_errors, setup_errors, leftovers;

static void *contender(void *arg)
{
	int cpu = (int)(intptr_t)arg;
	unsigned long g = 0, y = 0, s = 0;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	if (rseq_register_current_thread() || rseq_slice_extension_enable()) {
		fprintf(stderr, "thread setup: %s (%s)\n", strerror(errno), rseq_error_reason());
		__atomic_fetch_add(&setup_errors, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	while (now_s() < deadline && __atomic_load_n(&grants, __ATOMIC_RELAXED) < target) {
		for (int i = 0; i < 64; i++) {
			volatile struct rseq_abi *rs = rseq_get_abi();

			rseq_slice_request();
			work(300);			/* the short "locked" part */
			rseq_barrier();
			rs->slice_ctrl.request = 0;	/* rseq_slice_release(), counted */
			rseq_barrier();
			if (rs->slice_ctrl.granted) {
				int r = rseq_slice_yield();

				g++;
				if (r == 1)
					y++;
				else if (r != 0)
					__atomic_fetch_add(&yield_errors, 1, __ATOMIC_RELAXED);
				if (rs->slice_ctrl.granted || rs->slice_ctrl.request)
					__atomic_fetch_add(&leftovers, 1, __ATOMIC_RELAXED);
			}
			s++;
			work(3000);			/* unrequested work */
		}
		__atomic_fetch_add(&grants, g, __ATOMIC_RELAXED);
		__atomic_fetch_add(&yielded, y, __ATOMIC_RELAXED);
		__atomic_fetch_add(&sections, s, __ATOMIC_RELAXED);
		g = y = s = 0;
	}
	rseq_slice_extension_disable();
	rseq_unregister_current_thread();
	return NULL;
}

int main(void)
{
	cpu_set_t set;
	pthread_t th[PER_CPU * 64];
	int n = 0, cpus[64], ncpu = 0;

	(void)rseq_register_current_thread();
	if (!rseq_slice_extension_available()) {
		int err = errno;
		const char *why = rseq_error_reason();
		char reason[512];

		snprintf(reason, sizeof(reason), "%s", why);
		CHECK(*why != 0);
		errno = 0;
		CHECK_EQ(rseq_slice_extension_enable(), -1);
		CHECK_MSG(errno == err && (err == EOPNOTSUPP || err == ENOSYS || err == EINVAL),
			  "enable: errno %d (%s), available() said %d", errno, strerror(errno), err);
		if (!kernel_at_least(7, 0)) {
			errno = 0;
			CHECK_EQ(rseq_slice_yield(), -1);
			CHECK_EQ(errno, ENOSYS);
		}
		test_skip("time-slice extension (Linux 7.0) unavailable in mode %s: %s",
			  test_mode(), reason);
	}

	/* Enabling, as the kernel reports it. */
	CHECK_EQ(rseq_slice_extension_enable(), 0);
	CHECK_EQ(prctl(RSEQKIT_PR_RSEQ_SLICE_EXTENSION, RSEQKIT_PR_RSEQ_SLICE_EXTENSION_GET, 0, 0, 0),
		 RSEQKIT_PR_RSEQ_SLICE_EXT_ENABLE);
	CHECK(rseq_get_abi()->flags & RSEQKIT_ABI_FLAG_SLICE_EXT_ENABLED);
	CHECK_EQ(rseq_slice_yield(), 0);	/* no grant: nothing to give back */
	rseq_slice_request();
	CHECK_EQ(rseq_get_abi()->slice_ctrl.request, 1);
	CHECK(rseq_slice_release() >= 0);
	CHECK_EQ(rseq_get_abi()->slice_ctrl.request, 0);
	CHECK_EQ(rseq_slice_extension_disable(), 0);
	CHECK_EQ(prctl(RSEQKIT_PR_RSEQ_SLICE_EXTENSION, RSEQKIT_PR_RSEQ_SLICE_EXTENSION_GET, 0, 0, 0), 0);
	CHECK(!(rseq_get_abi()->flags & RSEQKIT_ABI_FLAG_SLICE_EXT_ENABLED));

	/* Grants under contention. */
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE && ncpu < 64; c++)
			if (CPU_ISSET(c, &set))
				cpus[ncpu++] = c;
	deadline = now_s() + 5.0 * (double)test_scale(1);
	target = test_scale(50);
	for (int i = 0; i < ncpu; i++)
		for (int k = 0; k < PER_CPU; k++)
			if (pthread_create(&th[n], NULL, contender, (void *)(intptr_t)cpus[i]) == 0)
				n++;
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("%d threads on %d CPUs: %lu requested sections, %lu grants, %lu yields within "
	       "the grant\n", n, ncpu, sections, grants, yielded);
	CHECK_EQ(setup_errors, 0);
	CHECK_EQ(yield_errors, 0);
	CHECK_EQ(leftovers, 0);
	CHECK_MSG(grants > 0, "no time-slice extension was granted under contention");
	rseq_unregister_current_thread();
	return test_done();
}
