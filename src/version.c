/* SPDX-License-Identifier: MIT */
/* src/version.c - the run-time version query (rseqkit/version.h). */
#include <rseqkit/version.h>
#include "internal.h"

RSEQKIT_EXPORT const char *rseq_version_string(void)
{
	return RSEQKIT_VERSION_STRING;
}

RSEQKIT_EXPORT unsigned int rseq_version_number(void)
{
	return RSEQKIT_VERSION_NUMBER;
}
