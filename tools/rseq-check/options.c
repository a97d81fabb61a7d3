/* SPDX-License-Identifier: MIT */
/* options.c - rseq-check's command line and its messages. */
#include "check.h"
#include "../tool-version.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct options opt = { .inject = 1, .syscalls = 1, .violation_status = 1 };
struct tally tally;

void say(const char *fmt, ...)
{
	va_list ap;

	fputs("rseq-check: ", opt.out);
	va_start(ap, fmt);
	vfprintf(opt.out, fmt, ap);
	va_end(ap);
	fputc('\n', opt.out);
	fflush(opt.out);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rseq-check [options] [--] PROGRAM [ARGS...]\n"
		"Runs PROGRAM (and its threads and children) under ptrace:\n"
		"reports system calls made inside rseq critical sections and\n"
		"forces an abort at every instruction boundary of every critical\n"
		"section entered.\n"
		"  --no-inject        do not force aborts\n"
		"  --no-syscalls      do not check system calls\n"
		"  --full             fail unless every boundary of every entered\n"
		"                     section was forced (and one was entered)\n"
		"  --violation-status=N  exit status for a violation (default 1)\n"
		"  -o FILE            write the report to FILE (default stderr)\n"
		"  -v                 verbose: each forced abort\n"
		"  --version          print the rseqkit release and exit\n");
}

/* N in 0..255 */
static int status_value(const char *s, int *v)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (!*s || *end || n < 0 || n > 255)
		return -1;
	*v = (int)n;
	return 0;
}

int parse_options(int argc, char **argv)
{
	int argi;

	opt.out = stderr;
	for (argi = 1; argi < argc; argi++) {
		const char *a = argv[argi];
		if (!strcmp(a, "--")) {
			argi++;
			break;
		} else if (!strcmp(a, "--no-inject")) {
			opt.inject = 0;
		} else if (!strcmp(a, "--no-syscalls")) {
			opt.syscalls = 0;
		} else if (!strcmp(a, "--full")) {
			opt.full = 1;
		} else if (!strncmp(a, "--violation-status=", 19)) {
			if (status_value(a + 19, &opt.violation_status)) {
				fprintf(stderr, "rseq-check: --violation-status wants 0..255\n");
				return -3;
			}
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			opt.verbose = 1;
		} else if (!strcmp(a, "-o") && argi + 1 < argc) {
			opt.out = fopen(argv[++argi], "we");
			if (!opt.out) {
				perror(argv[argi]);
				return -3;
			}
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return -1;
		} else if (!strcmp(a, "--version")) {
			return -tool_print_version("rseq-check") - 1;
		} else if (a[0] == '-') {
			fprintf(stderr, "rseq-check: unknown option %s\n", a);
			usage(stderr);
			return -3;
		} else {
			break;
		}
	}
	if (argi >= argc) {
		usage(stderr);
		return -3;
	}
	return argi;
}
