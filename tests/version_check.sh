#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/version_check.sh - the release is written once and seen everywhere:
#  - mk/release.sh check: include/rseqkit/version.h, NEWS's first heading
#    and debian/changelog's first entry name the same version;
#  - the built library reports it (rseq_version_string/_number, through a
#    program linked against $BUILD/librseqkit.so) and its file name says it;
#  - every tool answers --version with it.
BUILD=${BUILD:-build}
fail=0
sh mk/release.sh check || fail=1
version=$(sh mk/release.sh version)
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/v.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <rseqkit/version.h>
int main(void)
{
	printf("%s\n", rseq_version_string());
	return strcmp(rseq_version_string(), RSEQKIT_VERSION_STRING) ||
	       rseq_version_number() != RSEQKIT_VERSION_NUMBER;
}
C
if ${CC:-cc} -Iinclude -o "$tmp/v" "$tmp/v.c" -L"$BUILD" -lrseqkit >"$tmp/log" 2>&1 &&
   got=$(LD_LIBRARY_PATH=$BUILD "$tmp/v"); then
	[ "$got" = "$version" ] || { echo "FAIL: the library says $got, version.h $version"; fail=1; }
else
	echo "FAIL: the library's version query disagrees with its header or does not build"
	cat "$tmp/log"; fail=1
fi
[ -f "$BUILD/librseqkit.so.$version" ] || { echo "FAIL: $BUILD/librseqkit.so.$version missing"; fail=1; }
for t in "$BUILD"/tools/rseq-inspect "$BUILD"/tools/rseq-check; do
	[ -x "$t" ] || { echo "FAIL: $t not built"; fail=1; continue; }
	out=$("$t" --version 2>&1); st=$?
	case "$st:$(printf '%s\n' "$out" | head -n 1)" in
	"0:$(basename "$t") (rseqkit) $version") ;;
	*) echo "FAIL: $t --version: exit $st, '$out'"; fail=1 ;;
	esac
done
[ $fail -eq 0 ] && echo "version $version everywhere"
exit $fail
