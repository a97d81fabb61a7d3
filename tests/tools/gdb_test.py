# tests/tools/gdb_test.py - run inside gdb (batch) by tests/tools/gdb.sh.
# RSEQ_TEST_EXT=1: tools/gdb/rseq.py is loaded; 0: the control run.
import os
import struct

import gdb

ext = os.environ.get("RSEQ_TEST_EXT") == "1"
gdb.execute("set pagination off")
gdb.execute("set confirm off")
if ext:
    gdb.execute("source tools/gdb/rseq.py")


def total():
    sym = gdb.lookup_global_symbol("counters") or gdb.lookup_static_symbol("counters")
    addr = int(sym.value().address)
    data = bytes(gdb.selected_inferior().read_memory(addr, 4096 * 64))
    return sum(struct.unpack_from("<q", data, i)[0] for i in range(0, len(data), 64))


def report(name, ok, detail=""):
    print("RESULT %s %s %s" % (name, "ok" if ok else "FAIL", detail))


gdb.execute("break cs_add")
gdb.execute("run single 20")

# stepi through the critical section: the counter must move
before = total()
for _ in range(40):
    print(gdb.execute("stepi", to_string=True), end="")
after = total()
report("stepi-progress", after > before, "%d -> %d" % (before, after))
if not ext:
    gdb.execute("kill")
    raise SystemExit

# next and step through the asm statement terminate and commit
gdb.execute("continue", to_string=True)        # the next cs_add call
before = total()
for _ in range(3):
    print(gdb.execute("next", to_string=True), end="")
report("next-progress", total() > before)
gdb.execute("continue", to_string=True)
before = total()
for _ in range(3):
    print(gdb.execute("step", to_string=True), end="")
report("step-progress", total() > before)

# info rseq lists the two sections
out = gdb.execute("info rseq", to_string=True)
report("info-rseq", out.count("descriptor 0x") == 2, out.strip().replace("\n", " | "))

# the program still adds up
gdb.execute("delete")
gdb.execute("continue")
code = gdb.parse_and_eval("$_exitcode")
report("exit", str(code) == "0", "exit code %s" % code)
