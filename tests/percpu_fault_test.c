/* SPDX-License-Identifier: MIT */
/*
 * percpu_fault_test - membarrier(2) denied in the middle of a run: a
 * seccomp filter (every thread, SECCOMP_FILTER_FLAG_TSYNC) makes it fail
 * with EPERM, then in another child with ENOSYS, after the structures
 * chose rseq mode and while threads use them.  Nothing may spin: each
 * operation that needs a fence (a claim: remote operations, threads
 * without rseq) returns -1 with that errno and a reason, at once; the
 * threads with rseq keep using every fast path; the counter and the
 * object cache keep working for every thread (their fallbacks need no
 * fence); and nothing is lost.  In atomic mode no fence is ever used:
 * everything must keep working.  Valid C++.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "harness.h"
#include <rseqkit/percpu/percpu.h>

static struct rseq_percpu_counter *ctr;
static struct rseq_percpu_stack *stk;
static struct rseq_percpu_buffer *buf;
static struct rseq_percpu_fifo *fifo;
static struct rseq_percpu_cache *cache;
static struct rseq_percpu_lock *lck;
static volatile int done;
static long adds[3], taken;
static struct rseq_percpu_node seed_nodes[8];
static int fails;

#define FCHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FAIL %s:%d: %s (errno %d: %s)\n", __FILE__, \
			__LINE__, #cond, errno, rseq_error_reason());	\
		__atomic_fetch_add(&fails, 1, __ATOMIC_RELAXED);	\
	}								\
} while (0)

/* Deny membarrier to every thread of the process, with 'err'. */
static int deny_membarrier(int err)
{
#if defined(SYS_membarrier) && defined(SECCOMP_FILTER_FLAG_TSYNC)
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_membarrier, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned int)err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { (unsigned short)(sizeof(filter) / sizeof(filter[0])), filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			    SECCOMP_FILTER_FLAG_TSYNC, &prog);
#else
	(void)err;
	errno = ENOSYS;
	return -1;
#endif
}

/* Threads 0 and 1 have rseq; thread 2 runs without it. */
static void *worker(void *arg)
{
	int id = (int)(long)arg;
	struct rseq_percpu_node *held = NULL;
	void *p;

	(void)rseq_register_current_thread();
	if (id == 2)
		rseq_percpu_thread_without_rseq(true);
	while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
		rseq_percpu_counter_inc(ctr);
		adds[id]++;
		p = rseq_percpu_cache_alloc(cache);
		FCHECK(p != NULL);
		rseq_percpu_cache_free(cache, p);
		if (!held)
			held = rseq_percpu_stack_pop(stk);
		if (held && rseq_percpu_stack_push(stk, held) >= 0) {
			held = NULL;
			continue;
		}
		if (!held)
			continue;	/* empty (another thread holds them) */
		/* With rseq, the fast paths need no fence: never here. */
		FCHECK(id == 2 && rseq_percpu_rseq_ok);
		FCHECK(errno == EPERM || errno == ENOSYS);
	}
	if (held && rseq_percpu_stack_push(stk, held) < 0) {
		/* Back to rseq: its paths need no fence. */
		rseq_percpu_thread_without_rseq(false);
		FCHECK(rseq_percpu_stack_push(stk, held) >= 0);
	}
	return NULL;
}

static void create_all(void)
{
	ctr = rseq_percpu_counter_create(NULL);
	stk = rseq_percpu_stack_create(NULL);
	buf = rseq_percpu_buffer_create(64, NULL);
	fifo = rseq_percpu_fifo_create(16, 8, NULL);
	cache = rseq_percpu_cache_create(64, NULL);
	lck = rseq_percpu_lock_create(NULL);
	FCHECK(ctr && stk && buf && fifo && cache && lck);
	for (int i = 0; i < 8; i++)
		FCHECK(rseq_percpu_stack_push(stk, &seed_nodes[i]) >= 0);
}

/* After the denial: what needs a fence fails with err, at once. */
static void remote_ops(int err)
{
	int fenced = rseq_percpu_rseq_ok;
	void *out[8];
	char rec[16];
	intptr_t t;

	errno = 0;
	if (fenced) {
		FCHECK(rseq_percpu_lock_cpu(lck, 0) == -1 && errno == err);
		FCHECK(rseq_percpu_stack_pop_all_cpu(stk, 0) == NULL && errno == err);
		FCHECK(rseq_percpu_buffer_drain_cpu(buf, 0, out, 8) == -1 && errno == err);
		FCHECK(rseq_percpu_fifo_pop_cpu(fifo, 0, rec) == -1 && errno == err);
		FCHECK(strlen(rseq_error_reason()) > 0);
	} else {
		FCHECK(rseq_percpu_lock_cpu(lck, 0) == 0);
		rseq_percpu_unlock(lck, 0);
		FCHECK(rseq_percpu_buffer_drain_cpu(buf, 0, out, 8) >= 0);
	}
	/* No fence: the counter's resets. */
	FCHECK(rseq_percpu_counter_read_reset(ctr, 0, &t) == 0);
	taken = t;	/* taken away: the sum no longer holds it */
}

static void run(int err)
{
	pthread_t tids[3];
	long total = 0;

	alarm(30);	/* a spin is a failure */
	(void)rseq_register_current_thread();
	create_all();
	for (long i = 0; i < 3; i++)
		pthread_create(&tids[i], NULL, worker, (void *)i);
	usleep(100000);
	if (deny_membarrier(err)) {
		printf("SKIP: cannot install a seccomp filter here: %s\n", strerror(errno));
		_exit(77);
	}
	usleep(200000);
	remote_ops(err);
	usleep(100000);
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 3; i++)
		pthread_join(tids[i], NULL);
	for (int i = 0; i < 3; i++)
		total += adds[i];
	FCHECK(rseq_percpu_counter_sum(ctr) + taken == total);
	printf("membarrier denied with %s in %s mode: counter %ld, remote operations %s\n",
	       err == EPERM ? "EPERM" : "ENOSYS", rseq_percpu_rseq_ok ? "rseq" : "atomic",
	       total, rseq_percpu_rseq_ok ? "failed at once with that errno" : "worked");
	fflush(stdout);
	_exit(fails ? 1 : 0);
}

int main(void)
{
	static const int errs[] = { EPERM, ENOSYS };

	if (!strcmp(test_mode(), "valgrind"))
		test_skip("valgrind does not run seccomp filters");
	rseq_percpu_init();
	for (int i = 0; i < 2; i++) {
		pid_t pid = fork();
		int st = 0;

		if (pid == 0)
			run(errs[i]);
		CHECK(pid > 0);
		CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
			test_skip("cannot install a seccomp filter in this environment");
		CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "errno %d: child %s %d", errs[i],
			  WIFEXITED(st) ? "exited with" : "killed by signal",
			  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	}
	return test_done();
}
