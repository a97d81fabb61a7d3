/* SPDX-License-Identifier: MIT */
/*
 * ops_test - every operation of the API, single-threaded, in every
 * memory order and index: the committed result, the compare-failure
 * result (nothing stored) and the abort result for a CPU that is not the
 * current one.  In the "unavailable" modes: registration fails with an
 * errno and a reason, the raw CPU id is negative, and no operation
 * commits.
 */
#include <string.h>
#include "harness.h"
#include <rseqkit/rseq.h>

struct node {
	struct node *next;
	intptr_t payload;
};

static int cur_index(enum rseq_percpu_mode mode)
{
	return mode == RSEQ_PERCPU_MM_CID ? (int)rseq_current_mm_cid()
					  : (int)rseq_cpu_start();
}

/* Run op until it does not abort (preemption may abort it). */
#define RETRY(expr, mode)						\
	__extension__ ({						\
		int __r, __n = 0;					\
		do {							\
			int cpu = cur_index(mode);			\
			(void)cpu;					\
			__r = (expr);					\
		} while (__r < 0 && ++__n < 100000);			\
		__r;							\
	})

/* The operations that take only RSEQ_MO_RELAXED. */
static void test_relaxed_ops(enum rseq_percpu_mode mode)
{
	const enum rseq_mo mo = RSEQ_MO_RELAXED;
	intptr_t v = 5, v2 = 7, load = 0;
	int bad = cur_index(mode) + 1000;
	struct node n2 = { NULL, 2 }, n1 = { &n2, 1 };
	intptr_t head = (intptr_t)&n1;

	CHECK_EQ(RETRY(rseq_cmpeqv_storev(mo, mode, &v, 5, 6, cpu), mode), 0);
	CHECK_EQ(v, 6);
	CHECK_EQ(RETRY(rseq_cmpeqv_storev(mo, mode, &v, 5, 9, cpu), mode), 1);
	CHECK_EQ(v, 6);
	CHECK_EQ(rseq_cmpeqv_storev(mo, mode, &v, 6, 9, bad), -1);
	CHECK_EQ(v, 6);

	CHECK_EQ(RETRY(rseq_addv(mo, mode, &v, 10, cpu), mode), 0);
	CHECK_EQ(v, 16);
	CHECK_EQ(RETRY(rseq_addv(mo, mode, &v, -20, cpu), mode), 0);
	CHECK_EQ(v, -4);
	CHECK_EQ(rseq_addv(mo, mode, &v, 1, bad), -1);
	CHECK_EQ(v, -4);

	/* list pop: head -> n1 -> n2 */
	CHECK_EQ(RETRY(rseq_cmpnev_storeoffp_load(mo, mode, &head, 0,
			offsetof(struct node, next), &load, cpu), mode), 0);
	CHECK(load == (intptr_t)&n1);
	CHECK(head == (intptr_t)&n2);
	CHECK_EQ(RETRY(rseq_cmpnev_storeoffp_load(mo, mode, &head, 0,
			offsetof(struct node, next), &load, cpu), mode), 0);
	CHECK(head == 0);
	load = 42;
	CHECK_EQ(RETRY(rseq_cmpnev_storeoffp_load(mo, mode, &head, 0,
			offsetof(struct node, next), &load, cpu), mode), 1);
	CHECK_EQ(load, 42);

	v = 1; v2 = 2;
	CHECK_EQ(RETRY(rseq_cmpeqv_cmpeqv_storev(mo, mode, &v, 1, &v2, 2, 3, cpu), mode), 0);
	CHECK_EQ(v, 3);
	CHECK_EQ(RETRY(rseq_cmpeqv_cmpeqv_storev(mo, mode, &v, 3, &v2, 9, 4, cpu), mode), 1);
	CHECK_EQ(v, 3);
	CHECK_EQ(RETRY(rseq_cmpeqv_cmpeqv_storev(mo, mode, &v, 8, &v2, 2, 4, cpu), mode), 1);
	CHECK_EQ(v, 3);
}

static void test_offset_deref(enum rseq_percpu_mode mode)
{
#ifdef RSEQ_ARCH_HAS_OFFSET_DEREF_ADDV
	intptr_t cell = 10, *cellp = &cell;
	intptr_t base = (intptr_t)&cellp;
	int bad = cur_index(mode) + 1000;

	/* *(*(intptr_t **)(base_value + 0)) += 3 where base holds &cellp */
	CHECK_EQ(RETRY(rseq_offset_deref_addv(RSEQ_MO_RELAXED, mode, &base, 0, 3, cpu), mode), 0);
	CHECK_EQ(cell, 13);
	CHECK_EQ(rseq_offset_deref_addv(RSEQ_MO_RELAXED, mode, &base, 0, 3, bad), -1);
	CHECK_EQ(cell, 13);
#else
	(void)mode;
#endif
}

/*
 * Relaxed-only operations refuse other orders: a build error for a
 * constant order (tests/headers_check.sh), -EINVAL (not -1, which means
 * "aborted: retry") for one known only at run time.
 */
