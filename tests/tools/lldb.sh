#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tools/lldb.sh - lldb driven as a user drives it, with
# tools/lldb/rseq_lldb.py: the README's count.c, percpu_counter_raw (4
# threads) and every per-CPU structure at -O0 and -O2 (LLDB_LEVELS; make
# check-long, tests/tools/lldb-long.sh: also -O3 and -O2 -flto)
# (tests/tools/lldb_session.py: next, step, stepi, finish, each command
# under a time bound and checked for the line and the counter), then a
# control run without the extension, where `next` over the README's
# inlined increment never commits it.  Skips without lldb-14 and its
# Python module.
BUILD=${BUILD:-build}
T=$BUILD/tools/test/gdb
LOG=$BUILD/tools/test/lldb
mkdir -p "$LOG"
LLDB=$(command -v lldb-14 || command -v lldb) ||
	{ echo "SKIP: lldb not installed (apt-get install lldb-14 python3-lldb-14)"; exit 77; }
# Debian 12's lldb-14 reports a wrong path for its Python module
py=/usr/lib/llvm-14/lib/python3.11/dist-packages
if ! "$LLDB" -b -o 'script import lldb' >/dev/null 2>&1 ||
   "$LLDB" -b -o 'script import lldb' 2>&1 | grep -q Error; then
	if [ -d "$py/lldb" ]; then
		export PYTHONPATH=$py${PYTHONPATH:+:$PYTHONPATH}
	fi
fi
"$LLDB" -b -o 'script print("py-" + "ok")' 2>&1 | grep -q py-ok ||
	{ echo "SKIP: lldb has no working Python (apt-get install python3-lldb-14)"; exit 77; }

src_of() {
	case $1 in
	count) echo "$T/count.c" ;;
	threads) echo examples/percpu_counter_raw.c ;;
	structs) echo tests/tools/gdb/structs.c ;;
	esac
}
pass=0 fail=0
session() { # NAME PLAN BINARY EXT
	RSEQ_LLDB_PLAN=$2 RSEQ_LLDB_SRC=$(src_of "$2") RSEQ_LLDB_BIN=$3 RSEQ_LLDB_EXT=$4 \
	RSEQ_LLDB_OUT=$LOG/$1.out RSEQ_LLDB_BOUND=${5:-30} \
		timeout -k 10 600 "$LLDB" -b -o "command script import tests/tools/lldb_session.py" \
		> "$LOG/$1.log" 2>&1
	grep -q '^0 passed\|^[0-9]* passed, 0 failed' "$LOG/$1.out" 2>/dev/null
}
for prog in count threads structs; do
	for l in ${LLDB_LEVELS:-O0 O2}; do
		if session "$prog-$l" "$prog" "$T/$prog-$l" tools/lldb/rseq_lldb.py; then
			pass=$((pass + 1)); echo "  $prog-$l: $(tail -1 "$LOG/$prog-$l.out")"
		else
			fail=$((fail + 1)); echo "FAIL: $prog-$l: $(tail -1 "$LOG/$prog-$l.out" 2>/dev/null)"
			grep -E '^RESULT .* FAIL|session stopped' "$LOG/$prog-$l.out" 2>/dev/null | head -5 | sed 's/^/    /'
		fi
	done
done
# the control: without the extension the increment never commits
session control-count-O2 count "$T/count-O2" "" 10
if grep -q '^RESULT count-next[0-9] FAIL' "$LOG/control-count-O2.out" 2>/dev/null; then
	pass=$((pass + 1)); echo "  (the control's next made no progress, as expected)"
else
	fail=$((fail + 1)); echo "FAIL: the control run without the extension did not fail"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
