# SPDX-License-Identifier: MIT
"""gdb_session.py - drives gdb as a user does, inside `gdb -batch -x`.

Run by tests/tools/gdb.sh (and gdb-kselftest.sh) as
    gdb -batch -nx -x tests/tools/gdb_session.py PROGRAM
with the environment:
    RSEQ_GDB_PLAN    count | threads | structs | signal | kselftest
    RSEQ_GDB_SRC     the program's main source file (lines are found in it)
    RSEQ_GDB_EXT     tools/gdb/rseq.py to source ("" for the control run,
                     "auto" when the program loads it by itself)
    RSEQ_GDB_GROUPS  the command groups to run (default: all of the plan's)
    RSEQ_GDB_BOUND   seconds one command may take (default 30)

Every command runs under a watchdog that interrupts the program (SIGINT)
when the bound passes; a command then counts as hung.  Each check prints
"RESULT <name> ok|FAIL <detail>"; the session ends with "N passed, N failed"
and exits 1 on a failure.
"""

import os
import re
import signal
import threading
import time

import gdb

PLAN = os.environ.get("RSEQ_GDB_PLAN", "count")
SRC = os.environ.get("RSEQ_GDB_SRC", "")
EXT = os.environ.get("RSEQ_GDB_EXT", "")
BOUND = float(os.environ.get("RSEQ_GDB_BOUND", "30"))
GROUPS = os.environ.get("RSEQ_GDB_GROUPS", "")
CONTROL = EXT == ""

gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set width 0")
if EXT and EXT != "auto":
    gdb.execute("source " + EXT)
if os.environ.get("RSEQ_GDB_DEBUG"):
    gdb.execute("set rseq-debug on")

_passed = [0]
_failed = [0]
_slowest = [0.0, ""]


def result(name, ok, detail=""):
    if ok:
        _passed[0] += 1
    else:
        _failed[0] += 1
    gdb.write("RESULT %s %s %s\n" % (name, "ok" if ok else "FAIL", detail))
    gdb.flush()


class Hung(Exception):
    pass


def cmd(c, bound=None):
    """Runs a command as a user types it; returns (seconds, error or None).
    Raises Hung when it did not return within the bound."""
    bound = BOUND if bound is None else bound
    inf = gdb.selected_inferior()
    pid = inf.pid
    fired = []

    def fire():
        fired.append(1)
        try:
            os.kill(pid, signal.SIGINT)
        except OSError:
            pass

    t = threading.Timer(bound, fire)
    if pid:
        t.start()
    t0 = time.monotonic()
    err = None
    gdb.write("(gdb) %s\n" % c)
    try:
        gdb.execute(c)
    except gdb.error as e:
        err = str(e)
        gdb.write("error: %s\n" % err)
    finally:
        t.cancel()
    dt = time.monotonic() - t0
    if dt > _slowest[0]:
        _slowest[0], _slowest[1] = dt, c
    if fired:
        raise Hung("%s did not return within %g s" % (c, bound))
    return dt, err


# -- the program's source -------------------------------------------------

_lines = open(SRC).read().splitlines() if SRC else []


def line_of(pattern, nth=0):
    """Number of the nth source line matching a regular expression, or of
    the line carrying the marker "@name" when pattern starts with '@'."""
    rx = re.compile(r"/\*\s*" + re.escape(pattern) + r"\s*\*/" if pattern.startswith("@")
                    else pattern)
    found = [i + 1 for i, t in enumerate(_lines) if rx.search(t)]
    if len(found) <= nth:
        raise RuntimeError("no line %r in %s" % (pattern, SRC))
    return found[nth]


def lines_between(a, b):
    return set(range(a, b + 1))


# -- where the thread is ---------------------------------------------------

def sections():
    rk = getattr(gdb, "rseqkit", None)
    return rk.tables() if rk else []


