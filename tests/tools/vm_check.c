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
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK "/bin/rseq-check"
#define PARAM "/tests/param_test"

/* Print the state of pid and of every thread of it (state, wchan). */
static void show_process(pid_t pid, const char *who)
{
	char path[320], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char wchan[64] = "?";

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/wchan", (int)pid, e->d_name);
		if ((f = fopen(path, "r"))) {
			if (!fgets(wchan, sizeof(wchan), f))
				strcpy(wchan, "?");
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, e->d_name);
		if ((f = fopen(path, "r"))) {
			if (fgets(line, sizeof(line), f))
				printf("vm_check:   %s %d thread %s: wchan %s, stat %s", who, (int)pid,
				       e->d_name, wchan, line);
			fclose(f);
		}
	}
	closedir(d);
}

/* The children of pid (from /proc/<n>/stat's ppid), up to max. */
static int children_of(pid_t pid, pid_t *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		char path[320], line[512], *p;
		int ppid;
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
		fclose(f);
		if (p && sscanf(p + 1, " %*c %d", &ppid) == 1 && ppid == pid)
			out[n++] = (pid_t)atoi(e->d_name);
	}
	closedir(d);
	return n;
}

/*
 * One run of argv, for at most RUN_LIMIT seconds.  A run past it is a
 * hang: its threads' states (rseq-check's and the traced program's) are
 * printed for whoever reads the log, the tree is killed, and the caller
 * gets -2.
 */
#ifndef RUN_LIMIT
#define RUN_LIMIT 60
#endif
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
	for (int tick = 0; tick < RUN_LIMIT * 10; tick++) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0)
			return -1;
		usleep(100000);
	}
	pid_t kids[16];
	int nk = children_of(pid, kids, 16);

	printf("vm_check: HANG: %s still running after %d s; its threads:\n", argv[0], RUN_LIMIT);
	show_process(pid, "rseq-check");
	for (int k = 0; k < nk; k++)
		show_process(kids[k], "traced");
	fflush(stdout);
	for (int k = 0; k < nk; k++)
		kill(kids[k], SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -2;
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

		if (r == -2) {
			/*
			 * A hang of rseq-check with the traced program, seen once
			 * in CI (x86_64 7.2, own-full, the list family; not
			 * reproduced in 8 runs): its state is above; the run is
			 * repeated once, and a second hang fails.
			 */
			printf("vm_check: rseq-check %s param_test -T %s hung: once more\n",
			       args[1], families[i]);
			r = run(args);
		}
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
