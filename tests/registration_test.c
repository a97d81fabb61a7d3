/* SPDX-License-Identifier: MIT */
/*
 * registration_test - the library's registration in each mode: the
 * start-up contract of rseq_size/rseq_offset/rseq_flags (before and after
 * the first registration), who owns it, ids against sched_getcpu() on
 * every allowed CPU, node_id and mm_cid plausibility, nesting and every
 * error path, the Linux 7.x selftests' helper (nolibc, legacy per call),
 * unregistration that lasts (the per-CPU structures' first-use
 * registration never undoes it), fork, exec, threads that exit
 * registered, and signal handlers running rseq code.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include "harness.h"
#include <rseqkit/selftests/rseq.h>
#include <rseqkit/percpu/counter.h>

/* glibc's registration, as the library sees it (weak: NULL elsewhere). */
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));
extern const unsigned int __rseq_flags __attribute__((weak));

static bool libc_registered(void)
{
	return &__rseq_size && __rseq_size;
}

/*
 * Whether rseqkit owns the registration: always in mode "own"; in mode
 * "glibc" too when this C library does not register rseq for the
 * architecture (glibc 2.36 does not on riscv, say).
 */
static bool own_mode(void)
{
	return !strcmp(test_mode(), "own") || !libc_registered();
}

static int sys_rseq(void *area, uint32_t len, int flags, uint32_t sig)
{
	return (int)syscall(RSEQKIT_NR_rseq, area, len, flags, sig);
}

static void test_owner_and_sizes(void)
{
	unsigned long fs = getauxval(RSEQKIT_AT_RSEQ_FEATURE_SIZE);
	const char *reg = getenv("RSEQKIT_REG_SIZE");

	CHECK(rseq_available());
	CHECK_EQ(rseq_feature_size, fs ? fs : 20);
	if (own_mode()) {
		CHECK_EQ(rseq_registration_owner(), RSEQ_OWNER_RSEQKIT);
		if (reg && !strcmp(reg, "legacy"))
			CHECK_EQ(rseq_registration_size(), 32);
		else
			CHECK(rseq_registration_size() >= (fs > 32 ? fs : 32));
	} else {
		CHECK_EQ(rseq_registration_owner(), RSEQ_OWNER_LIBC);
		CHECK(rseq_registration_size() >= 32);
	}
	if (!strcmp(test_mode(), "own"))
		CHECK(!libc_registered());
	/* The active feature set never exceeds what the kernel fills. */
	CHECK(rseq_size <= rseq_feature_size);
	CHECK(rseq_size >= 20);
	CHECK_EQ(rseq_mm_cid_available(), rseq_size >= 28);
	CHECK_EQ(rseq_node_id_available(), rseq_size >= 24);
}


/*
 * The active feature set rseq_size must read once a thread registered:
 * the registration size capped by the kernel's feature size; a 32-byte
 * registration stops before slice_ctrl (the kernel refuses it the
 * time-slice extension).  glibc 2.35-2.40 registers 32 bytes whatever its
 * __rseq_size says (20 or 32).
 */
static unsigned int expected_size(unsigned int reg_len)
{
	unsigned long fs = getauxval(RSEQKIT_AT_RSEQ_FEATURE_SIZE);
	unsigned int kfs = fs ? (unsigned int)fs : 20, size;

	size = reg_len < kfs ? reg_len : kfs;
	if (reg_len <= 32 && size > offsetof(struct rseq_abi, slice_ctrl))
		size = offsetof(struct rseq_abi, slice_ctrl);
	return size;
}

/*
 * Before this process registered anything (main() before its first call,
 * after the library's constructor): the kernel selftests' and librseq's
 * contract.
 */
