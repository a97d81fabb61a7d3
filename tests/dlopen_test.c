/* SPDX-License-Identifier: MIT */
/*
 * dlopen_test - librseqkit.so loaded with dlopen() after the process
 * started: its small initial-exec TLS area fits the C library's reserve,
 * registration works in threads created before and after the load, and
 * the exported rseq_offset locates each thread's area.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include "harness.h"
#include <rseqkit/rseq.h>	/* types and inline readers only */

static int (*reg)(void), (*unreg)(void);
static enum rseq_owner (*owner)(void);
static ptrdiff_t *offset_p;

static int32_t cpu_via_dlsym(void)
{
	struct rseq_abi *abi = (struct rseq_abi *)
		((char *)rseq_thread_pointer() + *offset_p);

	return (int32_t)RSEQ_READ_ONCE(abi->cpu_id);
}

static void *thread_fn(void *arg)
{
	int *ok = arg;

	if (reg()) {
		*ok = test_expect_unavailable() ? 1 : 0;
		return NULL;
	}
	*ok = cpu_via_dlsym() >= 0 && cpu_via_dlsym() == sched_getcpu() &&
	      unreg() == 0;
	return NULL;
}

int main(void)
{
	const char *build = getenv("BUILD");
	char path[4096];
	void *h;
	int ok_before = 0, ok_after = 0;
	pthread_t t;

	snprintf(path, sizeof(path), "%s/librseqkit.so", build ? build : "build");
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		if (strstr(dlerror(), "No such file"))
			test_skip("%s not built (static-only build)", path);
		CHECK_MSG(0, "dlopen(%s): %s", path, dlerror());
		return test_done();
	}
	reg = (int (*)(void))dlsym(h, "rseqkit_register_current_thread");
	unreg = (int (*)(void))dlsym(h, "rseqkit_unregister_current_thread");
	owner = (enum rseq_owner (*)(void))dlsym(h, "rseqkit_registration_owner");
	offset_p = dlsym(h, "rseqkit_offset");
	CHECK(reg && unreg && owner && offset_p);
	/* nothing private leaks from the export list */
	CHECK(dlsym(h, "rseqkit_init") == NULL);
	CHECK(dlsym(h, "rseqkit_fail") == NULL);
	/* only rseqkit_* names: librseq's rseq_* stay free for librseq */
	CHECK(dlsym(h, "rseq_register_current_thread") == NULL);
	if (!(reg && unreg && owner && offset_p))
		return test_done();

	if (test_expect_unavailable()) {
		CHECK_EQ(owner(), RSEQ_OWNER_NONE);
	} else if (!strcmp(test_mode(), "own")) {
		CHECK_EQ(owner(), RSEQ_OWNER_RSEQKIT);
	} else {
		CHECK_EQ(owner(), RSEQ_OWNER_LIBC);
	}
	thread_fn(&ok_before);		/* the thread that loaded it */
	CHECK(ok_before);
	pthread_create(&t, NULL, thread_fn, &ok_after);
	pthread_join(t, NULL);
	CHECK(ok_after);
	return test_done();
}
