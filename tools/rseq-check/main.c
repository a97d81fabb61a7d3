/* SPDX-License-Identifier: MIT */
/*
 * rseq-check - run a program under ptrace and check its rseq critical
 * sections:
 *
 *  - every system call made inside a critical section is reported (at each
 *    syscall-entry stop the thread's rseq_cs pointer is read from its area,
 *    found with PTRACE_GET_RSEQ_CONFIGURATION);
 *  - aborts are forced at every instruction boundary of every critical
 *    section the program enters: an int3 at each boundary (found by decoding
 *    the section's bytes from the ELF file); when a thread reaches one, the
 *    tracer puts the instruction back and resumes the thread at that
 *    boundary. The ptrace stop was a real preemption, so the kernel itself
 *    aborts the critical section on the way back to user space, exactly as
 *    it would after an interrupt there. Each boundary is forced once; the
 *    abort is then observed with one single-step (rseq_cs cleared by the
 *    kernel, IP outside the section);
 *  - a thread found inside a critical section whose rseq_cs does not point
 *    to that section's descriptor is reported (the section is unprotected).
 *
 * x86-64 only. Exit status: the program's; 1 (or --violation-status) when
 * the program succeeded but a violation was found; 128+N when it was killed
 * by signal N; 2 on usage or tracing errors.
 */
#include "check.h"
#include "rseqelf.h"
#include "../tool-version.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#if !defined(__x86_64__)
int main(void)
{
	fprintf(stderr, "rseq-check: only x86-64 is supported\n");
	return 2;
}
#else

#ifndef PTRACE_GET_RSEQ_CONFIGURATION
#define PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#endif
#ifndef PTRACE_GET_SYSCALL_INFO
#define PTRACE_GET_SYSCALL_INFO 0x420e
#define PTRACE_SYSCALL_INFO_ENTRY 1
#define PTRACE_SYSCALL_INFO_EXIT 2
#endif

struct rseq_config {
	uint64_t rseq_abi_pointer;
	uint32_t rseq_abi_size, signature, flags, pad;
};

struct sysinfo_buf {		/* struct ptrace_syscall_info, the parts used */
	uint8_t op;
	uint8_t pad[3];
	uint32_t arch;
	uint64_t instruction_pointer, stack_pointer;
	union {
		struct { uint64_t nr, args[6]; } entry;
		struct { int64_t rval; uint8_t is_error; } exit;
		uint8_t raw[64];
	};
};

/* ---- options and output ------------------------------------------------ */

static int opt_inject = 1, opt_syscalls = 1, opt_verbose, opt_full;
static int opt_violation_status = 1;
static FILE *out;
static unsigned long n_violations, n_syscall_violations, n_unarmed;

__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	va_list ap;
	fputs("rseq-check: ", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
}

/* ---- ELF objects (cached for the whole run) ----------------------------- */

struct obj {
	char path[PATH_MAX];
	dev_t dev;
	ino_t ino;
	uint8_t *map;
	size_t len;
	struct rinspect ri;
	int ok;
	/* per critical section: decoded boundaries, coverage (all processes) */
	struct cscov {
		size_t nb;
		uint64_t *bound;	/* link-time addresses */
		uint8_t *forced;
		int decode_complete;
		int entered, unarmed_reported;
		unsigned long forced_n, aborts, no_abort, syscalls;
	} *cov;
	struct obj *next;
};
static struct obj *objs;

