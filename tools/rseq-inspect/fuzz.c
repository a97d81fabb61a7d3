/* SPDX-License-Identifier: MIT */
/*
 * fuzz.c - libFuzzer entry point for the rseq-inspect ELF parser.
 * Built with clang -fsanitize=fuzzer,address by `make fuzz-inspect`, and
 * with tests/tools/fuzz_replay.c (plain gcc) to replay the corpus in
 * `make check`.
 */
#include "rseqelf.h"

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct rinspect ri;
	char sym[64];
	uint8_t b[16];

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (rinspect_buffer(&ri, data, size) == 0) {
		for (size_t i = 0; i < ri.ncs; i++) {
			rinspect_symbolize(&ri, ri.cs[i].start, sym, sizeof(sym));
			rinspect_read(&ri, ri.cs[i].start, b, sizeof(b));
			rinspect_in_exec(&ri, ri.cs[i].start, ri.cs[i].pco);
		}
	}
	if (sink) {
		rinspect_print_text(sink, "fuzz", &ri, 1);
		rinspect_print_json(sink, "fuzz", &ri);
	}
	rinspect_free(&ri);
	return 0;
}
