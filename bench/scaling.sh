#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/scaling.sh - one-shot scaling run of the benchmarks, e.g. on a
# 16-core machine:
#
#   sh bench/scaling.sh OUTDIR            (from the top of the source tree)
#
# Builds the library and the benchmark programs (make, BUILD=OUTDIR/build
# unless BUILD is set), then runs every program of BENCH_PROGS at
# THREADS="1 2 4 8 16" (counts above the CPUs of the affinity mask are
# dropped; OVERSUB=1 adds 2 x the CPUs), with the wall clock (the machine
# should be otherwise idle; CLOCK=cpu for thread CPU time), RUNS=5 runs of
# DURATION_MS=300 ms each.  Writes:
#   OUTDIR/results.csv   group,case,threads,ns_per_op,mops,ratio_vs_baseline,baseline
#   OUTDIR/table.txt     the tables and the target summary
#   OUTDIR/system.txt    CPU model, kernel, glibc, compiler, settings
# Exit status: 0, or 1 when a program failed (a verification included).
set -u
OUT=${1:?usage: sh bench/scaling.sh OUTDIR}
THREADS=${THREADS:-"1 2 4 8 16"}
RUNS=${RUNS:-5}
DURATION_MS=${DURATION_MS:-300}
CLOCK=${CLOCK:-wall}
OVERSUB=${OVERSUB:-0}
MAKE=${MAKE:-make}

mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)
BUILD=${BUILD:-$OUT/build}

ncpus=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)
list=
for t in $THREADS; do
	if [ "$t" -le "$ncpus" ]; then
		list=${list:+$list,}$t
	else
		echo "scaling.sh: $t threads > $ncpus CPUs: dropped" >&2
	fi
done
[ "$OVERSUB" = 1 ] && list=${list:+$list,}$((2 * ncpus))
[ -n "$list" ] || { echo "scaling.sh: no thread count fits" >&2; exit 1; }

{
	echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "cpus (affinity): $ncpus"
	grep -m1 'model name' /proc/cpuinfo 2>/dev/null
	echo "kernel: $(uname -srm)"
	echo "glibc: $(getconf GNU_LIBC_VERSION 2>/dev/null)"
	echo "cc: $(${CC:-cc} --version 2>/dev/null | head -n 1)"
	echo "threads: $list  runs: $RUNS  duration: $DURATION_MS ms  clock: $CLOCK"
	command -v lscpu >/dev/null 2>&1 && lscpu
} >"$OUT/system.txt" 2>&1

$MAKE --no-print-directory BUILD="$BUILD" bench-progs >"$OUT/build.log" 2>&1 || {
	echo "scaling.sh: build failed, see $OUT/build.log" >&2; exit 1; }

rm -f "$OUT/results.csv"
st=0
for p in $(cat "$BUILD/bench/progs.list"); do
	echo "== $p" | tee -a "$OUT/table.txt"
	BENCH_CSV="$OUT/results.csv" BENCH_THREADS=$list BENCH_RUNS=$RUNS \
	BENCH_DURATION_MS=$DURATION_MS BENCH_CLOCK=$CLOCK BENCH_QUICK=0 \
		"$p" 2>&1 | tee -a "$OUT/table.txt"
	# the exit status of the program, not of tee
	tail -n 3 "$OUT/table.txt" | grep -q 'SOME CASES FAILED' && st=1
done
echo "scaling.sh: results in $OUT (results.csv, table.txt, system.txt)"
exit $st
