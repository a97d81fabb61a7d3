/* SPDX-License-Identifier: MIT */
/*
 * tests/bad_input/core.c - registration, the exported variables, the
 * version, the fallbacks, the CPU queries and the time-slice extension,
 * in each registration mode (the C library's, rseqkit's own, rseq
 * denied): unbalanced and deeply nested calls, the selftests helper's
 * negative errno values, CPU masks of every size.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bi.h"
#include <rseqkit/selftests/rseq.h>
#include <rseqkit/slice.h>
#include <rseqkit/pool.h>
#include <rseqkit/percpu/counter.h>

/* The mode a case runs in, from its flags. */
static enum rseq_owner expected_owner(const struct bi_case *c)
{
	if (c->flags & BI_NORSEQ)
		return RSEQ_OWNER_NONE;
	return c->flags & BI_OWN ? RSEQ_OWNER_RSEQKIT : RSEQ_OWNER_LIBC;
}

static const char *c_available(const struct bi_case *c)
{
	bool want = expected_owner(c) != RSEQ_OWNER_NONE;

	if (rseq_available() != want)
		return bi_fail("rseq_available() is %d, want %d", rseq_available(), want);
	if (rseq_registration_owner() != expected_owner(c))
		return bi_fail("rseq_registration_owner() is %d, want %d",
			       rseq_registration_owner(), expected_owner(c));
	return NULL;
}

static void *reason_in_thread(void *arg)
{
	(void)arg;
	return (void *)rseq_error_reason();
}

/* The reason: "" before any failure, a sentence after one, per thread. */
static const char *c_error_reason(const struct bi_case *c)
{
	const char *r = rseq_error_reason(), *other;
	pthread_t t;

	if (!r || *r)
		return bi_fail("a fresh process's reason is \"%s\", not \"\"", r ? r : "(NULL)");
	if (c->i) {	/* after a failure */
		if (rseq_percpu_counter_nr_cpus(NULL) != -1 || errno != EINVAL)
			return bi_fail("rseq_percpu_counter_nr_cpus(NULL) did not fail with EINVAL");
		r = rseq_error_reason();
		if (!r || strlen(r) < 8)
			return bi_fail("the reason after a failure is \"%s\"", r ? r : "(NULL)");
		if (pthread_create(&t, NULL, reason_in_thread, NULL) ||
		    pthread_join(t, (void **)&other))
			return "pthread_create failed";
		if (!other || *other)
			return bi_fail("another thread sees the reason \"%s\"", other ? other : "(NULL)");
	}
	return NULL;
}

/* The CPU the thread is pinned to, for each CPU it may run on. */
static const char *c_fallback(const struct bi_case *c)
{
	cpu_set_t all, one;
	int checked = 0;

	if (sched_getaffinity(0, sizeof(all), &all))
		return "sched_getaffinity failed";
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		int32_t got;

		if (!CPU_ISSET(cpu, &all))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			continue;
		got = c->i ? rseq_fallback_current_node() : rseq_fallback_current_cpu();
		if (c->i ? got < 0 : got != cpu)
			return bi_fail("pinned to CPU %d: rseq_fallback_current_%s() = %d", cpu,
				       c->i ? "node" : "cpu", got);
		checked++;
	}
	return checked ? NULL : "could not pin the thread to any CPU";
}

/* rseq_feature_size: the kernel's (>= 20), or 0 without rseq. */
static const char *c_feature_size(const struct bi_case *c)
{
	unsigned int fs = rseq_feature_size;

	if (c->flags & BI_NORSEQ)
		return fs ? bi_fail("rseq_feature_size is %u without rseq", fs) : NULL;
	return fs >= 20 ? NULL : bi_fail("rseq_feature_size is %u", fs);
}

static const char *c_flags(const struct bi_case *c)
{
	(void)c;
	return rseq_flags ? bi_fail("rseq_flags is %#x (no flag is ever used)", rseq_flags) : NULL;
}

