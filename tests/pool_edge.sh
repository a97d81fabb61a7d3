#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/pool_edge.sh - the pool's bad-input table (tests/pool_edge_test.c),
# run once: every case forks its own child with a timeout.
BUILD=${BUILD:-build}
exec "$BUILD/tests/pool_edge_test"
