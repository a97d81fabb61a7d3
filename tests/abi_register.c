/* SPDX-License-Identifier: MIT */
/*
 * abi_register - rseq(2) registration and unregistration errors
 * (Linux 4.18) and the extensible-ABI size/alignment rules (Linux 6.3),
 * against the raw system call: the program re-executes itself with
 * GLIBC_TUNABLES=glibc.pthread.rseq=0 when the C library registered it.
 *
 *  4.18: EINVAL for unknown flags, len < 32, a misaligned area, another
 *        area (or length) while registered; EPERM for the same area with
 *        another signature; EBUSY for an identical registration; EFAULT
 *        for an address outside user space; unregistration: EINVAL when
 *        not registered or for another area/length, EPERM for another
 *        signature; the ids are written before rseq() returns and cpu_id
 *        is reset to -1 (uninitialized) by unregistration.
 *  6.3:  AT_RSEQ_FEATURE_SIZE/AT_RSEQ_ALIGN present; len > 32 accepted when
 *        >= the feature size and aligned on AT_RSEQ_ALIGN, rejected when
 *        aligned less; before 6.3 only len == 32 is accepted.
 *  7.0:  the registration flag RSEQ_FLAG_SLICE_EXT_DEFAULT_ON is known
 *        (EINVAL before).
 */
#include "harness.h"
#include "abi_common.c"
#include <sys/mman.h>

#define SIG	ABI_SIG
#define OSIG	(ABI_SIG ^ 0x1)

static union {
	struct rseq_abi abi;
	char bytes[256];
} area_a __attribute__((aligned(256))), area_b __attribute__((aligned(256)));

static int cpu0;

static void check_err(int r, int err, int want, const char *what)
{
	CHECK_MSG(r == -1 && err == want, "%s: want -1 errno %d (%s), got %d errno %d (%s)",
		  what, want, strerror(want), r, err, strerror(err));
}

#define EXPECT_ERR(call, want, what) do {				\
	errno = 0;							\
	int __r = (call);						\
	check_err(__r, errno, want, what);				\
} while (0)

#define EXPECT_OK(call, what) do {					\
	errno = 0;							\
	int __r = (call);						\
	CHECK_MSG(__r == 0, "%s: want 0, got %d errno %d (%s)", what,	\
		  __r, errno, strerror(errno));				\
} while (0)

/* The ids the kernel wrote on the way back from rseq(). */
static void check_ids(volatile struct rseq_abi *a, const char *what)
{
	unsigned int cpu = 0;

	CHECK(abi_getcpu(&cpu, NULL) == 0);
	CHECK_MSG(a->cpu_id == cpu, "%s: cpu_id %u, getcpu %u", what, a->cpu_id, cpu);
	CHECK_MSG(a->cpu_id_start == cpu, "%s: cpu_id_start %u, getcpu %u", what,
		  a->cpu_id_start, cpu);
}

