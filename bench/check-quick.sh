#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/check-quick.sh - 'make check' smoke test of the benchmarks: every
# program of BENCH_PROGS (listed in $BUILD/bench/progs.list by
# 'make bench-progs') runs in quick mode; each must exit 0 (every
# case's result verified), print a table and the target summary, and
# append a CSV with the documented header and well-formed rows.  No
# timing is asserted.
BUILD=${BUILD:-build}
list=$BUILD/bench/progs.list
[ -s "$list" ] || { echo "SKIP: $list missing (run make bench-progs)"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
st=0
header='group,case,threads,ns_per_op,mops,ratio_vs_baseline,baseline'
for p in $(cat "$list"); do
	name=$(basename "$p")
	csv=$tmp/$name.csv
	if ! BENCH_QUICK=1 BENCH_CSV=$csv "$p" >"$tmp/$name.out" 2>&1; then
		echo "FAIL: $name exited non-zero"; cat "$tmp/$name.out"; st=1; continue
	fi
	cat "$tmp/$name.out"
	if ! grep -q '^  case  *threads  *ns/op  *Mops/s  *ratio' "$tmp/$name.out"; then
		echo "FAIL: $name printed no table"; st=1
	fi
	if grep -q 'FAILED' "$tmp/$name.out"; then
		echo "FAIL: $name has failed rows"; st=1
	fi
	if [ "$(head -n 1 "$csv" 2>/dev/null)" != "$header" ]; then
		echo "FAIL: $name: CSV header missing or wrong"; st=1
	fi
	rows=$(tail -n +2 "$csv" | wc -l)
	bad=$(tail -n +2 "$csv" | awk -F, 'NF != 7 || $3 !~ /^[0-9]+$/ || $4 !~ /^[0-9.]+$/ || $4 + 0 <= 0 || $5 !~ /^[0-9.]+$/ { n++ } END { print n + 0 }')
	if [ "$rows" -lt 1 ] || [ "$bad" -ne 0 ]; then
		echo "FAIL: $name: $rows CSV rows, $bad malformed"; st=1
	fi
	echo "$name: $rows CSV rows"
done
exit $st
