# SPDX-License-Identifier: MIT
"""rseq.py - gdb support for stepping through rseq critical sections.

Load with:  (gdb) source tools/gdb/rseq.py

Why: on Linux every ptrace stop is a preemption, so a thread stopped inside
an rseq critical section is sent to the section's abort handler when it
resumes. Single-stepping through a critical section therefore never gets
past it: `stepi`, `next` and `step` loop through abort and retry forever.

What this does, using the tables the program carries (__rseq_cs_ptr_array,
__rseq_exit_point_array, read from the live process's memory, so
relocations are already applied):

 * before `step`/`next`, a guard breakpoint is set on the instruction just
   before each critical section's start_ip in the current function (the
   store of rseq_cs; outside the section, so stopping there aborts
   nothing);
 * after `step`/`next`/`stepi`/`nexti`, when the thread stopped on a guard
   or inside a critical section, the section is run to completion at full
   speed: temporary breakpoints on the post-commit address, every exit
   point, the abort handler and the caller's return address, then
   `continue`. An abort (the kernel's or a real preemption) re-runs the
   retry path at full speed, up to `rseq-max-aborts` times.

The command stops at the post-commit address (committed), an exit point,
the abort handler (if it gave up), or the caller. `info rseq` lists the
critical sections; `set rseq-stepping off` disables the whole thing.
"""

import re
import struct

import gdb

_enabled = True
_max_aborts = 100
_cache = {"key": None, "cs": []}
_guards = []


class _CS(object):
    __slots__ = ("desc", "start", "end", "abort", "exits", "pre")

    def __init__(self, desc, start, pco, abort):
        self.desc = desc
        self.start = start
        self.end = start + pco
        self.abort = abort
        self.exits = []
        self.pre = None

    def contains(self, pc):
        return self.start <= pc < self.end


def _live():
    inf = gdb.selected_inferior()
    return inf is not None and inf.pid != 0 and gdb.selected_thread() is not None


def _section_ranges(name):
    out = gdb.execute("info files", to_string=True)
    pat = r"(0x[0-9a-f]+) - (0x[0-9a-f]+) is " + re.escape(name) + r"\b"
    return [(int(a, 16), int(b, 16)) for a, b in re.findall(pat, out)], out


def _read(addr, n):
    return bytes(gdb.selected_inferior().read_memory(addr, n))


def _fmt():
    # u64 fields in the target's byte order; the pointer is the low word
    end = "<" if "little" in gdb.execute("show endian", to_string=True) else ">"
    return end


def _func_start(addr):
    try:
        b = gdb.block_for_pc(addr)
        while b is not None and b.function is None:
            b = b.superblock
        if b is not None:
            return b.start, b.end
    except RuntimeError:
        pass
    try:
        s = gdb.execute("info symbol 0x%x" % addr, to_string=True)
        m = re.match(r"(\S+)(?: \+ (\d+))? in section", s)
        if m:
            return addr - int(m.group(2) or 0), None
    except gdb.error:
        pass
    return None, None


def _previous_insn(addr):
    """Address of the instruction that ends at addr, or None."""
    fstart, _ = _func_start(addr)
    if fstart is None or fstart >= addr or addr - fstart > 65536:
        return None
    try:
        arch = gdb.selected_frame().architecture()
        for insn in arch.disassemble(fstart, addr):
            if insn["addr"] + insn["length"] == addr:
                return insn["addr"]
            if insn["addr"] >= addr:
                break
    except (gdb.error, RuntimeError):
        pass
    return None


def tables():
    """The critical sections of the live process."""
    if not _live():
        return []
    ptrs, info = _section_ranges("__rseq_cs_ptr_array")
    key = (gdb.selected_inferior().pid, info)
    if _cache["key"] == key:
        return _cache["cs"]
    e = _fmt()
    cs = {}
    for lo, hi in ptrs:
        data = _read(lo, hi - lo)
        for i in range(0, len(data) - 7, 8):
            (d,) = struct.unpack(e + "Q", data[i:i + 8])
            if d in cs:
                continue
            try:
                raw = _read(d, 32)
            except gdb.MemoryError:
                continue
            ver, flags, start, pco, abort = struct.unpack(e + "IIQQQ", raw)
            if ver != 0 or pco == 0:
                continue
            cs[d] = _CS(d, start, pco, abort)
    exits, _ = _section_ranges("__rseq_exit_point_array")
    by_start = {}
    for c in cs.values():
        by_start.setdefault(c.start, []).append(c)
    for lo, hi in exits:
        data = _read(lo, hi - lo)
        for i in range(0, len(data) - 15, 16):
            start, ex = struct.unpack(e + "QQ", data[i:i + 16])
            for c in by_start.get(start, []):
                c.exits.append(ex)
    result = sorted(cs.values(), key=lambda c: c.start)
    for c in result:
        c.pre = _previous_insn(c.start)
    _cache["key"] = key
    _cache["cs"] = result
    return result


def _invalidate(*_args):
    _cache["key"] = None


def _find(pc):
    for c in tables():
        if c.contains(pc) or c.pre == pc:
            return c
    return None


class _StopBp(gdb.Breakpoint):
    """Internal breakpoint that ends the completion run."""

    def __init__(self, addr, kind, thread):
        super(_StopBp, self).__init__("*0x%x" % addr, internal=True)
        self.kind = kind
        self.hits = 0
        if thread is not None:
            self.thread = thread
        self.silent = True

    def stop(self):
        self.hits += 1
        if self.kind == "abort" and self.hits <= _max_aborts:
            return False        # retried at full speed: let it run
        return True


