/* SPDX-License-Identifier: MIT */
/*
 * rseq/utils.h - librseq's utility macros on rseqkit: rseq_sizeof_field(),
 * rseq_offsetofend(), __rseq_str(), rseq_log() and rseq_bug() (which
 * aborts: the caller's choice) come from <rseqkit/rseq.h>.
 */
#ifndef _RSEQ_UTILS_H
#define _RSEQ_UTILS_H

#include "../rseqkit-layer.h"
#include "inject.h"
#include <stddef.h>
#include <stdio.h>
#include <rseqkit/rseq.h>

#endif
