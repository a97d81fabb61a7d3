# SPDX-License-Identifier: MIT
"""lldb_session.py - drives lldb as a user does, through
tools/lldb/rseq_lldb.py, inside `lldb -b -o "command script import THIS"`
(Debian's lldb-14 Python module loads only inside lldb).  The lldb twin
of tests/tools/gdb_session.py, on the same programs.  Environment:

    RSEQ_LLDB_PLAN   count | threads | structs
    RSEQ_LLDB_BIN    the program
    RSEQ_LLDB_SRC    its main source file
    RSEQ_LLDB_EXT    tools/lldb/rseq_lldb.py ("" for the control run)
    RSEQ_LLDB_BOUND  seconds one command may take (default 30)

Each check prints "RESULT <name> ok|FAIL <detail>"; the session ends with
"N passed, N failed" and writes it to $RSEQ_LLDB_OUT as well.
"""

import os
import re
import threading
import time

import lldb

PLAN = os.environ.get("RSEQ_LLDB_PLAN", "count")
BIN = os.environ.get("RSEQ_LLDB_BIN", "")
SRC = os.environ.get("RSEQ_LLDB_SRC", "")
EXT = os.environ.get("RSEQ_LLDB_EXT", "")
BOUND = float(os.environ.get("RSEQ_LLDB_BOUND", "30"))
OUT = os.environ.get("RSEQ_LLDB_OUT", "")

_lines = open(SRC).read().splitlines() if SRC else []
_res = {"pass": 0, "fail": 0, "text": []}
HEADERS = ("rseq.h", "ops.h", "arch.h", "common.h", "counter.h", "lock.h",
           "stack.h", "buffer.h", "fifo.h", "cache.h", "pool.h")


class Hung(Exception):
    pass


class Session(object):
    def __init__(self, debugger):
        self.dbg = debugger
        self.dbg.SetAsync(False)
        self.interp = debugger.GetCommandInterpreter()
        self.process = None
        if EXT:
            self.do("command script import " + EXT)
            if os.environ.get("RSEQ_LLDB_DEBUG"):
                self.do("rseq debug on")
        self.target = debugger.CreateTarget(BIN)
        debugger.SetSelectedTarget(self.target)

    def write(self, s):
        print(s, flush=True)
        _res["text"].append(s)

    def result(self, name, ok, detail=""):
        _res["pass" if ok else "fail"] += 1
        self.write("RESULT %s %s %s" % (name, "ok" if ok else "FAIL", detail))

    def do(self, c, bound=None):
        """Runs a command as typed; raises Hung past the bound."""
        bound = BOUND if bound is None else bound
        fired = []
        proc = self.process

        def fire():
            fired.append(1)
            if proc is not None and proc.IsValid():
                proc.SendAsyncInterrupt()

        t = threading.Timer(bound, fire)
        t.start()
        ret = lldb.SBCommandReturnObject()
        t0 = time.monotonic()
        try:
            if proc is not None and proc.IsValid():
                self.interp.HandleCommand(c, lldb.SBExecutionContext(proc.GetSelectedThread()),
                                          ret, True)
            else:
                self.interp.HandleCommand(c, ret)
        finally:
            t.cancel()
        self.write("(lldb) %s\n%s%s" % (c, ret.GetOutput() or "", ret.GetError() or ""))
        if fired:
            raise Hung("%s did not return within %g s" % (c, bound))
        return time.monotonic() - t0

    def thread(self):
        return self.process.GetSelectedThread()

    def here(self):
        f = self.thread().GetFrameAtIndex(0)
        le = f.GetLineEntry()
        real, i = f, 0
        while real.IsValid() and real.IsInlined():
            i += 1
            real = self.thread().GetFrameAtIndex(i)
        return {"pc": f.GetPC(), "func": f.GetFunctionName() or "?",
                "real": real.GetFunctionName() if real.IsValid() else "?",
                "file": le.GetFileSpec().GetFilename() if le.IsValid() else None,
                "line": le.GetLine() if le.IsValid() else 0,
                "thread": self.thread().GetIndexID()}

    def sections(self):
        mod = __import__("rseq_lldb") if EXT else None
        return mod.tables(self.target, self.process) if mod else []

    def in_section(self, pc):
        return any(c.start <= pc < c.end for c in self.sections())

    def value(self, expr):
        v = self.thread().GetFrameAtIndex(0).EvaluateExpression(expr)
        return v.GetValueAsSigned()

    def notes(self):
        return list(getattr(lldb, "rseqkit_notes", []) or [])

    def step(self, name, c, lines=None, total=None, delta=None, func=None):
        before = total() if total else None
        n0 = len(self.notes())
        dt = self.do(c)
        if not self.process.IsValid() or self.process.GetState() != lldb.eStateStopped:
            self.result(name, False, "the program is not stopped")
            return None
        h = self.here()
        why = []
        if self.in_section(h["pc"]):
            why.append("inside a critical section")
        if lines is not None and h["line"] not in lines and h["file"] not in HEADERS:
            why.append("line %s not in %s" % (h["line"], sorted(lines)))
        if func is not None and not re.search(func, h["func"]) and not re.search(func, h["real"]):
            why.append("function %s (in %s)" % (h["func"], h["real"]))
        if before is not None:
            d = total() - before
            aborted = any(" aborted" in x for x in self.notes()[n0:])
            if d != delta and not (d == delta - 1 and aborted):
                why.append("counter +%d, expected +%d" % (d, delta))
        self.result(name, not why, "%.2fs %s:%s in %s pc 0x%x%s" % (
            dt, h["file"], h["line"], h["func"], h["pc"], "; " + "; ".join(why) if why else ""))
        return h

    def start(self, name, where):
        self.target.BreakpointCreateByName(where)
        err = lldb.SBError()
        li = lldb.SBLaunchInfo(None)
        li.SetWorkingDirectory(".")
        self.process = self.target.Launch(li, err)
        self.target.DeleteAllBreakpoints()
        ok = err.Success() and self.process.GetState() == lldb.eStateStopped
        self.result(name, ok, str(self.here()) if ok else str(err))
        if not ok:
            raise Hung(name)

    def finish_program(self, name):
        self.target.DeleteAllBreakpoints()
        self.process.Continue()
        for _ in range(1200):
            if self.process.GetState() == lldb.eStateExited:
                break
            time.sleep(0.1)
        st = self.process.GetExitStatus() if self.process.GetState() == lldb.eStateExited else None
        self.result(name, st == 0, "exit status %s" % st)


