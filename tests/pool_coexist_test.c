/* SPDX-License-Identifier: MIT */
/*
 * pool_coexist_test - rseqkit and a library that exports librseq's names
 * (tests/helpers/librseq_standin.c, installed as librseq.so.0 in a
 * directory of the build) in one process: this program links both, and
 * dlopen()s two plug-ins written against librseq's API, one built with
 * rseqkit's librseq layer and one against the stand-in, with RTLD_LOCAL
 * and RTLD_GLOBAL in both orders.  Every caller must reach its own
 * library: rseqkit's calls (exported as rseqkit_*) never reach the
 * stand-in, and the stand-in's rseq_* names never reach rseqkit.
 *
 * Registration (a thread has one): under glibc's registration both
 * libraries use glibc's area and agree on the CPU; with glibc's off
 * ("own" mode), whichever library registers a thread first owns it, the
 * other one's registration fails for that thread (rseqkit: -1, EINVAL,
 * with a reason naming the cause) and it takes its fallback paths, its
 * pools still working; without rseq both fail and everything still
 * works.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "harness.h"
#include "helpers/coexist_plugin.h"
#include <rseqkit/rseq.h>
#include <rseqkit/pool.h>

/* The stand-in's functions, by their exported (librseq) names. */
extern unsigned long standin_calls;
extern ptrdiff_t standin_offset __asm__("rseq_offset");
int standin_register(void) __asm__("rseq_register_current_thread");
int standin_unregister(void) __asm__("rseq_unregister_current_thread");
int standin_get_max_nr_cpus(void) __asm__("rseq_get_max_nr_cpus");
struct standin_pool;
struct standin_pool *standin_pool_create(const char *, size_t, const void *) __asm__("rseq_mempool_create");
void *standin_zmalloc(struct standin_pool *) __asm__("rseq_mempool_percpu_zmalloc");
void standin_free(void *, size_t) __asm__("librseq_mempool_percpu_free");
int standin_pool_destroy(struct standin_pool *) __asm__("rseq_mempool_destroy");
int32_t standin_current_cpu_raw(void);

static const char *mode;
static int real_cpus;

/* rseqkit's pool works, whatever the registration. */
static void rseqkit_pool_round(void)
{
	struct rseq_mempool *p = rseq_mempool_create("coexist", 16, NULL);
	void *x[40];

	CHECK(p != NULL);
	if (!p)
		return;
	CHECK_EQ(rseq_mempool_get_max_nr_cpus(p), real_cpus);
	for (int k = 0; k < 40; k++)
		CHECK((x[k] = rseq_mempool_percpu_zmalloc(p)) != NULL);
	for (int k = 0; k < 40; k++)
		CHECK_EQ(rseq_mempool_percpu_free(x[k]), 0);
	CHECK_EQ(rseq_mempool_destroy(p), 0);
}

static void test_direct(void)
{
	unsigned long before = standin_calls;
	struct standin_pool *sp;
	void *item;

	CHECK_EQ(rseq_get_max_nr_cpus(), real_cpus);
	CHECK_EQ(standin_calls, before);		/* rseqkit did not call it */
	CHECK_EQ(standin_get_max_nr_cpus(), 12345);
	CHECK(standin_calls > before);
	sp = standin_pool_create("standin", 8, NULL);
	item = standin_zmalloc(sp);
	CHECK(item != NULL);
	standin_free(item, 1 << 16);
	CHECK_EQ(standin_pool_destroy(sp), 0);
	rseqkit_pool_round();
}

/* A plug-in's report, loaded with the given flags; pid-isolated. */
static void run_plugins(int flags, int reverse)
{
	const char *names[2] = { COEXIST_DIR "/plugin_rseqkit.so", COEXIST_DIR "/plugin_librseq.so" };
	const char *syms[2] = { "plugin_rseqkit_probe", "plugin_librseq_probe" };
	void *h[2] = { NULL, NULL };

	for (int i = 0; i < 2; i++) {
		int k = reverse ? 1 - i : i;

		h[k] = dlopen(names[k], RTLD_NOW | flags);
		CHECK_MSG(h[k] != NULL, "dlopen %s: %s", names[k], dlerror());
	}
	for (int k = 0; k < 2; k++) {
		int (*probe)(struct coexist_report *);
		struct coexist_report r;

		if (!h[k])
			continue;
		*(void **)&probe = dlsym(h[k], syms[k]);
		CHECK(probe != NULL);
		if (!probe)
			continue;
		memset(&r, 0, sizeof(r));
		CHECK_EQ(probe(&r), 0);
		if (k == 0) {		/* built with rseqkit's librseq layer */
			CHECK_EQ(r.max_nr_cpus, real_cpus);
			CHECK_EQ(r.pool_max_nr_cpus, real_cpus);
			CHECK_EQ(r.kernel, !test_expect_unavailable());
		} else {		/* built against "librseq" */
			CHECK_EQ(r.max_nr_cpus, 12345);
			CHECK_EQ(r.pool_max_nr_cpus, 12345);
		}
		printf("%s plug-in (%s, %s first): max_nr_cpus %d, registration %d, cpu %d\n",
		       k ? "librseq" : "layer", flags & RTLD_GLOBAL ? "RTLD_GLOBAL" : "RTLD_LOCAL",
		       reverse ? "stand-in" : "layer", r.max_nr_cpus, r.registered, r.cpu_raw);
	}
	/* rseqkit's own calls still reach rseqkit, the stand-in's the stand-in. */
	CHECK_EQ(rseq_get_max_nr_cpus(), real_cpus);
	CHECK_EQ(standin_get_max_nr_cpus(), 12345);
	rseqkit_pool_round();
	for (int k = 0; k < 2; k++)
		if (h[k])
			dlclose(h[k]);
}

