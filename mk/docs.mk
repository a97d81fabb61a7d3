# SPDX-License-Identifier: MIT
# mk/docs.mk - man pages, examples and their checks.
#
#   man/man3/*.3          one page per public function or macro family of
#                         the core API (.so link pages for the other names)
#   examples/*.c          built by 'make examples' (generic rule in Makefile)
#   tests/man_check.sh    every page renders without groff warnings; every
#                         exported function and rseq.h inline has a page
#   tests/examples_check.sh  every built example exits 0 in each
#                         registration mode

# The selftests-style example includes "rseq.h" the way the kernel's
# selftests do: build it with -Iinclude/rseqkit/selftests, the selftests
# compatibility tree (docs/surface.md section 6; overrides the pattern rule).
$(BUILD)/examples/selftests_compat: examples/selftests_compat.c $(HEADERS) $(LIB_A) | $(BUILD)/examples
	$(CC) $(ALL_CFLAGS) -Iinclude/rseqkit/selftests -pthread -o $@ $< $(LIB_A) $(LDFLAGS) $(LDLIBS)

# C++ examples: examples/<name>.cc -> $(BUILD)/examples/<name>
EXAMPLES_CXX := $(patsubst examples/%.cc,$(BUILD)/examples/%,$(wildcard examples/*.cc))
$(BUILD)/examples/%: examples/%.cc $(HEADERS) $(LIB_A) | $(BUILD)/examples
	$(CXX) -std=c++17 -Iinclude $(WARNFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) -pthread -o $@ $< \
		$(LIB_A) $(LDFLAGS) $(LDLIBS)
examples: $(EXAMPLES_CXX)
INSTALL_EXAMPLES += $(wildcard examples/*.cc)

CHECK_DEPS    += $(EXAMPLES) $(EXAMPLES_CXX)
# The headers whose inline functions man_check.sh wants a page for.
export MAN_CHECK_HEADERS := include/rseqkit/rseq.h $(wildcard include/rseqkit/percpu/*.h)
CHECK_SCRIPTS += tests/man_check.sh tests/examples_check.sh
