# GrowVRD backend.  `make` builds the worker and the operator tool;
# `make run` / `make stop` drive the local stack; `make test` runs all.
# Respects CC, CFLAGS, CPPFLAGS, LDFLAGS, PREFIX, DESTDIR.  SANITIZE=1
# builds with ASan+UBSan into build/san/.

CC        ?= cc
BUILD     ?= build
# V=1 shows the compiler's command lines.
Q         := $(if $(V),,@)
PKGS      := fcgi json-c libcurl openssl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lfcgi -ljson-c -lcurl -lssl -lcrypto)

STD       := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN      := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
             -Wmissing-prototypes -Wno-format-nonliteral
HARDEN    := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT       ?= -O2 -g
HARDEN_LD := -pie -Wl,-z,relro,-z,now

ifeq ($(FUZZ),1)
# libFuzzer harnesses: clang only, everything instrumented.
B         := $(BUILD)/fuzz
OPT       := -O1 -g -fno-omit-frame-pointer
SAN       := -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all
HARDEN    := -fPIE
else ifeq ($(SANITIZE),1)
B         := $(BUILD)/san
OPT       := -O1 -g -fno-omit-frame-pointer
SAN       := -fsanitize=address,undefined -fno-sanitize-recover=all
HARDEN    := -fPIE
else
B         := $(BUILD)
SAN       :=
endif

ALL_CFLAGS  = $(STD) $(WARN) $(HARDEN) $(OPT) $(SAN) -Iapp -MMD -MP \
              $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(HARDEN_LD) $(SAN) $(LDFLAGS)
LIBS        = $(PKG_LIBS) -lm -pthread

LIB_SRC   := $(filter-out app/main.c app/ctl/%,$(wildcard app/*/*.c))
CTL_SRC   := $(wildcard app/ctl/*.c)
TEST_SRC  := $(wildcard tests/unit/test_*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(B)/obj/%.o)
CTL_OBJ   := $(CTL_SRC:%.c=$(B)/obj/%.o)
TESTS     := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
ITEST_SRC := $(wildcard tests/integration/itest_*.c)
ITESTS    := $(ITEST_SRC:tests/integration/%.c=$(B)/itests/%)
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS   := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/%)

.SECONDARY:
.PHONY: all test unit run stop bench clean lint fuzz fuzzers deps install uninstall test-fault soak \
          lighthouse
all: $(B)/growvrd-fcgi $(B)/growvrdctl $(TESTS) $(ITESTS)

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B)/libgrowvrd.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(B)/growvrd-fcgi: $(B)/obj/app/main.o $(B)/libgrowvrd.a
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(B)/growvrdctl: $(CTL_OBJ) $(B)/libgrowvrd.a
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(B)/libgrowvrd.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(LIBS)

$(B)/itests/%: $(B)/obj/tests/integration/%.o $(B)/libgrowvrd.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(LIBS)

$(B)/obj/tests/integration/%.o: tests/integration/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -c $< -o $@

$(B)/obj/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -c $< -o $@

# Tests of growvrdctl's own modules (not in the library: the workers must
# not link what only the operator's tool may do) link them too.
CTL_TESTED := $(B)/obj/app/ctl/plants_import.o
$(B)/tests/test_ddb_batch $(B)/tests/test_plants_import: $(CTL_TESTED)
$(B)/itests/itest_ddb $(B)/fuzz_import: $(CTL_TESTED)

fuzzers: $(FUZZERS)

$(B)/fuzz_%: $(B)/obj/tests/fuzz/fuzz_%.o $(B)/libgrowvrd.a
	$(Q)$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $(filter %.o,$^) $(filter %.a,$^) $(LIBS)

$(B)/obj/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# Install what is missing (Debian packages, pinned emulators).
deps:
	@scripts/deps

# DynamoDB Local of `make run`: the JVM's full JIT and a heap for a
# catalog of 10^5 plants (docs/performance.md, "Bulk import").  Test
# stacks keep scripts/stack's default (C1 only, 256 MB: a quicker start).
# DDB_JAVA_OPTS in the environment wins over both.
RUN_DDB_JAVA_OPTS ?= -Xmx1g -XX:+UseSerialGC

run: deps
	@$(MAKE) --no-print-directory all
	@DDB_JAVA_OPTS="$${DDB_JAVA_OPTS:-$(RUN_DDB_JAVA_OPTS)}" scripts/stack up

stop:
	@scripts/stack down

# Every test: unit (plain and ASan+UBSan), fuzz smoke, integration.
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory SANITIZE=1 all
	@tests/run-all

unit: all
	@tests/run-unit $(B)/tests

bench:
	@bench/run

# The catalog page scored by Lighthouse on a stack of its own with
# LH_PLANTS (default 10000) synthetic plants (tests/web/lighthouse).
lighthouse: deps
	@$(MAKE) --no-print-directory all
	@BUILD="$(B)" tests/web/lighthouse

fuzz:
	@tests/fuzz/run

# Install the worker, growvrdctl, the systemd units, the nginx site and
# snippets, plans.json and /etc/growvrd/growvrd.env.example; a postinstall
# step (skipped under DESTDIR) creates the growvrd user.  The settings
# are listed in scripts/install; command-line ones reach it as well.
PREFIX          ?= /usr/local
SYSTEMD_UNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALL_ENV      = BIN="$(B)" PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" \
                   SYSTEMD_UNITDIR="$(SYSTEMD_UNITDIR)"

install: all
	@$(INSTALL_ENV) scripts/install install

uninstall:
	@$(INSTALL_ENV) scripts/install uninstall

# The installed pool booted under real systemd (root, systemd-nspawn):
# kill -9, restart and rolling restart under load, 0 failed requests.
.PHONY: test-pool
test-pool: all
	@BUILD="$(B)" tests/pool-test

# The fault-injection suite (tests/fault/run): root, haproxy, socat, nft.
test-fault: deps
	@$(MAKE) --no-print-directory all
	@BUILD="$(B)" tests/fault/run

# 10^6 mixed requests at 60 % of capacity with 1 % faults (not in
# `make test`; about 20 minutes; figures for docs/performance.md).
soak: all
	@BUILD="$(B)" tests/soak/run

# The container image (root, mmdebstrap, podman): Debian packages only;
# test-image runs its file system under systemd-nspawn against a stack.
.PHONY: image test-image
image: all
	@BUILD="$(B)" scripts/image

test-image: image
	@BUILD="$(B)" tests/image-test

lint:
	@! grep -nE '\b(sprintf|strcpy|strcat|gets|atoi|strtok)\s*\(' \
	    $$(find app -name '*.c' -o -name '*.h') || \
	    { echo "lint: banned function"; exit 1; }

clean:
	rm -rf build

-include $(shell find build -path '*/obj/*' -name '*.d' -type f 2>/dev/null)
