#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/plot_check.sh - bench/plot.sh on a small CSV (tests/data/
# bench_small.csv: three groups, 1-4 threads, a case name with quotes and
# markup characters): one well-formed SVG per group, each naming every
# case of its group and its baseline; the same in PNG; a malformed CSV
# and a wrong header are refused.  The CI check of the plotting, since CI
# does not run the full 'make bench'.  Skips without gnuplot.
set -u
csv=tests/data/bench_small.csv
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

sh bench/plot.sh -t "test data" "$csv" "$tmp/svg" >"$tmp/log" 2>&1
st=$?
if [ $st -eq 77 ]; then
	cat "$tmp/log"; exit 77
fi
[ $st -eq 0 ] && ok || { bad "plot.sh exited $st"; cat "$tmp/log"; }
groups=$(tail -n +2 "$csv" | cut -d, -f1 | sort -u)
ngroups=$(printf '%s\n' "$groups" | wc -l)
nsvg=$(ls "$tmp/svg"/*.svg 2>/dev/null | wc -l)
[ "$nsvg" -eq "$ngroups" ] && ok || bad "$nsvg SVG files for $ngroups groups"
[ "$(wc -l <"$tmp/svg/index.txt")" -eq "$ngroups" ] && ok || bad "index.txt does not list $ngroups groups"
# XML entities as gnuplot writes them (it leaves ">" as it is).
xml() { printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g'; }
for g in $groups; do
	f=$tmp/svg/$(printf '%s' "$g" | tr -c 'A-Za-z0-9._-' '_').svg
	[ -s "$f" ] || { bad "no SVG for group $g"; continue; }
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$f" 2>"$tmp/xml" &&
			ok || { bad "$f is not well-formed XML"; head -n 3 "$tmp/xml"; }
	else
		tail -c 200 "$f" | grep -q '</svg>' && ok || bad "$f is truncated"
	fi
	base=$(awk -F, -v g="$g" '$1 == g { print $7; exit }' "$csv")
	grep -qF "$(xml "$base (baseline)")" "$f" && ok || bad "$g: baseline '$base' not marked"
	awk -F, -v g="$g" 'NR > 1 && $1 == g { print $2 }' "$csv" | sort -u >"$tmp/cases"
	while IFS= read -r c; do
		# gnuplot writes a quote as &quot; or as it is.
		e=$(xml "$c")
		if grep -qF "$e" "$f" || grep -qF "$(printf '%s' "$e" | sed 's/"/\&quot;/g')" "$f"; then ok
		else bad "$g: case '$c' not on the plot"; fi
	done <"$tmp/cases"
	grep -q 'ns per operation' "$f" && grep -q 'Mops/s' "$f" && ok || bad "$g: an axis label is missing"
done
grep -q 'test data' "$tmp/svg/increment.svg" && ok || bad "subtitle missing"

sh bench/plot.sh -f png "$csv" "$tmp/png" >/dev/null 2>&1 && ok || bad "PNG output"
for f in "$tmp"/png/*.png; do
	[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '211PNG' ] && ok || bad "$f is not a PNG"
done

printf 'group,case,threads,ns_per_op,mops,ratio_vs_baseline,baseline\nx,y,one,1,2,1,y\n' >"$tmp/bad.csv"
sh bench/plot.sh "$tmp/bad.csv" "$tmp/bad" >/dev/null 2>&1 && bad "a malformed row was accepted" || ok
printf 'a,b,c\n' >"$tmp/hdr.csv"
sh bench/plot.sh "$tmp/hdr.csv" "$tmp/bad" >/dev/null 2>&1 && bad "a wrong header was accepted" || ok
sh bench/plot.sh "$tmp/none.csv" "$tmp/bad" >/dev/null 2>&1 && bad "a missing CSV was accepted" || ok

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
