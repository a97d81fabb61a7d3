# SPDX-License-Identifier: MIT
"""rseq_lldb.py - lldb support for programs with rseq critical sections.

    (lldb) command script import PREFIX/share/rseqkit/lldb/rseq_lldb.py

(or that line in ~/.lldbinit; lldb has no auto-load on Linux).  On Debian
12, lldb-14 finds its Python module only with
PYTHONPATH=/usr/lib/llvm-14/lib/python3.11/dist-packages.

The same stepping as rseqkit's gdb extension (rseq-gdb(1)): a ptrace stop
inside an rseq critical section aborts it, and lldb's stepping stops on the
section's branch, so `next` over an inlined section comes back to the same
line forever without committing.  This module replaces `n`/`next`,
`s`/`step`, `si`/`stepi`, `ni`/`nexti` and `finish` with commands that run
each critical section as one instruction:

 * a breakpoint (for the stepping thread) on the instruction before the
   store that arms rseq_cs of each section in the functions on the stack;
   when lldb's step stops there, the section runs at full speed to its
   post-commit address, an exit point or its abort handler, and the step
   goes on as lldb would have gone on after one instruction;
 * `stepi` at the arming store runs the store and the section as one
   instruction (the thread is put back before the store, which is
   idempotent, so the kernel has nothing to abort);
 * `rseq info` lists the sections and the thread's rseq state.
`rseq off` / `rseq on` switch it; `rseq verbose off` silences the notes.
"""

import re
import struct

import lldb

_state = {"enabled": True, "verbose": True, "max_aborts": 10}
_INTERNAL = re.compile(r"((^|/)(rseqkit|rseq)/.*|(^|/)rseq-[A-Za-z0-9_-]+|(^|/)rseq)\.h$")
_MAX_ROUNDS = 64


class Section(object):
    __slots__ = ("desc", "start", "end", "abort", "exits", "module", "pre", "guard",
                 "rewindable", "home")

    def __init__(self, desc, start, pco, abort, module):
        self.desc, self.start, self.end, self.abort = desc, start, start + pco, abort
        self.exits, self.module = [], module
        self.pre = self.guard = None
        self.rewindable = False
        self.home = None


def _target():
    return lldb.debugger.GetSelectedTarget()


def _read(process, addr, n):
    err = lldb.SBError()
    data = process.ReadMemory(addr, n, err)
    return data if err.Success() and data else None


def _function_of(target, addr):
    a = target.ResolveLoadAddress(addr)
    sym = a.GetSymbol()
    if not sym or not sym.IsValid():
        return None, None
    return sym.GetName(), sym.GetStartAddress().GetLoadAddress(target)


