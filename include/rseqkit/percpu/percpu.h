/* SPDX-License-Identifier: MIT */
/* rseqkit/percpu/percpu.h - every per-CPU structure, and the pool. */
#ifndef RSEQKIT_PERCPU_PERCPU_H
#define RSEQKIT_PERCPU_PERCPU_H
#include <rseqkit/pool.h>
#include <rseqkit/percpu/common.h>
#include <rseqkit/percpu/counter.h>
#include <rseqkit/percpu/lock.h>
#include <rseqkit/percpu/stack.h>
#include <rseqkit/percpu/buffer.h>
#include <rseqkit/percpu/fifo.h>
#include <rseqkit/percpu/cache.h>
#endif
