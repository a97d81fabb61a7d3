/* SPDX-License-Identifier: MIT */
/*
 * trace.c - the trace loop: every stop of every traced thread, and what
 * rseq-check does at it.
 *
 *   system-call entry  a system call inside a critical section: violation
 *   breakpoint         a thread at a boundary of a section: if its rseq_cs
 *                      names the section, the boundary's abort is forced
 *                      (the instruction put back, one single step shows
 *                      the abort); a registered thread whose rseq_cs does
 *                      not name it runs unprotected: violation; a thread
 *                      without a working registration is followed, step by
 *                      step, until it leaves: committing is a violation
 *   clone/fork/exec    new threads, new address spaces, new images
 */
#include "check.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#ifndef PTRACE_GET_SYSCALL_INFO
#define PTRACE_GET_SYSCALL_INFO 0x420e
#define PTRACE_SYSCALL_INFO_ENTRY 1
#define PTRACE_SYSCALL_INFO_EXIT 2
#endif
#ifndef TRAP_BRKPT
#define TRAP_BRKPT 1
#endif

/* Steps a thread without a registration may take inside one section. */
#define FOLLOW_LIMIT 100000

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

/* What a stop handler wants next for its thread. */
enum resume { RESUME, SINGLESTEP, HOLD };

static struct thr *thrs;

static struct thr *find_thr(pid_t tid)
{
	for (struct thr *t = thrs; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
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
	t->follow = -1;
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
	if (t->follow >= 0 && t->p)
		resume_section(t->tid, &t->p->cs[t->follow]);
	put_proc(t->p);
	free(t);
}

/* ---- system calls ------------------------------------------------------------ */

static void syscall_entry(struct thr *t, const struct sysinfo_buf *si)
{
	char b1[512], b2[512];
	uint64_t csp, start, pco, ip = si->instruction_pointer;
	uint64_t at = ip - rc_native_arch.syscall_len;
	uint8_t d[32];

	t->insyscall = (int)si->entry.nr;
	t->sc_prot = si->entry.args[2];
	if (!opt.syscalls || read_rseq_cs(t, &csp) || !csp || peek(t->tid, csp, d, sizeof(d)))
		return;
	memcpy(&start, d + 8, 8);
	memcpy(&pco, d + 16, 8);
	if (!(at - start < pco || ip - start < pco))
		return;
	struct pcs *c = cs_at(t->p, at);
	unsigned long nth = 1;
	tally.violations++;
	tally.syscalls++;
	if (c)
		nth = ++cov_of(c)->syscalls;
	t->disarmed = csp;
	if (nth <= 3)
		say("VIOLATION: thread %d: system call %" PRIu64 " inside critical "
		    "section %s at %s", t->tid, si->entry.nr,
		    c ? cs_name(c, b1, sizeof(b1)) : "(descriptor not in any ELF table)",
		    describe(t->p, at, b2, sizeof(b2)));
	if (nth == 3)
		say("(further system calls in this section counted, not shown)");
	/* The stop is a preemption: on return the kernel would abort the
	 * section, and a retry loop would make this call again forever.
	 * Leave the section unprotected instead so the program goes on. */
	clear_rseq_cs(t);
}

static void on_syscall(struct thr *t)
{
	struct sysinfo_buf si;

	memset(&si, 0, sizeof(si));
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(si), &si) <= 0)
		return;
	if (si.op == PTRACE_SYSCALL_INFO_ENTRY) {
		syscall_entry(t, &si);
	} else if (si.op == PTRACE_SYSCALL_INFO_EXIT) {
		long nr = t->insyscall;
		t->insyscall = -1;
		if (nr == rc_native_arch.sys_rseq)
			t->area_known = 0;
		if ((nr == rc_native_arch.sys_mmap || nr == rc_native_arch.sys_mprotect) &&
		    t->p && (t->sc_prot & PROT_EXEC))
			scan_maps(t->p, t->tid);
	}
}

/* ---- breakpoints ----------------------------------------------------------------- */

/* A thread without a working registration inside a section: nothing
 * protects it, so it must not commit.  Follow it with single steps. */
static enum resume follow_start(struct thr *t, struct pcs *c)
{
	t->follow = c - t->p->cs;
	t->follow_steps = 0;
	suspend_section(t->tid, c);
	return SINGLESTEP;
}

