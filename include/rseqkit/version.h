/* SPDX-License-Identifier: MIT */
/*
 * rseqkit/version.h - the release these headers belong to, and how
 * rseqkit's exported symbols are spelled (docs/surface.md).
 */
#ifndef RSEQKIT_VERSION_H
#define RSEQKIT_VERSION_H

#define RSEQKIT_VERSION_MAJOR	0
#define RSEQKIT_VERSION_MINOR	2
#define RSEQKIT_VERSION_PATCH	0
#define RSEQKIT_VERSION_STRING	"0.2.0"
#define RSEQKIT_VERSION_NUMBER						\
	((RSEQKIT_VERSION_MAJOR << 16) | (RSEQKIT_VERSION_MINOR << 8) |	\
	 RSEQKIT_VERSION_PATCH)

/*
 * Public functions and variables are written rseq_<name> in source and
 * exported as rseqkit_<name>: the label below goes on every public
 * declaration, so that rseqkit and another library exporting the same
 * rseq_* names (librseq) can live in one process.
 */
#define RSEQKIT_SYM(name)	__asm__("rseqkit_" #name)

#ifdef __cplusplus
extern "C" {
#endif

/* The loaded library's version, as RSEQKIT_VERSION_STRING / _NUMBER. */
const char *rseq_version_string(void) RSEQKIT_SYM(version_string);
unsigned int rseq_version_number(void) RSEQKIT_SYM(version_number);

#ifdef __cplusplus
}
#endif

#endif /* RSEQKIT_VERSION_H */
