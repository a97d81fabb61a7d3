/* SPDX-License-Identifier: MIT */
/*
 * bad_input_test - the bad-input table over the whole public surface
 * (issue 8): every exported function of src/librseqkit.map called with
 * boundary values - 0, 1, the largest valid, the smallest invalid,
 * SIZE_MAX, SIZE_MAX - k, 2^62, 2^63, negative and INT_MIN ints,
 * malformed CPU lists, NULL where a pointer is required - each case in a
 * child process with a time limit.  A case fails on a signal, a hang, a
 * wrong errno (or a failure without a reason), or an object that then
 * misbehaves: two allocations overlapping, a pushed item not popping
 * back, a created object that does not do its documented job.  The table
 * fails when an exported symbol has no case, so that a new function
 * cannot be added without one.  The exported variables are checked for
 * what they must hold.
 *
 *   bad_input_test [--no-rseq HELPER] [--filter TEXT]
 *
 * HELPER is tests/helpers/no-rseq (the cases that need rseq(2) denied
 * re-execute this program under it; without it they fail).  Run once, by
 * tests/bad_input.sh, not in every registration mode: the cases that
 * need rseqkit's own registration or no rseq re-execute this program in
 * that mode themselves.  The cases: tests/bad_input/<area>.c.
 */
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include "../harness.h"
#include "bi.h"
#include <rseqkit/rseq.h>
#include <rseqkit/pool.h>

/* The exported symbols, from src/librseqkit.map (generated at build time). */
static const char *const map_syms[] = {
#include "bad_input_map.h"
};
#define NR_MAP_SYMS	(sizeof(map_syms) / sizeof(map_syms[0]))

static struct bi_case *cases;
static size_t nr_cases, cap_cases;
int bi_nr_cpus;

/* ---- the table ---- */

/* The exported name of a source name (docs/surface.md, section 1). */
static const char *exported(const char *fn)
{
	static const char *const special[][2] = {
		{ "__rseq_register_current_thread", "selftests_register_current_thread" },
	};
	for (size_t k = 0; k < sizeof(special) / sizeof(special[0]); k++)
		if (!strcmp(fn, special[k][0]))
			return special[k][1];
	return strncmp(fn, "rseq_", 5) ? fn : fn + 5;
}

/* A size as its edge: SIZE_MAX - k, 2^n, 2^n + 1, or the number. */
static void fmt_size(char *out, size_t len, size_t v)
{
	if (v >= SIZE_MAX - 65536) {
		snprintf(out, len, v == SIZE_MAX ? "SIZE_MAX" : "SIZE_MAX-%zu", SIZE_MAX - v);
		return;
	}
	for (unsigned int n = 16; n < 8 * sizeof(size_t); n++) {
		size_t p = (size_t)1 << n;

		if (v == p || v == p + 1 || v == p - 1) {
			snprintf(out, len, "2^%u%s", n, v == p ? "" : v > p ? "+1" : "-1");
			return;
		}
	}
	snprintf(out, len, "%zu", v);
}

static void fmt_int(char *out, size_t len, long long v)
{
	if (v == INT_MIN)
		snprintf(out, len, "INT_MIN");
	else if (v == INT_MAX)
		snprintf(out, len, "INT_MAX");
	else
		snprintf(out, len, "%lld", v);
}

/* "u=rec_size v=capacity": each field named, in the report. */
static void fmt_args(struct bi_case *c, const char *names)
{
	char *o = c->args, val[64];
	size_t left = sizeof(c->args);

	*o = '\0';
	while (names && *names) {
		const char *end = strchr(names, ' ');
		size_t n = end ? (size_t)(end - names) : strlen(names);
		int w;

		if (n < 3 || names[1] != '=')
			break;
		switch (names[0]) {
		case 'u': fmt_size(val, sizeof(val), (size_t)c->u); break;
		case 'v': fmt_size(val, sizeof(val), (size_t)c->v); break;
		case 'i': fmt_int(val, sizeof(val), c->i); break;
		case 'j': fmt_int(val, sizeof(val), c->j); break;
		case 's': snprintf(val, sizeof(val), c->s ? "\"%s\"" : "NULL", c->s); break;
		case 'p': snprintf(val, sizeof(val), "%p", c->p); break;
		default: val[0] = '?'; val[1] = '\0'; break;
		}
		w = snprintf(o, left, "%s%.*s=%s", o == c->args ? "" : ", ", (int)n - 2,
			     names + 2, val);
		if (w < 0 || (size_t)w >= left)
			break;
		o += w;
		left -= (size_t)w;
		names += n;
		while (*names == ' ')
			names++;
	}
}

