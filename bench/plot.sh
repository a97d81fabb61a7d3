#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/plot.sh - one SVG per benchmark group from the CSV 'make bench'
# writes (group,case,threads,ns_per_op,mops,ratio_vs_baseline,baseline):
# ns per operation (left) and aggregate Mops/s (right) against the number
# of threads, every case of the group on the same plot, the group's
# baseline drawn black and dashed.
#
#   sh bench/plot.sh [-t SUBTITLE] [-f svg|png] CSV OUTDIR
#
# SUBTITLE goes under each title (default: this machine's CPU, CPU count,
# kernel and the CSV's date: plot right after the run that wrote it, or
# say where it came from with -t).  -f png writes PNG files instead
# (gnuplot's pngcairo).  Writes OUTDIR/<group>.svg and
# OUTDIR/index.txt (group, file).  Exit 0 when every group was plotted,
# 77 (with the apt-get line) without gnuplot, 1 on a malformed CSV or a
# gnuplot failure.
set -u
subtitle=
format=svg
while [ $# -gt 0 ]; do
	case "$1" in
	-t) subtitle=$2; shift 2 ;;
	-f) format=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "plot.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 2 ] || { echo "usage: sh bench/plot.sh [-t SUBTITLE] [-f svg|png] CSV OUTDIR" >&2; exit 2; }
case "$format" in
svg) term="svg size 1200,520 dynamic noenhanced font 'sans,12' background rgb 'white'" ;;
png) term="pngcairo size 1200,520 noenhanced font 'sans,10' background rgb 'white'" ;;
*) echo "plot.sh: -f svg or -f png" >&2; exit 2 ;;
esac
csv=$1; out=$2
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "SKIP: gnuplot is not installed: no plots (apt-get install gnuplot-nox)"
	exit 77
fi
[ -r "$csv" ] || { echo "plot.sh: cannot read $csv" >&2; exit 1; }
header='group,case,threads,ns_per_op,mops,ratio_vs_baseline,baseline'
[ "$(head -n 1 "$csv")" = "$header" ] || {
	echo "plot.sh: $csv: first line is not '$header'" >&2; exit 1; }
if [ -z "$subtitle" ]; then
	model=$(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo 2>/dev/null | head -n 1)
	subtitle="${model:-unknown CPU}, $(nproc 2>/dev/null || echo ?) CPUs, Linux $(uname -r), $(date -r "$csv" +%Y-%m-%d)"
fi
mkdir -p "$out" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rseqkit-plot.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# One data file per (group, case): "threads ns_per_op mops", sorted by
# threads, the last row winning for a repeated thread count; groups.txt:
# "gidx<TAB>group<TAB>baseline"; cases.txt: "gidx<TAB>cidx<TAB>case".
if ! awk -F, -v dir="$tmp" '
	NR == 1 { next }
	NF != 7 || $3 !~ /^[0-9]+$/ || $4 !~ /^[0-9.]+$/ || $5 !~ /^[0-9.]+$/ {
		printf "plot.sh: line %d is malformed: %s\n", NR, $0 > "/dev/stderr"; bad = 1; next }
	{
		if (!($1 in gi)) { gi[$1] = ++ng; gname[ng] = $1; gbase[ng] = $7 }
		g = gi[$1]
		if (!(($1, $2) in ci)) { ci[$1, $2] = ++nc[g]; cname[g, nc[g]] = $2 }
		c = ci[$1, $2]
		row[g, c, $3] = $3 " " $4 " " $5
		if (!((g, c, $3) in seen)) { seen[g, c, $3] = 1; th[g, c] = th[g, c] " " $3 }
		if ($4 + 0 > 0) { if (!(g in lo) || $4 + 0 < lo[g]) lo[g] = $4 + 0
				  if ($4 + 0 > hi[g]) hi[g] = $4 + 0 }
		if ($5 + 0 > 0) { if (!(g in mlo) || $5 + 0 < mlo[g]) mlo[g] = $5 + 0
				  if ($5 + 0 > mhi[g]) mhi[g] = $5 + 0 }
		if (!((g, $3) in gt)) { gt[g, $3] = 1; gth[g] = gth[g] " " $3 }
	}
	END {
		if (!ng) { print "plot.sh: no rows" > "/dev/stderr"; exit 1 }
		for (g = 1; g <= ng; g++) {
			printf "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", g, gname[g], gbase[g],
				lo[g] + 0, hi[g] + 0, mlo[g] + 0, mhi[g] + 0, gth[g] > (dir "/groups.txt")
			for (c = 1; c <= nc[g]; c++) {
				printf "%d\t%d\t%s\n", g, c, cname[g, c] > (dir "/cases.txt")
				f = dir "/" g "_" c ".dat"
				n = split(th[g, c], t, " ")
				for (i = 1; i <= n; i++)
					print row[g, c, t[i]] | ("sort -n > " f)
				close("sort -n > " f)
			}
		}
		exit bad
	}' "$csv"; then
	exit 1
