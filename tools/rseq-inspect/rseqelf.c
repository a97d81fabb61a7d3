/* SPDX-License-Identifier: MIT */
/*
 * rseqelf.c - bounds-checked reader of the rseq tables of an ELF file.
 * See rseqelf.h. Written against the ELF gABI; <elf.h> supplies constants.
 */
#include "rseqelf.h"

#include <elf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif
#ifndef SHT_RELR
#define SHT_RELR 19
#endif
#ifndef EF_ARM_BE8
#define EF_ARM_BE8 0x00800000
#endif

/* Limits that keep hostile input from costing unbounded memory or time. */
#define MAX_CS		(1u << 20)
#define MAX_ISSUES	4096

enum { REL_OK, REL_UNRESOLVED };

struct rrel {
	uint64_t addr, value;
	int st;
};

/* ---- raw reads ------------------------------------------------------ */

static int in_buf(const struct rinspect *ri, uint64_t off, uint64_t n)
{
	return off <= ri->len && n <= ri->len - off;
}

static uint64_t get_un(const struct rinspect *ri, const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned idx = ri->big ? i : n - 1 - i;
		v = (v << 8) | p[idx];
	}
	return v;
}

/* Reads an n-byte integer at file offset off; 0 when out of bounds. */
static int rd(const struct rinspect *ri, uint64_t off, unsigned n, uint64_t *v)
{
	if (!in_buf(ri, off, n)) {
		*v = 0;
		return -1;
	}
	*v = get_un(ri, ri->buf + off, n);
	return 0;
}

static uint64_t r16(const struct rinspect *ri, uint64_t off)
{ uint64_t v; rd(ri, off, 2, &v); return v; }
static uint64_t r32(const struct rinspect *ri, uint64_t off)
{ uint64_t v; rd(ri, off, 4, &v); return v; }
static uint64_t raddr(const struct rinspect *ri, uint64_t off)
{ uint64_t v; rd(ri, off, ri->c64 ? 8 : 4, &v); return v; }

/* A NUL-terminated string at strtab offset, or NULL. */
static const char *str_at(const struct rinspect *ri, const struct rsec *strtab,
			  uint64_t idx)
{
	if (!strtab || strtab->type == SHT_NOBITS || idx >= strtab->size)
		return NULL;
	if (!in_buf(ri, strtab->off, strtab->size))
		return NULL;
	const char *s = (const char *)ri->buf + strtab->off + idx;
	size_t max = strtab->size - idx;
	if (!memchr(s, 0, max))
		return NULL;
	return s;
}

/* ---- growth --------------------------------------------------------- */

/* Makes room for 'need' elements in *p (capacity *cap), doubling: 0 when
 * memory ran out or the size would overflow. */
static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t nc;
	void *n;

	if (need <= *cap)
		return 1;
	nc = *cap ? *cap : 16;
	while (nc < need) {
		if (nc > SIZE_MAX / 2)
			return 0;
		nc *= 2;
	}
	if (nc > SIZE_MAX / elem)
		return 0;
	n = realloc(*p, nc * elem);
	if (!n)
		return 0;
	*p = n;
	*cap = nc;
	return 1;
}

/* ---- issues --------------------------------------------------------- */

__attribute__((format(printf, 4, 5)))
static void issue(struct rinspect *ri, int kind, long cs, const char *fmt, ...)
{
	va_list ap;

	if (kind == RI_DEFECT)
		ri->ndefects++;
	else
		ri->nwarnings++;
	if (cs >= 0) {
		if (kind == RI_DEFECT)
			ri->cs[cs].ndefects++;
		else
			ri->cs[cs].nwarnings++;
	}
	if (ri->nissues >= MAX_ISSUES)
		return;
	if (!grow((void **)&ri->issues, &ri->cap_issues, ri->nissues + 1,
		  sizeof(*ri->issues)))
		return;
	struct rissue *is = &ri->issues[ri->nissues++];
	is->kind = kind;
	is->cs = cs;
	va_start(ap, fmt);
	vsnprintf(is->msg, sizeof(is->msg), fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3)))
