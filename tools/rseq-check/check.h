/* SPDX-License-Identifier: MIT */
/* check.h - internals of rseq-check. */
#ifndef RSEQKIT_TOOLS_CHECK_H
#define RSEQKIT_TOOLS_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Length of the x86-64 instruction at p (n bytes readable), -1 if unknown. */
int x86_insn_len(const uint8_t *p, size_t n);

#endif
