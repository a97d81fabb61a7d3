#!/bin/sh
# SPDX-License-Identifier: MIT
# build_check_all.sh - 'make check-long': tests/build_check.sh with gcc
# and clang at -O0 and -O2 each ('make check' builds two of the four).
BUILD_CHECK_LEVELS="gcc:-O0 gcc:-O2 clang:-O0 clang:-O2" exec sh tests/build_check.sh
