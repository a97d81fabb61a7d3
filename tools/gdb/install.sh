#!/bin/sh
# tools/gdb/install.sh - installs (or removes) rseqkit's gdb extension;
# called by `make install` / `make uninstall` with the paths of
# mk/tools.mk:
#
#   install.sh install   DESTDIR SCRIPT ENTRY INCLUDEDIR LIBDIR [LOADER...]
#   install.sh uninstall DESTDIR SCRIPT [LOADER...]
#
# SCRIPT  where the extension goes ($(PREFIX)/share/rseqkit/gdb/rseq.py)
# ENTRY   the path programs and librseqkit name in .debug_gdb_scripts,
#         written into the installed rseqkit/gdb.h and, with objcopy, into
#         the installed librseqkit.so and librseqkit.a (the build tree
#         keeps the default: the build does not depend on the PREFIX)
# LOADER  small scripts in gdb's auto-load directory (PREFIX=/usr): one
#         that the entries name, one gdb loads with librseqkit.so itself
#         (LIBDIR/librseqkit.so.VERSION-gdb.py); each sources SCRIPT once.
set -e
what=$1 destdir=$2 script=$3
case $what in
install)
	entry=$4 incdir=$5 libdir=$6
	shift 6
	install -d "$destdir${script%/*}"
	install -m 644 tools/gdb/rseq.py "$destdir$script"
	if [ -f "$destdir$incdir/rseqkit/gdb.h" ]; then
		sed "s|^#define RSEQKIT_GDB_SCRIPT .*|#define RSEQKIT_GDB_SCRIPT \"$entry\"|" \
			"$destdir$incdir/rseqkit/gdb.h" > "$destdir$incdir/rseqkit/gdb.h.new"
		mv "$destdir$incdir/rseqkit/gdb.h.new" "$destdir$incdir/rseqkit/gdb.h"
	fi
	# the libraries' own entry (every object has one; identical ones merge)
	tmp=$(mktemp "${TMPDIR:-/tmp}/rseqkit-gdb.XXXXXX")
	printf '\001%s\000' "$entry" > "$tmp"
	for lib in "$destdir$libdir"/librseqkit.so.*.*.* "$destdir$libdir/librseqkit.a"; do
		[ -f "$lib" ] && [ ! -h "$lib" ] || continue
		if ! objcopy --update-section .debug_gdb_scripts="$tmp" "$lib" 2>/dev/null; then
			echo "note: objcopy could not write the gdb entry into $lib"
		fi
	done
	rm -f "$tmp"
	for f in "$@"; do
		install -d "$destdir${f%/*}"
		cat > "$destdir$f" <<PY
# Installed by rseqkit: loads its gdb extension (rseq-gdb(1)) once.
import gdb
if getattr(gdb, "rseqkit", None) is None:
    gdb.execute("source $script")
PY
		chmod 644 "$destdir$f"
	done
	case $entry in
	/usr/share/gdb/auto-load/*|/usr/lib/debug/*) ;;
	*)	echo "note: gdb loads rseqkit's extension by itself once ~/.config/gdb/gdbinit has:"
		echo "      add-auto-load-safe-path $entry" ;;
	esac
	;;
uninstall)
	shift 3
	for f in "$script" "$@"; do
		rm -f "$destdir$f"
		rmdir -p "$destdir${f%/*}" 2>/dev/null || true
	done
	;;
*)
	echo "usage: $0 install|uninstall DESTDIR SCRIPT ..." >&2
	exit 2
	;;
esac