def line_of(pattern):
    rx = re.compile(r"/\*\s*" + re.escape(pattern) + r"\s*\*/" if pattern.startswith("@") else pattern)
    for i, t in enumerate(_lines):
        if rx.search(t):
            return i + 1
    raise RuntimeError("no line %r" % pattern)


def plan_count(s):
    L_call = line_of(r"^\s*count_event\(\);")
    L_for = line_of(r"for \(int i = 0; i < 1000; i\+\+\)")
    loop = {L_for, L_call}

    def total():
        return s.value("(long)slots[0].n + (long)slots[1].n + (long)slots[2].n + "
                       "(long)slots[3].n + (long)fallback")

    s.start("count-start", "main")
    for i in range(6):
        if s.here()["line"] == L_call:
            break
        s.step("count-next-to-loop%d" % i, "next")
    for i in range(4):
        at_call = s.here()["line"] == L_call
        s.step("count-next%d" % i, "next", lines=loop, total=total, delta=1 if at_call else 0)
    for i in range(6):
        if s.here()["line"] == L_call:
            break
        s.step("count-next-to-call", "next")
    t0 = total()
    # Stepped line by line, the thread stops between reading its CPU and
    # the section and may resume elsewhere: the section then fails its CPU
    # check (or aborts) and the loop retries, about half the time on 2
    # busy CPUs.  Enough steps for a dozen retries.
    for i in range(200):
        h = s.step("count-step%d" % i, "step")
        if h is None or (h["func"] == "main" and h["line"] in loop and total() != t0):
            break
    s.result("count-step-progress", total() == t0 + 1, "counter +%d" % (total() - t0))
    cs = [c for c in s.sections() if c.guard is not None]
    if cs:
        for c in cs:
            bp = s.target.BreakpointCreateByAddress(c.guard)
            bp.SetOneShot(True)
        s.do("continue")
        s.target.DeleteAllBreakpoints()
        c = [x for x in cs if x.guard == s.here()["pc"]]
        if c:
            c = c[0]
            t0 = total()
            s.do("stepi")
            s.result("count-stepi-arm", s.here()["pc"] == c.pre, "pc 0x%x" % s.here()["pc"])
            n0 = len(s.notes())
            s.do("stepi")
            pc = s.here()["pc"]
            ok = (pc == c.end and total() == t0 + 1) or (
                not s.in_section(pc) and any(" aborted" in x for x in s.notes()[n0:]))
            s.result("count-stepi-section", ok, "pc 0x%x end 0x%x counter +%d" % (pc, c.end, total() - t0))
    s.target.BreakpointCreateByName("count_event")
    s.do("continue")
    s.target.DeleteAllBreakpoints()
    s.step("count-finish", "finish", func=r"^main$")
    s.finish_program("count-exit")


def plan_threads(s):
    lo = line_of(r"^static void counter_add")
    hi = line_of(r"^int main")
    s.start("threads-start", "counter_add")
    th = s.here()["thread"]
    n0 = len(s.notes())
    for i in range(10):
        h = s.step("threads-next%d" % i, "next", lines=set(range(lo, hi)))
        if h is not None and h["thread"] != th:
            s.result("threads-same-thread", False, "thread %d" % h["thread"])
    ran = sum("to its commit" in x or " aborted" in x for x in s.notes()[n0:])
    s.result("threads-sections-ran", ran > 0 or not EXT, "%d sections" % ran)
    s.finish_program("threads-exit")


def plan_structs(s):
    body = set(range(line_of(r"^__attribute__.*exercise\(int round\)"), line_of("@end") + 1))
    call = line_of("@call")
    s.start("structs-start", "exercise")
    for i in range(60):
        h = s.step("structs-next%d" % i, "next", lines=body | {call, call - 1})
        if h is None or h["real"] != "exercise":
            break
    s.result("structs-next-out", s.here()["real"] == "main", str(s.here()))
    s.finish_program("structs-exit")


def __lldb_init_module(debugger, internal_dict):
    s = Session(debugger)
    try:
        {"count": plan_count, "threads": plan_threads, "structs": plan_structs}[PLAN](s)
    except Hung as e:
        s.write("session stopped: %s" % e)
        _res["fail"] += 1
    except Exception as e:  # noqa: BLE001 - a broken session is a failure
        s.result("%s-session" % PLAN, False, "%s: %s" % (type(e).__name__, e))
    summary = "%d passed, %d failed" % (_res["pass"], _res["fail"])
    s.write(summary)
    if s.process is not None and s.process.IsValid():
        s.process.Kill()
    if OUT:
        with open(OUT, "w") as f:
            f.write("\n".join(_res["text"]) + "\n")
