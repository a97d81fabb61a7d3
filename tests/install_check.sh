#!/bin/sh
# install_check.sh - 'make install' into a staging DESTDIR, then build a
# program against the installed headers and libraries the two documented
# ways: pkg-config, and the selftests-compatible -I<includedir>/rseqkit.
set -u
BUILD=${BUILD:-build}
stage=$(mktemp -d "${TMPDIR:-/tmp}/rseqkit-install.XXXXXX")
trap 'rm -rf "$stage"' EXIT
pass=0; fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

prefix=/opt/rseqkit
if make --no-print-directory -s install BUILD="$BUILD" PREFIX=$prefix DESTDIR="$stage" >"$stage.log" 2>&1; then ok; else bad "make install"; cat "$stage.log"; fi
root=$stage$prefix
for f in include/rseqkit/rseq.h include/rseqkit/abi.h lib/librseqkit.a \
	 lib/librseqkit.so lib/pkgconfig/rseqkit.pc share/man/man3/rseq.3; do
	if [ -e "$root/$f" ]; then ok; else bad "missing $f"; fi
done
soname=$(readelf -d "$root/lib/librseqkit.so" 2>/dev/null | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = librseqkit.so.0 ] && ok || bad "soname is '$soname'"
# Only rseqkit_* symbols are exported (docs/surface.md).
leaks=$(nm -D --defined-only "$root/lib/librseqkit.so" | awk '{print $3}' | grep -v '^rseqkit_' | grep -v '^RSEQKIT_' || true)
[ -z "$leaks" ] && ok || bad "exported non-rseqkit_ symbols: $leaks"

cat > "$stage/prog.c" <<'C'
#include <rseqkit/rseq.h>
#include <stdio.h>
int main(void)
{
	if (rseq_register_current_thread())
		printf("unavailable: %s\n", rseq_error_reason());
	printf("cpu %u\n", rseq_current_cpu());
	return 0;
}
C
cat > "$stage/compat.c" <<'C'
#include "rseq.h"
int main(void) { return rseq_register_current_thread() && rseq_available(); }
C
cc=${CC:-cc}
if command -v pkg-config >/dev/null 2>&1; then
	sed -i "s|^prefix=.*|prefix=$root|; s|^libdir=.*|libdir=$root/lib|; s|^includedir=.*|includedir=$root/include|" \
		"$root/lib/pkgconfig/rseqkit.pc"
	flags=$(PKG_CONFIG_PATH=$root/lib/pkgconfig pkg-config --cflags --libs rseqkit)
	if $cc -Wall -Wextra -o "$stage/prog" "$stage/prog.c" $flags -pthread &&
	   LD_LIBRARY_PATH=$root/lib "$stage/prog" >/dev/null; then ok; else bad "pkg-config build/run"; fi
else
	echo "NOTE: pkg-config not installed; pkg-config build not checked"
fi
# librseq's API on rseqkit: <rseq/rseq.h> through the rseqkit-librseq module,
# and nothing installed as <includedir>/rseq (it would shadow a librseq).
[ ! -e "$root/include/rseq" ] && [ -f "$root/include/rseqkit/librseq/rseq/mempool.h" ] && ok ||
	bad "librseq layer headers misplaced"
if command -v pkg-config >/dev/null 2>&1; then
	sed -i "s|^prefix=.*|prefix=$root|; s|^libdir=.*|libdir=$root/lib|; s|^includedir=.*|includedir=$root/include|" \
		"$root/lib/pkgconfig/rseqkit-librseq.pc"
	flags=$(PKG_CONFIG_PATH=$root/lib/pkgconfig pkg-config --cflags --libs rseqkit-librseq)
	if $cc -Wall -Wextra -o "$stage/librseq" examples/librseq_mempool.c $flags -pthread &&
	   LD_LIBRARY_PATH=$root/lib "$stage/librseq" >/dev/null; then ok; else bad "rseqkit-librseq build/run"; fi
fi
if $cc -Wall -Wextra -I"$root/include/rseqkit" -o "$stage/compat" "$stage/compat.c" \
	"$root/lib/librseqkit.a" -pthread && "$stage/compat"; then ok; else bad "selftests-style include"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