def _arming(target, c):
    """pre (the store that arms rseq_cs), guard (the instruction before it)."""
    name, lo = _function_of(target, c.start)
    c.home = re.sub(r"\.cold(\.\d+)?$", "", name or "")
    if lo is None or lo >= c.start or c.start - lo > (1 << 20):
        return
    insns = target.ReadInstructions(target.ResolveLoadAddress(lo),
                                    min((c.start - lo) // 1 + 8, 65536))
    prev = []
    for i in range(insns.GetSize()):
        ins = insns.GetInstructionAtIndex(i)
        a = ins.GetAddress().GetLoadAddress(target)
        if a >= c.start:
            break
        prev.append((a, ins))
        if a + ins.GetByteSize() == c.start:
            break
    if not prev or prev[-1][0] + prev[-1][1].GetByteSize() != c.start:
        return
    c.pre = prev[-1][0]
    ins = prev[-1][1]
    text = "%s %s" % (ins.GetMnemonic(target), ins.GetOperands(target))
    c.rewindable = bool(re.match(r"^mov[lq]?\s+%?\w+\s*,\s*(%?[a-z]s:)?", text.strip())
                        or re.match(r"^(str|stur|sd|sw|std|stw)\s", text.strip()))
    c.guard = prev[-2][0] if len(prev) > 1 else c.pre


def tables(target=None, process=None):
    """Every critical section of the running program."""
    target = target or _target()
    process = process or target.GetProcess()
    if not process or not process.IsValid():
        return []
    key = (process.GetProcessID(), target.GetNumModules(), process.GetStopID() if False else 0)
    cache = getattr(tables, "cache", None)
    if cache and cache[0] == key:
        return cache[1]
    le = target.GetByteOrder() == lldb.eByteOrderLittle
    e = "<" if le else ">"
    out = []
    for m in target.module_iter():
        ptrs = m.FindSection("__rseq_cs_ptr_array")
        if not ptrs or not ptrs.IsValid():
            continue
        base = ptrs.GetLoadAddress(target)
        data = _read(process, base, ptrs.GetByteSize()) if base != lldb.LLDB_INVALID_ADDRESS else None
        if not data:
            continue
        cs = {}
        for i in range(0, len(data) - 7, 8):
            (d,) = struct.unpack(e + "Q", data[i:i + 8])
            raw = _read(process, d, 32) if d not in cs else None
            if not raw:
                continue
            ver, _flags, start, pco, abort = struct.unpack(e + "IIQQQ", raw)
            if ver == 0 and 0 < pco < (1 << 20) and start and abort:
                cs[d] = Section(d, start, pco, abort, m.GetFileSpec().GetFilename())
        ex = m.FindSection("__rseq_exit_point_array")
        if ex and ex.IsValid():
            edata = _read(process, ex.GetLoadAddress(target), ex.GetByteSize()) or b""
            by_start = {}
            for c in cs.values():
                by_start.setdefault(c.start, []).append(c)
            for i in range(0, len(edata) - 15, 16):
                s, x = struct.unpack(e + "QQ", edata[i:i + 16])
                for c in by_start.get(s, []):
                    c.exits.append(x)
        for c in cs.values():
            _arming(target, c)
        out.extend(cs.values())
    out.sort(key=lambda c: c.start)
    tables.cache = (key, out)
    return out


def _section_at(cs, pc):
    for c in cs:
        if c.start <= pc < c.end:
            return c
    return None


def _describe(target, c):
    a = target.ResolveLoadAddress(c.start)
    func = a.GetSymbol().GetName() if a.GetSymbol() else "?"
    le = a.GetLineEntry()
    where = ""
    blk = a.GetBlock()
    while blk and blk.IsValid():
        if blk.GetInlinedName():
            f = blk.GetInlinedCallSiteFile()
            if f and f.GetFilename() and not _INTERNAL.search(f.fullpath or f.GetFilename()):
                where = "%s:%d (%s)" % (f.GetFilename(), blk.GetInlinedCallSiteLine(),
                                        blk.GetInlinedName())
                break
        blk = blk.GetParent()
    if not where and le.IsValid():
        where = "%s:%d" % (le.GetFileSpec().GetFilename(), le.GetLine())
    return "%s in %s" % (where or "0x%x" % c.start, func)


def _note(result, msg):
    _note.last.append(msg)
    del _note.last[:-64]
    if _state["verbose"]:
        result.AppendMessage("rseq: " + msg)


_note.last = []


def _frames(thread):
    return [thread.GetFrameAtIndex(i) for i in range(min(thread.GetNumFrames(), 48))]


def _frame_key(f):
    return (f.GetCFA(), f.GetFunctionName(), f.IsInlined())


def _line_key(f):
    le = f.GetLineEntry()
    if not le.IsValid():
        return None
    return (le.GetFileSpec().fullpath, le.GetLine())


class _Run(object):
    """One stepping command."""

    def __init__(self, debugger, kind, result):
        self.debugger = debugger
        self.target = debugger.GetSelectedTarget()
        self.process = self.target.GetProcess()
        self.thread = self.process.GetSelectedThread()
        self.tid = self.thread.GetThreadID()
        self.kind = kind
        self.result = result
        self.cs = tables(self.target, self.process)
        self.aborts = 0
        self.abort_noted = False
        self.set_frame(self.thread.GetFrameAtIndex(0))
        self.user_frame = _frame_key(self.thread.GetFrameAtIndex(0))

    def set_frame(self, f):
        self.f0 = _frame_key(f)
        self.l0 = _line_key(f)
        older = self.thread.GetFrameAtIndex(1)
        self.f0_older = _frame_key(older) if older and older.IsValid() else None

    def pc(self):
        return self.thread.GetFrameAtIndex(0).GetPC()

    def homes(self):
        names = set()
        for f in _frames(self.thread):
            n, _ = _function_of(self.target, f.GetPC())
            if n:
                names.add(re.sub(r"\.cold(\.\d+)?$", "", n))
        return names

    def bps(self, addrs):
        out = []
        for a in addrs:
            bp = self.target.BreakpointCreateByAddress(a)
            bp.SetThreadID(self.tid)
            out.append(bp)
        return out

    def drop(self, bps):
        for bp in bps:
            self.target.BreakpointDelete(bp.GetID())

    def stopped_by(self, bps):
        t = self.thread
        if t.GetStopReason() != lldb.eStopReasonBreakpoint:
            return None
        ids = set(t.GetStopReasonDataAtIndex(i) for i in range(0, t.GetStopReasonDataCount(), 2))
        for bp in bps:
            if bp.GetID() in ids:
                return bp
        return None

    def alive(self):
        return self.process.IsValid() and self.process.GetState() == lldb.eStateStopped \
            and self.process.GetSelectedThread().GetThreadID() == self.tid

    def builtin(self, kind):
        """One lldb step with guards on the sections of the stack's
        functions; returns the section whose guard stopped it, or None."""
        homes = self.homes()
        guards = [c for c in self.cs if c.guard is not None and c.home in homes]
        bps = self.bps(sorted(set(c.guard for c in guards)))
        err = lldb.SBError()
        try:
            if kind == "over":
                self.thread.StepOver(lldb.eOnlyDuringStepping, err)
            elif kind == "into":
                self.thread.StepInto()
            elif kind == "out":
                self.thread.StepOut(err)
            elif kind == "insn":
                self.thread.StepInstruction(False, err)
            elif kind == "insn_over":
                self.thread.StepInstruction(True, err)
        finally:
            hit = self.stopped_by(bps) if self.alive() else None
            if _state.get("debug"):
                self.result.AppendMessage("rseq-debug: %s with %d guards (%s) in %s: stop %d at 0x%x, hit %s" % (
                    kind, len(bps), [hex(c.guard) for c in guards], sorted(homes),
                    self.thread.GetStopReason(), self.pc(), hit and hit.GetID()))
            self.drop(bps)
        if hit is None:
            return None
        # the step our guard interrupted stays on the thread's plan stack
        # (a continue would resume it): drop it
        ret = lldb.SBCommandReturnObject()
        self.debugger.GetCommandInterpreter().HandleCommand(
            "thread plan discard 1", lldb.SBExecutionContext(self.thread), ret, False)
        if _state.get("debug"):
            self.result.AppendMessage("rseq-debug: discard: %s %s" % (
                ret.Succeeded(), (ret.GetOutput() or "") + (ret.GetError() or "")))
        pc = self.pc()
        for c in guards:
            if c.guard == pc:
                return c
        return None

    def complete(self, c, rewind=False):
        """Runs section c at full speed: 'commit', 'exit', 'abort' or None."""
        if rewind:
            self.thread.GetFrameAtIndex(0).SetPC(c.pre)
        stops = {c.end: "commit", c.abort: "abort"}
        for x in c.exits:
            stops[x] = "exit"
        bps = self.bps(sorted(stops))
        try:
            err = self.process.Continue()
        finally:
            ok = self.alive() and self.stopped_by(bps) is not None
            if _state.get("debug"):
                self.result.AppendMessage("rseq-debug: continue (%s): state %d, stop %d at 0x%x, ok %s" % (
                    err, self.process.GetState(), self.thread.GetStopReason(), self.pc(), ok))
            self.drop(bps)
        if not ok:
            return None
        kind = stops.get(self.pc())
        if kind == "abort":
            self.aborts += 1
            err = lldb.SBError()
            for _ in range(8):
                if self.thread.GetFrameAtIndex(0).GetLineEntry().IsValid():
                    break
                self.thread.StepInstruction(False, err)
        return kind

    def decide(self):
        if self.kind in ("insn", "insn_over"):
            return None
        frames = _frames(self.thread)
        keys = [_frame_key(f) for f in frames]
        k = keys.index(self.f0) if self.f0 in keys else None
        newest = frames[0]
        if self.kind == "out":
            return "out" if k is not None else None
        if k is None:
            if self.f0_older is not None and keys[0] == self.f0_older:
                le = newest.GetLineEntry()
                if le.IsValid() and le.GetStartAddress().GetLoadAddress(self.target) == newest.GetPC():
                    return None
                return "over" if self.kind == "over" else "into"
            return None
        if k > 0:
            return None if self.kind == "into" else "out"
        if _line_key(newest) == self.l0:
            return self.kind
        le = newest.GetLineEntry()
        if not le.IsValid() or le.GetStartAddress().GetLoadAddress(self.target) == newest.GetPC():
            return None
        return self.kind

    def report(self, c, kind, how):
        if kind == "abort":
            if not self.abort_noted:
                self.abort_noted = True
                _note(self.result, "critical section %s aborted (preempted, migrated or "
                      "signalled, or no working registration); at its abort handler, "
                      "which retries" % _describe(self.target, c))
        else:
            _note(self.result, "%s critical section %s to %s" % (
                how, _describe(self.target, c),
                "its commit" if kind == "commit" else "an exit point (nothing stored)"))

    def run(self):
        start_pc = self.pc()
        inside = _section_at(self.cs, start_pc)
        kind = self.kind
        if inside is not None and kind not in ("insn", "insn_over"):
            r = self.complete(inside)
            if r is None:
                return
            self.report(inside, r, "completed")
            self.set_frame(self.thread.GetFrameAtIndex(0))
        action = kind
        for _ in range(_MAX_ROUNDS):
            hit = self.builtin(action)
            if not self.alive():
                return
            pc = self.pc()
            c, how, rewind = hit, "ran", False
            if c is None:
                c = _section_at(self.cs, pc)
                if c is not None and kind in ("insn", "insn_over") and pc == c.start \
                        and start_pc == c.pre and c.rewindable:
                    how, rewind = "%s ran" % ("stepi" if kind == "insn" else "nexti"), True
            if c is None:
                if action != "out":
                    return          # lldb's own stop: it is final
            else:
                r = self.complete(c, rewind)
                if r is None:
                    return
                self.report(c, r, how)
                if r == "abort" and self.aborts > _state["max_aborts"]:
                    _note(self.result, "aborted %d times in a row: stopped at the abort "
                          "handler" % self.aborts)
                    return
            action = self.decide()
            if action is None:
                return
            if action in ("over", "into"):
                self.set_frame(self.thread.GetFrameAtIndex(0))
        _note(self.result, "gave up after %d steps" % _MAX_ROUNDS)


_KINDS = {"next": "over", "step": "into", "stepi": "insn", "nexti": "insn_over",
          "finish": "out"}


def _command(name):
    builtin = {"next": "thread step-over", "step": "thread step-in",
               "stepi": "thread step-inst", "nexti": "thread step-inst-over",
               "finish": "thread step-out"}[name]

    def cmd(debugger, command, result, internal_dict):
        target = debugger.GetSelectedTarget()
        process = target.GetProcess() if target else None
        count = 1
        if command.strip():
            try:
                count = max(1, int(command.strip().split()[0]))
            except ValueError:
                count = 1
        if not _state["enabled"] or not process or not process.IsValid() or \
                not tables(target, process):
            debugger.GetCommandInterpreter().HandleCommand(
                "%s %s" % (builtin, command), result)
            return
        async_mode = debugger.GetAsync()
        debugger.SetAsync(False)
        try:
            for _ in range(count):
                _Run(debugger, _KINDS[name], result).run()
                if not process.IsValid() or process.GetState() != lldb.eStateStopped:
                    break
        finally:
            debugger.SetAsync(async_mode)
        if process.IsValid() and process.GetState() == lldb.eStateStopped:
            interp = debugger.GetCommandInterpreter()
            out = lldb.SBCommandReturnObject()
            interp.HandleCommand("thread list" if False else "frame select 0", out)
            result.AppendMessage(out.GetOutput().rstrip())
    cmd.__name__ = "rseq_" + name
    return cmd


def _info(debugger, command, result, internal_dict):
    """rseq [on|off|verbose on|off|info]"""
    args = command.split()
    if args[:1] in (["on"], ["off"]):
        _state["enabled"] = args[0] == "on"
        return
    if args[:1] == ["debug"] and len(args) > 1:
        _state["debug"] = args[1] == "on"
        return
    if args[:1] == ["verbose"] and len(args) > 1:
        _state["verbose"] = args[1] == "on"
        return
    target = debugger.GetSelectedTarget()
    cs = tables(target)
    if not cs:
        result.AppendMessage("No rseq critical sections (is the program running?).")
        return
    for i, c in enumerate(cs):
        result.AppendMessage("  %-3d %s [0x%x, 0x%x) abort 0x%x%s  (%s)" % (
            i + 1, _describe(target, c), c.start, c.end, c.abort,
            "".join(" exit 0x%x" % x for x in c.exits), c.module))
    t = target.GetProcess().GetSelectedThread()
    c = _section_at(cs, t.GetFrameAtIndex(0).GetPC())
    result.AppendMessage("thread %d: %s" % (t.GetIndexID(), "inside critical section " +
                                             _describe(target, c) if c else
                                             "not in a critical section"))


def __lldb_init_module(debugger, internal_dict):
    mod = __name__
    for name, aliases in (("next", ("n", "next")), ("step", ("s", "step")),
                          ("stepi", ("si", "stepi")), ("nexti", ("ni", "nexti")),
                          ("finish", ("finish",))):
        globals()["rseq_" + name] = _command(name)
        for a in aliases:
            debugger.HandleCommand("command unalias %s" % a)
            debugger.HandleCommand("command script add -f %s.rseq_%s %s" % (mod, name, a))
    debugger.HandleCommand("command script add -f %s._info rseq" % mod)
    lldb.rseqkit_notes = _note.last
