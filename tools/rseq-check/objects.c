/* SPDX-License-Identifier: MIT */
/*
 * objects.c - the ELF objects the traced processes map (read once, as
 * rseq-inspect reads them) and, per process, where their critical
 * sections are and which boundaries hold a breakpoint.
 */
#include "check.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct obj *objs;

/* The instruction boundaries of section i of o, from the file's bytes. */
static void decode_cs(struct obj *o, size_t i)
{
	const struct rcs *c = &o->ri.cs[i];
	struct cscov *v = &o->cov[i];
	uint8_t code[4096];
	size_t len = c->pco < sizeof(code) ? (size_t)c->pco : sizeof(code);

	if (!c->desc_ok || !c->pco || c->ndefects ||
	    rinspect_read(&o->ri, c->start, code, len))
		return;
	v->bound = calloc(len, sizeof(*v->bound));
	v->forced = calloc(len, 1);
	if (!v->bound || !v->forced)
		return;
	size_t off = 0;
	while (off < len) {
		int l = rc_native_arch.insn_len(code + off, len - off);
		v->bound[v->nb++] = c->start + off;
		if (l <= 0)
			return;		/* partial: the boundaries so far */
		off += (size_t)l;
	}
	v->decode_complete = off == c->pco;
}

/* The object at path (cached by device and inode); NULL when it is not an
 * ELF file of this architecture. */
static struct obj *get_obj(const char *path, dev_t dev, ino_t ino)
{
	struct obj *o;
	struct stat st;

	for (o = objs; o; o = o->next)
		if (o->dev == dev && o->ino == ino && !strcmp(o->path, path))
			return o->ok ? o : NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	snprintf(o->path, sizeof(o->path), "%s", path);
	o->dev = dev;
	o->ino = ino;
	o->next = objs;
	objs = o;
	/* O_NONBLOCK: a FIFO or device under that name must not block us */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	o->len = (size_t)st.st_size;
	o->map = mmap(NULL, o->len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (o->map == MAP_FAILED) {
		o->map = NULL;
		return NULL;
	}
	if (rinspect_buffer(&o->ri, o->map, o->len) ||
	    o->ri.machine != rc_native_arch.e_machine)
		return NULL;
	o->cov = calloc(o->ri.ncs ? o->ri.ncs : 1, sizeof(*o->cov));
	if (!o->cov)
		return NULL;
	for (size_t i = 0; i < o->ri.ncs; i++)
		decode_cs(o, i);
	if (o->ri.ndefects)
		say("warning: %s: %u defective critical section descriptor(s) "
		    "(see rseq-inspect): not injected", path, o->ri.ndefects);
	o->ok = 1;
	return o;
}

struct proc *new_proc(pid_t pid)
{
	struct proc *p = calloc(1, sizeof(*p));

	if (p)
		p->pid = pid;
	return p;
}

void put_proc(struct proc *p)
{
	if (!p || --p->refs > 0)
		return;
	for (size_t i = 0; i < p->ncs; i++) {
		free(p->cs[i].active);
		free(p->cs[i].orig);
	}
	free(p->cs);
	free(p->order);
	free(p->maps);
	free(p);
}

static const struct proc *order_proc;

static int order_cmp(const void *a, const void *b)
{
	uint64_t x = order_proc->cs[*(const size_t *)a].start;
	uint64_t y = order_proc->cs[*(const size_t *)b].start;
	return x < y ? -1 : x > y;
}

/* p->order: the sections by start, for cs_at(). */
static void sort_sections(struct proc *p)
{
	size_t *o = realloc(p->order, (p->ncs ? p->ncs : 1) * sizeof(*o));

	if (!o)
		return;
	p->order = o;
	for (size_t i = 0; i < p->ncs; i++)
		o[i] = i;
	order_proc = p;
	qsort(o, p->ncs, sizeof(*o), order_cmp);
}

int arm_boundary(pid_t pid, struct pcs *c, size_t b)
{
	struct cscov *v = cov_of(c);
	uint32_t old = 0;

	if (!c->active || c->active[b] || v->forced[b])
		return 0;
	if (peek(pid, v->bound[b] + c->bias, &old, rc_native_arch.bp_len) ||
	    poke(pid, v->bound[b] + c->bias, rc_native_arch.bp, rc_native_arch.bp_len))
		return -1;
	c->orig[b] = old;
	c->active[b] = 1;
	return 0;
}

int disarm_boundary(pid_t pid, struct pcs *c, size_t b)
{
	if (!c->active || c->active[b] != 1)
		return 0;
	if (poke(pid, cov_of(c)->bound[b] + c->bias, &c->orig[b], rc_native_arch.bp_len))
		return -1;
	c->active[b] = 0;
	return 0;
}

void suspend_section(pid_t pid, struct pcs *c)
{
	struct cscov *v = cov_of(c);

	if (c->suspended++ || !c->active)
		return;
	for (size_t b = 0; b < v->nb; b++)
		if (c->active[b] &&
		    !poke(pid, v->bound[b] + c->bias, &c->orig[b], rc_native_arch.bp_len))
			c->active[b] = 2;	/* out of the code, to go back */
}

void resume_section(pid_t pid, struct pcs *c)
{
	struct cscov *v = cov_of(c);

	if (c->suspended <= 0 || --c->suspended || !c->active)
		return;
	for (size_t b = 0; b < v->nb; b++) {
		if (c->active[b] != 2)
			continue;
		c->active[b] = 0;
		if (!v->forced[b])
			arm_boundary(pid, c, b);
	}
}

static void add_object(struct proc *p, pid_t pid, struct obj *o, uint64_t bias)
{
	for (size_t i = 0; i < p->nmaps; i++)
		if (p->maps[i].o == o && p->maps[i].bias == bias)
			return;
	void *nm = realloc(p->maps, (p->nmaps + 1) * sizeof(*p->maps));
	if (!nm)
		return;
	p->maps = nm;
	p->maps[p->nmaps].o = o;
	p->maps[p->nmaps++].bias = bias;
	if (!o->ri.ncs)
		return;
	struct pcs *nc = realloc(p->cs, (p->ncs + o->ri.ncs) * sizeof(*nc));
	if (!nc)
		return;
	p->cs = nc;
	size_t added = 0;
	for (size_t i = 0; i < o->ri.ncs; i++) {
		struct cscov *v = &o->cov[i];
		struct pcs *c = &p->cs[p->ncs++];
		memset(c, 0, sizeof(*c));
		c->o = o;
		c->idx = i;
		c->bias = bias;
		c->start = o->ri.cs[i].start + bias;
		c->end = c->start + o->ri.cs[i].pco;
		if (!v->nb)
			continue;
		c->active = calloc(v->nb, 1);
		c->orig = calloc(v->nb, sizeof(*c->orig));
		if (!c->active || !c->orig || !opt.inject)
			continue;
		for (size_t b = 0; b < v->nb; b++)
			if (!arm_boundary(pid, c, b) && c->active[b])
				added++;
	}
	sort_sections(p);
	if (opt.verbose)
		say("%s at bias 0x%" PRIx64 ": %zu critical sections, %zu "
		    "boundaries armed", o->path, bias, o->ri.ncs, added);
}

void scan_maps(struct proc *p, pid_t pid)
{
	char path[64], line[PATH_MAX + 256];

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, off, ino;
		unsigned maj, min;
		char perms[8];
		int pos = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &lo, &hi, perms,
			   &off, &maj, &min, &ino, &pos) < 7 || !pos)
			continue;
		if (perms[2] != 'x' || line[pos] != '/')
			continue;
		char *name = line + pos;
		name[strcspn(name, "\n")] = 0;
		if (strstr(name, " (deleted)"))
			continue;
		struct obj *o = get_obj(name, makedev(maj, min), ino);
		uint64_t bias;
		if (!o || rinspect_load_bias(&o->ri, off, lo, &bias))
			continue;
		add_object(p, pid, o, bias);
	}
	fclose(f);
}

