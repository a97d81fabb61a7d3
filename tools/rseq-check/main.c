/* SPDX-License-Identifier: MIT */
/*
 * rseq-check - run a program under ptrace and check its rseq critical
 * sections (see man/man1/rseq-check.1):
 *
 *  - every system call made inside a critical section is reported;
 *  - an abort is forced at every instruction boundary of every critical
 *    section a registered thread enters (a breakpoint there: the ptrace
 *    stop is a preemption, so the kernel itself aborts the section when
 *    the thread resumes), so the program's own checks prove its abort
 *    paths;
 *  - a registered thread inside a section whose rseq_cs does not point
 *    to it is reported (unprotected); a thread without a working
 *    registration is followed through the section, which must not commit
 *    (it must abort on its index check, or leave by an exit point).
 *
 * Exit status: the program's; 1 (or --violation-status) when the program
 * succeeded but a violation was found; 128+N when it was killed by signal
 * N; 2 on usage or tracing errors.
 */
#include "check.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	int argi = parse_options(argc, argv);

	if (argi < 0)
		return -argi - 1;
	if (!&rc_native_arch) {
		fprintf(stderr, "rseq-check: this architecture is not supported "
			"(tools/rseq-check/arch/ has x86-64 and aarch64)\n");
		return 2;
	}
	pid_t child = spawn(argv + argi);
	if (child < 0)
		return 2;
	int status = trace(child, argv[argi]);
	int incomplete = report();
	if (status)
		return status;
	if (tally.violations || incomplete)
		return opt.violation_status;
	return 0;
}
