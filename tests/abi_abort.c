/* SPDX-License-Identifier: MIT */
/*
 * abi_abort - the kernel aborts a critical section (Linux 4.18) when the
 * thread is preempted, when a signal is delivered to it, and when it
 * migrates to another CPU.  The section (tests/abi_common.c) spins inside
 * [start, post-commit): only the kernel can move it to its abort handler.
 * Uses the registration of the mode (the C library's, or rseqkit's own).
 *
 *  preemption: 3 threads pinned on every allowed CPU spin in sections;
 *              the aborts are counted, at least one is required.
 *  signal:     a thread spins "forever"; signals from another thread must
 *              end each spin in the abort handler, and the handler must see
 *              the abort address as the interrupted pc, never the section.
 *  migration:  sched_setaffinity() from another thread moves the spinning
 *              thread; its section must abort, and on the new CPU cpu_id
 *              must name that CPU.
 */
#include "harness.h"
#include "abi_common.c"
#include <setjmp.h>
#include <time.h>
#include <rseqkit/rseq.h>

#if ABI_HAVE_CS
static struct rseq_abi_cs cs_ok;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void register_or_die(void)
{
	if (rseq_register_current_thread()) {
		fprintf(stderr, "rseq_register_current_thread: %s (%s)\n",
			strerror(errno), rseq_error_reason());
		CHECK(0);
	}
}

/* ------------------------------------------------------------ preemption */

#define PREEMPT_THREADS_PER_CPU	3
#define MAX_THREADS		(PREEMPT_THREADS_PER_CPU * 64)

static int allowed[64], nallowed;
static unsigned long preempt_aborts, preempt_commits;
static double preempt_deadline;
static unsigned long preempt_target;

static void *preempt_thread(void *arg)
{
	int cpu = (int)(intptr_t)arg;
	unsigned long a = 0, c = 0;

	abi_pin_self(cpu);
	register_or_die();
	while (now_s() < preempt_deadline &&
	       __atomic_load_n(&preempt_aborts, __ATOMIC_RELAXED) < preempt_target) {
		for (int i = 0; i < 16; i++) {
			if (abi_cs_spin(rseq_get_abi(), &cs_ok, 200000))
				a++;
			else
				c++;
		}
		__atomic_fetch_add(&preempt_aborts, a, __ATOMIC_RELAXED);
		__atomic_fetch_add(&preempt_commits, c, __ATOMIC_RELAXED);
		a = c = 0;
	}
	rseq_unregister_current_thread();
	return NULL;
}

static void test_preemption(void)
{
	pthread_t th[MAX_THREADS];
	int n = 0;

	preempt_deadline = now_s() + 3.0 * (double)test_scale(1);
	preempt_target = test_scale(200);
	for (int i = 0; i < nallowed && n + PREEMPT_THREADS_PER_CPU <= MAX_THREADS; i++)
		for (int k = 0; k < PREEMPT_THREADS_PER_CPU; k++)
			if (pthread_create(&th[n], NULL, preempt_thread,
					   (void *)(intptr_t)allowed[i]) == 0)
				n++;
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("preemption: %d threads on %d CPUs: %lu aborts, %lu commits\n",
	       n, nallowed, preempt_aborts, preempt_commits);
	CHECK_MSG(preempt_aborts > 0, "no critical section was aborted by preemption");
}

/* ---------------------------------------------------------------- signal */

#define SIGNAL_ROUNDS	20
#define SIGNAL_MAX_ROUNDS	400

static volatile sig_atomic_t sig_inside, sig_at_abort, sig_other;
static sigjmp_buf sig_bail;
static volatile sig_atomic_t sig_bail_armed;
static volatile int sig_done, sig_spinning;
static volatile pid_t spinner_tid;

static void on_sigusr1(int sig, siginfo_t *si, void *uc)
{
	uintptr_t pc = abi_ucontext_pc(uc);

	(void)sig; (void)si;
	if (pc >= (uintptr_t)abi_cs_start && pc < (uintptr_t)abi_cs_end) {
		/* The kernel let the section run on: never ends by itself. */
		if (++sig_inside >= 5 && sig_bail_armed)
			siglongjmp(sig_bail, 1);
	} else if (pc == (uintptr_t)abi_cs_abort) {
		sig_at_abort++;
	} else {
		sig_other++;
	}
}

static void *signal_spinner(void *arg)
{
	volatile unsigned long aborts = 0, bailed = 0;
	volatile int rounds;

	(void)arg;
	spinner_tid = (pid_t)syscall(SYS_gettid);
	register_or_die();
	if (nallowed > 1)
		abi_pin_self(allowed[0]);	/* the sender runs on another CPU */
	for (rounds = 0; rounds < SIGNAL_MAX_ROUNDS &&
			 (rounds < SIGNAL_ROUNDS || sig_at_abort < 5); rounds++) {
		if (sigsetjmp(sig_bail, 1)) {
			bailed++;
			sig_bail_armed = 0;
			continue;
		}
		sig_bail_armed = 1;
		__atomic_store_n(&sig_spinning, 1, __ATOMIC_RELEASE);
		if (abi_cs_spin(rseq_get_abi(), &cs_ok, ABI_SPIN_FOREVER) == 1)
			aborts++;
		sig_bail_armed = 0;
	}
	__atomic_store_n(&sig_done, 1, __ATOMIC_RELEASE);
	printf("signal: %d rounds: %lu aborted, %lu not aborted; handler saw pc at abort %d, "
	       "inside %d, elsewhere %d\n", rounds, aborts, bailed,
	       (int)sig_at_abort, (int)sig_inside, (int)sig_other);
	CHECK_EQ(aborts, rounds);
	CHECK_EQ(bailed, 0);
	CHECK_EQ(sig_inside, 0);
	/* Some aborts may be preemptions; the signals' own are seen here. */
	CHECK(sig_at_abort > 0);
	rseq_unregister_current_thread();
	return NULL;
}