static void test_refused(enum rseq_mo mo, enum rseq_percpu_mode mode)
{
	volatile enum rseq_mo runtime_mo = mo;
	intptr_t v = 5;

	CHECK_EQ(rseq_cmpeqv_storev(runtime_mo, mode, &v, 5, 6, cur_index(mode)), -EINVAL);
	CHECK_EQ(v, 5);
#ifndef __cplusplus
	/* (In C++ a value outside the enumerators' range is itself undefined.) */
	{
		volatile enum rseq_percpu_mode bad_mode = (enum rseq_percpu_mode)7;

		CHECK_EQ(rseq_cmpeqv_storev(RSEQ_MO_RELAXED, bad_mode, &v, 5, 6,
					    cur_index(mode)), -EINVAL);
		CHECK_EQ(v, 5);
	}
#endif
}

/* The two operations with a release variant, in order mo. */
static void test_trystore(enum rseq_mo mo, enum rseq_percpu_mode mode)
{
	intptr_t v = 1, v2 = 0;
	int bad = cur_index(mode) + 1000;

	CHECK_EQ(RETRY(rseq_cmpeqv_trystorev_storev(mo, mode, &v, 1, &v2, 11, 2, cpu), mode), 0);
	CHECK_EQ(v, 2);
	CHECK_EQ(v2, 11);
	CHECK_EQ(RETRY(rseq_cmpeqv_trystorev_storev(mo, mode, &v, 1, &v2, 12, 3, cpu), mode), 1);
	CHECK_EQ(v, 2);
	CHECK_EQ(v2, 11);
	CHECK_EQ(rseq_cmpeqv_trystorev_storev(mo, mode, &v, 2, &v2, 12, 3, bad), -1);
	CHECK_EQ(v, 2);
}

static void test_memcpy(enum rseq_mo mo, enum rseq_percpu_mode mode)
{
	char src[37], dst[37];
	intptr_t v = 100;
	int bad = cur_index(mode) + 1000;

	/* every length 0..37 and misaligned ends */
	for (size_t len = 0; len <= sizeof(src); len++) {
		for (size_t i = 0; i < sizeof(src); i++) {
			src[i] = (char)(i * 7 + len);
			dst[i] = 0x55;
		}
		v = 100;
		CHECK_EQ(RETRY(rseq_cmpeqv_trymemcpy_storev(mo, mode, &v, 100,
				dst, src, len, 101, cpu), mode), 0);
		CHECK_EQ(v, 101);
		CHECK(memcmp(dst, src, len) == 0);
		for (size_t i = len; i < sizeof(dst); i++)
			if (dst[i] != 0x55)
				CHECK_MSG(0, "memcpy len %zu wrote byte %zu", len, i);
	}
	memset(dst, 0, sizeof(dst));
	CHECK_EQ(RETRY(rseq_cmpeqv_trymemcpy_storev(mo, mode, &v, 100,
			dst, src, 8, 102, cpu), mode), 1);
	CHECK_EQ(v, 101);
	CHECK_EQ(dst[0], 0);
	CHECK_EQ(rseq_cmpeqv_trymemcpy_storev(mo, mode, &v, 101, dst + 1, src, 5,
					      102, bad), -1);
	CHECK_EQ(v, 101);
}

static void test_mode_ops(enum rseq_mo mo, enum rseq_percpu_mode mode)
{
	if (mo == RSEQ_MO_RELAXED) {
		test_relaxed_ops(mode);
		test_offset_deref(mode);
	} else {
		test_refused(mo, mode);
	}
	test_trystore(mo, mode);
	test_memcpy(mo, mode);
}

int main(void)
{
	int r = rseq_register_current_thread();

	/* The library these headers came with. */
	CHECK_EQ(rseq_version_number(), RSEQKIT_VERSION_NUMBER);
	CHECK(!strcmp(rseq_version_string(), RSEQKIT_VERSION_STRING));

	if (test_expect_unavailable()) {
		intptr_t v = 1;

		CHECK_EQ(r, -1);
		CHECK(errno != 0);
		CHECK(strlen(rseq_error_reason()) > 10);
		CHECK(!rseq_available());
		CHECK(rseq_current_cpu_raw() < 0);
		CHECK(!rseq_current_thread_registered());
		/* rseq_current_cpu() falls back to sched_getcpu() */
		CHECK(rseq_current_cpu() < 1024);
		CHECK_EQ(rseq_addv(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID, &v, 1,
				   rseq_cpu_start()), -1);
		CHECK_EQ(v, 1);
		printf("rseq unavailable as expected: %s\n", rseq_error_reason());
		return test_done();
	}
	if (r) {
		fprintf(stderr, "register: %s (%s)\n", strerror(errno), rseq_error_reason());
		CHECK_EQ(r, 0);
		return test_done();
	}
	CHECK(rseq_available());
	CHECK(rseq_current_thread_registered());

	test_mode_ops(RSEQ_MO_RELAXED, RSEQ_PERCPU_CPU_ID);
	test_mode_ops(RSEQ_MO_RELEASE, RSEQ_PERCPU_CPU_ID);
	if (rseq_mm_cid_available()) {
		test_mode_ops(RSEQ_MO_RELAXED, RSEQ_PERCPU_MM_CID);
		test_mode_ops(RSEQ_MO_RELEASE, RSEQ_PERCPU_MM_CID);
	} else {
		printf("mm_cid not available (feature size %u): cpu_id only\n",
		       rseq_feature_size);
	}
	CHECK_EQ(rseq_unregister_current_thread(), 0);
	return test_done();
}