static int fail(struct rinspect *ri, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ri->error, sizeof(ri->error), fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- architecture --------------------------------------------------- */

const char *rinspect_machine_name(uint16_t m)
{
	switch (m) {
	case EM_X86_64: return "x86-64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_PPC64: return "ppc64";
	case EM_PPC: return "ppc";
	case EM_S390: return "s390";
	case EM_RISCV: return "riscv";
	case EM_MIPS: return "mips";
	case EM_LOONGARCH: return "loongarch";
	default: return "unknown";
	}
}

int rinspect_signature(const struct rinspect *ri, uint8_t out[4])
{
	uint32_t v;
	int code_le = 0;	/* the signature is an instruction in LE code */

	switch (ri->machine) {
	case EM_X86_64: case EM_386: v = 0x53053053; break;
	case EM_AARCH64: v = 0xd428bc00; code_le = 1; break;
	case EM_ARM:
		v = 0xe7f5def3;
		/* BE8 and little-endian: instructions little-endian;
		 * legacy BE32: big-endian like the data. */
		code_le = !ri->big || (ri->eflags & EF_ARM_BE8);
		break;
	case EM_PPC: case EM_PPC64: v = 0x0fe5000b; break;
	case EM_S390: v = 0xB2FF0FFF; break;
	case EM_RISCV: v = 0xf1401073; break;
	case EM_MIPS: v = 0x0350000d; break;
	case EM_LOONGARCH: v = 0x002a0010; break;
	default: return 0;
	}
	int big = code_le ? 0 : ri->big;
	for (int i = 0; i < 4; i++)
		out[i] = big ? (uint8_t)(v >> (24 - 8 * i)) : (uint8_t)(v >> (8 * i));
	return 1;
}

struct relkinds { uint32_t relative, abs, abs32, glob_dat; };

static struct relkinds relkinds(uint16_t m)
{
	struct relkinds k = { ~0u, ~0u, ~0u, ~0u };
	switch (m) {
	case EM_X86_64: k = (struct relkinds){ 8, 1, 10, 6 }; break;
	case EM_386: k = (struct relkinds){ 8, 1, 1, 6 }; break;
	case EM_AARCH64: k = (struct relkinds){ 1027, 257, 258, 1025 }; break;
	case EM_ARM: k = (struct relkinds){ 23, 2, 2, 21 }; break;
	case EM_PPC64: k = (struct relkinds){ 22, 38, 1, 20 }; break;
	case EM_PPC: k = (struct relkinds){ 22, 1, 1, 20 }; break;
	case EM_S390: k = (struct relkinds){ 12, 22, 4, 10 }; break;
	case EM_RISCV: k = (struct relkinds){ 3, 2, 1, ~0u }; break;
	case EM_MIPS: k = (struct relkinds){ 3, 18, 2, ~0u }; break;
	case EM_LOONGARCH: k = (struct relkinds){ 3, 2, 1, ~0u }; break;
	}
	return k;
}

/* ---- address space ------------------------------------------------- */

/*
 * Index of the last entry of a table sorted by 'key' whose key is <= addr,
 * or -1.  Overlapping entries (hostile files) are then looked at a few
 * steps back only: a lookup never costs more than a bounded scan.
 */
#define LOOKBACK 16
#define LAST_AT_OR_BELOW(tab, n, key, addr, out)			\
	do {								\
		size_t lo_ = 0, hi_ = (n);				\
		while (lo_ < hi_) {					\
			size_t mid_ = lo_ + (hi_ - lo_) / 2;		\
			if ((tab)[mid_] key <= (addr))			\
				lo_ = mid_ + 1;				\
			else						\
				hi_ = mid_;				\
		}							\
		(out) = (long)lo_ - 1;					\
	} while (0)

/* File offset of [addr, addr+n) in [va, va+size) at file offset off. */
static int in_range(const struct rinspect *ri, uint64_t addr, uint64_t n,
		    uint64_t va, uint64_t size, uint64_t off, uint64_t *fo)
{
	if (addr < va || addr - va > size || n > size - (addr - va))
		return 0;
	uint64_t o = off + (addr - va);
	if (o < off || !in_buf(ri, o, n))
		return 0;
	*fo = o;
	return 1;
}

/* File offset of [addr, addr+n); -1 when not entirely file-backed. */
static int addr_to_off(const struct rinspect *ri, uint64_t addr, uint64_t n,
		       uint64_t *off)
{
	long i;

	if (ri->type != ET_REL && ri->nseg) {
		/* program headers first: they describe what is loaded */
		LAST_AT_OR_BELOW(ri->seg, ri->nseg, .vaddr, addr, i);
		for (long k = 0; i >= 0 && k < LOOKBACK; i--, k++) {
			const struct rseg *g = &ri->seg[i];
			if (in_range(ri, addr, n, g->vaddr, g->filesz, g->off, off))
				return 0;
		}
	}
	size_t lo = 0, hi = ri->nasec;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ri->secaddr[ri->asec[mid]] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (long k = 0, j = (long)lo - 1; j >= 0 && k < LOOKBACK; j--, k++) {
		const struct rsec *s = &ri->sec[ri->asec[j]];
		if (in_range(ri, addr, n, ri->secaddr[ri->asec[j]], s->size, s->off, off))
			return 0;
	}
	return -1;
}

int rinspect_read(const struct rinspect *ri, uint64_t addr, void *dst, size_t n)
{
	uint64_t off;
	if (addr_to_off(ri, addr, n, &off))
		return -1;
	memcpy(dst, ri->buf + off, n);
	return 0;
}

int rinspect_in_exec(const struct rinspect *ri, uint64_t addr, uint64_t n)
{
	long i;

	LAST_AT_OR_BELOW(ri->exec, ri->nexec, .lo, addr, i);
	for (long k = 0; i >= 0 && k < LOOKBACK; i--, k++) {
		const struct rregion *r = &ri->exec[i];
		if (addr < r->hi && n <= r->hi - addr)
			return 1;
	}
	return 0;
}

static int region_cmp(const void *a, const void *b)
{
	const struct rregion *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

static void add_exec(struct rinspect *ri, size_t *cap, uint64_t lo, uint64_t size)
{
	if (!size || lo + size < lo)
		return;
	if (!grow((void **)&ri->exec, cap, ri->nexec + 1, sizeof(*ri->exec)))
		return;
	ri->exec[ri->nexec++] = (struct rregion){ lo, lo + size };
}

static int seg_cmp(const void *a, const void *b)
{
	const struct rseg *x = a, *y = b;
	if (x->vaddr != y->vaddr)
		return x->vaddr < y->vaddr ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The one walk of the program headers: the PT_LOAD segments, by address. */
static void read_segments(struct rinspect *ri)
{
	uint64_t phoff = raddr(ri, ri->c64 ? 32 : 28);
	uint64_t phent = r16(ri, ri->c64 ? 54 : 42);
	uint64_t phnum = r16(ri, ri->c64 ? 56 : 44);
	uint64_t need = ri->c64 ? 56 : 32;

	if (ri->type == ET_REL || !phoff || !phnum || phent < need ||
	    phnum > ri->len / phent || !in_buf(ri, phoff, phent * phnum))
		return;
	ri->seg = calloc(phnum, sizeof(*ri->seg));
	if (!ri->seg)
		return;
	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t p = phoff + i * phent;
		struct rseg *g = &ri->seg[ri->nseg];
		if (r32(ri, p) != PT_LOAD)
			continue;
		if (ri->c64) {
			g->flags = (uint32_t)r32(ri, p + 4);
			g->off = raddr(ri, p + 8);
			g->vaddr = raddr(ri, p + 16);
			g->filesz = raddr(ri, p + 32);
		} else {
			g->off = raddr(ri, p + 4);
			g->vaddr = raddr(ri, p + 8);
			g->filesz = raddr(ri, p + 16);
			g->flags = (uint32_t)r32(ri, p + 24);
		}
		ri->nseg++;
	}
	qsort(ri->seg, ri->nseg, sizeof(*ri->seg), seg_cmp);
}

static int asec_cmp_ri(const struct rinspect *ri, size_t a, size_t b)
{
	uint64_t x = ri->secaddr[a], y = ri->secaddr[b];
	if (x != y)
		return x < y ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* Heap sort of ri->asec[0..n) by address (qsort has no context argument
 * in C): sift element r down in a heap of n. */
static void sift_down(struct rinspect *ri, size_t r, size_t n)
{
	for (size_t c; (c = 2 * r + 1) < n; r = c) {
		if (c + 1 < n && asec_cmp_ri(ri, ri->asec[c], ri->asec[c + 1]) < 0)
			c++;
		if (asec_cmp_ri(ri, ri->asec[r], ri->asec[c]) >= 0)
			break;
		size_t t = ri->asec[r];
		ri->asec[r] = ri->asec[c];
		ri->asec[c] = t;
	}
}

/* Allocated sections with contents, by address. */
static void index_sections(struct rinspect *ri)
{
	size_t n = 0;

	ri->asec = calloc(ri->nsec ? ri->nsec : 1, sizeof(*ri->asec));
	if (!ri->asec)
		return;
	for (size_t i = 1; i < ri->nsec; i++)
		if ((ri->sec[i].flags & SHF_ALLOC) && ri->sec[i].type != SHT_NOBITS)
			ri->asec[n++] = i;
	for (size_t k = n / 2; k-- > 0;)
		sift_down(ri, k, n);
	for (size_t end = n; end-- > 1;) {
		size_t t = ri->asec[0];
		ri->asec[0] = ri->asec[end];
		ri->asec[end] = t;
		sift_down(ri, 0, end);
	}
	ri->nasec = n;
}

/* Executable regions: the PF_X segments, or the SHF_EXECINSTR sections. */
static void collect_exec(struct rinspect *ri)
{
	size_t cap = 0;

	for (size_t i = 0; i < ri->nseg; i++)
		if (ri->seg[i].flags & PF_X)
			add_exec(ri, &cap, ri->seg[i].vaddr, ri->seg[i].filesz);
	if (!ri->nexec) {
		for (size_t i = 1; i < ri->nsec; i++) {
			const struct rsec *s = &ri->sec[i];
			if ((s->flags & (SHF_ALLOC | SHF_EXECINSTR)) ==
			    (SHF_ALLOC | SHF_EXECINSTR))
				add_exec(ri, &cap, ri->secaddr[i], s->size);
		}
	}
	if (ri->nexec)
		qsort(ri->exec, ri->nexec, sizeof(*ri->exec), region_cmp);
}

/* ---- headers -------------------------------------------------------- */

static int parse_header(struct rinspect *ri)
{
	const uint8_t *b = ri->buf;

	if (ri->len < EI_NIDENT || memcmp(b, ELFMAG, SELFMAG))
		return fail(ri, "not an ELF file");
	if (b[EI_CLASS] != ELFCLASS32 && b[EI_CLASS] != ELFCLASS64)
		return fail(ri, "unknown ELF class %u", b[EI_CLASS]);
	if (b[EI_DATA] != ELFDATA2LSB && b[EI_DATA] != ELFDATA2MSB)
		return fail(ri, "unknown ELF byte order %u", b[EI_DATA]);
	ri->c64 = b[EI_CLASS] == ELFCLASS64;
	ri->big = b[EI_DATA] == ELFDATA2MSB;
	if (ri->len < (ri->c64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return fail(ri, "truncated ELF header");
	ri->type = (uint16_t)r16(ri, 16);
	ri->machine = (uint16_t)r16(ri, 18);
	ri->eflags = (uint32_t)r32(ri, ri->c64 ? 48 : 36);
	return 0;
}

static int parse_sections(struct rinspect *ri)
{
	uint64_t shoff = raddr(ri, ri->c64 ? 40 : 32);
	uint64_t shent = r16(ri, ri->c64 ? 58 : 46);
	uint64_t shnum = r16(ri, ri->c64 ? 60 : 48);
	uint64_t shstrndx = r16(ri, ri->c64 ? 62 : 50);
	uint64_t need = ri->c64 ? 64 : 40;

	if (!shoff)
		return fail(ri, "no section header table (cannot locate __rseq_cs)");
	if (shent < need)
		return fail(ri, "bad section header entry size %llu",
			    (unsigned long long)shent);
	if (!in_buf(ri, shoff, shent))
		return fail(ri, "section header table outside the file");
	/* Extended numbering: counts live in section 0. */
	if (shnum == 0)
		shnum = ri->c64 ? raddr(ri, shoff + 32) : raddr(ri, shoff + 20);
	if (shstrndx == SHN_XINDEX)
		shstrndx = r32(ri, shoff + (ri->c64 ? 40 : 24));
	if (shnum == 0 || shnum > ri->len / shent ||
	    !in_buf(ri, shoff, shnum * shent))
		return fail(ri, "section header table outside the file");

	ri->sec = calloc(shnum, sizeof(*ri->sec));
	ri->secaddr = calloc(shnum, sizeof(*ri->secaddr));
	if (!ri->sec || !ri->secaddr)
		return fail(ri, "out of memory");
	ri->nsec = shnum;
	for (uint64_t i = 0; i < shnum; i++) {
		uint64_t p = shoff + i * shent;
		struct rsec *s = &ri->sec[i];
		s->type = (uint32_t)r32(ri, p + 4);
		if (ri->c64) {
			s->flags = raddr(ri, p + 8);
			s->addr = raddr(ri, p + 16);
			s->off = raddr(ri, p + 24);
			s->size = raddr(ri, p + 32);
			s->link = r32(ri, p + 40);
			s->info = r32(ri, p + 44);
			s->align = raddr(ri, p + 48);
			s->entsize = raddr(ri, p + 56);
		} else {
			s->flags = r32(ri, p + 8);
			s->addr = r32(ri, p + 12);
			s->off = r32(ri, p + 16);
			s->size = r32(ri, p + 20);
			s->link = r32(ri, p + 24);
			s->info = r32(ri, p + 28);
			s->align = r32(ri, p + 32);
			s->entsize = r32(ri, p + 36);
		}
		/* A section whose bytes are not in the file has no contents. */
		if (s->type != SHT_NOBITS && !in_buf(ri, s->off, s->size))
			s->type = SHT_NOBITS;
	}
	const struct rsec *shstr = shstrndx < shnum ? &ri->sec[shstrndx] : NULL;
	uint64_t cursor = 0x1000;
	for (uint64_t i = 0; i < shnum; i++) {
		struct rsec *s = &ri->sec[i];
		uint64_t p = shoff + i * shent;
		s->name = str_at(ri, shstr, r32(ri, p));
		if (!s->name)
			s->name = "";
		if (ri->type == ET_REL) {
			/* Lay allocated sections out at synthetic addresses. */
			if (i && (s->flags & SHF_ALLOC)) {
				uint64_t al = s->align > 1 && s->align < 0x10000 ?
					s->align : 1;
				cursor = (cursor + al - 1) / al * al;
				ri->secaddr[i] = cursor;
				if (s->size < (1ull << 40))
					cursor += s->size;
				cursor = (cursor + 15) & ~15ull;
			}
		} else {
			ri->secaddr[i] = s->addr;
		}
		if (!strcmp(s->name, "__rseq_cs") && !ri->sec_cs)
			ri->sec_cs = i;
		else if (!strcmp(s->name, "__rseq_cs_ptr_array") && !ri->sec_ptr)
			ri->sec_ptr = i;
		else if (!strcmp(s->name, "__rseq_exit_point_array") && !ri->sec_exit)
			ri->sec_exit = i;
		if (s->type == SHT_SYMTAB)
			ri->have_symtab = 1;
	}
	return 0;
}

/* ---- symbols ------------------------------------------------------- */

static int sym_cmp(const void *a, const void *b)
{
	const struct rsym *x = a, *y = b;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return y->func - x->func;	/* functions first */
}

/* Reads symbol i of table s: returns 0 and fills the fields. */
static int read_sym(const struct rinspect *ri, const struct rsec *s, uint64_t i,
		    uint64_t *name, uint64_t *value, uint64_t *size,
		    unsigned *info, uint64_t *shndx)
{
	uint64_t ent = ri->c64 ? 24 : 16;
	if (i >= s->size / ent)
		return -1;
	uint64_t p = s->off + i * ent;
	if (!in_buf(ri, p, ent))
		return -1;
	*name = r32(ri, p);
	if (ri->c64) {
		*info = ri->buf[p + 4];
		*shndx = r16(ri, p + 6);
		*value = raddr(ri, p + 8);
		*size = raddr(ri, p + 16);
	} else {
		*value = r32(ri, p + 4);
		*size = r32(ri, p + 8);
		*info = ri->buf[p + 12];
		*shndx = r16(ri, p + 14);
	}
	return 0;
}

/* Link-time address of a symbol; -1 when undefined. */
static int sym_addr(const struct rinspect *ri, uint64_t value, uint64_t shndx,
		    uint64_t *out)
{
	if (shndx == SHN_UNDEF)
		return -1;
	if (shndx == SHN_ABS || shndx >= SHN_LORESERVE) {
		*out = value;
		return shndx == SHN_ABS ? 0 : -1;
	}
	if (ri->type == ET_REL) {
		if (shndx >= ri->nsec)
			return -1;
		*out = ri->secaddr[shndx] + value;
	} else {
		*out = value;
	}
	return 0;
}

static void load_symbols(struct rinspect *ri)
{
	size_t cap = 0;

	for (size_t t = 1; t < ri->nsec; t++) {
		const struct rsec *s = &ri->sec[t];
		if (s->type != SHT_SYMTAB && s->type != SHT_DYNSYM)
			continue;
		const struct rsec *strtab = s->link < ri->nsec ? &ri->sec[s->link] : NULL;
		uint64_t n = s->size / (ri->c64 ? 24 : 16);
		for (uint64_t i = 1; i < n; i++) {
			uint64_t nm, v, sz, shndx;
			unsigned info;
			if (read_sym(ri, s, i, &nm, &v, &sz, &info, &shndx))
				break;
			unsigned st = info & 0xf;
			if (st != STT_FUNC && st != STT_NOTYPE && st != STT_OBJECT &&
			    st != STT_GNU_IFUNC)
				continue;
			if (shndx == SHN_UNDEF || shndx == SHN_ABS)
				continue;
			const char *name = str_at(ri, strtab, nm);
			if (!name || !*name || !strncmp(name, ".L", 2) ||
			    (name[0] == '$' && (!name[1] || name[2] == 0 || name[2] == '.')))
				continue;
			uint64_t a;
			if (sym_addr(ri, v, shndx, &a))
				continue;
			if (ri->nsyms == cap) {
				size_t nc = cap ? cap * 2 : 256;
				struct rsym *ns = realloc(ri->syms, nc * sizeof(*ns));
				if (!ns)
					return;
				ri->syms = ns;
				cap = nc;
			}
			ri->syms[ri->nsyms++] = (struct rsym){
				a, sz, name, st == STT_FUNC || st == STT_GNU_IFUNC, shndx };
		}
	}
	if (ri->nsyms)
		qsort(ri->syms, ri->nsyms, sizeof(*ri->syms), sym_cmp);
}

const char *rinspect_symbolize(const struct rinspect *ri, uint64_t addr,
			       char *out, size_t outlen)
{
	size_t lo = 0, hi = ri->nsyms;

	if (!outlen)
		return out;
	out[0] = 0;
	while (lo < hi) {		/* first symbol with value > addr */
		size_t mid = lo + (hi - lo) / 2;
		if (ri->syms[mid].value <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return out;
	/* The nearest symbol at or below addr; prefer one whose size covers
	 * it, looking back a little for an enclosing function. */
	size_t best = lo - 1;
	const struct rsym *s = &ri->syms[best];
	if (s->size && addr - s->value >= s->size) {
		for (size_t k = best, steps = 0; k-- > 0 && steps < 64; steps++) {
			const struct rsym *c = &ri->syms[k];
			if (c->size && addr - c->value < c->size) {
				s = c;
				break;
			}
		}
	}
	/* With the first same-valued entry, functions sort first. */
	while (s > ri->syms && (s - 1)->value == s->value)
		s--;
	if (!(s->size && addr - s->value < s->size)) {
		/* Not covered: accept a size-less label of the same section. */
		if (s->size || s->shndx >= ri->nsec)
			return out;
		uint64_t a = ri->secaddr[s->shndx];
		if (addr < a || addr - a >= ri->sec[s->shndx].size)
			return out;
	}
	if (addr == s->value)
		snprintf(out, outlen, "%s", s->name);
	else
		snprintf(out, outlen, "%s+0x%llx", s->name,
			 (unsigned long long)(addr - s->value));
	return out;
}

/* ---- relocations ----------------------------------------------------- */

static int in_tables(const struct rinspect *ri, uint64_t addr)
{
	size_t ids[3] = { ri->sec_cs, ri->sec_ptr, ri->sec_exit };
	for (int i = 0; i < 3; i++) {
		if (!ids[i])
			continue;
		uint64_t a = ri->secaddr[ids[i]], sz = ri->sec[ids[i]].size;
		if (addr >= a && addr - a < sz)
			return 1;
	}
	return 0;
}

static void add_rel(struct rinspect *ri, uint64_t addr, uint64_t value, int st)
{
	if (!in_tables(ri, addr))
		return;
	if (!grow((void **)&ri->rel, &ri->cap_rel, ri->nrel + 1, sizeof(*ri->rel)))
		return;
	ri->rel[ri->nrel++] = (struct rrel){ addr, value, st };
}

static int rel_cmp(const void *a, const void *b)
{
	const struct rrel *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

/*
 * SHT_RELR: each even word an address, each odd word a bitmap of the words
 * following; the addend is in place, so at a load base of 0 the value is
 * the word itself.
 */
static void relr_section(struct rinspect *ri, const struct rsec *s)
{
	unsigned w = ri->c64 ? 8 : 4;
	uint64_t n = s->size / w, where = 0, fo;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t e = raddr(ri, s->off + i * w);
		if (!(e & 1)) {
			if (in_tables(ri, e) && !addr_to_off(ri, e, w, &fo))
				add_rel(ri, e, raddr(ri, fo), REL_OK);
			where = e + w;
			continue;
		}
		for (unsigned b = 1; b < w * 8; b++) {
			uint64_t a = where + (uint64_t)(b - 1) * w;
			if (((e >> b) & 1) && in_tables(ri, a) && !addr_to_off(ri, a, w, &fo))
				add_rel(ri, a, raddr(ri, fo), REL_OK);
		}
		where += (uint64_t)(w * 8 - 1) * w;
	}
}

/* r_info split into symbol and type (mips64 little-endian has its own). */
static void rel_info(const struct rinspect *ri, uint64_t info, uint64_t *sym,
		     uint64_t *type)
{
	if (!ri->c64) {
		*sym = info >> 8;
		*type = info & 0xff;
	} else if (ri->machine == EM_MIPS && !ri->big) {
		*sym = info & 0xffffffff;
		*type = info >> 56;
	} else if (ri->machine == EM_MIPS) {
		*sym = info >> 32;
		*type = info & 0xff;
	} else {
		*sym = info >> 32;
		*type = info & 0xffffffff;
	}
}

/* Applies one REL/RELA entry to the tables at a load base of 0. */
static void apply_rel(struct rinspect *ri, const struct relkinds *k,
		      const struct rsec *symtab, int rela, uint64_t addr,
		      uint64_t sym, uint64_t type, uint64_t raw_addend)
{
	unsigned w = ri->c64 ? 8 : 4, size = w;
	uint64_t fo, inplace = 0, nm, v, sz, shndx, a;
	unsigned sinfo;
	int64_t addend;

	if (type == k->abs32 && type != k->abs)
		size = 4;
	if (!addr_to_off(ri, addr, size, &fo))
		rd(ri, fo, size, &inplace);
	if (rela)
		addend = ri->c64 ? (int64_t)raw_addend : (int32_t)(uint32_t)raw_addend;
	else
		addend = size == 4 ? (int64_t)(int32_t)(uint32_t)inplace : (int64_t)inplace;
	if (type == k->relative && ri->type != ET_REL) {
		add_rel(ri, addr, (uint64_t)addend, REL_OK);	/* B + A, B = 0 */
		return;
	}
	if (!(type == k->abs || type == k->abs32 || type == k->glob_dat ||
	      (ri->machine == EM_MIPS && type == k->relative))) {
		add_rel(ri, addr, 0, REL_UNRESOLVED);
		return;
	}
	if (ri->machine == EM_MIPS && type == k->relative && sym == 0) {
		add_rel(ri, addr, (uint64_t)addend, REL_OK);
		return;
	}
	if (!symtab || read_sym(ri, symtab, sym, &nm, &v, &sz, &sinfo, &shndx) ||
	    sym_addr(ri, v, shndx, &a)) {
		add_rel(ri, addr, 0, REL_UNRESOLVED);
		return;
	}
	if (type == k->glob_dat)
		addend = 0;
	add_rel(ri, addr, a + (uint64_t)addend, REL_OK);
}

/* SHT_REL / SHT_RELA: the entries that land in the tables. */
static void rel_section(struct rinspect *ri, const struct rsec *s)
{
	struct relkinds k = relkinds(ri->machine);
	unsigned w = ri->c64 ? 8 : 4;
	int rela = s->type == SHT_RELA;
	uint64_t base = 0;

	if (ri->type == ET_REL) {
		if (s->info >= ri->nsec || !(ri->sec[s->info].flags & SHF_ALLOC))
			return;
		base = ri->secaddr[s->info];
	}
	const struct rsec *symtab = s->link && s->link < ri->nsec ? &ri->sec[s->link] : NULL;
	uint64_t ent = ri->c64 ? (rela ? 24 : 16) : (rela ? 12 : 8);
	uint64_t n = s->size / ent;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t p = s->off + i * ent, sym, type;
		uint64_t addr = base + raddr(ri, p);
		if (!in_tables(ri, addr))
			continue;
		rel_info(ri, raddr(ri, p + w), &sym, &type);
		apply_rel(ri, &k, symtab, rela, addr, sym, type,
			  rela ? raddr(ri, p + 2 * w) : 0);
	}
}

/* Every relocation that writes into the three tables, sorted by address. */
static void load_relocs(struct rinspect *ri)
{
	for (size_t t = 1; t < ri->nsec; t++) {
		const struct rsec *s = &ri->sec[t];
		if (s->type == SHT_RELR)
			relr_section(ri, s);
		else if (s->type == SHT_RELA || s->type == SHT_REL)
			rel_section(ri, s);
	}
	if (ri->nrel)
		qsort(ri->rel, ri->nrel, sizeof(*ri->rel), rel_cmp);
}

static const struct rrel *find_rel(const struct rinspect *ri, uint64_t addr)
{
	size_t lo = 0, hi = ri->nrel;
	const struct rrel *found = NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ri->rel[mid].addr < addr) {
			lo = mid + 1;
		} else {
			if (ri->rel[mid].addr == addr)
				found = &ri->rel[mid];
			hi = mid;
		}
	}
	/* with several at one address the last one listed wins */
	while (found && found + 1 < ri->rel + ri->nrel && found[1].addr == addr)
		found++;
	return found;
}

/* A u64 field of the tables at addr (pointer in the low word on 32-bit
 * targets), relocated. */
static int get_field(const struct rinspect *ri, uint64_t addr, uint64_t *val)
{
	uint64_t fo;
	const struct rrel *r;

	*val = 0;
	if (ri->c64) {
		if ((r = find_rel(ri, addr))) {
			*val = r->value;
			return r->st == REL_OK ? RF_OK : RF_UNRESOLVED;
		}
		if (addr_to_off(ri, addr, 8, &fo))
			return RF_UNREADABLE;
		rd(ri, fo, 8, val);
		return RF_OK;
	}
	uint64_t lo_a = addr + (ri->big ? 4 : 0), hi_a = addr + (ri->big ? 0 : 4);
	uint64_t lo = 0, hi = 0;
	int st = RF_OK;
	if (addr_to_off(ri, addr, 8, &fo))
		return RF_UNREADABLE;
	if ((r = find_rel(ri, lo_a))) {
		lo = r->value & 0xffffffff;
		if (r->st != REL_OK)
			st = RF_UNRESOLVED;
	} else {
		lo = r32(ri, fo + (lo_a - addr));
	}
	if ((r = find_rel(ri, hi_a)))
		hi = r->value & 0xffffffff;
	else
		hi = r32(ri, fo + (hi_a - addr));
	*val = hi << 32 | lo;
	return st;
}

/* ---- the tables ------------------------------------------------------ */

/*
 * An open-addressing hash table from a 64-bit address to an index: the
 * descriptors already listed (by address), the sections (by start_ip).
 * Sized for the table it indexes, so every lookup is O(1) on average.
 */
struct amap {
	uint64_t *key;
	long *val;
	size_t mask;
};

static int amap_init(struct amap *m, size_t n)
{
	size_t cap = 64;

	while (cap < 2 * n && cap < ((size_t)1 << 40))
		cap *= 2;
	m->key = calloc(cap, sizeof(*m->key));
	m->val = malloc(cap * sizeof(*m->val));
	m->mask = cap - 1;
	if (!m->key || !m->val) {
		free(m->key);
		free(m->val);
		m->key = NULL;
		m->val = NULL;
		return -1;
	}
	for (size_t i = 0; i < cap; i++)
		m->val[i] = -1;
	return 0;
}

static void amap_free(struct amap *m)
{
	free(m->key);
	free(m->val);
}

static size_t amap_slot(const struct amap *m, uint64_t k)
{
	uint64_t h = k * 0x9e3779b97f4a7c15ull;
	size_t i = (size_t)(h ^ (h >> 29)) & m->mask;

	while (m->val[i] >= 0 && m->key[i] != k)
		i = (i + 1) & m->mask;
	return i;
}

static long amap_get(const struct amap *m, uint64_t k)
{
	return m->key ? m->val[amap_slot(m, k)] : -1;
}

/* Inserts k -> v unless k is present; returns the value k maps to. */
static long amap_put(struct amap *m, uint64_t k, long v)
{
	size_t i = amap_slot(m, k);

	if (m->val[i] < 0) {
		m->key[i] = k;
		m->val[i] = v;
	}
	return m->val[i];
}

static long add_cs(struct rinspect *ri, uint64_t desc, int referenced)
{
	if (ri->ncs >= MAX_CS)
		return -1;
	if (!grow((void **)&ri->cs, &ri->cap_cs, ri->ncs + 1, sizeof(*ri->cs)))
		return -1;
	struct rcs *c = &ri->cs[ri->ncs];
	memset(c, 0, sizeof(*c));
	c->desc = desc;
	c->referenced = referenced;
	return (long)ri->ncs++;
}

static void read_cs(struct rinspect *ri, long idx)
{
	struct rcs *c = &ri->cs[idx];
	uint64_t fo;

	if (addr_to_off(ri, c->desc, 32, &fo)) {
		issue(ri, RI_DEFECT, idx, "descriptor at 0x%llx is not in the file",
		      (unsigned long long)c->desc);
		return;
	}
	c->desc_ok = 1;
	c->version = (uint32_t)r32(ri, fo);
	c->flags = (uint32_t)r32(ri, fo + 4);
	c->start_st = get_field(ri, c->desc + 8, &c->start);
	get_field(ri, c->desc + 16, &c->pco);
	c->abort_st = get_field(ri, c->desc + 24, &c->abort);
}

static void validate_cs(struct rinspect *ri, long idx)
{
	struct rcs *c = &ri->cs[idx];
	uint8_t want[4];

	if (!c->desc_ok)
		return;
	if (c->desc & 31)
		issue(ri, RI_WARNING, idx, "descriptor not aligned on 32 bytes");
	if (ri->sec_cs) {
		uint64_t a = ri->secaddr[ri->sec_cs];
		if (c->desc < a || c->desc - a >= ri->sec[ri->sec_cs].size)
			issue(ri, RI_WARNING, idx, "descriptor outside __rseq_cs");
	}
	if (!c->referenced && ri->sec_ptr)
		issue(ri, RI_WARNING, idx,
		      "descriptor not listed in __rseq_cs_ptr_array");
	if (c->version != 0)
		issue(ri, RI_DEFECT, idx, "version is %u (must be 0)", c->version);
	if (c->flags & 7)
		issue(ri, RI_DEFECT, idx,
		      "flags 0x%x: RSEQ_CS_FLAG_NO_RESTART_ON_* are deprecated "
		      "(SIGSEGV since Linux 6.1)", c->flags);
	else if (c->flags)
		issue(ri, RI_DEFECT, idx, "unknown flags 0x%x (must be 0)", c->flags);
	if (c->start_st == RF_UNRESOLVED || c->abort_st == RF_UNRESOLVED) {
		issue(ri, RI_WARNING, idx,
		      "address relocated against an undefined symbol: not checked");
		return;
	}
	if (!ri->c64) {
		if ((c->start >> 32) || (c->pco >> 32) || (c->abort >> 32))
			issue(ri, RI_DEFECT, idx,
			      "high word of a 32-bit field is not zero");
		c->start &= 0xffffffff;
		c->abort &= 0xffffffff;
	}
	if (!c->start)
		issue(ri, RI_DEFECT, idx, "start_ip is 0%s",
		      ri->type == ET_DYN ? " (missing relocation?)" : "");
	if (!c->abort)
		issue(ri, RI_DEFECT, idx, "abort_ip is 0%s",
		      ri->type == ET_DYN ? " (missing relocation?)" : "");
	if (c->pco == 0)
		issue(ri, RI_WARNING, idx, "post_commit_offset is 0 (empty section)");
	int overflow = c->start + c->pco < c->start ||
		(!ri->c64 && ((c->start + c->pco) >> 32));
	if (overflow) {
		issue(ri, RI_DEFECT, idx, "start_ip + post_commit_offset overflows");
		return;
	}
	if (c->abort >= c->start && c->abort - c->start < c->pco)
		issue(ri, RI_DEFECT, idx,
		      "abort_ip 0x%llx inside the critical section [0x%llx, 0x%llx)",
		      (unsigned long long)c->abort, (unsigned long long)c->start,
		      (unsigned long long)(c->start + c->pco));
	if (c->start && !rinspect_in_exec(ri, c->start, c->pco ? c->pco : 1))
		issue(ri, RI_DEFECT, idx,
		      "[start_ip, post-commit) 0x%llx+0x%llx not in executable code",
		      (unsigned long long)c->start, (unsigned long long)c->pco);
	if (c->abort && !rinspect_in_exec(ri, c->abort, 1))
		issue(ri, RI_DEFECT, idx, "abort_ip 0x%llx not in executable code",
		      (unsigned long long)c->abort);
	if (c->abort >= 4 && !rinspect_read(ri, c->abort - 4, c->sig, 4))
		c->sig_read = 1;
	if (!rinspect_signature(ri, want)) {
		issue(ri, RI_WARNING, idx,
		      "unknown architecture (e_machine %u): signature not checked",
		      ri->machine);
		return;
	}
	if (!c->sig_read) {
		if (c->abort)
			issue(ri, RI_DEFECT, idx,
			      "the 4 bytes before abort_ip are not in the file");
		return;
	}
	c->sig_ok = !memcmp(c->sig, want, 4);
	if (!c->sig_ok)
		issue(ri, RI_DEFECT, idx,
		      "signature before abort_ip is %02x %02x %02x %02x, "
		      "expected %02x %02x %02x %02x",
		      c->sig[0], c->sig[1], c->sig[2], c->sig[3],
		      want[0], want[1], want[2], want[3]);
}

/*
 * Entries of 'unit' bytes in table section 'sec': a defect when the section
 * has no contents in the file, a warning when its size is not a multiple
 * of 'unit'.
 */
static uint64_t table_entries(struct rinspect *ri, size_t sec, const char *name,
			      unsigned int unit)
{
	const struct rsec *s = &ri->sec[sec];

	if (s->type == SHT_NOBITS) {
		if (s->size)
			issue(ri, RI_DEFECT, -1, "%s has no contents", name);
		return 0;
	}
	if (s->size % unit)
		issue(ri, RI_WARNING, -1, "%s size %llu not a multiple of %u",
		      name, (unsigned long long)s->size, unit);
	return s->size / unit;
}

/* __rseq_cs_ptr_array: the descriptors, in the order listed. */
static void read_ptr_array(struct rinspect *ri, struct amap *seen)
{
	uint64_t a = ri->secaddr[ri->sec_ptr];
	uint64_t n = table_entries(ri, ri->sec_ptr, "__rseq_cs_ptr_array", 8);

	for (uint64_t i = 0; i < n; i++) {
		uint64_t d;
		int st = get_field(ri, a + i * 8, &d);
		if (st != RF_OK) {
			issue(ri, RI_WARNING, -1, "__rseq_cs_ptr_array[%llu] %s",
			      (unsigned long long)i,
			      st == RF_UNRESOLVED ? "relocated against an undefined symbol"
						  : "unreadable");
			continue;
		}
		if (!ri->c64) {
			if (d >> 32)
				issue(ri, RI_DEFECT, -1,
				      "__rseq_cs_ptr_array[%llu]: high word not zero",
				      (unsigned long long)i);
			d &= 0xffffffff;
		}
		long idx = amap_get(seen, d);
		if (idx >= 0) {
			issue(ri, RI_WARNING, idx,
			      "descriptor listed twice in __rseq_cs_ptr_array");
			continue;
		}
		if ((idx = add_cs(ri, d, 1)) < 0)
			break;
		amap_put(seen, d, idx);
	}
}

/* Descriptors in __rseq_cs that the pointer array does not list. */
static void read_cs_section(struct rinspect *ri, struct amap *seen)
{
	const struct rsec *s = &ri->sec[ri->sec_cs];
	uint64_t a = ri->secaddr[ri->sec_cs];

	if (!table_entries(ri, ri->sec_cs, "__rseq_cs", 32))
		return;
	for (uint64_t o = (32 - (a & 31)) & 31; o < s->size && s->size - o >= 32; o += 32) {
		long idx;
		if (amap_get(seen, a + o) >= 0)
			continue;
		if ((idx = add_cs(ri, a + o, 0)) < 0)
			break;
		amap_put(seen, a + o, idx);
	}
}

/* __rseq_exit_point_array: each exit matched to the first section that
 * starts where it says. */
static void read_exits(struct rinspect *ri)
{
	uint64_t a = ri->secaddr[ri->sec_exit];
	uint64_t n = table_entries(ri, ri->sec_exit, "__rseq_exit_point_array", 16);
	struct amap by_start = { NULL, NULL, 0 };

	if (n > MAX_CS)
		n = MAX_CS;
	if (!n)
		return;
	ri->exits = calloc(n, sizeof(*ri->exits));
	if (!ri->exits || amap_init(&by_start, ri->ncs)) {
		issue(ri, RI_WARNING, -1, "out of memory: exit points not read");
		return;
	}
	for (size_t j = 0; j < ri->ncs; j++)
		if (ri->cs[j].desc_ok)
			amap_put(&by_start, ri->cs[j].start, (long)j);
	for (uint64_t i = 0; i < n; i++) {
		struct rexit *e = &ri->exits[ri->nexits++];
		int s1 = get_field(ri, a + i * 16, &e->start);
		int s2 = get_field(ri, a + i * 16 + 8, &e->exit);
		e->cs = -1;
		if (!ri->c64) {
			e->start &= 0xffffffff;
			e->exit &= 0xffffffff;
		}
		if (s1 != RF_OK || s2 != RF_OK) {
			issue(ri, RI_WARNING, -1, "exit point %llu %s",
			      (unsigned long long)i,
			      s1 == RF_UNREADABLE || s2 == RF_UNREADABLE ?
			      "unreadable" : "relocated against an undefined symbol");
			continue;
		}
		e->cs = amap_get(&by_start, e->start);
		if (e->cs < 0) {
			issue(ri, RI_WARNING, -1,
			      "exit point 0x%llx -> 0x%llx: no critical section starts there",
			      (unsigned long long)e->start, (unsigned long long)e->exit);
			continue;
		}
		const struct rcs *c = &ri->cs[e->cs];
		if (e->exit >= c->start && e->exit - c->start < c->pco)
			issue(ri, RI_DEFECT, e->cs,
			      "exit point 0x%llx inside the critical section",
			      (unsigned long long)e->exit);
		if (!rinspect_in_exec(ri, e->exit, 1))
			issue(ri, RI_DEFECT, e->cs,
			      "exit point 0x%llx not in executable code",
			      (unsigned long long)e->exit);
	}
	amap_free(&by_start);
}

/*
 * order[] lists the indices 0..n-1 grouped by owner(i) (-1 first, then
 * 0..ncs-1), each group in index order; first[c], count[c] locate
 * section c's group.  A counting sort: O(n + ncs).
 */
static size_t *group_by_cs(struct rinspect *ri, size_t n, const long *owner_of,
			   size_t stride, size_t *file_count, int exits)
{
	size_t *order = malloc((n ? n : 1) * sizeof(*order));
	size_t *cur = calloc(ri->ncs + 1, sizeof(*cur));
	size_t nfile = 0, acc, f = 0;

	if (!order || !cur) {
		free(order);
		free(cur);
		*file_count = 0;
		return NULL;
	}
#define OWNER(i) (*(const long *)((const char *)owner_of + (i) * stride))
	for (size_t i = 0; i < n; i++) {
		long c = OWNER(i);
		if (c < 0 || (size_t)c >= ri->ncs)
			nfile++;
		else
			cur[c]++;
	}
	acc = nfile;
	for (size_t c = 0; c < ri->ncs; c++) {
		size_t cnt = cur[c];
		if (exits) {
			ri->cs[c].exit0 = acc;
			ri->cs[c].nexit = cnt;
		} else {
			ri->cs[c].issue0 = acc;
			ri->cs[c].nissue = cnt;
		}
		cur[c] = acc;
		acc += cnt;
	}
	for (size_t i = 0; i < n; i++) {
		long c = OWNER(i);
		if (c < 0 || (size_t)c >= ri->ncs)
			order[f++] = i;
		else
			order[cur[c]++] = i;
	}
#undef OWNER
	free(cur);
	*file_count = nfile;
	return order;
}

static void read_tables(struct rinspect *ri)
{
	struct amap seen = { NULL, NULL, 0 };
	uint64_t hint = 0;

	if (ri->sec_ptr && ri->sec[ri->sec_ptr].type != SHT_NOBITS)
		hint += ri->sec[ri->sec_ptr].size / 8;
	if (ri->sec_cs && ri->sec[ri->sec_cs].type != SHT_NOBITS)
		hint += ri->sec[ri->sec_cs].size / 32;
	if (amap_init(&seen, hint < MAX_CS ? (size_t)hint : MAX_CS)) {
		issue(ri, RI_WARNING, -1, "out of memory: tables not read");
		return;
	}
	if (ri->sec_ptr)
		read_ptr_array(ri, &seen);
	if (ri->sec_cs)
		read_cs_section(ri, &seen);
	amap_free(&seen);
	for (size_t i = 0; i < ri->ncs; i++)
		read_cs(ri, (long)i);
	for (size_t i = 0; i < ri->ncs; i++)
		validate_cs(ri, (long)i);
	if (ri->sec_exit)
		read_exits(ri);
	size_t dummy;
	ri->exit_order = group_by_cs(ri, ri->nexits, ri->exits ? &ri->exits[0].cs : NULL,
				     sizeof(*ri->exits), &dummy, 1);
	ri->issue_order = group_by_cs(ri, ri->nissues,
				      ri->issues ? &ri->issues[0].cs : NULL,
				      sizeof(*ri->issues), &ri->file_issues, 0);
}

int rinspect_buffer(struct rinspect *ri, const uint8_t *buf, size_t len)
{
	memset(ri, 0, sizeof(*ri));
	ri->buf = buf;
	ri->len = len;
	if (parse_header(ri) || parse_sections(ri))
		return -1;
	read_segments(ri);
	index_sections(ri);
	collect_exec(ri);
	load_symbols(ri);
	if (ri->sec_cs || ri->sec_ptr || ri->sec_exit)
		load_relocs(ri);
	read_tables(ri);
	return 0;
}

void rinspect_free(struct rinspect *ri)
{
	free(ri->cs);
	free(ri->exits);
	free(ri->issues);
	free(ri->sec);
	free(ri->secaddr);
	free(ri->exec);
	free(ri->syms);
	free(ri->rel);
	free(ri->asec);
	free(ri->seg);
	free(ri->exit_order);
	free(ri->issue_order);
	memset(ri, 0, sizeof(*ri));
}

int rinspect_load_bias(const struct rinspect *ri, uint64_t file_off,
		       uint64_t map_start, uint64_t *bias)
{
	if (ri->error[0])
		return -1;
	for (size_t i = 0; i < ri->nseg; i++) {
		const struct rseg *g = &ri->seg[i];
		uint64_t pg = g->off & ~0xfffull;
		if (file_off < pg || file_off >= g->off + g->filesz)
			continue;
		*bias = map_start - file_off - g->vaddr + g->off;
		return 0;
	}
	return -1;
}