class _Guard(gdb.Breakpoint):
    def __init__(self, addr, thread):
        super(_Guard, self).__init__("*0x%x" % addr, internal=True)
        if thread is not None:
            self.thread = thread
        self.silent = True


def _clear_guards():
    while _guards:
        g = _guards.pop()
        try:
            g.delete()
        except RuntimeError:
            pass


def complete(c, why):
    """Runs critical section c to its end at full speed."""
    _clear_guards()
    thread = gdb.selected_thread().num
    stops = [_StopBp(c.end, "commit", thread)]
    stops += [_StopBp(x, "exit", thread) for x in c.exits]
    aborter = _StopBp(c.abort, "abort", thread)
    stops.append(aborter)
    try:
        older = gdb.newest_frame().older()
        if older is not None and not (c.start <= older.pc() < c.end):
            stops.append(_StopBp(older.pc(), "return", thread))
    except gdb.error:
        pass
    try:
        gdb.execute("continue", to_string=True)
    finally:
        hit = None
        for b in stops:
            if b.is_valid() and b.hits and (b.kind != "abort" or b.hits > _max_aborts):
                hit = b.kind if hit is None else hit
        aborts = aborter.hits if aborter.is_valid() else 0
        for b in stops:
            if b.is_valid():
                b.delete()
    pc = gdb.selected_frame().pc() if _live() else 0
    where = {"commit": "post-commit", "exit": "exit point", "abort": "abort handler",
             "return": "caller"}.get(hit, "stop")
    gdb.write("rseq: %s critical section [0x%x, 0x%x) completed at its %s 0x%x "
              "(%d abort%s on the way)\n"
              % (why, c.start, c.end, where, pc, aborts, "" if aborts == 1 else "s"))
    if _live():
        gdb.execute("frame 0", to_string=False)


def _pre(cmd):
    if not _enabled or not _live():
        return
    _clear_guards()
    try:
        pc = gdb.selected_frame().pc()
    except gdb.error:
        return
    c = _find(pc)
    if c is not None:
        # already at the rseq_cs store or inside: finish it first
        complete(c, "entered")
        return
    if cmd not in ("step", "next"):
        return
    lo, hi = _func_start(pc)
    thread = gdb.selected_thread().num
    for c in tables():
        if c.pre is None:
            continue
        if lo is not None and hi is not None and not (lo <= c.pre < hi):
            continue
        _guards.append(_Guard(c.pre, thread))


def _post(cmd):
    _clear_guards()
    if not _enabled or not _live():
        return
    try:
        pc = gdb.selected_frame().pc()
    except gdb.error:
        return
    c = _find(pc)
    if c is not None:
        complete(c, "stepped into")


def _install_hooks():
    for cmd in ("step", "next", "stepi", "nexti"):
        gdb.execute("define hook-%s\npython rseq_gdb_hook('pre', '%s')\nend" % (cmd, cmd))
        gdb.execute("define hookpost-%s\npython rseq_gdb_hook('post', '%s')\nend" % (cmd, cmd))


def rseq_gdb_hook(when, cmd):
    try:
        if when == "pre":
            _pre(cmd)
        else:
            _post(cmd)
    except gdb.error as e:
        gdb.write("rseq: %s\n" % e)


class _InfoRseq(gdb.Command):
    """List the rseq critical sections of the running program."""

    def __init__(self):
        super(_InfoRseq, self).__init__("info rseq", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        cs = tables()
        if not cs:
            gdb.write("No rseq critical sections (is the program running?).\n")
        for c in cs:
            gdb.write("descriptor 0x%x: start 0x%x post-commit 0x%x abort 0x%x%s%s\n"
                      % (c.desc, c.start, c.end, c.abort,
                         "".join(" exit 0x%x" % x for x in c.exits),
                         " guard 0x%x" % c.pre if c.pre is not None else ""))


class _SetRseq(gdb.Parameter):
    """Whether step/next/stepi/nexti run rseq critical sections to completion."""
    set_doc = "Set rseq critical-section stepping."
    show_doc = "Show rseq critical-section stepping."

    def __init__(self):
        super(_SetRseq, self).__init__("rseq-stepping", gdb.COMMAND_RUNNING,
                                       gdb.PARAM_BOOLEAN)
        self.value = True

    def get_set_string(self):
        global _enabled
        _enabled = bool(self.value)
        return "rseq stepping is %s" % ("on" if _enabled else "off")

    def get_show_string(self, svalue):
        return "rseq stepping is %s" % svalue


class _SetMaxAborts(gdb.Parameter):
    """How many aborts a completion run retries at full speed before stopping."""
    set_doc = "Set the abort retries of rseq completion runs."
    show_doc = "Show the abort retries of rseq completion runs."

    def __init__(self):
        super(_SetMaxAborts, self).__init__("rseq-max-aborts", gdb.COMMAND_RUNNING,
                                            gdb.PARAM_UINTEGER)
        self.value = _max_aborts

    def get_set_string(self):
        global _max_aborts
        _max_aborts = int(self.value or 0)
        return "rseq completion runs retry %d aborts" % _max_aborts

    def get_show_string(self, svalue):
        return svalue


gdb.rseq_gdb_hook = rseq_gdb_hook
import __main__  # noqa: E402  (the hooks call it by name)
__main__.rseq_gdb_hook = rseq_gdb_hook
_install_hooks()
_InfoRseq()
_SetRseq()
_SetMaxAborts()
gdb.events.new_objfile.connect(_invalidate)
gdb.events.exited.connect(_invalidate)
