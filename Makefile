# access-service: see README.md. `make run` and `make test` are the two
# commands a newcomer needs; both install missing Debian packages first.

CXX      ?= g++
BUILD    ?= build
PORT     ?= 8080
# `make run`'s state directory (config, database, keys, logs).
RUN_STATE ?= var
# `make bench`: seconds per scenario and concurrent connections (wrk -c).
BENCH_SECONDS     ?= 10
SOAK_SECONDS      ?= 120
BENCH_CONNECTIONS ?= 64
# BENCH_PEERS=1: also the node peers' refresh scenario (../shared/peers).
BENCH_PEERS       ?= 0
# make test PG=1: on PostgreSQL (see `test`).
PG                ?= 0
CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++17 -Wall -Wextra -Werror -Iinclude -isystem /usr/include/postgresql -MMD -MP -fstack-protector-strong -D_FORTIFY_SOURCE=2
LDLIBS   := -lfcgi -lssl -lcrypto -lyaml-cpp -lsqlite3 -lpq -largon2 -lzxcvbn -lqrencode
# SANITIZE=1: ASan + UBSan in a directory of its own, BUILD + "-sanitize"
# (build-sanitize by default), so the two builds never mix objects.
ifeq ($(SANITIZE),1)
  override BUILD := $(patsubst %-sanitize,%,$(BUILD))-sanitize
  CXXFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -O1 -U_FORTIFY_SOURCE
  LDFLAGS  += -fsanitize=address,undefined
endif

# Debian packages needed to build, run and test.
PACKAGES := g++ make pkg-config libfcgi-dev libssl-dev openssl libyaml-cpp-dev nlohmann-json3-dev \
            libsqlite3-dev sqlite3 libboost-test-dev libargon2-dev nginx curl jq \
            python3 python3-jwt python3-cryptography clang-format systemd \
            nodejs chromium wrk linux-perf oathtool clang libclang-rt-14-dev strace \
            postgresql libpq-dev libqrencode-dev libzxcvbn-dev fail2ban prometheus lintian