static void test_register_errors(void)
{
	volatile struct rseq_abi *a = &area_a.abi;
	char *base = area_a.bytes;
	void *kaddr = (void *)(~(uintptr_t)0 & ~(uintptr_t)255);

	/* Nothing registered yet. */
	EXPECT_ERR(abi_sys_rseq(a, 32, RSEQ_ABI_FLAG_UNREGISTER, SIG), EINVAL,
		   "unregister while not registered");
	EXPECT_ERR(abi_sys_rseq(a, 32, 1 << 20, SIG), EINVAL, "unknown flag 1<<20");
	EXPECT_ERR(abi_sys_rseq(a, 32, RSEQ_ABI_FLAG_UNREGISTER | 1 << 20, SIG), EINVAL,
		   "unregister with an unknown flag");
	EXPECT_ERR(abi_sys_rseq(a, 0, 0, SIG), EINVAL, "len 0");
	EXPECT_ERR(abi_sys_rseq(a, 20, 0, SIG), EINVAL, "len 20");
	EXPECT_ERR(abi_sys_rseq(a, 31, 0, SIG), EINVAL, "len 31");
	EXPECT_ERR(abi_sys_rseq(base + 4, 32, 0, SIG), EINVAL, "area misaligned by 4");
	EXPECT_ERR(abi_sys_rseq(base + 16, 32, 0, SIG), EINVAL, "area aligned on 16 only");
	EXPECT_ERR(abi_sys_rseq(kaddr, 32, 0, SIG), EFAULT, "area outside user space");

	/* The identical-registration family. */
	a->cpu_id = 12345;
	a->cpu_id_start = 12345;
	EXPECT_OK(abi_sys_rseq(a, 32, 0, SIG), "register 32 bytes");
	check_ids(a, "after registration");
	EXPECT_ERR(abi_sys_rseq(&area_b.abi, 32, 0, SIG), EINVAL,
		   "register another area while registered");
	EXPECT_ERR(abi_sys_rseq(a, 64, 0, SIG), EINVAL,
		   "register the same area with another length");
	EXPECT_ERR(abi_sys_rseq(a, 32, 0, OSIG), EPERM,
		   "register the same area with another signature");
	EXPECT_ERR(abi_sys_rseq(a, 32, 0, SIG), EBUSY, "identical registration");
	EXPECT_ERR(abi_sys_rseq(a, 32, 1 << 20, SIG), EINVAL,
		   "identical registration with an unknown flag");
	check_ids(a, "after the failed calls");

	/* Unregistration errors, then the real one. */
	EXPECT_ERR(abi_sys_rseq(&area_b.abi, 32, RSEQ_ABI_FLAG_UNREGISTER, SIG), EINVAL,
		   "unregister another area");
	EXPECT_ERR(abi_sys_rseq(a, 64, RSEQ_ABI_FLAG_UNREGISTER, SIG), EINVAL,
		   "unregister with another length");
	EXPECT_ERR(abi_sys_rseq(a, 32, RSEQ_ABI_FLAG_UNREGISTER, OSIG), EPERM,
		   "unregister with another signature");
	EXPECT_OK(abi_sys_rseq(a, 32, RSEQ_ABI_FLAG_UNREGISTER, SIG), "unregister");
	CHECK_EQ((int32_t)a->cpu_id, RSEQ_ABI_CPU_ID_UNINITIALIZED);
	EXPECT_ERR(abi_sys_rseq(a, 32, RSEQ_ABI_FLAG_UNREGISTER, SIG), EINVAL,
		   "unregister twice");

	/* Registration works again after unregistration. */
	EXPECT_OK(abi_sys_rseq(a, 32, 0, OSIG), "register again, other signature");
	check_ids(a, "after registering again");
	EXPECT_OK(abi_sys_rseq(a, 32, RSEQ_ABI_FLAG_UNREGISTER, OSIG), "unregister again");
	CHECK_EQ((int32_t)a->cpu_id, RSEQ_ABI_CPU_ID_UNINITIALIZED);
}

/* RSEQ_FLAG_SLICE_EXT_DEFAULT_ON: unknown before 7.0. */
static void test_slice_flag(void)
{
	volatile struct rseq_abi *a = &area_a.abi;
	int r;

	errno = 0;
	r = abi_sys_rseq(a, 32, RSEQ_ABI_FLAG_SLICE_EXT_DEFAULT_ON, SIG);
	if (!abi_kernel_at_least(7, 0)) {
		check_err(r, errno, EINVAL, "flag SLICE_EXT_DEFAULT_ON before Linux 7.0");
		return;
	}
	CHECK_MSG(r == 0, "flag SLICE_EXT_DEFAULT_ON on Linux 7.0+: got %d errno %d", r, errno);
	if (r == 0)
		EXPECT_OK(abi_sys_rseq(a, 32, RSEQ_ABI_FLAG_UNREGISTER, SIG),
			  "unregister after SLICE_EXT_DEFAULT_ON");
}