/*
 * rseq_offset: the area it leads to is the kernel's (its cpu_id is the
 * CPU the thread is pinned to) once registered; without rseq it reads
 * negative and nothing crashes.
 */
static const char *c_offset(const struct bi_case *c)
{
	int r = rseq_register_current_thread();
	cpu_set_t one;

	if (c->flags & BI_NORSEQ) {
		if (r != -1 || rseq_current_cpu_raw() >= 0)
			return bi_fail("without rseq: registration %d, cpu_id %d", r,
				       rseq_current_cpu_raw());
		return NULL;
	}
	if (r)
		return bi_fail_errno("rseq_register_current_thread failed");
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		return "cannot pin to CPU 0";
	if ((int32_t)rseq_get_abi()->cpu_id != 0)
		return bi_fail("pinned to CPU 0, the area at rseq_offset reads cpu_id %d",
			       (int32_t)rseq_get_abi()->cpu_id);
	return rseq_unregister_current_thread() ? bi_fail_errno("unregister failed") : NULL;
}

/* rseq_size: 0 until a registration when rseqkit owns it; 0 without rseq. */
static const char *c_size(const struct bi_case *c)
{
	unsigned int before = rseq_size, after;
	int r = rseq_register_current_thread();

	after = rseq_size;
	if (c->flags & BI_NORSEQ)
		return before || after || r != -1 ?
			bi_fail("without rseq: rseq_size %u then %u, registration %d", before,
				after, r) : NULL;
	if (r)
		return bi_fail_errno("rseq_register_current_thread failed");
	if ((c->flags & BI_OWN) && before)
		return bi_fail("rseqkit owns registration: rseq_size is %u before the first one",
			       before);
	if (!(c->flags & BI_OWN) && before != after)
		return bi_fail("the C library's rseq_size changed: %u -> %u", before, after);
	if (after < 20 || after > (rseq_feature_size > 32 ? rseq_feature_size : 32))
		return bi_fail("rseq_size is %u (feature size %u)", after, rseq_feature_size);
	return NULL;
}

/*
 * Register c->i times (nested), unregister as often, then once more:
 * EINVAL, and the thread is as it was.  In rseqkit's mode the thread is
 * unregistered afterwards and a structure does not register it again.
 */
static const char *c_nest(const struct bi_case *c)
{
	enum rseq_owner own = expected_owner(c);
	struct rseq_percpu_counter *ctr;

	for (long long k = 0; k < c->i; k++) {
		int r = rseq_register_current_thread();

		if (own == RSEQ_OWNER_NONE) {
			if (r != -1 || errno != ENOSYS || !*rseq_error_reason())
				return bi_fail("without rseq: registration %d, errno %d", r, errno);
			continue;
		}
		if (r)
			return bi_fail_errno("registration failed");
		if (rseq_current_cpu_raw() < 0)
			return "registered, but cpu_id is negative";
	}
	for (long long k = 0; own != RSEQ_OWNER_NONE && k < c->i; k++)
		if (rseq_unregister_current_thread())
			return bi_fail_errno("a balanced unregistration failed");
	if (rseq_unregister_current_thread() != -1 || errno != EINVAL || !*rseq_error_reason())
		return "an unbalanced unregistration did not fail with EINVAL";
	if (own == RSEQ_OWNER_LIBC && rseq_current_cpu_raw() < 0)
		return "the C library's registration is gone";
	if (own != RSEQ_OWNER_RSEQKIT || !c->i)
		return NULL;
	/* Unregistered means unregistered: a structure's use does not undo it. */
	if (rseq_current_cpu_raw() >= 0)
		return "still registered after the last unregistration";
	ctr = rseq_percpu_counter_create(NULL);
	if (!ctr)
		return bi_fail_errno("counter_create failed");
	for (int k = 0; k < 100; k++)
		rseq_percpu_counter_add(ctr, 1);
	if (rseq_current_cpu_raw() >= 0)
		return "a structure registered the thread again after it unregistered";
	if (rseq_percpu_counter_sum(ctr) != 100)
		return "the counter lost adds of an unregistered thread";
	rseq_percpu_counter_destroy(ctr);
	if (rseq_register_current_thread() || rseq_current_cpu_raw() < 0)
		return bi_fail_errno("registering again failed");
	return rseq_unregister_current_thread() ? bi_fail_errno("unregister failed") : NULL;
}

