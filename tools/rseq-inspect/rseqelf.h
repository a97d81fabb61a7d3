/* SPDX-License-Identifier: MIT */
/*
 * rseqelf.h - read the rseq critical-section tables of an ELF file.
 *
 * A bounds-checked reader for the sections __rseq_cs, __rseq_cs_ptr_array
 * and __rseq_exit_point_array of an ELF32/ELF64 file of either byte order.
 * Dynamic relocations (RELA, REL, RELR) and, in relocatable objects, the
 * section relocations are applied with a load base of 0, so every address
 * reported is a link-time address. Nothing here trusts the input: every
 * offset and count is checked against the buffer, and malformed input ends
 * in ri->error, never in a crash. Shared by rseq-inspect, rseq-check and the
 * fuzz driver; not a public API.
 */
#ifndef RSEQKIT_TOOLS_RSEQELF_H
#define RSEQKIT_TOOLS_RSEQELF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum rf_status { RF_OK = 0, RF_UNREADABLE, RF_UNRESOLVED };

struct rcs {
	uint64_t desc;			/* descriptor address */
	size_t exit0, nexit;		/* its exits: exit_order[exit0 .. +nexit) */
	size_t issue0, nissue;		/* its issues: issue_order[issue0 .. +nissue) */
	uint32_t version, flags;
	uint64_t start, pco, abort;	/* start_ip, post_commit_offset, abort_ip */
	int start_st, abort_st;		/* enum rf_status of the two pointers */
	int desc_ok;			/* the 32 bytes were readable */
	int referenced;			/* listed in __rseq_cs_ptr_array */
	int sig_read;			/* the 4 bytes before abort were readable */
	uint8_t sig[4];
	int sig_ok;			/* matches the architecture's signature */
	unsigned ndefects, nwarnings;
};

struct rexit {
	uint64_t start, exit;
	long cs;			/* index into cs[], -1 when unknown */
};

enum { RI_DEFECT = 1, RI_WARNING = 2 };

struct rissue {
	int kind;			/* RI_DEFECT or RI_WARNING */
	long cs;			/* index of the critical section, -1 for the file */
	char msg[200];
};

struct rsym {
	uint64_t value, size;
	const char *name;		/* points into the buffer, NUL-terminated */
	int func;
	uint64_t shndx;
};

struct rsec {
	const char *name;
	uint32_t type;
	uint64_t flags, addr, off, size, entsize, link, info, align;
};

struct rregion { uint64_t lo, hi; };	/* [lo, hi) */

/* A PT_LOAD segment. */
struct rseg { uint64_t off, vaddr, filesz; uint32_t flags; };

struct rinspect {
	/* input */
	const uint8_t *buf;
	size_t len;
	/* file description */
	int c64, big;
	uint16_t type, machine;
	uint32_t eflags;
	/* results */
	struct rcs *cs;
	size_t ncs;
	struct rexit *exits;
	size_t nexits;
	struct rissue *issues;
	size_t nissues;
	size_t *exit_order;		/* exit indices grouped by section */
	size_t *issue_order;		/* issue indices grouped by section */
	size_t file_issues;		/* issue_order[0 .. file_issues): the file's */
	unsigned ndefects, nwarnings;
	int have_symtab;		/* .symtab present (not stripped) */
	char error[200];		/* non-empty: the file could not be read */
	/* internals */
	struct rsec *sec;
	size_t nsec;
	uint64_t *secaddr;		/* addresses (synthetic for ET_REL) */
	size_t *asec;			/* allocated sections with contents, by address */
	size_t nasec;
	struct rseg *seg;		/* PT_LOAD segments, by address (one walk) */
	size_t nseg;
	struct rregion *exec;		/* executable regions, by address */
	size_t nexec;
	struct rsym *syms;
	size_t nsyms;
	struct rrel *rel;
	size_t nrel;
	size_t cap_issues, cap_cs, cap_rel;
	size_t sec_cs, sec_ptr, sec_exit;	/* indices, 0 = absent */
};

/* Parse buf[0..len). Returns 0 when the file could be read (defects may be
 * present: see ndefects), -1 with ri->error set otherwise. The buffer must
 * outlive ri (symbol names point into it). */
int rinspect_buffer(struct rinspect *ri, const uint8_t *buf, size_t len);
void rinspect_free(struct rinspect *ri);

/* Reads n bytes of the file image at a link-time address (no relocation).
 * Returns 0 or -1 when not entirely backed by file bytes. */
int rinspect_read(const struct rinspect *ri, uint64_t addr, void *dst, size_t n);

/* "name+0x10" for addr (empty string when no symbol covers it). */
const char *rinspect_symbolize(const struct rinspect *ri, uint64_t addr,
			       char *out, size_t outlen);

/* True when [addr, addr+n) lies in one executable region. */
int rinspect_in_exec(const struct rinspect *ri, uint64_t addr, uint64_t n);

/* Load bias of a mapping of this file at map_start from file offset
 * file_off (as /proc/PID/maps shows it): runtime = link-time + bias.
 * Returns 0, or -1 when no PT_LOAD segment covers file_off. */
int rinspect_load_bias(const struct rinspect *ri, uint64_t file_off,
		       uint64_t map_start, uint64_t *bias);

const char *rinspect_machine_name(uint16_t machine);
/* Expected signature bytes for the file's architecture; 0 if unknown. */
int rinspect_signature(const struct rinspect *ri, uint8_t out[4]);

void rinspect_print_text(FILE *f, const char *name, const struct rinspect *ri,
			 int verbose);
void rinspect_print_json(FILE *f, const char *name, const struct rinspect *ri);

#endif
