#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/vm/matrix.sh CELL...
#
# Runs check-vm.sh for each CELL ("arch:kernel", e.g. aarch64:7.x), one at
# a time (TCG uses every host core), after fetching every cell's kernel in
# parallel.  Prints a markdown table arch x kernel with the verdict and the
# seconds of each cell, writes it to build/vm/matrix.md, and exits 1 when a
# cell failed.  A cell that skips (KERNEL=host with no readable kernel image)
# does not fail the run.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/build/vm
mkdir -p "$out"
t0=$(date +%s)

[ $# -gt 0 ] || { echo "usage: matrix.sh arch:kernel..." >&2; exit 2; }

# 1. the kernels, three downloads at a time (apt-cache is CPU-bound)
for c in "$@"; do
	case $c in *:host) ;; *) echo "$c" ;; esac
done | xargs -P 3 -I '{}' sh -c 'c={}; "$1/check-vm.sh" --fetch "${c%%:*}" "${c#*:}" > "$2/fetch-${c%%:*}-${c#*:}.log" 2>&1' sh "$here" "$out" || true

# 2. the cells, one after the other
fails=0
for c in "$@"; do
	a=${c%%:*} k=${c#*:}
	echo "=== check-vm $a $k ==="
	"$here/check-vm.sh" "$a" "$k"
	case $? in
	0|77) ;;
	*) fails=$((fails + 1)) ;;
	esac
done
total=$(($(date +%s) - t0))

# 3. the table
kernels="6.1 6.12 7.x host"
val() { sed -n "s/^$2=//p" "$1" 2>/dev/null | head -n 1; }
{
	printf '| arch |'
	for k in $kernels; do printf ' %s |' "$k"; done
	printf '\n|---|'
	for k in $kernels; do printf -- '---|'; done
	printf '\n'
	for a in x86_64 i386 aarch64 arm ppc64le riscv64 s390x mips64el; do
		row=0
		for c in "$@"; do [ "${c%%:*}" = "$a" ] && row=1; done
		[ $row = 1 ] || continue
		printf '| %s |' "$a"
		for k in $kernels; do
			want=0
			for c in "$@"; do [ "$c" = "$a:$k" ] && want=1; done
			r=$out/$a-$k/result
			if [ $want = 0 ]; then
				printf ' |'
			elif [ -r "$r" ]; then
				printf ' %s %ss |' "$(val "$r" verdict)" "$(val "$r" seconds)"
			else
				printf ' ? |'
			fi
		done
		printf '\n'
	done
	printf '\nTotal: %s s for %s cells, %s failed (%s, %s host CPUs).\n\n' \
		"$total" "$#" "$fails" "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)"
	printf '| cell | kernel release | auxv feature size / align | boot s | tests | detail |\n'
	printf '|---|---|---|---|---|---|\n'
	for c in "$@"; do
		a=${c%%:*} k=${c#*:}
		r=$out/$a-$k/result
		[ -r "$r" ] || continue
		printf '| %s %s | %s | %s | %s | %s | %s |\n' "$a" "$k" \
			"$(val "$r" release)" \
			"$(val "$r" probe | sed 's/feature_size=\([0-9]*\) align=\([0-9]*\)/\1 \/ \2/')" \
			"$(val "$r" boot_seconds)" "$(val "$r" summary | sed 's/ seconds=.*//')" \
			"$(val "$r" detail | cut -c1-160 | sed 's/|/\\|/g')"
	done
} > "$out/matrix.md"
echo
cat "$out/matrix.md"
[ $fails = 0 ]
