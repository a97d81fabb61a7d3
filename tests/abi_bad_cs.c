/* SPDX-License-Identifier: MIT */
/*
 * abi_bad_cs - invalid critical-section descriptors end the thread with
 * SIGSEGV when the kernel evaluates them (Linux 4.18).  Each case runs in
 * a forked child (fork keeps the registration) that arms the descriptor,
 * spins inside the section and gets SIGALRM every 2 ms, so the kernel
 * must look at the descriptor before delivering the signal.
 *
 *  always (4.18+):  signature mismatch before abort_ip; abort_ip inside
 *                   [start, start + post_commit_offset); descriptor
 *                   unreadable; descriptor address outside user space.
 *  4.18 - 6.18, and 6.19+ with rseq_debug=1: version != 0;
 *                   start + post_commit_offset overflowing.
 *  6.1 - 6.18, and 6.19+ with rseq_debug=1: the deprecated
 *                   NO_RESTART_ON_* flags (before 6.1 they were honoured).
 *  From 6.19 the optimized exit path only checks that abort_ip is a user
 *  address preceded by the signature; the other rules are debug checks
 *  (boot parameter rseq_debug=1).  With the debug state unknown those
 *  cases accept both outcomes and print which one happened.
 *  A valid descriptor is the control: the child's section is aborted and
 *  it exits normally.
 */
#include "harness.h"
#include "abi_common.c"
#include <sys/mman.h>
#include <sys/time.h>
#include <rseqkit/rseq.h>

#if ABI_HAVE_CS
#define EXIT_ABORTED	11
#define EXIT_COMMITTED	12
#define EXIT_NO_EFFECT	10

static struct rseq_abi_cs desc;
static const struct rseq_abi_cs *desc_ptr;
static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	if (++alarms > 500)
		_exit(EXIT_NO_EFFECT);	/* the kernel never acted: give up */
}

static int child(void *arg)
{
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } };
	struct sigaction sa;
	int r;

	(void)arg;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	r = abi_cs_spin(rseq_get_abi(), desc_ptr, ABI_SPIN_FOREVER);
	return r == 1 ? EXIT_ABORTED : EXIT_COMMITTED;
}

enum expect { KILLED, ABORTED, EITHER };

static void run_case(const char *name, enum expect want)
{
	int st = abi_in_child(child, NULL);
	int killed = WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
	int aborted = WIFEXITED(st) && WEXITSTATUS(st) == EXIT_ABORTED;

	printf("%-44s -> %s%s\n", name, killed ? "SIGSEGV" : abi_status_str(st),
	       want == EITHER ? " (either accepted: see the debug note)" : "");
	switch (want) {
	case KILLED:
		CHECK_MSG(killed, "%s: want SIGSEGV, child %s", name, abi_status_str(st));
		break;
	case ABORTED:
		CHECK_MSG(aborted, "%s: want the section aborted, child %s", name,
			  abi_status_str(st));
		break;
	case EITHER:
		CHECK_MSG(killed || aborted, "%s: want SIGSEGV or an abort, child %s", name,
			  abi_status_str(st));
		break;
	}
}

static void set_valid(void)
{
	abi_cs_init(&desc);
	desc_ptr = &desc;
}
#endif

int main(void)
{
	abi_require_rseq("invalid descriptors", "4.18");
#if !ABI_HAVE_CS
	test_skip("invalid descriptors (Linux 4.18): %s", ABI_CS_SKIP_REASON);
#else
	if (rseq_register_current_thread())
		test_skip("invalid descriptors (Linux 4.18): no registration in mode %s: %s",
			  test_mode(), rseq_error_reason());

	int v619 = abi_kernel_at_least(6, 19);
	int dbg = abi_rseq_debug();
	/* Rules the 6.19+ fast path leaves to the debug checks. */
	enum expect strict = !v619 || dbg == 1 ? KILLED : dbg == 0 ? ABORTED : EITHER;

	printf("kernel %s, rseq debug %s\n", abi_release(),
	       dbg == 1 ? "on" : dbg == 0 ? "off" : "unknown");
	if (v619 && dbg != 1)
		printf("note: Linux 6.19+ without rseq_debug=1 checks only the abort address and "
		       "its signature on the fast path\n");

	set_valid();
	run_case("valid descriptor (control)", ABORTED);

	set_valid();
	desc.abort_ip = (uintptr_t)abi_cs_end;	/* preceded by code, not the signature */
	run_case("signature mismatch before abort_ip", KILLED);

	set_valid();
	desc.abort_ip = (uintptr_t)abi_cs_start;
	run_case("abort_ip inside the section", KILLED);

	{
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED) {
			munmap(p, 4096);
			desc_ptr = p;
			run_case("descriptor unreadable (unmapped)", KILLED);
		}
	}
	desc_ptr = (const struct rseq_abi_cs *)(~(uintptr_t)0 & ~(uintptr_t)4095);
	run_case("descriptor address outside user space", KILLED);

	set_valid();
	desc.version = 1;
	run_case("version 1", strict);

	set_valid();
	desc.post_commit_offset = UINT64_MAX - (uint64_t)desc.start_ip + 16;
	run_case("start_ip + post_commit_offset overflows", strict);

	if (abi_kernel_at_least(6, 1)) {
		static const char *names[3] = {
			"deprecated flag NO_RESTART_ON_PREEMPT",
			"deprecated flag NO_RESTART_ON_SIGNAL",
			"deprecated flag NO_RESTART_ON_MIGRATE",
		};
		for (int bit = 0; bit < 3; bit++) {
			set_valid();
			desc.flags = 1U << bit;
			run_case(names[bit], strict);
		}
	} else {
		printf("note: kernel %s < 6.1: the NO_RESTART_ON_* flags are still honoured, "
		       "their rejection is not checked\n", abi_release());
	}
	rseq_unregister_current_thread();
	return test_done();
#endif
}
