# SPDX-License-Identifier: MIT
# rseqkit - user-space toolkit for Linux restartable sequences.
# Plain GNU Make.  'make help' lists every target, one line each.
#   make                 librseqkit.a and librseqkit.so under $(BUILD)/
#   make check           every test, in every registration mode (< 5 min)
#   make bench           the benchmark tables, CSV and plots under $(BUILD)/bench/
#   make install         PREFIX=/usr/local DESTDIR= (make uninstall: the inverse)
# Cross builds: make CC=aarch64-linux-gnu-gcc BUILD=build/aarch64 tests
# Each area adds its targets in mk/<area>.mk (included below).

# The release, read from the public header (one place to change it).
VERSION   := $(shell sed -n 's/^\#define RSEQKIT_VERSION_STRING[^"]*"\(.*\)"/\1/p' include/rseqkit/version.h)
SOVERSION := 0
# The release date: the first "rseqkit X.Y.Z (YYYY-MM-DD)" heading of NEWS
# (man pages and the Debian changelog check read it from there).
RELEASE_DATE := $(shell sh mk/release.sh date)

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
BINDIR    ?= $(PREFIX)/bin
DATADIR   ?= $(PREFIX)/share
MANDIR    ?= $(DATADIR)/man
DOCDIR    ?= $(DATADIR)/doc/rseqkit
EXAMPLESDIR ?= $(DOCDIR)/examples
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR   ?=

CFLAGS    ?= -O2 -g
WARNFLAGS := -Wall -Wextra
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -Iinclude $(CPPFLAGS) $(WARNFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
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
#   INSTALL_*     what 'make install' copies (see "Installation" below)
#   CXX_TWINS     tests/<name>.c also built as C++, run as <name>_cxx (mk/core.mk)
TESTS         :=
CHECK_SCRIPTS :=
CHECK_DEPS    :=
LONG_SCRIPTS  :=
BENCH_DEPS    :=
CXX_TWINS     :=

# Installation.  'make install' copies exactly what these lists name, and
# 'make uninstall' removes exactly that (and the directories it emptied),
# so fragments only extend lists (+=) and both stay each other's inverse
# (tests/install_check.sh compares the file lists).  Paths with spaces
# are refused.
#   INSTALL_BINS      programs -> $(BINDIR)/<name>
#   INSTALL_LIBS      shared objects, mode 755 -> $(LIBDIR)/<name>
#   INSTALL_HEADERS   files under include/ -> $(INCLUDEDIR)/<same path>
#   INSTALL_MAN       pages man/man<N>/<page>.<N> -> $(MANDIR)/man<N>/,
#                     installed from $(BUILD)/man (release date and version
#                     filled in: 'make man')
#   INSTALL_PKGCONFIG module names: pkgconfig/<name>.pc.in ->
#                     $(PKGCONFIGDIR)/<name>.pc
#   INSTALL_EXAMPLES  files under examples/ -> $(EXAMPLESDIR)/<same path>
#   INSTALL_DOCS      files -> $(DOCDIR)/<name>
#   INSTALL_DATA      SRC=DEST: the file SRC (built first when a rule makes
#                     it) installed mode 644 as DEST, a full path such as
#                     $(DATADIR)/rseqkit/x.py (DESTDIR is added)
#   INSTALL_EXEC      SRC=DEST, the same with mode 755
#   INSTALL_LINKS     TARGET=LINK: a symbolic link LINK (full path) -> TARGET
INSTALL_BINS      :=
INSTALL_LIBS      :=
INSTALL_HEADERS   := $(sort $(shell find include/rseqkit -type f -name '*.h'))
INSTALL_MAN       := $(sort $(wildcard man/man[1-8]/*.[1-8]))
INSTALL_PKGCONFIG := rseqkit
INSTALL_EXAMPLES  := $(sort $(wildcard examples/*.c examples/*.h examples/*/*))
INSTALL_DOCS      := README.md NEWS LICENSE
INSTALL_DATA      :=
INSTALL_EXEC      :=
INSTALL_LINKS     :=

.PHONY: all lib tests check check-long bench install uninstall install-list clean examples man man-normalize help FORCE
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
# The C++ twins, when a C++ compiler for this target is installed.
TESTS += $(if $(shell command -v $(CXX) 2>/dev/null),$(addsuffix _cxx,$(CXX_TWINS)))

TEST_BINS := $(addprefix $(BUILD)/tests/,$(TESTS))
tests: $(TEST_BINS)

# What the checks run is built first, on every CPU unless make was given
# -j already; tests/run.sh then runs as many tests at a time
# (RSEQKIT_TEST_JOBS).
CHECK_JOBS ?= $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc 2>/dev/null || echo 1))
check:
	@$(MAKE) --no-print-directory $(CHECK_JOBS) lib $(TEST_BINS) $(EXAMPLES) $(CHECK_DEPS)
	@BUILD=$(BUILD) sh tests/run.sh --tests "$(TEST_BINS)" --scripts "$(CHECK_SCRIPTS)"

