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
 *    call; calls are still counted, so that every thread sees the same
 *    nesting rules in every mode.
 *  - rseqkit, otherwise: a small initial-exec TLS area (128 bytes, so the
 *    shared library stays dlopen()-able within glibc's static TLS reserve)
 *    registered with the full feature size the kernel reports, so kernels
 *    from 6.19 run it in their optimized mode; or 32 bytes (the legacy
 *    size) on kernels before 6.3, when the kernel asks for more than the
 *    area has, when RSEQKIT_REG_SIZE=legacy, or for one thread when it
 *    asks with __rseq_register_current_thread(nolibc, true).
 *
 * The start-up contract is the kernel selftests' and librseq's: rseq_offset
 * and rseq_flags are set when the library initializes; rseq_size is the C
 * library's active feature size from then on when the C library owns the
 * registration, and otherwise 0 until the first thread of the process
 * registers (docs/registration.md).
 *
 * Per thread: explicit registrations nest (a count that never goes
 * negative); the per-CPU structures register a thread on first use
 * (rseqkit_register_implicit), which is not counted and never happens
 * again once the thread unregistered explicitly.
 *
 * The library never writes a field the kernel owns while the area is
 * registered: cpu_id is initialized to "uninitialized" by the TLS image
 * and set to "registration failed" only while the area is unregistered.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <rseqkit/selftests/rseq.h>
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

/*
 * The calling thread's registration state.  Invariants (rseqkit owning):
 * count > 0 implies len > 0 and !implicit; implicit implies len > 0 and
 * count == 0.  With the C library owning, only count and opted_out move.
 */
struct rseqkit_thread {
	unsigned int count;	/* explicit registrations not undone yet */
	unsigned int len;	/* bytes of rseqkit_area registered; 0: none */
	bool implicit;		/* registered on first use, not counted */
	bool opted_out;		/* unregistered explicitly: no first-use registration */
};
static __thread struct rseqkit_thread rseqkit_self
	__attribute__((tls_model("initial-exec")));

static unsigned int rseqkit_reg_len;		/* default bytes passed to rseq(2) */
static unsigned int rseqkit_kernel_fs;		/* 0: rseq unavailable */
static int rseqkit_probe_errno = -1;		/* errno of the probe */
#ifndef RSEQ_ARCH_UNAVAILABLE
static pthread_key_t rseqkit_exit_key;
static bool rseqkit_exit_key_ok;
#endif
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

#ifndef RSEQ_ARCH_UNAVAILABLE
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
#endif

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

#ifndef RSEQ_ARCH_UNAVAILABLE
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

/*
 * The first registration of the process publishes rseq_size, as the C
 * library does when it registers the main thread: the active feature set
 * of the process's registration size (a thread that asked for 32 bytes
 * on its own is refused the time-slice extension by
 * rseq_slice_extension_enable(), which checks the thread's size).
 */
static void publish_size(void)
{
	if (!__atomic_load_n(&rseq_size, __ATOMIC_RELAXED))
		__atomic_store_n(&rseq_size, active_size(rseqkit_reg_len), __ATOMIC_RELEASE);
}

/* Mark the area "registration failed" while the kernel does not own it. */
static void mark_failed(void)
{
	/* A registered area always reads cpu_id >= 0: leave it alone. */
	if ((int32_t)RSEQ_READ_ONCE(rseqkit_area.abi.cpu_id) < 0)
		RSEQ_WRITE_ONCE(rseqkit_area.abi.cpu_id,
				(uint32_t)RSEQ_ABI_CPU_ID_REGISTRATION_FAILED);
}

/* rseq(2) on rseqkit_area with 'len' bytes. */
static int kernel_register(unsigned int len)
{
	const char *why;
	int err;

	if (rseqkit_sys_rseq(&rseqkit_area.abi, len, 0, RSEQ_SIG) == 0) {
		rseqkit_self.len = len;
		publish_size();
		if (rseqkit_exit_key_ok)
			(void)pthread_setspecific(rseqkit_exit_key, &rseqkit_area);
		return 0;
	}
	err = errno;
	switch (err) {
	case EBUSY:
		why = "this thread's rseqkit area is already registered by other code "
		      "(a direct rseq system call); unregister it there first";
		break;
	case EINVAL:
		why = "this thread already has an rseq area registered by other code "
		      "(another rseq library, or a direct system call): only one is allowed";
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
	mark_failed();
	return rseqkit_fail(err, why);
}

static int kernel_unregister(void)
{
	if (rseqkit_sys_rseq(&rseqkit_area.abi, rseqkit_self.len,
			     RSEQ_ABI_FLAG_UNREGISTER, RSEQ_SIG))
		return rseqkit_fail(errno,
			"the kernel refused to unregister this thread's area (other code "
			"replaced or removed the registration); the thread stays as it was");
	/* The kernel reset cpu_id to "uninitialized". */
	rseqkit_self.len = 0;
	rseqkit_self.implicit = false;
	if (rseqkit_exit_key_ok)
		(void)pthread_setspecific(rseqkit_exit_key, NULL);
	return 0;
}

/*
 * An explicit registration of 'len' bytes with rseqkit owning.  'exact':
 * the caller asked for that size (a per-call legacy registration); else
 * any registration of the thread will do.
 */
static int register_own(unsigned int len, bool exact)
{
	struct rseqkit_thread *t = &rseqkit_self;

	if (t->len && t->implicit) {
		/* The structures' registration yields to the caller's. */
		if (!exact || t->len == len) {
			t->implicit = false;
			t->count = 1;
			return 0;
		}
		if (kernel_unregister())
			return -1;
	} else if (t->len) {
		if (exact && t->len != len)
			return rseqkit_fail(EINVAL,
				"this thread is already registered with another size by an earlier "
				"call; unregister it as often as it was registered to change the size");
		if (t->count == UINT_MAX)
			return rseqkit_fail(EOVERFLOW, "registration nested too deeply");
		t->count++;
		return 0;
	}
	if (kernel_register(len))
		return -1;
	t->count = 1;
	t->implicit = false;
	t->opted_out = false;
	return 0;
}

static void thread_exit(void *arg)
{
	(void)arg;
	rseqkit_self.count = 0;
	if (rseqkit_self.len)
		(void)kernel_unregister();
}
#endif /* !RSEQ_ARCH_UNAVAILABLE */

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
		/* The C library registered the main thread already. */
		rseq_size = active_size(libc_size);
		return;
	}
#endif

#ifdef RSEQ_ARCH_UNAVAILABLE
	rseq_offset = (ptrdiff_t)&rseqkit_unavailable_area;
	rseqkit_kernel_fs = 0;
	rseq_feature_size = 0;
#else
	rseq_offset = (char *)&rseqkit_area - (char *)rseq_thread_pointer();
	rseq_flags = 0;
	if (rseqkit_kernel_fs) {
		rseqkit_owner = RSEQ_OWNER_RSEQKIT;
		rseqkit_reg_len = choose_reg_len();
		if (pthread_key_create(&rseqkit_exit_key, thread_exit) == 0)
			rseqkit_exit_key_ok = true;
	}
#endif
	/* 0 until a thread registers (publish_size), as the kernel's helper. */
	rseq_size = 0;
}

