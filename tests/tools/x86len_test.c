/* SPDX-License-Identifier: MIT */
/* x86len_test.c - reads lines of hex bytes (one instruction each, as a
 * disassembler printed them) and prints "OK" or the first mismatch of the
 * rseq-check instruction-length decoder. Exit 0 when all lengths agree. */
#include "arch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	char line[512];
	unsigned long n = 0, bad = 0;

	while (fgets(line, sizeof(line), stdin)) {
		uint8_t b[32];
		size_t len = 0;
		char *p = line, *end;
		while (len < sizeof(b)) {
			unsigned long v = strtoul(p, &end, 16);
			if (end == p)
				break;
			b[len++] = (uint8_t)v;
			p = end;
		}
		if (!len)
			continue;
		/* pad with bytes of a following instruction the decoder
		 * must not take */
		uint8_t buf[48];
		memcpy(buf, b, len);
		memset(buf + len, 0x90, sizeof(buf) - len);
		int got = x86_insn_len(buf, sizeof(buf));
		n++;
		if (got != (int)len) {
			if (bad++ < 10)
				printf("MISMATCH: %s -> %d, expected %zu\n",
				       strtok(line, "\n"), got, len);
		}
	}
	printf("%lu instructions, %lu mismatches\n", n, bad);
	return bad != 0 || n == 0;
}
