/* SPDX-License-Identifier: MIT */
/*
 * entry.c - librseqkit's own .debug_gdb_scripts entry: rseqkit/gdb.h
 * compiled with the installed path (mk/tools.mk), so that gdb loads the
 * extension for programs that use the shared library without its headers.
 * The library's other objects carry no entry (RSEQKIT_NO_GDB_SCRIPT).
 */
#include "rseqkit/gdb.h"
