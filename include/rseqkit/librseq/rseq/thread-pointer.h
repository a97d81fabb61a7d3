/* SPDX-License-Identifier: MIT */
/*
 * rseq/thread-pointer.h - rseq_thread_pointer(), the address the rseq
 * area's offset is relative to (rseqkit's architecture headers).
 */
#ifndef _RSEQ_THREAD_POINTER_H
#define _RSEQ_THREAD_POINTER_H

#include "../rseqkit-layer.h"
#include "inject.h"
#include <rseqkit/rseq.h>

#endif