static void test_startup_contract(void)
{
	int32_t cpu = rseq_current_cpu_raw();	/* rseq_offset is usable now */

	if (test_expect_unavailable() && !libc_registered()) {
		/* rseq unavailable: nothing is or will be active. */
		CHECK_EQ(rseq_size, 0);
		CHECK_EQ(rseq_flags, 0);
		CHECK_EQ(cpu, RSEQ_ABI_CPU_ID_UNINITIALIZED);
		return;
	}
	if (libc_registered()) {
		unsigned int gs = __rseq_size == 20 ? 32 : __rseq_size;

		/* The C library registered the main thread before main(). */
		CHECK_EQ(rseq_offset, __rseq_offset);
		CHECK_EQ(rseq_flags, __rseq_flags);
		CHECK_EQ(rseq_size, expected_size(gs));
		CHECK(cpu >= 0);
		printf("start-up (C library owns): rseq_size %u, rseq_flags %u, rseq_offset %td\n",
		       rseq_size, rseq_flags, rseq_offset);
		return;
	}
	/* rseqkit owns: offset and flags set, rseq_size 0 until a registration. */
	CHECK_EQ(rseq_size, 0);
	CHECK_EQ(rseq_flags, 0);
	CHECK_EQ(cpu, RSEQ_ABI_CPU_ID_UNINITIALIZED);
	/*
	 * rseq_offset is set (cpu above was read through it); it may be 0:
	 * with TLS variant 1 (riscv, ppc's and mips' biased pointers aside)
	 * the first TLS block can start at the thread pointer itself.
	 */
	printf("start-up (rseqkit owns): rseq_size %u before the first registration\n", rseq_size);
}

/* Right after main's first registration. */
static void test_size_after_first_registration(void)
{
	CHECK_EQ(rseq_size, expected_size(rseq_registration_size()));
	printf("after the first registration: rseq_size %u (registered %u bytes, "
	       "kernel feature size %u)\n", rseq_size, rseq_registration_size(),
	       rseq_feature_size);
}

/*
 * The first registration of the process may come from any thread, also
 * from the structures' first use: re-executed as a fresh process.
 */
static void *first_reg_thread(void *arg)
{
	struct rseq_percpu_counter *c = arg;

	if (c) {
		rseq_percpu_counter_add(c, 1);	/* registers on first use */
		return (void *)(intptr_t)(rseq_current_cpu_raw() >= 0);
	}
	if (rseq_register_current_thread())
		return NULL;
	rseq_unregister_current_thread();
	return (void *)1;
}

static int first_child(const char *how)
{
	struct rseq_percpu_counter *c = NULL;
	pthread_t t;
	void *r;

	CHECK_EQ(rseq_size, 0);
	if (!strcmp(how, "structure")) {
		c = rseq_percpu_counter_create(NULL);
		CHECK(c != NULL);
		CHECK_EQ(rseq_size, 0);		/* creating registers nothing */
	}
	CHECK(pthread_create(&t, NULL, first_reg_thread, c) == 0);
	pthread_join(t, &r);
	CHECK(r == (void *)1);
	CHECK_EQ(rseq_size, expected_size(rseq_registration_size()));
	CHECK_EQ(rseq_current_cpu_raw(), RSEQ_ABI_CPU_ID_UNINITIALIZED); /* main still not */
	if (c) {
		CHECK_EQ(rseq_percpu_counter_sum(c), 1);
		rseq_percpu_counter_destroy(c);
	}
	return test_failed ? 1 : 0;
}

static void test_first_registration_elsewhere(const char *self)
{
	static const char *const hows[] = { "thread", "structure" };

	if (!own_mode() || !strcmp(test_mode(), "glibc"))
		return;		/* (needs rseqkit owning from the start) */
	for (int i = 0; i < 2; i++) {
		pid_t pid = fork();
		int status;

		if (pid == 0) {
			execl("/proc/self/exe", self, "--first-child", hows[i], (char *)NULL);
			_exit(127);
		}
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			  "first registration by a %s: child status 0x%x", hows[i], status);
	}
}

/* ------------------------------------ the Linux 7.x selftests' helper */

