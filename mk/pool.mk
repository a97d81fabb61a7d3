# SPDX-License-Identifier: MIT
# mk/pool.mk - the per-CPU memory pool (rseqkit/pool.h) and the librseq
# layer (rseqkit/librseq/rseq/*.h): tests, C++ twins, the coexistence
# test with a stand-in librseq, the benchmark, the example.
#
#   pool_test            the pool's API (every registration mode); C++ twin
#   pool_fork_test       fork() while other threads allocate and free
#   librseq_api_test     librseq's API through the layer; C++ twin
#   pool_coexist_test    rseqkit and a stand-in librseq in one process
#   pool_edge_test       bad sizes, strides, counts, CPU lists: each case in
#                        a child with a timeout (run once, by pool_edge.sh)

POOL_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(wildcard src/pool*.c))
$(POOL_OBJS): src/pool-internal.h

TESTS += pool_test pool_fork_test librseq_api_test

# The C++ compiler that goes with CC (a cross gcc's g++, clang++ for
# clang); the twins are built only when it is installed.
ifeq ($(origin CXX),default)
POOL_CROSS_CXX := $(patsubst %gcc,%g++,$(filter %-gcc,$(CC)))
ifneq ($(POOL_CROSS_CXX),)
CXX := $(POOL_CROSS_CXX)
else ifneq ($(filter clang%,$(notdir $(CC))),)
CXX := $(patsubst clang%,clang++%,$(CC))
endif
endif
ifneq ($(shell command -v $(CXX) 2>/dev/null),)
TESTS += pool_test_cxx librseq_api_test_cxx
endif
# Coexistence needs shared libraries: not in static (VM) builds.
ifeq ($(findstring -static,$(LDFLAGS) $(EXTRA_CFLAGS)),)
TESTS += pool_coexist_test
endif

POOL_CXXFLAGS = -std=gnu++17 -D_GNU_SOURCE -Iinclude $(WARNFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
LIBRSEQ_INC := -Iinclude/rseqkit/librseq

CFLAGS_librseq_api_test := $(LIBRSEQ_INC)

# C++ twins: the same test source compiled as C++.
$(BUILD)/tests/pool_test_cxx: tests/pool_test.c tests/harness.h $(HEADERS) $(LIB_A) | $(BUILD)/tests
	$(CXX) -x c++ $(POOL_CXXFLAGS) -pthread -o $@ $< -x none $(LIB_A) $(LDFLAGS) $(LDLIBS)
$(BUILD)/tests/librseq_api_test_cxx: tests/librseq_api_test.c tests/harness.h $(HEADERS) $(LIB_A) | $(BUILD)/tests
	$(CXX) -x c++ $(POOL_CXXFLAGS) $(LIBRSEQ_INC) -pthread -o $@ $< -x none $(LIB_A) $(LDFLAGS) $(LDLIBS)

# Coexistence: the program links librseqkit.so and a stand-in librseq
# (tests/helpers/librseq_standin.c, exporting librseq's rseq_* names with
# its own behaviour), and dlopen()s two plug-ins, one built against each.
POOL_COEXIST_DIR := $(BUILD)/tests/coexist
$(POOL_COEXIST_DIR)/librseq.so.0: tests/helpers/librseq_standin.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -shared -fPIC -Wl,-soname,librseq.so.0 -o $@ $< -pthread
$(POOL_COEXIST_DIR)/plugin_rseqkit.so: tests/helpers/coexist_plugin.c $(HEADERS) $(BUILD)/librseqkit.so
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LIBRSEQ_INC) -DPLUGIN_RSEQKIT -shared -fPIC -o $@ $< \
		-L$(BUILD) -lrseqkit -Wl,-rpath,$(abspath $(BUILD))
$(POOL_COEXIST_DIR)/plugin_librseq.so: tests/helpers/coexist_plugin.c $(POOL_COEXIST_DIR)/librseq.so.0
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DPLUGIN_LIBRSEQ -shared -fPIC -o $@ $< \
		$(POOL_COEXIST_DIR)/librseq.so.0 -Wl,-rpath,$(abspath $(POOL_COEXIST_DIR))
$(BUILD)/tests/pool_coexist_test: tests/pool_coexist_test.c tests/harness.h $(HEADERS) \
		$(BUILD)/librseqkit.so $(POOL_COEXIST_DIR)/librseq.so.0 \
		$(POOL_COEXIST_DIR)/plugin_rseqkit.so $(POOL_COEXIST_DIR)/plugin_librseq.so | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -DCOEXIST_DIR='"$(abspath $(POOL_COEXIST_DIR))"' -pthread -o $@ $< \
		-L$(BUILD) -lrseqkit $(POOL_COEXIST_DIR)/librseq.so.0 -ldl \
		-Wl,-rpath,$(abspath $(BUILD)):$(abspath $(POOL_COEXIST_DIR))

# The bad-input table runs once (each case forks; not in every mode).
CHECK_DEPS    += $(BUILD)/tests/pool_edge_test
CHECK_SCRIPTS += tests/pool_edge.sh

# The librseq-layer example includes <rseq/rseq.h> as librseq users do.
$(BUILD)/examples/librseq_mempool: examples/librseq_mempool.c $(HEADERS) $(LIB_A) | $(BUILD)/examples
	$(CC) $(ALL_CFLAGS) $(LIBRSEQ_INC) -pthread -o $@ $< $(LIB_A) $(LDFLAGS) $(LDLIBS)

# Benchmark: allocation and free against calloc of the same bytes.
BENCH_PROGS += $(BUILD)/bench/pool_bench
