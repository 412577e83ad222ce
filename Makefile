# access-service: see README.md. `make run` and `make test` are the two
# commands a newcomer needs; both install missing Debian packages first.

CXX      ?= g++
BUILD    ?= build
PORT     ?= 8080
# `make bench`: seconds per scenario and concurrent connections (wrk -c).
BENCH_SECONDS     ?= 10
SOAK_SECONDS      ?= 120
BENCH_CONNECTIONS ?= 64
# BENCH_PEERS=1: also the node peers' refresh scenario (../shared/peers).
BENCH_PEERS       ?= 0
CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++17 -Wall -Wextra -Werror -Iinclude -MMD -MP -fstack-protector-strong -D_FORTIFY_SOURCE=2
LDLIBS   := -lfcgi -lssl -lcrypto -lyaml-cpp -lsqlite3 -largon2
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

LIB_SRCS  := $(filter-out src/main.cpp src/accessctl.cpp,$(wildcard src/*.cpp src/handlers/*.cpp))
LIB_OBJS  := $(LIB_SRCS:%.cpp=$(BUILD)/obj/%.o)
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
FUZZ_CXXFLAGS := -std=c++17 -O1 -g -Wall -Wextra -Iinclude -MMD -MP -fno-omit-frame-pointer \
                 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_LIB_SRCS := $(addprefix src/,api.cpp audit.cpp cidr.cpp client_rules.cpp config.cpp \
                   context.cpp crypto.cpp http.cpp log.cpp metrics.cpp password.cpp signer.cpp \
                   sqlite_store.cpp status.cpp strings.cpp user_rules.cpp)
FUZZ_LIB_OBJS := $(FUZZ_LIB_SRCS:%.cpp=$(FUZZ_BUILD)/obj/%.o)
FUZZ_BINS     := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

.PHONY: all deps run test unit smoke bench fuzz soak format clean
all: $(BUILD)/access-service $(BUILD)/accessctl

$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@

$(BUILD)/obj/tests/unit/%.o: CXXFLAGS += -DBOOST_TEST_DYN_LINK

$(BUILD)/libaccess.a: $(LIB_OBJS)
	ar rcs $@ $^

$(BUILD)/access-service: $(BUILD)/obj/src/main.o $(BUILD)/libaccess.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/accessctl: $(BUILD)/obj/src/accessctl.o $(BUILD)/libaccess.a
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
	@command -v npm >/dev/null || { echo "installing npm"; DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm; }

run: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@PORT=$(PORT) BUILD=$(BUILD) nginx/dev-server.sh run var

# Unit tests, the replay of every fuzz corpus, then the smoke suite (with the
# fault, race and hostile-input tests). SANITIZE=1 runs it all on ASan + UBSan.
test: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all $(BUILD)/unit_tests $(FUZZ_BINS)
	@BUILD=$(BUILD) FUZZ_BUILD=$(FUZZ_BUILD) tests/run.sh

# Fuzzes each target for FUZZ_SECONDS (default 60); new inputs go to
# FUZZ_BUILD/corpus/, crashes to FUZZ_BUILD/artifacts/.
fuzz: deps
	@$(MAKE) --no-print-directory -j$$(nproc) $(FUZZ_BINS)
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh fuzz $(FUZZ_TARGETS)

# A benchmark, never a test: prints a table, fails only when it cannot run.
bench: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all $(BUILD)/argon2_rate $(BUILD)/sqlite_rate
	@BUILD=$(BUILD) BENCH_SECONDS=$(BENCH_SECONDS) BENCH_CONNECTIONS=$(BENCH_CONNECTIONS) \
	  BENCH_PEERS=$(BENCH_PEERS) tests/bench/run.sh

# Mixed load for SOAK_SECONDS; reports RSS, fds, database and WAL at start and end.
soak: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@BUILD=$(BUILD) SOAK_SECONDS=$(SOAK_SECONDS) tests/soak/run.sh

format:
	clang-format -i $$(find include src tests -name '*.h' -o -name '*.cpp')

clean:
	rm -rf build build-sanitize build-fuzz

-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/obj/tests/fuzz/%.d)
-include $(LIB_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(BUILD)/obj/src/main.d $(BUILD)/obj/src/accessctl.d \
            $(BUILD)/obj/tests/bench/argon2_rate.d $(BUILD)/obj/tests/bench/sqlite_rate.d
