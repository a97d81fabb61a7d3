# SPDX-License-Identifier: MIT
"""rseq.py - gdb support for programs with rseq critical sections.

Loaded automatically by programs built with rseqkit's headers and by
librseqkit itself (a .debug_gdb_scripts entry; see rseq-gdb(1)), or by hand:
    (gdb) source /usr/share/rseqkit/gdb/rseq.py

Why: on Linux every ptrace stop is a preemption, so a thread stopped inside
an rseq critical section is sent to the section's abort handler when it
resumes.  Single-stepping a section therefore never gets past it: `step`,
`next`, `stepi` and `until` loop through abort and retry forever.

What this does, with the tables every section leaves in the ELF file
(__rseq_cs_ptr_array, __rseq_exit_point_array), read from the live process:

 * `step`, `next`, `until` and `finish` out of an inlined function: a guard
   breakpoint (for the stepping thread only) on the instruction that
   computes the descriptor address, the one before the store that arms
   rseq_cs, in each section of the functions on the thread's stack.  When
   gdb's single-stepping arrives there, the command stops; the section then
   runs at full speed to its post-commit address, an exit point or its
   abort handler, and the command goes on as gdb would have gone on after
   one instruction (the same frame and line: keep stepping; a new line:
   stop; inside an inlined callee: step out of it).  A guard reached by a
   breakpoint trap rather than a single step (a call stepped over, a
   signal handler, `finish`, `advance`) lets the thread run on.
 * `stepi`/`nexti` at the store that arms rseq_cs run the store and the
   section as one instruction (the store is idempotent: the thread is put
   back before it, so the kernel has nothing to abort).
 * A thread stopped inside a section (a breakpoint there, a signal) is
   aborted by the kernel when it resumes: stepping commands run it to its
   abort handler first; `continue` passes the breakpoint once on the retry.
 * An abort on the way is reported once; more than `rseq-max-aborts` in a
   row (a thread without a working registration whose code retries forever)
   stop the command at the abort handler.
 * `info rseq [REGEXP]` lists the sections by function and source line,
   and says where the selected thread is and what its rseq area holds.

While its breakpoints are inserted it turns displaced stepping off (gdb 13's
displaced step of the rip-relative lea that precedes every x86-64 section
corrupts a register of the stepped thread when other threads run).
`set rseq-stepping off` turns all of this off; `set rseq-verbose off`
silences the one-line notes.
"""

import re
import struct
import time

import gdb

_STATE = {
    "enabled": True,
    "verbose": True,
    "debug": False,
    "max_aborts": 10,
}

# Files whose lines are the library's, not the user's: a section is named
# after the innermost call site outside them.
_INTERNAL_FILE = re.compile(r"((^|/)(rseqkit|rseq)/.*|(^|/)rseq-[A-Za-z0-9_-]+|(^|/)rseq)\.h$")

# si_code of a SIGTRAP that comes from a breakpoint instruction (x86 int3:
# SI_KERNEL; others: TRAP_BRKPT) rather than from a single step.
_SI_KERNEL = 0x80
_TRAP_BRKPT = 1

_MAX_ROUNDS = 64          # builtin commands one user command may run
_MAX_FRAMES = 48          # frames of the stack whose functions get guards


def _dbg(msg):
    if _STATE["debug"]:
        gdb.write("rseq-debug: %s\n" % msg)


_NOTES = []               # the last notes, for scripts and tests
_NOTE_COUNT = [0]


def _note(msg):
    _NOTES.append(msg)
    _NOTE_COUNT[0] += 1
    del _NOTES[:-64]
    if _STATE["verbose"]:
        gdb.write("rseq: %s\n" % msg)


# ---------------------------------------------------------------------------
# The tables of the critical sections

class Section(object):
    """One critical section of one object file, at run-time addresses."""

    __slots__ = ("desc", "start", "end", "abort", "exits", "objfile",
                 "_pre", "_where", "_home")

    def __init__(self, desc, start, pco, abort, objfile):
        self.desc = desc
        self.start = start
        self.end = start + pco
        self.abort = abort
        self.exits = []
        self.objfile = objfile
        self._pre = None
        self._where = None
        self._home = None

    def inside(self, pc):
        return self.start <= pc < self.end

    def _arming(self):
        """(pre, pre_pre, rewindable): the instruction that stores rseq_cs
        (the one before start), the one before it, and whether the store
        may be executed again (a plain store to memory)."""
        if self._pre is None:
            self._pre = _arming_instructions(self.start)
        return self._pre

    @property
    def pre(self):
        return self._arming()[0]

    @property
    def guard(self):
        """Where stepping is stopped: outside the section, and such that a
        thread stepped over a breakpoint here stops outside it too."""
        pre, pre_pre, _ = self._arming()
        return pre_pre if pre_pre is not None else pre

    @property
    def rewindable(self):
        return self._arming()[2]

    @property
    def home(self):
        """The function (minimal symbol) the section is in."""
        if self._home is None:
            self._home = _function_name(self.start) or ""
        return self._home

    def where(self):
        """(function, "file:line", operation): where the section is written,
        as the user sees it (the innermost call site outside rseq headers)."""
        if self._where is None:
            self._where = _describe(self.start)
        return self._where

    def name(self):
        func, line, op = self.where()
        out = line or ("0x%x" % self.start)
        if op:
            out += " (%s)" % op
        if func:
            out += " in %s" % func
        return out


