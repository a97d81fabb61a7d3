# SPDX-License-Identifier: MIT
# mk/release.mk - what a release needs beyond the code: the licence on
# every file, one version and date everywhere, install/uninstall, the
# Debian packages, the man pages' cross-references, the benchmark plots.
#
#   make check          runs the checks below (about 30 s together on 2
#                       busy cores; install_check's CMake/meson builds most)
#   make check-deb      builds the .deb packages in a scratch copy, installs
#                       them, runs debian/tests (autopkgtest) and lintian,
#                       then purges them (root or sudo; tests/deb_check.sh)
#   make bench-plots    plots $(BENCH_CSV) again into $(BENCH_PLOTS)
# Release chores, one command each:
#   make spdx-fix         add the SPDX line to every file that lacks it
#   make man-normalize    (Makefile) placeholders on every .TH line
#   make debian-symbols   regenerate debian/librseqkit0.symbols from the
#                         built library

CHECK_SCRIPTS += tests/spdx_check.sh tests/version_check.sh \
		 tests/man_date_check.sh tests/man_xref_check.sh \
		 tests/plot_check.sh tests/help_check.sh tests/symbols_file_check.sh

# The tools print the release (tools/tool-version.h).
$(BUILD)/tools/rseq-inspect $(BUILD)/tools/rseq-check: tools/tool-version.h include/rseqkit/version.h

.PHONY: check-deb bench-plots spdx-fix debian-symbols
HELP_check-deb      := build, install, autopkgtest, lintian and purge the .deb packages
HELP_bench-plots    := plot $(BENCH_CSV) again: one SVG per group in $(BENCH_PLOTS)
HELP_spdx-fix       := add an SPDX-License-Identifier line to every file lacking one
HELP_debian-symbols := regenerate debian/librseqkit0.symbols from the built library

# Its output (package sizes, lintian's tags) is the record: shown, not logged.
check-deb:
	@BUILD=$(BUILD) sh tests/deb_check.sh; st=$$?; [ $$st -eq 77 ] || exit $$st

bench-plots:
	@sh bench/plot.sh $(BENCH_CSV) $(BENCH_PLOTS)

spdx-fix:
	@sh tests/spdx_check.sh --fix

debian-symbols: $(LIB_SO)
	@sh debian/gen-symbols.sh $(LIB_SO)