static void decode_cs(struct obj *o, size_t i)
{
	const struct rcs *c = &o->ri.cs[i];
	struct cscov *v = &o->cov[i];
	uint8_t code[4096];
	size_t len = c->pco < sizeof(code) ? c->pco : sizeof(code);

	if (!c->desc_ok || !c->pco || c->ndefects ||
	    rinspect_read(&o->ri, c->start, code, len))
		return;
	v->bound = calloc(len, sizeof(*v->bound));
	v->forced = calloc(len, 1);
	if (!v->bound || !v->forced)
		return;
	size_t off = 0;
	while (off < len) {
		int l = x86_insn_len(code + off, len - off);
		v->bound[v->nb++] = c->start + off;
		if (l <= 0)
			return;		/* partial: boundaries so far */
		off += (size_t)l;
	}
	v->decode_complete = off == c->pco;
}

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
	int fd = open(path, O_RDONLY | O_CLOEXEC);
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
	if (rinspect_buffer(&o->ri, o->map, o->len) || o->ri.machine != 62)
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

/* "sym+0x1 (path)" for a runtime address in a process */
struct proc;
static const char *describe(struct proc *p, uint64_t addr, char *buf, size_t n);

/* ---- processes and threads --------------------------------------------- */

struct pcs {			/* a critical section mapped in a process */
	struct obj *o;
	size_t idx;
	uint64_t bias;
	uint8_t *active;	/* per boundary: int3 inserted here */
	uint8_t *orig;		/* the original byte */
};

struct proc {
	pid_t pid;
	int refs;
	struct pcs *cs;
	size_t ncs;
	struct { struct obj *o; uint64_t bias; } *maps;
	size_t nmaps;
};

struct thr {
	pid_t tid;
	struct proc *p;
	uint64_t area;
	int area_known;
	int started;		/* saw its first stop */
	long expect_abort;	/* index in p->cs, -1 none */
	size_t expect_b;
	int insyscall;
	int held;		/* first stop seen before its parent's event */
	long reinsert;		/* index in p->cs of a boundary to re-arm, -1 */
	size_t reinsert_b;
	uint64_t disarmed;	/* descriptor this tool cleared after a syscall */
	uint64_t sc_prot;
	struct thr *next;
};
static struct thr *thrs;

