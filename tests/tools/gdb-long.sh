#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tools/gdb-long.sh - the whole command x program x level matrix of
# the gdb stepping tests (make check-long): every command group of every
# program at -O0, -O2, -O3 and -O2 -flto, each in a session of its own
# (tests/tools/gdb_session.py), then the same `next` sessions without the
# extension (the control: which of them hang or go wrong without it).
# Prints the matrix; fails when a session with the extension fails.
BUILD=${BUILD:-build}
T=$BUILD/tools/test/gdb
LOG=$T/long
mkdir -p "$LOG"
BOUND=${GDB_SESSION_BOUND:-30}
LEVELS=${GDB_LEVELS:-"O0 O2 O3 lto"}

. tests/tools/gdb-lib.sh

groups_of() {
	case $1 in
	count) echo "next step stepi until finish inside next-addv advance" ;;
	threads) echo "next locking switch stepi until" ;;
	structs) echo "next step finish" ;;
	signal) echo "next handler finish stepi" ;;
	esac
}
session() { gdb_session "$@"; }

pass=0 fail=0 start=$(date +%s)
printf '%-28s' "command \\ level"
for l in $LEVELS; do printf '%-10s' "$l"; done
echo
for prog in count threads structs signal; do
	for g in $(groups_of $prog); do
		printf '%-28s' "$prog: $g"
		for l in $LEVELS; do
			if session "$prog-$g-$l" "$prog" "$T/$prog-$l" tools/gdb/rseq.py "$g" "$BOUND"; then
				n=$(grep -c '^RESULT .* ok' "$LOG/$prog-$g-$l.log")
				printf '%-10s' "ok($n)"
				pass=$((pass + 1))
			else
				printf '%-10s' "FAIL"
				fail=$((fail + 1))
			fi
		done
		echo
	done
done
echo "without the extension (the control; 5 s bound per command):"
for prog in count threads structs signal; do
	printf '%-28s' "$prog: next"
	for l in $LEVELS; do
		session "control-$prog-$l" "$prog" "$T/$prog-$l" "" next 5
		if grep -q "did not return within" "$LOG/control-$prog-$l.log"; then
			printf '%-10s' "hangs"
		elif grep -q '^RESULT .* FAIL' "$LOG/control-$prog-$l.log"; then
			printf '%-10s' "wrong"
		else
			printf '%-10s' "ok"
		fi
	done
	echo
done
for f in "$LOG"/*.log; do
	case $f in */control-*) continue ;; esac
	grep -q '^RESULT .* FAIL\|session stopped' "$f" || continue
	echo "== $f"
	grep -E '^RESULT .* FAIL|session stopped' "$f" | head -5
done
echo "matrix: $((pass + fail)) sessions in $(($(date +%s) - start)) s"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
