/* SPDX-License-Identifier: MIT */
/*
 * tests/vm/init.c - /init of the initramfs that `make check-vm` boots.
 *
 * Built statically for the guest architecture.  It mounts /proc, /sys,
 * /dev (devtmpfs) and /tmp (tmpfs), then runs every executable in /tests
 * once per registration mode, each with a timeout, and prints one
 * machine-readable line per run on the console:
 *
 *   RSEQKIT-BOOT release=<uname -r> machine=<uname -m> cpus=<n> uptime=<s>
 *   RSEQKIT-RESULT <test> <mode> PASS|FAIL|SKIP <seconds> [reason]
 *   RSEQKIT-SUMMARY pass=<n> fail=<n> skip=<n> total=<n> seconds=<s>
 *
 * then powers the machine off with reboot(RB_POWER_OFF).  A test's own
 * output is copied to the console with a "[test:mode] " prefix, so it can
 * never be mistaken for a result line.
 *
 * Modes (rseqkit.modes= on the kernel command line, comma separated):
 *   glibc       RSEQKIT_TEST_MODE=glibc: the C library registers rseq
 *   own-legacy  RSEQKIT_TEST_MODE=own, GLIBC_TUNABLES=glibc.pthread.rseq=0,
 *               RSEQKIT_REG_SIZE=legacy (32-byte registration)
 *   own-full    the same with RSEQKIT_REG_SIZE=full (feature-size area)
 *   none        RSEQKIT_TEST_MODE=none: a seccomp filter makes rseq(2)
 *               fail with ENOSYS
 * Other options: rseqkit.timeout=<seconds per run> (default 300),
 * rseqkit.scale=<RSEQKIT_TEST_SCALE>, rseqkit.only=<test,test,...>,
 * rseqkit.nopoweroff (stay up; for debugging).
 *
 * Per program (files next to it, not executable):
 *   /tests/NAME.args   its arguments, one line, separated by blanks
 *                      (at most 30)
 *   /tests/NAME.modes  the modes it runs in (comma separated; the others
 *                      are left out, not reported)
 *   /tests/NAME.rseq_debug  0 or 1: the kernel's rseq debug mode for its
 *                      runs (debugfs rseq/debug, Linux 6.19+), set back
 *                      afterwards; SKIP when it cannot be set
 * The kernel's own selftest programs (named ksft-* when built against
 * rseqkit, kref-* when built with the kernel's rseq.c) exit 4 (KSFT_SKIP)
 * to skip: SKIP for them, as 77 is for rseqkit's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#define TESTDIR "/tests"
#define MAXTESTS 512
#define MAXARGS 30

static char opt_modes[256] = "glibc,own-legacy,own-full,none";
static char opt_scale[32];
static char opt_only[1024];
static int opt_timeout = 300;
static int opt_nopoweroff;

/* One write() per line, so that lines from init are never torn apart. */
__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	while (n > 0) {
		ssize_t w = write(1, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		memmove(buf, buf + w, n - w);
		n -= w;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void setup_console(void)
{
	int fd;

	mkdir("/dev", 0755);
	/* a failure shows as a missing console; /dev/console may exist anyway */
	(void)mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

static void mount_fs(const char *src, const char *dir, const char *type)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, NULL) && errno != EBUSY)
		say("init: mount %s on %s: %s", type, dir, strerror(errno));
}

static void parse_cmdline(void)
{
	char buf[4096], *tok, *save;
	int fd = open("/proc/cmdline", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	for (tok = strtok_r(buf, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		if (!strncmp(tok, "rseqkit.modes=", 14))
			snprintf(opt_modes, sizeof(opt_modes), "%s", tok + 14);
		else if (!strncmp(tok, "rseqkit.timeout=", 16))
			opt_timeout = atoi(tok + 16) > 0 ? atoi(tok + 16) : opt_timeout;
		else if (!strncmp(tok, "rseqkit.scale=", 14))
			snprintf(opt_scale, sizeof(opt_scale), "%s", tok + 14);
		else if (!strncmp(tok, "rseqkit.only=", 13))
			snprintf(opt_only, sizeof(opt_only), "%s", tok + 13);
		else if (!strcmp(tok, "rseqkit.nopoweroff"))
			opt_nopoweroff = 1;
	}
}

static int in_list(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *p = list;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == len && !strncmp(p, name, len))
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

/* rseq(2) fails with ENOSYS, everything else is allowed. */
static int deny_rseq(void)
{
#ifdef __NR_rseq
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rseq, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
#else
	return 0;
#endif
}

struct outbuf {
	char line[512];
	size_t len;
};

static void out_flush(struct outbuf *o, const char *tag)
{
	if (!o->len)
		return;
	o->line[o->len] = 0;
	say("[%s] %s", tag, o->line);
	o->len = 0;
}

static void out_feed(struct outbuf *o, const char *tag, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			out_flush(o, tag);
			continue;
		}
		if (p[i] == '\r')
			continue;
		o->line[o->len++] = p[i];
		if (o->len >= sizeof(o->line) - 1)
			out_flush(o, tag);
	}
}