/* __rseq_register_current_thread(nolibc = c->i, legacy = c->j): 0 or -errno. */
static const char *c_selftests(const struct bi_case *c)
{
	int r = __rseq_register_current_thread(c->i != 0, c->j != 0);
	int want = c->want == BI_ANY ? 0 : c->want;

	if (r != -want)
		return bi_fail("returned %d, want %d", r, -want);
	if (r) {
		if (errno != want || !*rseq_error_reason())
			return bi_fail("errno %d, reason \"%s\"", errno, rseq_error_reason());
		return NULL;
	}
	if (c->j && (c->flags & BI_OWN) && rseq_registration_size() != 32)
		return bi_fail("a legacy registration is %u bytes", rseq_registration_size());
	if (rseq_current_cpu_raw() < 0)
		return "registered, but cpu_id is negative";
	/*
	 * A second call: nested, or the size conflicts (legacy after a full
	 * size that is not 32 bytes: kernels whose feature size is above 32).
	 */
	if (c->flags & BI_OWN) {
		bool conflict = !c->j && rseq_registration_size() != 32;

		r = __rseq_register_current_thread(false, !c->j);
		if (conflict ? r != -EINVAL : r != 0)
			return bi_fail("the second call (legacy %d, %u bytes registered) returned %d",
				       !c->j, rseq_registration_size(), r);
		if (!r && rseq_unregister_current_thread())
			return bi_fail_errno("unregistering the nested call failed");
	}
	if (rseq_unregister_current_thread())
		return bi_fail_errno("rseq_unregister_current_thread failed");
	if (rseq_unregister_current_thread() != -1 || errno != EINVAL)
		return "an unbalanced unregistration did not fail with EINVAL";
	return NULL;
}

static const char *c_registration_size(const struct bi_case *c)
{
	unsigned int n;

	if (!(c->flags & BI_NORSEQ) && rseq_register_current_thread())
		return bi_fail_errno("registration failed");
	n = rseq_registration_size();
	if (c->flags & BI_NORSEQ)
		return n ? bi_fail("without rseq: %u bytes", n) : NULL;
	if (c->i && n != 32)
		return bi_fail("RSEQKIT_REG_SIZE=legacy: %u bytes", n);
	if (n < 32 || n > 256)
		return bi_fail("%u bytes registered", n);
	return NULL;
}

static const char *c_version(const struct bi_case *c)
{
	const char *s = rseq_version_string();
	unsigned int maj, min, pat;

	(void)c;
	if (!s || strcmp(s, RSEQKIT_VERSION_STRING))
		return bi_fail("version string \"%s\"", s ? s : "(NULL)");
	if (sscanf(s, "%u.%u.%u", &maj, &min, &pat) != 3 ||
	    rseq_version_number() != (maj << 16 | min << 8 | pat) ||
	    rseq_version_number() != RSEQKIT_VERSION_NUMBER)
		return bi_fail("version number %#x for \"%s\"", rseq_version_number(), s);
	return NULL;
}

/*
 * The time-slice extension: available() agrees with enable(); enable,
 * disable: 0, or -1 with ENOSYS (no rseq), EOPNOTSUPP (no extension
 * here), EINVAL (thread not registered) and a reason.  i: 0 available,
 * 1 enable, 2 disable, 3 yield; j: unregister first (rseqkit's mode).
 */
