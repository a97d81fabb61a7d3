#!/bin/sh
# SPDX-License-Identifier: MIT
# build_check.sh - the library, tests and examples build warning-free
# (-Werror) into scratch build folders, with each compiler at the levels
# BUILD_CHECK_LEVELS names ("cc:level ...").  'make check' builds gcc -O2
# (the level with the most warnings; also the C++ twins) and clang -O0
# (clang's warnings come from its front end, whatever the level; -O0
# proves every asm constraint and inline holds without the optimizer);
# 'make check-long' (tests/build_check_all.sh) builds all four.
set -u
BUILD=${BUILD:-build}
LEVELS=${BUILD_CHECK_LEVELS:-"gcc:-O2 clang:-O0"}
JOBS=$(nproc 2>/dev/null || echo 1)
pass=0; fail=0; skip=0
mkdir -p "$BUILD/build-check"
for cl in $LEVELS; do
	cc=${cl%%:*} opt=${cl#*:}
	if ! command -v "$cc" >/dev/null 2>&1; then
		echo "NOTE: $cc not installed: $cc $opt not built"; skip=$((skip + 1)); continue
	fi
	out=$BUILD/build-check/$cc$opt
	# The C++ twins (the same sources as C++) at -O2 only: their C sides
	# build at every level, and -O2 sees more warnings.
	twins=
	[ "$opt" = -O2 ] || twins=CXX_TWINS=
	if make --no-print-directory -s -j"$JOBS" CC="$cc" BUILD="$out" CFLAGS="$opt -g" \
		EXTRA_CFLAGS=-Werror $twins lib tests examples >"$out.log" 2>&1; then
		pass=$((pass + 1)); echo "  $cc $opt: warning-free"
	else
		fail=$((fail + 1)); echo "FAIL: $cc $opt"; tail -20 "$out.log"
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
