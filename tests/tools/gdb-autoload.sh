#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tools/gdb-autoload.sh - `make install` puts the gdb extension in
# place and gdb loads it by itself, with no `source`: for a program linked
# with librseqkit.so, a static one, one built with the selftests-style
# #include "rseq.h", and one that uses only the library (its own entry).
# gdb says which add-auto-load-safe-path line trusts another PREFIX; the
# PREFIX=/usr layout (the Debian package) names a loader in gdb's own
# auto-load directory and installs the librseqkit.so-gdb.py file there.
BUILD=${BUILD:-build}
CC=${CC:-cc}
T=$BUILD/tools/test/autoload
rm -rf "$T"
mkdir -p "$T"
T=$(cd "$T" && pwd)
pass=0 fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

command -v gdb >/dev/null 2>&1 || { echo "SKIP: gdb not installed (apt-get install gdb)"; exit 77; }
gdb -batch -nx -ex 'python print("py-ok")' 2>/dev/null | grep -q py-ok ||
	{ echo "SKIP: this gdb has no Python"; exit 77; }
command -v readelf >/dev/null 2>&1 || { echo "SKIP: readelf absent (apt-get install binutils)"; exit 77; }

p=$T/prefix
if make --no-print-directory -s install BUILD="$BUILD" PREFIX="$p" > "$T/install.log" 2>&1; then ok; else
	bad "make install PREFIX=$p"; cat "$T/install.log"; fi
[ -f "$p/share/rseqkit/gdb/rseq.py" ] && ok || bad "the extension is not installed under the PREFIX"
entry() { readelf -p .debug_gdb_scripts "$1" 2>/dev/null | sed -n 's/^ *\[ *[0-9a-f]*\]  //p' | sort -u; }
[ "$(entry "$p/lib/librseqkit.so.0.2.0" 2>/dev/null || entry "$p"/lib/librseqkit.so.*.*.*)" = "$p/share/rseqkit/gdb/rseq.py" ] &&
	ok || bad "librseqkit.so names '$(entry "$p"/lib/librseqkit.so.*.*.*)'"
[ "$(entry "$p/lib/librseqkit.a")" = "$p/share/rseqkit/gdb/rseq.py" ] && ok ||
	bad "librseqkit.a names '$(entry "$p/lib/librseqkit.a")'"

awk '/^```c$/{f=1;n++;next} /^```$/{if(f&&n==1)exit;f=0} f&&n==1' README.md > "$T/count.c"
sed 's|#include <rseqkit/rseq.h>|#include "rseq.h"|' "$T/count.c" > "$T/compat.c"
cat > "$T/libonly.c" <<'C'
/* Uses librseqkit without its headers: the library's own entry. */
int rseqkit_register_current_thread(void);
int main(void) { return rseqkit_register_current_thread() != 0; }
C
build() { # NAME FLAGS...
	n=$1; shift
	if $CC -O2 -g -o "$T/$n" "$@" -pthread > "$T/$n.log" 2>&1; then ok; else
		bad "build $n"; cat "$T/$n.log"; fi
}
build dynamic -I"$p/include" "$T/count.c" -L"$p/lib" -Wl,-rpath,"$p/lib" -lrseqkit
build static -I"$p/include" "$T/count.c" "$p/lib/librseqkit.a" -static
build compat -I"$p/include/rseqkit" "$T/compat.c" "$p/lib/librseqkit.a"
build libonly "$T/libonly.c" -L"$p/lib" -Wl,-rpath,"$p/lib" -lrseqkit
for n in dynamic static compat; do
	[ "$(entry "$T/$n")" = "$p/share/rseqkit/gdb/rseq.py" ] && ok || bad "$n names '$(entry "$T/$n")'"
done

# gdb with the PREFIX trusted: `info rseq` exists without a `source`
for n in dynamic static compat libonly; do
	[ -x "$T/$n" ] || continue
	HOME=$T timeout 120 gdb -batch -nx -iex "add-auto-load-safe-path $p" \
		-ex 'break main' -ex 'run' -ex 'info rseq .' -ex 'kill' "$T/$n" > "$T/$n.gdb" 2>&1
	if grep -q "critical section" "$T/$n.gdb" && grep -q "^Thread 1 " "$T/$n.gdb"; then ok; else
		bad "gdb did not load the extension for $n:"; tail -8 "$T/$n.gdb"; fi
done
grep -q "librseqkit.so.0: [0-9]* critical sections" "$T/libonly.gdb" && ok ||
	bad "info rseq does not list librseqkit.so's sections for the library-only program"
# untrusted: gdb declines and says how to trust it
HOME=$T timeout 60 gdb -batch -nx -ex 'info auto-load python-scripts' "$T/dynamic" > "$T/declined.gdb" 2>&1
grep -q "add-auto-load-safe-path $p/share/rseqkit/gdb/rseq.py" "$T/declined.gdb" && ok ||
	{ bad "gdb does not ask for add-auto-load-safe-path:"; cat "$T/declined.gdb"; }

# the Debian layout: PREFIX=/usr into a staging DESTDIR
d=$T/stage
if make --no-print-directory -s install BUILD="$BUILD" PREFIX=/usr DESTDIR="$d" > "$T/usr.log" 2>&1; then ok; else
	bad "make install PREFIX=/usr"; cat "$T/usr.log"; fi
loader=/usr/share/gdb/auto-load/rseqkit/rseqkit-gdb.py
[ -f "$d$loader" ] && grep -q "source /usr/share/rseqkit/gdb/rseq.py" "$d$loader" && ok ||
	bad "no loader $loader"
ls "$d"/usr/share/gdb/auto-load/usr/lib/librseqkit.so.*-gdb.py > /dev/null 2>&1 && ok ||
	bad "no librseqkit.so-gdb.py in gdb's auto-load directory"
grep -q "^#define RSEQKIT_GDB_SCRIPT \"$loader\"" "$d/usr/include/rseqkit/gdb.h" && ok ||
	bad "the installed rseqkit/gdb.h does not name $loader"
[ "$(entry "$d"/usr/lib/librseqkit.so.*.*.*)" = "$loader" ] && ok ||
	bad "librseqkit.so (PREFIX=/usr) names '$(entry "$d"/usr/lib/librseqkit.so.*.*.*)'"
# the loader sources the extension once, even when loaded twice
sed "s|/usr/share/rseqkit/gdb/rseq.py|$(pwd)/tools/gdb/rseq.py|" "$d$loader" > "$T/loader.py"
timeout 60 gdb -batch -nx -ex "source $T/loader.py" -ex "source $T/loader.py" \
	-ex 'python print("loaded", gdb.rseqkit is not None)' -ex 'help info rseq' > "$T/loader.out" 2>&1
grep -q "loaded True" "$T/loader.out" && grep -q "info rseq \[REGEXP\]" "$T/loader.out" && ok ||
	{ bad "the loader does not load the extension"; cat "$T/loader.out"; }
if make --no-print-directory -s uninstall BUILD="$BUILD" PREFIX=/usr DESTDIR="$d" > /dev/null 2>&1 &&
   [ ! -e "$d$loader" ] && [ ! -e "$d/usr/share/rseqkit/gdb/rseq.py" ]; then ok; else
	bad "make uninstall left the gdb files"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
