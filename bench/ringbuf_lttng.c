/* SPDX-License-Identifier: MIT */
/*
 * ringbuf_lttng - the helper of ringbuf_bench that is linked with
 * liblttng-ust (built only when liblttng-ust-dev is installed; run by
 * ringbuf_bench, which starts the session daemon and a discard-mode
 * session before and tears them down after).
 *
 * Group lttng_16B_ts, both sides as a tracer runs:
 *   LTTng-UST tracepoint      lttng_ust_tracepoint() of a 16-byte event
 *                             into the session's discard-mode channel
 *                             (4 x 1 MiB sub-buffers per CPU; its consumer
 *                             daemon writes them to files)
 *   rseqkit, timestamps, file a 16-byte record with a CLOCK_MONOTONIC
 *                             timestamp (LTTng's clock) into the same
 *                             geometry, the consumer thread writing every
 *                             sub-buffer to a file
 * Target: rseqkit at most one fifth of LTTng-UST's cost per event per
 * writer at 2 writers, nothing lost on either side.
 */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "ringbuf_lttng_tp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ringbuf_common.h"

static uint64_t lttng_body(struct bench_thread *t, uint64_t n)
{
	uint64_t v = t->scratch[0];

	for (uint64_t i = 0; i < n; i++, v++)
		lttng_ust_tracepoint(rseqkit_bench, rec16, v, v + 1);
	t->scratch[0] = v;
	return n;
}

/* Events LTTng discarded in the session so far ('lttng list'), or -1. */
static long lttng_discarded(const char *session)
{
	char cmd[256], line[512];
	unsigned long long n;
	long total = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "lttng list %s --channel=ch 2>/dev/null", session);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char *s = strstr(line, "Discarded events:");

		if (!s || sscanf(s, "Discarded events: %llu", &n) != 1)
			continue;
		if (n > (1ull << 48)) {		/* not a count: unknown */
			pclose(p);
			return -1;
		}
		total = (total < 0 ? 0 : total) + (long)n;
	}
	pclose(p);
	return total;
}

static const char *session;
static long lttng_seen;			/* discarded events counted so far */
static int lttng_threads[RB_MAX_T];
static long lttng_lost[RB_MAX_T];	/* per thread count, all runs */

/* After each LTTng-UST run: the events the session discarded in it. */
static int lttng_verify(struct bench_case *c, int nthreads, uint64_t total)
{
	long now = lttng_discarded(session);
	int s;

	(void)c; (void)total;
	for (s = 0; s < RB_MAX_T && lttng_threads[s] && lttng_threads[s] != nthreads; s++)
		;
	if (now < 0) {		/* 'lttng list' gave no count: unknown */
		if (s < RB_MAX_T) {
			lttng_threads[s] = nthreads;
			lttng_lost[s] = -1;
		}
		return 0;
	}
	if (s < RB_MAX_T) {
		lttng_threads[s] = nthreads;
		if (lttng_lost[s] >= 0)
			lttng_lost[s] += now - lttng_seen;
	}
	lttng_seen = now;
	return 0;
}

static long lttng_lost_at(int threads)
{
	for (int s = 0; s < RB_MAX_T && lttng_threads[s]; s++)
		if (lttng_threads[s] == threads)
			return lttng_lost[s];
	return -1;
}

static struct rbcase rseqkit_file = { .kind = RB_RSEQKIT, .payload = 16,
	.clock = RSEQ_RINGBUF_CLOCK_MONOTONIC, .sb_size = 1u << 20, .nsb = 4 };
static struct rbcase rseqkit_counter = { .kind = RB_RSEQKIT, .payload = 16,
	.clock = RSEQ_RINGBUF_CLOCK_COUNTER, .sb_size = 1u << 20, .nsb = 4 };

static struct bench_case cases[] = {
	{ .name = "LTTng-UST tracepoint", .body = lttng_body, .verify = lttng_verify },
	{ .name = "rseqkit CLOCK_MONOTONIC + file", .body = rbc_rseqkit_body, .setup = rbc_setup,
	  .verify = rbc_verify, .needs_rseq = 1, .arg = &rseqkit_file },
	{ .name = "rseqkit counter + file", .body = rbc_rseqkit_body, .setup = rbc_setup,
	  .verify = rbc_verify, .needs_rseq = 1, .arg = &rseqkit_counter },
};

static struct bench_group group = {
	.name = "lttng_16B_ts", .baseline = "LTTng-UST tracepoint",
	.cases = cases, .ncases = 3,
};

int main(int argc, char **argv)
{
	const char *dir = getenv("RINGBUF_LTTNG_DIR");
	char file[4096], cmd[256];
	struct bench_opts o;
	long discarded;
	int T = 2;

	session = getenv("RINGBUF_LTTNG_SESSION");
	if (!session || !dir) {
		fprintf(stderr, "ringbuf_lttng: run by ringbuf_bench (it sets up the LTTng session)\n");
		return 2;
	}
	if (bench_init(&o, argc, argv))
		return 2;
	(void)rseq_register_current_thread();
	snprintf(file, sizeof(file), "%s/rseqkit.trace", dir);
	rseqkit_file.file = file;
	rseqkit_counter.file = file;
	bench_run_group(&o, &group);
	rbc_print_drops(group.name, cases + 1, 2);
	snprintf(cmd, sizeof(cmd), "lttng stop %s >/dev/null 2>&1", session);
	if (system(cmd))
		fprintf(stderr, "ringbuf_lttng: lttng stop failed\n");
	discarded = lttng_discarded(session);
	printf("LTTng-UST: %ld events discarded in the session, all runs (-1: 'lttng list' "
	       "gave no count); per thread count:", discarded);
	for (int s = 0; s < RB_MAX_T && lttng_threads[s]; s++)
		printf(" %dT %ld", lttng_threads[s], lttng_lost[s]);
	printf("\n");
	if (o.ncpus < 2)
		T = 1;
	{
		const struct bench_result *l = bench_find(group.name, "LTTng-UST tracepoint", T);

		for (int i = 1; i < 3; i++) {
			const struct bench_result *r = bench_find(group.name, cases[i].name, T);
			int64_t waits = rbc_waits(cases[i].arg, T);
			long lost = lttng_lost_at(T);

			if (l && r && !l->status && !r->status)
				printf("%s vs LTTng-UST at %d writers, consumer writing a file: "
				       "%.1f vs %.1f ns per record per writer = %.3fx (target <= 0.2: %s); "
				       "lost: rseqkit 0 (%lld full-buffer waits), LTTng-UST %ld%s\n",
				       cases[i].name, T, r->ns_per_op, l->ns_per_op, r->ratio,
				       r->ratio <= 0.2 ? "met" : "NOT met", (long long)waits, lost,
				       lost == 0 ? "" :
				       " (LTTng-UST lost events at this count: not comparable)");
		}
	}
	return bench_finish(&o);
}
