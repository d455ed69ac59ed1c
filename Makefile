# fossc -- build, test, demo. See README.md.
#   make            bin/fossc-index bin/fossc-searchd bin/fossc-query
#   make test       install missing dependencies, build, run every test
#   make demo       index the bundled corpus, start the daemon, query it
#   make asan       the whole test suite under AddressSanitizer + UBSan
#   make fuzz       libFuzzer targets (clang), a bounded run of each
#   make install PREFIX=/usr/local

CC      ?= cc
BUILD   ?= build
BIN     ?= bin
PREFIX  ?= /usr/local
OPT     ?= -O2 -g
SAN     ?=

PKGS        := libevent libevent_pthreads libxxhash libzstd libutf8proc
PKG_CFLAGS  := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN        := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
               -Wno-missing-field-initializers
CPPFLAGS    += -D_GNU_SOURCE -Ilibfossc $(PKG_CFLAGS)
ALL_CFLAGS   = $(WARN) $(OPT) $(SAN) $(CFLAGS) -MMD -MP
LDLIBS      += $(PKG_LIBS) -lstemmer -lpthread -lm

LIB_SRC  := $(sort $(wildcard libfossc/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB_A    := $(BUILD)/libfossc.a
PROGS    := $(BIN)/fossc-index $(BIN)/fossc-searchd $(BIN)/fossc-query
IDX_SRC  := $(sort $(wildcard indexer/*.c))
D_SRC    := $(sort $(wildcard daemon/*.c))
Q_SRC    := $(sort $(wildcard client/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
INT_SRC  := $(sort $(wildcard tests/integration/test_*.c))
TEST_BIN := $(UNIT_SRC:tests/%.c=$(BUILD)/tests/%) $(INT_SRC:tests/%.c=$(BUILD)/tests/%)
TESTLIB_SRC := $(sort $(wildcard tests/lib/*.c))
TESTLIB_OBJ := $(TESTLIB_SRC:%.c=$(BUILD)/%.o)

.PHONY: eval eval-parallel eval-langid valgrind golden all test check-build deps demo asan fuzz install clean tests bench eval
all: $(PROGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BIN)/fossc-index: $(IDX_SRC:%.c=$(BUILD)/%.o) $(LIB_A)
	@mkdir -p $(BIN)
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)
$(BIN)/fossc-searchd: $(D_SRC:%.c=$(BUILD)/%.o) $(LIB_A)
	@mkdir -p $(BIN)
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)
$(BIN)/fossc-query: $(Q_SRC:%.c=$(BUILD)/%.o) $(LIB_A)
	@mkdir -p $(BIN)
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TESTLIB_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

tests: $(PROGS) $(TEST_BIN)

deps:
	@scripts/install-deps

# The README's second command: dependencies, build, every test.
test: deps
	@$(MAKE) --no-print-directory tests
	@BUILD=$(BUILD) BIN=$(BIN) tests/run

asan:
	@scripts/install-deps
	@$(MAKE) --no-print-directory BUILD=build/asan BIN=build/asan/bin \
	  OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" tests
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  BUILD=build/asan BIN=build/asan/bin tests/run

# Every test binary, and every program they start, under valgrind memcheck.
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full \
            --errors-for-leak-kinds=definite,indirect
valgrind: deps
	@$(MAKE) --no-print-directory BUILD=build/vg BIN=build/vg/bin OPT="-O1 -g" tests
	@TEST_WRAP="$(VALGRIND)" FOSSC_T_WRAP="$(VALGRIND)" FOSSC_T_SLOW=20 \
	  BUILD=build/vg BIN=build/vg/bin tests/run

# The README's first command: index the bundled corpus, serve it, ask it.
demo: deps
	@$(MAKE) --no-print-directory all
	@BIN=$(BIN) scripts/demo

fuzz:
	@scripts/install-deps
	@BUILD=build/fuzz tests/fuzz/run

# Side by side with SQLite FTS5, Xapian and Sphinx (docs/benchmarks.md);
# never part of `make test`. BENCH_ARGS=--quick for a short run.
bench: all $(BUILD)/bench/qbench $(BUILD)/bench/typobench
	@bench/run $(BENCH_ARGS)

$(BUILD)/bench/typobench: $(BUILD)/bench/typobench.o $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

# In-process query timing for profiles (docs/performance.md).
$(BUILD)/bench/qbench: $(BUILD)/bench/qbench.o $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

# Relevance on the judged set, beside SQLite FTS5 and Xapian (docs/relevance.md).
eval: all
	@BIN=$(BIN) tests/relevance/eval
eval-parallel: all
	@BIN=$(BIN) tests/relevance/parallel
eval-langid: $(LIB_A)
	@BUILD=$(BUILD) tests/relevance/langid

# Regenerates the golden index after an intended format change.
golden: all
	rm -rf tests/golden/v3
	$(BIN)/fossc-index build tests/golden/corpus.jsonl -o tests/golden/v3 --quiet --no-translation

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/

clean:
	rm -rf build bin

.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
