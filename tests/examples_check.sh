#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/examples_check.sh - run every built example (build/examples/*) and
# fail when one exits non-zero.  Each runs in the registration modes of
# tests/run.sh: glibc (the C library registers), own
# (GLIBC_TUNABLES=glibc.pthread.rseq=0: rseqkit registers) and none
# (tests/helpers/no-rseq denies rseq; when that helper is built), since an
# example must work, through its fallback, where rseq is unavailable.
BUILD=${BUILD:-build}
DIR=$BUILD/examples
NORSEQ=$BUILD/tests/helpers/no-rseq

n=0
for src in examples/*.c examples/*.cc; do
	[ -e "$src" ] || continue
	n=$((n + 1))
	name=$(basename "${src%.c*}")
	[ -x "$DIR/$name" ] || { echo "FAIL $name: $DIR/$name not built (make examples)"; exit 1; }
done
if [ "$n" -eq 0 ]; then
	echo "SKIP: no examples under examples/"
	exit 77
fi

# A hung example fails instead of stalling 'make check'.
TO=
command -v timeout >/dev/null 2>&1 && TO="timeout -k 5 120"

fail=0
run() {	# name mode command...
	name=$1; mode=$2; shift 2
	out=$($TO "$@" 2>&1)
	st=$?
	if [ "$st" -eq 0 ]; then
		echo "ok   $name [$mode]: $(printf '%s\n' "$out" | head -n 1)"
	else
		echo "FAIL $name [$mode]: exit $st"
		printf '%s\n' "$out" | tail -n 15 | sed 's/^/     /'
		fail=1
	fi
}

for src in examples/*.c examples/*.cc; do
	[ -e "$src" ] || continue
	name=$(basename "${src%.c*}")
	prog=$DIR/$name
	run "$name" glibc "$prog"
	GLIBC_TUNABLES=glibc.pthread.rseq=0 run "$name" own "$prog"
	if [ -x "$NORSEQ" ]; then
		run "$name" none "$NORSEQ" "$prog"
	else
		echo "note: $NORSEQ not built: the 'none' mode did not run"
	fi
done
exit $fail
