/* SPDX-License-Identifier: MIT */
/*
 * output.c - text and JSON reports of rseq-inspect.
 */
#include "rseqelf.h"

#include <elf.h>
#include <string.h>

static const char *type_name(const struct rinspect *ri)
{
	switch (ri->type) {
	case ET_REL: return "relocatable object";
	case ET_EXEC: return "executable";
	case ET_DYN: return "shared object or PIE";
	case ET_CORE: return "core file";
	default: return "unknown type";
	}
}

/* Printable copy: control and non-ASCII bytes become '?'. */
static const char *clean(const char *s, char *out, size_t n)
{
	size_t i = 0;
	for (; s[i] && i + 1 < n; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	out[i] = 0;
	return out;
}

static void sym_text(FILE *f, const struct rinspect *ri, uint64_t a)
{
	char sym[256], c[256];
	rinspect_symbolize(ri, a, sym, sizeof(sym));
	if (sym[0])
		fprintf(f, " <%s>", clean(sym, c, sizeof(c)));
}

/* The issues of section cs (-1: of the file), in the order found. */
static void issue_range(const struct rinspect *ri, long cs, size_t *first,
			size_t *count)
{
	if (!ri->issue_order) {
		*first = *count = 0;
	} else if (cs < 0) {
		*first = 0;
		*count = ri->file_issues;
	} else {
		*first = ri->cs[cs].issue0;
		*count = ri->cs[cs].nissue;
	}
}

static void issues_text(FILE *f, const struct rinspect *ri, long cs,
			const char *indent)
{
	size_t first, count;

	issue_range(ri, cs, &first, &count);
	for (size_t k = first; k < first + count; k++) {
		const struct rissue *is = &ri->issues[ri->issue_order[k]];
		fprintf(f, "%s%s: %s\n", indent,
			is->kind == RI_DEFECT ? "DEFECT" : "warning", is->msg);
	}
}

/* Exit k (0 .. cs->nexit-1) of section cs. */
static const struct rexit *exit_of(const struct rinspect *ri, const struct rcs *cs,
				   size_t k)
{
	return &ri->exits[ri->exit_order[cs->exit0 + k]];
}

void rinspect_print_text(FILE *f, const char *name, const struct rinspect *ri,
			 int verbose)
{
	char c[512];

	clean(name, c, sizeof(c));
	if (ri->error[0]) {
		fprintf(f, "%s: error: %s\n", c, ri->error);
		return;
	}
	fprintf(f, "%s: ELF%d %s-endian %s %s%s: %zu critical section%s, "
		"%zu exit point%s\n", c, ri->c64 ? 64 : 32,
		ri->big ? "big" : "little", rinspect_machine_name(ri->machine),
		type_name(ri), ri->have_symtab ? "" : " (no .symtab)",
		ri->ncs, ri->ncs == 1 ? "" : "s",
		ri->nexits, ri->nexits == 1 ? "" : "s");
	issues_text(f, ri, -1, "  ");
	for (size_t i = 0; i < ri->ncs; i++) {
		const struct rcs *cs = &ri->cs[i];
		if (!verbose && !cs->ndefects && !cs->nwarnings && verbose < 0)
			continue;
		fprintf(f, "  cs[%zu] descriptor 0x%llx", i,
			(unsigned long long)cs->desc);
		sym_text(f, ri, cs->desc);
		if (!cs->desc_ok) {
			fputc('\n', f);
			issues_text(f, ri, (long)i, "    ");
			continue;
		}
		fprintf(f, ": version %u, flags 0x%x\n", cs->version, cs->flags);
		fprintf(f, "    start        0x%llx", (unsigned long long)cs->start);
		sym_text(f, ri, cs->start);
		fprintf(f, "\n    post-commit  0x%llx",
			(unsigned long long)(cs->start + cs->pco));
		sym_text(f, ri, cs->start + cs->pco);
		fprintf(f, " (offset %llu)\n", (unsigned long long)cs->pco);
		fprintf(f, "    abort        0x%llx", (unsigned long long)cs->abort);
		sym_text(f, ri, cs->abort);
		fputc('\n', f);
		if (cs->sig_read)
			fprintf(f, "    signature    %02x %02x %02x %02x (%s)\n",
				cs->sig[0], cs->sig[1], cs->sig[2], cs->sig[3],
				cs->sig_ok ? "ok" : "MISMATCH");
		for (size_t e = 0; ri->exit_order && e < cs->nexit; e++) {
			fprintf(f, "    exit         0x%llx",
				(unsigned long long)exit_of(ri, cs, e)->exit);
			sym_text(f, ri, exit_of(ri, cs, e)->exit);
			fputc('\n', f);
		}
		issues_text(f, ri, (long)i, "    ");
	}
	fprintf(f, "  %u defect%s, %u warning%s\n", ri->ndefects,
		ri->ndefects == 1 ? "" : "s", ri->nwarnings,
		ri->nwarnings == 1 ? "" : "s");
}

/* ---- JSON ----------------------------------------------------------- */

static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void jaddr(FILE *f, const struct rinspect *ri, const char *key,
		  uint64_t a)
{
	char sym[256];
	fprintf(f, "\"%s\": %llu, \"%s_hex\": \"0x%llx\", \"%s_sym\": ", key,
		(unsigned long long)a, key, (unsigned long long)a, key);
	jstr(f, rinspect_symbolize(ri, a, sym, sizeof(sym)));
}

static void jissues(FILE *f, const struct rinspect *ri, long cs)
{
	int first = 1;
	size_t i0, count;

	issue_range(ri, cs, &i0, &count);
	fprintf(f, "\"defects\": [");
	for (int pass = 0; pass < 2; pass++) {
		if (pass) {
			fprintf(f, "], \"warnings\": [");
			first = 1;
		}
		for (size_t k = i0; k < i0 + count; k++) {
			const struct rissue *is = &ri->issues[ri->issue_order[k]];
			if (is->kind != (pass ? RI_WARNING : RI_DEFECT))
				continue;
			if (!first)
				fputs(", ", f);
			first = 0;
			jstr(f, is->msg);
		}
	}
	fputc(']', f);
}

void rinspect_print_json(FILE *f, const char *name, const struct rinspect *ri)
{
	fputs("{\"file\": ", f);
	jstr(f, name);
	if (ri->error[0]) {
		fputs(", \"error\": ", f);
		jstr(f, ri->error);
		fputs("}", f);
		return;
	}
	fprintf(f, ", \"class\": %d, \"endian\": \"%s\", \"machine\": \"%s\", "
		"\"e_machine\": %u, \"e_type\": %u, \"symtab\": %s, "
		"\"defect_count\": %u, \"warning_count\": %u, ",
		ri->c64 ? 64 : 32, ri->big ? "big" : "little",
		rinspect_machine_name(ri->machine), ri->machine, ri->type,
		ri->have_symtab ? "true" : "false", ri->ndefects, ri->nwarnings);
	jissues(f, ri, -1);
	fputs(", \"critical_sections\": [", f);
	for (size_t i = 0; i < ri->ncs; i++) {
		const struct rcs *cs = &ri->cs[i];
		fprintf(f, "%s\n  {\"index\": %zu, ", i ? "," : "", i);
		jaddr(f, ri, "descriptor", cs->desc);
		fprintf(f, ", \"readable\": %s, \"referenced\": %s",
			cs->desc_ok ? "true" : "false",
			cs->referenced ? "true" : "false");
		if (cs->desc_ok) {
			fprintf(f, ", \"version\": %u, \"flags\": %u, ",
				cs->version, cs->flags);
			jaddr(f, ri, "start_ip", cs->start);
			fprintf(f, ", \"post_commit_offset\": %llu, ",
				(unsigned long long)cs->pco);
			jaddr(f, ri, "post_commit_ip", cs->start + cs->pco);
			fputs(", ", f);
			jaddr(f, ri, "abort_ip", cs->abort);
			if (cs->sig_read)
				fprintf(f, ", \"signature\": \"%02x%02x%02x%02x\", "
					"\"signature_ok\": %s", cs->sig[0],
					cs->sig[1], cs->sig[2], cs->sig[3],
					cs->sig_ok ? "true" : "false");
		}
		fputs(", \"exit_points\": [", f);
		for (size_t e = 0; ri->exit_order && e < cs->nexit; e++) {
			fprintf(f, "%s{", e ? ", " : "");
			jaddr(f, ri, "exit_ip", exit_of(ri, cs, e)->exit);
			fputc('}', f);
		}
		fputs("], ", f);
		jissues(f, ri, (long)i);
		fputc('}', f);
	}
	fputs("],\n \"exit_points\": [", f);
	for (size_t e = 0; e < ri->nexits; e++) {
		fprintf(f, "%s{\"start_ip\": %llu, \"exit_ip\": %llu, \"cs\": %ld}",
			e ? ", " : "", (unsigned long long)ri->exits[e].start,
			(unsigned long long)ri->exits[e].exit, ri->exits[e].cs);
	}
	fputs("]}", f);
}
