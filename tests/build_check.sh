#!/bin/sh
# SPDX-License-Identifier: MIT
# build_check.sh - the library, tests and examples build warning-free
# (-Werror) with gcc and clang, at -O0 and -O2, into scratch build folders.
set -u
BUILD=${BUILD:-build}
pass=0; fail=0; skip=0
mkdir -p "$BUILD/build-check"
for cc in gcc clang; do
	if ! command -v $cc >/dev/null 2>&1; then
		echo "NOTE: $cc not installed"; skip=$((skip + 1)); continue
	fi
	for opt in -O0 -O2; do
		out=$BUILD/build-check/$cc$opt
		# The C++ twins (the same sources as C++) at -O2 only: their
		# C sides build at both levels, and -O2 sees more warnings.
		twins=
		[ "$opt" = -O0 ] && twins=CXX_TWINS=
		if make --no-print-directory -s CC=$cc BUILD=$out CFLAGS="$opt -g" \
			EXTRA_CFLAGS=-Werror $twins lib tests examples >"$out.log" 2>&1; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1)); echo "FAIL: $cc $opt"; tail -20 "$out.log"
		fi
	done
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
