/* SPDX-License-Identifier: MIT */
/*
 * abi_lifecycle - what happens to a registration across fork, clone and
 * execve (Linux 4.18), with raw areas (the program re-executes itself with
 * GLIBC_TUNABLES=glibc.pthread.rseq=0 when the C library registered it):
 *
 *  - fork(): the child keeps the registration (the identical registration
 *    gives EBUSY there, and cpu_id is valid);
 *  - clone(CLONE_VM) without CLONE_THREAD, vfork() and pthreads: the new
 *    task starts unregistered (registering another area succeeds);
 *  - execve(): the new image starts unregistered.
 *
 * Before that, in the registration mode of the run: with the C library
 * owning registration every new pthread is registered before it runs;
 * with rseqkit's own area a new thread reads cpu_id -1 (uninitialized)
 * until it registers, registration nests (a count), and the last
 * unregistration sets cpu_id back to -1.
 */
#include "harness.h"
#include "abi_common.c"
#include <rseqkit/rseq.h>

#define SIG	ABI_SIG

static union {
	struct rseq_abi abi;
	char bytes[64];
} area_a __attribute__((aligned(64))), area_b __attribute__((aligned(64)));

/* ------------------------------------------------- library registration */

static void *lib_thread(void *arg)
{
	enum rseq_owner owner = *(enum rseq_owner *)arg;

	if (owner == RSEQ_OWNER_LIBC) {
		CHECK_MSG(rseq_current_cpu_raw() >= 0,
			  "glibc-owned: a new thread's cpu_id is %d before any call",
			  rseq_current_cpu_raw());
		CHECK_EQ(rseq_register_current_thread(), 0);
		CHECK_EQ(rseq_unregister_current_thread(), 0);
		CHECK(rseq_current_cpu_raw() >= 0);	/* glibc keeps it */
		return NULL;
	}
	CHECK_EQ(rseq_current_cpu_raw(), RSEQ_ABI_CPU_ID_UNINITIALIZED);
	CHECK_EQ(rseq_register_current_thread(), 0);
	CHECK((int)rseq_current_cpu_raw() == sched_getcpu());
	CHECK_EQ(rseq_register_current_thread(), 0);	/* nested */
	CHECK_EQ(rseq_unregister_current_thread(), 0);
	CHECK_MSG(rseq_current_cpu_raw() >= 0, "still registered after 1 of 2 unregistrations");
	CHECK_EQ(rseq_unregister_current_thread(), 0);
	CHECK_EQ(rseq_current_cpu_raw(), RSEQ_ABI_CPU_ID_UNINITIALIZED);
	errno = 0;
	CHECK_EQ(rseq_unregister_current_thread(), -1);
	CHECK_EQ(errno, EINVAL);
	/* Registration works again after that. */
	CHECK_EQ(rseq_register_current_thread(), 0);
	CHECK(rseq_current_cpu_raw() >= 0);
	CHECK_EQ(rseq_unregister_current_thread(), 0);
	return NULL;
}

static void test_library_threads(void)
{
	enum rseq_owner owner = rseq_registration_owner();
	pthread_t th;

	if (owner == RSEQ_OWNER_NONE) {
		printf("note: no registration owner in mode %s\n", test_mode());
		return;
	}
	printf("registration owner: %s\n", owner == RSEQ_OWNER_LIBC ? "C library" : "rseqkit");
	CHECK(pthread_create(&th, NULL, lib_thread, &owner) == 0);
	pthread_join(th, NULL);
}

/* ------------------------------------------------------------ raw parts */

static int child_fork(void *arg)
{
	(void)arg;
	if ((int32_t)area_a.abi.cpu_id < 0)
		return 2;
	if (abi_sys_rseq(&area_a.abi, 32, 0, SIG) != -1 || errno != EBUSY)
		return 3;	/* not the inherited identical registration */
	if (abi_sys_rseq(&area_b.abi, 32, 0, SIG) != -1 || errno != EINVAL)
		return 4;
	return 0;
}

static volatile int clone_result = -1;