def here():
    f = gdb.newest_frame()
    sal = f.find_sal()
    real = f
    while real is not None and real.type() == gdb.INLINE_FRAME:
        real = real.older()
    return {
        "pc": int(f.pc()),
        "func": f.name() or "?",
        "real": (real.name() if real is not None else None) or "?",
        "file": sal.symtab.filename.rsplit("/", 1)[-1] if sal.symtab else None,
        "line": sal.line,
        "thread": gdb.selected_thread().num,
    }


def fmt(h):
    return "%s:%s in %s (%s) pc 0x%x thread %d" % (h["file"], h["line"], h["func"],
                                                   h["real"], h["pc"], h["thread"])


def in_section(pc):
    for c in sections():
        if c.start <= pc < c.end:
            return c
    return None


def live():
    inf = gdb.selected_inferior()
    return inf.pid != 0


def exit_code():
    try:
        return int(gdb.parse_and_eval("$_exitcode"))
    except (gdb.error, ValueError):
        return None


def notes():
    rk = getattr(gdb, "rseqkit", None)
    return list(rk.notes) if rk else []


_note_mark = [0]


def mark():
    """Remembers the notes so far; aborted() then says whether a critical
    section aborted since (a thread stepped slowly may migrate between
    reading its CPU number and the section: the section then aborts, as
    it must, and the program retries)."""
    rk = getattr(gdb, "rseqkit", None)
    _note_mark[0] = rk.note_count[0] if rk else 0


def aborted():
    rk = getattr(gdb, "rseqkit", None)
    if not rk:
        return False
    new = rk.note_count[0] - _note_mark[0]
    return any(" aborted" in n for n in list(rk.notes)[-new:]) if new > 0 else False


# -- one checked command -----------------------------------------------------

# rseqkit's headers: at -O2 gdb stops on lines of inlined operations too
HEADERS = ("rseq.h", "ops.h", "arch.h", "common.h", "counter.h", "lock.h",
           "stack.h", "buffer.h", "fifo.h", "cache.h", "pool.h")


def step(name, c, lines=None, func=None, real=None, delta=None, total=None,
         bound=None, thread=None, src_file=None, headers_ok=False):
    """Runs c and checks: it returned within the bound, the thread is not
    inside a critical section, and optionally the line (a set), the
    function, the real (outermost) function, the counter's change."""
    before = total() if (total and delta is not None) else None
    mark()
    try:
        dt, err = cmd(c, bound)
    except Hung as e:
        result(name, False, str(e))
        raise
    if err is not None:
        result(name, False, "error: %s" % err)
        return None
    if not live():
        result(name, False, "the program ended")
        return None
    h = here()
    why = []
    cs = in_section(h["pc"])
    if cs is not None:
        why.append("inside critical section [0x%x, 0x%x)" % (cs.start, cs.end))
    if lines is not None and h["line"] not in lines and not (
            headers_ok and h["file"] and h["file"] in HEADERS):
        why.append("line %s not in %s" % (h["line"], sorted(lines)))
    if src_file is not None and h["file"] != src_file:
        why.append("file %s, expected %s" % (h["file"], src_file))
    if func is not None and not re.search(func, h["func"]):
        why.append("function %s, expected %s" % (h["func"], func))
    if real is not None and not re.search(real, h["real"]):
        why.append("real function %s, expected %s" % (h["real"], real))
    if thread is not None and h["thread"] != thread:
        why.append("thread %d, expected %d" % (h["thread"], thread))
    if before is not None:
        d = total() - before
        if d != delta and not (d == delta - 1 and aborted()):
            why.append("counter moved by %d, expected %d" % (d, delta))
    result(name, not why, "%.2fs %s%s" % (dt, fmt(h), "; " + "; ".join(why) if why else ""))
    return h


def finish_program(name):
    gdb.execute("delete")
    try:
        cmd("continue", bound=max(BOUND, float(os.environ.get("RSEQ_GDB_END_BOUND", "120"))))
    except Hung as e:
        result(name, False, str(e))
        return
    code = exit_code()
    result(name, code == 0 and not live(), "exit code %s" % code)


