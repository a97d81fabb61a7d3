#!/bin/sh
# SPDX-License-Identifier: MIT
# mk/release.sh version|date|check - the release, from its two sources:
#   version  RSEQKIT_VERSION_STRING of include/rseqkit/version.h
#   date     the date of NEWS's first "rseqkit X.Y.Z (YYYY-MM-DD)" heading
#   check    both present, NEWS's first heading names that version, and
#            debian/changelog's first entry packages it (exit 1 otherwise)
# Run from the top of the source tree (the Makefile, scripts and
# debian/rules use it, so the release is written in one place).
set -u
top=${RSEQKIT_TOP:-.}
version() {
	sed -n 's/^#define RSEQKIT_VERSION_STRING[^"]*"\(.*\)"/\1/p' "$top/include/rseqkit/version.h"
}
news() {	# "VERSION DATE" of the first heading
	sed -n 's/^rseqkit \([0-9][0-9.]*\) (\([0-9][0-9-]*\))$/\1 \2/p' "$top/NEWS" | head -n 1
}
case "${1:-}" in
version) version ;;
date) news | cut -d' ' -f2 ;;
check)
	v=$(version); n=$(news); st=0
	[ -n "$v" ] || { echo "include/rseqkit/version.h: no RSEQKIT_VERSION_STRING"; exit 1; }
	case "$n" in
	"$v "[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]) ;;
	"") echo "NEWS: no 'rseqkit X.Y.Z (YYYY-MM-DD)' heading"; st=1 ;;
	*) echo "NEWS: first heading is '$n', expected version $v and a YYYY-MM-DD date"; st=1 ;;
	esac
	if [ -f "$top/debian/changelog" ]; then
		d=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$top/debian/changelog")
		case "$d" in
		"$v"-*|"$v") ;;
		*) echo "debian/changelog: first entry is $d, expected $v-N (dch -v $v-1)"; st=1 ;;
		esac
	fi
	[ $st -eq 0 ] && echo "release $v of $(news | cut -d' ' -f2): version.h, NEWS and debian/changelog agree"
	exit $st ;;
*) echo "usage: mk/release.sh version|date|check" >&2; exit 2 ;;
esac