static enum resume follow_step(struct thr *t)
{
	struct pcs *c = &t->p->cs[t->follow];
	struct cscov *v = cov_of(c);
	char b1[512];
	uint64_t pc;

	if (rc_get_pc(t->tid, &pc))
		return RESUME;
	if (pc >= c->start && pc < c->end && ++t->follow_steps < FOLLOW_LIMIT)
		return SINGLESTEP;
	t->follow = -1;
	resume_section(t->tid, c);
	if (pc == c->end) {
		tally.violations++;
		tally.unregistered_commits++;
		if (!v->unregistered_reported++)
			say("VIOLATION: thread %d committed critical section %s "
			    "without a working rseq registration (nothing protected "
			    "it: it must abort on its index check)", t->tid,
			    cs_name(c, b1, sizeof(b1)));
	} else if (pc >= c->start && pc < c->end) {
		say("warning: thread %d without a registration stayed in %s "
		    "for %d steps", t->tid, cs_name(c, b1, sizeof(b1)), FOLLOW_LIMIT);
	} else {
		v->unregistered++;
		tally.unregistered_runs++;
	}
	return RESUME;
}

/* A thread stopped on the breakpoint of boundary b of section c. */
static enum resume at_boundary(struct thr *t, struct pcs *c, size_t b, uint64_t at)
{
	struct cscov *v = cov_of(c);
	const struct rcs *r = rcs_of(c);
	char b1[512], b2[512];
	uint64_t csp = 0;

	disarm_boundary(t->tid, c, b);
	rc_set_pc(t->tid, at);
	if (!thread_area(t))
		return follow_start(t, c);
	int have = read_rseq_cs(t, &csp) == 0;
	if (!have || csp != r->desc + c->bias) {
		/* step over the instruction, then put the breakpoint back */
		t->reinsert = c - t->p->cs;
		t->reinsert_b = b;
		if (have && !csp && t->disarmed == r->desc + c->bias)
			return SINGLESTEP;	/* our doing after a syscall report */
		tally.violations++;
		tally.unarmed++;
		if (!v->unarmed_reported++)
			say("VIOLATION: thread %d inside critical section %s at %s but %s",
			    t->tid, cs_name(c, b1, sizeof(b1)),
			    describe(t->p, at, b2, sizeof(b2)),
			    !have ? "its rseq area is unreadable" :
			    csp ? "rseq_cs points to another descriptor" :
				  "rseq_cs is 0 (not armed)");
		return SINGLESTEP;
	}
	t->disarmed = 0;
	v->entered = 1;
	if (!v->forced[b]) {
		v->forced[b] = 1;
		v->forced_n++;
	}
	if (opt.verbose)
		say("thread %d: abort forced in %s at boundary %zu (%s)", t->tid,
		    cs_name(c, b1, sizeof(b1)), b, describe(t->p, at, b2, sizeof(b2)));
	t->expect_abort = c - t->p->cs;
	t->expect_b = b;
	return SINGLESTEP;
}

/* A breakpoint trap: ours (handled) or the program's (delivered). */
static int on_breakpoint(struct thr *t, enum resume *how)
{
	uint64_t pc;

	if (!t->p || rc_get_pc(t->tid, &pc))
		return 0;
	uint64_t at = pc - rc_native_arch.bp_trap_advance;
	struct pcs *c = cs_at(t->p, at);
	long b = c ? boundary_of(c, at) : -1;
	if (b < 0)		/* sections hold no breakpoint of their own */
		return 0;
	*how = at_boundary(t, c, (size_t)b, at);
	return 1;
}

/* After the single step that follows a forced abort: did it abort? */
static void check_abort(struct thr *t)
{
	struct pcs *c = &t->p->cs[t->expect_abort];
	struct cscov *v = cov_of(c);
	uint64_t csp = 1, pc;

	t->expect_abort = -1;
	if (rc_get_pc(t->tid, &pc))
		return;
	read_rseq_cs(t, &csp);
	if (csp == 0 && !(pc >= c->start && pc < c->end)) {
		v->aborts++;
	} else {
		v->no_abort++;
		if (opt.verbose)
			say("thread %d: no abort after forcing boundary %zu", t->tid,
			    t->expect_b);
	}
}

static void reinsert(struct thr *t)
{
	struct pcs *c = &t->p->cs[t->reinsert];

	t->reinsert = -1;
	if (!c->suspended)
		arm_boundary(t->tid, c, t->reinsert_b);
}

