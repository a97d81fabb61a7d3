/* SPDX-License-Identifier: MIT */
/*
 * bss-pad.c - linked into the statically linked i386 test programs of the
 * VM matrix, to steer clear of a glibc 2.36 start-up bug.
 *
 * A static i386 program started with GLIBC_TUNABLES set copies the string
 * with glibc's minimal malloc before its TLS exists; the copy fits in the
 * rest of the last data page, unless the program's data ends at (or just
 * before) a page boundary: then the minimal malloc calls mmap() through
 * the vsyscall pointer at %gs:0x10, and %gs is not set up yet, so the
 * program dies with SIGSEGV before main (seen with percpu_stress).
 *
 * This tentative definition (built with -fcommon) is a COMMON symbol, which
 * the linker places after every .bss input section; aligned on a page and
 * half a page long, it makes the data end in the middle of a page in every
 * program, whatever else the program holds.
 */
char rseqkit_vm_bss_pad[2048] __attribute__((aligned(4096)));
