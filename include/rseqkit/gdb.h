/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/gdb.h - asks gdb to load rseqkit's extension (rseq-gdb(1)) for
 * every program built with rseqkit's headers, and for librseqkit itself:
 * a .debug_gdb_scripts entry that names the installed script.  gdb loads
 * it when it loads the program (static or not) or the library, if the
 * script lies in its auto-load safe path (under /usr/share/gdb/auto-load
 * when rseqkit is installed with PREFIX=/usr; otherwise gdb says which
 * add-auto-load-safe-path line enables it).  The entries of all objects
 * are merged by the linker into one.
 *
 * Included by rseqkit/rseq.h (and so by the selftests-compatible
 * "rseq.h").  Define RSEQKIT_NO_GDB_SCRIPT before including it to leave
 * the entry out.  `make install` writes the installed path below.
 */
#ifndef RSEQKIT_GDB_H
#define RSEQKIT_GDB_H

#ifndef RSEQKIT_GDB_SCRIPT
#define RSEQKIT_GDB_SCRIPT "/usr/local/share/rseqkit/gdb/rseq.py"
#endif

#if !defined(RSEQKIT_NO_GDB_SCRIPT) && defined(__ELF__) && defined(__GNUC__)
/* 1: a Python script named by its path; "MS": identical entries merge. */
__asm__(".pushsection \".debug_gdb_scripts\", \"MS\", %progbits, 1\n\t"
	".byte 1\n\t"
	".asciz \"" RSEQKIT_GDB_SCRIPT "\"\n\t"
	".popsection");
#endif

#endif /* RSEQKIT_GDB_H */
