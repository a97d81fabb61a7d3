#!/bin/sh
# tests/tools/gdb.sh - tools/gdb/rseq.py: stepi, next and step through a
# critical section terminate and commit (with a control run without the
# extension, where stepi never gets the section committed).
BUILD=${BUILD:-build}
PROG=$BUILD/tools/test/cs_prog
T=$BUILD/tools/test/gdb
mkdir -p "$T"
command -v gdb >/dev/null 2>&1 || { echo "SKIP: gdb not installed (apt-get install gdb)"; exit 77; }
gdb -batch -ex 'python print("py-ok")' 2>/dev/null | grep -q py-ok ||
	{ echo "SKIP: this gdb has no Python"; exit 77; }
[ "$(uname -m)" = x86_64 ] || { echo "SKIP: the test program is x86-64"; exit 77; }
"$PROG" single 1 > "$T/probe" 2>&1
[ $? = 77 ] && { echo "SKIP: $(cat "$T/probe")"; exit 77; }
gdb -batch -ex 'starti' -ex 'kill' "$PROG" > "$T/probe" 2>&1 ||
	{ echo "SKIP: gdb cannot run programs here: $(tail -1 "$T/probe")"; exit 77; }

fail=0 pass=0
RSEQ_TEST_EXT=1 timeout 120 gdb -batch -nx -x tests/tools/gdb_test.py "$PROG" > "$T/ext.out" 2>&1
st=$?
[ $st = 124 ] && { echo "FAIL: gdb with rseq.py timed out (a step did not terminate)"; fail=1; }
for r in stepi-progress next-progress step-progress info-rseq exit; do
	if grep -q "^RESULT $r ok" "$T/ext.out"; then pass=$((pass + 1)); else
		echo "FAIL: $r"; grep "^RESULT $r" "$T/ext.out"; fail=$((fail + 1)); fi
done
grep -q "completed at its post-commit" "$T/ext.out" && pass=$((pass + 1)) ||
	{ echo "FAIL: no completion message"; fail=$((fail + 1)); }

# control: without the extension, 40 stepi never commit
RSEQ_TEST_EXT=0 timeout 60 gdb -batch -nx -x tests/tools/gdb_test.py "$PROG" > "$T/ctl.out" 2>&1
if grep -q "^RESULT stepi-progress FAIL" "$T/ctl.out"; then pass=$((pass + 1)); else
	echo "note: control run committed while single-stepping: $(grep RESULT "$T/ctl.out")"
fi
[ $fail != 0 ] && tail -30 "$T/ext.out"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