__attribute__((constructor(101)))
void rseqkit_init(void)
{
	pthread_once(&rseqkit_once, init_once);
}

unsigned int rseqkit_active_size(void)
{
	rseqkit_init();
#ifndef RSEQ_ARCH_UNAVAILABLE
	if (rseqkit_owner == RSEQ_OWNER_RSEQKIT)
		return active_size(rseqkit_reg_len);
#endif
	return rseq_size;
}

unsigned int rseqkit_kernel_feature_size(void)
{
	rseqkit_init();
	return rseqkit_kernel_fs;
}

#ifndef RSEQ_ARCH_UNAVAILABLE
static int unavailable_errno(void)
{
	if (rseqkit_probe_errno > 0 && rseqkit_probe_errno != EINVAL)
		return rseqkit_probe_errno;
	return ENOSYS;
}
#endif

/* rseq is unavailable to this process (RSEQ_OWNER_NONE). */
static int fail_unavailable(void)
{
#ifdef RSEQ_ARCH_UNAVAILABLE
	return rseqkit_fail(ENOSYS,
		"rseqkit has no critical sections for this architecture; use the fallback path");
#else
	mark_failed();
	return rseqkit_fail(unavailable_errno(),
		"the kernel does not offer rseq to this process (kernel older than 4.18, "
		"a seccomp filter, valgrind or an emulator); use the fallback path");
#endif
}

static int fail_libc_thread(void)
{
	return rseqkit_fail(ENOSYS,
		"the C library owns rseq registration and it failed for this thread; "
		"run with GLIBC_TUNABLES=glibc.pthread.rseq=0 to let rseqkit register");
}

