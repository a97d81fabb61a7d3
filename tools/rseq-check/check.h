/* SPDX-License-Identifier: MIT */
/*
 * check.h - internals of rseq-check: the options, the ELF objects and the
 * critical sections mapped in each traced process, the traced threads.
 *
 *   options.c  the command line          spawn.c   the traced child
 *   objects.c  ELF objects, section maps  tracee.c  tracee memory, rseq area
 *   trace.c    the trace loop, events     report.c  the coverage report
 *   arch/      one file per architecture (arch.h)
 */
#ifndef RSEQKIT_TOOLS_CHECK_H
#define RSEQKIT_TOOLS_CHECK_H

#include "arch.h"
#include "rseqelf.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* ---- options.c ------------------------------------------------------------ */

struct options {
	int inject, syscalls, verbose, full, violation_status;
	FILE *out;
};
extern struct options opt;

/* Parses argv; returns the index of PROGRAM, or -(exit status + 1) when
 * the tool is to exit (help, usage error). */
int parse_options(int argc, char **argv);

__attribute__((format(printf, 1, 2)))
void say(const char *fmt, ...);

/* The violations found, by kind. */
struct tally {
	unsigned long violations, syscalls, unarmed, unregistered_commits;
	unsigned long unregistered_runs;	/* correct: aborted or exited */
};
extern struct tally tally;

/* ---- spawn.c ------------------------------------------------------------------ */

/* Starts argv[0] under ptrace, stopped before its first instruction with
 * the tracing options set; returns its pid or -1 (reported). */
pid_t spawn(char **argv);

/* ---- objects.c ------------------------------------------------------------- */

/* Per critical section of an object: decoded boundaries and coverage
 * (over every process that maps the object). */
struct cscov {
	size_t nb;
	uint64_t *bound;		/* link-time addresses, ascending */
	uint8_t *forced;
	int decode_complete;
	int entered;			/* by a registered thread */
	int unarmed_reported, unregistered_reported;
	unsigned long forced_n, aborts, no_abort, syscalls, unregistered;
};

struct obj {
	char path[PATH_MAX];
	dev_t dev;
	ino_t ino;
	uint8_t *map;
	size_t len;
	struct rinspect ri;
	int ok;
	struct cscov *cov;		/* one per ri.cs[] */
	struct obj *next;
};
extern struct obj *objs;

/* A critical section mapped in a process. */
struct pcs {
	struct obj *o;
	size_t idx;			/* in o->ri.cs[] */
	uint64_t bias;
	uint64_t start, end;		/* run-time [start_ip, post-commit) */
	uint8_t *active;		/* per boundary: breakpoint inserted */
	uint32_t *orig;			/* per boundary: the bytes it replaced */
	int suspended;			/* threads run through it unprotected */
};

struct proc {
	pid_t pid;
	int refs;
	struct pcs *cs;
	size_t ncs;
	size_t *order;			/* cs indices by start */
	struct { struct obj *o; uint64_t bias; } *maps;
	size_t nmaps;
};

struct proc *new_proc(pid_t pid);
void put_proc(struct proc *p);
/* The address space of a child forked from p: the same objects, the same
 * breakpoints. */
struct proc *fork_proc(const struct proc *p, pid_t pid);
/* Reads /proc/PID/maps and adds the sections of new executable mappings. */
void scan_maps(struct proc *p, pid_t pid);
struct pcs *cs_at(const struct proc *p, uint64_t addr);
long boundary_of(const struct pcs *c, uint64_t addr);
static inline struct cscov *cov_of(const struct pcs *c)
{
	return &c->o->cov[c->idx];
}
static inline const struct rcs *rcs_of(const struct pcs *c)
{
	return &c->o->ri.cs[c->idx];
}
/* Inserts / removes the breakpoint of boundary b in process pid. */
int arm_boundary(pid_t pid, struct pcs *c, size_t b);
int disarm_boundary(pid_t pid, struct pcs *c, size_t b);
/* All boundaries of c out of the code while a thread runs through it
 * unprotected; back in when the last such thread left. */
void suspend_section(pid_t pid, struct pcs *c);
void resume_section(pid_t pid, struct pcs *c);
const char *describe(const struct proc *p, uint64_t addr, char *buf, size_t n);
const char *cs_name(const struct pcs *c, char *buf, size_t n);

/* ---- tracee.c -------------------------------------------------------------- */

int peek(pid_t pid, uint64_t addr, void *dst, size_t n);
int poke(pid_t pid, uint64_t addr, const void *src, size_t n);

struct thr {
	pid_t tid;
	struct proc *p;
	uint64_t area;			/* its struct rseq, 0: not registered */
	int area_known;
	int started;			/* saw its first stop */
	int held;			/* first stop seen before its parent's event */
	long expect_abort;		/* p->cs index of a forced abort, -1 */
	size_t expect_b;
	long reinsert;			/* p->cs index of a boundary to re-arm, -1 */
	size_t reinsert_b;
	long follow;			/* p->cs index it runs through unregistered, -1 */
	unsigned follow_steps;
	int insyscall;
	uint64_t sc_prot;
	uint64_t disarmed;		/* descriptor this tool cleared after a syscall */
	struct thr *next;
};

/* The thread's rseq area as the kernel knows it (0: not registered). */
uint64_t thread_area(struct thr *t);
int read_rseq_cs(struct thr *t, uint64_t *cs);
int clear_rseq_cs(struct thr *t);

/* ---- trace.c -------------------------------------------------------------------- */

/* Traces the child and everything it starts until they are gone; returns
 * the child's exit status (128 + signal when killed), 2 when it vanished. */
int trace(pid_t child, const char *name);

/* ---- report.c ------------------------------------------------------------------- */

/* Prints the coverage; 1 when --full is not met. */
int report(void);

#endif
