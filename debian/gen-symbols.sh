#!/bin/sh
# SPDX-License-Identifier: MIT
# debian/gen-symbols.sh - the symbols file of librseqkit0, from the built
# shared library (every exported rseqkit_* symbol with its version node).
#
#   sh debian/gen-symbols.sh [LIB]          rewrite debian/librseqkit0.symbols
#   sh debian/gen-symbols.sh --list [LIB]   print "symbol@NODE" lines only
#
# LIB defaults to build/librseqkit.so.<version> ('make debian-symbols'
# builds it first).  A symbol already in the file keeps its minimal
# version; a new one gets the release of include/rseqkit/version.h.  Run
# it after the exports change, and review the diff: a symbol that
# disappears is an ABI break (docs/surface.md: bump the soname).
set -eu
list=0
[ "${1:-}" = --list ] && { list=1; shift; }
version=$(sh mk/release.sh version)
lib=${1:-build/librseqkit.so.$version}
out=debian/librseqkit0.symbols
[ -f "$lib" ] || { echo "gen-symbols.sh: $lib not built (make lib)" >&2; exit 1; }
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = librseqkit.so.0 ] || { echo "gen-symbols.sh: soname '$soname', expected librseqkit.so.0 (package librseqkit0)" >&2; exit 1; }

# "name@NODE" for every defined dynamic symbol, the node's own symbol too.
syms=$(nm -D --defined-only --with-symbol-versions "$lib" | awk '
	{ s = $NF }
	s ~ /@@/ { sub(/@@/, "@", s); print s; next }
	s ~ /@/ { print s; next }
	$2 == "A" { print s "@" s; next }
	{ print "UNVERSIONED " s }' | LC_ALL=C sort -u)
if printf '%s\n' "$syms" | grep -q '^UNVERSIONED '; then
	echo "gen-symbols.sh: symbols without a version node (src/librseqkit.map):" >&2
	printf '%s\n' "$syms" | sed -n 's/^UNVERSIONED //p' >&2
	exit 1
fi
if [ $list -eq 1 ]; then
	printf '%s\n' "$syms"
	exit 0
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
	echo "librseqkit.so.0 librseqkit0 #MINVER#"
	echo "* Build-Depends-Package: librseqkit-dev"
	for s in $syms; do
		old=$(awk -v s="$s" '$1 == s { print $2; exit }' "$out" 2>/dev/null || true)
		printf ' %s %s\n' "$s" "${old:-$version}"
	done
} >"$tmp"
cp "$tmp" "$out"
echo "$out: $(printf '%s\n' $syms | wc -l) symbols of $lib"
