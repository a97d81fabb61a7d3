/* SPDX-License-Identifier: MIT */
/*
 * ringbuf_bench - rseqkit's per-CPU ring buffer against the same ring
 * buffer with compare-and-swap reserves and atomic commits (LTTng-UST's
 * algorithm, bench/ringbuf_alt.h), a mutex-protected per-CPU buffer, and
 * LTTng-UST itself.
 *
 * Groups (each case at 1..nproc and 2 x nproc writer threads, with a
 * consumer thread draining complete sub-buffers; ns per record per writer
 * from the writers' CPU time; records per second; drops reported):
 *   ringbuf_16B      16-byte payload, no timestamps (the baseline is the
 *                    compare-and-swap buffer: the target is <= 0.5)
 *   ringbuf_128B     128-byte payload
 *   ringbuf_16B_ts   16-byte payload, a CLOCK_MONOTONIC timestamp per
 *                    record (and rseqkit with the architecture's counter)
 * and, in a helper process linked with liblttng-ust (bench/ringbuf_lttng.c,
 * built when liblttng-ust-dev is installed), the LTTng-UST comparison:
 * this program starts its own session daemon and a discard-mode session,
 * runs the helper (LTTng-UST's tracepoint vs rseqkit with timestamps and
 * its consumer writing every sub-buffer to a file), then destroys the
 * session and stops the daemon.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ringbuf_common.h"

#define LTTNG_APT "apt-get install lttng-tools liblttng-ust-dev"

#define CASES(P, C)							\
	{ .name = "compare-and-swap (LTTng algorithm)", .body = rbc_cas_body,	\
	  .setup = rbc_setup, .verify = rbc_verify,				\
	  .arg = &(struct rbcase){ .kind = RB_CAS, .payload = P, .clock = C, \
				  .sb_size = 262144, .nsb = 4 } },	\
	{ .name = "rseqkit", .body = rbc_rseqkit_body, .setup = rbc_setup,	\
	  .verify = rbc_verify, .needs_rseq = 1,				\
	  .arg = &(struct rbcase){ .kind = RB_RSEQKIT, .payload = P, .clock = C, \
				  .sb_size = 262144, .nsb = 4 } },	\
	{ .name = "mutex per-CPU buffer", .body = rbc_mutex_body,		\
	  .setup = rbc_setup, .verify = rbc_verify,				\
	  .arg = &(struct rbcase){ .kind = RB_MUTEX, .payload = P, .clock = C, \
				  .sb_size = 262144, .nsb = 4 } }

static struct bench_case cases16[] = { CASES(16, RSEQ_RINGBUF_CLOCK_NONE) };
static struct bench_case cases128[] = { CASES(128, RSEQ_RINGBUF_CLOCK_NONE) };
static struct bench_case cases16ts[] = {
	CASES(16, RSEQ_RINGBUF_CLOCK_MONOTONIC),
	{ .name = "compare-and-swap (architecture counter)", .body = rbc_cas_body,
	  .setup = rbc_setup, .verify = rbc_verify,
	  .arg = &(struct rbcase){ .kind = RB_CAS, .payload = 16,
				  .clock = RSEQ_RINGBUF_CLOCK_COUNTER, .sb_size = 262144, .nsb = 4 } },
	{ .name = "rseqkit (architecture counter)", .body = rbc_rseqkit_body,
	  .setup = rbc_setup, .verify = rbc_verify, .needs_rseq = 1,
	  .arg = &(struct rbcase){ .kind = RB_RSEQKIT, .payload = 16,
				  .clock = RSEQ_RINGBUF_CLOCK_COUNTER, .sb_size = 262144, .nsb = 4 } },
};

#define NCASES(a)	((int)(sizeof(a) / sizeof((a)[0])))

static struct bench_group groups[] = {
	{ .name = "ringbuf_16B", .baseline = "compare-and-swap (LTTng algorithm)",
	  .cases = cases16, .ncases = NCASES(cases16) },
	{ .name = "ringbuf_128B", .baseline = "compare-and-swap (LTTng algorithm)",
	  .cases = cases128, .ncases = NCASES(cases128) },
	{ .name = "ringbuf_16B_ts", .baseline = "compare-and-swap (LTTng algorithm)",
	  .cases = cases16ts, .ncases = NCASES(cases16ts) },
};

static void summary(const struct bench_opts *o)
{
	int t2 = o->ncpus >= 2 ? 2 : 1;

	for (int i = 0; i < o->nthreads_list; i++) {
		int T = o->threads[i];
		const struct bench_result *r = bench_find("ringbuf_16B", "rseqkit", T);
		const struct bench_result *t = bench_find("ringbuf_16B_ts", "rseqkit", T);
		const struct bench_result *rc = bench_find("ringbuf_16B_ts",
							   "rseqkit (architecture counter)", T);
		const struct bench_result *cc = bench_find("ringbuf_16B_ts",
							   "compare-and-swap (architecture counter)", T);

		if (!r || r->status || !t || t->status)
			continue;
		printf("rseqkit vs compare-and-swap at %d writers: %.2fx the writer cost "
		       "(target <= 0.5: %s); with timestamps %.2fx (CLOCK_MONOTONIC both)",
		       T, r->ratio, r->ratio <= 0.5 ? "met" : "NOT met", t->ratio);
		if (rc && cc && !rc->status && !cc->status)
			printf(", %.2fx (the architecture counter both)", rc->ns_per_op / cc->ns_per_op);
		printf("\n");
	}
	(void)t2;
}

/* Run a command (argv), quietly unless it fails; its exit status. */
static int run_cmd(char *const argv[], const char *out)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool in_path(const char *prog)
{
	char *path = getenv("PATH"), *copy, *dir, *save = NULL;
	bool found = false;

	if (!path)
		return false;
	copy = strdup(path);
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/%s", dir, prog);
		found = access(p, X_OK) == 0;
	}
	free(copy);
	return found;
}

