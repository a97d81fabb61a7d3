#!/bin/sh
# tests/vm/fetch-kernel.sh DEBARCH SUITE FLAVOUR
#
# Prints the path of a cached Debian kernel image for that architecture,
# suite and flavour, downloading it first when needed (apt-get download with
# the private apt state of tests/vm/apt.sh, then dpkg-deb -x).
# Cache: $RSEQKIT_VM_CACHE/kernels/<debarch>-<suite>-<flavour>-<pkgversion>/
# holding "image" (what qemu's -kernel takes), "version" (uname -r) and
# "package" (name=version).  The package lists are refreshed when older than
# RSEQKIT_VM_REFRESH_HOURS (default 24); with no network the newest cached
# kernel for that arch/suite/flavour is used.
set -eu

debarch=$1 suite=$2 flavour=$3
here=$(cd "$(dirname "$0")" && pwd)
cache=${RSEQKIT_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rseqkit-vm}
apt="$here/apt.sh $debarch $suite"
refresh=${RSEQKIT_VM_REFRESH_HOURS:-24}
lists=$cache/apt/$debarch-$suite/lists
kdir=$cache/kernels

log() { echo "fetch-kernel: $*" >&2; }

newest_cached() {
	ls -d "$kdir/$debarch-$suite-$flavour-"* 2>/dev/null | while read -r d; do
		[ -s "$d/image" ] && echo "$d"
	done | sort -V | tail -n 1
}

stale=1
if [ -n "$(find "$lists" -maxdepth 1 -name '*Packages*' -mmin -$((refresh * 60)) 2>/dev/null)" ]; then
	stale=0
fi
if [ $stale = 1 ]; then
	log "refreshing package lists for $debarch/$suite"
	if ! $apt update >"$cache/apt-update-$debarch-$suite.log" 2>&1; then
		d=$(newest_cached)
		if [ -n "$d" ]; then
			log "apt update failed (see $cache/apt-update-$debarch-$suite.log); using cached $d"
			echo "$d/image"
			exit 0
		fi
		cat "$cache/apt-update-$debarch-$suite.log" >&2
		exit 1
	fi
fi

# Follow the meta-package's Depends to the package that holds the image:
# linux-image-FLAVOUR -> linux-image-VERSION-FLAVOUR [-> linux-binary-VERSION-FLAVOUR]
deps_of() {
	$apt cache show --no-all-versions "$1" 2>/dev/null |
		sed -n 's/^Depends: //p' | tr ',|' '\n\n' | sed -e 's/^ *//' -e 's/[ (].*//' |
		grep -E '^linux-(image|binary)-' | grep -v -e '-dbg' -e '-unsigned$' || true
}
pkg=linux-image-$flavour
while :; do
	next=$(deps_of "$pkg" | grep '^linux-binary-' | head -n 1)
	[ -n "$next" ] || next=$(deps_of "$pkg" | grep '^linux-image-' | head -n 1)
	[ -n "$next" ] || break
	pkg=$next
done
ver=$($apt cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
if [ -z "$ver" ]; then
	log "no kernel package linux-image-$flavour for $debarch in $suite"
	exit 1
fi

dir=$kdir/$debarch-$suite-$flavour-$ver
if [ -s "$dir/image" ]; then
	echo "$dir/image"
	exit 0
fi

log "downloading $pkg=$ver ($debarch, $suite)"
tmp=$dir.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp/x"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && $apt get download "$pkg=$ver" >&2)
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
[ -n "$cfg" ] && mv "$cfg" "$dir/config"
echo "$dir/image"