static int clone_fn(void *arg)
{
	(void)arg;
	/* No CLONE_SETTLS: stay away from libc state beyond syscall(). */
	if (abi_sys_rseq(&area_b.abi, 32, 0, SIG) != 0) {
		clone_result = 10 + errno;
		return 1;
	}
	clone_result = (int32_t)area_b.abi.cpu_id >= 0 ? 0 : 5;
	abi_sys_rseq(&area_b.abi, 32, RSEQ_ABI_FLAG_UNREGISTER, SIG);
	return 0;
}

static void test_clone_vm(void)
{
	static char stack[64 * 1024] __attribute__((aligned(64)));
	int st = 0;
	pid_t pid;

	clone_result = -1;
	pid = clone(clone_fn, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL);
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	CHECK_MSG(clone_result == 0,
		  "clone(CLONE_VM) child: registering its own area gave %d (0 = it started "
		  "unregistered; 10+errno = registration refused, EINVAL = inherited)",
		  clone_result);
	/* The parent's registration is untouched. */
	CHECK_EQ(abi_sys_rseq(&area_a.abi, 32, 0, SIG), -1);
	CHECK_EQ(errno, EBUSY);
}

static void test_vfork(void)
{
	volatile int r = -1;
	pid_t pid;
	int st;

	pid = vfork();
	if (pid == 0) {
		if (abi_sys_rseq(&area_b.abi, 32, 0, SIG) == 0)
			r = 0;
		else
			r = 10 + errno;
		_exit(0);
	}
	CHECK(pid > 0);
	if (pid > 0)
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	CHECK_MSG(r == 0, "vfork child: registering its own area gave %d", r);
	CHECK_EQ(abi_sys_rseq(&area_a.abi, 32, 0, SIG), -1);
	CHECK_EQ(errno, EBUSY);
}

static void *raw_thread(void *arg)
{
	static __thread struct rseq_abi t_area __attribute__((aligned(32)));

	(void)arg;
	CHECK_EQ(abi_sys_rseq(&t_area, 32, 0, SIG), 0);
	CHECK((int32_t)t_area.cpu_id >= 0);
	CHECK_EQ(abi_sys_rseq(&t_area, 32, RSEQ_ABI_FLAG_UNREGISTER, SIG), 0);
	return NULL;
}

static void test_exec(char **argv)
{
	pid_t pid;
	int st = 0;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *args[] = { argv[0], "--after-exec", NULL };

		execv("/proc/self/exe", args);
		_exit(100);
	}
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 100)
		test_skip("cannot execve /proc/self/exe");
	CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "after execve the new image must start unregistered: %s", abi_status_str(st));
}

/* The image run by test_exec(): registered before execve, not after. */
static int after_exec(void)
{
	if (abi_sys_rseq(&area_a.abi, 32, 0, SIG) != 0)
		return 10 + errno;
	if ((int32_t)area_a.abi.cpu_id < 0)
		return 2;
	abi_sys_rseq(&area_a.abi, 32, RSEQ_ABI_FLAG_UNREGISTER, SIG);
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t th;
	int st;

	if (argc > 1 && !strcmp(argv[1], "--after-exec"))
		return after_exec();
	abi_require_rseq("registration across fork, clone and execve", "4.18");
	if (!getenv(ABI_REEXEC_ENV))
		test_library_threads();
	abi_raw_mode(argv);

	CHECK_EQ(abi_sys_rseq(&area_a.abi, 32, 0, SIG), 0);
	CHECK((int32_t)area_a.abi.cpu_id >= 0);

	st = abi_in_child(child_fork, NULL);
	CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "fork child must keep the registration: %s", abi_status_str(st));
	test_clone_vm();
	test_vfork();
	CHECK(pthread_create(&th, NULL, raw_thread, NULL) == 0);
	pthread_join(th, NULL);
	test_exec(argv);

	CHECK_EQ(abi_sys_rseq(&area_a.abi, 32, RSEQ_ABI_FLAG_UNREGISTER, SIG), 0);
	return test_done();
}
