/* SPDX-License-Identifier: MIT */
/* spawn.c - the traced child: fork, PTRACE_TRACEME, stop, exec. */
#include "check.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t spawn(char **argv)
{
	int st;
	pid_t child = fork();

	if (child < 0) {
		perror("rseq-check: fork");
		return -1;
	}
	if (child == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL)) {
			perror("rseq-check: PTRACE_TRACEME");
			_exit(126);
		}
		raise(SIGSTOP);
		execvp(argv[0], argv);
		fprintf(stderr, "rseq-check: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(child, &st, 0) != child || !WIFSTOPPED(st)) {
		fprintf(stderr, "rseq-check: the child did not stop\n");
		return -1;
	}
	long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE |
		    PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
		    PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
	if (ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)opts)) {
		perror("rseq-check: PTRACE_SETOPTIONS");
		kill(child, SIGKILL);
		return -1;
	}
	return child;
}
