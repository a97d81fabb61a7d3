#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/symbols_check.sh - the public surface is only public
# (docs/surface.md, section 1):
#  (a) every defined global symbol of librseqkit.so and of librseqkit.a is
#      spelled rseqkit_*;
#  (b) every exported symbol is listed in src/librseqkit.map, and every
#      name the map lists is exported;
#  (c) every exported symbol is declared, through its RSEQKIT_SYM label,
#      in a public header, and no symbol the library keeps hidden is;
#  (d) every exported symbol is used outside src/: by a test, an example,
#      a benchmark or an inline function of a public header (not only by
#      the library itself);
#  (e) no public declaration of a function or variable lacks a label;
#  (f) the library never calls malloc() and friends (its metadata comes
#      from src/ialloc.c).
BUILD=${BUILD:-build}
SO=$BUILD/librseqkit.so
AR=$BUILD/librseqkit.a
MAP=src/librseqkit.map
CC=${CC:-cc}
fail=0
tmp=${TMPDIR:-/tmp}/symbols_check.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

bad() { echo "FAIL $*"; fail=1; }

[ -f "$SO" ] && [ -f "$AR" ] || { echo "FAIL: $SO or $AR not built"; exit 1; }

# Exported (dynamic, defined) and every global symbol of the archive.
nm -D --defined-only "$SO" | awk '$2 ~ /^[A-Z]$/ { print $3 }' | sed 's/@.*//' |
	grep -v '^RSEQKIT_' | sort -u > "$tmp/exported"
nm "$AR" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[A-TV-Z]$/ { print $3 }' | sort -u > "$tmp/archive"
sed -n 's/^[[:space:]]*\(rseqkit_[A-Za-z0-9_]*\);.*/\1/p' "$MAP" | sort -u > "$tmp/map"
# Labels in the public headers: RSEQKIT_SYM(name) -> rseqkit_name.
grep -rhoE 'RSEQKIT_SYM\([A-Za-z0-9_]+\)' include | sed 's/RSEQKIT_SYM(\(.*\))/rseqkit_\1/' |
	sort -u > "$tmp/labels"
echo "$(wc -l < "$tmp/exported") exported symbols, $(wc -l < "$tmp/archive") global symbols in the archive"

# (a)
for s in $(cat "$tmp/exported" "$tmp/archive" | sort -u); do
	case "$s" in rseqkit_*) ;; *) bad "(a) $s: a global symbol not spelled rseqkit_*" ;; esac
done
# (b)
for s in $(comm -23 "$tmp/exported" "$tmp/map"); do bad "(b) $s: exported, not in $MAP"; done
for s in $(comm -13 "$tmp/exported" "$tmp/map"); do bad "(b) $s: in $MAP, not exported"; done
# (c)
for s in $(comm -23 "$tmp/exported" "$tmp/labels"); do
	bad "(c) $s: exported, declared in no public header"
done
for s in $(comm -23 "$tmp/archive" "$tmp/exported"); do
	grep -qx "$s" "$tmp/labels" && bad "(c) $s: hidden in the library, declared in a public header"
done

# (d) Source names: the label minus rseqkit_, plus rseq_ (the exceptions:
# docs/surface.md).  Public headers without their comments, and not the
# declaration that carries the label.
for h in $(find include -name '*.h'); do
	$CC -fpreprocessed -dD -E -P "$h" 2>/dev/null
done | grep -v 'RSEQKIT_SYM(' > "$tmp/inline_uses"
find tests examples bench -name '*.c' -o -name '*.cc' -o -name '*.h' | xargs cat > "$tmp/outside"
for s in $(cat "$tmp/exported"); do
	name=rseq_${s#rseqkit_}
	case "$s" in
	rseqkit_selftests_register_current_thread) name=__rseq_register_current_thread ;;
	esac
	if ! grep -qw "$name" "$tmp/outside" && ! grep -qw "$name" "$tmp/inline_uses"; then
		bad "(d) $s ($name): used only inside src/"
	fi
done

# (e) Declarations at file scope of the public headers, preprocessed: a
# function or variable declaration must carry __asm__("rseqkit_...").
# Not needed: static inline functions, typedefs, the never-defined
# rseq_unsupported_argument() (a build error when it survives), and
# top-level assembler statements (rseqkit/gdb.h's section entry).
printf '#include <rseqkit/%s>\n' rseq.h abi.h version.h pool.h percpu/percpu.h > "$tmp/all.c"
for h in $(cd include && find rseqkit -name '*.h' ! -path '*/arch/*' ! -path '*/selftests/*' ! -path '*/librseq/*'); do
	printf '#include <%s>\n' "$h" >> "$tmp/all.c"
done
$CC -std=gnu11 -D_GNU_SOURCE -Iinclude -E "$tmp/all.c" > "$tmp/all.i" 2>/dev/null ||
	bad "(e) the public headers do not preprocess together"
awk '
	/^# [0-9]+ "/ { mine = ($3 ~ /include\/rseqkit\//); next }
	mine { print }
' "$tmp/all.i" | tr '\n' ' ' | awk '
	{
		n = split($0, ch, "")
		depth = 0; stmt = ""
		for (i = 1; i <= n; i++) {
			c = ch[i]
			if (c == "{") depth++
			if (c == "}") { depth--; if (depth == 0) { stmt = ""; continue } }
			if (depth > 0) continue
			if (c == ";") { print stmt; stmt = ""; continue }
			stmt = stmt c
		}
	}' | sed 's/^[[:space:]]*//' |
	grep -v -e '^static' -e '^typedef' -e '^enum' -e '^struct [A-Za-z0-9_]*[[:space:]]*$' \
		-e '^union' -e '^$' -e '__asm__[[:space:]]*("rseqkit_' -e 'rseq_unsupported_argument' \
		-e '^extern "C"' -e '^__attribute__' -e '^__extension__ _Static_assert' \
		-e '^__asm__[[:space:]]*("\.' \
		> "$tmp/unlabelled"
while IFS= read -r d; do
	case "$d" in *"("*|extern*) bad "(e) a public declaration without a label: $d" ;; esac
done < "$tmp/unlabelled"

# (f)
for f in "$SO" "$AR"; do
	nm -u "$f" 2>/dev/null | awk '{ print $2 }' | sed 's/@.*//' |
		grep -xE 'malloc|calloc|realloc|reallocarray|free|posix_memalign|aligned_alloc|memalign|valloc|pvalloc|strdup|strndup|asprintf|vasprintf' |
		sort -u > "$tmp/allocs"
	for s in $(cat "$tmp/allocs"); do bad "(f) $f calls $s(): library metadata comes from src/ialloc.c"; done
done

[ $fail -eq 0 ] && echo "the public surface is only public: every check passed"
exit $fail