def _function_name(pc):
    try:
        s = gdb.format_address(pc)
    except (gdb.error, RuntimeError, AttributeError):
        return None
    m = re.search(r"<([^+>]+)(\+\d+)?>", s)
    if not m:
        return None
    return re.sub(r"\.cold(\.\d+)?$", "", m.group(1))


def _function_bounds(pc):
    """[lo, hi) of the function around pc, hi may be None."""
    try:
        b = gdb.block_for_pc(pc)
        fb = None
        while b is not None:
            if b.function is not None:
                fb = b
            b = b.superblock
        if fb is not None:
            return fb.start, fb.end
    except RuntimeError:
        pass
    try:
        s = gdb.format_address(pc)
        m = re.search(r"<[^+>]+\+(\d+)>", s)
        if m:
            return pc - int(m.group(1)), None
        if re.search(r"<[^+>]+>", s):
            return pc, None
    except (gdb.error, RuntimeError):
        pass
    return None, None


def _arming_instructions(start):
    lo, _ = _function_bounds(start)
    if lo is None or lo >= start or start - lo > (1 << 20):
        return (None, None, False)
    try:
        arch = gdb.selected_inferior().architecture()
    except (gdb.error, RuntimeError, AttributeError):
        try:
            arch = gdb.selected_frame().architecture()
        except gdb.error:
            return (None, None, False)
    prev = [None, None]
    prev_asm = None
    try:
        for insn in arch.disassemble(lo, start - 1):
            a, n = insn["addr"], insn["length"]
            if a >= start:
                break
            prev = [prev[1], a]
            prev_asm = insn["asm"]
            if a + n == start:
                break
    except (gdb.error, RuntimeError):
        return (None, None, False)
    pre, pre_pre = prev[1], prev[0]
    if pre is None:
        return (None, None, False)
    try:
        last = arch.disassemble(pre)[0]
        if last["addr"] + last["length"] != start:
            return (None, None, False)
    except (gdb.error, RuntimeError, IndexError):
        return (None, None, False)
    return (pre, pre_pre, _is_plain_store(prev_asm))


def _is_plain_store(asm):
    """True for a store of a register to memory with no other effect
    (x86 mov reg, mem; load/store architectures' str/sd/stw/std/st
    without write-back)."""
    a = asm.strip().lower()
    if re.match(r"^mov[lq]?\s+%[a-z0-9]+\s*,\s*(%[a-z]s:)?-?(0x)?[0-9a-f]*\(", a):
        return True
    if re.match(r"^(str|stur|sd|sw|std|stw|stg|sty|st)\s+[^!]*\]$", a) and "!" not in a:
        return True
    if re.match(r"^(sd|sw|std|stw|stg|sty)\s+\S+,\s*-?\w*\(\S+\)$", a):
        return True
    return False


def _describe(pc):
    """(function, "file:line", operation) of the code at pc: the line is the
    innermost call site outside rseq headers (an inlined operation is named
    where the user called it)."""
    func = _function_name(pc) or ""
    line = ""
    op = ""
    sal = gdb.find_pc_line(pc)
    here = sal.symtab.filename if sal.symtab is not None else ""
    blocks = []
    try:
        b = gdb.block_for_pc(pc)
        while b is not None:
            if b.function is not None:
                blocks.append(b)
            b = b.superblock
    except RuntimeError:
        blocks = []
    if here and not _INTERNAL_FILE.search(here):
        line = "%s:%d" % (here.rsplit("/", 1)[-1], sal.line)
        if len(blocks) > 1:
            op = blocks[0].function.name
    else:
        # an inlined function's symbol carries its call site
        for b in blocks[:-1]:
            st = b.function.symtab
            fn = st.filename if st is not None else ""
            op = b.function.name
            if fn and not _INTERNAL_FILE.search(fn) and b.function.line:
                line = "%s:%d" % (fn.rsplit("/", 1)[-1], b.function.line)
                break
        if not line and here:
            line = "%s:%d" % (here.rsplit("/", 1)[-1], sal.line)
            op = blocks[0].function.name if len(blocks) > 1 else ""
    if op == func:
        op = ""
    return func, line, op


class _Tables(object):
    """The sections of every object file of the current program space."""

    def __init__(self):
        self.key = None
        self.by_obj = {}      # objfile path -> [Section]
        self.all = []
        self.complete = False

    def invalidate(self, *_args):
        self.key = None
        self.complete = False

    def _files(self):
        try:
            return gdb.execute("info files", to_string=True)
        except gdb.error:
            return ""

    def load(self):
        key = gdb.selected_inferior().pid if _live() else 0
        if self.key == key and self.complete:
            return self.all
        info = self._files()
        pat = re.compile(r"^\s*(0x[0-9a-f]+) - (0x[0-9a-f]+) is "
                         r"(__rseq_cs_ptr_array|__rseq_exit_point_array|__rseq_cs)"
                         r"(?: in (.*))?$", re.M)
        ranges = {}
        for lo, hi, sec, obj in pat.findall(info):
            obj = obj.strip() or (gdb.current_progspace().filename or "")
            ranges.setdefault(obj, {}).setdefault(sec, []).append((int(lo, 16), int(hi, 16)))
        self.by_obj = {}
        complete = True
        for obj, secs in ranges.items():
            cs, ok = _read_object(obj, secs)
            complete = complete and ok
            self.by_obj[obj] = cs
        self.all = sorted((c for v in self.by_obj.values() for c in v),
                          key=lambda c: c.start)
        self.key = key
        self.complete = complete
        return self.all

    def at(self, pc):
        """The section whose [start, post-commit) holds pc."""
        for c in self.load():
            if c.start <= pc < c.end:
                return c
            if c.start > pc:
                break
        return None


