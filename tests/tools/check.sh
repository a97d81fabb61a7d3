#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tools/check.sh - rseq-check: forced aborts at every boundary of a
# good critical section (threads and a forked child), a lost-update abort
# path and a system call inside a critical section are caught, exit status
# pass-through; and the instruction-length decoder against objdump.
BUILD=${BUILD:-build}
CHECK=$BUILD/tools/rseq-check
PROG=$BUILD/tools/test/cs_prog
T=$BUILD/tools/test/check
mkdir -p "$T"
pass=0 fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; [ -f "$T/out" ] && tail -15 "$T/out"; }

[ "$(uname -m)" = x86_64 ] || { echo "SKIP: rseq-check supports x86-64 only"; exit 77; }
"$PROG" good 10 1 > "$T/out" 2>&1; st=$?
[ $st = 77 ] && { echo "SKIP: $(cat "$T/out")"; exit 77; }
# ptrace may be forbidden (containers, yama)
"$CHECK" --no-inject -- true > "$T/out" 2>&1 || {
	echo "SKIP: ptrace unavailable here: $(head -1 "$T/out")"; exit 77; }

# run EXPECTED-STATUS ARGS... : rseq-check ARGS, output in $T/out
run() {
	want=$1; shift
	timeout 120 "$CHECK" "$@" > "$T/out" 2>&1; st=$?
	[ "$st" = "$want" ] || { bad "rseq-check $*: status $st, expected $want"; return 1; }
	return 0
}
has() { grep -Eq -- "$1" "$T/out" || { bad "no '$1'"; return 1; }; }

# 1. a correct section: every boundary forced, every abort observed, the
#    program still adds up
run 0 --full -- "$PROG" good 20000 2 && has "boundaries forced ([0-9]+)/\1;" &&
	has "violations 0 " && has "total 40000, expected 40000" &&
	has "1 entered" && ok
grep -Eq "boundaries forced 0/" "$T/out" && bad "nothing forced"
aborts=$(sed -n 's/.*aborts observed \([0-9]*\);.*/\1/p' "$T/out")
[ "${aborts:-0}" -ge 6 ] && ok || bad "aborts observed: ${aborts:-none}"

# 2. threads and a forked child
run 0 --full -- "$PROG" fork 5000 2 && has "violations 0 " && ok

# 3. an abort path that loses the update: the program's own check fails
#    under forced aborts, and rseq-check passes its status on
run 1 -- "$PROG" lost 20000 2 && has "total [0-9]+, expected 40000" && ok
grep -q "total 40000, expected 40000" "$T/out" && bad "lost update not exposed"

# 4. a system call inside a critical section
run 1 -- "$PROG" syscall 2000 1 &&
	has "VIOLATION: thread [0-9]+: system call 110 inside critical section cs_add_syscall" &&
	has "<cs_add_syscall\+0x[0-9a-f]+> in cs_prog" && ok
run 42 --violation-status=42 --no-inject -- "$PROG" syscall 200 1 && ok
# the good program has no violation with only system-call checks
run 0 --no-inject -- "$PROG" good 2000 2 && has "violations 0 " && ok

# 5. exit status pass-through, signals, errors
run 3 -- sh -c 'exit 3' && ok
run 137 -- sh -c 'kill -9 $$' && has "killed by signal 9" && ok
run 127 -- /nonexistent/program && ok
run 2 && ok
run 1 --full -- true && has "no critical section entered" && ok

# 6. the instruction-length decoder agrees with objdump
if command -v objdump >/dev/null 2>&1; then
	for f in "$CHECK" "$PROG" $(ldd "$PROG" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*libc\.so[^ ]*\).*/\1/p'); do
		objdump -d --insn-width=16 "$f" |
		awk -F'\t' '/^ +[0-9a-f]+:\t/ && NF >= 3 && $3 !~ /bad|^rex/ && $2 !~ /^9b / { print $2 }' |
		"$BUILD/tools/test/x86len_test" > "$T/out" 2>&1 &&
			ok || bad "x86 lengths of $f"
	done
else
	echo "note: objdump absent: decoder not compared"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