check-long:
	@$(MAKE) --no-print-directory $(CHECK_JOBS) lib $(TEST_BINS) $(CHECK_DEPS)
	@BUILD=$(BUILD) RSEQKIT_TEST_SCALE=$${RSEQKIT_TEST_SCALE:-10} sh tests/run.sh --tests "$(TEST_BINS)" --scripts "$(LONG_SCRIPTS)"

# The library itself, through the same lists.
INSTALL_LIBS  += $(LIB_SO)
INSTALL_DATA  += $(LIB_A)=$(LIBDIR)/librseqkit.a
INSTALL_LINKS += librseqkit.so.$(VERSION)=$(LIBDIR)/$(LIB_SONAME) \
		 librseqkit.so.$(VERSION)=$(LIBDIR)/librseqkit.so
# The compatibility modules exist once their include trees do
# (docs/surface.md section 6).
INSTALL_PKGCONFIG += $(if $(wildcard include/rseqkit/selftests/rseq.h),rseqkit-selftests) \
		     $(if $(wildcard include/rseqkit/librseq/rseq/rseq.h),rseqkit-librseq)

# Man pages as installed: the .TH line gets the release date (NEWS) and
# version (version.h); @RSEQKIT_DATE@, @RSEQKIT_VERSION@ and
# @RSEQKIT_EXAMPLESDIR@ anywhere in a page are replaced too.  'make
# man-normalize' puts every source page's .TH line into that placeholder
# form (tests/man_date_check.sh).  $(BUILD)/man/.config changes when one of
# the values does, so the pages follow a new PREFIX or EXAMPLESDIR.
MAN_TH_RE  := ^\.TH[ 	]+("[^"]*"|[^ 	]+)[ 	]+([^ 	]+)([ 	].*)?$$
MAN_PAGES   = $(addprefix $(BUILD)/,$(INSTALL_MAN))
MAN_CONFIG  = $(RELEASE_DATE) $(VERSION) $(EXAMPLESDIR)
$(BUILD)/man/.config: FORCE
	@mkdir -p $(@D)
	@[ -n "$(RELEASE_DATE)" ] || { echo "NEWS: no 'rseqkit X.Y.Z (YYYY-MM-DD)' heading" >&2; exit 1; }
	@[ "$$(cat $@ 2>/dev/null)" = "$(MAN_CONFIG)" ] || echo "$(MAN_CONFIG)" > $@
$(BUILD)/man/%: man/% $(BUILD)/man/.config
	@mkdir -p $(@D)
	@sed -E -e 's/$(MAN_TH_RE)/.TH \1 \2 $(RELEASE_DATE) "rseqkit $(VERSION)" "rseqkit Manual"/' \
		-e 's/@RSEQKIT_DATE@/$(RELEASE_DATE)/g' -e 's/@RSEQKIT_VERSION@/$(VERSION)/g' \
		-e 's|@RSEQKIT_EXAMPLESDIR@|$(EXAMPLESDIR)|g' $< > $@
