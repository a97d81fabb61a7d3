#!/bin/sh
# SPDX-License-Identifier: MIT
# build_check.sh - the library, tests and examples build warning-free
# (-Werror) into scratch build folders, with the compilers, levels and
# targets BUILD_CHECK_LEVELS names ("cc:level[:what] ...", what = lib or
# all; all builds lib, tests and examples).  'make check' builds clang -O0,
# all (clang's warnings come from its front end, whatever the level; -O0
# proves every asm constraint and inline holds without the optimizer), and
# gcc -O2, the library (the level with the most warnings; the main build
# is gcc -O2 already, where the tests' warnings show); 'make check-long'
# (tests/build_check_all.sh) builds all of it with both at both levels,
# the C++ twins at -O2.
set -u
BUILD=${BUILD:-build}
LEVELS=${BUILD_CHECK_LEVELS:-"gcc:-O2:lib clang:-O0:all"}
JOBS=$(nproc 2>/dev/null || echo 1)
pass=0; fail=0; skip=0
mkdir -p "$BUILD/build-check"
for cl in $LEVELS; do
	cc=${cl%%:*} opt=${cl#*:} what=all
	case $opt in *:*) what=${opt#*:} opt=${opt%%:*} ;; esac
	targets="lib tests examples"
	[ "$what" = lib ] && targets=lib
	if ! command -v "$cc" >/dev/null 2>&1; then
		echo "NOTE: $cc not installed: $cc $opt not built"; skip=$((skip + 1)); continue
	fi
	out=$BUILD/build-check/$cc$opt
	# The C++ twins (the same sources as C++) at -O2 only: their C sides
	# build at every level, and -O2 sees more warnings.
	twins=
	[ "$opt" = -O2 ] || twins=CXX_TWINS=
	if make --no-print-directory -s -j"$JOBS" CC="$cc" BUILD="$out" CFLAGS="$opt -g" \
		EXTRA_CFLAGS=-Werror $twins $targets >"$out.log" 2>&1; then
		pass=$((pass + 1)); echo "  $cc $opt ($targets): warning-free"
	else
		fail=$((fail + 1)); echo "FAIL: $cc $opt"; tail -20 "$out.log"
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