static pid_t read_pid(const char *file)
{
	FILE *f = fopen(file, "r");
	long pid = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return (pid_t)pid;
}

/*
 * LTTng-UST: a session daemon of our own, a discard-mode channel like
 * rseqkit's (4 sub-buffers of 1 MiB per CPU), the helper process traced
 * in it; then everything is torn down again.
 */
static void run_lttng(char **argv)
{
	char self[PATH_MAX], helper[PATH_MAX], dir[] = "/tmp/rseqkit-lttng-XXXXXX";
	char session[64], out[PATH_MAX + 16], log[PATH_MAX + 16], pidfile[PATH_MAX + 32];
	pid_t sessiond = 0, pid;
	int st;

	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(helper, sizeof(helper), "%s/ringbuf_lttng", dirname(self));
	if (access(helper, X_OK) || !in_path("lttng") || !in_path("lttng-sessiond")) {
		printf("lttng_16B_ts: LTTng-UST comparison skipped: LTTng-UST is not installed "
		       "(%s, then make bench)\n", LTTNG_APT);
		return;
	}
	if (!mkdtemp(dir)) {
		printf("lttng_16B_ts: skipped: mkdtemp: %s\n", strerror(errno));
		return;
	}
	setenv("LTTNG_HOME", dir, 1);
	snprintf(log, sizeof(log), "%s/lttng.log", dir);
	snprintf(session, sizeof(session), "rseqkit-bench-%d", (int)getpid());
	snprintf(out, sizeof(out), "--output=%s/trace", dir);
	/* Root's daemon keeps its pid under /var/run/lttng, a user's under
	 * $LTTNG_HOME/.lttng. */
	if (geteuid() == 0)
		snprintf(pidfile, sizeof(pidfile), "/var/run/lttng/lttng-sessiond.pid");
	else
		snprintf(pidfile, sizeof(pidfile), "%s/.lttng/lttng-sessiond.pid", dir);
	{
		char *a[] = { "lttng-sessiond", "--daemonize", "--no-kernel", NULL };

		if (read_pid(pidfile) > 0 && kill(read_pid(pidfile), 0) == 0) {
			printf("lttng_16B_ts: skipped: a session daemon already runs (%s)\n", pidfile);
			goto out;
		}
		if (run_cmd(a, log)) {
			printf("lttng_16B_ts: skipped: lttng-sessiond did not start (see %s)\n", log);
			goto out;
		}
		sessiond = read_pid(pidfile);
	}
	{
		char *c1[] = { "lttng", "create", session, out, NULL };
		char *c2[] = { "lttng", "enable-channel", "--userspace", "--session", session,
			       "--discard", "--subbuf-size=1M", "--num-subbuf=4",
			       "--tracefile-size=67108864", "--tracefile-count=2", "ch", NULL };
		char *c3[] = { "lttng", "enable-event", "--userspace", "--session", session,
			       "--channel=ch", "rseqkit_bench:*", NULL };
		char *c4[] = { "lttng", "start", session, NULL };

		if (run_cmd(c1, log) || run_cmd(c2, log) || run_cmd(c3, log) || run_cmd(c4, log)) {
			printf("lttng_16B_ts: skipped: the session could not be set up (see %s)\n", log);
			goto out;
		}
	}
	fflush(stdout);
	setenv("RINGBUF_LTTNG_SESSION", session, 1);
	setenv("RINGBUF_LTTNG_DIR", dir, 1);
	pid = fork();
	if (pid == 0) {
		argv[0] = helper;
		execv(helper, argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		printf("lttng_16B_ts: the helper %s failed\n", helper);
	{
		char *c5[] = { "lttng", "destroy", session, NULL };

		run_cmd(c5, log);
	}
out:
	if (sessiond > 0 && kill(sessiond, SIGTERM) == 0)
		for (int i = 0; i < 100 && kill(sessiond, 0) == 0; i++)
			usleep(50000);
	{
		char *rm[] = { "rm", "-rf", dir, NULL };

		run_cmd(rm, NULL);
	}
	unsetenv("LTTNG_HOME");
}

int main(int argc, char **argv)
{
	struct bench_opts o;

	if (bench_init(&o, argc, argv))
		return 2;
	(void)rseq_register_current_thread();
	printf("ring buffers in %s mode; writers' CPU time per record\n",
	       rseq_percpu_init() ? "rseq" : "atomic (no rseq: rseqkit rows use compare-and-swap)");
	for (int g = 0; g < NCASES(groups); g++) {
		bench_run_group(&o, &groups[g]);
		rbc_print_drops(groups[g].name, groups[g].cases, groups[g].ncases);
	}
	summary(&o);
	fflush(stdout);
	run_lttng(argv);
	return bench_finish(&o);
}
