/* SPDX-License-Identifier: MIT */
/*
 * tests/vm/probe.c - the check-vm machinery's own test ("vm-probe").
 *
 * Independent of librseqkit: it proves that the booted kernel, the static
 * cross-built C library and the init program agree.  It prints what the
 * kernel reports (AT_RSEQ_FEATURE_SIZE, AT_RSEQ_ALIGN, glibc's
 * __rseq_size), then, by registration mode (RSEQKIT_TEST_MODE):
 *   glibc - glibc registered rseq: cpu_id of its area is valid
 *   own   - glibc's registration is off (__rseq_size == 0); registers an
 *           area of RSEQKIT_REG_SIZE (legacy: 32 bytes; full: the feature
 *           size) and checks the errors of a second and a wrong-signature
 *           registration and unregistration
 *   none  - rseq(2) must fail with ENOSYS
 * and in the first two checks that cpu_id follows the thread onto every
 * CPU it is moved to with sched_setaffinity.
 */
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "../harness.h"

#ifndef AT_RSEQ_FEATURE_SIZE
#define AT_RSEQ_FEATURE_SIZE 27
#endif
#ifndef AT_RSEQ_ALIGN
#define AT_RSEQ_ALIGN 28
#endif

#if defined(__x86_64__) || defined(__i386__)
#define SIG 0x53053053u
#elif defined(__aarch64__)
#define SIG 0xd428bc00u
#elif defined(__arm__)
#define SIG 0xe7f5def3u
#elif defined(__powerpc__)
#define SIG 0x0fe5000bu
#elif defined(__s390__)
#define SIG 0xB2FF0FFFu
#elif defined(__riscv)
#define SIG 0xf1401073u
#elif defined(__mips__)
#define SIG 0x0350000du
#else
#define SIG 0x53053053u
#endif

struct area {
	uint32_t cpu_id_start;
	uint32_t cpu_id;
	uint64_t rseq_cs;
	uint32_t flags;
	uint32_t node_id;
	uint32_t mm_cid;
	uint32_t slice_ctrl;
	uint8_t rest[224];
};

/* glibc >= 2.35 exports these (weak: absent from other C libraries) */
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));

static struct area own __attribute__((aligned(256)));

static void *thread_pointer(void)
{
#if defined(__powerpc64__)
	void *tp;

	__asm__ ("mr %0, 13" : "=r" (tp));
	return tp;
#elif defined(__powerpc__)
	void *tp;

	__asm__ ("mr %0, 2" : "=r" (tp));
	return tp;
#else
	return __builtin_thread_pointer();
#endif
}

static long sys_rseq(void *p, uint32_t len, int flags, uint32_t sig)
{
	return syscall(__NR_rseq, p, len, flags, sig);
}

static unsigned long aux(unsigned long type)
{
	errno = 0;
	return getauxval(type);
}

/* Moves the thread onto every CPU it may run on; cpu_id must follow. */
static void check_migration(volatile struct area *a)
{
	cpu_set_t all, one;
	int ncpu = 0, agree = 0;

	if (sched_getaffinity(0, sizeof(all), &all)) {
		CHECK_MSG(0, "sched_getaffinity: %s", strerror(errno));
		return;
	}
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &all))
			continue;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			continue;
		ncpu++;
		sched_yield();
		if (CHECK_MSG(a->cpu_id == (uint32_t)c && a->cpu_id_start == (uint32_t)c,
			      "on CPU %d: cpu_id %u cpu_id_start %u", c, a->cpu_id,
			      a->cpu_id_start))
			agree++;
	}
	sched_setaffinity(0, sizeof(all), &all);
	printf("probe: cpu_id followed the thread on %d of %d CPUs\n", agree, ncpu);
}

int main(void)
{
	const char *mode = test_mode();
	const char *regsize = getenv("RSEQKIT_REG_SIZE");
	unsigned long fsize = aux(AT_RSEQ_FEATURE_SIZE), align = aux(AT_RSEQ_ALIGN);
	unsigned int gsize = &__rseq_size ? __rseq_size : 0;
	struct utsname u;
	long r;

	uname(&u);
	printf("probe: kernel %s %s, mode %s, AT_RSEQ_FEATURE_SIZE %lu AT_RSEQ_ALIGN %lu,"
	       " glibc __rseq_size %u\n", u.release, u.machine, mode, fsize, align, gsize);

	r = sys_rseq(NULL, 0, 0, 0);
	if (!strcmp(mode, "none")) {
		CHECK_MSG(r == -1 && errno == ENOSYS, "rseq probe: %ld errno %d", r, errno);
		return test_done();
	}
	if (r == -1 && errno == ENOSYS)
		test_skip("rseq(2) is not available (ENOSYS)");
	CHECK_MSG(r == -1 && errno == EINVAL, "rseq probe: %ld errno %d", r, errno);
	/* 6.3+ report both; before, neither */
	CHECK((fsize == 0) == (align == 0));
	if (fsize)
		CHECK(fsize >= 20 && align >= 32);

	if (!strcmp(mode, "glibc")) {
		volatile struct area *a;

		if (!&__rseq_offset || !gsize)
			test_skip("the C library did not register rseq");
		a = (volatile struct area *)((char *)thread_pointer() + __rseq_offset);
		CHECK_MSG((int32_t)a->cpu_id >= 0, "glibc area cpu_id %d", (int32_t)a->cpu_id);
		CHECK_EQ(a->cpu_id, sched_getcpu());
		printf("probe: glibc registration: cpu_id %u\n", a->cpu_id);
		check_migration(a);
		return test_done();
	}

	/* own */
	uint32_t len = 32;

	CHECK_EQ(gsize, 0);
	if (regsize && !strcmp(regsize, "full")) {
		len = fsize > 32 ? (uint32_t)fsize : 32;
		len = (len + 31) & ~31u;
	}
	if (align > 256)
		test_skip("AT_RSEQ_ALIGN %lu above the probe's 256", align);
	own.cpu_id = (uint32_t)-1;
	r = sys_rseq(&own, len, 0, SIG);
	CHECK_MSG(r == 0, "register %u bytes: %s", len, strerror(errno));
	if (r)
		return test_done();
	printf("probe: own registration of %u bytes: cpu_id %u\n", len, own.cpu_id);
	CHECK_MSG((int32_t)own.cpu_id >= 0, "cpu_id %d", (int32_t)own.cpu_id);
	CHECK_EQ(own.cpu_id, sched_getcpu());
	/* identical registration: EBUSY; other signature: EPERM */
	r = sys_rseq(&own, len, 0, SIG);
	CHECK_MSG(r == -1 && errno == EBUSY, "second registration: %ld errno %d", r, errno);
	r = sys_rseq(&own, len, 0, SIG ^ 1);
	CHECK_MSG(r == -1 && errno == EPERM, "other signature: %ld errno %d", r, errno);
	check_migration(&own);
	r = sys_rseq(&own, len, 1 /* RSEQ_FLAG_UNREGISTER */, SIG);
	CHECK_MSG(r == 0, "unregister: %s", strerror(errno));
	return test_done();
}
