#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tools/check-long.sh - the core stress test (build/tests/param_test)
# under rseq-check with full boundary coverage, plus cs_prog with more
# threads. RSEQKIT_TEST_SCALE scales the iterations.
BUILD=${BUILD:-build}
CHECK=$BUILD/tools/rseq-check
SCALE=${RSEQKIT_TEST_SCALE:-10}
[ "$(uname -m)" = x86_64 ] || { echo "SKIP: rseq-check supports x86-64 only"; exit 77; }
fail=0
"$CHECK" --full -- "$BUILD/tools/test/cs_prog" good $((20000 * SCALE)) 4 || fail=1
"$CHECK" --full -- "$BUILD/tools/test/cs_prog" fork $((5000 * SCALE)) 2 || fail=1
PT=$BUILD/tests/param_test
if [ -x "$PT" ]; then
	# every operation family (param_test --help: -T picks it); a delay
	# at every injection point makes the delay-loop boundaries reachable.
	# The memcpy buffer (m) has length-dependent paths a run may not take:
	# its coverage is reported, not required.
	INJ="-1 2 -2 2 -3 2 -4 2 -5 2 -6 2 -7 2 -8 2 -9 2"
	for t in s l b m i o r; do
		full=--full
		[ "$t" = m ] && full=
		echo "== param_test -T $t under rseq-check $full"
		# shellcheck disable=SC2086
		"$CHECK" $full -- "$PT" -T "$t" $INJ -t 4 -r $((50 * SCALE)) || fail=1
	done
	"$CHECK" --full -- "$PT" -T i -c $INJ -t 4 -r $((50 * SCALE)) || fail=1
else
	echo "note: $PT not built: core stress test not run under rseq-check"
fi
[ $fail = 0 ]