static void *helper_thread(void *arg)
{
	struct rseq_abi *abi = rseq_get_abi();
	int *bad = arg;
	unsigned int full = rseq_registration_size();	/* the process's size */
	int r;

#define H_CHECK(c) do { if (!CHECK(c)) (*bad)++; } while (0)
	if (!own_mode()) {
		/* The C library owns: nolibc is refused as a value, not -1. */
		errno = 0;
		r = __rseq_register_current_thread(true, false);
		H_CHECK(r == -EBUSY);
		H_CHECK(errno == EBUSY);
		H_CHECK(strstr(rseq_error_reason(), "GLIBC_TUNABLES") != NULL);
		H_CHECK(__rseq_register_current_thread(true, true) == -EBUSY);
		/* ... and did not count: nothing to undo. */
		H_CHECK(rseq_unregister_current_thread() == -1 && errno == EINVAL);
		H_CHECK(__rseq_register_current_thread(false, true) == 0);
		H_CHECK(rseq_current_cpu_raw() >= 0);
		H_CHECK(rseq_unregister_current_thread() == 0);
		H_CHECK(rseq_current_cpu_raw() >= 0);	/* glibc keeps it */
		return NULL;
	}
	/* legacy: 32 bytes for this thread, whatever the process uses. */
	H_CHECK(__rseq_register_current_thread(true, true) == 0);
	H_CHECK(rseq_current_cpu_raw() >= 0);
	H_CHECK(rseq_registration_size() == 32);
	errno = 0;
	H_CHECK(sys_rseq(abi, 32, 0, RSEQ_SIG) == -1 && errno == EBUSY); /* identical */
	H_CHECK(__rseq_register_current_thread(false, true) == 0);	/* nests */
	H_CHECK(rseq_register_current_thread() == 0);			/* any size nests */
	if (full != 32)		/* not legacy: any registration of the thread will do */
		H_CHECK(__rseq_register_current_thread(true, false) == 0);
	for (int i = 0; i < (full != 32 ? 4 : 3); i++)
		H_CHECK(rseq_unregister_current_thread() == 0);
	H_CHECK(rseq_current_cpu_raw() == RSEQ_ABI_CPU_ID_UNINITIALIZED);
	H_CHECK(rseq_unregister_current_thread() == -1 && errno == EINVAL);

	/* Not legacy: the process's size; then legacy on top is refused. */
	H_CHECK(__rseq_register_current_thread(true, false) == 0);
	H_CHECK(rseq_registration_size() == full);
	if (full != 32) {
		errno = 0;
		r = __rseq_register_current_thread(false, true);
		H_CHECK(r == -EINVAL);
		H_CHECK(errno == EINVAL && *rseq_error_reason() != 0);
		H_CHECK(rseq_registration_size() == full);	/* unchanged */
	}
	H_CHECK(rseq_unregister_current_thread() == 0);
	H_CHECK(rseq_unregister_current_thread() == -1);	/* that was the only one */
	return NULL;
#undef H_CHECK
}

static void test_selftests_helper(void)
{
	pthread_t t;
	int bad = 0;

	CHECK(pthread_create(&t, NULL, helper_thread, &bad) == 0);
	pthread_join(t, NULL);
	CHECK_EQ(bad, 0);
}

/* ------------------------------ unregistration lasts (issue 8 item 5) */

static struct rseq_percpu_counter *sem_counter;
static long sem_adds;

static void sem_add(void)
{
	rseq_percpu_counter_add(sem_counter, 1);
	__atomic_fetch_add(&sem_adds, 1, __ATOMIC_RELAXED);
}

/* register, unregister, use a structure: stays unregistered */
static void *sem_explicit(void *arg)
{
	int *bad = arg;

#define S_CHECK(c) do { if (!CHECK(c)) (*bad)++; } while (0)
	S_CHECK(rseq_register_current_thread() == 0);
	sem_add();
	S_CHECK(rseq_unregister_current_thread() == 0);
	for (int i = 0; i < 100; i++)
		sem_add();
	if (own_mode()) {
		S_CHECK(rseq_current_cpu_raw() == RSEQ_ABI_CPU_ID_UNINITIALIZED);
		S_CHECK(!rseq_current_thread_registered());
	}
	errno = 0;
	S_CHECK(rseq_unregister_current_thread() == -1);	/* nothing left to undo */
	S_CHECK(errno == EINVAL);
	S_CHECK(strstr(rseq_error_reason(), "unbalanced") != NULL);
	/* ... and the count did not go below zero: one pair works again. */
	S_CHECK(rseq_register_current_thread() == 0);
	S_CHECK(rseq_current_thread_registered());
	sem_add();
	S_CHECK(rseq_unregister_current_thread() == 0);
	S_CHECK(rseq_unregister_current_thread() == -1);
	return NULL;
}

/* first use registers; an explicit unregister undoes it for good */
static void *sem_implicit(void *arg)
{
	int *bad = arg;

	sem_add();
	S_CHECK(rseq_current_thread_registered());
	if (own_mode()) {
		S_CHECK(rseq_unregister_current_thread() == 0);	/* undoes the first-use one */
		S_CHECK(rseq_current_cpu_raw() == RSEQ_ABI_CPU_ID_UNINITIALIZED);
		for (int i = 0; i < 100; i++)
			sem_add();
		S_CHECK(!rseq_current_thread_registered());
	}
	errno = 0;
	S_CHECK(rseq_unregister_current_thread() == -1 && errno == EINVAL);
	return NULL;
}

