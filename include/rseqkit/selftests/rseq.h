/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/selftests/rseq.h - the Linux kernel rseq selftests' API
 * (tools/testing/selftests/rseq/rseq.h) on rseqkit.
 *
 * Build a program written against the selftests' helper unchanged with
 *
 *	cc -I<includedir>/rseqkit/selftests prog.c -lrseqkit
 *
 * (pkg-config module rseqkit-selftests): its #include "rseq.h" then
 * finds this file.  It gives everything rseqkit/rseq.h gives (the
 * operations of every kernel version that takes enum rseq_mo, the ABI,
 * rseq_register_current_thread(), rseq_size, ...) and the Linux 7.x
 * helper below; code of Linux 6.12 and earlier, which calls only
 * rseq_register_current_thread(), and code of Linux 7.x, which calls both,
 * build from the same header.  See rseq_register_current_thread(3).
 */
#ifndef RSEQKIT_SELFTESTS_RSEQ_H
#define RSEQKIT_SELFTESTS_RSEQ_H

#include "../rseq.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Register rseq for the calling thread, as Linux 7.x's selftests helper:
 * 0, or a negative errno value (not -1 with errno).
 *   nolibc  the caller needs a registration of its own: -EBUSY when the
 *           C library owns registration (GLIBC_TUNABLES=glibc.pthread.rseq=0
 *           turns glibc's off).
 *   legacy  register 32 bytes (the original size) for this thread, even
 *           where the process otherwise registers the full feature size;
 *           false: the process's size.
 * Otherwise as rseq_register_current_thread(), and undone the same way by
 * rseq_unregister_current_thread().
 */
int __rseq_register_current_thread(bool nolibc, bool legacy)
	RSEQKIT_SYM(selftests_register_current_thread);

#ifdef __cplusplus
}
#endif

#endif /* RSEQKIT_SELFTESTS_RSEQ_H */
