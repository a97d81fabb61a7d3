/* SPDX-License-Identifier: MIT */
/*
 * gen_elf.c - writes an x86-64 ELF file with N well-formed critical
 * sections, for rseq-inspect's large-table tests and fuzz seeds:
 *
 *   gen_elf [-r] [-d] N OUT
 *
 * Each section is a 32-byte chunk of .text: 8 bytes of body, the ud1 that
 * carries the signature, the abort handler, an exit point.  __rseq_cs holds
 * the N descriptors, __rseq_cs_ptr_array N pointers, __rseq_exit_point_array
 * N (start, exit) pairs.  -r: a position-independent shared object whose
 * tables are filled by R_X86_64_RELATIVE relocations (zeros in the file);
 * -d: every pointer listed twice (N warnings).  Written from the ELF gABI;
 * <elf.h> supplies the structures.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK	32
#define TEXT_VA	0x401000u
#define PAGE	0x1000u

struct out {
	unsigned char *b;
	size_t len;
};

static size_t align(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

int main(int argc, char **argv)
{
	int pic = 0, dup = 0, ai = 1;
	unsigned long n;
	char *end;

	while (ai < argc && argv[ai][0] == '-') {
		if (!strcmp(argv[ai], "-r"))
			pic = 1;
		else if (!strcmp(argv[ai], "-d"))
			dup = 1;
		else
			break;
		ai++;
	}
	if (argc - ai != 2) {
		fprintf(stderr, "usage: gen_elf [-r] [-d] N OUT\n");
		return 2;
	}
	n = strtoul(argv[ai], &end, 10);
	if (*end || n == 0 || n > (1ul << 22)) {
		fprintf(stderr, "gen_elf: N must be 1..%lu\n", 1ul << 22);
		return 2;
	}
	size_t nptr = dup ? 2 * n : n;
	uint64_t base = pic ? 0 : 0x400000;	/* the file is mapped at base */
	size_t text_off = PAGE, text_sz = n * CHUNK;
	size_t data_off = align(text_off + text_sz, PAGE);
	size_t cs_off = data_off, cs_sz = n * 32;
	size_t ptr_off = cs_off + cs_sz, ptr_sz = nptr * 8;
	size_t exit_off = ptr_off + ptr_sz, exit_sz = n * 16;
	size_t rela_off = align(exit_off + exit_sz, 8);
	size_t nrela = pic ? 3 * n + nptr + 2 * n : 0;
	size_t rela_sz = nrela * sizeof(Elf64_Rela);
	static const char shstr[] = "\0.text\0__rseq_cs\0__rseq_cs_ptr_array\0"
				    "__rseq_exit_point_array\0.rela.dyn\0.shstrtab";
	size_t str_off = rela_off + rela_sz;
	size_t sh_off = align(str_off + sizeof(shstr), 8);
	size_t nsh = pic ? 7 : 6;
	size_t len = sh_off + nsh * sizeof(Elf64_Shdr);
	unsigned char *b = calloc(1, len);
	if (!b) {
		perror("gen_elf");
		return 1;
	}
	uint64_t text_va = base + text_off, data_va = base + data_off;

	Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = pic ? ET_DYN : ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = text_va;
	eh->e_phoff = sizeof(*eh);
	eh->e_shoff = sh_off;
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 2;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = (uint16_t)nsh;
	eh->e_shstrndx = (uint16_t)(nsh - 1);

	Elf64_Phdr *ph = (Elf64_Phdr *)(b + eh->e_phoff);
	ph[0] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, 0, base, base,
			      text_off + text_sz, text_off + text_sz, PAGE };
	ph[1] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_W, data_off, data_va, data_va,
			      str_off - data_off, str_off - data_off, PAGE };

	Elf64_Rela *rela = (Elf64_Rela *)(b + rela_off);
	size_t nr = 0;
	/* a table word: the value itself, or a relocation that supplies it */
#define WORD(off, va, val) do {						\
		if (pic) {						\
			rela[nr].r_offset = (va);			\
			rela[nr].r_info = ELF64_R_INFO(0, R_X86_64_RELATIVE); \
			rela[nr++].r_addend = (int64_t)(val);		\
		} else {						\
			put64(b + (off), (val));			\
		}							\
	} while (0)

	for (size_t i = 0; i < n; i++) {
		unsigned char *c = b + text_off + i * CHUNK;
		uint64_t start = text_va + i * CHUNK;

		memset(c, 0x90, CHUNK);			/* body: nops */
		c[8] = 0x0f, c[9] = 0xb9, c[10] = 0x3d;	/* ud1 with the signature */
		c[11] = 0x53, c[12] = 0x30, c[13] = 0x05, c[14] = 0x53;
		c[15] = 0xc3;				/* abort handler */
		c[16] = 0xc3;				/* exit point */

		size_t d = cs_off + i * 32;
		uint64_t dva = data_va + (d - data_off);
		WORD(d + 8, dva + 8, start);
		put64(b + d + 16, 8);			/* post_commit_offset */
		WORD(d + 24, dva + 24, start + 15);

		size_t e = exit_off + i * 16;
		uint64_t eva = data_va + (e - data_off);
		WORD(e, eva, start);
		WORD(e + 8, eva + 8, start + 16);
	}
	for (size_t i = 0; i < nptr; i++) {
		size_t p = ptr_off + i * 8;
		WORD(p, data_va + (p - data_off), data_va + (i % n) * 32);
	}
	memcpy(b + str_off, shstr, sizeof(shstr));

	Elf64_Shdr *sh = (Elf64_Shdr *)(b + sh_off);
	sh[1] = (Elf64_Shdr){ 1, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, text_va,
			      text_off, text_sz, 0, 0, 16, 0 };
	sh[2] = (Elf64_Shdr){ 7, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, data_va,
			      cs_off, cs_sz, 0, 0, 32, 0 };
	sh[3] = (Elf64_Shdr){ 17, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE,
			      data_va + (ptr_off - data_off), ptr_off, ptr_sz, 0, 0, 8, 0 };
	sh[4] = (Elf64_Shdr){ 37, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE,
			      data_va + (exit_off - data_off), exit_off, exit_sz, 0, 0, 8, 0 };
	if (pic)
		sh[5] = (Elf64_Shdr){ 61, SHT_RELA, SHF_ALLOC, data_va + (rela_off - data_off),
				      rela_off, rela_sz, 0, 0, 8, sizeof(Elf64_Rela) };
	sh[nsh - 1] = (Elf64_Shdr){ 71, SHT_STRTAB, 0, 0, str_off, sizeof(shstr),
				    0, 0, 1, 0 };

	FILE *f = fopen(argv[ai + 1], "wb");
	if (!f || fwrite(b, 1, len, f) != len || fclose(f)) {
		perror(argv[ai + 1]);
		return 1;
	}
	free(b);
	return 0;
}
