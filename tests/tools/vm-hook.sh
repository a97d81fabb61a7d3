#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tools/vm-hook.sh - what the tools add to a cell of the VM matrix
# (tests/vm/check-vm.sh runs every tests/*/vm-hook.sh with ARCH, STAGE, CC,
# BUILD and ROOT in the environment): on the architectures rseq-check
# supports (tools/rseq-check/arch/), rseq-check itself, static, as
# $STAGE/bin/rseq-check, and the test that runs the stress test under it
# in every registration mode (tests/tools/vm_check.c) as
# $STAGE/tests/tools_check.
set -eu
case $ARCH in
x86_64|aarch64) ;;
*) echo "vm-hook (tools): rseq-check does not support $ARCH: nothing added"; exit 0 ;;
esac
make -s -C "$ROOT" CC="$CC" BUILD="$BUILD" EXTRA_CFLAGS=-static LDFLAGS=-static \
	"$BUILD/tools/rseq-check"
mkdir -p "$STAGE/bin" "$STAGE/tests"
cp "$ROOT/$BUILD/tools/rseq-check" "$STAGE/bin/rseq-check"
$CC -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -static -o "$STAGE/tests/tools_check" \
	"$ROOT/tests/tools/vm_check.c"
echo "vm-hook (tools): rseq-check and tools_check added for $ARCH"
