#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/symbols_file_check.sh - debian/librseqkit0.symbols lists exactly the
# symbols $BUILD/librseqkit.so exports, each with its version node, so that
# the Debian build (dpkg-gensymbols) neither loses nor gains a symbol
# silently.  After the exports change: make debian-symbols, and review.
BUILD=${BUILD:-build}
version=$(sh mk/release.sh version)
lib=$BUILD/librseqkit.so.$version
file=debian/librseqkit0.symbols
[ -f "$file" ] || { echo "SKIP: no $file in this tree"; exit 77; }
[ -f "$lib" ] || { echo "FAIL: $lib not built"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
sh debian/gen-symbols.sh --list "$lib" >"$tmp/lib" || exit 1
sed -n 's/^ \([^ ]*\) .*/\1/p' "$file" | LC_ALL=C sort -u >"$tmp/file"
fail=0
for s in $(comm -23 "$tmp/lib" "$tmp/file"); do echo "FAIL: exported, not in $file: $s"; fail=1; done
for s in $(comm -13 "$tmp/lib" "$tmp/file"); do echo "FAIL: in $file, not exported: $s"; fail=1; done
head -n 1 "$file" | grep -q '^librseqkit.so.0 librseqkit0 ' || { echo "FAIL: $file: first line"; fail=1; }
[ $fail -eq 0 ] || echo "(regenerate with: make debian-symbols; a removed symbol is an ABI break)"
echo "$(wc -l <"$tmp/lib") exported symbols, $(wc -l <"$tmp/file") in $file"
exit $fail
