#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/run.sh - the test runner behind 'make check'.
#
#   run.sh --tests "PROGRAMS" --scripts "SCRIPTS"
#
# Runs every test program in each registration mode:
#   glibc     the C library registers rseq (default on glibc >= 2.35)
#   own       GLIBC_TUNABLES=glibc.pthread.rseq=0: rseqkit registers its own
#   none      tests/helpers/no-rseq: a seccomp filter makes rseq(2) fail
#   valgrind  under valgrind, which makes rseq(2) fail (if installed)
# and every script once.  Exit status 0 is a pass, 77 a skip (the test
# prints why), anything else (or a timeout) a failure.  Logs go to
# $BUILD/test-logs/.  Ends with "N passed, N failed, N skipped".
#
# Environment: RSEQKIT_TEST_MODES (space-separated subset of the modes),
# RSEQKIT_TEST_TIMEOUT (seconds per run, default 240), RSEQKIT_TEST_FILTER
# (only tests whose name contains it).

BUILD=${BUILD:-build}
TESTS=
SCRIPTS=
while [ $# -gt 0 ]; do
	case "$1" in
	--tests) TESTS=$2; shift 2 ;;
	--scripts) SCRIPTS=$2; shift 2 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

MODES=${RSEQKIT_TEST_MODES:-"glibc own none valgrind"}
TIMEOUT=${RSEQKIT_TEST_TIMEOUT:-240}
LOGS=$BUILD/test-logs
mkdir -p "$LOGS"
NORSEQ=$BUILD/tests/helpers/no-rseq
passed=0; failed=0; skipped=0; failures=

have_valgrind=no
command -v valgrind >/dev/null 2>&1 && have_valgrind=yes

report() {	# name mode status seconds log
	case "$3" in
	0)  passed=$((passed + 1)); echo "PASS  $1 [$2] ($4 s)" ;;
	77) skipped=$((skipped + 1))
	    echo "SKIP  $1 [$2]: $(grep -m1 '^SKIP' "$5" | sed 's/^SKIP: *//')" ;;
	*)  failed=$((failed + 1)); failures="$failures $1[$2]"
	    if [ "$3" = 124 ]; then why="timed out after ${TIMEOUT}s"; else why="exit $3"; fi
	    echo "FAIL  $1 [$2] ($why); last lines of $5:"
	    tail -n 15 "$5" | sed 's/^/      /' ;;
	esac
}

run_one() {	# name mode command...
	name=$1; mode=$2; shift 2
	log=$LOGS/$name.$mode.log
	start=$(date +%s)
	RSEQKIT_TEST_MODE=$mode timeout -k 10 "$TIMEOUT" "$@" >"$log" 2>&1
	st=$?
	end=$(date +%s)
	report "$name" "$mode" "$st" "$((end - start))" "$log"
}

for t in $TESTS; do
	name=$(basename "$t")
	case "$name" in *"${RSEQKIT_TEST_FILTER:-}"*) ;; *) continue ;; esac
	for mode in $MODES; do
		case "$mode" in
		glibc) run_one "$name" glibc "$t" ;;
		own)   GLIBC_TUNABLES=glibc.pthread.rseq=0 run_one "$name" own "$t" ;;
		none)  run_one "$name" none "$NORSEQ" "$t" ;;
		valgrind)
			# valgrind's memcheck reports glibc's static start-up
			# code itself; static binaries skip this mode.
			case "$name" in static_*) continue ;; esac
			if [ $have_valgrind = yes ]; then
				run_one "$name" valgrind valgrind -q --error-exitcode=99 \
					--trace-children=yes "$t"
			fi ;;
		esac
	done
done

for s in $SCRIPTS; do
	name=$(basename "$s")
	case "$name" in *"${RSEQKIT_TEST_FILTER:-}"*) ;; *) continue ;; esac
	run_one "$name" script sh "$s"
done

[ $have_valgrind = yes ] || echo "NOTE  valgrind not installed: the valgrind mode did not run"
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
