/* SPDX-License-Identifier: MIT */
/*
 * registration - register rseq for the calling thread and print who owns
 * the registration, its size and the feature fields; on failure print the
 * errno and the library's reason.  It also shows the start-up contract
 * (rseq_size reads 0 until the first registration when rseqkit owns it,
 * as with the kernel selftests' helper and librseq) and that an
 * unregistered thread stays unregistered, and the Linux 7.x selftests'
 * helper __rseq_register_current_thread(nolibc, legacy).  Try it three
 * ways:
 *
 *   build/examples/registration
 *   GLIBC_TUNABLES=glibc.pthread.rseq=0 build/examples/registration
 *   GLIBC_TUNABLES=glibc.pthread.rseq=0 RSEQKIT_REG_SIZE=legacy build/examples/registration
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <rseqkit/selftests/rseq.h>	/* <rseqkit/rseq.h> + the 7.x helper */

static const char *owner_name(enum rseq_owner owner)
{
	switch (owner) {
	case RSEQ_OWNER_LIBC:
		return "the C library";
	case RSEQ_OWNER_RSEQKIT:
		return "rseqkit";
	case RSEQ_OWNER_NONE:
		break;
	}
	return "nobody (rseq unavailable)";
}

/*
 * The Linux 7.x selftests' helper in a thread of its own: a 32-byte
 * ("legacy") registration for this thread only, and nolibc, which the
 * C library's ownership refuses with -EBUSY as a value.
 */
static void *legacy_thread(void *arg)
{
	int r = __rseq_register_current_thread(true, true);

	(void)arg;
	if (r == -EBUSY)
		printf("legacy thread:        -EBUSY: the C library owns registration (%s)\n",
		       rseq_error_reason());
	else if (r)
		printf("legacy thread:        %s (%s)\n", strerror(-r), rseq_error_reason());
	else {
		printf("legacy thread:        registered %u bytes for itself\n",
		       rseq_registration_size());
		rseq_unregister_current_thread();
	}
	return NULL;
}

int main(void)
{
	pthread_t t;
	unsigned int size_before = rseq_size;	/* before any registration */
	int ret = rseq_register_current_thread();

	printf("rseq available:       %s\n", rseq_available() ? "yes" : "no");
	printf("registration owner:   %s\n", owner_name(rseq_registration_owner()));
	if (ret) {
		printf("registration failed:  %s\n", strerror(errno));
		printf("reason:               %s\n", rseq_error_reason());
		printf("cpu_id:               %d\n", rseq_current_cpu_raw());
		return 0;	/* a program would now take its fallback path */
	}
	printf("registered bytes:     %u%s\n", rseq_registration_size(),
	       rseq_registration_size() == 32 ? " (the original, legacy size)" : "");
	printf("active feature size:  %u (rseq_size; %u before the first registration)\n",
	       rseq_size, size_before);
	printf("kernel feature size:  %u\n", rseq_feature_size);
	printf("registration flags:   %#x\n", rseq_flags);
	printf("area offset:          %td from the thread pointer\n", rseq_offset);
	printf("cpu_id / cpu_id_start: %d / %u\n", rseq_current_cpu_raw(),
	       rseq_cpu_start());
	if (rseq_node_id_available())
		printf("node_id:              %u\n", rseq_current_node_id());
	else
		printf("node_id:              not filled (rseq_size %u; Linux 6.3 adds it)\n", rseq_size);
	if (rseq_mm_cid_available())
		printf("mm_cid:               %u\n", rseq_current_mm_cid());
	else
		printf("mm_cid:               not filled (rseq_size %u; Linux 6.3 adds it)\n", rseq_size);

	/* Registration nests: every register needs one unregister. */
	if (rseq_register_current_thread() || rseq_unregister_current_thread() ||
	    rseq_unregister_current_thread()) {
		printf("nested registration failed: %s\n", rseq_error_reason());
		return 1;
	}
	printf("registered after unregistering: %s\n",
	       rseq_current_thread_registered() ? "yes (the C library keeps it)"
						: "no (until it registers again)");
	/* One unregistration too many: refused, the count stays at zero. */
	if (rseq_unregister_current_thread() == 0) {
		printf("an unbalanced unregistration succeeded\n");
		return 1;
	}
	printf("unbalanced unregistration: %s (%s)\n", strerror(errno), rseq_error_reason());
	if (pthread_create(&t, NULL, legacy_thread, NULL) == 0)
		pthread_join(t, NULL);
	return 0;
}
