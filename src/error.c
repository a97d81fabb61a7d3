/* SPDX-License-Identifier: MIT */
/* src/error.c - the per-thread reason of the last failure. */
#include <errno.h>
#include "internal.h"

static __thread const char *rseqkit_reason;

int rseqkit_fail(int err, const char *reason)
{
	rseqkit_reason = reason;
	errno = err;
	return -1;
}

RSEQKIT_EXPORT const char *rseq_error_reason(void)
{
	return rseqkit_reason ? rseqkit_reason : "";
}
