#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tools/lldb-long.sh - make check-long: tests/tools/lldb.sh at every
# level (make check runs -O0 and -O2).
LLDB_LEVELS="O0 O2 O3 lto" exec sh tests/tools/lldb.sh
