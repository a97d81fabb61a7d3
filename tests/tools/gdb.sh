#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tools/gdb.sh - gdb driven as a user drives it, through programs with
# rseq critical sections, with tools/gdb/rseq.py: one batch session per
# program and optimization level (-O0 and -O2 here; -O3 and -O2 -flto in
# tests/tools/gdb-long.sh), each running
# step, next, finish, until, advance, stepi/nexti and continue to a
# breakpoint inside a section, every command under a time bound and checked
# for the line, function and counter it reaches (tests/tools/gdb_session.py).
# Programs: the README's count.c, examples/percpu_counter_raw (4 threads,
# with and without scheduler-locking), every per-CPU structure with a step
# into library code (also through librseqkit.so), sections in a signal
# handler.
# Then a control run without the extension, which must hang (the README's
# count.c at -O2, `next` over the inlined increment: the issue this fixes).
#
#   GDB_SESSION_BOUND  seconds one command may take (default 30)
#   GDB_LEVELS  levels (default: O0 O2; tests/tools/gdb-long.sh, in
#               make check-long, runs every group at O0 O2 O3 lto)
#   GDB_PROGS   a subset of the programs (default: all)
BUILD=${BUILD:-build}
T=$BUILD/tools/test/gdb
EXT=tools/gdb/rseq.py
LOG=$T/log
mkdir -p "$LOG"
BOUND=${GDB_SESSION_BOUND:-30}
PROGS=${GDB_PROGS:-"count threads structs signal"}
LEVELS=${GDB_LEVELS:-"O0 O2"}

. tests/tools/gdb-lib.sh

pass=0 fail=0
# session NAME PLAN BINARY EXT [GROUPS] [BOUND]: exit status of the session
session() {
	name=$1 plan=$2 bin=$3 ext=$4 groups=${5:-} bound=${6:-$BOUND}
	start=$(date +%s)
	gdb_session "$name" "$plan" "$bin" "$ext" "$groups" "$bound"
	st=$?
	secs=$(($(date +%s) - start))
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOG/$name.log" | tail -1)
	slow=$(sed -n 's/^slowest command: //p' "$LOG/$name.log" | tail -1)
	echo "  $name: ${summary:-no summary} (${secs}s; slowest ${slow:-?}) [$st]"
	return $st
}

for prog in $PROGS; do
	for l in $LEVELS; do
		if session "$prog-$l" "$prog" "$T/$prog-$l" "$EXT"; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "FAIL: $prog-$l; from $LOG/$prog-$l.log:"
			grep -E '^RESULT .* FAIL|session stopped|Traceback|Error' "$LOG/$prog-$l.log" | head -10 | sed 's/^/    /'
		fi
	done
done

# The structures through librseqkit.so (sections in a shared library).
if [ -x "$T/structs-so" ]; then
	if session structs-so structs "$T/structs-so" "$EXT"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: structs-so"
		grep -E '^RESULT .* FAIL|session stopped' "$LOG/structs-so.log" | head -5 | sed 's/^/    /'
	fi
fi

# The control: without the extension the README's example hangs in `next`.
if session control-count-O2 count "$T/count-O2" "" next 5; then
	fail=$((fail + 1)); echo "FAIL: the control run without the extension did not hang: the test cannot see the failure"
elif grep -q "did not return within" "$LOG/control-count-O2.log"; then
	pass=$((pass + 1)); echo "  (the control hung in \`next\` as expected)"
else
	fail=$((fail + 1)); echo "FAIL: the control run failed otherwise:"; tail -5 "$LOG/control-count-O2.log"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
