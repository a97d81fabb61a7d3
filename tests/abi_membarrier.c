/* SPDX-License-Identifier: MIT */
/*
 * abi_membarrier - membarrier(2) MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ
 * (Linux 5.10):
 *
 *  - MEMBARRIER_CMD_QUERY lists the RSEQ command and its registration;
 *  - the command fails with EPERM before the process registered for it,
 *    and with EINVAL for unknown flags; registration succeeds;
 *  - a fence targeted at one CPU (MEMBARRIER_CMD_FLAG_CPU) aborts the
 *    critical section a thread of the process is spinning in on that CPU
 *    (and so does a fence for all CPUs);
 *  - a CPU number that does not exist: the kernel has nothing to fence.
 *    The kernels read for this test (5.10 - 7.x membarrier.c) return 0
 *    there, not ENXIO; both are accepted and the answer is printed.
 */
#include "harness.h"
#include "abi_common.c"
#include <time.h>
#include <rseqkit/rseq.h>

#define CMD_QUERY		0
#define CMD_RSEQ		RSEQKIT_MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ
#define CMD_REGISTER_RSEQ	RSEQKIT_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ
#define FLAG_CPU		RSEQKIT_MEMBARRIER_CMD_FLAG_CPU

static long membarrier(int cmd, unsigned int flags, int cpu)
{
	return syscall(SYS_membarrier, cmd, flags, cpu);
}

#if ABI_HAVE_CS
#define ROUNDS	10

static struct rseq_abi_cs cs_ok;
static int allowed[64], nallowed;
static volatile int round_started = -1, round_done = -1, fence_round = -1;
static volatile int stop_spin;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

static void *spinner(void *arg)
{
	(void)arg;
	abi_pin_self(allowed[0]);
	if (rseq_register_current_thread()) {
		CHECK(0);
		__atomic_store_n(&round_done, ROUNDS, __ATOMIC_RELEASE);
		return NULL;
	}
	for (int i = 0; i < ROUNDS; i++) {
		__atomic_store_n(&round_started, i, __ATOMIC_RELEASE);
		/* Aborts before the fence (a stray preemption): spin again. */
		while (abi_cs_spin(rseq_get_abi(), &cs_ok, ABI_SPIN_FOREVER) == 1 &&
		       __atomic_load_n(&fence_round, __ATOMIC_ACQUIRE) < i && !stop_spin)
			;
		__atomic_store_n(&round_done, i, __ATOMIC_RELEASE);
	}
	rseq_unregister_current_thread();
	return NULL;
}

static void test_fence(void)
{
	struct sigaction sa;
	pthread_t th;
	int fenced = 0, bailed = 0;

	if (nallowed < 2) {
		printf("note: the targeted fence needs 2 CPUs (the fencing thread must not "
		       "preempt the spinner); %d allowed\n", nallowed);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sigaction(SIGUSR1, &sa, NULL);
	abi_pin_self(allowed[1]);
	if (pthread_create(&th, NULL, spinner, NULL)) {
		CHECK(0);
		return;
	}
	for (int i = 0; i < ROUNDS; i++) {
		int global = i == ROUNDS - 1;	/* last round: all CPUs */
		double t0;

		while (__atomic_load_n(&round_started, __ATOMIC_ACQUIRE) < i)
			usleep(100);
		usleep(2000);
		__atomic_store_n(&fence_round, i, __ATOMIC_RELEASE);
		if (global)
			CHECK_EQ(membarrier(CMD_RSEQ, 0, 0), 0);
		else
			CHECK_EQ(membarrier(CMD_RSEQ, FLAG_CPU, allowed[0]), 0);
		t0 = now_s();
		while (__atomic_load_n(&round_done, __ATOMIC_ACQUIRE) < i &&
		       now_s() - t0 < 2.0 * (double)test_scale(1))
			usleep(200);
		if (__atomic_load_n(&round_done, __ATOMIC_ACQUIRE) < i) {
			bailed++;
			stop_spin = 1;
			while (__atomic_load_n(&round_done, __ATOMIC_ACQUIRE) < i) {
				pthread_kill(th, SIGUSR1);
				usleep(1000);
			}
			stop_spin = 0;
		} else {
			fenced++;
		}
	}
	pthread_join(th, NULL);
	printf("fence: %d rounds: %d sections aborted by the fence, %d not\n", ROUNDS, fenced,
	       bailed);
	CHECK_MSG(fenced > 0, "no critical section was aborted by a membarrier RSEQ fence");
	CHECK_EQ(bailed, 0);
}
#endif

int main(void)
{
	long mask, r;
	int ncpus_conf = (int)sysconf(_SC_NPROCESSORS_CONF);

	abi_require_rseq("membarrier PRIVATE_EXPEDITED_RSEQ", "5.10");
	mask = membarrier(CMD_QUERY, 0, 0);
	if (mask < 0)
		test_skip("membarrier PRIVATE_EXPEDITED_RSEQ (Linux 5.10): membarrier(2) "
			  "unavailable: %s", strerror(errno));
	if (!(mask & CMD_RSEQ) || !(mask & CMD_REGISTER_RSEQ)) {
		if (abi_kernel_at_least(5, 10))
			printf("note: kernel %s >= 5.10 but the query mask 0x%lx lacks the RSEQ "
			       "commands (CONFIG_RSEQ off?)\n", abi_release(), mask);
		test_skip("membarrier PRIVATE_EXPEDITED_RSEQ (Linux 5.10): not offered by kernel %s "
			  "(query mask 0x%lx)", abi_release(), mask);
	}
	CHECK_MSG(abi_kernel_at_least(5, 10), "RSEQ membarrier on kernel %s < 5.10",
		  abi_release());

	errno = 0;
	r = membarrier(CMD_RSEQ, 0, 0);
	CHECK_MSG(r == -1 && errno == EPERM, "fence before registering: %ld errno %d", r, errno);
	errno = 0;
	r = membarrier(CMD_RSEQ, 2, 0);
	CHECK_MSG(r == -1 && errno == EINVAL, "unknown flag: %ld errno %d", r, errno);
	CHECK_EQ(membarrier(CMD_REGISTER_RSEQ, 0, 0), 0);
	CHECK_EQ(membarrier(CMD_REGISTER_RSEQ, 0, 0), 0);	/* idempotent */
	CHECK_EQ(membarrier(CMD_RSEQ, 0, 0), 0);
	CHECK_EQ(membarrier(CMD_RSEQ, FLAG_CPU, 0), 0);

	errno = 0;
	r = membarrier(CMD_RSEQ, FLAG_CPU, ncpus_conf + 100);
	CHECK_MSG(r == 0 || (r == -1 && errno == ENXIO),
		  "fence for absent CPU %d: %ld errno %d", ncpus_conf + 100, r, errno);
	printf("fence for absent CPU %d -> %s\n", ncpus_conf + 100,
	       r == 0 ? "0 (nothing to fence)" : strerror(errno));

#if !ABI_HAVE_CS
	printf("note: the abort-by-fence part is skipped: %s\n", ABI_CS_SKIP_REASON);
#else
	if (rseq_register_current_thread()) {
		printf("note: no registration in mode %s (%s): abort-by-fence skipped\n",
		       test_mode(), rseq_error_reason());
	} else {
		rseq_unregister_current_thread();
		abi_cs_init(&cs_ok);
		nallowed = abi_allowed_cpus(allowed, 64);
		test_fence();
	}
#endif
	return test_done();
}
