#!/bin/sh
# SPDX-License-Identifier: MIT
# mk/install.sh - what 'make install', 'make uninstall' and
# 'make install-list' run: the manifest on stdin, one line per path,
#
#   MODE SOURCE DESTINATION      MODE: 644 or 755 (a file), or link
#                                (DESTINATION becomes a symbolic link
#                                whose target is SOURCE)
#
# DESTINATION is a full path; $DESTDIR is put in front of it.
#
#   install.sh install   [KEEP_DIR...]   copy every file, make every link
#   install.sh uninstall [KEEP_DIR...]   remove them, then every directory
#                                         that became empty, up to (never
#                                         including) a KEEP_DIR
#   install.sh list                      print every destination path
#
# Uninstall removes only paths of the manifest: a file the user put into
# one of rseqkit's directories keeps that directory.
set -u
action=${1:-}
[ $# -gt 0 ] && shift
DESTDIR=${DESTDIR:-}

die() { echo "install.sh: $*" >&2; exit 1; }
keep=" "
for d in "$@"; do keep="$keep$DESTDIR$d "; done

# Removes DIR and its parents while they are empty, stopping at a KEEP_DIR,
# the root or anything at most two levels deep (/usr, /usr/local).
prune() {
	d=$1
	while :; do
		case "$keep" in *" $d "*) return ;; esac
		rel=${d#"$DESTDIR"}
		depth=$(printf '%s' "$rel" | tr -cd / | wc -c)
		[ "$depth" -le 2 ] && return
		rmdir "$d" 2>/dev/null || return
		d=${d%/*}
	done
}

case "$action" in
install|uninstall|list) ;;
*) die "usage: install.sh install|uninstall|list [KEEP_DIR...] < manifest" ;;
esac

st=0
dirs=
while read -r mode src dst extra; do
	[ -n "$mode" ] || continue
	[ -z "$extra" ] && [ -n "$dst" ] || die "bad manifest line: $mode $src $dst $extra (paths must not contain spaces)"
	case "$dst" in /*) ;; *) die "destination $dst is not a full path" ;; esac
	target=$DESTDIR$dst
	case "$action" in
	list)
		echo "$target" ;;
	install)
		mkdir -p "${target%/*}" || { st=1; continue; }
		if [ "$mode" = link ]; then
			ln -sfn "$src" "$target" || st=1
		else
			[ -f "$src" ] || { echo "install.sh: $src: not built or missing" >&2; st=1; continue; }
			# Replace, never write through: a running program or an
			# old symbolic link at the destination stays intact.
			rm -f "$target" && cp "$src" "$target" && chmod "$mode" "$target" || st=1
		fi
		echo "  INSTALL $target" ;;
	uninstall)
		if [ -e "$target" ] || [ -L "$target" ]; then
			rm -f "$target" || st=1
			echo "  REMOVE  $target"
		fi
		dirs="$dirs ${target%/*}" ;;
	esac
done

if [ "$action" = uninstall ]; then
	# Deepest directories first, so that a parent is seen empty.
	for d in $(printf '%s\n' $dirs | sort -u | awk '{ print length($0), $0 }' | sort -rn | cut -d' ' -f2-); do
		prune "$d"
	done
fi
exit $st