static void test_feature_size(void)
{
	unsigned long fs = abi_auxv_feature_size(), al = abi_auxv_align();
	volatile struct rseq_abi *a = &area_a.abi;
	unsigned long len;

	if (!abi_kernel_at_least(6, 3)) {
		printf("note: kernel %s < 6.3: only 32-byte registrations exist\n", abi_release());
		CHECK_EQ(fs, 0);
		EXPECT_ERR(abi_sys_rseq(a, 64, 0, SIG), EINVAL, "len 64 before Linux 6.3");
		EXPECT_ERR(abi_sys_rseq(a, 33, 0, SIG), EINVAL, "len 33 before Linux 6.3");
		return;
	}
	CHECK_MSG(fs >= RSEQKIT_ABI_ORIG_FEATURE_SIZE + 8,
		  "AT_RSEQ_FEATURE_SIZE %lu on Linux >= 6.3 (node_id, mm_cid make it >= 28)", fs);
	CHECK_MSG(al >= 32 && (al & (al - 1)) == 0 && al >= fs,
		  "AT_RSEQ_ALIGN %lu: a power of two >= 32 and >= the feature size %lu", al, fs);
	if (!fs || al < 32 || al > 256 || (al & (al - 1)))
		return;
	printf("note: AT_RSEQ_FEATURE_SIZE %lu, AT_RSEQ_ALIGN %lu\n", fs, al);

	/* The full feature size (at least 33 so it is not the legacy size). */
	len = fs > 32 ? fs : 33;
	EXPECT_OK(abi_sys_rseq(a, (uint32_t)len, 0, SIG), "register the feature size");
	check_ids(a, "after a feature-size registration");
	EXPECT_ERR(abi_sys_rseq(a, 32, 0, SIG), EINVAL,
		   "register 32 bytes over a feature-size registration");
	EXPECT_ERR(abi_sys_rseq(a, (uint32_t)len, 0, SIG), EBUSY,
		   "identical feature-size registration");
	EXPECT_ERR(abi_sys_rseq(a, 32, RSEQ_ABI_FLAG_UNREGISTER, SIG), EINVAL,
		   "unregister with the legacy length");
	EXPECT_OK(abi_sys_rseq(a, (uint32_t)len, RSEQ_ABI_FLAG_UNREGISTER, SIG),
		  "unregister the feature size");

	/* A large area is fine too. */
	EXPECT_OK(abi_sys_rseq(a, 256, 0, SIG), "register 256 bytes");
	EXPECT_OK(abi_sys_rseq(a, 256, RSEQ_ABI_FLAG_UNREGISTER, SIG), "unregister 256 bytes");

	if (al > 32) {
		/* 32-aligned but not AT_RSEQ_ALIGN-aligned. */
		EXPECT_ERR(abi_sys_rseq(area_a.bytes + 32, (uint32_t)len, 0, SIG), EINVAL,
			   "len > 32 aligned below AT_RSEQ_ALIGN");
		/* The legacy size keeps its 32-byte alignment rule. */
		EXPECT_OK(abi_sys_rseq(area_a.bytes + 32, 32, 0, SIG),
			  "32 bytes aligned on 32 only");
		EXPECT_OK(abi_sys_rseq(area_a.bytes + 32, 32, RSEQ_ABI_FLAG_UNREGISTER, SIG),
			  "unregister it");
	} else {
		printf("note: AT_RSEQ_ALIGN is %lu: no alignment between 32 and it to reject\n", al);
	}
	if (fs > 33)
		EXPECT_ERR(abi_sys_rseq(a, (uint32_t)fs - 1, 0, SIG), EINVAL,
			   "32 < len < feature size");
	else
		printf("note: feature size %lu: no length between 32 and it to reject\n", fs);
}

/* An unmapped user address: EFAULT (6.19+) or SIGSEGV on return. */
static int child_unmapped(void *arg)
{
	(void)arg;
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 3;
	munmap(p, 4096);
	if (abi_sys_rseq(p, 32, 0, SIG) == -1)
		return errno == EFAULT ? 0 : 1;
	return 2;	/* registered, and not killed on return: wrong */
}

static void test_unmapped(void)
{
	int st = abi_in_child(child_unmapped, NULL);

	CHECK_MSG((WIFEXITED(st) && WEXITSTATUS(st) == 0) ||
		  (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV),
		  "registering an unmapped area: want EFAULT or SIGSEGV, child %s",
		  abi_status_str(st));
	printf("note: unmapped area -> %s\n",
	       WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "EFAULT" : abi_status_str(st));
}

int main(int argc, char **argv)
{
	(void)argc;
	abi_require_rseq("registration errors", "4.18");
	abi_raw_mode(argv);
	printf("kernel %s\n", abi_release());
	{
		unsigned int c;

		if (abi_getcpu(&c, NULL) == 0) {
			cpu0 = (int)c;
			abi_pin_self(cpu0);	/* check_ids() compares with getcpu */
		}
	}
	test_register_errors();
	test_slice_flag();
	test_feature_size();
	test_unmapped();
	return test_done();
}