/* Each combination in a child: RTLD_GLOBAL symbols stay in a process. */
static void test_plugins(void)
{
	static const int combos[4][2] = { { RTLD_LOCAL, 0 }, { RTLD_LOCAL, 1 },
					   { RTLD_GLOBAL, 0 }, { RTLD_GLOBAL, 1 } };

	for (int c = 0; c < 4; c++) {
		pid_t pid;
		int st = 0;

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			run_plugins(combos[c][0], combos[c][1]);
			fflush(stdout);
			_exit(test_failed ? 1 : 0);
		}
		CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
		CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "plug-in combination %d: status %d "
			  "(86: an object reached the wrong library)", c, st);
	}
}

/* Registration: who registered first. */
struct reg_result {
	int first, second, errno_second, rseqkit_cpu, standin_cpu;
};

static void *stand_in_first(void *arg)
{
	struct reg_result *r = (struct reg_result *)arg;

	r->first = standin_register();
	errno = 0;
	r->second = rseq_register_current_thread();
	r->errno_second = errno;
	r->rseqkit_cpu = rseq_current_cpu_raw();
	r->standin_cpu = standin_current_cpu_raw();
	rseqkit_pool_round();
	if (!r->second)
		rseq_unregister_current_thread();
	if (!r->first)
		standin_unregister();
	return NULL;
}

static void *rseqkit_first(void *arg)
{
	struct reg_result *r = (struct reg_result *)arg;

	r->first = rseq_register_current_thread();
	errno = 0;
	r->second = standin_register();
	r->errno_second = errno;
	r->rseqkit_cpu = rseq_current_cpu_raw();
	r->standin_cpu = standin_current_cpu_raw();
	rseqkit_pool_round();
	if (!r->second)
		standin_unregister();
	if (!r->first)
		rseq_unregister_current_thread();
	return NULL;
}

static void test_registration(void)
{
	struct reg_result a, b;
	pthread_t t;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	pthread_create(&t, NULL, stand_in_first, &a);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, rseqkit_first, &b);
	pthread_join(t, NULL);
	printf("[%s] stand-in first: stand-in %d, rseqkit %d (errno %d), cpu: rseqkit %d, stand-in %d\n",
	       mode, a.first, a.second, a.errno_second, a.rseqkit_cpu, a.standin_cpu);
	printf("[%s] rseqkit first: rseqkit %d, stand-in %d (errno %d), cpu: rseqkit %d, stand-in %d\n",
	       mode, b.first, b.second, b.errno_second, b.rseqkit_cpu, b.standin_cpu);
	if (!strcmp(mode, "glibc")) {
		/* One registration, glibc's: both use it and agree. */
		CHECK_EQ(rseq_registration_owner(), RSEQ_OWNER_LIBC);
		CHECK(a.first == 0 && a.second == 0 && b.first == 0 && b.second == 0);
		CHECK_EQ(standin_offset, rseq_offset);
		CHECK(a.rseqkit_cpu >= 0 && a.rseqkit_cpu == a.standin_cpu);
	} else if (!strcmp(mode, "own")) {
		/* The first library owns the thread; the other is refused. */
		CHECK_EQ(a.first, 0);
		CHECK_EQ(a.second, -1);
		CHECK_EQ(a.errno_second, EINVAL);
		CHECK(a.standin_cpu >= 0);
		CHECK(a.rseqkit_cpu < 0);		/* rseqkit falls back */
		CHECK_EQ(b.first, 0);
		CHECK_EQ(b.second, -1);
		CHECK(b.rseqkit_cpu >= 0);
		CHECK(b.standin_cpu < 0);
	} else {
		/* No rseq: both refuse, the pools work regardless. */
		CHECK_EQ(a.second, -1);
		CHECK_EQ(b.first, -1);
		CHECK(a.rseqkit_cpu < 0 && b.rseqkit_cpu < 0);
	}
}

int main(void)
{
	mode = test_mode();
	real_cpus = rseq_get_max_nr_cpus();
	CHECK(real_cpus >= 1 && real_cpus != 12345);
	test_direct();
	test_plugins();
	test_registration();
	return test_done();
}