fi

# gnuplot single-quoted string: a quote is doubled.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }
st=0
: >"$out/index.txt"
tab=$(printf '\t')
while IFS="$tab" read -r g group base lo hi mlo mhi threads; do
	file=$(printf '%s' "$group" | tr -c 'A-Za-z0-9._-' '_').$format
	xt=$(printf '%s\n' $threads | sort -n | paste -sd, -)
	xmax=$(printf '%s\n' $threads | sort -n | tail -n 1)
	# A log scale when one case is over 20x another (a system call next
	# to a load), a linear one otherwise.
	logns=$(awk -v a="$lo" -v b="$hi" 'BEGIN { print (a > 0 && b / a > 20) ? 1 : 0 }')
	logm=$(awk -v a="$mlo" -v b="$mhi" 'BEGIN { print (a > 0 && b / a > 20) ? 1 : 0 }')
	plots_ns=; plots_m=
	while IFS="$tab" read -r cg c name; do
		[ "$cg" = "$g" ] || continue
		dat=$tmp/${g}_$c.dat
		if [ "$name" = "$base" ]; then
			style="lw 3 dt 2 lc rgb 'black' pt 7 ps 0.8"
			title=$(q "$name (baseline)")
		else
			style="lw 2 pt 7 ps 0.8"
			title=$(q "$name")
		fi
		plots_ns="$plots_ns${plots_ns:+, }'$dat' using 1:2 with linespoints $style title $title"
		plots_m="$plots_m${plots_m:+, }'$dat' using 1:3 with linespoints $style title $title"
	done <"$tmp/cases.txt"
	cat >"$tmp/$g.gp" <<EOF
set terminal $term
set output $(q "$out/$file")
set multiplot layout 1,2 title $(q "$group")."\\n".$(q "$subtitle")
set key outside below left Left reverse maxcols 1 samplen 3 title ' '
set grid
set logscale x 2
set xtics ($xt)
set xrange [0.8:$xmax * 1.25]
set xlabel 'threads' offset 0,0.6
set ylabel 'ns per operation (lower is better)'
$( [ "$logns" = 1 ] && echo "set logscale y 10" || echo "set yrange [0:*]" )
plot $plots_ns
unset logscale y
set ylabel 'Mops/s, all threads together (higher is better)'
$( [ "$logm" = 1 ] && echo "set logscale y 10" || echo "set yrange [0:*]" )
plot $plots_m
unset multiplot
EOF
	if gnuplot "$tmp/$g.gp" 2>"$tmp/err" && [ -s "$out/$file" ]; then
		printf '%s\t%s\n' "$group" "$file" >>"$out/index.txt"
		echo "plot: $out/$file"
	else
		echo "plot.sh: gnuplot failed for group $group:" >&2
		sed 's/^/  /' "$tmp/err" >&2
		st=1
	fi
done <"$tmp/groups.txt"
exit $st
