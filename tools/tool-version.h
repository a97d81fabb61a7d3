/* SPDX-License-Identifier: MIT */
/*
 * tools/tool-version.h - what every rseqkit tool prints for --version:
 * its name, "(rseqkit)" and the release of the headers it was built with.
 */
#ifndef RSEQKIT_TOOL_VERSION_H
#define RSEQKIT_TOOL_VERSION_H

#include <stdio.h>
#include <rseqkit/version.h>

static inline int tool_print_version(const char *name)
{
	printf("%s (rseqkit) %s\n"
	       "License: MIT (SPDX-License-Identifier: MIT).\n", name,
	       RSEQKIT_VERSION_STRING);
	return fflush(stdout) ? 1 : 0;
}

#endif /* RSEQKIT_TOOL_VERSION_H */