def _endian():
    try:
        s = gdb.execute("show endian", to_string=True)
    except gdb.error:
        return "<"
    return ">" if "big" in s else "<"


def _read(addr, n):
    return bytes(gdb.selected_inferior().read_memory(addr, n))


def _ptr_size():
    try:
        return gdb.lookup_type("void").pointer().sizeof
    except gdb.error:
        return 8


def _read_object(obj, secs):
    """Sections of one object; ok is False when a pointer looked unrelocated."""
    e = _endian()
    ptr32 = _ptr_size() == 4
    out = {}
    ok = True
    cs_ranges = secs.get("__rseq_cs", [])

    def in_cs(a):
        return not cs_ranges or any(lo <= a < hi for lo, hi in cs_ranges)

    def add(d):
        if d in out:
            return
        try:
            raw = _read(d, 32)
        except gdb.MemoryError:
            return
        ver, flags, start, pco, abort = struct.unpack(e + "IIQQQ", raw)
        if ptr32:
            start &= 0xffffffff
            abort &= 0xffffffff
        if ver != 0 or pco == 0 or pco > (1 << 20) or start == 0 or abort == 0:
            return
        out[d] = Section(d, start, pco, abort, obj)

    for lo, hi in secs.get("__rseq_cs_ptr_array", []):
        try:
            data = _read(lo, hi - lo)
        except gdb.MemoryError:
            ok = False
            continue
        for i in range(0, len(data) - 7, 8):
            (d,) = struct.unpack(e + "Q", data[i:i + 8])
            if ptr32:
                d &= 0xffffffff
            if not in_cs(d):
                ok = False
                continue
            add(d)
    for lo, hi in cs_ranges:
        for d in range((lo + 31) & ~31, hi - 31, 32):
            if d not in out:
                add(d)
    by_start = {}
    for c in out.values():
        by_start.setdefault(c.start, []).append(c)
    for lo, hi in secs.get("__rseq_exit_point_array", []):
        try:
            data = _read(lo, hi - lo)
        except gdb.MemoryError:
            continue
        for i in range(0, len(data) - 15, 16):
            start, ex = struct.unpack(e + "QQ", data[i:i + 16])
            if ptr32:
                start &= 0xffffffff
                ex &= 0xffffffff
            for c in by_start.get(start, []):
                if ex not in c.exits:
                    c.exits.append(ex)
    return sorted(out.values(), key=lambda c: c.start), ok


_tables = _Tables()


def tables():
    """Every critical section of the program (run-time addresses)."""
    return _tables.load()


# ---------------------------------------------------------------------------
# Threads and their rseq area

def _live():
    try:
        inf = gdb.selected_inferior()
        return inf is not None and inf.pid != 0 and gdb.selected_thread() is not None
    except gdb.error:
        return False


def _pc():
    return int(gdb.selected_frame().read_register("pc")) & ((1 << 64) - 1)


def _newest_pc():
    return int(gdb.newest_frame().pc())


def _value(expr):
    try:
        return int(gdb.parse_and_eval(expr))
    except (gdb.error, RuntimeError, ValueError):
        return None


def _thread_pointer():
    for expr in ("$fs_base", "$tpidr", "$tp"):
        v = _value(expr)
        if v:
            return v
    v = _value("$r13")       # powerpc64: the thread pointer is r13 - 0x7000
    if v and _value("$msr") is not None:
        return v - 0x7000
    return None


def rseq_area():
    """(address, owner) of the selected thread's struct rseq, or (None, why).
    The area every section of the process uses: rseqkit's (the C library's
    when that registered), else the C library's, else librseq's."""
    tp = _thread_pointer()
    if tp is None:
        return None, "the thread pointer of this architecture is not known here"
    glibc_off = _value("(long)*(long *)&__rseq_offset")
    glibc_size = _value("(unsigned)*(unsigned *)&__rseq_size")
    cands = (("rseqkit", "(long)*(long *)&rseqkit_offset", "(unsigned)*(unsigned *)&rseqkit_size"),
             ("glibc", "(long)*(long *)&__rseq_offset", "(unsigned)*(unsigned *)&__rseq_size"),
             ("librseq", "(long)*(long *)&rseq_offset", "(unsigned)*(unsigned *)&rseq_size"))
    for owner, off, size in cands:
        o = _value(off)
        s = _value(size)
        if o is None or not s:
            continue
        if owner != "glibc" and glibc_size and o == glibc_off:
            owner = "glibc's, used by %s" % owner
        elif owner == "rseqkit":
            owner = "rseqkit's own"
        return (tp + o) & ((1 << 64) - 1), owner
    return None, "no registration (rseqkit_size, __rseq_size and rseq_size are 0 or absent)"


def thread_state():
    """A dict with the selected thread's rseq fields, or {'why': ...}."""
    area, owner = rseq_area()
    if area is None:
        return {"why": owner}
    try:
        raw = _read(area, 16)
    except gdb.MemoryError:
        return {"why": "its rseq area 0x%x is not readable" % area}
    e = _endian()
    start, cpu, cs = struct.unpack(e + "IiQ", raw)
    if _ptr_size() == 4:
        cs &= 0xffffffff
    return {"area": area, "owner": owner, "cpu_id_start": start,
            "cpu_id": cpu, "rseq_cs": cs}