static struct thr *find_thr(pid_t tid)
{
	for (struct thr *t = thrs; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

static struct proc *new_proc(pid_t pid)
{
	struct proc *p = calloc(1, sizeof(*p));
	if (p)
		p->pid = pid;
	return p;
}

static void put_proc(struct proc *p)
{
	if (!p || --p->refs > 0)
		return;
	for (size_t i = 0; i < p->ncs; i++) {
		free(p->cs[i].active);
		free(p->cs[i].orig);
	}
	free(p->cs);
	free(p->maps);
	free(p);
}

static struct thr *add_thr(pid_t tid, struct proc *p)
{
	struct thr *t = calloc(1, sizeof(*t));
	if (!t) {
		perror("rseq-check");
		exit(2);
	}
	t->tid = tid;
	t->p = p;
	t->expect_abort = -1;
	t->reinsert = -1;
	if (p)
		p->refs++;
	t->next = thrs;
	thrs = t;
	return t;
}

static void del_thr(struct thr *t)
{
	for (struct thr **pp = &thrs; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	put_proc(t->p);
	free(t);
}

/* ---- tracee memory ------------------------------------------------------ */

static int peek(pid_t pid, uint64_t addr, void *dst, size_t n)
{
	struct iovec l = { dst, n }, r = { (void *)(uintptr_t)addr, n };
	if (process_vm_readv(pid, &l, 1, &r, 1, 0) == (ssize_t)n)
		return 0;
	/* fallback, word by word */
	uint8_t *d = dst;
	for (size_t done = 0; done < n;) {
		uint64_t a = (addr + done) & ~7ull;
		errno = 0;
		long w = ptrace(PTRACE_PEEKDATA, pid, (void *)(uintptr_t)a, NULL);
		if (errno)
			return -1;
		size_t skip = (addr + done) - a;
		size_t take = 8 - skip < n - done ? 8 - skip : n - done;
		memcpy(d + done, (uint8_t *)&w + skip, take);
		done += take;
	}
	return 0;
}

static int poke_byte(pid_t pid, uint64_t addr, uint8_t b, uint8_t *old)
{
	uint64_t a = addr & ~7ull;
	errno = 0;
	long w = ptrace(PTRACE_PEEKTEXT, pid, (void *)(uintptr_t)a, NULL);
	if (errno)
		return -1;
	uint8_t *bytes = (uint8_t *)&w;
	if (old)
		*old = bytes[addr - a];
	bytes[addr - a] = b;
	return (int)ptrace(PTRACE_POKETEXT, pid, (void *)(uintptr_t)a, (void *)w);
}

static int poke_u64(pid_t pid, uint64_t addr, uint64_t v)
{
	if (addr & 7) {
		for (int i = 0; i < 8; i++)
			if (poke_byte(pid, addr + i, (uint8_t)(v >> (8 * i)), NULL))
				return -1;
		return 0;
	}
	return (int)ptrace(PTRACE_POKEDATA, pid, (void *)(uintptr_t)addr,
			   (void *)(uintptr_t)v);
}

/* ---- mapping the critical sections of a process ------------------------- */

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
		if (!v->nb)
			continue;
		c->active = calloc(v->nb, 1);
		c->orig = calloc(v->nb, 1);
		if (!c->active || !c->orig || !opt_inject)
			continue;
		for (size_t b = 0; b < v->nb; b++) {
			if (v->forced[b])
				continue;
			if (poke_byte(pid, v->bound[b] + bias, 0xcc, &c->orig[b]) == 0) {
				c->active[b] = 1;
				added++;
			}
		}
	}
	if (opt_verbose)
		say("%s at bias 0x%" PRIx64 ": %zu critical sections, %zu "
		    "boundaries armed", o->path, bias, o->ri.ncs, added);
}

static void scan_maps(struct proc *p, pid_t pid)
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

static const char *describe(struct proc *p, uint64_t addr, char *buf, size_t n)
{
	char sym[256];
	if (p) {
		for (size_t i = 0; i < p->nmaps; i++) {
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
	}
	snprintf(buf, n, "0x%" PRIx64, addr);
	return buf;
}

static const char *cs_name(const struct pcs *c, char *buf, size_t n)
{
	char sym[256];
	const struct rcs *r = &c->o->ri.cs[c->idx];
	rinspect_symbolize(&c->o->ri, r->start, sym, sizeof(sym));
	snprintf(buf, n, "%s [0x%" PRIx64 ", 0x%" PRIx64 ")", sym[0] ? sym : "?",
		 r->start + c->bias, r->start + r->pco + c->bias);
	return buf;
}

/* The critical section of p that covers addr (by start..post-commit). */
static struct pcs *cs_at(struct proc *p, uint64_t addr)
{
	if (!p)
		return NULL;
	for (size_t i = 0; i < p->ncs; i++) {
		const struct rcs *r = &p->cs[i].o->ri.cs[p->cs[i].idx];
		uint64_t s = r->start + p->cs[i].bias;
		if (addr >= s && addr - s < r->pco)
			return &p->cs[i];
	}
	return NULL;
}

static long boundary_of(struct pcs *c, uint64_t addr)
{
	struct cscov *v = &c->o->cov[c->idx];
	for (size_t b = 0; b < v->nb; b++)
		if (v->bound[b] + c->bias == addr)
			return (long)b;
	return -1;
}

/* ---- per-thread rseq area ------------------------------------------------ */

static uint64_t thread_area(struct thr *t)
{
	struct rseq_config cfg;
	if (!t->area_known) {
		memset(&cfg, 0, sizeof(cfg));
		if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, t->tid,
			   (void *)sizeof(cfg), &cfg) > 0)
			t->area = cfg.rseq_abi_pointer;
		else
			t->area = 0;
		t->area_known = t->area != 0;
	}
	return t->area;
}

static int read_rseq_cs(struct thr *t, uint64_t *cs)
{
	uint64_t area = thread_area(t);
	*cs = 0;
	if (!area)
		return -1;
	return peek(t->tid, area + 8, cs, 8);
}

