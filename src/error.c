/* SPDX-License-Identifier: MIT */
/*
 * src/error.c - the per-thread reason of the last failure.  Async-signal-
 * safe: an initial-exec thread-local pointer (no allocation on first use,
 * even in a dlopen()ed library) and errno.
 */
#include <errno.h>
#include "internal.h"

static RSEQKIT_TLS const char *rseqkit_reason;

int rseqkit_fail(int err, const char *reason)
{
	rseqkit_reason = reason;
	errno = err;
	return -1;
}

void *rseqkit_fail_null(int err, const char *reason)
{
	rseqkit_fail(err, reason);
	return NULL;
}

RSEQKIT_EXPORT const char *rseq_error_reason(void)
{
	return rseqkit_reason ? rseqkit_reason : "";
}