def _state_text():
    st = thread_state()
    if "why" in st:
        return st["why"]
    cpu = st["cpu_id"]
    what = ("cpu_id %d" % cpu if cpu >= 0 else
            "cpu_id %d (%s)" % (cpu, "not registered" if cpu == -1 else "registration failed"))
    cs = st["rseq_cs"]
    csd = "0"
    if cs:
        c = None
        for s in tables():
            if s.desc == cs:
                c = s
                break
        csd = "0x%x%s" % (cs, " (%s)" % c.name() if c else "")
    return "rseq area 0x%x (%s): %s, cpu_id_start %d, rseq_cs %s" % (
        st["area"], st["owner"], what, st["cpu_id_start"], csd)


# ---------------------------------------------------------------------------
# Breakpoints of the stepping engine

class _Guard(gdb.Breakpoint):
    """Stops the stepping thread when a single step arrives before a section."""

    def __init__(self, cs, thread):
        super(_Guard, self).__init__("*0x%x" % cs.guard, internal=True)
        self.cs = cs
        self.thread = thread
        self.silent = True
        self.fired = False

    def stop(self):
        ctx = _engine.ctx
        if ctx is None or not _STATE["enabled"]:
            return False
        try:
            si = gdb.parse_and_eval("$_siginfo")
            code = int(si["si_code"])
        except (gdb.error, RuntimeError):
            code = 0
        if code in (_SI_KERNEL, _TRAP_BRKPT):
            return False          # ran into it: the thread is not being stepped
        self.fired = True
        _engine.guard_hit = self.cs
        return True


class _Stop(gdb.Breakpoint):
    """Ends a completion run: post-commit, an exit point, the abort handler
    (after 'passes' hits: the code retried at full speed)."""

    def __init__(self, addr, kind, thread, passes=0):
        super(_Stop, self).__init__("*0x%x" % addr, internal=True)
        self.kind = kind
        self.addr = addr
        self.thread = thread
        self.silent = True
        self.fired = False
        self.hits = 0
        self.passes = passes

    def stop(self):
        self.hits += 1
        if self.hits <= self.passes:
            return False
        self.fired = True
        return True


def _set_quiet(on):
    """Turns gdb's printing of stops off (gdb 12 and later)."""
    try:
        gdb.execute("set suppress-cli-notifications %s" % ("on" if on else "off"),
                    to_string=True)
        return True
    except gdb.error:
        return False


def _delete(bps):
    for b in bps:
        try:
            if b.is_valid():
                b.delete()
        except RuntimeError:
            pass
    del bps[:]


# ---------------------------------------------------------------------------
# The engine

class _Ctx(object):
    def __init__(self, cmd):
        self.cmd = cmd
        self.thread = gdb.selected_thread()
        self.tnum = self.thread.global_num
        f = gdb.newest_frame()
        self.user_frame = f
        self.set_frame(f)
        self.homes = _stack_homes(f)
        self.start_pc = int(f.pc())
        self.start_inside = None
        self.aborts = 0
        self.abort_noted = False
        self.rounds = 0

    def set_frame(self, f):
        self.f0 = f
        self.f0_older = f.older()
        self.l0 = _line_key(f)


def _line_key(frame):
    try:
        sal = frame.find_sal()
    except gdb.error:
        return None
    if sal.symtab is None:
        return None
    return (sal.symtab.fullname(), sal.line)


def _stack_homes(frame):
    homes = set()
    n = 0
    f = frame
    while f is not None and n < _MAX_FRAMES:
        name = _function_name(int(f.pc()))
        if name:
            homes.add(name)
        try:
            f = f.older()
        except gdb.error:
            break
        n += 1
    return homes


def _frames(limit=_MAX_FRAMES):
    out = []
    try:
        f = gdb.newest_frame()
    except gdb.error:
        return out
    while f is not None and len(out) < limit:
        out.append(f)
        try:
            f = f.older()
        except gdb.error:
            break
    return out


