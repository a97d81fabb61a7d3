#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/install_check.sh - 'make install' and 'make uninstall' into a
# staging DESTDIR:
#  - install writes exactly what 'make install-list' says, and the files
#    users need (libraries, headers, pkg-config modules, man pages of
#    sections 1, 3 and 7 with the release date and version, tools,
#    examples, documents);
#  - uninstall is its exact inverse: the list of files, links and
#    directories afterwards equals the list before, with files of other
#    software in the same directories left alone (also after installing
#    twice, and on a prefix where nothing was installed);
#  - programs build against the installation through pkg-config (shared
#    and static), each pkg-config module gives the include path
#    docs/surface.md promises and no other (<slice.h> must not resolve),
#    and the CMake and meson snippets of examples/build-systems/ build and
#    run (skipped, with the apt-get line, without cmake or meson).
set -u
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rseqkit-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0; notes=
ok()   { pass=$((pass + 1)); }
bad()  { fail=$((fail + 1)); echo "FAIL: $*"; }
note() { notes="${notes}NOTE: $*
"; }
check() {	# description command...: pass when the command succeeds
	what=$1; shift
	if "$@" >"$tmp/out" 2>&1; then ok; else bad "$what"; tail -n 20 "$tmp/out" | sed 's/^/      /'; fi
}

stage=$tmp/stage
prefix=/opt/rseqkit
root=$stage$prefix
version=$(sh mk/release.sh version)
date=$(sh mk/release.sh date)
# Every directory spelled out, and no variable inherited from a calling
# make (a package build runs 'make check' with its own PREFIX, DOCDIR...).
dirs="PREFIX=$prefix BINDIR=$prefix/bin LIBDIR=$prefix/lib INCLUDEDIR=$prefix/include
      DATADIR=$prefix/share MANDIR=$prefix/share/man DOCDIR=$prefix/share/doc/rseqkit
      EXAMPLESDIR=$prefix/share/doc/rseqkit/examples PKGCONFIGDIR=$prefix/lib/pkgconfig"
unset MAKEFLAGS MFLAGS MAKEOVERRIDES
mk() { $MAKE --no-print-directory -s BUILD="$BUILD" $dirs DESTDIR="$stage" "$@"; }
# Every file, link and directory under the stage, with its kind.
snapshot() {
	(cd "$stage" && find . \( -type d -printf 'd %p\n' \) -o \( -type l -printf 'l %p -> %l\n' \) \
		-o \( -type f -printf 'f %p %m\n' \) | LC_ALL=C sort)
}

# A prefix that already holds the usual directories and other software's
# files, as a real system does.
for d in bin lib/pkgconfig include share/man/man1 share/man/man3 share/man/man7 share/doc; do
	mkdir -p "$root/$d"
done
echo other >"$root/bin/other-tool"
echo other >"$root/share/man/man3/other.3"
echo other >"$root/lib/pkgconfig/other.pc"
snapshot >"$tmp/before"

# 1. install
if mk install >"$tmp/install.log" 2>&1; then ok; else bad "make install"; tail -n 30 "$tmp/install.log"; fi
snapshot >"$tmp/after"
for f in lib/librseqkit.a lib/librseqkit.so lib/librseqkit.so.0 lib/librseqkit.so.$version \
	 lib/pkgconfig/rseqkit.pc include/rseqkit/rseq.h include/rseqkit/abi.h \
	 include/rseqkit/version.h include/rseqkit/pool.h include/rseqkit/percpu/percpu.h \
	 share/man/man3/rseq.3 share/man/man7/rseqkit.7 share/man/man7/rseqkit-abi.7 \
	 share/man/man1/rseq-inspect.1 share/man/man1/rseq-check.1 \
	 bin/rseq-inspect bin/rseq-check share/doc/rseqkit/LICENSE share/doc/rseqkit/NEWS \
	 share/doc/rseqkit/examples/registration.c \
	 share/doc/rseqkit/examples/build-systems/CMakeLists.txt \
	 share/doc/rseqkit/examples/build-systems/meson.build; do
	if [ -e "$root/$f" ]; then ok; else bad "not installed: $f"; fi
done
# Every header and man page of the source tree is installed.
n=0
for h in $(cd include && find rseqkit -name '*.h'); do
	[ -f "$root/include/$h" ] || { bad "header $h not installed"; n=$((n + 1)); }
done
for p in man/man[1-8]/*.[1-8]; do
	[ -f "$root/share/$p" ] || { bad "man page $p not installed"; n=$((n + 1)); }
done
[ $n -eq 0 ] && ok
# 'make install-list' names exactly the new files and links.
mk install-list 2>"$tmp/list.err" | sed "s|^$stage|.|" | LC_ALL=C sort >"$tmp/list"
comm -13 "$tmp/before" "$tmp/after" | grep -v '^d ' | sed 's/^[fl] \([^ ]*\).*/\1/' | LC_ALL=C sort >"$tmp/new"
if cmp -s "$tmp/list" "$tmp/new"; then ok; else
	bad "make install-list differs from what make install wrote (< list, > installed):"
	diff "$tmp/list" "$tmp/new" | head -n 20
fi
# Modes: programs and the shared library executable, the rest not.
for f in bin/rseq-inspect bin/rseq-check lib/librseqkit.so.$version; do
	[ -x "$root/$f" ] && ok || bad "$f is not executable"
done
[ -x "$root/include/rseqkit/rseq.h" ] && bad "headers installed executable" || ok
# Man pages as installed: the release date and version on every .TH line.
badth=$(grep -h '^\.TH' "$root"/share/man/man*/*.[1-8] | grep -v " $date \"rseqkit $version\" \"rseqkit Manual\"" | head -n 5)
[ -z "$badth" ] && ok || bad "installed man pages without date $date and version $version: $badth"
grep -l '@RSEQKIT_' "$root"/share/man/man*/*.[1-8] >"$tmp/ph" 2>/dev/null
[ -s "$tmp/ph" ] && bad "placeholders left in installed pages: $(cat "$tmp/ph")" || ok
soname=$(readelf -d "$root/lib/librseqkit.so" 2>/dev/null | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = librseqkit.so.0 ] && ok || bad "soname is '$soname'"
# Only rseqkit_* symbols are exported (docs/surface.md).
leaks=$(nm -D --defined-only "$root/lib/librseqkit.so" | awk '{print $3}' | grep -v '^rseqkit_' | grep -v '^RSEQKIT_' || true)
[ -z "$leaks" ] && ok || bad "exported non-rseqkit_ symbols: $leaks"
# The installed tools say which release they are.
for t in rseq-inspect rseq-check; do
	v=$("$root/bin/$t" --version 2>&1 | head -n 1)
	case "$v" in *"$version"*) ok ;; *) bad "$t --version printed '$v'" ;; esac
