#!/bin/sh
# SPDX-License-Identifier: MIT
# cross_check.sh - 'make check-cross': the library and the two operation
# tests build warning-free (-O2 -Werror, static) with every cross compiler
# that is installed (.ci/run and the VM matrix install them).  Catches
# assembler range and constraint errors of every architecture quickly,
# without booting anything.
set -u
BUILD=${BUILD:-build}
pass=0; fail=0
mkdir -p $BUILD/build-check
# Cross compilers that are installed (the VM matrix installs them): the
# library and the two operation tests, -O2 -Werror, static.
for cc in aarch64-linux-gnu-gcc arm-linux-gnueabihf-gcc powerpc64le-linux-gnu-gcc \
	  powerpc-linux-gnu-gcc riscv64-linux-gnu-gcc s390x-linux-gnu-gcc \
	  mips64el-linux-gnuabi64-gcc i686-linux-gnu-gcc; do
	command -v $cc >/dev/null 2>&1 || continue
	out=$BUILD/build-check/${cc%-gcc}
	if make --no-print-directory -s CC=$cc AR=${cc%gcc}ar BUILD=$out CFLAGS="-O2" \
		EXTRA_CFLAGS=-Werror LDLIBS=-static \
		$out/librseqkit.a $out/tests/ops_test $out/tests/param_test >"$out.log" 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); echo "FAIL: $cc"; tail -20 "$out.log"
	fi
done
if [ $((pass + fail)) -eq 0 ]; then
	echo "SKIP: no cross compiler installed"
	exit 77
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