void bi_add(const char *fn, const void *addr, const char *(*run)(const struct bi_case *),
	    int want, const char *names, struct bi_args a)
{
	struct bi_case *c;

	(void)addr;	/* (the macro's reference: the function must exist) */
	if (nr_cases == cap_cases) {
		cap_cases = cap_cases ? 2 * cap_cases : 256;
		cases = (struct bi_case *)realloc(cases, cap_cases * sizeof(*cases));
		if (!cases) {
			perror("bad_input_test: realloc");
			exit(2);
		}
	}
	c = &cases[nr_cases++];
	memset(c, 0, sizeof(*c));
	c->fn = fn;
	c->sym = exported(fn);
	c->run = run;
	c->want = want;
	c->flags = a.flags;
	c->u = a.u;
	c->v = a.v;
	c->i = a.i;
	c->j = a.j;
	c->s = a.s;
	c->p = a.p;
	fmt_args(c, names);
}

/* ---- edges ---- */

size_t bi_sizes[48];
size_t bi_nr_sizes;

static void init_sizes(void)
{
	static const uint64_t v[] = {
		0, 1, 2, 7, 8, 9, 16, 17, 4095, 4096, 4097, BI_P(16), BI_P(20), BI_P(20) + 1,
		BI_P(24), BI_P(24) + 1, BI_P(31), BI_P(32), BI_P(36), BI_P(40), BI_P(40) + 1,
		BI_P(58), BI_P(61), BI_P(62), BI_P(63), BI_P(63) + 1,
	};
	static const size_t below_max[] = { 4095, 15, 7, 1, 0 };

	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
		if (v[k] < SIZE_MAX - 65536)
			bi_sizes[bi_nr_sizes++] = (size_t)v[k];
	for (size_t k = 0; k < sizeof(below_max) / sizeof(below_max[0]); k++)
		bi_sizes[bi_nr_sizes++] = SIZE_MAX - below_max[k];
}

size_t bi_ints(long long nr, long long *out)
{
	const long long v[] = { INT_MIN, INT_MIN + 1, -1000, -2, -1, 0, 1, nr - 1, nr, nr + 1,
				1 << 20, INT_MAX - 1, INT_MAX };
	size_t n = 0;

	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		bool dup = false;

		for (size_t m = 0; m < n; m++)
			dup |= out[m] == v[k];
		if (!dup && n < BI_NR_INTS)
			out[n++] = v[k];
	}
	return n;
}

/* ---- outcome checks ---- */

static char msg[512];

const char *bi_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return msg;
}

const char *bi_fail_errno(const char *what)
{
	int e = errno;

	return bi_fail("%s (errno %d, %s: %s)", what, e, strerror(e), rseq_error_reason());
}

static const char *want_name(int want)
{
	static char buf[48];

	switch (want) {
	case 0: return "success";
	case BI_OK_NOMEM: return "success or ENOMEM";
	case BI_EINVAL_NOMEM: return "EINVAL or ENOMEM";
	case BI_ANY: return "any";
	}
	snprintf(buf, sizeof(buf), "errno %d (%s)", want, strerror(want));
	return buf;
}

static const char *outcome(const struct bi_case *c, bool ok)
{
	int e = errno;
	const char *reason;

	if (ok) {
		if (c->want == 0 || c->want == BI_OK_NOMEM || c->want == BI_ANY)
			return NULL;
		return bi_fail("succeeded (want %s)", want_name(c->want));
	}
	reason = rseq_error_reason();
	if (!reason || !*reason)
		return bi_fail("failed with errno %d (%s) and no rseq_error_reason()", e, strerror(e));
	if (c->want == BI_ANY || e == c->want || (c->want == BI_OK_NOMEM && e == ENOMEM) ||
	    (c->want == BI_EINVAL_NOMEM && (e == EINVAL || e == ENOMEM)))
		return NULL;
	return bi_fail("failed with errno %d (%s: %s) (want %s)", e, strerror(e), reason,
		       want_name(c->want));
}

const char *bi_ptr(const struct bi_case *c, const void *p)
{
	return outcome(c, p != NULL);
}

const char *bi_int(const struct bi_case *c, long long r)
{
	if (r < -1)
		return bi_fail("returned %lld (a failure is -1)", r);
	return outcome(c, r != -1);
}

/* ---- running a case ---- */

