#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/help_check.sh - 'make help' lists every target: each .PHONY target
# of the Makefile and mk/*.mk (read from make's own database) has exactly
# one line, of at most 100 characters, and every listed target exists.
# A missing line: define HELP_<target> := what it does, in the fragment
# that defines the target.
MAKE=${MAKE:-make}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
$MAKE --no-print-directory -pRrq : 2>/dev/null | sed -n 's/^\.PHONY: //p' |
	tr ' ' '\n' | grep -v -e '^$' -e '^FORCE$' | sort -u >"$tmp/phony"
[ -s "$tmp/phony" ] || { echo "FAIL: no .PHONY target found in make's database"; exit 1; }
if ! $MAKE --no-print-directory -s help >"$tmp/help" 2>&1; then
	echo "FAIL: make help"; cat "$tmp/help"; exit 1
fi
sed -n 's/^  \([^ ]*\) .*/\1/p' "$tmp/help" | sort >"$tmp/listed"
for t in $(comm -23 "$tmp/phony" "$tmp/listed"); do
	echo "FAIL: make help has no line for '$t' (define HELP_$t in its fragment)"
	fail=1
done
for t in $(comm -13 "$tmp/phony" "$tmp/listed"); do
	echo "FAIL: make help lists '$t', which is not a .PHONY target"
	fail=1
done
dups=$(sort "$tmp/listed" | uniq -d)
[ -z "$dups" ] || { echo "FAIL: listed twice: $dups"; fail=1; }
awk 'length($0) > 100 { print "FAIL: line longer than 100 characters: " $0; bad = 1 }
     /^  [^ ]+ +$/ { print "FAIL: empty description: " $0; bad = 1 }
     END { exit bad }' "$tmp/help" || fail=1
echo "$(wc -l <"$tmp/phony") targets, $(wc -l <"$tmp/listed") help lines"
exit $fail
