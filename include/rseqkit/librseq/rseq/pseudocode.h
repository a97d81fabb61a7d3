/* SPDX-License-Identifier: MIT */
/*
 * rseq/pseudocode.h - what each critical-section helper of <rseq/rseq.h>
 * does, in librseq's naming scheme: the name spells the steps (load, add,
 * cbne = compare and leave when not equal, cbeq = compare and leave when
 * equal, store, memcpy), then "__" and the type the helper works on.
 * Each returns 0 when it committed, 1 when a comparison left early
 * (nothing stored), -1 when the kernel aborted it.  On rseqkit:
 *
 *   rseq_load_cbne_store__ptr(v, expect, newv)
 *	if (*v == expect) *v = newv;			rseq_cmpeqv_storev()
 *   rseq_load_add_store__ptr(v, count)
 *	*v += count;					rseq_addv()
 *   rseq_load_cbeq_store_add_load_store__ptr(v, expectnot, voffp, load)
 *	if (*v != expectnot) { *load = *v;
 *			       *v = *(intptr_t *)(*v + voffp); }
 *							rseq_cmpnev_storeoffp_load()
 *   rseq_load_add_load_load_add_store__ptr(ptr, off, inc)
 *	*(*(intptr_t **)(*ptr + off)) += inc;		rseq_offset_deref_addv()
 *   rseq_load_cbne_load_cbne_store__ptr(v, expect, v2, expect2, newv)
 *	if (*v == expect && *v2 == expect2) *v = newv;	rseq_cmpeqv_cmpeqv_storev()
 *   rseq_load_cbne_store_store__ptr(v, expect, v2, newv2, newv)
 *	if (*v == expect) { *v2 = newv2; *v = newv; }	rseq_cmpeqv_trystorev_storev()
 *   rseq_load_cbne_memcpy_store__ptr(v, expect, dst, src, len, newv)
 *	if (*v == expect) { memcpy(dst, src, len); *v = newv; }
 *							rseq_cmpeqv_trymemcpy_storev()
 *
 * The last store is the commit; everything before it may be redone.
 */
#ifndef _RSEQ_PSEUDOCODE_H
#define _RSEQ_PSEUDOCODE_H
#endif
