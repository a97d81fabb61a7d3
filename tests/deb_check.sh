#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/deb_check.sh - the Debian packages, end to end ('make check-deb',
# run by .ci/run):
#   1. copy the source tree (what git knows, or everything outside build/)
#      to a scratch folder and build the binary packages there with
#      'dpkg-buildpackage -us -uc -b' and DEB_BUILD_OPTIONS=nocheck ('make
#      check' already ran), so nothing is written next to the checkout;
#   2. check each package's contents, print its size; lintian on the
#      .changes: no error (warnings are printed);
#   3. install the three packages with dpkg, run debian/tests (through
#      autopkgtest's null runner when installed, else each test directly);
#   4. purge the packages and check that none of their files is left.
# The machine is left as it was: the packages are purged on every exit
# path and the scratch folder removed.  Skips (77) when not root and no
# password-less sudo, when the build tools are missing (with the apt-get
# line), or when an rseqkit package is installed already (this check
# would replace, then purge it).  RSEQKIT_DEB_KEEP=1 keeps the scratch
# folder (packages, logs) for a look.
set -u
BUILD=${BUILD:-build}
PKGS="librseqkit0 librseqkit-dev librseqkit-malloc0 rseqkit-tools"
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
		echo "SKIP: installing packages needs root or password-less sudo"; exit 77
	fi
fi
missing=
for c in dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian fakeroot:fakeroot; do
	command -v "${c%%:*}" >/dev/null 2>&1 || missing="$missing ${c#*:}"
done
if [ -n "$missing" ]; then
	echo "SKIP: missing$missing (apt-get install dpkg-dev debhelper lintian fakeroot autopkgtest)"
	exit 77
fi
for p in $PKGS; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		echo "SKIP: $p is installed on this machine; this check would replace and purge it"
		exit 77
	fi
done

