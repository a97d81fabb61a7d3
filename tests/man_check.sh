#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/man_check.sh - the man pages.
#  (a) every page under man/ renders with groff without a warning (the
#      warnings are errors); .so link pages must name an existing page.
#      Skipped, with the reason, when groff is not installed.
#  (b) every function exported by $BUILD/librseqkit.so and every static
#      inline rseq_* function of the public headers listed in HEADERS has
#      a page under man/man3 (a page of its own or a .so link page).
BUILD=${BUILD:-build}
LIB=$BUILD/librseqkit.so
HEADERS=${MAN_CHECK_HEADERS:-include/rseqkit/rseq.h include/rseqkit/pool.h include/rseqkit/librseq/rseq/rseq.h include/rseqkit/librseq/rseq/mempool.h}
fail=0
rendered=0

# (a) rendering
if command -v groff >/dev/null 2>&1; then
	for page in man/man*/*.[0-9]; do
		[ -e "$page" ] || continue
		rel=${page#man/}
		target=$(sed -n '1s/^\.so[ 	]*//p' "$page")
		if [ -n "$target" ]; then
			if [ ! -f "man/$target" ]; then
				echo "FAIL $page: .so link to missing man/$target"
				fail=1
			fi
			continue
		fi
		# -t: tbl; -ww: every warning; -z: no output.  Run from man/
		# so that .so requests resolve as man(1) resolves them.
		warn=$(cd man && groff -t -man -ww -z "$rel" 2>&1)
		if [ -n "$warn" ]; then
			echo "FAIL $page: groff warnings:"
			printf '%s\n' "$warn" | sed 's/^/     /'
			fail=1
		fi
		rendered=$((rendered + 1))
	done
	echo "rendered $rendered pages"
else
	echo "note: groff not installed: the pages were not rendered"
	groff_missing=1
fi

# (b) coverage
has_page() {
	[ -f "man/man3/$1.3" ]
}
names=
if [ -f "$LIB" ]; then
	names=$(nm -D --defined-only "$LIB" | awk '$2 ~ /^[TtWi]$/ { print $3 }' | sed -e 's/@.*//' -e 's/^rseqkit_selftests_/__rseq_/' -e 's/^rseqkit_/rseq_/')
	[ -n "$names" ] || { echo "FAIL: no exported function found in $LIB"; fail=1; }
else
	echo "FAIL: $LIB not built (run make first)"
	fail=1
fi
for h in $HEADERS; do
	# "static inline [attributes] <type> rseq_name(" over up to 3 lines
	names="$names $(awk '
		/^(static inline|RSEQ_PERCPU_INLINE)/ { buf = $0; n = 3; next }
		n > 0 { buf = buf " " $0; n--;
			if (match(buf, /rseq_[A-Za-z0-9_]+[ \t]*\(/)) {
				s = substr(buf, RSTART, RLENGTH); sub(/[ \t]*\(/, "", s)
				print s; n = 0 } }
		' "$h")"
	# one-line definitions: "static inline T rseq_name(void)" on the same line
	names="$names $(sed -n -E 's/^(static inline|RSEQ_PERCPU_INLINE)[^(]*[ *](rseq_[A-Za-z0-9_]*)\(.*/\2/p' "$h")"
done
checked=0
for n in $(printf '%s\n' $names | sort -u); do
	checked=$((checked + 1))
	if ! has_page "$n"; then
		echo "FAIL $n: no man page man/man3/$n.3"
		fail=1
	fi
done
echo "checked $checked public functions for a man page"

if [ "$fail" -eq 0 ] && [ -n "${groff_missing:-}" ]; then
	echo "SKIP: groff is not installed: coverage passed, rendering not checked"
	exit 77
fi
exit $fail
