/* SPDX-License-Identifier: MIT */
/*
 * vm_check.c - rseq-check inside the VM matrix (tests/tools/vm-hook.sh puts
 * it in the guest's /tests as "tools_check", and rseq-check in /bin): runs
 * the stress test param_test under rseq-check for several operation
 * families with a delay at every injection point, in whatever registration
 * mode the guest's init runs it (glibc, own, none).  With a registration,
 * every boundary of every section entered must be forced (--full); without
 * one (mode none: rseq denied), nothing may be reported.  Each run prints
 * rseq-check's coverage line.  Exit 0 pass, 1 fail, 77 skip.
 * On a host: vm_check RSEQ-CHECK PARAM_TEST.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK "/bin/rseq-check"
#define PARAM "/tests/param_test"

static int run(char *const argv[])
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv(argv[0], argv);
		fprintf(stderr, "vm_check: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	char *check = argc > 2 ? argv[1] : CHECK, *param = argc > 2 ? argv[2] : PARAM;
	const char *mode = getenv("RSEQKIT_TEST_MODE");
	const char *scale = getenv("RSEQKIT_TEST_SCALE");
	int registered = !mode || strcmp(mode, "none");
	int fail = 0, n = 0;
	char reps[16];
	struct stat st;

	if (stat(check, &st) || stat(param, &st)) {
		printf("SKIP: %s or %s missing\n", check, param);
		return 77;
	}
	snprintf(reps, sizeof(reps), "%d", scale ? 20 * (atoi(scale) > 0 ? atoi(scale) : 1) : 20);
	static const char *const families[] = { "i", "s", "l", "b" };
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		char *args[] = { check, registered ? "--full" : "--no-inject", "--",
				 param, "-T", (char *)families[i],
				 "-1", "2", "-2", "2", "-3", "2", "-4", "2", "-5", "2",
				 "-6", "2", "-7", "2", "-8", "2", "-9", "2",
				 "-t", "2", "-r", reps, NULL };
		int r = run(args);
		n++;
		printf("vm_check: rseq-check %s param_test -T %s (%s): exit %d\n",
		       args[1], families[i], mode ? mode : "default", r);
		fflush(stdout);
		if (r != 0)
			fail++;
	}
	printf("%d passed, %d failed\n", n - fail, fail);
	return fail ? 1 : 0;
}