version=$(sh mk/release.sh version)
debver=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' debian/changelog)
arch=$(dpkg --print-architecture)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rseqkit-deb.XXXXXX") || exit 1
installed=0
cleanup() {
	if [ $installed -eq 1 ]; then
		$SUDO dpkg --purge $PKGS >/dev/null 2>&1 ||
			echo "WARNING: could not purge $PKGS: run dpkg --purge $PKGS"
	fi
	if [ -n "${RSEQKIT_DEB_KEEP:-}" ]; then echo "kept: $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
t0=$(date +%s)
step() { echo "== $* ($(( $(date +%s) - t0 )) s)"; }

# 1. build in a copy
src=$tmp/rseqkit-$version
mkdir -p "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents -P {} "$src"/ 2>/dev/null
else
	tar --exclude=./build --exclude=./.git -cf - . | tar -C "$src" -xf -
fi
[ -f "$src/debian/rules" ] || { bad "the copy of the tree has no debian/rules"; exit 1; }
step "dpkg-buildpackage -us -uc -b (nocheck) in $src"
if (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc 2>/dev/null || echo 2)" \
	dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
	ok "dpkg-buildpackage"
else
	bad "dpkg-buildpackage:"; tail -n 40 "$tmp/build.log"; exit 1
fi
grep -E 'dpkg-gensymbols: warning|dh_missing: ' "$tmp/build.log" | head -n 20

# 2. contents, sizes, lintian
step "package contents"
for p in $PKGS; do
	deb=$tmp/${p}_${debver}_$arch.deb
	[ -f "$deb" ] || { bad "$deb not built"; continue; }
	dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$tmp/$p.files"
	size=$(stat -c %s "$deb")
	isize=$(dpkg-deb -f "$deb" Installed-Size)
	echo "     $p: $(basename "$deb") $((size / 1024)) KiB, installed $isize KiB, $(grep -vc '/$' "$tmp/$p.files") files"
done
need() {	# package pattern description
	grep -q -- "$2" "$tmp/$1.files" && ok "$1 has $3" || bad "$1 lacks $3 ($2)"
}
need librseqkit0 "/usr/lib/.*/librseqkit.so.0$" "librseqkit.so.0"
need librseqkit0 "/usr/lib/.*/librseqkit.so.$version$" "librseqkit.so.$version"
need librseqkit-malloc0 "/usr/lib/.*/librseqkit-malloc.so.0$" "librseqkit-malloc.so.0"
need librseqkit-dev "/usr/lib/.*/librseqkit-malloc.so$" "the malloc's development link"
need librseqkit-dev "/usr/include/rseqkit/rseq.h$" "the headers"
need librseqkit-dev "/usr/lib/.*/librseqkit.a$" "the static library"
need librseqkit-dev "/usr/lib/.*/librseqkit.so$" "the development link"
need librseqkit-dev "/usr/lib/.*/pkgconfig/rseqkit.pc$" "rseqkit.pc"
need librseqkit-dev "/usr/share/man/man3/rseq.3.gz$" "man pages of section 3"
need librseqkit-dev "/usr/share/man/man7/rseqkit.7.gz$" "rseqkit(7)"
need librseqkit-dev "/usr/share/man/man7/rseqkit-abi.7.gz$" "rseqkit-abi(7)"
need librseqkit-dev "/usr/share/doc/librseqkit-dev/examples/registration.c" "the examples"
need librseqkit-dev "/usr/share/doc/librseqkit-dev/examples/build-systems/CMakeLists.txt" "the CMake snippet"
need rseqkit-tools "/usr/bin/rseq-inspect$" "rseq-inspect"
need rseqkit-tools "/usr/bin/rseq-check$" "rseq-check"
need rseqkit-tools "/usr/share/man/man1/rseq-inspect.1.gz$" "man pages of section 1"
for m in rseqkit-selftests rseqkit-librseq; do
	if [ -f "$src/$BUILD/pkgconfig/$m.pc" ] || [ -n "$(find "$src/debian/tmp" -name "$m.pc" 2>/dev/null)" ]; then
		need librseqkit-dev "/pkgconfig/$m.pc$" "$m.pc"
	else
		echo "note: $m.pc not built (its include tree is not in this source tree)"
	fi
done
if grep -q '\.py$' "$tmp/rseqkit-tools.files"; then
	ok "rseqkit-tools has the gdb extension: $(grep '\.py$' "$tmp/rseqkit-tools.files" | tr '\n' ' ')"
else
	echo "note: make install installs no gdb extension in this tree: rseqkit-tools has none"
fi

step "lintian"
lintian --fail-on error --display-info --tag-display-limit 0 "$tmp"/rseqkit_${debver}_$arch.changes >"$tmp/lintian.log" 2>&1
lst=$?
grep -v 'root privileges' "$tmp/lintian.log" | sed 's/^/     /'
echo "     lintian: $(grep -c '^E:' "$tmp/lintian.log") errors, $(grep -c '^W:' "$tmp/lintian.log") warnings, $(grep -c '^I:' "$tmp/lintian.log") info"
[ $lst -eq 0 ] && ok "lintian: no error" || bad "lintian exited $lst"

# 3. install, test
step "install"
installed=1
if $SUDO dpkg -i "$tmp"/librseqkit0_${debver}_$arch.deb "$tmp"/librseqkit-dev_${debver}_$arch.deb \
	"$tmp"/librseqkit-malloc0_${debver}_$arch.deb "$tmp"/rseqkit-tools_${debver}_$arch.deb >"$tmp/install.log" 2>&1; then
	ok "dpkg -i $PKGS"
else
	bad "dpkg -i:"; tail -n 20 "$tmp/install.log"
fi
step "debian/tests"
# Every test's Depends must be installed already: the null runner would
# install what is missing and leave it behind.
deps=$(sed -n 's/^Depends: *//p' debian/tests/control | tr ',' '\n' | sed 's/^ *//; s/ .*//' | sort -u)
absent=
for d in $deps; do
	dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q 'ok installed' || absent="$absent $d"
done
if [ -n "$absent" ]; then
	bad "test dependencies not installed:$absent (apt-get install$absent; .ci/run installs them)"
elif command -v autopkgtest >/dev/null 2>&1; then
	# -B: test the installed packages, build nothing.
	if $SUDO autopkgtest -B "$src" -- null >"$tmp/autopkgtest.log" 2>&1; then
		ok "autopkgtest (null runner): $(sed -n '/@@@@ summary/,$p' "$tmp/autopkgtest.log" | grep -cE '^[a-z-]+ +PASS') tests passed"
	else
		bad "autopkgtest (the failing tests' output):"
		for t in $(sed -n 's/^\([a-z-]*\) *FAIL.*/\1/p' "$tmp/autopkgtest.log" | sort -u); do
			sed -n "/test $t: \[---/,/test $t: ---/p" "$tmp/autopkgtest.log" | tail -n 40
		done
	fi
	sed -n '/@@@@ summary/,$p' "$tmp/autopkgtest.log" | sed 1d | sed 's/^/     /'
else
	echo "note: autopkgtest not installed: running debian/tests/* directly (apt-get install autopkgtest)"
	for t in $(sed -n 's/^Tests: *//p' debian/tests/control); do
		mkdir -p "$tmp/at-$t"
		if (cd "$src" && AUTOPKGTEST_TMP="$tmp/at-$t" sh "debian/tests/$t") >"$tmp/$t.log" 2>&1; then
			ok "debian/tests/$t"
		else
			bad "debian/tests/$t:"; tail -n 30 "$tmp/$t.log"
		fi
	done
fi

# 4. purge: nothing of the packages is left
step "purge"
if $SUDO dpkg --purge $PKGS >"$tmp/purge.log" 2>&1; then ok "dpkg --purge"; installed=0; else
	bad "dpkg --purge:"; tail -n 20 "$tmp/purge.log"
fi
left=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'installed' && left="$left $p"
	for f in $(grep -v '/$' "$tmp/$p.files"); do
		[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
	done
done
[ -z "$left" ] && ok "nothing left after the purge" || bad "left after the purge:$left"
[ -d /usr/include/rseqkit ] && bad "/usr/include/rseqkit is still there" || ok "no /usr/include/rseqkit"

step "done"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
