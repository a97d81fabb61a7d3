#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/vm/build-kernel.sh SUITE CONFIG-FRAGMENT
#
# Builds a small x86-64 kernel (bzImage) from Debian's linux-source of
# SUITE (tests/vm/fetch-source.sh SUITE full): `make tinyconfig`, plus the
# fragment, `make olddefconfig`; then checks that every CONFIG_ line of the
# fragment took effect (an option whose dependencies are missing is
# dropped silently by Kconfig) and builds with every core.  Prints the
# path of the cached image.  Needs gcc, make, flex, bison, bc and
# libelf-dev (apt-get install flex bison libelf-dev bc).
#
# Cache: $RSEQKIT_VM_CACHE/kernels/x86_64-built-<source>-<key>/
#   image           the bzImage
#   config          the full .config
#   version         the kernel release (uname -r)
#   package         the source package (name=version)
#   build-seconds   the wall time of the build (cold: nothing cached)
#   build-cpu       the CPU seconds it used (user + system, all jobs):
#                   divided by the cores, the wall time on an idle machine
# <key> is a hash of the fragment, the source version, the compiler's
# version and the recipe version below (raise it when the way the kernel
# is configured or built changes), so any change builds again.  The object tree
# (about 300 MB) is deleted after a successful build.
set -eu

suite=$1 frag=$2
here=$(cd "$(dirname "$0")" && pwd)
cache=${RSEQKIT_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/rseqkit-vm}
export RSEQKIT_VM_CACHE=$cache
log() { echo "build-kernel: $*" >&2; }

[ -r "$frag" ] || { log "no config fragment $frag"; exit 2; }
. "$here/lib.sh"
missing=$(kernel_tools_missing)
if [ -n "$missing" ]; then
	log "missing:$missing (apt-get install flex bison libelf-dev bc)"
	exit 77
fi

src=$("$here/fetch-source.sh" "$suite" full) || { log "no linux-source for $suite"; exit 1; }
srcdir=$(cd "$src/../.." && pwd)
pkg=$(cat "$srcdir/package" 2>/dev/null || basename "$src")
recipe=1	# tinyconfig + fragment + olddefconfig, bzImage, gcc
key=$( { cat "$frag"; echo "$pkg recipe $recipe"; gcc --version | head -n 1; } | sha256sum | cut -c 1-12)
dest=$cache/kernels/x86_64-built-$(basename "$srcdir")-$key
if [ -s "$dest/image" ]; then
	echo "$dest/image"
	exit 0
fi

mkdir -p "$cache/kbuild"
exec 7> "$cache/kbuild/.lock"
flock 7
if [ -s "$dest/image" ]; then
	echo "$dest/image"
	exit 0
fi
obj=$cache/kbuild/$key
rm -rf "$obj"
mkdir -p "$obj"
# the object tree goes on failure too (its log is printed first)
trap 'rm -rf "$obj"' EXIT
jobs=$(nproc 2>/dev/null || echo 2)
m() { make -s -C "$src" O="$obj" ARCH=x86_64 "$@"; }
t0=$(date +%s)
log "configuring $pkg: tinyconfig + $(grep -c '^CONFIG_' "$frag") options from $(basename "$frag")"
m tinyconfig > "$obj/config.log" 2>&1 || { cat "$obj/config.log" >&2; exit 1; }
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$frag" >> "$obj/config.log" 2>&1 ||
	{ cat "$obj/config.log" >&2; exit 1; }
m olddefconfig >> "$obj/config.log" 2>&1 || { cat "$obj/config.log" >&2; exit 1; }
bad=
for opt in $(grep '^CONFIG_' "$frag"); do
	name=${opt%%=*} val=${opt#*=}
	if [ "$val" = n ]; then
		grep -q "^$name=" "$obj/.config" && bad="$bad $opt"
	else
		grep -qx "$opt" "$obj/.config" || bad="$bad $opt"
	fi
done
if [ -n "$bad" ]; then
	log "Kconfig did not keep:$bad (a dependency is missing in this kernel)"
	exit 1
fi
log "building bzImage with $jobs jobs (cold: a few minutes)"
if ! m -j"$jobs" bzImage > "$obj/build.log" 2>&1; then
	tail -n 30 "$obj/build.log" >&2
	exit 1
fi
secs=$(($(date +%s) - t0))
# CPU time of everything this shell waited for: its cutime + cstime
cpu=$(awk -v hz="$(getconf CLK_TCK 2>/dev/null || echo 100)" '{ printf "%d", ($16 + $17) / hz }' /proc/$$/stat)
tmp=$dest.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
cp "$obj/arch/x86/boot/bzImage" "$tmp/image"
cp "$obj/.config" "$tmp/config"
m -s kernelrelease > "$tmp/version" 2>/dev/null || true
echo "$pkg" > "$tmp/package"
echo "$secs" > "$tmp/build-seconds"
echo "$cpu" > "$tmp/build-cpu"
rm -rf "$dest"
mv "$tmp" "$dest"
log "built $(cat "$dest/version") in ${secs}s (${cpu} CPU seconds, $jobs jobs)"
echo "$dest/image"
