# access-service: see README.md. `make run` and `make test` are the two
# commands a newcomer needs; both install missing Debian packages first.

CXX      ?= g++
BUILD    ?= build
PORT     ?= 8080
CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++17 -Wall -Wextra -Werror -Iinclude -MMD -MP -fstack-protector-strong -D_FORTIFY_SOURCE=2
LDLIBS   := -lfcgi -lssl -lcrypto -lyaml-cpp -lsqlite3 -largon2
ifeq ($(SANITIZE),1)
  BUILD    := build-sanitize
  CXXFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -O1 -U_FORTIFY_SOURCE
  LDFLAGS  += -fsanitize=address,undefined
endif

# Debian packages needed to build, run and test.
PACKAGES := g++ make pkg-config libfcgi-dev libssl-dev openssl libyaml-cpp-dev nlohmann-json3-dev \
            libsqlite3-dev sqlite3 libboost-test-dev libargon2-dev nginx curl jq \
            python3 python3-jwt python3-cryptography clang-format systemd \
            nodejs chromium

LIB_SRCS  := $(filter-out src/main.cpp src/accessctl.cpp,$(wildcard src/*.cpp src/handlers/*.cpp))
LIB_OBJS  := $(LIB_SRCS:%.cpp=$(BUILD)/obj/%.o)
TEST_SRCS := $(wildcard tests/unit/*.cpp)
TEST_OBJS := $(TEST_SRCS:%.cpp=$(BUILD)/obj/%.o)

.PHONY: all deps run test unit smoke format clean
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

test: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all $(BUILD)/unit_tests
	@BUILD=$(BUILD) tests/run.sh

format:
	clang-format -i $$(find include src tests -name '*.h' -o -name '*.cpp')

clean:
	rm -rf build build-sanitize

-include $(LIB_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(BUILD)/obj/src/main.d $(BUILD)/obj/src/accessctl.d