# src/<layer>/ (README "Layout"); src/process/main.cpp is access-service's
# main, src/ctl/ accessctl's, both outside the library.
LAYERS    := core crypto store http oauth handlers process
LIB_SRCS  := $(filter-out src/process/main.cpp,$(wildcard $(LAYERS:%=src/%/*.cpp)))
LIB_OBJS  := $(LIB_SRCS:%.cpp=$(BUILD)/obj/%.o)
# accessctl's commands (src/ctl/), linked into accessctl only.
CTL_OBJS  := $(patsubst %.cpp,$(BUILD)/obj/%.o,$(filter-out src/ctl/accessctl.cpp,$(wildcard src/ctl/*.cpp)))
TEST_SRCS := $(wildcard tests/unit/*.cpp)
TEST_OBJS := $(TEST_SRCS:%.cpp=$(BUILD)/obj/%.o)

# libFuzzer targets (tests/fuzz/<target>.cpp, seeds in tests/fuzz/corpus/<target>/),
# built with clang in FUZZ_BUILD (BUILD + "-fuzz", shared by SANITIZE=1, which
# changes nothing for them: they always carry ASan + UBSan). The library
# sources they need are compiled into an archive, so a target pulls in only
# what it references; add a file to FUZZ_LIB_SRCS when the linker asks for it.
FUZZ_CXX      ?= clang++
FUZZ_BUILD    ?= $(patsubst %-sanitize,%,$(BUILD))-fuzz
FUZZ_SECONDS  ?= 60
FUZZ_TARGETS  := params basic cookie json_body jwt config
FUZZ_CXXFLAGS := -std=c++17 -O1 -g -Wall -Wextra -Iinclude -isystem /usr/include/postgresql -MMD -MP -fno-omit-frame-pointer \
                 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_LIB_SRCS := src/http/api.cpp src/http/principal.cpp src/oauth/audit.cpp src/core/cidr.cpp \
                 src/oauth/client_rules.cpp src/core/config.cpp src/core/context.cpp \
                 src/crypto/crypto.cpp src/core/files.cpp src/http/http.cpp src/crypto/jws.cpp \
                 src/crypto/jws_algorithms.cpp src/core/log.cpp src/core/loopback.cpp \
                 src/core/metrics.cpp src/crypto/password.cpp src/store/pg_audit.cpp \
                 src/store/pg_browser.cpp src/store/pg_clients_users.cpp src/store/pg_conn.cpp \
                 src/store/pg_mfa.cpp src/store/pg_statements.cpp src/store/pg_store.cpp \
                 src/store/pg_tokens.cpp src/store/schema_check.cpp src/crypto/signer.cpp \
                 src/store/sqlite_audit.cpp src/store/sqlite_backup.cpp \
                 src/store/sqlite_browser.cpp src/store/sqlite_clients_users.cpp \
                 src/store/sqlite_mfa.cpp src/store/sqlite_statements.cpp \
                 src/store/sqlite_store.cpp src/store/sqlite_tokens.cpp src/core/status.cpp \
                 src/store/store.cpp src/core/strings.cpp src/oauth/user_rules.cpp \
                 src/store/wal_sync.cpp
FUZZ_LIB_OBJS := $(FUZZ_LIB_SRCS:%.cpp=$(FUZZ_BUILD)/obj/%.o)
FUZZ_BINS     := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

# `make install` (PREFIX, DESTDIR) and `make deb` (a Debian package of
# PREFIX=/usr, built with dpkg-deb from conf/debian/). /etc is /etc whatever
# the prefix: the unit and README name /etc/access-service.
PREFIX        ?= /usr/local
DESTDIR       ?=
SYSCONFDIR    ?= /etc
BINDIR        := $(PREFIX)/bin
DATADIR       := $(PREFIX)/share/access-service
UNITDIR       ?= $(PREFIX)/lib/systemd/system
# 0 (make deb): leave /var/lib/access-service and /var/backups/access-service
# to systemd-tmpfiles on the target (the package's postinst).
INSTALL_STATE ?= 1
VERSION       := $(shell sed -n 's/.*kVersion\[\] = "\(.*\)";/\1/p' include/access/core/version.h)
DEB_ARCH      := $(shell dpkg --print-architecture 2>/dev/null)
DEB           := $(BUILD)/access-service_$(VERSION)_$(DEB_ARCH).deb

.PHONY: all deps run test unit smoke bench fuzz soak format format-check clean install deb
all: $(BUILD)/access-service $(BUILD)/accessctl

# Order-only: on a fresh box `make` / `make all` installs the packages it
# compiles against first, like `make run` (deps is quick when nothing is missing).
$(BUILD)/obj/%.o: %.cpp | deps
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@

$(BUILD)/obj/tests/unit/%.o: CXXFLAGS += -DBOOST_TEST_DYN_LINK

$(BUILD)/libaccess.a: $(LIB_OBJS)
	ar rcs $@ $^

# Full RELRO and immediate binding (what Debian's hardening flags ask for).
LDFLAGS += -Wl,-z,relro,-z,now

$(BUILD)/access-service: $(BUILD)/obj/src/process/main.o $(BUILD)/libaccess.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/accessctl: $(BUILD)/obj/src/ctl/accessctl.o $(CTL_OBJS) $(BUILD)/libaccess.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit_tests: $(TEST_OBJS) $(BUILD)/libaccess.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lboost_unit_test_framework

$(FUZZ_BUILD)/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -c $< -o $@

$(FUZZ_BUILD)/libaccess_fuzz.a: $(FUZZ_LIB_OBJS)
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/tests/fuzz/%.o $(FUZZ_BUILD)/libaccess_fuzz.a
	$(FUZZ_CXX) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)
# Kept (not intermediate files), so a rebuild compiles only what changed.
.SECONDARY: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/obj/tests/fuzz/%.o)

# References of `make bench`: argon2id rate (the project's own password module)
# and durable SQLite write transactions per second.
$(BUILD)/argon2_rate: $(BUILD)/obj/tests/bench/argon2_rate.o $(BUILD)/libaccess.a
	$(CXX) $(LDFLAGS) -pthread -o $@ $^ $(LDLIBS)
$(BUILD)/sqlite_rate: $(BUILD)/obj/tests/bench/sqlite_rate.o
	$(CXX) $(LDFLAGS) -o $@ $^ -lsqlite3

# Installs what is missing, and nothing when everything is present.
deps:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing missing packages:" $$missing; \
	  if [ "$$(id -u)" != 0 ]; then echo "run as root, or: sudo apt-get install" $$missing; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y --no-install-recommends $$missing || \
	    { apt-get update && apt-get install -y --no-install-recommends $$missing; }; \
	fi
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" != 0 ]; then echo "run as root, or: sudo apt-get install npm"; exit 1; fi; \
	  echo "installing npm"; DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm; }

# The server replaces the recipe's shell (exec), so that make's SIGTERM
# reaches it; it stops everything it started on SIGTERM and on Ctrl-C.
run: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@exec env PORT=$(PORT) BUILD=$(BUILD) nginx/dev-server.sh run $(RUN_STATE)

# Unit tests, the replay of every fuzz corpus, then the smoke suite (with the
# fault, race and hostile-input tests). SANITIZE=1 runs it all on ASan + UBSan.
# PG=1: the store unit tests and the whole smoke suite run on PostgreSQL (a
# throwaway server started and stopped by tests/pg/cluster.sh) instead of SQLite.
test: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all $(BUILD)/unit_tests $(FUZZ_BINS)
	@BUILD=$(BUILD) FUZZ_BUILD=$(FUZZ_BUILD) PG=$(PG) tests/run.sh

# Fuzzes each target for FUZZ_SECONDS (default 60); new inputs go to
# FUZZ_BUILD/corpus/, crashes to FUZZ_BUILD/artifacts/.
fuzz: deps
	@$(MAKE) --no-print-directory -j$$(nproc) $(FUZZ_BINS)
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh fuzz $(FUZZ_TARGETS)

# A benchmark, never a test: prints a table, fails only when it cannot run.
# BACKEND=postgresql: then the same table again on PostgreSQL (a throwaway
# server), in the same run.
bench: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all $(BUILD)/argon2_rate $(BUILD)/sqlite_rate
	@BUILD=$(BUILD) BENCH_SECONDS=$(BENCH_SECONDS) BENCH_CONNECTIONS=$(BENCH_CONNECTIONS) \
	  BENCH_PEERS=$(BENCH_PEERS) tests/bench/run.sh
ifeq ($(BACKEND),postgresql)
	@tests/pg/cluster.sh start $(BUILD)/pg-bench && \
	  PG_CONNINFO="$$(tests/pg/cluster.sh createdb $(BUILD)/pg-bench bench)" BUILD=$(BUILD) \
	  BENCH_SECONDS=$(BENCH_SECONDS) BENCH_CONNECTIONS=$(BENCH_CONNECTIONS) tests/bench/run.sh; \
	  rc=$$?; tests/pg/cluster.sh stop $(BUILD)/pg-bench; exit $$rc
endif

# Mixed load for SOAK_SECONDS; reports RSS, fds, database and WAL at start and end.
soak: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@BUILD=$(BUILD) SOAK_SECONDS=$(SOAK_SECONDS) tests/soak/run.sh

# Binaries, example config, nginx site and snippets, pages, systemd unit,
# sysusers.d and tmpfiles.d; the config and the nginx site are left alone
# when they exist (they are the admin's). As root on the real system
# (no DESTDIR) the user and directories are made at once.
install: all
	install -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/html \
	  $(DESTDIR)$(SYSCONFDIR)/access-service $(DESTDIR)$(SYSCONFDIR)/nginx/sites-available \
	  $(DESTDIR)$(SYSCONFDIR)/nginx/snippets $(DESTDIR)$(UNITDIR) \
	  $(DESTDIR)$(PREFIX)/lib/sysusers.d $(DESTDIR)$(PREFIX)/lib/tmpfiles.d \
	  $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(BUILD)/access-service $(BUILD)/accessctl $(DESTDIR)$(BINDIR)/
	install -m 0644 nginx/html/* $(DESTDIR)$(DATADIR)/html/
	for page in access-service accessctl; do \
	  sed 's|@VERSION@|$(VERSION)|' conf/man/$$page.8 | gzip -9n >$(DESTDIR)$(PREFIX)/share/man/man8/$$page.8.gz; \
	  chmod 0644 $(DESTDIR)$(PREFIX)/share/man/man8/$$page.8.gz; \
	done
	install -m 0644 conf/access-service.yaml $(DESTDIR)$(DATADIR)/access-service.yaml.example
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/access-service/access-service.yaml ]; then \
	  echo "kept $(DESTDIR)$(SYSCONFDIR)/access-service/access-service.yaml (the new defaults: $(DATADIR)/access-service.yaml.example)"; \
	else install -m 0644 conf/access-service.yaml $(DESTDIR)$(SYSCONFDIR)/access-service/access-service.yaml; fi
	sed 's|/usr/share/access-service/html|$(DATADIR)/html|' nginx/access-service.conf \
	  >$(BUILD)/access-service.site.conf
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/nginx/sites-available/access-service.conf ]; then \
	  echo "kept $(DESTDIR)$(SYSCONFDIR)/nginx/sites-available/access-service.conf"; \
	else install -m 0644 $(BUILD)/access-service.site.conf $(DESTDIR)$(SYSCONFDIR)/nginx/sites-available/access-service.conf; fi
	install -m 0644 nginx/snippets/*.conf $(DESTDIR)$(SYSCONFDIR)/nginx/snippets/
	sed -e 's|/usr/local/bin/|$(BINDIR)/|g' -e 's|/etc/access-service/|$(SYSCONFDIR)/access-service/|g' \
	  systemd/access-service.service >$(BUILD)/access-service.service
	install -m 0644 $(BUILD)/access-service.service $(DESTDIR)$(UNITDIR)/access-service.service
	install -m 0644 systemd/access-service.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/access-service.conf
	install -m 0644 systemd/access-service.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/access-service.conf
	@if [ "$(INSTALL_STATE)" = 1 ]; then \
	  install -d -m 0750 $(DESTDIR)/var/lib/access-service; \
	  install -d -m 0700 $(DESTDIR)/var/backups/access-service; \
	  if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
	    systemd-sysusers $(PREFIX)/lib/sysusers.d/access-service.conf && \
	    systemd-tmpfiles --create $(PREFIX)/lib/tmpfiles.d/access-service.conf; \
	  fi; \
	fi

# A Debian package of PREFIX=/usr: stripped binaries, conffiles, maintainer
# scripts (conf/debian/), md5sums; checked with lintian (no errors).
deb: all
	@test "$$(sed -n '1s/^access-service (\([^)]*\)).*/\1/p' conf/debian/changelog)" = "$(VERSION)" || \
	  { echo "conf/debian/changelog does not start with version $(VERSION) (include/access/core/version.h)"; exit 1; }
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/root/DEBIAN
	$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/$(BUILD)/deb/root PREFIX=/usr \
	  UNITDIR=/lib/systemd/system INSTALL_STATE=0 >/dev/null
	strip --strip-unneeded --remove-section=.comment --remove-section=.note \
	  $(BUILD)/deb/root/usr/bin/access-service $(BUILD)/deb/root/usr/bin/accessctl
	install -d -m 0755 $(BUILD)/deb/root/usr/share/doc/access-service
	install -m 0644 conf/debian/copyright $(BUILD)/deb/root/usr/share/doc/access-service/
	gzip -9n <conf/debian/changelog >$(BUILD)/deb/root/usr/share/doc/access-service/changelog.gz
	gzip -9n <README.md >$(BUILD)/deb/root/usr/share/doc/access-service/README.md.gz
	chmod 0644 $(BUILD)/deb/root/usr/share/doc/access-service/*.gz
	install -m 0755 conf/debian/postinst conf/debian/prerm conf/debian/postrm $(BUILD)/deb/root/DEBIAN/
	cd $(BUILD)/deb/root && find etc -type f | sed 's|^|/|' | sort >DEBIAN/conffiles
	cd $(BUILD)/deb/root && find usr lib -type f | sort | xargs md5sum >DEBIAN/md5sums
	mkdir -p $(BUILD)/deb/shlibs/debian && echo 'Source: access-service' >$(BUILD)/deb/shlibs/debian/control
	cd $(BUILD)/deb/shlibs && dpkg-shlibdeps -O ../root/usr/bin/access-service ../root/usr/bin/accessctl \
	  2>/dev/null | sed -n 's/^shlibs:Depends=//p' >../depends
	test -s $(BUILD)/deb/depends
	sed -e 's|@VERSION@|$(VERSION)|' -e 's|@ARCH@|$(DEB_ARCH)|' \
	  -e "s|@SIZE@|$$(du -sk --exclude=DEBIAN $(BUILD)/deb/root | cut -f1)|" \
	  -e "s|@DEPENDS@|$$(cat $(BUILD)/deb/depends)|" conf/debian/control.in >$(BUILD)/deb/root/DEBIAN/control
	dpkg-deb --root-owner-group -Zxz --build $(BUILD)/deb/root $(DEB)
	lintian --fail-on error $(DEB)
	@echo "built $(DEB)"

# `make format` rewrites every C++ file in the .clang-format style;
# `make format-check` (CI's first step) fails on any file that differs.
FORMAT_FILES = $$(find include src tests -name '*.h' -o -name '*.cpp')
format:
	clang-format -i $(FORMAT_FILES)
format-check: deps
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format-check: every file is formatted"

clean:
	rm -rf build build-sanitize build-fuzz

-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/obj/tests/fuzz/%.d)
-include $(LIB_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(CTL_OBJS:.o=.d) $(BUILD)/obj/src/process/main.d $(BUILD)/obj/src/ctl/accessctl.d \
            $(BUILD)/obj/tests/bench/argon2_rate.d $(BUILD)/obj/tests/bench/sqlite_rate.d