/* first use, then the caller's own pair: the pair takes it over */
static void *sem_takeover(void *arg)
{
	int *bad = arg;

	sem_add();
	S_CHECK(rseq_register_current_thread() == 0);
	S_CHECK(rseq_unregister_current_thread() == 0);
	if (own_mode())
		S_CHECK(!rseq_current_thread_registered());
	sem_add();
	if (own_mode())
		S_CHECK(!rseq_current_thread_registered());
	S_CHECK(rseq_unregister_current_thread() == -1);
	return NULL;
}

/* first use, then a per-call legacy registration: re-registered at 32 */
static void *sem_legacy_over_implicit(void *arg)
{
	int *bad = arg;
	unsigned int full = rseq_registration_size();

	sem_add();
	S_CHECK(rseq_registration_size() == full);
	S_CHECK(__rseq_register_current_thread(true, true) == 0);
	S_CHECK(rseq_registration_size() == 32);
	S_CHECK(rseq_current_thread_registered());
	S_CHECK(rseq_unregister_current_thread() == 0);
	S_CHECK(!rseq_current_thread_registered());
	return NULL;
#undef S_CHECK
}

static void test_unregister_lasts(void)
{
	void *(*fn[])(void *) = { sem_explicit, sem_implicit, sem_takeover,
				  sem_legacy_over_implicit };
	int n = own_mode() ? 4 : 3;

	sem_counter = rseq_percpu_counter_create(NULL);
	CHECK(sem_counter != NULL);
	if (!sem_counter)
		return;
	for (int i = 0; i < n; i++) {
		pthread_t t;
		int bad = 0;

		CHECK(pthread_create(&t, NULL, fn[i], &bad) == 0);
		pthread_join(t, NULL);
		CHECK_MSG(bad == 0, "registration semantics, case %d: %d checks failed", i, bad);
	}
	/* Nothing was lost, whichever path each add took. */
	CHECK_EQ(rseq_percpu_counter_sum(sem_counter), sem_adds);
	rseq_percpu_counter_destroy(sem_counter);
}

/* Ids agree with sched_getcpu() on every CPU this thread may run on. */
static void test_ids_every_cpu(void)
{
	cpu_set_t orig, one;
	int tested = 0;

	CHECK(sched_getaffinity(0, sizeof(orig), &orig) == 0);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &orig))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			continue;	/* offline meanwhile */
		sched_yield();
		CHECK_EQ(rseq_current_cpu_raw(), cpu);
		CHECK_EQ(rseq_cpu_start(), cpu);
		CHECK_EQ(rseq_current_cpu(), cpu);
		CHECK_EQ(sched_getcpu(), cpu);
		if (rseq_node_id_available()) {
			unsigned int c, node;

			CHECK(syscall(SYS_getcpu, &c, &node, NULL) == 0);
			CHECK_EQ(rseq_current_node_id(), node);
			CHECK_EQ(rseq_fallback_current_node(), node);
		}
		tested++;
	}
	CHECK(sched_setaffinity(0, sizeof(orig), &orig) == 0);
	CHECK(tested >= 1);
	printf("ids agree with sched_getcpu() on %d CPUs\n", tested);
}

/* mm_cid is dense: below the number of threads and of CPUs. */
#define MMCID_THREADS 5
static pthread_barrier_t mmcid_barrier;
static void *mmcid_thread(void *arg)
{
	uint32_t *out = arg;

	if (rseq_register_current_thread())
		return (void *)1;
	pthread_barrier_wait(&mmcid_barrier);
	*out = rseq_current_mm_cid();
	pthread_barrier_wait(&mmcid_barrier);
	rseq_unregister_current_thread();
	return NULL;
}

static void test_mm_cid(void)
{
	pthread_t t[MMCID_THREADS];
	uint32_t cid[MMCID_THREADS];
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);

	if (!rseq_mm_cid_available()) {
		printf("mm_cid not available (Linux < 6.3): not checked\n");
		return;
	}
	pthread_barrier_init(&mmcid_barrier, NULL, MMCID_THREADS);
	for (int i = 0; i < MMCID_THREADS; i++)
		pthread_create(&t[i], NULL, mmcid_thread, &cid[i]);
	for (int i = 0; i < MMCID_THREADS; i++) {
		void *r;

		pthread_join(t[i], &r);
		CHECK(r == NULL);
		/* main + MMCID_THREADS threads exist */
		CHECK_MSG(cid[i] < MMCID_THREADS + 1 && cid[i] < (uint32_t)ncpus,
			  "mm_cid %u with %d threads, %ld CPUs", cid[i],
			  MMCID_THREADS + 1, ncpus);
	}
	pthread_barrier_destroy(&mmcid_barrier);
	CHECK(rseq_current_mm_cid() < (uint32_t)ncpus);
}