struct proc *fork_proc(const struct proc *np, pid_t pid)
{
	struct proc *q = new_proc(pid);

	if (!q || !np)
		return q;
	q->cs = calloc(np->ncs ? np->ncs : 1, sizeof(*q->cs));
	q->maps = calloc(np->nmaps ? np->nmaps : 1, sizeof(*q->maps));
	if (q->maps) {
		memcpy(q->maps, np->maps, np->nmaps * sizeof(*q->maps));
		q->nmaps = np->nmaps;
	}
	for (size_t i = 0; q->cs && i < np->ncs; i++) {
		struct pcs *d = &q->cs[q->ncs++];
		size_t nb = cov_of(&np->cs[i])->nb;
		*d = np->cs[i];
		d->active = NULL;
		d->orig = NULL;
		if (!nb || !np->cs[i].active)
			continue;
		d->active = malloc(nb);
		d->orig = malloc(nb * sizeof(*d->orig));
		if (d->active)
			memcpy(d->active, np->cs[i].active, nb);
		if (d->orig)
			memcpy(d->orig, np->cs[i].orig, nb * sizeof(*d->orig));
		if (!d->active || !d->orig) {
			free(d->active);
			free(d->orig);
			d->active = NULL;
			d->orig = NULL;
		}
	}
	sort_sections(q);
	return q;
}

struct pcs *cs_at(const struct proc *p, uint64_t addr)
{
	size_t lo = 0, hi;

	if (!p || !p->order)
		return NULL;
	hi = p->ncs;
	while (lo < hi) {		/* first section starting after addr */
		size_t mid = lo + (hi - lo) / 2;
		if (p->cs[p->order[mid]].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* sections do not overlap; a few steps back cover identical starts */
	for (size_t k = lo, n = 0; k-- > 0 && n < 8; n++) {
		struct pcs *c = &p->cs[p->order[k]];
		if (addr >= c->start && addr < c->end)
			return c;
	}
	return NULL;
}

long boundary_of(const struct pcs *c, uint64_t addr)
{
	const struct cscov *v = cov_of(c);
	size_t lo = 0, hi = v->nb;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t a = v->bound[mid] + c->bias;
		if (a == addr)
			return (long)mid;
		if (a < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const char *describe(const struct proc *p, uint64_t addr, char *buf, size_t n)
{
	char sym[256];

	for (size_t i = 0; p && i < p->nmaps; i++) {
		struct obj *o = p->maps[i].o;
		uint64_t a = addr - p->maps[i].bias;
		if (!rinspect_in_exec(&o->ri, a, 1))
			continue;
		rinspect_symbolize(&o->ri, a, sym, sizeof(sym));
		const char *base = strrchr(o->path, '/');
		snprintf(buf, n, "0x%" PRIx64 " <%.200s> in %.200s", addr,
			 sym[0] ? sym : "?", base ? base + 1 : o->path);
		return buf;
	}
	snprintf(buf, n, "0x%" PRIx64, addr);
	return buf;
}

const char *cs_name(const struct pcs *c, char *buf, size_t n)
{
	char sym[256];

	rinspect_symbolize(&c->o->ri, rcs_of(c)->start, sym, sizeof(sym));
	snprintf(buf, n, "%s [0x%" PRIx64 ", 0x%" PRIx64 ")", sym[0] ? sym : "?",
		 c->start, c->end);
	return buf;
}
