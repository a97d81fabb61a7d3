/* SPDX-License-Identifier: MIT */
/*
 * src/register.c - per-thread rseq registration that coexists with the C
 * library.
 *
 * At load time the library decides, once per process, who owns the
 * per-thread areas:
 *
 *  - the C library, when glibc >= 2.35 registered the thread: its
 *    __rseq_offset/__rseq_size/__rseq_flags are found through weak
 *    references, which also resolve in static binaries and stay NULL with
 *    musl or an older glibc.  Registration then succeeds with no system
 *    call.
 *  - rseqkit, otherwise: a small initial-exec TLS area (128 bytes, so the
 *    shared library stays dlopen()-able within glibc's static TLS reserve)
 *    registered with the full feature size the kernel reports, so kernels
 *    from 6.19 run it in their optimized mode; or 32 bytes (the legacy
 *    size) on kernels before 6.3, when the kernel asks for more than the
 *    area has, or when RSEQKIT_REG_SIZE=legacy.
 *
 * The library never writes a field the kernel owns while the area is
 * registered: cpu_id is initialized to "uninitialized" by the TLS image
 * and set to "registration failed" only when the system call failed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include "internal.h"

/* glibc's registration (GLIBC_2.35); NULL where the C library has none. */
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));
extern const unsigned int __rseq_flags __attribute__((weak));

RSEQKIT_EXPORT ptrdiff_t rseq_offset;
RSEQKIT_EXPORT unsigned int rseq_size;
RSEQKIT_EXPORT unsigned int rseq_flags;
RSEQKIT_EXPORT unsigned int rseq_feature_size;

static enum rseq_owner rseqkit_owner = RSEQ_OWNER_NONE;

#define RSEQKIT_AREA_SIZE	128
#define RSEQKIT_AREA_ALIGN	64

union rseqkit_area {
	struct rseq_abi abi;
	char bytes[RSEQKIT_AREA_SIZE];
} __attribute__((aligned(RSEQKIT_AREA_ALIGN)));

#ifdef RSEQ_ARCH_UNAVAILABLE
/* No thread pointer: rseq_offset points here; cpu_id says "failed". */
static union rseqkit_area rseqkit_unavailable_area = {
	.abi = { .cpu_id = (uint32_t)RSEQ_ABI_CPU_ID_REGISTRATION_FAILED },
};
#else
static __thread union rseqkit_area rseqkit_area
	__attribute__((tls_model("initial-exec"))) = {
	.abi = { .cpu_id = (uint32_t)RSEQ_ABI_CPU_ID_UNINITIALIZED },
};
#endif

/* Nesting count of rseq_register_current_thread() in this thread. */
static __thread unsigned int rseqkit_refcount;

static unsigned int rseqkit_reg_len;		/* bytes passed to rseq(2) */
static unsigned int rseqkit_kernel_fs;		/* 0: rseq unavailable */
static int rseqkit_probe_errno = -1;		/* errno of the probe */
static pthread_key_t rseqkit_exit_key;
static bool rseqkit_exit_key_ok;
static pthread_once_t rseqkit_once = PTHREAD_ONCE_INIT;

int rseqkit_sys_rseq(void *area, uint32_t len, int flags, uint32_t sig)
{
#ifdef RSEQKIT_NR_rseq
	return (int)syscall(RSEQKIT_NR_rseq, area, len, flags, sig);
#else
	(void)area; (void)len; (void)flags; (void)sig;
	errno = ENOSYS;
	return -1;
#endif
}

static unsigned int min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

/*
 * The active feature set of a registration of 'len' bytes.  A 32-byte
 * (legacy) registration never gets the time-slice extension, which
 * kernels grant only to full-feature-size registrations: its active set
 * stops after mm_cid.
 */
static unsigned int active_size(unsigned int len)
{
	unsigned int size = min_u(len, rseqkit_kernel_fs);

	if (len <= RSEQKIT_ABI_ORIG_ALLOC_SIZE)
		size = min_u(size, offsetof(struct rseq_abi, slice_ctrl));
	return size;
}

/*
 * rseq(NULL, 0, 0, 0): EINVAL where the kernel has rseq, ENOSYS where it
 * has not; a seccomp filter or a sandbox may answer anything else.
 */