class _Engine(object):
    def __init__(self):
        self.ctx = None
        self.busy = False
        self.guards = []
        self.guard_hit = None
        self.last_stop = None
        self.ds_saved = None
        self.exited = False

    # -- displaced stepping ---------------------------------------------
    def ds_off(self):
        if self.ds_saved is not None:
            return
        try:
            s = gdb.execute("show displaced-stepping", to_string=True)
            m = re.search(r"is (on|off|auto)", s)
            self.ds_saved = m.group(1) if m else "auto"
            gdb.execute("set displaced-stepping off", to_string=True)
        except gdb.error:
            self.ds_saved = None

    def ds_restore(self):
        if self.ds_saved is None:
            return
        try:
            gdb.execute("set displaced-stepping %s" % self.ds_saved, to_string=True)
        except gdb.error:
            pass
        self.ds_saved = None

    # -- guards ------------------------------------------------------------
    def insert_guards(self, ctx):
        self.remove_guards()
        homes = ctx.homes | _stack_homes(gdb.newest_frame())
        ctx.homes = homes
        seen = set()
        for c in tables():
            if c.home not in homes or c.guard is None or c.guard in seen:
                continue
            seen.add(c.guard)
            try:
                self.guards.append(_Guard(c, ctx.tnum))
            except (gdb.error, RuntimeError) as e:
                _dbg("guard at 0x%x: %s" % (c.guard, e))
        self.guard_hit = None
        _dbg("%d guards in %s" % (len(self.guards), ", ".join(sorted(homes))))

    def remove_guards(self):
        _delete(self.guards)

    def cleanup(self):
        self.remove_guards()
        self.ds_restore()
        self.ctx = None
        self.busy = False

    # -- running -------------------------------------------------------------
    def run(self, cmd, guards=False):
        """Runs a builtin command with our hooks off and gdb's stop printing
        suppressed (gdb 13 prints stops even with to_string); returns its
        output."""
        ctx = self.ctx
        self.last_stop = None
        self.exited = False
        self.guard_hit = None
        if guards:
            self.insert_guards(ctx)
        self.ds_off()
        _dbg("run %s" % cmd)
        quiet = _set_quiet(True)
        try:
            out = gdb.execute(cmd, to_string=True)
        except gdb.error as e:
            out = "%s\n" % e
        finally:
            if quiet:
                _set_quiet(False)
            if guards:
                self.remove_guards()
        return out

    def visible_stop(self):
        """Writes what gdb would have printed for a stop that is not ours
        (a user breakpoint, a signal, the end of the program); True if so."""
        if self.exited or not _live():
            gdb.write("[the program is no longer running]\n")
            return True
        ev = self.last_stop
        if isinstance(ev, gdb.BreakpointEvent):
            user = [b for b in ev.breakpoints if b.is_valid() and b.number > 0]
            if not user:
                return False
            th = gdb.selected_thread()
            what = "%s %d" % ("Watchpoint" if user[0].type != gdb.BP_BREAKPOINT
                              else "Breakpoint", user[0].number)
            prefix = ("Thread %d \"%s\" hit " % (th.num, th.name)
                      if len(gdb.selected_inferior().threads()) > 1 else "")
            gdb.write("\n%s%s, " % (prefix, what))
            self.print_location(None)
            return True
        if isinstance(ev, gdb.SignalEvent):
            th = gdb.selected_thread()
            gdb.write("\nThread %d \"%s\" received signal %s.\n"
                      % (th.num, th.name, ev.stop_signal))
            self.print_location(None)
            return True
        return False

    def same_thread(self, ctx):
        try:
            return _live() and gdb.selected_thread().global_num == ctx.tnum
        except gdb.error:
            return False

    def user_bps_in(self, lo, hi):
        out = []
        for b in gdb.breakpoints() or ():
            if not b.enabled or b.number <= 0:
                continue
            try:
                locs = b.locations
            except (AttributeError, RuntimeError):
                locs = None
            if locs:
                for loc in locs:
                    if loc.enabled and loc.address is not None and lo <= loc.address < hi:
                        out.append(loc)
            else:
                m = re.match(r"\*?(0x[0-9a-f]+)$", b.location or "")
                if m and lo <= int(m.group(1), 16) < hi:
                    out.append(b)
        return out

    def complete(self, ctx, cs, rewind=False, retry=False):
        """Runs section cs at full speed; returns the kind of stop: 'commit',
        'exit', 'abort' (at the code the abort handler jumps to) or None
        (interrupted by something else: what gdb would print was printed).
        retry: let the code retry after aborts (up to rseq-max-aborts) with
        the breakpoints inside the section disabled until it completes."""
        if rewind:
            gdb.execute("set var $pc = 0x%x" % cs.pre, to_string=True)
        stops = [_Stop(cs.end, "commit", ctx.tnum)]
        stops += [_Stop(x, "exit", ctx.tnum) for x in cs.exits]
        aborts = _Stop(cs.abort, "abort", ctx.tnum,
                       passes=_STATE["max_aborts"] if retry else 0)
        stops.append(aborts)
        lo = cs.guard if cs.guard is not None else cs.start
        disabled = self.user_bps_in(lo, cs.end)
        for b in disabled:
            b.enabled = False
        try:
            out = self.run("continue")
        finally:
            for b in disabled:
                try:
                    b.enabled = True
                except RuntimeError:
                    pass
            kinds = dict((b.addr, b.kind) for b in stops if b.is_valid() and b.fired)
            if retry and aborts.is_valid():
                ctx.aborts += min(aborts.hits, aborts.passes)
            _delete(stops)
        if not self.same_thread(ctx):
            if not self.visible_stop():
                self.print_location(None)
            return None
        pc = _pc()
        kind = kinds.get(pc)
        if kind is None:
            if not self.visible_stop():
                self.print_location(None)
            return None
        _dbg("completed %s at 0x%x: %s" % (cs.name(), pc, kind))
        if kind == "abort":
            ctx.aborts += 1
            # off the abort trampoline (no line information) into the code
            # it jumps to
            for _ in range(8):
                sal = gdb.find_pc_line(_pc())
                if sal.symtab is not None and sal.line:
                    break
                self.run("stepi")
                if not self.same_thread(ctx):
                    return None
        return kind

    # -- deciding ------------------------------------------------------------
    def decide(self, ctx):
        """What gdb would do next after the section ran as one instruction:
        None (stop here) or a builtin command to run."""
        cmd = ctx.cmd
        if cmd in ("stepi", "nexti"):
            return None
        frames = _frames()
        if not frames:
            return None
        k = None
        for i, f in enumerate(frames):
            if f == ctx.f0:
                k = i
                break
        newest = frames[0]
        if cmd == "finish":
            return "finish" if k is not None else None
        if cmd == "advance":
            return None
        if k is None:
            # the frame returned: are we back in its caller?
            if ctx.f0_older is not None and newest == ctx.f0_older:
                sal = newest.find_sal()
                if sal.symtab is not None and sal.pc == int(newest.pc()):
                    return None
                return "next" if cmd in ("next", "until") else cmd
            return None
        if k > 0:
            if cmd == "step":
                return None      # stepped into an inlined function
            return "finish"
        key = _line_key(newest)
        if key is not None and key == ctx.l0:
            return cmd
        sal = newest.find_sal()
        if sal.symtab is None or sal.pc == int(newest.pc()):
            return None
        return cmd              # the middle of a new line: finish it

    def print_location(self, ctx):
        try:
            txt = gdb.execute("frame", to_string=True)
        except gdb.error:
            return
        lines = txt.splitlines()
        if not lines:
            return
        head = re.sub(r"^#0\s+", "", lines[0])
        try:
            same = ctx is not None and gdb.newest_frame() == ctx.user_frame
        except gdb.error:
            same = False
        if same and len(lines) > 1:
            gdb.write("\n".join(lines[1:]) + "\n")
        else:
            gdb.write("\n".join([head] + lines[1:]) + "\n")

    def report(self, ctx, cs, kind, how):
        if kind == "abort":
            if not ctx.abort_noted:
                ctx.abort_noted = True
                _note("critical section %s aborted (the thread was preempted, "
                      "migrated or signalled, or it has no working registration: "
                      "%s); at its abort handler, which retries"
                      % (cs.name(), _state_text()))
            return
        extra = ""
        if how == "retried" and ctx.aborts:
            extra = " (after %d abort%s)" % (ctx.aborts, "" if ctx.aborts == 1 else "s")
        if kind == "commit":
            _note("%s critical section %s to its commit%s" % (how, cs.name(), extra))
        elif kind == "exit":
            _note("%s critical section %s to an exit point (its comparison "
                  "failed: nothing stored)%s" % (how, cs.name(), extra))

    def after(self, ctx, first_out=None):
        """The loop after the user's builtin command returned."""
        out = first_out
        last = "first"
        while True:
            ctx.rounds += 1
            if ctx.rounds > _MAX_ROUNDS:
                _note("gave up after %d steps (set rseq-stepping off to step "
                      "without the extension)" % _MAX_ROUNDS)
                self.print_location(ctx)
                return
            if not self.same_thread(ctx):
                if last != "first" and not self.visible_stop():
                    self.print_location(None)
                return
            if last != "first" and self.visible_stop():
                return
            pc = _pc()
            hit = self.guard_hit
            cs = None
            how = "ran"
            rewind = False
            if hit is not None and pc == hit.guard:
                cs = hit
            else:
                inside = _tables.at(pc)
                if inside is not None:
                    cs = inside
                    if ctx.cmd in ("stepi", "nexti") and pc == cs.start and \
                            ctx.start_pc == cs.pre and cs.rewindable:
                        rewind = True
                        how = "%s ran" % ctx.cmd
                    else:
                        how = "completed"
            if cs is None:
                if last == "finish" and self.last_stop_plain():
                    pass        # out of one more frame: decide again
                else:
                    if ctx.start_inside is not None and ctx.cmd in ("stepi", "nexti"):
                        _note("the thread was inside critical section %s: "
                              "resuming aborted it; this is its abort handler, "
                              "which retries" % ctx.start_inside.name())
                    if last != "first":
                        self.print_location(ctx)
                    return
            else:
                kind = self.complete(ctx, cs, rewind)
                if kind is None:
                    return
                self.report(ctx, cs, kind, how)
                if kind == "abort" and ctx.aborts > _STATE["max_aborts"]:
                    _note("critical section %s aborted %d times in a row: stopped "
                          "at its abort handler (%s; set rseq-max-aborts N to "
                          "retry longer)" % (cs.name(), ctx.aborts, _state_text()))
                    self.print_location(ctx)
                    return
                if ctx.cmd in ("stepi", "nexti"):
                    self.print_location(ctx)
                    return
            action = self.decide(ctx)
            _dbg("decide: %s" % action)
            if action is None:
                self.print_location(ctx)
                return
            if action in ("next", "step", "until"):
                ctx.set_frame(gdb.newest_frame())
            out = self.run(action, guards=True)
            last = action

    def last_stop_plain(self):
        ev = self.last_stop
        return ev is not None and type(ev) is gdb.StopEvent

    def breakpoints_inside(self):
        """True when a user breakpoint lies inside a section or on the
        instructions that arm it (the guard is a rip-relative lea on
        x86-64, which gdb 13 cannot step other threads over displaced)."""
        cs = tables()
        for b in gdb.breakpoints() or ():
            if b.number <= 0 or not b.enabled:
                continue
            for loc in (getattr(b, "locations", None) or ()):
                a = loc.address
                if a is None:
                    continue
                for c in cs:
                    lo = c.start
                    if c.start - 32 <= a < c.start and c.guard is not None:
                        lo = c.guard
                    if lo <= a < c.end:
                        return True
        return False

