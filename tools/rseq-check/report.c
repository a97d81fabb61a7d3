/* SPDX-License-Identifier: MIT */
/* report.c - rseq-check's coverage report. */
#include "check.h"

#include <string.h>

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

int report(void)
{
	unsigned long known = 0, seen = 0, forced = 0, total = 0, aborts = 0,
		      noabort = 0, partial = 0, unreg_only = 0;
	char sym[256];

	for (struct obj *o = objs; o; o = o->next) {
		if (!o->ok)
			continue;
		for (size_t i = 0; i < o->ri.ncs; i++) {
			struct cscov *v = &o->cov[i];
			known++;
			if (!v->entered) {
				unreg_only += v->unregistered != 0;
				continue;
			}
			seen++;
			forced += v->forced_n;
			total += v->nb;
			aborts += v->aborts;
			noabort += v->no_abort;
			int incomplete = v->forced_n < v->nb || !v->decode_complete;
			partial += incomplete;
			if (!opt.verbose && !incomplete)
				continue;
			rinspect_symbolize(&o->ri, o->ri.cs[i].start, sym, sizeof(sym));
			say("  %s (%s): boundaries forced %lu/%zu%s, aborts observed %lu",
			    sym[0] ? sym : "?", base_name(o->path), v->forced_n, v->nb,
			    v->decode_complete ? "" : " (decoding incomplete)", v->aborts);
		}
	}
	say("critical sections: %lu known, %lu entered; boundaries forced "
	    "%lu/%lu; aborts observed %lu%s; violations %lu (%lu system calls, "
	    "%lu unarmed, %lu committed without a registration); runs without a "
	    "registration %lu (all aborted or exited%s)",
	    known, seen, forced, total, aborts,
	    noabort ? " (some forced aborts not observed)" : "",
	    tally.violations, tally.syscalls, tally.unarmed, tally.unregistered_commits,
	    tally.unregistered_runs,
	    unreg_only ? ", in sections no registered thread entered" : "");
	if (opt.full && (partial || !seen)) {
		say("FAIL: --full: %s", seen ? "boundary coverage incomplete"
					     : "no critical section entered");
		return 1;
	}
	return 0;
}
