#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/man_date_check.sh - one date and one version on every man page.
#  (a) Source pages carry no date or version of their own: their .TH line
#      reads '.TH <name> <section> @RSEQKIT_DATE@ "rseqkit @RSEQKIT_VERSION@"
#      "rseqkit Manual"' (fix them all with: make man-normalize).
#  (b) The pages as built for installation ($BUILD/man, 'make man') carry
#      the release date of NEWS and the version of rseqkit/version.h, and no
#      placeholder is left.
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
version=$(sh mk/release.sh version)
date=$(sh mk/release.sh date)
fail=0; n=0; stale=
for page in man/man*/*.[1-8]; do
	[ -e "$page" ] || continue
	th=$(grep -m1 '^\.TH' "$page")
	if [ -z "$th" ]; then
		grep -q '^\.so ' "$page" || { echo "FAIL $page: neither .TH nor .so"; fail=1; }
		continue
	fi
	n=$((n + 1))
	case "$th" in
	*' @RSEQKIT_DATE@ "rseqkit @RSEQKIT_VERSION@" "rseqkit Manual"') ;;
	*) stale="$stale $page" ;;
	esac
done
if [ -n "$stale" ]; then
	echo "FAIL: $(echo $stale | wc -w) of $n source pages carry a hand-written date or version"
	echo "      (run: make man-normalize), e.g.:"
	for p in $(echo $stale | tr ' ' '\n' | head -n 5); do echo "      $p: $(grep -m1 '^\.TH' "$p")"; done
	fail=1
fi
if ! $MAKE --no-print-directory -s BUILD="$BUILD" man >/dev/null; then
	echo "FAIL: make man"; exit 1
fi
built=0
for page in "$BUILD"/man/man*/*.[1-8]; do
	[ -e "$page" ] || continue
	th=$(grep -m1 '^\.TH' "$page") || continue
	built=$((built + 1))
	case "$th" in
	*" $date \"rseqkit $version\" \"rseqkit Manual\"") ;;
	*) echo "FAIL $page: $th (expected $date, rseqkit $version)"; fail=1 ;;
	esac
	if grep -q '@RSEQKIT_' "$page"; then
		echo "FAIL $page: placeholder left: $(grep -m1 '@RSEQKIT_' "$page")"; fail=1
	fi
done
[ $built -gt 0 ] || { echo "FAIL: no page built under $BUILD/man"; fail=1; }
echo "$n source pages, $built built pages dated $date, rseqkit $version"
exit $fail