static void probe_kernel(void)
{
	if (rseqkit_sys_rseq(NULL, 0, 0, 0) == 0)
		rseqkit_probe_errno = 0;	/* cannot happen */
	else
		rseqkit_probe_errno = errno;
	if (rseqkit_probe_errno == EINVAL) {
		unsigned long fs = getauxval(RSEQKIT_AT_RSEQ_FEATURE_SIZE);

		rseqkit_kernel_fs = fs ? (unsigned int)fs
				       : RSEQKIT_ABI_ORIG_FEATURE_SIZE;
	}
}

/* How many bytes to register for this kernel. */
static unsigned int choose_reg_len(void)
{
	unsigned long fs = getauxval(RSEQKIT_AT_RSEQ_FEATURE_SIZE);
	unsigned long align = getauxval(RSEQKIT_AT_RSEQ_ALIGN);
	const char *env = getenv("RSEQKIT_REG_SIZE");
	unsigned long len;

	if (env && !strcmp(env, "legacy"))
		return RSEQKIT_ABI_ORIG_ALLOC_SIZE;
	if (!fs)	/* before 6.3 the kernel accepts exactly 32 bytes */
		return RSEQKIT_ABI_ORIG_ALLOC_SIZE;
	if (align < RSEQKIT_ABI_ORIG_ALIGN)
		align = RSEQKIT_ABI_ORIG_ALIGN;
	len = fs > RSEQKIT_ABI_ORIG_ALLOC_SIZE ? fs : RSEQKIT_ABI_ORIG_ALLOC_SIZE;
	if (len > RSEQKIT_AREA_SIZE || align > RSEQKIT_AREA_ALIGN)
		return RSEQKIT_ABI_ORIG_ALLOC_SIZE;	/* legacy still works */
	return (unsigned int)len;
}

static void thread_exit(void *arg)
{
	(void)arg;
	if (rseqkit_refcount) {
		rseqkit_refcount = 1;
		(void)rseq_unregister_current_thread();
	}
}

static void init_once(void)
{
	probe_kernel();
	rseq_feature_size = rseqkit_kernel_fs;

#ifndef RSEQ_ARCH_UNAVAILABLE
	/* (Without critical sections for this arch, glibc's area is unused.) */
	if (&__rseq_size && &__rseq_offset && __rseq_size) {
		unsigned int libc_size = __rseq_size;

		rseqkit_owner = RSEQ_OWNER_LIBC;
		rseq_offset = __rseq_offset;
		rseq_flags = &__rseq_flags ? __rseq_flags : 0;
		/*
		 * glibc 2.35-2.39 says 32 and 2.40 says 20 while registering
		 * 32 bytes without asking the kernel: the active feature set
		 * is then what the kernel supports within 32 bytes.  Later
		 * versions say exactly what they registered.
		 */
		if (libc_size == RSEQKIT_ABI_ORIG_FEATURE_SIZE ||
		    libc_size == RSEQKIT_ABI_ORIG_ALLOC_SIZE)
			libc_size = RSEQKIT_ABI_ORIG_ALLOC_SIZE;
		rseqkit_reg_len = libc_size;
		if (!rseqkit_kernel_fs)		/* probe denied, glibc registered */
			rseqkit_kernel_fs = RSEQKIT_ABI_ORIG_FEATURE_SIZE;
		rseq_size = active_size(libc_size);
		return;
	}
#endif

#ifdef RSEQ_ARCH_UNAVAILABLE
	rseq_offset = (ptrdiff_t)&rseqkit_unavailable_area;
	rseqkit_kernel_fs = 0;
	rseq_feature_size = 0;
	rseq_size = 0;
#else
	rseq_offset = (char *)&rseqkit_area - (char *)rseq_thread_pointer();
	if (rseqkit_kernel_fs) {
		rseqkit_owner = RSEQ_OWNER_RSEQKIT;
		rseqkit_reg_len = choose_reg_len();
		rseq_size = active_size(rseqkit_reg_len);
		rseq_flags = 0;
		if (pthread_key_create(&rseqkit_exit_key, thread_exit) == 0)
			rseqkit_exit_key_ok = true;
	}
#endif
}

__attribute__((constructor(101)))
void rseqkit_init(void)
{
	pthread_once(&rseqkit_once, init_once);
}

unsigned int rseqkit_kernel_feature_size(void)
{
	rseqkit_init();
	return rseqkit_kernel_fs;
}

