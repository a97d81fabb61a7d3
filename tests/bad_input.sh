#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/bad_input.sh - the bad-input table (tests/bad_input/), run once:
# every case forks its own child with a time limit; the cases that need
# rseq denied run under tests/helpers/no-rseq.
BUILD=${BUILD:-build}
exec "$BUILD/tests/bad_input_test" --no-rseq "$BUILD/tests/helpers/no-rseq"
