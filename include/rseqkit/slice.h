/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/slice.h - time-slice extension (Linux 7.0,
 * CONFIG_RSEQ_SLICE_EXTENSION).
 *
 * A thread that holds a user-space lock for a very short time may ask the
 * kernel not to preempt it in the middle: it sets the request byte of its
 * rseq area before the critical section and clears it after.  If an
 * interrupt wants to reschedule it meanwhile, the kernel may grant a short
 * extension (5 us by default, 50 us at most) instead: it clears the
 * request and sets the granted byte.  The thread must then give the CPU
 * back as soon as the section ends, with rseq_slice_yield(); doing a
 * system call while granted also ends the grant.
 *
 *	if (rseq_slice_extension_enable())	// once per thread
 *		... not available: errno, rseq_error_reason() ...
 *	rseq_slice_request();
 *	lock(); short work; unlock();
 *	rseq_slice_release();
 *
 * Needs a registration of the full feature size (rseqkit's own with
 * RSEQKIT_REG_SIZE unset or "full", or a C library that registers the
 * full size, glibc 2.41+): 32-byte legacy registrations do not get it.
 * See rseq_slice_extension_enable(3).
 */
#ifndef RSEQKIT_SLICE_H
#define RSEQKIT_SLICE_H

#include "rseq.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The read-only flags bits are in abi.h (RSEQKIT_ABI_FLAG_SLICE_EXT_*). */

/*
 * Enable the extension for the calling thread (registered before).
 * 0, or -1 with errno: EOPNOTSUPP (kernel before 7.0, built without it,
 * turned off with rseq_slice_ext=0, or the registration is not of the full
 * feature size), ENOSYS (no rseq), EINVAL (thread not registered), or the
 * prctl's; rseq_error_reason() says which.
 */
int rseq_slice_extension_enable(void) RSEQKIT_SYM(slice_extension_enable);

/* Turn it off again for the calling thread; 0 or -1 with errno. */
int rseq_slice_extension_disable(void) RSEQKIT_SYM(slice_extension_disable);

/* True when rseq_slice_extension_enable() can work in this thread. */
bool rseq_slice_extension_available(void) RSEQKIT_SYM(slice_extension_available);

/*
 * The rseq_slice_yield system call: 1 when the thread gave up the CPU
 * within a granted extension, 0 when there was no grant (or it had been
 * revoked), -1 with errno ENOSYS before Linux 7.0.
 */
int rseq_slice_yield(void) RSEQKIT_SYM(slice_yield);

/* Ask for an extension of the current time slice (before the section). */
static inline void rseq_slice_request(void)
{
	RSEQ_WRITE_ONCE(rseq_get_abi()->slice_ctrl.request, 1);
	rseq_barrier();
}

/*
 * End the request (after the section).  Returns 1 when an extension had
 * been granted: the CPU was then given back with rseq_slice_yield().
 * Returns 0 otherwise.
 */
static inline int rseq_slice_release(void)
{
	volatile struct rseq_abi *rs = rseq_get_abi();

	rseq_barrier();
	rs->slice_ctrl.request = 0;
	rseq_barrier();
	if (rseq_likely(!rs->slice_ctrl.granted))
		return 0;
	(void)rseq_slice_yield();
	return 1;
}

/* True when the kernel granted an extension that is still running. */
static inline bool rseq_slice_granted(void)
{
	return RSEQ_READ_ONCE(rseq_get_abi()->slice_ctrl.granted) != 0;
}

#ifdef __cplusplus
}
#endif

#endif /* RSEQKIT_SLICE_H */
