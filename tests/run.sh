#!/usr/bin/env bash
# `make test`: the Boost.Test unit tests, the replay of every fuzz corpus
# (tests/fuzz/run.sh regress), then the smoke suite against a real nginx +
# worker pool. The last line is "N passed, N failed" over all three (the
# smoke suite's skipped sections are on the line before it).
# PG=1 runs the unit tests' stores and the smoke suite on PostgreSQL.
#
# With SANITIZE=1 the binaries carry ASan + UBSan: any report (an error, a
# leak, undefined behaviour) fails the run, in the unit tests as in the
# service's log (tests/smoke/run.sh checks it).
set -uo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
fuzz_build=${FUZZ_BUILD:-${build%-sanitize}-fuzz}
passed=0
failed=0
# Stop at the first report, with a stack; ignored by binaries built without
# sanitizers. Leak checking is on (workers leave with _Exit, so it covers the
# unit tests, accessctl and the master).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
sanitizer_report='ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:\|UndefinedBehaviorSanitizer'

# PG=1: a throwaway PostgreSQL server for this run (stopped at the end);
# the unit tests' stores and the smoke suite use databases of it.
if [[ ${PG:-0} == 1 ]]; then
  pg_state=$build/pg
  tests/pg/cluster.sh start "$pg_state" || { echo "0 passed, 1 failed"; exit 1; }
  trap 'tests/pg/cluster.sh stop "$pg_state"' EXIT
  export ACCESS_TEST_PG=$(tests/pg/cluster.sh createdb "$pg_state" unit)
  export PG_STATE=$pg_state
  echo "== on PostgreSQL ($ACCESS_TEST_PG)"
fi

echo "== unit tests"
unit_out=$("$build/unit_tests" --report_level=short 2>&1)
unit_rc=$?
echo "$unit_out" | grep -v '^$' | tail -n 20
up=$(echo "$unit_out" | sed -n 's/^ *\([0-9]*\) test cases\? out of [0-9]* passed.*/\1/p' | head -1)
uf=$(echo "$unit_out" | sed -n 's/^ *\([0-9]*\) test cases\? out of [0-9]* failed.*/\1/p' | head -1)
passed=$((passed + ${up:-0}))
failed=$((failed + ${uf:-0}))
# A crash or an unparseable report is a failure, never a silent pass.
if [[ $unit_rc != 0 && ${uf:-0} == 0 ]]; then failed=$((failed + 1)); fi
if grep -q "$sanitizer_report" <<<"$unit_out"; then
  echo "  FAIL the unit tests ran without sanitizer reports"
  grep -m3 -A8 "$sanitizer_report" <<<"$unit_out" | sed 's/^/       /'
  failed=$((failed + 1))
fi

echo "== fuzz corpus replay"
fuzz_out=$(mktemp)
FUZZ_BUILD=$fuzz_build tests/fuzz/run.sh regress | tee "$fuzz_out"
fuzz_rc=${PIPESTATUS[0]}
fp=$(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$fuzz_out")
ff=$(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$fuzz_out")
rm -f "$fuzz_out"
passed=$((passed + ${fp:-0}))
failed=$((failed + ${ff:-0}))
if [[ $fuzz_rc != 0 && ${ff:-0} == 0 ]]; then failed=$((failed + 1)); fi

echo "== smoke tests"
smoke_out=$(mktemp)
BUILD=$build tests/smoke/run.sh | tee "$smoke_out"
smoke_rc=${PIPESTATUS[0]}
# "smoke: N passed, N failed, N skipped" (", N skipped" optional).
smoke_re='^smoke: \([0-9]*\) passed, \([0-9]*\) failed\(, \([0-9]*\) skipped\)\?$'
sp=$(sed -n "s/$smoke_re/\1/p" "$smoke_out")
sf=$(sed -n "s/$smoke_re/\2/p" "$smoke_out")
sk=$(sed -n "s/$smoke_re/\4/p" "$smoke_out")
rm -f "$smoke_out"
passed=$((passed + ${sp:-0}))
failed=$((failed + ${sf:-0}))
if [[ $smoke_rc != 0 && ${sf:-0} == 0 ]]; then failed=$((failed + 1)); fi

echo "smoke sections skipped: ${sk:-0}"
echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
