#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/vm/fetch-source.sh SUITE [selftests|full]
#
# Prints the root of Debian's Linux kernel source tree (package
# linux-source-X.Y, the version the suite's linux-source meta-package
# points to) for SUITE (trixie, sid, experimental, ...), downloading and
# unpacking it first when needed, with the private apt state of
# tests/vm/apt.sh (the mirror this machine already uses).
#
#   selftests (default)  only what the rseq selftests need:
#                        tools/testing/selftests/{rseq,kselftest*},
#                        tools/include, tools/arch, kernel/rseq.c and the
#                        Kconfig files (about 40 MB, 15 s)
#   full                 the whole tree, to build a kernel (1.6 GB, 1 min)
#
# Cache: $RSEQKIT_VM_CACHE (default ~/.cache/rseqkit-vm)/src/
#   linux-source-<pkgversion>/linux-source-X.Y.tar.xz   the upstream tarball
#   linux-source-<pkgversion>/selftests/linux-source-X.Y/
#   linux-source-<pkgversion>/full/linux-source-X.Y/
#   <suite>.current    the version chosen at the last refresh
# The choice is remembered for RSEQKIT_VM_REFRESH_HOURS (default 24); then
# the suite's package list is fetched again.  Offline, the newest cached
# source of that suite is used.
set -eu

suite=$1 what=${2:-selftests}
case $what in selftests|full) ;; *) echo "fetch-source: selftests or full, not '$what'" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
cache=${RSEQKIT_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/rseqkit-vm}
export RSEQKIT_VM_CACHE=$cache
src=$cache/src
refresh=${RSEQKIT_VM_REFRESH_HOURS:-24}
apt="$here/apt.sh amd64 $suite"
lists=$cache/apt/amd64-$suite/lists
log() { echo "fetch-source: $*" >&2; }
mkdir -p "$src"

# One fetch per suite at a time (kselftests and check-vm-slice may overlap).
exec 8> "$src/.lock-$suite"
flock 8

# unpack DIR WHAT: the tree under DIR/WHAT/linux-source-X.Y, from DIR's tarball
unpack() {
	d=$1 w=$2
	[ -f "$d/$w.done" ] && return 0
	tarball=$(ls "$d"/linux-source-*.tar.xz 2>/dev/null | head -n 1)
	[ -n "$tarball" ] || return 1
	top=$(basename "$tarball" .tar.xz)
	rm -rf "$d/$w"
	mkdir -p "$d/$w"
	log "unpacking $top ($w)"
	if [ "$w" = full ]; then
		xz -dc "$tarball" | tar -x -C "$d/$w" || return 1
	else
		# (missing members are fine: 6.12 has no tools/arch/*/include/uapi, ...)
		xz -dc "$tarball" | tar -x -C "$d/$w" --wildcards \
			"$top/tools/testing/selftests/rseq/*" \
			"$top/tools/testing/selftests/kselftest*" \
			"$top/tools/testing/selftests/lib.mk" \
			"$top/tools/include/*" "$top/tools/arch/*" \
			"$top/kernel/rseq.c" "$top/include/uapi/linux/rseq.h" \
			"$top/Makefile" "$top/init/Kconfig" "$top/kernel/Kconfig*" \
			"$top/arch/*/Kconfig" 2>/dev/null || true
		[ -f "$d/$w/$top/tools/testing/selftests/rseq/rseq.h" ] || return 1
	fi
	: > "$d/$w.done"
}

tree_of() {	# DIR: the tree root it holds
	ls -d "$1/$what"/linux-source-* 2>/dev/null | head -n 1
}

newest_cached() {
	for d in "$src"/linux-source-*; do
		grep -qx "$suite" "$d/suites" 2>/dev/null && ls "$d"/linux-source-*.tar.xz >/dev/null 2>&1 &&
			echo "$d"
	done | sort -V | tail -n 1
}

finish() {	# DIR: unpack what is asked for and print the tree
	unpack "$1" "$what" || { log "unpacking $1 failed"; exit 1; }
	tree_of "$1"
}

. "$here/lib.sh"
current=$src/$suite.current
if [ -s "$current" ] && [ -d "$(cat "$current")" ] && recent "$current"; then
	finish "$(cat "$current")"
	exit 0
fi

# The suite's newest linux-source-X.Y, through the meta-package.
refresh_lists "$apt" "$lists" "$src/apt-update-$suite.log" newest_cached finish
pkg=$($apt cache show linux-source 2>/dev/null |
	awk '/^Version: / { v = $2 } /^Depends: / { print v "\t" $2 }' |
	sort -V | tail -n 1 | cut -f 2 | sed 's/[ (,].*//')
case $pkg in
linux-source-[0-9]*) ;;
*)	d=$(newest_cached)
	[ -n "$d" ] || { log "no linux-source meta-package in $suite"; exit 1; }
	log "no linux-source meta-package in $suite's lists (see $src/apt-update-$suite.log); using cached $d"
	finish "$d"
	exit 0 ;;
esac
ver=$($apt cache show "$pkg" 2>/dev/null | awk '/^Version: / { print $2 }' | sort -V | tail -n 1)
[ -n "$ver" ] || { log "no version of $pkg in $suite"; exit 1; }
dir=$src/$pkg-$(echo "$ver" | tr '~:' '__')
mkdir -p "$dir"
grep -qx "$suite" "$dir/suites" 2>/dev/null || echo "$suite" >> "$dir/suites"
if ! ls "$dir"/linux-source-*.tar.xz >/dev/null 2>&1; then
	log "downloading $pkg $ver from $suite"
	tmp=$dir/download
	rm -rf "$tmp"
	mkdir -p "$tmp"
	(cd "$tmp" && $apt get download "$pkg" > "$tmp/apt.log" 2>&1) ||
		{ cat "$tmp/apt.log" >&2; rm -rf "$tmp"; exit 1; }
	deb=$(ls "$tmp"/*.deb | head -n 1)
	dpkg-deb --fsys-tarfile "$deb" | tar -x -O --wildcards '*/linux-source-*.tar.xz' \
		> "$tmp/src.tar.xz"
	[ -s "$tmp/src.tar.xz" ] || { log "no tarball in $deb"; exit 1; }
	mv "$tmp/src.tar.xz" "$dir/$pkg.tar.xz"
	echo "$pkg=$ver" > "$dir/package"
	rm -rf "$tmp"
fi
echo "$dir" > "$current"
finish "$dir"