_engine = _Engine()

_STEPPING = ("step", "next", "until", "advance", "finish")


def _pre(cmd):
    eng = _engine
    eng.remove_guards()
    eng.ctx = None
    if not _STATE["enabled"] or not _live():
        return
    try:
        pc = _pc()
        gdb.newest_frame()
    except gdb.error:
        return
    if not tables():
        return
    ctx = _Ctx(cmd)
    eng.ctx = ctx
    inside = _tables.at(pc)
    ctx.start_inside = inside
    if cmd in ("stepi", "nexti"):
        eng.ds_off()
        return
    if cmd in ("continue", "advance", "until", "finish") and inside is not None:
        # a stop inside a section aborts it, and a breakpoint inside makes
        # every retry trap and abort again: run the retry to its commit with
        # those breakpoints disabled, then the command
        eng.busy = True
        try:
            kind = eng.complete(ctx, inside, retry=True)
        finally:
            eng.busy = False
        if kind is None:
            eng.cleanup()
            raise gdb.GdbError("rseq: %s not run: the retry of the critical "
                               "section the thread was in did not complete"
                               % cmd)
        eng.report(ctx, inside, kind, "retried")
        if cmd == "continue":
            eng.ds_off()
            eng.ctx = None
            return
        ctx.set_frame(gdb.newest_frame())
        inside = None
    if cmd == "continue":
        # gdb's displaced step over a breakpoint runs the instruction
        # elsewhere: the kernel then sees the thread outside the section,
        # clears rseq_cs instead of aborting, and the rest of the section
        # runs unprotected.  Stepped over in place, it aborts as it must.
        if eng.breakpoints_inside():
            eng.ds_off()
        eng.ctx = None
        return
    if inside is not None:
        eng.busy = True
        try:
            kind = eng.complete(ctx, inside)
        finally:
            eng.busy = False
        if kind is None:
            eng.cleanup()
            raise gdb.GdbError("rseq: %s not run: the critical section it "
                               "started in was interrupted" % cmd)
        eng.report(ctx, inside, kind, "completed")
        ctx.set_frame(gdb.newest_frame())
    eng.insert_guards(ctx)
    eng.ds_off()