def run_to(name, where, bound=None):
    gdb.execute("break %s" % where)
    try:
        cmd("run" if not live() else "continue", bound)
    except Hung as e:
        result(name, False, str(e))
        raise
    gdb.execute("delete")
    ok = live()
    result(name, ok, fmt(here()) if ok else "the program ended")
    if not ok:
        raise Hung(name)


def group(g):
    return not GROUPS or g in GROUPS.split(",")


def slot_sum(sym, nslots=1024, stride=64):
    """Sum of a static array of per-CPU slots (first word of each)."""
    addr = int(gdb.parse_and_eval("(unsigned long)&%s" % sym))
    data = bytes(gdb.selected_inferior().read_memory(addr, nslots * stride))
    w = 8 if gdb.lookup_type("long").sizeof == 8 else 4
    tot = 0
    for i in range(0, len(data), stride):
        tot += int.from_bytes(data[i:i + w], "little", signed=True)
    return tot


def value(expr):
    return int(gdb.parse_and_eval(expr))


def guards_to(name, thread=None):
    """Stops the thread at the instruction before a section's arming store
    (temporary breakpoints on every section of the program); returns the
    section, or None."""
    cs = [c for c in sections() if c.guard is not None and c.objfile.endswith(
        gdb.current_progspace().filename.rsplit("/", 1)[-1])]
    if not cs:
        result(name, False, "no section with a known arming store")
        return None
    for c in cs:
        gdb.execute("tbreak *0x%x%s" % (c.guard, " thread %d" % thread if thread else ""),
                    to_string=True)
    try:
        cmd("continue")
    finally:
        gdb.execute("delete", to_string=True)
    pc = here()["pc"]
    for c in cs:
        if c.guard == pc:
            return c
    result(name, False, "stopped at 0x%x, not at a section: %s" % (pc, fmt(here())))
    return None


def stepi_through(name, c, total=None, thread=None):
    """From the guard: stepi to the arming store, then stepi/nexti once
    more must run the whole section to its post-commit address."""
    cs = guards_to(name + "-reach", thread)
    if cs is None:
        return
    t0 = total() if total else None
    cmd(c)
    h = here()
    result(name + "-arm", h["pc"] == cs.pre, "%s, arming store 0x%x" % (fmt(h), cs.pre))
    mark()
    cmd(c)
    h = here()
    why = []
    if in_section(h["pc"]):
        why.append("inside the section")
    elif h["pc"] not in [cs.end] + list(cs.exits) and not aborted():
        why.append("not at post-commit 0x%x or an exit, and no abort" % cs.end)
    if total and h["pc"] == cs.end and total() != t0 + 1:
        why.append("counter moved by %d, expected 1" % (total() - t0))
    result(name + "-section", not why, fmt(h) + ("; " + "; ".join(why) if why else ""))


def inside_breakpoint(name, total, rounds=3):
    """A breakpoint on the second instruction of a section: `continue`
    stops there each time the section runs, the retry commits once in
    between; `next` from there gets out."""
    cs = guards_to(name + "-reach")
    if cs is None:
        return
    arch = gdb.newest_frame().architecture()
    first = arch.disassemble(cs.start)[0]
    addr = cs.start + first["length"]
    if addr >= cs.end:
        addr = cs.start
    gdb.execute("break *0x%x" % addr)
    cmd("continue")
    h = here()
    result(name + "-stop", h["pc"] == addr, fmt(h))
    # a function called from there leaves the section armed (the kernel
    # would have cleared rseq_cs for the call: the rest of the section
    # would then run unprotected)
    if gdb.lookup_global_symbol("rseq_available") or gdb.parse_and_eval("&rseqkit_available"):
        cmd("print (int)rseqkit_available()")
        st = gdb.rseqkit.thread_state()
        result(name + "-call", st.get("rseq_cs") == cs.desc,
               "rseq_cs 0x%x after a call, descriptor 0x%x" % (st.get("rseq_cs") or 0, cs.desc))
    result(name + "-note", any("stopped inside critical section" in n for n in notes()),
           "; ".join(notes()[-2:]))
    for i in range(rounds):
        t0 = total()
        cmd("continue")
        h = here()
        result("%s-continue%d" % (name, i), h["pc"] == addr and total() == t0 + 1,
               "%s, counter +%d" % (fmt(h), total() - t0))
    gdb.execute("delete")
    # resuming aborts the section: next ends at the retry or after it
    t0 = total()
    step(name + "-next", "next")
    result(name + "-next-count", total() - t0 in (0, 1), "counter +%d" % (total() - t0))