/* ---- events --------------------------------------------------------------- */

static void on_syscall(struct thr *t)
{
	struct sysinfo_buf si;
	char b1[512], b2[512];

	memset(&si, 0, sizeof(si));
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(si), &si) <= 0)
		return;
	if (si.op == PTRACE_SYSCALL_INFO_ENTRY) {
		t->insyscall = (int)si.entry.nr;
		t->sc_prot = si.entry.args[2];
		uint64_t csp, ip = si.instruction_pointer;
		uint8_t d[32];
		if (!opt_syscalls || read_rseq_cs(t, &csp) || !csp)
			return;
		if (peek(t->tid, csp, d, sizeof(d)))
			return;
		uint64_t start, pco;
		memcpy(&start, d + 8, 8);
		memcpy(&pco, d + 16, 8);
		/* ip is after the 2-byte syscall instruction */
		if (!((ip - 2) - start < pco || ip - start < pco))
			return;
		struct pcs *c = cs_at(t->p, ip - 2);
		unsigned long nth = 1;
		n_violations++;
		n_syscall_violations++;
		if (c)
			nth = ++c->o->cov[c->idx].syscalls;
		t->disarmed = csp;
		if (nth <= 3)
		say("VIOLATION: thread %d: system call %" PRIu64 " inside critical "
		    "section %s at %s", t->tid, si.entry.nr,
		    c ? cs_name(c, b1, sizeof(b1)) : "(descriptor not in any ELF table)",
		    describe(t->p, ip - 2, b2, sizeof(b2)));
		if (nth == 3)
			say("(further system calls in this section counted, not shown)");
		/* The stop is a preemption: on return the kernel would abort the
		 * section, and a retry loop would make this call again forever.
		 * Leave the section unprotected instead so the program goes on. */
		poke_u64(t->tid, thread_area(t) + 8, 0);
		return;
	}
	if (si.op == PTRACE_SYSCALL_INFO_EXIT) {
		int nr = t->insyscall;
		t->insyscall = -1;
		if (nr == SYS_rseq)
			t->area_known = 0;
		if ((nr == SYS_mmap || nr == SYS_mprotect) && t->p &&
		    (t->sc_prot & PROT_EXEC))
			scan_maps(t->p, t->tid);
	}
}

/* int3 at a boundary: returns 1 when handled. */
static int on_breakpoint(struct thr *t)
{
	struct user_regs_struct regs;
	char b1[512], b2[512];

	if (!t->p || ptrace(PTRACE_GETREGS, t->tid, NULL, &regs))
		return 0;
	uint64_t at = regs.rip - 1;
	struct pcs *c = cs_at(t->p, at);
	long b = c ? boundary_of(c, at) : -1;
	if (b < 0)
		return 0;
	struct cscov *v = &c->o->cov[c->idx];
	const struct rcs *r = &c->o->ri.cs[c->idx];
	if (c->active && c->active[b]) {
		poke_byte(t->tid, at, c->orig[b], NULL);
		c->active[b] = 0;
	}
	regs.rip = at;
	ptrace(PTRACE_SETREGS, t->tid, NULL, &regs);
	v->entered = 1;

	uint64_t csp = 0;
	int have = read_rseq_cs(t, &csp) == 0;
	if (!have || csp != r->desc + c->bias) {
		/* step over the instruction, then put the int3 back */
		t->reinsert = c - t->p->cs;
		t->reinsert_b = (size_t)b;
		if (have && !csp && t->disarmed == r->desc + c->bias)
			return 2;	/* our own doing after a syscall report */
		n_violations++;
		n_unarmed++;
		if (v->unarmed_reported++)
			return 2;
		say("VIOLATION: thread %d inside critical section %s at %s but "
		    "%s", t->tid, cs_name(c, b1, sizeof(b1)),
		    describe(t->p, at, b2, sizeof(b2)),
		    !have ? "the thread has no rseq area" :
		    csp ? "rseq_cs points to another descriptor" :
			  "rseq_cs is 0 (not armed)");
		return 2;
	}
	t->disarmed = 0;
	if (!v->forced[b]) {
		v->forced[b] = 1;
		v->forced_n++;
	}
	if (opt_verbose)
		say("thread %d: abort forced in %s at boundary %ld (%s)", t->tid,
		    cs_name(c, b1, sizeof(b1)), b, describe(t->p, at, b2, sizeof(b2)));
	t->expect_abort = c - t->p->cs;
	t->expect_b = (size_t)b;
	return 2;
}