static int unavailable_errno(void)
{
	if (rseqkit_probe_errno > 0 && rseqkit_probe_errno != EINVAL)
		return rseqkit_probe_errno;
	return ENOSYS;
}

RSEQKIT_EXPORT int rseq_register_current_thread(void)
{
	rseqkit_init();

	switch (rseqkit_owner) {
	case RSEQ_OWNER_LIBC:
		if (rseq_current_cpu_raw() < 0)
			return rseqkit_fail(ENOSYS,
				"the C library owns rseq registration and it failed for this thread; "
				"run with GLIBC_TUNABLES=glibc.pthread.rseq=0 to let rseqkit register");
		return 0;
	case RSEQ_OWNER_NONE:
#ifdef RSEQ_ARCH_UNAVAILABLE
		return rseqkit_fail(ENOSYS,
			"rseqkit has no critical sections for this architecture; use the fallback path");
#else
		rseqkit_area.abi.cpu_id = (uint32_t)RSEQ_ABI_CPU_ID_REGISTRATION_FAILED;
		return rseqkit_fail(unavailable_errno(),
			"the kernel does not offer rseq to this process (kernel older than 4.18, "
			"a seccomp filter, valgrind or an emulator); use the fallback path");
#endif
	case RSEQ_OWNER_RSEQKIT:
		break;
	}

#ifndef RSEQ_ARCH_UNAVAILABLE
	if (rseqkit_refcount) {
		if (rseqkit_refcount == UINT32_MAX)
			return rseqkit_fail(EOVERFLOW, "registration nested too deeply");
		rseqkit_refcount++;
		return 0;
	}
	if (rseqkit_sys_rseq(&rseqkit_area.abi, rseqkit_reg_len, 0, RSEQ_SIG)) {
		int err = errno;
		const char *why;

		switch (err) {
		case EBUSY:
			why = "this thread's area is already registered by other code";
			break;
		case EINVAL:
			why = "this thread already has an rseq area registered by other code "
			      "(another rseq library, or the C library's): only one is allowed";
			break;
		case EPERM:
			why = "this area is registered with another signature by other code";
			break;
		case ENOSYS:
			why = "the kernel does not support rseq; use the fallback path";
			break;
		default:
			why = "the rseq system call failed (seccomp or sandbox?); use the fallback path";
			break;
		}
		/* Not registered, so cpu_id is ours to write. */
		rseqkit_area.abi.cpu_id = (uint32_t)RSEQ_ABI_CPU_ID_REGISTRATION_FAILED;
		return rseqkit_fail(err, why);
	}
	rseqkit_refcount = 1;
	if (rseqkit_exit_key_ok)
		(void)pthread_setspecific(rseqkit_exit_key, &rseqkit_area);
	return 0;
#endif
}

RSEQKIT_EXPORT int rseq_unregister_current_thread(void)
{
	rseqkit_init();

	if (rseqkit_owner == RSEQ_OWNER_LIBC)
		return 0;	/* the C library keeps its registration */
#ifdef RSEQ_ARCH_UNAVAILABLE
	return rseqkit_fail(EINVAL, "this thread is not registered");
#else
	if (!rseqkit_refcount)
		return rseqkit_fail(EINVAL,
			"this thread is not registered (unbalanced rseq_unregister_current_thread)");
	if (--rseqkit_refcount)
		return 0;
	if (rseqkit_sys_rseq(&rseqkit_area.abi, rseqkit_reg_len,
			     RSEQ_ABI_FLAG_UNREGISTER, RSEQ_SIG)) {
		int err = errno;

		rseqkit_refcount = 1;
		return rseqkit_fail(err, "the kernel refused to unregister this thread's area");
	}
	/* The kernel reset cpu_id to "uninitialized". */
	if (rseqkit_exit_key_ok)
		(void)pthread_setspecific(rseqkit_exit_key, NULL);
	return 0;
#endif
}

RSEQKIT_EXPORT bool rseq_available(void)
{
	rseqkit_init();
	return rseqkit_kernel_fs != 0 && rseqkit_owner != RSEQ_OWNER_NONE;
}

RSEQKIT_EXPORT enum rseq_owner rseq_registration_owner(void)
{
	rseqkit_init();
	return rseqkit_owner;
}

RSEQKIT_EXPORT unsigned int rseq_registration_size(void)
{
	rseqkit_init();
	return rseqkit_reg_len;
}