/* Nesting is counted; unbalanced unregistration fails with EINVAL. */
static void test_nesting_and_errors(void)
{
	struct rseq_abi *abi = rseq_get_abi();
	uint32_t len = rseq_registration_size();

	CHECK_EQ(rseq_register_current_thread(), 0);
	CHECK_EQ(rseq_register_current_thread(), 0);
	CHECK_EQ(rseq_unregister_current_thread(), 0);
	CHECK(rseq_current_thread_registered());	/* still one level */
	CHECK_EQ(rseq_unregister_current_thread(), 0);	/* back to main's own level */
	CHECK(rseq_current_thread_registered());

	/* The kernel's answers for this thread's live registration. */
	errno = 0;
	CHECK_EQ(sys_rseq(abi, len, 0, RSEQ_SIG), -1);
	CHECK_EQ(errno, EBUSY);
	errno = 0;
	CHECK_EQ(sys_rseq(abi, len, 0, RSEQ_SIG + 1), -1);
	CHECK_EQ(errno, EPERM);
	errno = 0;
	CHECK_EQ(sys_rseq(abi, len, 4, RSEQ_SIG), -1);		/* unknown flag */
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK_EQ(sys_rseq(abi, len, RSEQ_ABI_FLAG_UNREGISTER, RSEQ_SIG + 1), -1);
	CHECK_EQ(errno, EPERM);
	CHECK(rseq_current_thread_registered());
}

/* A thread whose area another library registered: EINVAL with a reason. */
static struct rseq_abi foreign __attribute__((aligned(32)));
static void *foreign_thread(void *arg)
{
	int *ok = arg;

	memset(&foreign, 0, sizeof(foreign));
	foreign.cpu_id = (uint32_t)RSEQ_ABI_CPU_ID_UNINITIALIZED;
	if (sys_rseq(&foreign, 32, 0, RSEQ_SIG)) {
		*ok = -1;
		return NULL;
	}
	errno = 0;
	*ok = rseq_register_current_thread() == -1 && errno == EINVAL &&
	      strstr(rseq_error_reason(), "already") != NULL;
	errno = 0;
	CHECK_EQ(rseq_unregister_current_thread(), -1);	/* never registered */
	CHECK_EQ(errno, EINVAL);
	CHECK(sys_rseq(&foreign, 32, RSEQ_ABI_FLAG_UNREGISTER, RSEQ_SIG) == 0);
	return NULL;
}

static void test_foreign_registration(void)
{
	pthread_t t;
	int ok = 0;

	if (!own_mode()) {
		/* With glibc owning, unregister only counts (main's own level). */
		CHECK_EQ(rseq_unregister_current_thread(), 0);
		CHECK_EQ(rseq_register_current_thread(), 0);
		return;
	}
	pthread_create(&t, NULL, foreign_thread, &ok);
	pthread_join(t, NULL);
	CHECK_MSG(ok == 1, "register over a foreign area: %d", ok);
}

/* Threads exiting while registered are unregistered by the library. */
static void *exit_registered(void *arg)
{
	(void)arg;
	if (rseq_register_current_thread())
		return (void *)1;
	if (rseq_register_current_thread())	/* nested, never undone */
		return (void *)1;
	return rseq_current_thread_registered() ? NULL : (void *)1;
}

static void test_thread_exit(void)
{
	int bad = 0;

	for (int round = 0; round < 20; round++) {
		pthread_t t[10];

		for (int i = 0; i < 10; i++)
			pthread_create(&t[i], NULL, exit_registered, NULL);
		for (int i = 0; i < 10; i++) {
			void *r;

			pthread_join(t[i], &r);
			bad += r != NULL;
		}
		/* churn the memory those threads' TLS lived in */
		void *p = malloc(1 << 20);
		memset(p, 0xa5, 1 << 20);
		free(p);
	}
	CHECK_EQ(bad, 0);
}