/* A SIGTRAP that is not a system call or an event: ours or the program's.
 * Returns the signal to deliver. */
static int on_sigtrap(struct thr *t, enum resume *how)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	ptrace(PTRACE_GETSIGINFO, t->tid, NULL, &si);
	int is_bp = si.si_code == SI_KERNEL || si.si_code == TRAP_BRKPT;
	int stepped = t->expect_abort >= 0 || t->reinsert >= 0 || t->follow >= 0;

	if (t->expect_abort >= 0)
		check_abort(t);
	if (t->reinsert >= 0)
		reinsert(t);
	if (t->follow >= 0 && !is_bp) {
		*how = follow_step(t);
		return 0;
	}
	if (is_bp)
		return on_breakpoint(t, how) ? 0 : SIGTRAP;
	return stepped ? 0 : SIGTRAP;
}

/* ---- new threads, processes, images --------------------------------------------- */

static void on_exec(struct thr *t, pid_t former)
{
	struct proc *np = new_proc(t->tid);

	if (former && former != t->tid) {
		struct thr *old = find_thr(former);
		if (old)
			del_thr(old);
	}
	put_proc(t->p);
	t->p = np;
	if (np)
		np->refs = 1;
	t->area_known = 0;
	t->expect_abort = -1;
	t->reinsert = -1;
	t->follow = -1;
	if (np)
		scan_maps(np, t->tid);
}

static void on_new_task(struct thr *t, int ev, pid_t nt)
{
	struct thr *n = find_thr(nt);
	struct proc *np = t->p;

	if (ev != PTRACE_EVENT_CLONE || !np)
		np = fork_proc(t->p, nt);	/* a new address space */
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

/* ---- the loop ------------------------------------------------------------------------ */

/* One stop of thread t; returns the signal to deliver, or -1: do not resume. */
static int on_stop(struct thr *t, int st, enum resume *how)
{
	int sig = WSTOPSIG(st), ev = st >> 16;
	int stepping = t->expect_abort >= 0 || t->reinsert >= 0 || t->follow >= 0;

	if (sig == SIGTRAP && !ev)
		return on_sigtrap(t, how);
	if (stepping && !(sig & 0x80) && !ev) {
		/* a signal before the single step completed: deliver it
		 * (delivery aborts a section too) and keep stepping */
		*how = SINGLESTEP;
		return sig == SIGSTOP && !t->started ? 0 : sig;
	}
	if (sig == (SIGTRAP | 0x80)) {
		on_syscall(t);
		return 0;
	}
	if (sig == SIGTRAP && ev) {
		unsigned long msg = 0;
		ptrace(PTRACE_GETEVENTMSG, t->tid, NULL, &msg);
		if (ev == PTRACE_EVENT_EXEC)
			on_exec(t, (pid_t)msg);
		else if (ev == PTRACE_EVENT_CLONE || ev == PTRACE_EVENT_FORK ||
			 ev == PTRACE_EVENT_VFORK)
			on_new_task(t, ev, (pid_t)msg);
		return 0;
	}
	if (sig == SIGSTOP && !t->started && !t->p) {
		/* the first stop of a thread whose parent's event has not
		 * come yet: it waits for that event */
		t->started = 1;
		t->held = 1;
		return -1;
	}
	if (sig == SIGSTOP && !t->started)
		return 0;
	return sig;
}

int trace(pid_t child, const char *name)
{
	int exit_status = 2, st;
	struct proc *p0 = new_proc(child);
	struct thr *t0 = add_thr(child, p0);

	t0->started = 1;
	ptrace(PTRACE_SYSCALL, child, NULL, NULL);
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
				exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
				if (WIFSIGNALED(st))
					say("%s killed by signal %d (%s)", name,
					    WTERMSIG(st), strsignal(WTERMSIG(st)));
			}
			if (t)
				del_thr(t);
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		if (!t)		/* reporting before its parent's event */
			t = add_thr(pid, NULL);
		enum resume how = RESUME;
		int sig = on_stop(t, st, &how);
		if (sig < 0)
			continue;
		t->started = 1;
		if (ptrace(how == SINGLESTEP ? PTRACE_SINGLESTEP : PTRACE_SYSCALL, pid,
			   NULL, (void *)(long)sig) && errno == ESRCH)
			continue;
	}
	return exit_status;
}