# -- plans -----------------------------------------------------------------------

def plan_count():
    """The README's count.c (the per-CPU increment inlined into main's loop
    at -O2)."""
    L_call = line_of(r"^\s*count_event\(\);")
    L_for = line_of(r"for \(int i = 0; i < 1000; i\+\+\)")
    L_addv = line_of(r"if \(rseq_addv\(")
    L_ret = line_of(r"^\s*return;$")
    L_sum = line_of(r"sum = __atomic_load_n")

    def total():
        return slot_sum("slots") + value("fallback")

    run_to("count-start", "main")
    loop = {L_for, L_call}
    for i in range(6):                          # to the call line
        if here()["line"] == L_call:
            break
        step("count-next-to-loop%d" % i, "next", real="main")
    if group("next"):
        for i in range(4):
            at_call = here()["line"] == L_call
            step("count-next%d" % i, "next", lines=loop, real="main",
                 total=total, delta=1 if at_call else 0, src_file="count.c")
    if group("step"):
        for i in range(6):
            if here()["line"] == L_call:
                break
            step("count-next-to-call", "next", lines=loop)
        t0 = total()
        # Stepped line by line, the thread stops between reading its CPU
        # and the section and may resume elsewhere: the section then fails
        # its CPU check (or aborts) and the loop retries, about half the
        # time on 2 busy CPUs.  Enough steps for a dozen retries.
        for i in range(200):
            h = step("count-step%d" % i, "step")
            if h is None or (h["func"] == "main" and h["line"] in loop and total() != t0):
                break
        result("count-step-progress", total() == t0 + 1, "counter +%d" % (total() - t0))
    if group("stepi"):
        stepi_through("count-stepi", "stepi", total)
        stepi_through("count-nexti", "nexti", total)
    if group("until"):
        for i in range(8):
            if here()["real"] == "main" and here()["line"] == L_call:
                break
            step("count-next-to-call", "next")
        # until never goes back: a retry after a migration (see above)
        # jumps back and until then runs the loop out, as gdb documents.
        # The check is about the section, so the thread stays on one CPU
        # for this one command.
        pid = gdb.selected_inferior().pid
        try:
            saved = os.sched_getaffinity(pid)
            os.sched_setaffinity(pid, {min(saved)})
        except OSError:
            saved = None
        step("count-until", "until", lines=loop, real="main", total=total, delta=1)
        if saved is not None:
            try:
                os.sched_setaffinity(pid, saved)
            except OSError:
                pass
    if group("finish"):
        gdb.execute("break count_event")
        cmd("continue")
        gdb.execute("delete")
        h = here()
        result("count-finish-reach", h["func"] == "count_event", fmt(h))
        # out of count_event (a real frame at -O0, an inlined one at -O2)
        step("count-finish", "finish", real="main", func="^main$", total=total, delta=1)
    if group("inside"):
        inside_breakpoint("count-inside", total)
    if group("next-addv"):
        # next over the rseq_addv line (a line of its own at -O0; at -O2
        # gdb has no stop on it) lands on the return
        # A thread stopped on that line may resume on another CPU: the
        # section then sees a CPU other than the one the program read, and
        # rseq_addv returns -1 without an abort; the program retries from
        # its while line, the counter unchanged.  That is the program's
        # correct behaviour, not the extension's failure: it is noted and
        # the next is tried again (at most 5 times).
        L_while = line_of(r"while \(rseq_current_cpu_raw\(\) >= 0\)")
        gdb.execute("break count_event")
        cmd("continue")
        gdb.execute("delete")
        for attempt in range(5):
            for i in range(4):
                if here()["line"] == L_addv or here()["func"] != "count_event":
                    break
                step("count-next-to-addv%d" % i, "next")
            if here()["line"] != L_addv:
                gdb.write("note: no stop on line %d here\n" % L_addv)
                break
            t0 = total()
            inlined = here()["real"] != "count_event"
            if attempt < 4:
                cmd("next")
                h = here()
                if (live() and h["line"] == L_while and total() == t0 and
                        h["func"] == "count_event" and in_section(h["pc"]) is None):
                    gdb.write("note: rseq_addv saw another CPU and the loop retried "
                              "(attempt %d)\n" % attempt)
                    continue
                result("count-next-addv", live() and total() == t0 + 1 and
                       h["line"] in ({L_ret} | (loop if inlined else set())) and
                       in_section(h["pc"]) is None and h["file"] == "count.c",
                       "%s, counter +%d" % (fmt(h), total() - t0))
            else:
                step("count-next-addv", "next", total=total, delta=1,
                     lines={L_ret} | (loop if inlined else set()), src_file="count.c")
            break
    if group("advance"):
        for i in range(3):
            if here()["func"] == "main":
                break
            step("count-finish-to-main%d" % i, "finish")
        step("count-advance", "advance %d" % L_sum, lines={L_sum}, real="main")
        result("count-total", total() == 1000, "total %d" % total())
    finish_program("count-exit")