/* fork(): the child keeps its registration. */
static void test_fork(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		intptr_t v = 0;
		int ok = rseq_current_thread_registered() &&
			 rseq_current_cpu_raw() == sched_getcpu();

		for (int tries = 0; tries < 1000; tries++)
			if (rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID, &v, 1,
				      rseq_cpu_start()) == 0)
				break;
		_exit(ok && v == 1 ? 0 : 1);
	}
	CHECK(pid > 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* exec: the new image starts with the C library's or no registration. */
static int exec_child(void)
{
	if (own_mode())
		CHECK_MSG(!rseq_current_thread_registered(),
			  "own mode: registered before registering after exec");
	CHECK_EQ(rseq_register_current_thread(), 0);
	CHECK(rseq_current_cpu_raw() == sched_getcpu());
	CHECK_EQ(rseq_unregister_current_thread(), 0);
	return test_failed ? 1 : 0;
}

static void test_exec(const char *self)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execl("/proc/self/exe", self, "--exec-child", (char *)NULL);
		_exit(127);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "exec child status 0x%x", status);
}

/* Signal handlers run critical sections while the thread runs others. */
static intptr_t sig_slots[4096], main_slots[4096];
static volatile long sig_count;
static void on_alarm(int sig)
{
	(void)sig;
	for (;;) {
		int cpu = rseq_cpu_start();

		if (rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID, &sig_slots[cpu], 1, cpu) == 0)
			break;
	}
	sig_count++;
}

static void test_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct itimerval it = { { 0, 100 }, { 0, 100 } };
	long n = (long)test_scale(20000000), sum_sig = 0, sum_main = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (long i = 0; i < n; i++) {
		for (;;) {
			int cpu = rseq_cpu_start();

			if (rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID,
				      &main_slots[cpu], 1, cpu) == 0)
				break;
		}
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	signal(SIGALRM, SIG_DFL);
	for (int i = 0; i < 4096; i++) {
		sum_sig += sig_slots[i];
		sum_main += main_slots[i];
	}
	CHECK_EQ(sum_main, n);
	CHECK_EQ(sum_sig, sig_count);
	printf("%ld signals ran rseq code during %ld increments\n", sig_count, n);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--exec-child")) {
		if (test_expect_unavailable())
			return 0;
		return exec_child();
	}
	if (argc > 2 && !strcmp(argv[1], "--first-child"))
		return first_child(argv[2]);

	test_startup_contract();
	if (rseq_register_current_thread()) {
		int err = errno;

		if (!test_expect_unavailable()) {
			CHECK_MSG(0, "registration failed: %s (%s)", strerror(err),
				  rseq_error_reason());
			return test_done();
		}
		/* rseq denied: reported unavailable, nothing registered. */
		CHECK(err == ENOSYS || err == EPERM);
		CHECK(!rseq_available());
		CHECK_EQ(rseq_registration_owner(), RSEQ_OWNER_NONE);
		CHECK_EQ(rseq_current_cpu_raw(), RSEQ_ABI_CPU_ID_REGISTRATION_FAILED);
		CHECK(rseq_current_cpu() == (uint32_t)sched_getcpu());
		CHECK_EQ(rseq_unregister_current_thread(), -1);
		CHECK_EQ(errno, EINVAL);
		/* Nothing became active; the selftests' helper says why as a value. */
		CHECK_EQ(rseq_size, 0);
		errno = 0;
		CHECK_EQ(__rseq_register_current_thread(false, false), -err);
		CHECK_EQ(errno, err);
		CHECK_EQ(__rseq_register_current_thread(true, true), -err);
		CHECK_EQ(rseq_current_cpu_raw(), RSEQ_ABI_CPU_ID_REGISTRATION_FAILED);
		CHECK_EQ(rseq_size, 0);
		printf("unavailable: %s\n", rseq_error_reason());
		return test_done();
	}
	CHECK(!test_expect_unavailable());

	test_size_after_first_registration();
	test_owner_and_sizes();
	test_selftests_helper();
	test_unregister_lasts();
	test_first_registration_elsewhere(argv[0]);
	test_ids_every_cpu();
	test_mm_cid();
	test_nesting_and_errors();
	test_foreign_registration();
	test_thread_exit();
	test_fork();
	test_exec(argv[0]);
	test_signal_handlers();

	CHECK_EQ(rseq_unregister_current_thread(), 0);
	if (own_mode()) {
		CHECK(!rseq_current_thread_registered());
		CHECK_EQ(rseq_current_cpu_raw(), RSEQ_ABI_CPU_ID_UNINITIALIZED);
		CHECK_EQ(rseq_unregister_current_thread(), -1);	/* double */
		CHECK_EQ(errno, EINVAL);
	}
	return test_done();
}
