/* SPDX-License-Identifier: MIT */
/*
 * abi_v2 - legacy versus "V2" id updates (Linux 6.19/7.0).
 *
 * Up to 6.18, and from 6.19 for 32-byte (legacy) registrations, the kernel
 * rewrites cpu_id_start/cpu_id/node_id/mm_cid after every context switch.
 * From 6.19 a registration of the full feature size runs in V2 mode: the
 * ids are written only when they change.  User space may not write those
 * fields, so the difference cannot be observed by a conforming program;
 * the only observation is the forbidden one, made here in a forked child
 * pinned to one CPU: write a bogus cpu_id_start, sleep (context switches
 * on the same CPU), read it back:
 *
 *   legacy:  the kernel rewrote it (or, with debug checks - rseq_debug=1
 *            from 6.19, CONFIG_DEBUG_RSEQ before - killed the child);
 *   V2:      the bogus value stays (nothing changed, nothing written), or
 *            with rseq_debug=1 the child is killed with SIGSEGV (the
 *            kill-on-write rule).
 *
 * Which mode applies follows from the kernel version and the registered
 * length (rseqkit's own registration: RSEQKIT_REG_SIZE=legacy|full; the C
 * library's: its __rseq_size).
 */
#include "harness.h"
#include "abi_common.c"
#include <sys/mman.h>
#include <rseqkit/rseq.h>

#define BOGUS		0x7ead0000U
#define EXIT_REWRITTEN	20
#define EXIT_KEPT	21
#define EXIT_OTHER	22
#define EXIT_KEPT_THEN_MIGRATED	23

static volatile int *phase;	/* shared with the parent */

static int child(void *arg)
{
	volatile struct rseq_abi *a = rseq_get_abi();
	unsigned int cpu = 0, other;
	int cpus[2], n = abi_allowed_cpus(cpus, 2);
	uint32_t v;

	(void)arg;
	if (abi_getcpu(&cpu, NULL) || abi_pin_self((int)cpu))
		return 2;
	usleep(1000);	/* settle on the pinned CPU */
	*phase = 1;
	a->cpu_id_start = BOGUS;
	for (int i = 0; i < 5; i++)
		usleep(1000);
	v = a->cpu_id_start;
	if (v != BOGUS)
		return v == a->cpu_id ? EXIT_REWRITTEN : EXIT_OTHER;
	/* Kept: make the ids change (migrate); the kernel writes them then. */
	if (n < 2)
		return EXIT_KEPT;
	other = (unsigned int)(cpus[0] == (int)cpu ? cpus[1] : cpus[0]);
	*phase = 2;
	abi_pin_self((int)other);
	usleep(1000);
	v = a->cpu_id_start;
	return v == other ? EXIT_KEPT_THEN_MIGRATED : EXIT_OTHER;
}

int main(void)
{
	unsigned int len;
	int v2, dbg, st, killed, rewritten, kept;

	abi_require_rseq("legacy vs V2 id updates", "6.19");
	if (rseq_register_current_thread())
		test_skip("legacy vs V2 id updates (Linux 6.19): no registration in mode %s: %s",
			  test_mode(), rseq_error_reason());
	len = rseq_registration_size();
	v2 = abi_kernel_at_least(6, 19) && len > RSEQKIT_ABI_ORIG_ALLOC_SIZE;
	dbg = abi_rseq_debug();
	printf("kernel %s, registration %u bytes -> %s mode expected, rseq debug %s\n",
	       abi_release(), len, v2 ? "V2" : "legacy",
	       dbg == 1 ? "on" : dbg == 0 ? "off" : "unknown");

	phase = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (phase == MAP_FAILED)
		test_skip("mmap: %s", strerror(errno));
	st = abi_in_child(child, NULL);
	killed = WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
	rewritten = WIFEXITED(st) && WEXITSTATUS(st) == EXIT_REWRITTEN;
	kept = WIFEXITED(st) && (WEXITSTATUS(st) == EXIT_KEPT ||
				 WEXITSTATUS(st) == EXIT_KEPT_THEN_MIGRATED);
	printf("bogus cpu_id_start after context switches: %s%s\n",
	       killed ? "process killed (SIGSEGV)" : rewritten ? "rewritten by the kernel" :
	       kept ? "kept (not rewritten)" : abi_status_str(st),
	       killed ? (*phase == 2 ? ", when a migration changed the ids" :
			 ", before any migration") :
	       WIFEXITED(st) && WEXITSTATUS(st) == EXIT_KEPT_THEN_MIGRATED ?
	       ", then rewritten when a migration changed the ids" : "");

	if (v2) {
		/*
		 * Debug checks validate the ids when the kernel writes them,
		 * i.e. once they change: usually with the migration, earlier
		 * when another id (mm_cid) changes meanwhile (seen on arm,
		 * 7.2).  Never silently rewritten.
		 */
		if (dbg == 1)
			CHECK_MSG(killed || (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_KEPT),
				  "V2 with rseq_debug=1: kept until the ids change, then SIGSEGV "
				  "(child %s, phase %d)", abi_status_str(st), *phase);
		else if (dbg == 0)
			CHECK_MSG(kept, "V2: the ids must be written only when they change "
				  "(child %s)", abi_status_str(st));
		else
			CHECK_MSG(kept || killed, "V2: want the value kept, or SIGSEGV with debug "
				  "checks (child %s)", abi_status_str(st));
	} else {
		if (killed)
			printf("note: killed: the kernel's debug checks are on "
			       "(rseq_debug=1 or CONFIG_DEBUG_RSEQ)\n");
		CHECK_MSG(rewritten || killed, "legacy: the kernel must rewrite the ids after a "
			  "context switch (child %s)", abi_status_str(st));
	}
	rseq_unregister_current_thread();
	return test_done();
}
