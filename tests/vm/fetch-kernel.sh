#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/vm/fetch-kernel.sh DEBARCH SUITE FLAVOUR
#
# Prints the path of a cached Debian kernel image for that architecture,
# suite and flavour, downloading it first when needed (apt-get download with
# the private apt state of tests/vm/apt.sh, then dpkg-deb -x).
# Cache: $RSEQKIT_VM_CACHE/kernels/<debarch>-<suite>-<flavour>-<pkgversion>/
# holding "image" (what qemu's -kernel takes), "version" (uname -r) and
# "package" (name=version).  The choice is remembered for
# RSEQKIT_VM_REFRESH_HOURS (default 24); then the package lists are fetched
# again (and deleted after use unless RSEQKIT_VM_KEEP_LISTS=1).  With no
# network the newest cached kernel for that arch/suite/flavour is used.
set -eu

debarch=$1 suite=$2 flavour=$3
here=$(cd "$(dirname "$0")" && pwd)
cache=${RSEQKIT_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/rseqkit-vm}
apt="$here/apt.sh $debarch $suite"
refresh=${RSEQKIT_VM_REFRESH_HOURS:-24}
lists=$cache/apt/$debarch-$suite/lists
kdir=$cache/kernels

log() { echo "fetch-kernel: $*" >&2; }
mkdir -p "$cache" "$kdir"

newest_cached() {
	ls -d "$kdir/$debarch-$suite-$flavour-"* 2>/dev/null | while read -r d; do
		[ -s "$d/image" ] && echo "$d"
	done | sort -V | tail -n 1
}

. "$here/lib.sh"
use_image() { echo "$1/image"; }

# The kernel chosen at the last refresh, while that is younger than
# RSEQKIT_VM_REFRESH_HOURS: no package list needed at all.
current=$kdir/$debarch-$suite-$flavour.current
if [ -s "$current" ] && [ -s "$(cat "$current")/image" ] && recent "$current"; then
	use_image "$(cat "$current")"
	exit 0
fi

# The lists are deleted after use (20 MB each) unless RSEQKIT_VM_KEEP_LISTS=1
refresh_lists "$apt" "$lists" "$cache/apt-update-$debarch-$suite.log" newest_cached use_image

drop_lists() {
	[ "${RSEQKIT_VM_KEEP_LISTS:-0}" = 1 ] || rm -rf "$lists"
}

# Follow the meta-package's Depends to the package that holds the image:
# linux-image-FLAVOUR -> linux-image-VERSION-FLAVOUR [-> linux-binary-VERSION-FLAVOUR]
# One pass over the package list (apt-cache without its binary cache would
# parse the whole list once per question): "name<TAB>version<TAB>depends".
index=$(mktemp)
trap 'rm -f "$index"' EXIT
for l in "$lists"/*Packages*; do
	[ -f "$l" ] || continue
	/usr/lib/apt/apt-helper cat-file "$l"
	echo
done | awk '
	/^Package: / { p = $2 } /^Version: / { v = $2 } /^Depends: / { d = substr($0, 10) }
	/^$/ { if (p ~ /^linux-(image|binary)-/) print p "\t" v "\t" d; p = v = d = "" }' > "$index"
field() { # PACKAGE FIELD#: of the highest version
	awk -F '\t' -v p="$1" '$1 == p { print $2 "\t" $0 }' "$index" | sort -V | tail -n 1 |
		cut -f "$(($2 + 1))"
}
deps_of() {
	field "$1" 3 | tr ',|' '\n\n' | sed -e 's/^ *//' -e 's/[ (].*//' |
		grep -E '^linux-(image|binary)-' | grep -v -e '-dbg' -e '-unsigned$' || true
}
pkg=linux-image-$flavour
while :; do
	next=$(deps_of "$pkg" | grep '^linux-binary-' | head -n 1)
	[ -n "$next" ] || next=$(deps_of "$pkg" | grep '^linux-image-' | head -n 1)
	[ -n "$next" ] || break
	pkg=$next
done
ver=$(field "$pkg" 2)
if [ -z "$ver" ]; then
	log "no kernel package linux-image-$flavour for $debarch in $suite"
	exit 1
fi

# Candidates, newest first: the resolved package, then older builds of the
# same flavour still in the list (a mirror may lack the newest .deb of an
# architecture for a while: seen with trixie's ppc64el and s390x 6.12.117).
kind=${pkg%%-[0-9]*}
cands=$(awk -F '\t' -v k="$kind" -v f="$flavour" '
	index($1, k "-") == 1 && substr($1, length($1) - length(f)) == "-" f &&
	substr($1, length(k) + 2, 1) ~ /[0-9]/ { print $2 "\t" $1 }' "$index" |
	sort -V -r | head -n 3 | sed 's/\t/=/' | awk -F= '{ print $2 "=" $1 }')
[ -n "$cands" ] || cands="$pkg=$ver"
tmp=$kdir/.tmp.$$
trap 'rm -rf "$tmp" "$index"' EXIT
got= tried=
for c in "$pkg=$ver" $cands; do
	case " $tried " in *" $c "*) continue ;; esac
	tried="$tried $c"
	p=${c%%=*} v=${c#*=}
	dir=$kdir/$debarch-$suite-$flavour-$v
	if [ -s "$dir/image" ]; then
		echo "$dir" > "$current"
		drop_lists
		echo "$dir/image"
		exit 0
	fi
	log "downloading $p=$v ($debarch, $suite)"
	rm -rf "$tmp"
	mkdir -p "$tmp/x"
	if (cd "$tmp" && $apt get download "$p=$v" >&2); then
		got=$c
		pkg=$p ver=$v
		break
	fi
	log "$p=$v could not be downloaded; trying an older build"
done
if [ -z "$got" ]; then
	d=$(newest_cached)
	if [ -n "$d" ]; then
		log "no kernel could be downloaded; using cached $d"
		echo "$d/image"
		exit 0
	fi
	exit 1
fi
dpkg-deb -x "$tmp"/*.deb "$tmp/x"
img=$(find "$tmp/x/boot" "$tmp/x/usr/lib/modules" "$tmp/x/lib/modules" -maxdepth 2 -type f \
	\( -name 'vmlinuz*' -o -name 'vmlinux*' \) 2>/dev/null | grep -v -e '\.sig$' | head -n 1)
if [ -z "$img" ]; then
	log "no vmlinuz/vmlinux in $pkg"
	find "$tmp/x" -maxdepth 4 >&2
	exit 1
fi
rel=$(basename "$img" | sed -e 's/^vmlinu[xz]-//')
case $rel in vmlinu[xz]) rel=$(basename "$(dirname "$img")") ;; esac
mkdir -p "$dir"
mv "$img" "$dir/image"
echo "$rel" > "$dir/version"
echo "$pkg=$ver" > "$dir/package"
# keep the kernel's config when the package has one (for the report)
cfg=$(find "$tmp/x" -name 'config-*' -type f | head -n 1)
if [ -n "$cfg" ]; then mv "$cfg" "$dir/config"; fi
echo "$dir" > "$current"
drop_lists
echo "$dir/image"