/*
 * The first line of /tests/NAME.EXT into buf ("" when there is none);
 * 1 when the file exists.
 */
static int read_side_file(const char *name, const char *ext, char *buf, size_t len)
{
	char path[512];
	ssize_t n;
	int fd;

	buf[0] = 0;
	snprintf(path, sizeof(path), TESTDIR "/%s.%s", name, ext);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 1;
}

#define RSEQ_DEBUG_FILE "/sys/kernel/debug/rseq/debug"

/* The kernel's rseq debug switch: its value before, or -1 (and why). */
static int set_rseq_debug(const char *value, char *why, size_t whylen)
{
	char old[8] = "";
	ssize_t n = -1;
	int fd;

	mkdir("/sys/kernel/debug", 0755);
	(void)mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	fd = open(RSEQ_DEBUG_FILE, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, old, sizeof(old) - 1);
		close(fd);
	}
	/* (a seq_file: a fresh open for the write, not pwrite) */
	fd = n > 0 ? open(RSEQ_DEBUG_FILE, O_WRONLY) : -1;
	if (fd < 0 || write(fd, value, strlen(value)) != (ssize_t)strlen(value)) {
		snprintf(why, whylen, "cannot set the kernel's rseq debug mode (" RSEQ_DEBUG_FILE
			 ") to %s: %s", value, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return old[0] == '1';
}

/* A kernel selftest program: its exit status 4 is KSFT_SKIP. */
static int is_kselftest(const char *name)
{
	return !strncmp(name, "ksft-", 5) || !strncmp(name, "kref-", 5);
}

/* Runs one test in one mode; returns 0 pass, 1 fail, 2 skip. */
static int run_one(const char *name, const char *mode, double *secs, char *why, size_t whylen)
{
	char path[512], tag[300], scale[64], *envp[16], *argv[MAXARGS + 2];
	char args[1024], *asave;
	int argc = 1;
	int pipefd[2], envc = 0, status = 0, done = 0, eof = 0, timed_out = 0;
	struct outbuf ob = { .len = 0 };
	double t0 = now(), deadline = t0 + opt_timeout, grace = 0;
	pid_t pid;

	snprintf(path, sizeof(path), TESTDIR "/%s", name);
	snprintf(tag, sizeof(tag), "%s:%s", name, mode);
	envp[envc++] = "PATH=/tests:/";
	envp[envc++] = "HOME=/tmp";
	envp[envc++] = "TMPDIR=/tmp";
	envp[envc++] = "RSEQKIT_VM=1";
	if (!strcmp(mode, "glibc")) {
		envp[envc++] = "RSEQKIT_TEST_MODE=glibc";
	} else if (!strcmp(mode, "own-legacy") || !strcmp(mode, "own-full") || !strcmp(mode, "own")) {
		envp[envc++] = "RSEQKIT_TEST_MODE=own";
		envp[envc++] = "GLIBC_TUNABLES=glibc.pthread.rseq=0";
		if (!strcmp(mode, "own-legacy"))
			envp[envc++] = "RSEQKIT_REG_SIZE=legacy";
		else if (!strcmp(mode, "own-full"))
			envp[envc++] = "RSEQKIT_REG_SIZE=full";
	} else if (!strcmp(mode, "none")) {
		envp[envc++] = "RSEQKIT_TEST_MODE=none";
	} else {
		snprintf(why, whylen, "unknown mode");
		*secs = 0;
		return 1;
	}
	if (opt_scale[0]) {
		snprintf(scale, sizeof(scale), "RSEQKIT_TEST_SCALE=%s", opt_scale);
		envp[envc++] = scale;
	}
	envp[envc] = NULL;
	argv[0] = path;	/* a full path, as a shell would give: tests re-exec argv[0] */
	if (read_side_file(name, "args", args, sizeof(args)))
		for (char *a = strtok_r(args, " \t", &asave); a && argc <= MAXARGS;
		     a = strtok_r(NULL, " \t", &asave))
			argv[argc++] = a;
	argv[argc] = NULL;

	if (pipe2(pipefd, O_CLOEXEC)) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return 1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		if (chdir("/tmp"))
			_exit(126);
		if (!strcmp(mode, "none") && deny_rseq()) {
			dprintf(2, "init: seccomp: %s\n", strerror(errno));
			_exit(126);
		}
		execve(path, argv, envp);
		dprintf(2, "init: execve %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	close(pipefd[1]);

	while (!done || !eof) {
		double left = deadline - now();
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		int r;

		if (left <= 0) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			if (!done && waitpid(pid, &status, 0) == pid)
				done = 1;
			break;
		}
		if (!eof) {
			int ms = left > 0.2 ? 200 : (int)(left * 1000) + 1;

			r = poll(&pfd, 1, ms);
			if (r > 0) {
				char buf[1024];
				ssize_t n = read(pipefd[0], buf, sizeof(buf));

				if (n > 0)
					out_feed(&ob, tag, buf, n);
				else if (n == 0 || (errno != EINTR && errno != EAGAIN))
					eof = 1;
			}
		} else {
			usleep(20000);
		}
		if (!done) {
			pid_t w;
			int st;

			/* PID 1 reaps everything, including orphans of the test. */
			while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
				if (w == pid) {
					status = st;
					done = 1;
				}
			}
		}
		if (done && !eof) {
			/*
			 * A leftover grandchild may hold the pipe open: give
			 * the remaining output 2 s, then kill the group.
			 */
			if (!grace)
				grace = now() + 2;
			if (now() > grace) {
				kill(-pid, SIGKILL);
				eof = 1;
			}
		}
	}
	out_flush(&ob, tag);
	close(pipefd[0]);
	kill(-pid, SIGKILL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	*secs = now() - t0;
	if (timed_out) {
		snprintf(why, whylen, "timeout after %d s", opt_timeout);
		return 1;
	}
	if (WIFSIGNALED(status)) {
		snprintf(why, whylen, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
		return 1;
	}
	if (WIFEXITED(status)) {
		if (WEXITSTATUS(status) == 0)
			return 0;
		if (WEXITSTATUS(status) == 77 ||
		    (WEXITSTATUS(status) == 4 && is_kselftest(name)))
			return 2;
		snprintf(why, whylen, "exit status %d", WEXITSTATUS(status));
		return 1;
	}
	snprintf(why, whylen, "unknown status 0x%x", status);
	return 1;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void finish(void)
{
	sync();
	if (opt_nopoweroff) {
		say("init: rseqkit.nopoweroff: staying up");
		for (;;)
			pause();
	}
	reboot(RB_POWER_OFF);
	say("init: reboot(RB_POWER_OFF): %s", strerror(errno));
	for (;;)
		pause();
}

int main(void)
{
	char *names[MAXTESTS], modes[256], *mode, *save;
	int ntests = 0, pass = 0, fail = 0, skip = 0;
	struct utsname u;
	struct sysinfo si;
	double t0;
	DIR *d;
	struct dirent *de;

	setup_console();
	mount_fs("proc", "/proc", "proc");
	mount_fs("sysfs", "/sys", "sysfs");
	mount_fs("tmpfs", "/tmp", "tmpfs");
	parse_cmdline();
	signal(SIGPIPE, SIG_IGN);

	uname(&u);
	sysinfo(&si);
	say("RSEQKIT-BOOT release=%s machine=%s cpus=%ld uptime=%ld",
	    u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN), (long)si.uptime);

	d = opendir(TESTDIR);
	if (!d) {
		say("init: %s: %s", TESTDIR, strerror(errno));
		say("RSEQKIT-SUMMARY pass=0 fail=1 skip=0 total=1 seconds=0");
		finish();
	}
	while ((de = readdir(d)) && ntests < MAXTESTS) {
		char path[512];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), TESTDIR "/%s", de->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode) || !(st.st_mode & 0111) ||
		    strchr(de->d_name, '.'))
			continue;
		if (opt_only[0] && !in_list(opt_only, de->d_name))
			continue;
		names[ntests++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, ntests, sizeof(names[0]), cmpstr);

	t0 = now();
	for (int i = 0; i < ntests; i++) {
		char only_modes[256];
		int restricted = read_side_file(names[i], "modes", only_modes, sizeof(only_modes));

		snprintf(modes, sizeof(modes), "%s", opt_modes);
		for (mode = strtok_r(modes, ",", &save); mode; mode = strtok_r(NULL, ",", &save)) {
			static const char *const verdict[] = { "PASS", "FAIL", "SKIP" };
			char why[256] = "", dbg[256];
			double secs = 0;
			int r, old_dbg = -1;

			if (restricted && !in_list(only_modes, mode))
				continue;
			if (read_side_file(names[i], "rseq_debug", dbg, sizeof(dbg)) &&
			    (old_dbg = set_rseq_debug(dbg, why, sizeof(why))) < 0) {
				r = 2;
			} else {
				r = run_one(names[i], mode, &secs, why, sizeof(why));
				if (old_dbg >= 0)
					(void)set_rseq_debug(old_dbg ? "1" : "0", dbg, sizeof(dbg));
			}

			if (r == 0)
				pass++;
			else if (r == 1)
				fail++;
			else
				skip++;
			say("RSEQKIT-RESULT %s %s %s %.2f%s%s", names[i], mode, verdict[r],
			    secs, why[0] ? " " : "", why);
		}
	}
	say("RSEQKIT-SUMMARY pass=%d fail=%d skip=%d total=%d seconds=%.1f",
	    pass, fail, skip, pass + fail + skip, now() - t0);
	finish();
	return 0;
}