static const char *c_slice(const struct bi_case *c)
{
	bool avail;
	int r;

	if (c->j && (rseq_register_current_thread() || rseq_unregister_current_thread()))
		return bi_fail_errno("register/unregister failed");
	avail = rseq_slice_extension_available();
	switch (c->i) {
	case 3:
		r = rseq_slice_yield();
		if (r == -1 && errno == ENOSYS)
			return NULL;
		return r == 0 || r == 1 ? NULL : bi_fail_errno("rseq_slice_yield");
	case 0:
		r = rseq_slice_extension_enable();
		if (avail != (r == 0))
			return bi_fail("available() %d but enable() %d", avail, r);
		break;
	default:
		r = c->i == 1 ? rseq_slice_extension_enable() : rseq_slice_extension_disable();
	}
	if (!r)
		return avail ? NULL : "enable/disable succeeded, available() said no";
	if (r != -1 || !*rseq_error_reason())
		return bi_fail("returned %d, reason \"%s\"", r, rseq_error_reason());
	if (c->flags & BI_NORSEQ)
		return errno == ENOSYS ? NULL : bi_fail_errno("without rseq, want ENOSYS");
	if (c->j && errno != EINVAL && errno != EOPNOTSUPP)
		return bi_fail_errno("an unregistered thread: want EINVAL or EOPNOTSUPP");
	return errno == EOPNOTSUPP || errno == EINVAL ? NULL : bi_fail_errno("want EOPNOTSUPP");
}

static const char *c_max_nr_cpus(const struct bi_case *c)
{
	int n = rseq_get_max_nr_cpus();
	long conf = sysconf(_SC_NPROCESSORS_CONF);

	(void)c;
	if (n <= 0 || n > RSEQ_MEMPOOL_MAX_NR_CPUS || (conf > 0 && n < conf) ||
	    rseq_get_max_nr_cpus() != n)
		return bi_fail("rseq_get_max_nr_cpus() = %d (%ld configured)", n, conf);
	return NULL;
}

/*
 * rseq_possible_cpus(mask, max = c->i): EINVAL for a NULL mask, max <= 0
 * or max below the machine's CPUs; else the count, the mask filled up to
 * max and not a byte further.
 */
static const char *c_possible(const struct bi_case *c)
{
	int max = (int)c->i, nr = rseq_get_max_nr_cpus(), r;
	size_t len = max > 0 ? (size_t)max + 64 : 64;
	unsigned char *mask = c->j ? NULL : (unsigned char *)malloc(len);
	const char *why;

	if (!c->j && !mask)
		return "malloc failed";
	if (mask)
		memset(mask, 0xa5, len);
	r = rseq_possible_cpus(mask, max);
	why = bi_int(c, r);
	if (why || r < 0) {
		free(mask);
		return why;
	}
	if (r != nr)
		why = bi_fail("returned %d, rseq_get_max_nr_cpus() %d", r, nr);
	for (int k = 0; !why && k < max; k++)
		if (mask[k] > 1 || (k >= nr && mask[k]))
			why = bi_fail("mask[%d] = %d (%d CPUs)", k, mask[k], nr);
	if (!why && !mask[0])
		why = "CPU 0 is not possible";
	for (size_t k = (size_t)max; !why && k < len; k++)
		if (mask[k] != 0xa5)
			why = bi_fail("wrote mask[%zu], past max %d", k, max);
	free(mask);
	return why;
}