man: $(MAN_PAGES)
man-normalize:
	@sed -E -i 's/$(MAN_TH_RE)/.TH \1 \2 @RSEQKIT_DATE@ "rseqkit @RSEQKIT_VERSION@" "rseqkit Manual"/' \
		$(INSTALL_MAN)
	@echo "man pages: .TH lines now carry @RSEQKIT_DATE@ and @RSEQKIT_VERSION@"

# pkg-config modules for the prefix of this 'make install'; a libdir or
# includedir under the prefix is written relative to ${prefix}.
pc_rel = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
$(BUILD)/pkgconfig/%.pc: pkgconfig/%.pc.in include/rseqkit/version.h FORCE
	@mkdir -p $(@D)
	@sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(call pc_rel,$(LIBDIR))|g' \
	    -e 's|@INCLUDEDIR@|$(call pc_rel,$(INCLUDEDIR))|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@
FORCE:

# The manifest: one "MODE:SOURCE:DESTINATION" per entry (MODE 644, 755 or
# link); mk/install.sh installs or removes it.
inst_pair = $(foreach e,$(2),$(1):$(word 1,$(subst =, ,$(e))):$(word 2,$(subst =, ,$(e))))
INSTALL_MANIFEST = \
	$(foreach f,$(INSTALL_BINS),755:$(f):$(BINDIR)/$(notdir $(f))) \
	$(foreach f,$(INSTALL_LIBS),755:$(f):$(LIBDIR)/$(notdir $(f))) \
	$(foreach f,$(INSTALL_HEADERS),644:$(f):$(INCLUDEDIR)/$(f:include/%=%)) \
	$(foreach f,$(INSTALL_MAN),644:$(BUILD)/$(f):$(MANDIR)/$(f:man/%=%)) \
	$(foreach m,$(INSTALL_PKGCONFIG),644:$(BUILD)/pkgconfig/$(m).pc:$(PKGCONFIGDIR)/$(m).pc) \
	$(foreach f,$(INSTALL_EXAMPLES),644:$(f):$(EXAMPLESDIR)/$(f:examples/%=%)) \
	$(foreach f,$(INSTALL_DOCS),644:$(f):$(DOCDIR)/$(notdir $(f))) \
	$(call inst_pair,644,$(INSTALL_DATA)) $(call inst_pair,755,$(INSTALL_EXEC)) \
	$(call inst_pair,link,$(INSTALL_LINKS))
# Directories uninstall never removes, even when it leaves them empty.
INSTALL_KEEP_DIRS = $(PREFIX) $(BINDIR) $(LIBDIR) $(PKGCONFIGDIR) $(INCLUDEDIR) \
	$(DATADIR) $(DATADIR)/doc $(MANDIR) $(addprefix $(MANDIR)/man,1 2 3 4 5 6 7 8)
INSTALL_RUN = printf '%s\n' $(foreach e,$(INSTALL_MANIFEST),'$(e)') | tr ':' ' ' | \
	DESTDIR="$(DESTDIR)" sh mk/install.sh

# Everything a manifest source needs built (DATA/EXEC sources that a rule
# makes are built; plain files are just there).
INSTALL_BUILT = $(INSTALL_BINS) $(INSTALL_LIBS) $(MAN_PAGES) \
	$(foreach e,$(INSTALL_DATA) $(INSTALL_EXEC),$(word 1,$(subst =, ,$(e)))) \
	$(INSTALL_PKGCONFIG:%=$(BUILD)/pkgconfig/%.pc)
HELP_install      := install under $(DESTDIR)$(PREFIX) (PREFIX=/usr/local DESTDIR=...)
HELP_uninstall    := remove exactly what make install installed (same PREFIX, DESTDIR)
HELP_install-list := print every path make install writes
HELP_man          := the man pages as installed, dated from NEWS, under $(BUILD)/man
HELP_man-normalize:= rewrite every man page's .TH line to the date/version placeholders
install: lib $(INSTALL_BUILT)
	@$(INSTALL_RUN) install $(INSTALL_KEEP_DIRS)

uninstall:
	@$(INSTALL_RUN) uninstall $(INSTALL_KEEP_DIRS)

# Every path 'make install' would write, under $(DESTDIR).
install-list:
	@$(INSTALL_RUN) list

clean:
	rm -rf $(BUILD)