static void test_signal(void)
{
	struct sigaction sa;
	pthread_t th;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigusr1;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	if (pthread_create(&th, NULL, signal_spinner, NULL)) {
		CHECK(0);
		return;
	}
	if (nallowed > 1)
		abi_pin_self(allowed[1]);
	while (!__atomic_load_n(&sig_spinning, __ATOMIC_ACQUIRE))
		usleep(100);
	while (!__atomic_load_n(&sig_done, __ATOMIC_ACQUIRE)) {
		pthread_kill(th, SIGUSR1);
		usleep(2000);
	}
	pthread_join(th, NULL);
	{
		cpu_set_t set;

		CPU_ZERO(&set);
		for (int i = 0; i < nallowed; i++)
			CPU_SET(allowed[i], &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
}

/* ------------------------------------------------------------- migration */

#define MIGRATE_ROUNDS	10

static volatile int mig_round = -1, mig_returned = -1;
static volatile int mig_cpu_after[MIGRATE_ROUNDS], mig_getcpu_after[MIGRATE_ROUNDS];
static volatile int mig_result[MIGRATE_ROUNDS];
static volatile int mig_stop;

static void on_sigusr2(int sig)
{
	(void)sig;	/* only interrupts (and so aborts) a stuck spin */
}

static void *migrate_spinner(void *arg)
{
	(void)arg;
	spinner_tid = (pid_t)syscall(SYS_gettid);
	abi_pin_self(allowed[0]);
	register_or_die();
	for (int i = 0; i < MIGRATE_ROUNDS && !mig_stop; i++) {
		unsigned int c = 0;

		int target = allowed[(i + 1) % 2], r;

		__atomic_store_n(&mig_round, i, __ATOMIC_RELEASE);
		/*
		 * A preemption on the old CPU (the controller waking up there)
		 * aborts too: spin again until the thread is on the target.
		 */
		do
			r = abi_cs_spin(rseq_get_abi(), &cs_ok, ABI_SPIN_FOREVER);
		while (r == 1 && (int)rseq_get_abi()->cpu_id != target && !mig_stop);
		mig_result[i] = r;
		mig_cpu_after[i] = (int)rseq_get_abi()->cpu_id;
		abi_getcpu(&c, NULL);
		mig_getcpu_after[i] = (int)c;
		__atomic_store_n(&mig_returned, i, __ATOMIC_RELEASE);
	}
	rseq_unregister_current_thread();
	return NULL;
}

static void test_migration(void)
{
	struct sigaction sa;
	pthread_t th;
	int migrated = 0, bailed = 0;

	if (nallowed < 2) {
		printf("note: migration part skipped: only %d CPU allowed\n", nallowed);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr2;
	sigaction(SIGUSR2, &sa, NULL);
	spinner_tid = 0;
	if (pthread_create(&th, NULL, migrate_spinner, NULL)) {
		CHECK(0);
		return;
	}
	for (int i = 0; i < MIGRATE_ROUNDS; i++) {
		int target = allowed[(i + 1) % 2];
		cpu_set_t set;
		double t0;

		while (__atomic_load_n(&mig_round, __ATOMIC_ACQUIRE) < i || !spinner_tid)
			usleep(100);
		usleep(3000);	/* let it enter the section */
		CPU_ZERO(&set);
		CPU_SET(target, &set);
		CHECK_MSG(sched_setaffinity(spinner_tid, sizeof(set), &set) == 0,
			  "sched_setaffinity(%d): %s", (int)spinner_tid, strerror(errno));
		t0 = now_s();
		while (__atomic_load_n(&mig_returned, __ATOMIC_ACQUIRE) < i &&
		       now_s() - t0 < 2.0 * (double)test_scale(1))
			usleep(200);
		if (__atomic_load_n(&mig_returned, __ATOMIC_ACQUIRE) < i) {
			/* Not aborted by the migration: end the spin with a signal. */
			bailed++;
			mig_stop = 1;
			while (__atomic_load_n(&mig_returned, __ATOMIC_ACQUIRE) < i) {
				pthread_kill(th, SIGUSR2);
				usleep(1000);
			}
			mig_stop = 0;
			continue;
		}
		if (mig_result[i] == 1) {
			migrated++;
			CHECK_MSG(mig_cpu_after[i] == target && mig_getcpu_after[i] == target,
				  "after migrating to CPU %d: cpu_id %d, getcpu %d", target,
				  mig_cpu_after[i], mig_getcpu_after[i]);
		}
	}
	pthread_join(th, NULL);
	printf("migration: %d rounds: %d aborted by the move, %d needed a signal\n",
	       MIGRATE_ROUNDS, migrated, bailed);
	CHECK_MSG(migrated > 0, "no critical section was aborted by a migration");
}
#endif /* ABI_HAVE_CS */

int main(void)
{
	abi_require_rseq("abort on preemption, signal and migration", "4.18");
#if !ABI_HAVE_CS
	test_skip("abort on preemption, signal and migration (Linux 4.18): %s", ABI_CS_SKIP_REASON);
#else
	if (rseq_register_current_thread())
		test_skip("abort tests (Linux 4.18): no registration in mode %s: %s",
			  test_mode(), rseq_error_reason());
	rseq_unregister_current_thread();
	abi_cs_init(&cs_ok);
	nallowed = abi_allowed_cpus(allowed, 64);
	printf("kernel %s, %d CPUs allowed, registration owner %d, %u bytes\n", abi_release(),
	       nallowed, (int)rseq_registration_owner(), rseq_registration_size());
	test_signal();
	test_migration();
	test_preemption();
	return test_done();
#endif
}