def _post(cmd):
    eng = _engine
    eng.remove_guards()
    ctx = eng.ctx
    if ctx is None or ctx.cmd != cmd:
        eng.cleanup()
        return
    eng.busy = True
    try:
        eng.after(ctx)
    finally:
        eng.cleanup()


def rseq_gdb_hook(when, cmd):
    """Called by the hook-CMD / hookpost-CMD user commands."""
    if _engine.busy:
        return
    try:
        if when == "pre":
            _pre(cmd)
        else:
            _post(cmd)
    except gdb.GdbError:
        raise
    except (gdb.error, RuntimeError) as e:
        _engine.cleanup()
        if _STATE["debug"]:
            import traceback
            traceback.print_exc()
        gdb.write("rseq: %s\n" % e)


_HOOKED = ("step", "next", "stepi", "nexti", "until", "advance", "finish", "continue")


def _install_hooks():
    # redefining a hook asks for confirmation: not when reloading
    confirm = gdb.parameter("confirm")
    gdb.execute("set confirm off", to_string=True)
    try:
        _define_hooks()
    finally:
        gdb.execute("set confirm %s" % ("on" if confirm else "off"), to_string=True)


def _define_hooks():
    for cmd in _HOOKED:
        gdb.execute("define hook-%s\npython rseq_gdb_hook('pre', '%s')\nend" % (cmd, cmd),
                    to_string=True)
        gdb.execute("define hookpost-%s\npython rseq_gdb_hook('post', '%s')\nend" % (cmd, cmd),
                    to_string=True)


# ---------------------------------------------------------------------------
# Events

def _on_stop(ev):
    eng = _engine
    eng.last_stop = ev
    if eng.busy or eng.ctx is not None:
        return
    if not _STATE["enabled"] or not isinstance(ev, gdb.BreakpointEvent):
        return
    try:
        if not any(b.is_valid() and b.number > 0 for b in ev.breakpoints):
            return
        cs = _tables.at(_pc())
    except (gdb.error, RuntimeError):
        return
    if cs is not None:
        _note("stopped inside critical section %s [0x%x, 0x%x): registers and "
              "memory show this attempt; when the thread resumes the kernel "
              "aborts the section and it is retried from its start"
              % (cs.name(), cs.start, cs.end))


_call_saved = []


def _on_call(ev):
    """A function called by the user (print f(), call f()) while the
    thread is stopped inside a section: the kernel sees the thread outside
    the section for the call and clears rseq_cs, so after the call the
    rest of the section would run unprotected.  rseq_cs is put back: the
    kernel then aborts the section when the thread resumes, as it must."""
    try:
        if isinstance(ev, gdb.InferiorCallPreEvent):
            del _call_saved[:]
            if not _STATE["enabled"] or _tables.at(_pc()) is None:
                return
            st = thread_state()
            if st.get("rseq_cs"):
                _call_saved.append((st["area"], st["rseq_cs"]))
        elif isinstance(ev, gdb.InferiorCallPostEvent) and _call_saved:
            area, cs = _call_saved.pop()
            fmt = _endian() + ("I" if _ptr_size() == 4 else "Q")
            gdb.selected_inferior().write_memory(area + 8, struct.pack(fmt, cs))
    except (gdb.error, RuntimeError, gdb.MemoryError):
        pass


def _on_exit(_ev):
    _engine.exited = True
    _tables.invalidate()


def _on_prompt():
    if not _engine.busy:
        _engine.remove_guards()
        _engine.ds_restore()
        _engine.ctx = None