void bi_core_cases(void)
{
	static const unsigned int modes[] = { 0, BI_OWN, BI_NORSEQ };
	long long ints[BI_NR_INTS];
	size_t n = bi_ints(bi_nr_cpus, ints);

	for (int m = 0; m < 3; m++) {
		unsigned int f = modes[m];

		BI(rseq_available, c_available, 0, "", .flags = f);
		BI(rseq_registration_owner, c_available, 0, "", .flags = f);
		BI(rseq_error_reason, c_error_reason, 0, "i=after_failure", .i = 0, .flags = f);
		BI(rseq_error_reason, c_error_reason, 0, "i=after_failure", .i = 1, .flags = f);
		BI(rseq_fallback_current_cpu, c_fallback, 0, "", .flags = f);
		BI(rseq_fallback_current_node, c_fallback, 0, "", .i = 1, .flags = f);
		BI(rseq_feature_size, c_feature_size, 0, "", .flags = f);
		BI(rseq_flags, c_flags, 0, "", .flags = f);
		BI(rseq_offset, c_offset, 0, "", .flags = f);
		BI(rseq_size, c_size, 0, "", .flags = f);
		BI(rseq_registration_size, c_registration_size, 0, "", .flags = f);
		BI(rseq_version_string, c_version, 0, "", .flags = f);
		BI(rseq_version_number, c_version, 0, "", .flags = f);
		BI(rseq_get_max_nr_cpus, c_max_nr_cpus, 0, "", .flags = f);
		/* nested 0, 1, 1000 times; then one unregistration too many */
		BI(rseq_register_current_thread, c_nest, 0, "i=times", .i = 1, .flags = f);
		BI(rseq_register_current_thread, c_nest, 0, "i=times", .i = 1000, .flags = f);
		BI(rseq_unregister_current_thread, c_nest, 0, "i=registered_before", .i = 0,
		   .flags = f);
		BI(rseq_unregister_current_thread, c_nest, 0, "i=registered_before", .i = 2,
		   .flags = f);
		for (int k = 0; k < 4; k++) {
			BI(rseq_slice_extension_available, c_slice, BI_ANY, "i=call", .i = k,
			   .flags = f);
			if (k == 1 || k == 2)
				BI(rseq_slice_extension_enable, c_slice, BI_ANY, "i=call", .i = k,
				   .flags = f);
		}
		BI(rseq_slice_extension_disable, c_slice, BI_ANY, "i=call", .i = 2, .flags = f);
		BI(rseq_slice_yield, c_slice, BI_ANY, "i=call", .i = 3, .flags = f);
	}
	/* rseqkit's mode: a thread that unregistered, the legacy size. */
	BI(rseq_slice_extension_enable, c_slice, BI_ANY, "i=call j=unregistered", .i = 1, .j = 1,
	   .flags = BI_OWN);
	BI(rseq_slice_extension_disable, c_slice, BI_ANY, "i=call j=unregistered", .i = 2,
	   .j = 1, .flags = BI_OWN);
	BI(rseq_registration_size, c_registration_size, 0, "i=legacy", .i = 1,
	   .flags = BI_OWN | BI_LEGACY);
	/* The 7.x selftests helper: 0 or -errno, in each mode. */
	for (int nolibc = 0; nolibc < 2; nolibc++)
		for (int legacy = 0; legacy < 2; legacy++) {
			BI(__rseq_register_current_thread, c_selftests, nolibc ? EBUSY : 0,
			   "i=nolibc j=legacy", .i = nolibc, .j = legacy);
			BI(__rseq_register_current_thread, c_selftests, 0, "i=nolibc j=legacy",
			   .i = nolibc, .j = legacy, .flags = BI_OWN);
			BI(__rseq_register_current_thread, c_selftests, ENOSYS, "i=nolibc j=legacy",
			   .i = nolibc, .j = legacy, .flags = BI_NORSEQ);
		}
	/* CPU masks: every int edge, and a NULL mask. */
	for (size_t k = 0; k < n; k++) {
		if (ints[k] > (1 << 20))
			continue;	/* (a mask that large is not worth writing) */
		BI(rseq_possible_cpus, c_possible, ints[k] >= bi_nr_cpus ? 0 : EINVAL, "i=max",
		   .i = ints[k]);
		BI(rseq_possible_cpus, c_possible, EINVAL, "i=max j=mask_null", .i = ints[k],
		   .j = 1);
	}
}
