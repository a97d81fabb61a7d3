#!/bin/sh
# SPDX-License-Identifier: MIT
# musl_check.sh - rseqkit with musl, which neither registers rseq nor
# exports glibc's __rseq_* symbols: the library must find that out through
# its weak references (static binaries, no dlsym) and register its own
# area.  The core and per-CPU tests, linked statically with musl-gcc, run
# in mode "own" and, under the seccomp filter, in mode "none".
set -u
BUILD=${BUILD:-build}
if ! command -v musl-gcc >/dev/null 2>&1; then
	echo "SKIP: musl-gcc not installed (Debian package musl-tools)"
	exit 77
fi
out=$BUILD/musl
tests="ops_test registration_test param_test percpu_test pool_test"
pass=0; fail=0
targets=
for t in $tests; do targets="$targets $out/tests/$t"; done
if ! make --no-print-directory -s -j"$(nproc 2>/dev/null || echo 1)" CC=musl-gcc BUILD=$out LDLIBS=-static $targets \
	>"$out.log" 2>&1; then
	tail -20 "$out.log"
	echo "0 passed, 1 failed"
	exit 1
fi
for t in $tests; do
	if RSEQKIT_TEST_MODE=own RSEQKIT_TEST_SCALE=0.2 "$out/tests/$t" >"$out/$t.own.log" 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); echo "FAIL: $t (musl, own)"; tail -5 "$out/$t.own.log"
	fi
	if RSEQKIT_TEST_MODE=none "$BUILD/tests/helpers/no-rseq" "$out/tests/$t" >"$out/$t.none.log" 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); echo "FAIL: $t (musl, none)"; tail -5 "$out/$t.none.log"
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