def plan_threads():
    """examples/percpu_counter_raw.c: 4 threads adding through rseq_addv."""
    L_first = line_of(r"^static void counter_add")
    L_last = line_of(r"^static intptr_t counter_sum") - 1
    L_w0 = line_of(r"^static void \*worker")
    L_w1 = line_of(r"^int main") - 1
    ok_lines = lines_between(L_first, L_last) | lines_between(L_w0, L_w1)
    run_to("threads-start", "counter_add")
    th = here()["thread"]
    def ran(ns):   # sections the extension ran: committed, or aborted (migrated)
        return sum("to its commit" in n or " aborted" in n for n in ns)

    commits0 = ran(notes())

    def nexts(tag, n):
        for i in range(n):
            step("threads-%s%d" % (tag, i), "next", lines=ok_lines, thread=th,
                 headers_ok=True)

    if group("next"):
        nexts("next-replay", 10)
        commits = ran(notes())
        result("threads-sections-ran", commits > commits0, "%d sections run" % (commits - commits0))
    if group("locking"):
        gdb.execute("set scheduler-locking off")
        nexts("next-unlocked", 4)
        gdb.execute("set scheduler-locking on")
        nexts("next-locked", 6)
        gdb.execute("set scheduler-locking step")
        nexts("next-lockstep", 6)
        gdb.execute("set scheduler-locking replay")
    if group("switch"):
        # another worker reaches counter_add; step it, then go back to the
        # first one, which gdb stopped wherever it was
        gdb.execute("break counter_add")
        th2 = th
        others = [t for t in gdb.selected_inferior().threads()
                  if t.is_valid() and t.num not in (1, th)]
        for i in range(8 if others else 0):
            cmd("continue")
            th2 = here()["thread"]
            if th2 != th:
                break
        gdb.execute("delete")
        if others:
            result("threads-other-reached", th2 != th, fmt(here()))
        else:
            gdb.write("note: the other workers are done: no thread to switch to\n")
        for i in range(3):
            step("threads-other%d" % i, "next", thread=th2, lines=ok_lines,
                 headers_ok=True)
        gdb.execute("thread %d" % th)
        for i in range(8):
            if here()["func"] in ("counter_add", "worker"):
                break
            step("threads-back-finish%d" % i, "finish", thread=th)
        for i in range(3):
            step("threads-back%d" % i, "next", thread=th, lines=ok_lines,
                 headers_ok=True)
    if group("stepi"):
        stepi_through("threads-stepi", "stepi", thread=th)
        stepi_through("threads-nexti", "nexti", thread=th)
    if group("until"):
        step("threads-until", "until", thread=th)
    finish_program("threads-exit")


