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
#   valgrind  under valgrind, which makes rseq(2) fail (if installed), with
#             the loop counts scaled by RSEQKIT_TEST_VALGRIND_SCALE (0.25 of
#             RSEQKIT_TEST_SCALE: valgrind runs code 20-50 times slower,
#             and what it checks, memory errors, does not need the count)
# and every script once.  The C++ twins (tests named *_cxx, the same
# sources built as C++) run in the glibc and own modes only: their point is
# that the headers compile and behave as C++; the C build of the same
# source covers none and valgrind.  Exit status 0 is a pass, 77 a skip (the
# test prints why), anything else (or a timeout) a failure.  Logs go to
# $BUILD/test-logs/.  Ends with "N passed, N failed, N skipped".
#
# Runs RSEQKIT_TEST_JOBS runs at a time (default: the number of CPUs, at
# most 8; 1 runs everything in order).  No test has a timing threshold,
# so running two at a time changes how long they take, not what they
# check.  The scripts that run make in $BUILD (MAKE_SCRIPTS below: two
# makes in one build folder race) run one after another, on one lane.
#
# Environment: RSEQKIT_TEST_MODES (space-separated subset of the modes),
# RSEQKIT_TEST_TIMEOUT (seconds per run, default 240), RSEQKIT_TEST_FILTER
# (only tests whose name contains it), RSEQKIT_TEST_JOBS.

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
SCALE=${RSEQKIT_TEST_SCALE:-1}
VGSCALE=${RSEQKIT_TEST_VALGRIND_SCALE:-$(awk -v s="$SCALE" 'BEGIN { print s * 0.25 }')}
JOBS=${RSEQKIT_TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
case "$JOBS" in ''|*[!0-9]*|0) JOBS=1 ;; esac
[ "$JOBS" -gt 8 ] && [ -z "${RSEQKIT_TEST_JOBS:-}" ] && JOBS=8
# Scripts that run make in $BUILD: never two at a time.
MAKE_SCRIPTS="install_check.sh help_check.sh man_date_check.sh gdb-autoload.sh"
LOGS=$BUILD/test-logs
NORSEQ=$BUILD/tests/helpers/no-rseq
mkdir -p "$LOGS"
Q=$LOGS/.queue.$$
rm -rf "$Q"; mkdir -p "$Q/claim" "$Q/status"
trap 'rm -rf "$Q"' EXIT
trap 'exit 130' INT TERM

have_valgrind=no
command -v valgrind >/dev/null 2>&1 && have_valgrind=yes

# -- the list of runs: "name mode path", one a line ------------------------
serial=$Q/serial; shared=$Q/shared
: > "$serial"; : > "$shared"
for s in $SCRIPTS; do
	name=$(basename "$s")
	case "$name" in *"${RSEQKIT_TEST_FILTER:-}"*) ;; *) continue ;; esac
	case " $MAKE_SCRIPTS " in
	*" $name "*) echo "$name script $s" >> "$serial" ;;
	*) echo "$name script $s" >> "$shared" ;;
	esac
done
for t in $TESTS; do
	name=$(basename "$t")
	case "$name" in *"${RSEQKIT_TEST_FILTER:-}"*) ;; *) continue ;; esac
	for mode in $MODES; do
		case "$name:$mode" in
		*_cxx:none|*_cxx:valgrind) continue ;;
		# valgrind's memcheck reports glibc's static start-up code
		# itself; static binaries skip this mode.
		static_*:valgrind) continue ;;
		*:valgrind) [ $have_valgrind = yes ] || continue ;;
		esac
		echo "$name $mode $t" >> "$shared"
	done
done

# -- one run ---------------------------------------------------------------
report() {	# idx name mode status seconds log
	case "$4" in
	0)  msg="PASS  $2 [$3] ($5 s)" ;;
	77) msg="SKIP  $2 [$3]: $(grep -m1 '^SKIP' "$6" | sed 's/^SKIP: *//')" ;;
	*)  if [ "$4" = 124 ]; then why="timed out after ${TIMEOUT}s"; else why="exit $4"; fi
	    msg="FAIL  $2 [$3] ($why); last lines of $6:
$(tail -n 15 "$6" | sed 's/^/      /')" ;;
	esac
	echo "$4 $2[$3]" > "$Q/status/$1"
	printf '%s\n' "$msg"
}

run_one() {	# idx name mode path
	idx=$1 name=$2 mode=$3 path=$4
	log=$LOGS/$name.$mode.log
	start=$(date +%s)
	case "$mode" in
	script) RSEQKIT_TEST_MODE=script timeout -k 10 "$TIMEOUT" sh "$path" ;;
	glibc)  RSEQKIT_TEST_MODE=glibc timeout -k 10 "$TIMEOUT" "$path" ;;
	own)    RSEQKIT_TEST_MODE=own GLIBC_TUNABLES=glibc.pthread.rseq=0 \
			timeout -k 10 "$TIMEOUT" "$path" ;;
	none)   RSEQKIT_TEST_MODE=none timeout -k 10 "$TIMEOUT" "$NORSEQ" "$path" ;;
	valgrind)
		RSEQKIT_TEST_MODE=valgrind RSEQKIT_TEST_SCALE=$VGSCALE \
			timeout -k 10 "$TIMEOUT" valgrind -q --error-exitcode=99 \
			--trace-children=yes "$path" ;;
	esac >"$log" 2>&1 </dev/null
	st=$?
	report "$idx" "$name" "$mode" "$st" "$(($(date +%s) - start))" "$log"
}

# A lane runs its own list first (lane 1: the scripts that run make), then
# takes runs from the shared list; mkdir claims a run atomically.
lane() {	# own-list
	i=0
	while read -r name mode path; do
		i=$((i + 1))
		run_one "s$i" "$name" "$mode" "$path"
	done < "$1"
	i=0
	while read -r name mode path; do
		i=$((i + 1))
		mkdir "$Q/claim/$i" 2>/dev/null || continue
		run_one "q$i" "$name" "$mode" "$path"
	done < "$shared"
}

: > "$Q/none"
if [ "$JOBS" -le 1 ]; then
	lane "$serial"
else
	lane "$serial" &
	pids=$!
	n=1
	while [ $n -lt "$JOBS" ]; do
		lane "$Q/none" &
		pids="$pids $!"
		n=$((n + 1))
	done
	for p in $pids; do wait "$p"; done
fi

# -- the summary, in list order ----------------------------------------------
passed=0; failed=0; skipped=0; failures=
expected=$(cat "$serial" "$shared" | wc -l)
reported=$(ls "$Q/status" | wc -l)
if [ "$reported" -ne "$expected" ]; then
	echo "FAIL  runner: $((expected - reported)) of $expected runs did not report"
	failed=$((failed + expected - reported)); failures=" (runs that did not report)"
fi
for f in $(cd "$Q/status" && ls | sort -k1.1,1.1 -k1.2n); do
	read -r st what < "$Q/status/$f"
	case "$st" in
	0) passed=$((passed + 1)) ;;
	77) skipped=$((skipped + 1)) ;;
	*) failed=$((failed + 1)); failures="$failures $what" ;;
	esac
done
[ $have_valgrind = yes ] || echo "NOTE  valgrind not installed: the valgrind mode did not run"
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
