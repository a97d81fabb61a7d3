#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/man_xref_check.sh - every cross-reference "name(N)" in the man
# pages (.BR/.IR/.RB/... lines and inline \fBname\fP(N)) resolves on
# Debian 12: to a page of this tree (man/manN/name.N), or to a page
# installed on the system ('man -w N name'; Debian's manpages-dev and
# manpages hold the system calls and C library functions).  rseq(2) is
# refused outright: Debian 12 has no such page; cite rseqkit-abi(7).
# Without man-db, references outside the tree are listed, not checked.
set -u
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT
for page in man/man*/*.[1-8]; do
	[ -e "$page" ] || continue
	# Requests with alternating fonts, and inline font escapes.
	sed -n -e '/^\.[BIR][BIR] /p' -e '/\\f[BI]/p' "$page" |
	sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/"//g' |
	grep -o '[A-Za-z_][A-Za-z0-9_.:+-]* *([1-8][a-z]*)' |
	sed -e 's/ *(/ /' -e 's/)$//' -e "s|^|$page |"
done | sort -u >"$tmp"

have_man=no
command -v man >/dev/null 2>&1 && have_man=yes
fail=0; local=0; system=0; unchecked=
while read -r page name sec; do
	s=${sec%%[a-z]*}
	case "$name($s)" in
	"rseq(2)")
		echo "FAIL $page: rseq(2) does not exist on Debian 12: cite rseqkit-abi(7)"
		fail=1; continue ;;
	esac
	if [ -f "man/man$s/$name.$s" ]; then
		local=$((local + 1))
	elif [ $have_man = yes ]; then
		if man -w "$sec" "$name" >/dev/null 2>&1; then
			system=$((system + 1))
		else
			echo "FAIL $page: $name($sec) is neither in man/man$s/ nor installed" \
			     "(system pages: apt-get install manpages-dev manpages)"
			fail=1
		fi
	else
		unchecked="$unchecked $name($sec)"
	fi
done <"$tmp"
echo "references: $local to this tree's pages, $system to system pages"
if [ -n "$unchecked" ]; then
	echo "SKIP: man-db is not installed (apt-get install man-db manpages-dev):" \
	     "not checked:$(printf '%s\n' $unchecked | sort -u | tr '\n' ' ')"
	[ $fail -eq 0 ] && exit 77
fi
exit $fail