done

# 2. programs against the installation.  PKG_CONFIG_SYSROOT_DIR puts the
# stage in front of every -I and -L; PKG_CONFIG_LIBDIR hides any rseqkit
# installed on this machine.
export PKG_CONFIG_SYSROOT_DIR="$stage" PKG_CONFIG_LIBDIR="$root/lib/pkgconfig"
cc=${CC:-cc}
cat >"$tmp/prog.c" <<'C'
#include <rseqkit/rseq.h>
#include <rseqkit/pool.h>
#include <rseqkit/percpu/percpu.h>
#include <stdio.h>
int main(void)
{
	if (rseq_register_current_thread())
		printf("unavailable: %s\n", rseq_error_reason());
	printf("cpu %u\n", rseq_current_cpu());
	return rseq_version_number() != RSEQKIT_VERSION_NUMBER;
}
C
printf '#include <slice.h>\nint main(void) { return 0; }\n' >"$tmp/shadow.c"
if command -v pkg-config >/dev/null 2>&1; then
	ver=$(pkg-config --modversion rseqkit 2>&1)
	[ "$ver" = "$version" ] && ok || bad "pkg-config --modversion rseqkit: $ver"
	cflags=$(pkg-config --cflags rseqkit | sed 's/ *$//')
	[ "$cflags" = "-I$root/include" ] && ok || bad "rseqkit Cflags are '$cflags', expected -I$root/include only"
	check "build and run against librseqkit.so through pkg-config" sh -c \
		"$cc -Wall -Wextra -Werror -o '$tmp/prog' '$tmp/prog.c' $(pkg-config --cflags --libs rseqkit) &&
		 LD_LIBRARY_PATH='$root/lib' '$tmp/prog'"
	# The program really used the staged library.
	check "the program loads the staged librseqkit.so.0" sh -c \
		"LD_LIBRARY_PATH='$root/lib' ldd '$tmp/prog' | grep -q '$root/lib/librseqkit.so.0'"
	check "static build through pkg-config --static" sh -c \
		"$cc -static -o '$tmp/prog-static' '$tmp/prog.c' $(pkg-config --cflags --static --libs rseqkit) && '$tmp/prog-static'"
	if $cc -c -o "$tmp/shadow.o" "$tmp/shadow.c" $(pkg-config --cflags rseqkit) >/dev/null 2>&1; then
		bad "#include <slice.h> resolves with rseqkit's Cflags"
	else ok; fi
	# The compatibility modules: installed exactly when their trees are.
	# module:include directory it adds:a header under it
	for m in rseqkit-selftests:rseqkit/selftests:rseq.h rseqkit-librseq:rseqkit/librseq:rseq/rseq.h; do
		mod=${m%%:*}; dir=${m#*:}; dir=${dir%%:*}; hdr=$dir/${m##*:}
		if [ ! -f "include/$hdr" ]; then
			[ -f "$root/lib/pkgconfig/$mod.pc" ] && bad "$mod.pc installed without include/$hdr" || ok
			note "include/$hdr is not in this tree: module $mod not installed, not checked"
			continue
		fi
		[ -f "$root/lib/pkgconfig/$mod.pc" ] && ok || { bad "$mod.pc not installed"; continue; }
		mc=$(pkg-config --cflags "$mod" | sed 's/ *$//')
		[ "$mc" = "-I$root/include -I$root/include/$dir" ] ||
		[ "$mc" = "-I$root/include/$dir -I$root/include" ] && ok ||
			bad "$mod Cflags are '$mc'"
		[ "$(pkg-config --modversion "$mod")" = "$version" ] && ok || bad "$mod version"
	done
	if [ -f "$root/lib/pkgconfig/rseqkit-selftests.pc" ]; then
		printf '#include "rseq.h"\nint main(void) { return rseq_register_current_thread() && rseq_available(); }\n' >"$tmp/compat.c"
		check "kernel-selftests-style #include \"rseq.h\" through rseqkit-selftests" sh -c \
			"$cc -Wall -Wextra -o '$tmp/compat' '$tmp/compat.c' $(pkg-config --cflags --libs rseqkit-selftests) &&
			 LD_LIBRARY_PATH='$root/lib' '$tmp/compat'"
	fi
	if [ -f "$root/lib/pkgconfig/rseqkit-librseq.pc" ]; then
		# A librseq program (the example) through the module; nothing is
		# installed as <includedir>/rseq, which would shadow a librseq.
		check "a librseq program through rseqkit-librseq" sh -c \
			"$cc -Wall -Wextra -o '$tmp/librseq' examples/librseq_mempool.c $(pkg-config --cflags --libs rseqkit-librseq) &&
			 LD_LIBRARY_PATH='$root/lib' '$tmp/librseq'"
		[ ! -e "$root/include/rseq" ] && ok || bad "something installed as <includedir>/rseq"
	fi

	# CMake and meson, as the snippets installed with the examples say.
	cp -r "$root/share/doc/rseqkit/examples/build-systems" "$tmp/bs"
	if command -v cmake >/dev/null 2>&1; then
		check "CMake snippet: configure, build, run" sh -c \
			"cmake -S '$tmp/bs' -B '$tmp/bs/cmake-build' &&
			 cmake --build '$tmp/bs/cmake-build' &&
			 LD_LIBRARY_PATH='$root/lib' '$tmp/bs/cmake-build/hello'"
	else
		note "cmake not installed: CMake snippet not checked (apt-get install cmake)"
	fi
	if command -v meson >/dev/null 2>&1 && command -v ninja >/dev/null 2>&1; then
		check "meson snippet: setup, compile, run" sh -c \
			"cd '$tmp/bs' && meson setup meson-build >/dev/null && meson compile -C meson-build &&
			 LD_LIBRARY_PATH='$root/lib' meson-build/hello"
	else
		note "meson or ninja not installed: meson snippet not checked (apt-get install meson ninja-build)"
	fi
else
	note "pkg-config not installed: pkg-config, CMake and meson builds not checked (apt-get install pkgconf)"
fi
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR

# 3. uninstall: the exact inverse
if mk uninstall >"$tmp/uninstall.log" 2>&1; then ok; else bad "make uninstall"; tail -n 20 "$tmp/uninstall.log"; fi
snapshot >"$tmp/removed"
if cmp -s "$tmp/before" "$tmp/removed"; then ok; else
	bad "make uninstall did not restore the prefix (< before install, > after uninstall):"
	diff "$tmp/before" "$tmp/removed" | head -n 30
fi
# Twice installed, once uninstalled; a user's file in rseqkit's folder stays.
check "make install twice" sh -c "$MAKE --no-print-directory -s BUILD='$BUILD' $(echo $dirs) DESTDIR='$stage' install >/dev/null &&
	$MAKE --no-print-directory -s BUILD='$BUILD' $(echo $dirs) DESTDIR='$stage' install >/dev/null"
echo mine >"$root/share/doc/rseqkit/my-notes.txt"
check "make uninstall after two installs" mk uninstall
[ -f "$root/share/doc/rseqkit/my-notes.txt" ] && ok || bad "uninstall removed a file it did not install"
rm -f "$root/share/doc/rseqkit/my-notes.txt"; rmdir "$root/share/doc/rseqkit"
snapshot >"$tmp/removed2"
if cmp -s "$tmp/before" "$tmp/removed2"; then ok; else
	bad "install twice + uninstall is not the identity:"; diff "$tmp/before" "$tmp/removed2" | head -n 30
fi
# Uninstall where nothing was installed: no error, nothing touched.
check "make uninstall on an empty prefix" mk uninstall
snapshot >"$tmp/removed3"
cmp -s "$tmp/before" "$tmp/removed3" && ok || bad "uninstall on an empty prefix changed it"

printf '%s' "$notes"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
