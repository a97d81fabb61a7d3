#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/soak.sh - 'make check-soak': the stress tests, in rounds of rising
# scale, until they have verified SOAK_TARGET operations in all (default
# 10^10).  One operation is one increment, lock/unlock pair, push, pop,
# alloc or free whose effect a test accounted for: each test prints
# "VERIFIED-OPS <n>" for the runs whose exact checks passed.  A run that
# fails a check (something lost, duplicated or corrupted), is killed by a
# signal, hangs past SOAK_RUN_TIMEOUT or prints no count ends the soak
# with its log.
#
# Round r runs every test once at RSEQKIT_TEST_SCALE = min(2^r, its cap),
# alternating the registration mode (even rounds: the C library's, odd
# rounds: rseqkit's own, GLIBC_TUNABLES=glibc.pthread.rseq=0).  Not the
# tracer-driven runs (rseq-check): 'make check-long' has those.
#
# Environment: BUILD, SOAK_TARGET, SOAK_MAX_SCALE (default 64; pool_test
# goes 16 times further: its churn is short), SOAK_RUN_TIMEOUT (seconds
# per run, default 3600), SOAK_TESTS (default: all five).

BUILD=${BUILD:-build}
TARGET=${SOAK_TARGET:-10000000000}
MAX=${SOAK_MAX_SCALE:-64}
RUN_TIMEOUT=${SOAK_RUN_TIMEOUT:-3600}
TESTS=${SOAK_TESTS:-"param_test percpu_stress pool_test ringbuf_stress malloc_stress"}
LOGS=$BUILD/soak
mkdir -p "$LOGS"

for t in $TESTS; do
	[ -x "$BUILD/tests/$t" ] || { echo "check-soak: $BUILD/tests/$t is not built"; exit 2; }
done

cap_of() {	# test -> its largest scale
	case "$1" in
	pool_test) echo $((MAX * 16)) ;;
	*) echo "$MAX" ;;
	esac
}

# Per test: operations and runs (variables ops_<test>, runs_<test>).
for t in $TESTS; do
	eval "ops_$t=0 runs_$t=0 top_$t=0"
done
total=0
round=0
start=$(date +%s)
echo "check-soak: until $TARGET verified operations; logs in $LOGS/"
while [ "$total" -lt "$TARGET" ]; do
	if [ $((round % 2)) -eq 0 ]; then mode=glibc; else mode=own; fi
	for t in $TESTS; do
		cap=$(cap_of "$t")
		scale=1; i=0
		while [ $i -lt $round ] && [ $((scale * 2)) -le "$cap" ]; do
			scale=$((scale * 2)); i=$((i + 1))
		done
		log=$LOGS/$t.$round.log
		t0=$(date +%s)
		if [ $mode = own ]; then
			GLIBC_TUNABLES=glibc.pthread.rseq=0 RSEQKIT_TEST_MODE=own \
			RSEQKIT_TEST_SCALE=$scale timeout -k 10 "$RUN_TIMEOUT" \
				"$BUILD/tests/$t" >"$log" 2>&1
		else
			RSEQKIT_TEST_MODE=glibc RSEQKIT_TEST_SCALE=$scale \
				timeout -k 10 "$RUN_TIMEOUT" "$BUILD/tests/$t" >"$log" 2>&1
		fi
		st=$?
		t1=$(date +%s)
		n=$(awk '/^VERIFIED-OPS [0-9]+$/ { s += $2 } END { printf "%.0f", s }' "$log")
		if [ $st -ne 0 ] || ! grep -q '^VERIFIED-OPS ' "$log"; then
			if [ $st -eq 124 ] || [ $st -eq 137 ]; then why="hung: killed after ${RUN_TIMEOUT}s"
			elif [ $st -gt 128 ]; then why="killed by signal $((st - 128))"
			elif [ $st -ne 0 ]; then why="exit $st"
			else why="no VERIFIED-OPS line"; fi
			echo "FAIL  $t [round $round, $mode, scale $scale]: $why; last lines of $log:"
			tail -n 20 "$log" | sed 's/^/      /'
			echo "check-soak: FAILED after $total verified operations, $(( $(date +%s) - start )) s"
			exit 1
		fi
		eval "ops_$t=\$((ops_$t + n)) runs_$t=\$((runs_$t + 1)) top_$t=$scale"
		total=$((total + n))
		echo "round $round ($mode) $t scale $scale: $n operations in $((t1 - t0)) s (total $total)"
	done
	round=$((round + 1))
done
wall=$(( $(date +%s) - start ))
echo
echo "check-soak: $total verified operations in $wall s ($((wall / 60)) min $((wall % 60)) s), $round rounds"
for t in $TESTS; do
	eval "n=\$ops_$t r=\$runs_$t s=\$top_$t"
	printf '  %-16s %16s operations in %3s runs (scale up to %s)\n' "$t" "$n" "$r" "$s"
done
echo "  lost: 0 (every run's exact accounting held: counts, sums, nodes, records, objects)"