static const char *no_rseq_helper;
static char self_exe[4096];

/* In the case's process: run it and send the verdict on fd. */
static __attribute__((noreturn)) void case_main(size_t k, int fd)
{
	const struct bi_case *c = &cases[k];
	const char *why;
	char out[sizeof(msg) + 8];
	size_t len;

	if (c->flags & BI_NOMB)
		setenv("RSEQKIT_PERCPU_NO_MEMBARRIER", "1", 1);
	why = c->run(c);
	len = (size_t)snprintf(out, sizeof(out), "%s%s", why ? "FAIL " : "OK", why ? why : "");
	if (len >= sizeof(out))
		len = sizeof(out) - 1;
	if (write(fd, out, len) < 0)
		_exit(3);
	_exit(0);
}

/* In the forked child: the mode the case needs, then the case. */
static __attribute__((noreturn)) void child(size_t k, int fd)
{
	const struct bi_case *c = &cases[k];
	struct rlimit nocore = { 0, 0 };
	char ks[32], fds[32];

	setrlimit(RLIMIT_CORE, &nocore);
	if (!(c->flags & (BI_OWN | BI_NORSEQ)))
		case_main(k, fd);
	snprintf(ks, sizeof(ks), "%zu", k);
	snprintf(fds, sizeof(fds), "%d", fd);
	if (c->flags & BI_OWN)
		setenv("GLIBC_TUNABLES", "glibc.pthread.rseq=0", 1);
	if (c->flags & BI_LEGACY)
		setenv("RSEQKIT_REG_SIZE", "legacy", 1);
	if (c->flags & BI_NORSEQ) {
		char *args[] = { (char *)no_rseq_helper, self_exe, (char *)"--case", ks,
				 (char *)"--fd", fds, NULL };

		if (!no_rseq_helper) {
			dprintf(fd, "FAIL needs tests/helpers/no-rseq (--no-rseq HELPER)");
			_exit(0);
		}
		execv(no_rseq_helper, args);
	} else {
		char *args[] = { self_exe, (char *)"--case", ks, (char *)"--fd", fds, NULL };

		execv(self_exe, args);
	}
	dprintf(fd, "FAIL exec: %s", strerror(errno));
	_exit(0);
}

