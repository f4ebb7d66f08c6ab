# mqpub/mqsub - one plain GNU Makefile.
#   make            build build/bin/mqpub and build/bin/mqsub
#   make check      unit tests, sanitizer build, Bats end-to-end and interop tests
#   make check-interop  the interop suite alone (mosquitto, aedes, RabbitMQ)
#   make demo       build, start a throwaway broker, publish and subscribe
#   make bench      side by side with mosquitto_pub/mosquitto_sub
#   make fuzz       libFuzzer targets, $FUZZ_SECONDS each (default 60; clang)
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d

VERSION := 0.1.0
CC      ?= cc
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wformat=2 -Wvla -Wundef
OPT     ?= -O2
BASE_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
           $(OPT) -g $(WARN) -DMQ_VERSION='"$(VERSION)"'
ifdef WERROR
BASE_CFLAGS += -Werror
endif
# mbedTLS is linked statically: the binaries need nothing but libc.
MBEDTLS_LIBS := -l:libmbedtls.a -l:libmbedx509.a -l:libmbedcrypto.a
# inih (config files) is linked statically too.
INIH_LIBS := -l:libinih.a
LDLIBS  += $(INIH_LIBS) $(MBEDTLS_LIBS)
# The programs are linked -static-pie by default: libc is linked in too,
# so no dynamic loader runs at start-up (a one-shot publish is about a
# fifth faster), and the executable is still placed at a random address.
# STATIC=1 links -static (no ASLR of the executable), STATIC=0 links libc
# dynamically.  Host names still resolve through glibc's NSS; the one
# linker warning this brings (getaddrinfo in a static program) is
# explained in README.md (Install) and filtered from the output.
STATIC ?= pie
ifeq ($(STATIC),pie)
LINK_MODE := -static-pie
else ifeq ($(STATIC),1)
LINK_MODE := -static
else ifneq ($(filter-out 0,$(STATIC)),)
$(error STATIC must be pie (the default), 1 or 0, not '$(STATIC)')
endif
# User CFLAGS are appended, not replaced.
ALL_CFLAGS = $(BASE_CFLAGS) -Isrc/core $(CFLAGS)

B       := build
CORE_SRC := $(wildcard src/core/*.c)
CLI_LIB_SRC := $(filter-out src/cli/mqpub.c src/cli/mqsub.c,$(wildcard src/cli/*.c))
CORE_OBJ := $(CORE_SRC:src/%.c=$(B)/obj/%.o)
CLI_LIB_OBJ := $(CLI_LIB_SRC:src/%.c=$(B)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

all: $(B)/bin/mqpub $(B)/bin/mqsub

$(B)/obj/%.o: src/%.c $(wildcard src/core/*.h src/cli/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc/cli -c $< -o $@

$(B)/libmq.a: $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/libmqcli.a: $(CLI_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# Relink when STATIC changes.
$(B)/link-mode: FORCE
	@mkdir -p $(B)
	@echo '$(LINK_MODE)' | cmp -s - $@ || echo '$(LINK_MODE)' > $@

$(B)/bin/%: $(B)/obj/cli/%.o $(B)/libmqcli.a $(B)/libmq.a $(B)/link-mode
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LINK_MODE) $(LDFLAGS) -o $@ $(filter-out $(B)/link-mode,$^) $(LDLIBS) 2>$@.ld; \
	  rc=$$?; tools/ld-quiet <$@.ld >&2; rm -f $@.ld; exit $$rc

$(B)/tests/%: tests/unit/%.c tests/unit/unit.h $(B)/libmqcli.a $(B)/libmq.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc/cli -Itests/unit $(LDFLAGS) -o $@ $< $(B)/libmqcli.a $(B)/libmq.a $(LDLIBS)

unit: $(UNIT_BIN)

# The sanitizer build lives in its own tree.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
san:
	$(MAKE) --no-print-directory B=build-san STATIC=0 OPT=-O1 CFLAGS="$(SAN_FLAGS) $(CFLAGS)" LDFLAGS="$(SAN_FLAGS) $(LDFLAGS)" all unit

check:
	@tools/ensure-deps
	@$(MAKE) --no-print-directory all unit san
	@tests/run-checks

# The interop suite alone: mosquitto, aedes (npm) and RabbitMQ, started
# privately on loopback ports (make check runs it too).
check-interop:
	@tools/ensure-deps
	@$(MAKE) --no-print-directory all
	@bats --tap tests/interop

demo: 
	@tools/ensure-deps
	@$(MAKE) --no-print-directory all
	@tools/demo

# Side by side with mosquitto_pub/mosquitto_sub and the floors in
# tools/bench-floor; the rows and a chart go to build/bench/bench.{csv,svg,png}.
# make bench BENCH_ARGS=--csv
bench:
	@tools/ensure-deps bench
	@$(MAKE) --no-print-directory all
	@tools/bench $(BENCH_ARGS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 $(B)/bin/mqpub $(B)/bin/mqsub $(DESTDIR)$(BINDIR)/
	install -m 644 man/mqpub.1 man/mqsub.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 completions/mqpub.bash $(DESTDIR)$(BASHCOMPDIR)/mqpub
	install -m 644 completions/mqsub.bash $(DESTDIR)$(BASHCOMPDIR)/mqsub
	install -m 644 completions/_mqpub completions/_mqsub $(DESTDIR)$(ZSHCOMPDIR)/
	install -m 644 completions/mqpub.fish completions/mqsub.fish $(DESTDIR)$(FISHCOMPDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mqpub $(DESTDIR)$(BINDIR)/mqsub \
	      $(DESTDIR)$(MANDIR)/man1/mqpub.1 $(DESTDIR)$(MANDIR)/man1/mqsub.1 \
	      $(DESTDIR)$(BASHCOMPDIR)/mqpub $(DESTDIR)$(BASHCOMPDIR)/mqsub \
	      $(DESTDIR)$(ZSHCOMPDIR)/_mqpub $(DESTDIR)$(ZSHCOMPDIR)/_mqsub \
	      $(DESTDIR)$(FISHCOMPDIR)/mqpub.fish $(DESTDIR)$(FISHCOMPDIR)/mqsub.fish

fuzz:
	@tools/ensure-deps
	@tools/fuzz

clean:
	rm -rf build build-san build-fuzz

.PHONY: all unit san check check-interop demo bench fuzz install uninstall clean FORCE