/* The C library owns the registration: count the call. */
static int register_libc(void)
{
	if (rseq_current_cpu_raw() < 0)
		return fail_libc_thread();
	if (rseqkit_self.count == UINT_MAX)
		return rseqkit_fail(EOVERFLOW, "registration nested too deeply");
	rseqkit_self.count++;
	rseqkit_self.opted_out = false;
	return 0;
}

#ifndef RSEQ_ARCH_UNAVAILABLE
/* The structures' first use, with rseqkit owning (see internal.h). */
static int register_first_use(void)
{
	if (rseqkit_self.len)
		return 0;
	if (rseqkit_self.opted_out)
		return rseqkit_fail(EPERM,
			"this thread unregistered rseq with rseq_unregister_current_thread(); it stays "
			"unregistered until it calls rseq_register_current_thread() again");
	if (kernel_register(rseqkit_reg_len))
		return -1;
	rseqkit_self.implicit = true;
	return 0;
}
#endif

/*
 * Every way to register the calling thread: explicitly (counted; 'len'
 * bytes, 0 for the process's size, exactly that size when 'exact'), or
 * on first use (implicit).
 */
static int register_thread(bool implicit, unsigned int len, bool exact)
{
	rseqkit_init();

	switch (rseqkit_owner) {
	case RSEQ_OWNER_LIBC:
		if (implicit)
			return rseq_current_cpu_raw() < 0 ? fail_libc_thread() : 0;
		return register_libc();
	case RSEQ_OWNER_NONE:
		return fail_unavailable();
	case RSEQ_OWNER_RSEQKIT:
		break;
	}
#ifdef RSEQ_ARCH_UNAVAILABLE
	(void)len;
	(void)exact;
	return fail_unavailable();
#else
	if (implicit)
		return register_first_use();
	return register_own(len ? len : rseqkit_reg_len, exact);
#endif
}

RSEQKIT_EXPORT int rseq_register_current_thread(void)
{
	return register_thread(false, 0, false);
}

/*
 * The Linux 7.x selftests' helper: 0 or a negative errno value.  nolibc:
 * the caller needs a registration of its own (-EBUSY when the C library
 * owns registration); legacy: a 32-byte registration for this thread.
 */
RSEQKIT_EXPORT int __rseq_register_current_thread(bool nolibc, bool legacy)
{
	int r;

	rseqkit_init();
	if (nolibc && rseqkit_owner == RSEQ_OWNER_LIBC)
		r = rseqkit_fail(EBUSY,
			"the C library owns this process's rseq registration and the caller "
			"asked for its own (nolibc); run with GLIBC_TUNABLES=glibc.pthread.rseq=0");
	else
		r = register_thread(false, legacy ? RSEQKIT_ABI_ORIG_ALLOC_SIZE : 0, legacy);
	return r ? -errno : 0;
}

int rseqkit_register_implicit(void)
{
	return register_thread(true, 0, false);
}

RSEQKIT_EXPORT int rseq_unregister_current_thread(void)
{
	rseqkit_init();

	switch (rseqkit_owner) {
	case RSEQ_OWNER_LIBC:
		if (!rseqkit_self.count)
			return rseqkit_fail(EINVAL,
				"this thread has no rseq_register_current_thread() left to undo "
				"(unbalanced unregistration); the C library keeps its registration");
		rseqkit_self.count--;
		return 0;
	case RSEQ_OWNER_NONE:
		return rseqkit_fail(EINVAL, "this thread is not registered: rseq is unavailable");
	case RSEQ_OWNER_RSEQKIT:
		break;
	}
#ifdef RSEQ_ARCH_UNAVAILABLE
	return rseqkit_fail(EINVAL, "this thread is not registered");
#else
	if (!rseqkit_self.count) {
		if (!rseqkit_self.implicit)
			return rseqkit_fail(EINVAL,
				"this thread is not registered (unbalanced "
				"rseq_unregister_current_thread())");
		/* Undo the structures' first-use registration, and keep it undone. */
		if (kernel_unregister())
			return -1;
		rseqkit_self.opted_out = true;
		return 0;
	}
	if (--rseqkit_self.count)
		return 0;
	if (kernel_unregister()) {
		rseqkit_self.count = 1;
		return -1;
	}
	rseqkit_self.opted_out = true;
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
#ifndef RSEQ_ARCH_UNAVAILABLE
	if (rseqkit_owner == RSEQ_OWNER_RSEQKIT && rseqkit_self.len)
		return rseqkit_self.len;
#endif
	return rseqkit_reg_len;
}