static void check_abort(struct thr *t)
{
	struct user_regs_struct regs;
	struct pcs *c = &t->p->cs[t->expect_abort];
	struct cscov *v = &c->o->cov[c->idx];
	const struct rcs *r = &c->o->ri.cs[c->idx];
	uint64_t csp = 1;

	t->expect_abort = -1;
	if (ptrace(PTRACE_GETREGS, t->tid, NULL, &regs))
		return;
	read_rseq_cs(t, &csp);
	uint64_t s = r->start + c->bias;
	if (csp == 0 && !(regs.rip >= s && regs.rip - s < r->pco)) {
		v->aborts++;
	} else {
		v->no_abort++;
		if (opt_verbose)
			say("thread %d: no abort after forcing boundary %zu", t->tid,
			    t->expect_b);
	}
}

/* ---- report ---------------------------------------------------------------- */

static int report(void)
{
	unsigned long seen = 0, known = 0, forced = 0, total = 0, aborts = 0,
		      noabort = 0, partial = 0;
	char sym[256];

	for (struct obj *o = objs; o; o = o->next) {
		if (!o->ok)
			continue;
		for (size_t i = 0; i < o->ri.ncs; i++) {
			struct cscov *v = &o->cov[i];
			known++;
			if (!v->entered)
				continue;
			seen++;
			forced += v->forced_n;
			total += v->nb;
			aborts += v->aborts;
			noabort += v->no_abort;
			if (v->forced_n < v->nb || !v->decode_complete)
				partial++;
			if (opt_verbose || v->forced_n < v->nb || !v->decode_complete) {
				rinspect_symbolize(&o->ri, o->ri.cs[i].start, sym, sizeof(sym));
				say("  %s (%s): boundaries forced %lu/%zu%s, aborts "
				    "observed %lu", sym[0] ? sym : "?",
				    strrchr(o->path, '/') ? strrchr(o->path, '/') + 1 : o->path,
				    v->forced_n, v->nb,
				    v->decode_complete ? "" : " (decoding incomplete)",
				    v->aborts);
			}
		}
	}
	say("critical sections: %lu known, %lu entered; boundaries forced "
	    "%lu/%lu; aborts observed %lu%s; violations %lu (%lu system calls, "
	    "%lu unarmed)", known, seen, forced, total, aborts,
	    noabort ? " (some forced aborts not observed)" : "",
	    n_violations, n_syscall_violations, n_unarmed);
	if (opt_full && (partial || !seen)) {
		say("FAIL: --full: %s", seen ? "boundary coverage incomplete"
					     : "no critical section entered");
		return 1;
	}
	return 0;
}