def plan_structs():
    """tests/tools/gdb/structs.c: every per-CPU structure, one line each."""
    first = line_of("@counter")
    last = line_of("@end")
    body = lines_between(first, last)
    call = line_of("@call")
    run_to("structs-start", "exercise")
    if group("next"):
        prev = here()["line"]
        for i in range(60):
            h = step("structs-next%d" % i, "next", lines=body | {call, call - 1},
                     headers_ok=True)
            if h is None or h["func"] != "exercise":
                break
            prev = h["line"]
        result("structs-next-out", here()["func"] == "main", "last line in exercise %d" % prev)
    if group("step"):
        gdb.execute("break structs.c:%d" % line_of("@many"))
        cmd("continue")
        gdb.execute("delete")
        # into a library function that holds critical sections
        h = step("structs-step-into-lib", "step", func="buffer_push_many")
        for i in range(40):
            if h is None or "push_many" not in h["func"] and "push_many" not in h["real"]:
                break
            h = step("structs-lib-next%d" % i, "next")
        result("structs-lib-out", h is not None and h["func"] == "exercise",
               fmt(here()))
    if group("finish"):
        gdb.execute("break structs.c:%d" % line_of("@many"))
        cmd("continue")
        gdb.execute("delete")
        step("structs-step-into-lib2", "step", func="buffer_push_many")
        step("structs-lib2-next", "next")
        step("structs-lib-finish", "finish", func="exercise")
    finish_program("structs-exit")


def plan_signal():
    """tests/tools/gdb/signal.c: sections in a SIGALRM handler and in the
    code it interrupts."""
    handler = lines_between(line_of(r"^static void on_alarm"), line_of("@hend"))
    gdb.execute("handle SIGALRM nostop noprint pass")
    run_to("signal-start", "work")
    if group("next"):
        for i in range(10):
            step("signal-next%d" % i, "next")
    if group("handler"):
        run_to("signal-handler", "on_alarm")
        th = here()["thread"]
        for i in range(3):
            step("signal-handler-next%d" % i, "next", thread=th)
            if here()["line"] not in handler:
                break
    if group("finish"):
        run_to("signal-handler2", "on_alarm")
        step("signal-handler-finish", "finish")
    if group("stepi"):
        run_to("signal-handler3", "on_alarm")
        stepi_through("signal-stepi", "stepi", thread=here()["thread"])
    finish_program("signal-exit")


def plan_kselftest():
    """The kernel's basic_percpu_ops_test (tests/tools/gdb-kselftest.sh):
    200 threads take per-CPU spinlocks and push/pop per-CPU lists."""
    run_to("kselftest-lock", "rseq_this_cpu_lock")
    th = here()["thread"]
    for i in range(8):
        step("kselftest-lock-next%d" % i, "next", thread=th)
    stepi_through("kselftest-stepi", "stepi", thread=th)
    run_to("kselftest-push", "this_cpu_list_push")
    th = here()["thread"]
    for i in range(6):
        step("kselftest-push-next%d" % i, "next", thread=th)
    run_to("kselftest-pop", "this_cpu_list_pop")
    th = here()["thread"]
    step("kselftest-pop-next", "next", thread=th)
    step("kselftest-pop-finish", "finish", thread=th)
    finish_program("kselftest-exit")


PLANS = {"count": plan_count, "threads": plan_threads, "structs": plan_structs,
         "signal": plan_signal, "kselftest": plan_kselftest}

try:
    PLANS[PLAN]()
except Hung as e:
    gdb.write("session stopped: %s\n" % e)
except (gdb.error, RuntimeError) as e:
    result("%s-session" % PLAN, False, "%s: %s" % (type(e).__name__, e))
gdb.write("slowest command: %.2fs (%s)\n" % tuple(_slowest))
gdb.write("%d passed, %d failed\n" % (_passed[0], _failed[0]))
try:
    if live():
        gdb.execute("kill")
except gdb.error:
    pass
gdb.execute("quit %d" % (1 if _failed[0] else 0))
