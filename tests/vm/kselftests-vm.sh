#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/vm/kselftests-vm.sh ARCH BUILD-DIR TESTS-DIR
#
# Builds the kernel's own rseq selftests listed in tests/vm/kselftests.list
# statically for ARCH with $VM_CC, twice: TESTS-DIR/ksft-NAME against
# rseqkit (include/rseqkit/selftests + BUILD-DIR/librseqkit.a, -Werror) and
# TESTS-DIR/kref-NAME with the kernel's rseq.c, and writes NAME.args,
# NAME.modes and NAME.rseq_debug next to each (tests/vm/init.c reads them).  Source: KSRC, or
# Debian sid's linux-source (tests/vm/fetch-source.sh).  Prints the number
# of programs written; progress and errors go to stderr.
set -eu
arch=$1 bld=$2 dest=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cc=${VM_CC:?}

if [ -n "${KSRC:-}" ]; then
	ksrc=$KSRC
else
	ksrc=$("$here/fetch-source.sh" sid selftests)
fi
S=$ksrc/tools/testing/selftests
[ -f "$S/rseq/rseq.c" ] || { echo "kselftests-vm: no rseq selftests under $S" >&2; exit 1; }
echo "kselftests-vm: the rseq selftests of $ksrc for $arch" >&2

w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
mkdir -p "$w/rseq"
cp "$S/kselftest.h" "$w/"
[ -f "$S/kselftest_harness.h" ] && cp "$S/kselftest_harness.h" "$w/"
for f in "$S"/rseq/*.c; do
	[ "$(basename "$f")" = rseq.c ] || cp "$f" "$w/rseq/"
done
kinc="-I$S/rseq -I$ksrc/tools/include -I$S"
n=0 failed=0
while IFS='|' read -r name src defs args modes dbg; do
	# shellcheck disable=SC2086
	name=$(echo $name) src=$(echo $src) defs=$(echo $defs) args=$(echo $args) modes=$(echo $modes) dbg=$(echo $dbg)
	case $name in ''|'#'*) continue ;; esac
	[ -f "$S/rseq/$src" ] || { echo "kselftests-vm: $src not in this tree: $name left out" >&2; continue; }
	# shellcheck disable=SC2086
	if ! $cc -O2 -Wall -Werror -g -static -D_GNU_SOURCE= -pthread -I"$w" \
		-I"$root/include/rseqkit/selftests" $defs -o "$dest/ksft-$name" \
		"$w/rseq/$src" "$bld/librseqkit.a" >&2; then
		echo "kselftests-vm: building ksft-$name against rseqkit failed" >&2
		failed=1
		continue
	fi
	# (static glibc warns about dlsym in the kernel's rseq.c: harmless)
	# shellcheck disable=SC2086
	if ! $cc -O2 -Wall -g -static -D_GNU_SOURCE= -pthread $kinc $defs -o "$dest/kref-$name" \
		"$S/rseq/$src" "$S/rseq/rseq.c" -ldl > "$w/kref.log" 2>&1; then
		cat "$w/kref.log" >&2
		echo "kselftests-vm: building kref-$name with the kernel's rseq.c failed" >&2
		failed=1
		continue
	fi
	for p in ksft kref; do
		[ -n "$args" ] && echo "$args" > "$dest/$p-$name.args"
		[ -n "$modes" ] && echo "$modes" > "$dest/$p-$name.modes"
		[ -n "$dbg" ] && echo "$dbg" > "$dest/$p-$name.rseq_debug"
	done
	n=$((n + 2))
done < "$here/kselftests.list"
echo "$n"
[ $failed = 0 ]
