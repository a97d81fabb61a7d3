#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/spdx_check.sh - every source file, script, build file, man page and
# example of the tree carries "SPDX-License-Identifier: MIT" in its first
# lines (after a #! line).  Lists the files that do not, and fails.
#
#   sh tests/spdx_check.sh          check (what 'make check' runs)
#   sh tests/spdx_check.sh --fix    add the line, in each file's comment
#                                   syntax, to every file that lacks one
#
# Files are those git knows (tracked, or untracked and not ignored), or
# every file outside build/ and .git when this is not a git checkout.
# Not required: documents (*.md, LICENSE, NEWS, README), data (CSV, SVG,
# PNG, JSON, the tools' corpus and ELF fixtures), .so link pages of the
# man pages (one line), Debian's metadata files (control, changelog,
# copyright, source/*, *.install, *.symbols, tests/control) and dotfiles.
set -u
fix=0
[ "${1:-}" = --fix ] && fix=1

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	files=$(git ls-files -co --exclude-standard | LC_ALL=C sort -u)
else
	files=$(find . -path ./build -prune -o -path ./.git -prune -o -type f -print | sed 's|^\./||' | LC_ALL=C sort)
fi

# "c", "roff", "hash" (the comment syntax), or "-" (not required).
kind() {
	f=$1
	case "$f" in
	*.md|LICENSE|NEWS|README*|*.csv|*.svg|*.png|*.json|*.txt) echo -; return ;;
	tests/tools/corpus/*|tests/tools/fixtures/*|tests/data/*) echo -; return ;;
	debian/control|debian/changelog|debian/copyright|debian/source/*|debian/*.install|\
	debian/*.symbols|debian/*.docs|debian/*.examples|debian/*.manpages|debian/*.links|\
	debian/tests/control|debian/*.lintian-overrides|debian/watch|debian/gbp.conf) echo -; return ;;
	.*|*/.*) echo -; return ;;
	*.c|*.h|*.S|*.cc|*.cpp|*.hpp) echo c; return ;;
	man/*.[1-8])
		if head -n 1 "$f" | grep -q '^\.so '; then echo -; else echo roff; fi; return ;;
	*.sh|*.py|*.mk|*.pc.in|*.cmake|Makefile|*/Makefile|CMakeLists.txt|*/CMakeLists.txt|\
	meson.build|*/meson.build|debian/rules|.ci/*) echo hash; return ;;
	esac
	# Any other executable script.
	if head -c 2 "$f" 2>/dev/null | grep -q '^#!'; then echo hash; return; fi
	echo -
}

missing=0; checked=0; fixed=0; other=
for f in $files; do
	[ -f "$f" ] || continue
	k=$(kind "$f")
	[ "$k" = - ] && continue
	checked=$((checked + 1))
	# The identifier within the first 5 lines.
	id=$(head -n 5 "$f" | sed -n 's/.*SPDX-License-Identifier: *\([^ *]*\).*/\1/p' | head -n 1)
	if [ -n "$id" ]; then
		[ "$id" = MIT ] || other="$other $f($id)"
		continue
	fi
	if [ $fix -eq 1 ]; then
		case "$k" in
		c) line='/* SPDX-License-Identifier: MIT */' ;;
		roff) line='.\" SPDX-License-Identifier: MIT' ;;
		hash) line='# SPDX-License-Identifier: MIT' ;;
		esac
		tmpf=$f.spdx.$$
		# After a #! line or a roff preprocessor line ('\" t), else first.
		if head -n 1 "$f" | grep -q -e '^#!' -e "^'\\\\\""; then
			{ head -n 1 "$f"; printf '%s\n' "$line"; tail -n +2 "$f"; } >"$tmpf"
		else
			{ printf '%s\n' "$line"; cat "$f"; } >"$tmpf"
		fi
		# Keep the mode (scripts stay executable).
		cat "$tmpf" >"$f" && rm -f "$tmpf"
		fixed=$((fixed + 1))
		echo "added: $f"
	else
		echo "missing: $f"
		missing=$((missing + 1))
	fi
done
if [ -n "$other" ]; then
	echo "FAIL: a licence other than MIT:$other"
fi
if [ $fix -eq 1 ]; then
	echo "$checked files checked, SPDX line added to $fixed"
	[ -z "$other" ]
	exit
fi
echo "$checked files checked, $missing without an SPDX-License-Identifier line"
[ $missing -gt 0 ] && echo "(add them all with: sh tests/spdx_check.sh --fix)"
[ $missing -eq 0 ] && [ -z "$other" ]