/* ---- main loop -------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rseq-check [options] [--] PROGRAM [ARGS...]\n"
		"Runs PROGRAM (and its threads and children) under ptrace:\n"
		"reports system calls made inside rseq critical sections and\n"
		"forces an abort at every instruction boundary of every critical\n"
		"section entered.\n"
		"  --no-inject        do not force aborts\n"
		"  --no-syscalls      do not check system calls\n"
		"  --full             fail unless every boundary of every entered\n"
		"                     section was forced (and one was entered)\n"
		"  --violation-status=N  exit status for a violation (default 1)\n"
		"  -o FILE            write the report to FILE (default stderr)\n"
		"  -v                 verbose: each forced abort\n"
		"  --version          print the rseqkit release and exit\n");
}

int main(int argc, char **argv)
{
	int argi;
	out = stderr;
	for (argi = 1; argi < argc; argi++) {
		const char *a = argv[argi];
		if (!strcmp(a, "--")) {
			argi++;
			break;
		} else if (!strcmp(a, "--no-inject")) {
			opt_inject = 0;
		} else if (!strcmp(a, "--no-syscalls")) {
			opt_syscalls = 0;
		} else if (!strcmp(a, "--full")) {
			opt_full = 1;
		} else if (!strncmp(a, "--violation-status=", 19)) {
			opt_violation_status = atoi(a + 19);
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			opt_verbose = 1;
		} else if (!strcmp(a, "-o") && argi + 1 < argc) {
			out = fopen(argv[++argi], "we");
			if (!out) {
				perror(argv[argi]);
				return 2;
			}
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			return tool_print_version("rseq-check");
		} else if (a[0] == '-') {
			fprintf(stderr, "rseq-check: unknown option %s\n", a);
			usage(stderr);
			return 2;
		} else {
			break;
		}
	}
	if (argi >= argc) {
		usage(stderr);
		return 2;
	}

	pid_t child = fork();
	if (child < 0) {
		perror("fork");
		return 2;
	}
	if (child == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL)) {
			perror("rseq-check: PTRACE_TRACEME");
			_exit(126);
		}
		raise(SIGSTOP);
		execvp(argv[argi], argv + argi);
		fprintf(stderr, "rseq-check: %s: %s\n", argv[argi], strerror(errno));
		_exit(127);
	}
	int st;
	if (waitpid(child, &st, 0) != child || !WIFSTOPPED(st)) {
		fprintf(stderr, "rseq-check: the child did not stop\n");
		return 2;
	}
	long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE |
		    PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
		    PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
	if (ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)opts)) {
		perror("rseq-check: PTRACE_SETOPTIONS");
		kill(child, SIGKILL);
		return 2;
	}
	struct proc *p0 = new_proc(child);
	struct thr *t0 = add_thr(child, p0);
	t0->started = 1;
	ptrace(PTRACE_SYSCALL, child, NULL, NULL);

	int exit_status = 0, have_exit = 0;
	while (thrs) {
		pid_t pid = waitpid(-1, &st, __WALL);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		struct thr *t = find_thr(pid);
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (pid == child) {
				have_exit = 1;
				exit_status = WIFEXITED(st) ? WEXITSTATUS(st)
							    : 128 + WTERMSIG(st);
				if (WIFSIGNALED(st))
					say("%s killed by signal %d (%s)", argv[argi],
					    WTERMSIG(st), strsignal(WTERMSIG(st)));
			}
			if (t)
				del_thr(t);
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		if (!t) {
			/* a new thread or child reporting before its parent's
			 * event: attach it to its process once the event comes */
			t = add_thr(pid, NULL);
		}
		int sig = WSTOPSIG(st), ev = st >> 16, inject = 0;
		enum __ptrace_request how = PTRACE_SYSCALL;

		if (sig == SIGTRAP && !ev) {
			siginfo_t si;
			memset(&si, 0, sizeof(si));
			ptrace(PTRACE_GETSIGINFO, pid, NULL, &si);
			int is_bp = si.si_code == SI_KERNEL || si.si_code == TRAP_BRKPT;
			int stepped = t->expect_abort >= 0 || t->reinsert >= 0;
			if (t->expect_abort >= 0)
				check_abort(t);
			if (t->reinsert >= 0) {
				struct pcs *c = &t->p->cs[t->reinsert];
				size_t b = t->reinsert_b;
				t->reinsert = -1;
				if (c->active && !c->active[b] &&
				    !c->o->cov[c->idx].forced[b] &&
				    !poke_byte(pid, c->o->cov[c->idx].bound[b] + c->bias,
					       0xcc, &c->orig[b]))
					c->active[b] = 1;
			}
			if (is_bp) {
				int r = on_breakpoint(t);
				if (r == 2)
					how = PTRACE_SINGLESTEP;
				else if (!r)
					inject = sig;
			} else if (!stepped) {
				inject = sig;
			}
		} else if ((t->expect_abort >= 0 || t->reinsert >= 0) &&
			   !(sig & 0x80) && !ev) {
			/* a signal before the single-step completed: deliver it
			 * (delivery aborts the section too) and keep stepping */
			inject = sig == SIGSTOP && !t->started ? 0 : sig;
			how = PTRACE_SINGLESTEP;
		} else if (sig == (SIGTRAP | 0x80)) {
			on_syscall(t);
		} else if (sig == SIGTRAP && ev) {
			unsigned long msg = 0;
			ptrace(PTRACE_GETEVENTMSG, pid, NULL, &msg);
			if (ev == PTRACE_EVENT_EXEC) {
				/* a new image: old tables and threads gone */
				struct proc *np = new_proc(pid);
				if (msg && (pid_t)msg != pid) {
					struct thr *old = find_thr((pid_t)msg);
					if (old)
						del_thr(old);
				}
				put_proc(t->p);
				t->p = np;
				np->refs = 1;
				t->area_known = 0;
				t->expect_abort = -1;
				scan_maps(np, pid);
			} else if (ev == PTRACE_EVENT_CLONE || ev == PTRACE_EVENT_FORK ||
				   ev == PTRACE_EVENT_VFORK) {
				pid_t nt = (pid_t)msg;
				struct thr *n = find_thr(nt);
				struct proc *np = t->p;
				if (ev != PTRACE_EVENT_CLONE || !np) {
					/* a new address space: same code and the
					 * same int3s as the parent at fork time */
					struct proc *q = new_proc(nt);
					if (q && np) {
						q->cs = calloc(np->ncs ? np->ncs : 1, sizeof(*q->cs));
						q->maps = calloc(np->nmaps ? np->nmaps : 1, sizeof(*q->maps));
						if (q->maps)
							memcpy(q->maps, np->maps, np->nmaps * sizeof(*q->maps));
						q->nmaps = q->maps ? np->nmaps : 0;
						for (size_t i = 0; q->cs && i < np->ncs; i++) {
							struct pcs *d = &q->cs[q->ncs++];
							size_t nb = np->cs[i].o->cov[np->cs[i].idx].nb;
							*d = np->cs[i];
							d->active = d->orig = NULL;
							if (!nb || !np->cs[i].active)
								continue;
							d->active = malloc(nb);
							d->orig = malloc(nb);
							if (d->active)
								memcpy(d->active, np->cs[i].active, nb);
							if (d->orig)
								memcpy(d->orig, np->cs[i].orig, nb);
						}
					}
					np = q;
				}
				if (n) {
					if (!n->p) {
						n->p = np;
						if (np)
							np->refs++;
					}
				} else {
					n = add_thr(nt, np);
				}
				if (n->held) {
					n->held = 0;
					ptrace(PTRACE_SYSCALL, nt, NULL, NULL);
				}
			}
		} else if (sig == SIGSTOP && !t->started) {
			/* the initial stop of a new thread or child; one whose
			 * parent's event has not come yet waits for it */
			if (!t->p) {
				t->started = 1;
				t->held = 1;
				continue;
			}
		} else {
			inject = sig;
		}
		t->started = 1;
		if (ptrace(how, pid, NULL, (void *)(long)inject) && errno == ESRCH)
			continue;
	}
	int rc = report();
	if (!have_exit)
		exit_status = 2;
	if (exit_status)
		return exit_status;
	if (n_violations || rc)
		return opt_violation_status;
	return 0;
}
#endif
