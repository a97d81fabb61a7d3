/* SPDX-License-Identifier: MIT */
/*
 * malloc/util.c - mappings and allocation-free formatting (stdio may
 * allocate: the allocator writes its messages with write(2)).
 */
#include <errno.h>
#include <unistd.h>
#include <sys/mman.h>
#include "mlc.h"

void *mlc_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

void mlc_unmap(void *p, size_t len)
{
	int e = errno;

	(void)munmap(p, len);
	errno = e;
}

void mlc_put_str(char *buf, size_t len, size_t *pos, const char *s)
{
	while (*s && *pos + 1 < len)
		buf[(*pos)++] = *s++;
	buf[*pos < len ? *pos : len - 1] = '\0';
}

void mlc_put_num(char *buf, size_t len, size_t *pos, uint64_t v)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && *pos + 1 < len)
		buf[(*pos)++] = tmp[--n];
	buf[*pos < len ? *pos : len - 1] = '\0';
}

void mlc_put_hex(char *buf, size_t len, size_t *pos, uintptr_t v)
{
	char tmp[2 + 2 * sizeof(uintptr_t)];
	size_t n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	mlc_put_str(buf, len, pos, "0x");
	while (n && *pos + 1 < len)
		buf[(*pos)++] = tmp[--n];
	buf[*pos < len ? *pos : len - 1] = '\0';
}

void mlc_write_all(int fd, const char *buf, size_t len)
{
	int e = errno;

	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		buf += w;
		len -= (size_t)w;
	}
	errno = e;
}
