/* SPDX-License-Identifier: MIT */
/*
 * src/slice.c - time-slice extension (Linux 7.0): availability checks,
 * the per-thread prctl, and the rseq_slice_yield system call.
 */
#include <errno.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <rseqkit/slice.h>
#include "internal.h"

/* The kernel-internal ENOTSUPP leaks to user space from this prctl. */
#define RSEQKIT_ENOTSUPP	524

static long slice_prctl(unsigned long op, unsigned long arg)
{
	return prctl(RSEQKIT_PR_RSEQ_SLICE_EXTENSION, op, arg, 0, 0);
}

/*
 * 0 when the calling thread can use the extension, else -1 with errno
 * and the reason recorded.  Never touches the kernel's state.
 */
static int slice_check(void)
{
	unsigned int need = (unsigned int)rseq_offsetofend(struct rseq_abi, slice_ctrl);
	unsigned int fs = rseqkit_kernel_feature_size();

	if (!rseq_available())
		return rseqkit_fail(ENOSYS,
			"rseq is unavailable to this process, so is the time-slice extension");
	if (fs < need)
		return rseqkit_fail(EOPNOTSUPP,
			"the kernel has no time-slice extension (it needs Linux 7.0; "
			"the kernel's rseq feature size is below the slice_ctrl field)");
	if (!rseq_current_thread_registered())
		return rseqkit_fail(EINVAL,
			"this thread has no rseq registration; call rseq_register_current_thread() first");
	if (!rseq_slice_ctrl_available() || rseq_registration_size() < fs)
		return rseqkit_fail(EOPNOTSUPP,
			"the rseq registration is not of the full feature size (a 32-byte legacy "
			"registration: RSEQKIT_REG_SIZE=legacy, or a C library that registers 32 bytes; "
			"run with GLIBC_TUNABLES=glibc.pthread.rseq=0 to let rseqkit register the full size)");
	if (!(RSEQ_READ_ONCE(rseq_get_abi()->flags) & RSEQKIT_ABI_FLAG_SLICE_EXT_AVAILABLE))
		return rseqkit_fail(EOPNOTSUPP,
			"the kernel does not offer the time-slice extension (built without "
			"CONFIG_RSEQ_SLICE_EXTENSION, or turned off with rseq_slice_ext=0)");
	if (slice_prctl(RSEQKIT_PR_RSEQ_SLICE_EXTENSION_GET, 0) < 0)
		return rseqkit_fail(errno == EINVAL ? EOPNOTSUPP : errno,
			"prctl(PR_RSEQ_SLICE_EXTENSION) is refused by the kernel");
	return 0;
}

static int slice_set(unsigned long arg)
{
	if (slice_check())
		return -1;
	if (slice_prctl(RSEQKIT_PR_RSEQ_SLICE_EXTENSION_SET, arg) == 0)
		return 0;
	switch (errno) {
	case RSEQKIT_ENOTSUPP:
		return rseqkit_fail(EOPNOTSUPP,
			"the time-slice extension is turned off on this kernel (rseq_slice_ext=0)");
	case ENXIO:
		return rseqkit_fail(EINVAL, "the kernel sees no rseq registration for this thread");
	case EINVAL:
		return rseqkit_fail(EOPNOTSUPP,
			"prctl(PR_RSEQ_SLICE_EXTENSION_SET) is not supported by this kernel");
	default:
		return rseqkit_fail(errno, "prctl(PR_RSEQ_SLICE_EXTENSION_SET) failed");
	}
}

RSEQKIT_EXPORT int rseq_slice_extension_enable(void)
{
	return slice_set(RSEQKIT_PR_RSEQ_SLICE_EXT_ENABLE);
}

RSEQKIT_EXPORT int rseq_slice_extension_disable(void)
{
	return slice_set(0);
}

RSEQKIT_EXPORT bool rseq_slice_extension_available(void)
{
	return slice_check() == 0;
}

RSEQKIT_EXPORT int rseq_slice_yield(void)
{
	long r = syscall(RSEQKIT_NR_rseq_slice_yield);

	if (r < 0)
		return rseqkit_fail(errno, errno == ENOSYS ?
			"the kernel has no rseq_slice_yield system call (Linux 7.0)" :
			"rseq_slice_yield failed");
	return (int)r;
}
