#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tools/gdb-kselftest.sh BINARY - steps the kernel's rseq selftest
# basic_percpu_ops_test (built with its own rseq.h, or against rseqkit's)
# in gdb with tools/gdb/rseq.py, as tests/tools/gdb.sh does rseqkit's own
# programs: `next` through rseq_this_cpu_lock, this_cpu_list_push and
# this_cpu_list_pop while 200 threads run, `stepi` through a section,
# `finish`, then the test must pass (exit 0).  The test itself takes a
# minute or more on 2 busy cores (200 threads spinning on per-CPU locks).
# Exit 0 pass, 1 fail, 77 skip (with the reason).  Run from the top of the
# source tree; RSEQ_GDB_BOUND sets the seconds one command may take.
BIN=${1:?usage: tests/tools/gdb-kselftest.sh BINARY}
BUILD=${BUILD:-build}
[ -x "$BIN" ] || { echo "SKIP: $BIN is not built"; exit 77; }
command -v gdb >/dev/null 2>&1 || { echo "SKIP: gdb not installed (apt-get install gdb)"; exit 77; }
gdb -batch -nx -ex 'python print("py-ok")' 2>/dev/null | grep -q py-ok ||
	{ echo "SKIP: this gdb has no Python"; exit 77; }
log=$BUILD/tools/test/gdb-kselftest.$(basename "$BIN").log
mkdir -p "${log%/*}"
RSEQ_GDB_PLAN=kselftest RSEQ_GDB_SRC= RSEQ_GDB_EXT=tools/gdb/rseq.py \
RSEQ_GDB_BOUND=${RSEQ_GDB_BOUND:-60} RSEQ_GDB_END_BOUND=600 \
	timeout -k 10 900 gdb -batch -nx -iex 'set auto-load python-scripts off' \
	-x tests/tools/gdb_session.py "$BIN" > "$log" 2>&1
st=$?
grep -E '^RESULT .* FAIL|session stopped' "$log" | head -10
grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 || { echo "no summary (status $st): see $log"; tail -5 "$log"; }
exit $st
