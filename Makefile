# rseqkit - user-space toolkit for Linux restartable sequences.
# Plain GNU Make. Targets:
#   make                 librseqkit.a and librseqkit.so under $(BUILD)/
#   make check           every test, in every registration mode (< 5 min)
#   make check-long      longer stress (and the tools' long runs)
#   make bench           the benchmark table (+ CSV under $(BUILD)/bench/)
#   make install         PREFIX=/usr/local DESTDIR=
# Cross builds: make CC=aarch64-linux-gnu-gcc BUILD=build/aarch64 tests
# Each area adds its targets in mk/<area>.mk (included below).

# The release, read from the public header (one place to change it).
VERSION   := $(shell sed -n 's/^\#define RSEQKIT_VERSION_STRING[^"]*"\(.*\)"/\1/p' include/rseqkit/version.h)
SOVERSION := 0

CC        ?= cc
# A cross gcc (CC=aarch64-linux-gnu-gcc) brings its own ar (musl-gcc not).
ifeq ($(origin AR),default)
CROSS_AR  := $(patsubst %gcc,%ar,$(filter %-gcc,$(CC)))
AR        := $(if $(CROSS_AR),$(if $(shell command -v $(CROSS_AR) 2>/dev/null),$(CROSS_AR),ar),ar)
endif
BUILD     ?= build
PREFIX    ?= /usr/local
LIBDIR    ?= $(PREFIX)/lib
INCLUDEDIR?= $(PREFIX)/include
MANDIR    ?= $(PREFIX)/share/man
BINDIR    ?= $(PREFIX)/bin
DESTDIR   ?=

CFLAGS    ?= -O2 -g
WARNFLAGS := -Wall -Wextra
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -Iinclude $(WARNFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS   ?=
LDLIBS    ?=

LIB_A     := $(BUILD)/librseqkit.a
LIB_SO    := $(BUILD)/librseqkit.so.$(VERSION)
LIB_SONAME:= librseqkit.so.$(SOVERSION)

LIB_SRCS  := $(sort $(wildcard src/*.c))
LIB_OBJS  := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
HEADERS   := $(shell find include -name '*.h')

# Lists that mk/*.mk fragments extend:
#   TESTS         test programs tests/<name>.c, run in every registration mode
#   CHECK_SCRIPTS scripts run once by 'make check' (exit 0 pass, 77 skip)
#   CHECK_DEPS    extra things 'make check' must build first
#   LONG_SCRIPTS  scripts run by 'make check-long'
#   BENCH_DEPS    extra things 'make bench' must build first
#   INSTALL_BINS  programs installed under $(BINDIR)
TESTS         :=
CHECK_SCRIPTS :=
CHECK_DEPS    :=
LONG_SCRIPTS  :=
BENCH_DEPS    :=
INSTALL_BINS  :=

.PHONY: all lib tests check check-long bench install uninstall clean examples
all: lib

lib: $(LIB_A) $(BUILD)/librseqkit.so

$(BUILD)/obj/%.o: src/%.c $(HEADERS) src/internal.h | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(BUILD)/obj $(BUILD)/tests $(BUILD)/examples $(BUILD)/bench:
	@mkdir -p $@

$(LIB_A): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIB_SO): $(LIB_OBJS) src/librseqkit.map
	$(CC) $(ALL_CFLAGS) -shared -fPIC -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script=src/librseqkit.map -Wl,-z,nodelete -o $@ $(LIB_OBJS) $(LDFLAGS) -pthread

$(BUILD)/librseqkit.so: $(LIB_SO)
	ln -sf librseqkit.so.$(VERSION) $(BUILD)/$(LIB_SONAME)
	ln -sf librseqkit.so.$(VERSION) $@

# Test programs: tests/<name>.c -> $(BUILD)/tests/<name>, linked statically
# against librseqkit.a (LDLIBS_<name> adds libraries for one test).
$(BUILD)/tests/%: tests/%.c tests/harness.h $(HEADERS) $(LIB_A) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -pthread $(CFLAGS_$*) -o $@ $< $(LIB_A) $(LDFLAGS) $(LDLIBS_$*) $(LDLIBS)

# Examples: examples/<name>.c -> $(BUILD)/examples/<name>
EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))
$(BUILD)/examples/%: examples/%.c $(HEADERS) $(LIB_A) | $(BUILD)/examples
	$(CC) $(ALL_CFLAGS) -pthread -o $@ $< $(LIB_A) $(LDFLAGS) $(LDLIBS)
examples: $(EXAMPLES)

-include $(sort $(wildcard mk/*.mk))

TEST_BINS := $(addprefix $(BUILD)/tests/,$(TESTS))
tests: $(TEST_BINS)

check: lib $(TEST_BINS) $(EXAMPLES) $(CHECK_DEPS)
	@BUILD=$(BUILD) sh tests/run.sh --tests "$(TEST_BINS)" --scripts "$(CHECK_SCRIPTS)"

check-long: lib $(TEST_BINS) $(CHECK_DEPS)
	@BUILD=$(BUILD) RSEQKIT_TEST_SCALE=$${RSEQKIT_TEST_SCALE:-10} sh tests/run.sh --tests "$(TEST_BINS)" --scripts "$(LONG_SCRIPTS)"

install: lib $(INSTALL_BINS)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf librseqkit.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf librseqkit.so.$(VERSION) $(DESTDIR)$(LIBDIR)/librseqkit.so
	cd include && find rseqkit -type d -exec install -d $(DESTDIR)$(INCLUDEDIR)/{} \;
	cd include && find rseqkit -type f -name '*.h' -exec install -m 644 {} $(DESTDIR)$(INCLUDEDIR)/{} \;
	for s in 1 3 7; do \
		if ls man/man$$s/*.$$s >/dev/null 2>&1; then \
			install -d $(DESTDIR)$(MANDIR)/man$$s; \
			install -m 644 man/man$$s/*.$$s $(DESTDIR)$(MANDIR)/man$$s/; \
		fi; \
	done
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    rseqkit.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/rseqkit.pc
	$(if $(INSTALL_BINS),install -d $(DESTDIR)$(BINDIR) && install -m 755 $(INSTALL_BINS) $(DESTDIR)$(BINDIR)/)
	sh tools/gdb/install.sh install "$(DESTDIR)" $(GDB_SCRIPT_FILE) $(GDB_ENTRY) $(INCLUDEDIR) $(LIBDIR) $(GDB_LOADER_FILES)

uninstall:
	rm -rf $(DESTDIR)$(INCLUDEDIR)/rseqkit
	rm -f $(DESTDIR)$(LIBDIR)/librseqkit.* $(DESTDIR)$(LIBDIR)/pkgconfig/rseqkit.pc
	sh tools/gdb/install.sh uninstall "$(DESTDIR)" $(GDB_SCRIPT_FILE) $(GDB_LOADER_FILES)

clean:
	rm -rf $(BUILD)