/* Run case k in a child; NULL when it passed, else why (static). */
static const char *run_case(size_t k)
{
	static char verdict[sizeof(msg) + 64];
	struct timespec t0, now;
	size_t got = 0;
	int p[2], st = 0;
	pid_t pid;
	bool timed_out = false;

	if (pipe(p))
		return "pipe failed";
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return "fork failed";
	}
	if (pid == 0) {
		close(p[0]);
		child(k, p[1]);
	}
	close(p[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pf = { p[0], POLLIN, 0 };
		long ms;
		ssize_t r;

		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = BI_TIMEOUT_S * 1000L - ((now.tv_sec - t0.tv_sec) * 1000L +
					      (now.tv_nsec - t0.tv_nsec) / 1000000L);
		if (ms <= 0) {
			timed_out = true;
			break;
		}
		if (poll(&pf, 1, (int)ms) <= 0)
			continue;
		r = read(p[0], verdict + got, sizeof(verdict) - 1 - got);
		if (r <= 0)
			break;		/* EOF: the child (and its threads) are gone */
		got += (size_t)r;
		if (got == sizeof(verdict) - 1)
			break;
	}
	close(p[0]);
	if (timed_out)
		kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	verdict[got] = '\0';
	if (timed_out)
		return bi_fail("hung: killed after %d s", BI_TIMEOUT_S);
	if (WIFSIGNALED(st))
		return bi_fail("killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return bi_fail("exited with status %d", WEXITSTATUS(st));
	if (!strcmp(verdict, "OK"))
		return NULL;
	if (!strncmp(verdict, "FAIL ", 5))
		return bi_fail("%s", verdict + 5);
	return bi_fail("no verdict (\"%s\")", verdict);
}

/* ---- the report ---- */

static size_t cases_of(const char *sym)
{
	size_t n = 0;

	for (size_t k = 0; k < nr_cases; k++)
		n += !strcmp(cases[k].sym, sym);
	return n;
}

static bool in_map(const char *sym)
{
	for (size_t m = 0; m < NR_MAP_SYMS; m++)
		if (!strcmp(map_syms[m], sym))
			return true;
	return false;
}

/* Every exported symbol has a case; every case calls an exported one. */
static void check_coverage(void)
{
	for (size_t m = 0; m < NR_MAP_SYMS; m++)
		CHECK_MSG(cases_of(map_syms[m]) > 0,
			  "rseqkit_%s (src/librseqkit.map) has no case: add its cases to "
			  "tests/bad_input/<area>.c", map_syms[m]);
	for (size_t k = 0; k < nr_cases; k++)
		if (!in_map(cases[k].sym)) {
			CHECK_MSG(0, "a case calls %s, which src/librseqkit.map does not export "
				  "as rseqkit_%s", cases[k].fn, cases[k].sym);
			break;
		}
}

static void report(double secs, size_t ran)
{
	int col = 0;

	printf("cases per function (%zu functions and variables of src/librseqkit.map):\n",
	       NR_MAP_SYMS);
	for (size_t m = 0; m < NR_MAP_SYMS; m++) {
		printf("  %-36s %3zu%s", map_syms[m], cases_of(map_syms[m]), ++col % 3 ? "" : "\n");
	}
	if (col % 3)
		printf("\n");
	printf("NULL documented as allowed (a no-op, the defaults or a private pool):\n ");
	for (size_t m = 0; m < NR_MAP_SYMS; m++)
		for (size_t k = 0; k < nr_cases; k++)
			if (!strcmp(cases[k].sym, map_syms[m]) && (cases[k].flags & BI_NULL_OK)) {
				printf(" %s", cases[k].fn);
				break;
			}
	printf("\n%zu cases in all, %zu run, each in its own process: %.1f s; the slowest:\n",
	       nr_cases, ran, secs);
	for (int top = 0; top < 5; top++) {
		size_t best = nr_cases;

		for (size_t k = 0; k < nr_cases; k++)
			if (cases[k].secs > 0 && (best == nr_cases || cases[k].secs > cases[best].secs))
				best = k;
		if (best == nr_cases)
			break;
		printf("  %.2f s  %s(%s)\n", cases[best].secs, cases[best].fn, cases[best].args);
		cases[best].secs = -1;
	}
}

int main(int argc, char **argv)
{
	const char *filter = NULL;
	long long case_k = -1;
	int fd = -1;
	struct timespec t0, t1;
	size_t ran = 0;
	ssize_t n;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--no-rseq") && a + 1 < argc)
			no_rseq_helper = argv[++a];
		else if (!strcmp(argv[a], "--filter") && a + 1 < argc)
			filter = argv[++a];
		else if (!strcmp(argv[a], "--case") && a + 1 < argc)
			case_k = atoll(argv[++a]);
		else if (!strcmp(argv[a], "--fd") && a + 1 < argc)
			fd = atoi(argv[++a]);
		else {
			fprintf(stderr, "usage: %s [--no-rseq HELPER] [--filter TEXT]\n", argv[0]);
			return 2;
		}
	}
	/* The CPUs every structure and pool sizes itself by.  (In the
	 * parent nothing else of rseqkit runs: every case starts fresh.) */
	bi_nr_cpus = rseq_get_max_nr_cpus();
	if (bi_nr_cpus <= 0) {
		fprintf(stderr, "bad_input_test: no CPU count: %s\n", rseq_error_reason());
		return 2;
	}
	init_sizes();
	bi_core_cases();
	bi_pool_cases();
	bi_percpu_cases();
	bi_ringbuf_cases();
	if (case_k >= 0) {		/* a re-executed case */
		if ((size_t)case_k >= nr_cases || fd < 0)
			return 2;
		case_main((size_t)case_k, fd);
	}
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0) {
		fprintf(stderr, "bad_input_test: readlink /proc/self/exe: %s\n", strerror(errno));
		return 2;
	}
	self_exe[n] = '\0';
	check_coverage();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t k = 0; k < nr_cases; k++) {
		struct timespec c0, c1;
		const char *why;

		if (filter && !strstr(cases[k].fn, filter))
			continue;
		clock_gettime(CLOCK_MONOTONIC, &c0);
		why = run_case(k);
		clock_gettime(CLOCK_MONOTONIC, &c1);
		cases[k].secs = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
		ran++;
		CHECK_MSG(!why, "%s(%s) [case %zu%s%s%s]: %s", cases[k].fn, cases[k].args, k,
			  cases[k].flags & BI_OWN ? ", own registration" : "",
			  cases[k].flags & BI_NORSEQ ? ", rseq denied" : "",
			  cases[k].flags & BI_NOMB ? ", atomic mode" : "", why);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	report((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, ran);
	return test_done();
}
