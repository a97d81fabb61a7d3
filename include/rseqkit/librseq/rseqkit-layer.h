/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/librseq/rseqkit-layer.h - included first by every header of the
 * librseq layer (<rseq/rseq.h>, <rseq/mempool.h>, ...): selects the
 * librseq spellings in rseqkit's own headers.  Where the two APIs give a
 * name different contracts (rseq_available(), robust mode), a source file
 * uses one of them: the layer must come before any <rseqkit/...> header.
 */
#ifndef RSEQKIT_LIBRSEQ_LAYER_H
#define RSEQKIT_LIBRSEQ_LAYER_H

#if !defined(RSEQKIT_LIBRSEQ_LAYER) && (defined(RSEQKIT_RSEQ_H) || defined(RSEQKIT_POOL_H))
# error "<rseq/...> (rseqkit's librseq layer) must be included before any <rseqkit/...> header"
#endif
#ifndef RSEQKIT_LIBRSEQ_LAYER
# define RSEQKIT_LIBRSEQ_LAYER 1
#endif

#endif
