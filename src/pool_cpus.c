/* SPDX-License-Identifier: MIT */
/*
 * src/pool_cpus.c - which CPUs exist: the kernel's list of possible CPUs,
 * CPU lists ("0-3,8"), rseq_possible_cpus() and rseq_get_max_nr_cpus().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include "pool-internal.h"

/*
 * One decimal CPU number at *s (digits only); stores it in *v and
 * advances *s.  Returns -1 when there is no number, -2 when it is >= max.
 */
static int parse_number(const char **s, int max, long *v)
{
	const char *p = *s;
	long n = 0;
	int big = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (!big && n > (LONG_MAX - 9) / 10)
			big = 1;	/* keep consuming digits, never wrap */
		if (!big)
			n = n * 10 + (*p - '0');
	}
	*s = p;
	if (big || n >= max)
		return -2;
	*v = n;
	return 0;
}

int rseqkit_pool_parse_cpu_list(const char *s, unsigned long *bits, int max)
{
	int top = 0;

	if (!s || max <= 0)
		return -1;
	memset(bits, 0, ((size_t)max + POOL_BITS - 1) / POOL_BITS * sizeof(unsigned long));
	for (;;) {
		long a, b;
		int rc = parse_number(&s, max, &a);

		if (rc)
			return rc;
		b = a;
		if (*s == '-') {
			s++;
			rc = parse_number(&s, max, &b);
			if (rc)
				return rc;
			if (b < a)
				return -1;
		}
		for (long i = a; i <= b; i++)
			pool_bit_set(bits, (size_t)i);
		if (b + 1 > top)
			top = (int)b + 1;
		if (*s == ',') {
			s++;
			continue;
		}
		if (*s == '\n' && s[1] == '\0')
			s++;
		return *s ? -1 : top;
	}
}

/* The kernel's list, read whole. */
static int read_possible(char *buf, size_t len)
{
	int fd = open("/sys/devices/system/cpu/possible", O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0)
		return -1;
	while (n < len - 1) {
		ssize_t r = read(fd, buf + n, len - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return n > 0 && n < len - 1 ? 0 : -1;
}

int rseqkit_pool_system_cpus(unsigned long *bits, int max)
{
	char buf[8192];
	long conf;
	int top;

	if (read_possible(buf, sizeof(buf)) == 0) {
		top = rseqkit_pool_parse_cpu_list(buf, bits, max);
		if (top > 0 || top == -2)
			return top;
	}
	/* No sysfs (some containers): every configured CPU. */
	conf = sysconf(_SC_NPROCESSORS_CONF);
	if (conf <= 0)
		conf = 1;
	if (conf > max)
		return -2;
	memset(bits, 0, ((size_t)max + POOL_BITS - 1) / POOL_BITS * sizeof(unsigned long));
	for (long i = 0; i < conf; i++)
		pool_bit_set(bits, (size_t)i);
	return (int)conf;
}

RSEQKIT_EXPORT int rseq_possible_cpus(unsigned char *mask, int max)
{
	unsigned long *bits;
	int top;

	if (!mask || max <= 0)
		return rseqkit_fail(EINVAL, "rseq_possible_cpus: mask is NULL or max is not positive");
	bits = rseqkit_icalloc(((size_t)max + POOL_BITS - 1) / POOL_BITS, sizeof(unsigned long));
	if (!bits)
		return rseqkit_fail(ENOMEM, "rseq_possible_cpus: out of memory");
	top = rseqkit_pool_system_cpus(bits, max);
	if (top > 0)
		for (int i = 0; i < max; i++)
			mask[i] = (unsigned char)pool_bit_test(bits, (size_t)i);
	rseqkit_ifree(bits);
	if (top == -2)
		return rseqkit_fail(EINVAL, "rseq_possible_cpus: the mask is smaller than this "
				    "machine's highest possible CPU + 1 (rseq_get_max_nr_cpus())");
	if (top <= 0)
		return rseqkit_fail(EINVAL, "rseq_possible_cpus: cannot read the possible CPUs");
	return top;
}

static int max_nr_cpus_cache;

RSEQKIT_EXPORT int rseq_get_max_nr_cpus(void)
{
	int n = __atomic_load_n(&max_nr_cpus_cache, __ATOMIC_RELAXED);
	unsigned long *bits;

	if (n > 0)
		return n;
	bits = rseqkit_icalloc(RSEQ_MEMPOOL_MAX_NR_CPUS / POOL_BITS, sizeof(unsigned long));
	if (!bits)
		return rseqkit_fail(ENOMEM, "rseq_get_max_nr_cpus: out of memory");
	n = rseqkit_pool_system_cpus(bits, RSEQ_MEMPOOL_MAX_NR_CPUS);
	rseqkit_ifree(bits);
	if (n <= 0)
		return rseqkit_fail(EINVAL, "rseq_get_max_nr_cpus: cannot read the possible CPUs");
	__atomic_store_n(&max_nr_cpus_cache, n, __ATOMIC_RELAXED);
	return n;
}
