#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/vm/toolchain.sh ARCH
#
# Finds (or provides) a C compiler that links static programs for ARCH and
# prints shell assignments for it:  VM_CC='...' VM_AR='...' VM_TC_PATH='...'
#
# Order of preference:
#   1. the cross compiler already on PATH (<triplet>-gcc), or for x86_64 the
#      host gcc, for i386 `gcc -m32` when gcc-multilib works
#   2. apt-get install of Debian's cross compiler, only when that removes
#      nothing (as root): Debian's gcc-multilib conflicts with every
#      gcc-12-<triplet> cross compiler, and removing it would break other
#      users' `gcc -m32` builds on a shared machine
#   3. a private copy: the cross compiler's packages are fetched with
#      apt-get download and unpacked under $RSEQKIT_VM_CACHE/toolchains/
#      (gcc finds its parts relative to its own location)
# Every candidate must build a static test program before it is accepted.
set -eu

arch=$1
cache=${RSEQKIT_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/rseqkit-vm}
log() { echo "toolchain: $*" >&2; }

case $arch in
x86_64)   triplet=x86_64-linux-gnu      debarch=amd64 ;;
i386)     triplet=i686-linux-gnu        debarch=i386 ;;
aarch64)  triplet=aarch64-linux-gnu     debarch=arm64 ;;
arm)      triplet=arm-linux-gnueabihf   debarch=armhf ;;
ppc64le)  triplet=powerpc64le-linux-gnu debarch=ppc64el ;;
riscv64)  triplet=riscv64-linux-gnu     debarch=riscv64 ;;
s390x)    triplet=s390x-linux-gnu       debarch=s390x ;;
mips64el) triplet=mips64el-linux-gnuabi64 debarch=mips64el ;;
*) log "unknown ARCH $arch"; exit 2 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the headers init.c and the tests need (gcc -m32 without gcc-multilib
# lacks <asm/errno.h>, for one)
cat > "$tmp/t.c" <<'EOF'
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <linux/seccomp.h>
#include <linux/filter.h>
int main(void) { printf("%d %d\n", EINVAL, (int)SYS_getpid); return 0; }
EOF

# works CC [AR]: links a static, threaded program for the right machine
works() {
	# shellcheck disable=SC2086
	$1 -static -O2 -pthread -o "$tmp/t" "$tmp/t.c" >/dev/null 2>&1 || return 1
	case $arch in
	x86_64)   want='x86-64' ;;
	i386)     want='Intel 80386' ;;
	aarch64)  want='aarch64' ;;
	arm)      want='ARM,' ;;
	ppc64le)  want='64-bit PowerPC' ;;
	riscv64)  want='RISC-V' ;;
	s390x)    want='S/390' ;;
	mips64el) want='MIPS' ;;
	esac
	if command -v file >/dev/null 2>&1; then
		file "$tmp/t" | grep -q "$want" || return 1
	fi
	return 0
}

emit() { # CC AR PATHDIR
	printf "VM_CC='%s' VM_AR='%s' VM_TC_PATH='%s'\n" "$1" "$2" "${3:-}"
	exit 0
}

host=$(uname -m)
# RSEQKIT_VM_PRIVATE_TC=1 goes straight to the private copy (for testing it)
private=${RSEQKIT_VM_PRIVATE_TC:-0}
# 1. what is already there
if [ "$private" = 1 ]; then
	:
elif [ "$arch" = "$host" ] && works gcc; then
	emit gcc ar
fi
if [ "$arch" = i386 ] && [ "$host" = x86_64 ] && works "gcc -m32"; then
	emit "gcc -m32" ar
fi
for cc in "$triplet-gcc" "$triplet-gcc-12" "$triplet-gcc-13" "$triplet-gcc-14"; do
	[ "$private" = 1 ] && break
	if command -v "$cc" >/dev/null 2>&1 && works "$cc"; then
		ar=$triplet-ar
		command -v "$ar" >/dev/null 2>&1 || ar=ar
		emit "$cc" "$ar"
	fi
done

# 3 (checked first, it is cheap). a private copy from an earlier run
priv=$cache/toolchains/$triplet
if [ -x "$priv/usr/bin/$triplet-gcc" ] && works "$priv/usr/bin/$triplet-gcc"; then
	emit "$priv/usr/bin/$triplet-gcc" "$priv/usr/bin/$triplet-ar" "$priv/usr/bin"
fi

# 2. install the Debian package when nothing has to go
pkg=gcc-$triplet
# the C library's development files are only a Recommends of the compiler
devpkgs="$pkg libc6-dev-$debarch-cross"
if [ "$(id -u)" = 0 ] && [ -z "${RSEQKIT_VM_NO_INSTALL:-}" ] && [ "$private" != 1 ]; then
	if ! apt-cache show "$pkg" >/dev/null 2>&1; then
		apt-get -q update >&2 || true
	fi
	if apt-get -s -q install --no-remove --no-install-recommends $devpkgs >/dev/null 2>&1; then
		log "installing $devpkgs"
		DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600 install --no-remove \
			--no-install-recommends $devpkgs >&2
		if works "$triplet-gcc"; then
			emit "$triplet-gcc" "$triplet-ar"
		fi
	else
		log "apt-get install $pkg would remove packages (gcc-multilib conflicts); using a private copy"
	fi
fi

# 3. the private copy: gcc-N-<triplet>, cpp-N-<triplet>, binutils-<triplet>
# and the target's libgcc/libc development files, unpacked with dpkg-deb.
gccver=$(apt-cache depends "$pkg" 2>/dev/null | sed -n "s/.*Depends: gcc-\([0-9][0-9]*\)-$triplet\$/\1/p" | head -n 1)
if [ -z "$gccver" ]; then
	log "cannot find Debian's $pkg (is apt's package list current? try apt-get update)"
	exit 1
fi
cross=$debarch-cross
pkgs="gcc-$gccver-$triplet cpp-$gccver-$triplet binutils-$triplet libgcc-$gccver-dev-$cross libc6-dev-$cross libc6-$cross linux-libc-dev-$cross"
log "fetching $pkgs"
mkdir -p "$tmp/debs" "$priv.new"
(cd "$tmp/debs" && apt-get -q -o APT::Sandbox::User=root download $pkgs >&2)
for d in "$tmp"/debs/*.deb; do
	dpkg-deb -x "$d" "$priv.new"
done
ln -sf "$triplet-gcc-$gccver" "$priv.new/usr/bin/$triplet-gcc"
# lto1 alone is 30 MB; -flto is not used for the tests
rm -f "$priv.new"/usr/lib/gcc-cross/*/*/lto1
rm -rf "$priv.new/usr/share/doc" "$priv.new/usr/share/man" "$priv.new/usr/share/locale" "$priv"
mv "$priv.new" "$priv"
if works "$priv/usr/bin/$triplet-gcc"; then
	emit "$priv/usr/bin/$triplet-gcc" "$priv/usr/bin/$triplet-ar" "$priv/usr/bin"
fi
log "the private $triplet toolchain in $priv does not build static programs"
exit 1