# ---------------------------------------------------------------------------
# Commands and settings

class _InfoRseq(gdb.Command):
    """List the rseq critical sections of the program and the thread's state.

Usage: info rseq [REGEXP]
Without REGEXP: every section of the executable, and one line per other
object file that has sections.  With REGEXP: every section of the object
files whose path matches it (info rseq . lists all).  Then where the
selected thread is (inside a section, at its arming store) and what its
rseq area holds (cpu_id, rseq_cs)."""

    def __init__(self):
        super(_InfoRseq, self).__init__("info rseq", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        arg = (arg or "").strip()
        cs = tables()
        main = gdb.current_progspace().filename or ""
        objs = sorted(_tables.by_obj.keys(), key=lambda o: (o != main, o))
        if not cs:
            gdb.write("No rseq critical sections%s.\n" %
                      ("" if _live() else " (the program is not running: "
                       "run it to see its shared libraries' sections)"))
        rx = re.compile(arg) if arg else None
        for obj in objs:
            lst = _tables.by_obj[obj]
            if not lst:
                continue
            full = rx.search(obj) if rx else obj == main
            if not full:
                if rx is None:
                    gdb.write("%s: %d critical section%s (info rseq %s lists them)\n"
                              % (obj, len(lst), "" if len(lst) == 1 else "s",
                                 re.escape(obj.rsplit("/", 1)[-1])))
                continue
            gdb.write("%s: %d critical section%s\n" % (obj, len(lst), "" if len(lst) == 1 else "s"))
            for i, c in enumerate(lst):
                func, line, op = c.where()
                gdb.write("  %-3d %-28s %-24s %s\n" % (
                    i + 1, func or "?", line or "?", op))
                gdb.write("       [0x%x, 0x%x) abort 0x%x%s\n" % (
                    c.start, c.end, c.abort,
                    "".join(" exit 0x%x" % x for x in c.exits)))
        if not _live():
            return
        th = gdb.selected_thread()
        pc = _pc()
        c = _tables.at(pc)
        if c is not None:
            where = "inside critical section %s at 0x%x: resuming aborts it" % (c.name(), pc)
        else:
            where = "not in a critical section"
            for s in cs:
                if pc in (s.pre, s.guard):
                    where = "about to enter critical section %s" % s.name()
                    break
        gdb.write("Thread %d (%s): %s\n  %s\n" % (th.num, th.name or "LWP %d" % th.ptid[1],
                                                   where, _state_text()))


class _Bool(gdb.Parameter):
    def __init__(self, name, key, doc, what):
        self.__doc__ = doc
        self.set_doc = "Set " + what + "."
        self.show_doc = "Show " + what + "."
        self._key = key
        self._what = what
        super(_Bool, self).__init__(name, gdb.COMMAND_RUNNING, gdb.PARAM_BOOLEAN)
        self.value = _STATE[key]

    def get_set_string(self):
        _STATE[self._key] = bool(self.value)
        return ""

    def get_show_string(self, svalue):
        return "%s is %s." % (self._what[0].upper() + self._what[1:], svalue)


class _MaxAborts(gdb.Parameter):
    """Aborts in a row one stepping command lets the code retry before it
stops at the section's abort handler."""
    set_doc = "Set the aborts one stepping command retries."
    show_doc = "Show the aborts one stepping command retries."

    def __init__(self):
        super(_MaxAborts, self).__init__("rseq-max-aborts", gdb.COMMAND_RUNNING,
                                         gdb.PARAM_UINTEGER)
        self.value = _STATE["max_aborts"]

    def get_set_string(self):
        _STATE["max_aborts"] = int(self.value or 0)
        return ""

    def get_show_string(self, svalue):
        return "Stepping commands retry %s aborts of a critical section." % svalue


def _register():
    old = getattr(gdb, "_rseqkit_handlers", None)
    if old:
        for registry, fn in old:
            try:
                registry.disconnect(fn)
            except (ValueError, RuntimeError):
                pass
    handlers = [(gdb.events.stop, _on_stop),
                (gdb.events.new_objfile, _tables.invalidate),
                (gdb.events.clear_objfiles, _tables.invalidate),
                (gdb.events.exited, _on_exit),
                (gdb.events.inferior_call, _on_call),
                (gdb.events.before_prompt, _on_prompt)]
    for registry, fn in handlers:
        registry.connect(fn)
    gdb._rseqkit_handlers = handlers
    _install_hooks()
    _InfoRseq()
    _Bool("rseq-stepping", "enabled",
          "Whether stepping commands run rseq critical sections as one instruction.",
          "rseq critical-section stepping")
    _Bool("rseq-verbose", "verbose",
          "Whether a note is printed for each critical section run by a stepping command.",
          "rseq stepping notes")
    _Bool("rseq-debug", "debug",
          "Whether the rseq stepping engine traces its decisions.",
          "rseq stepping traces")
    _MaxAborts()


class _Api(object):
    """gdb.rseqkit: what scripts may use."""
    tables = staticmethod(tables)
    thread_state = staticmethod(thread_state)
    notes = _NOTES
    note_count = _NOTE_COUNT
    settings = _STATE


gdb.rseqkit = _Api
gdb.rseq_gdb_hook = rseq_gdb_hook
import __main__  # noqa: E402  (the hooks call it by name)
__main__.rseq_gdb_hook = rseq_gdb_hook
_register()
gdb._rseqkit_loaded = time.time()
