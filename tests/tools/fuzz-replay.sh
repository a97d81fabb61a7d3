#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/tools/fuzz-replay.sh - replays the rseq-inspect fuzz corpus and the
# committed fixtures through the parser (built with ASan/UBSan when the
# compiler has them): no crash, no sanitizer report.
BUILD=${BUILD:-build}
exec "$BUILD/tools/fuzz-replay" tests/tools/corpus tests/tools/fixtures
