#!/usr/bin/env bash
# `make test`: the Boost.Test unit tests, then the smoke suite against a real
# nginx + worker pool. The last line is "N passed, N failed" over both.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
passed=0
failed=0

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

echo "== smoke tests"
smoke_out=$(mktemp)
BUILD=$build tests/smoke/run.sh | tee "$smoke_out"
smoke_rc=${PIPESTATUS[0]}
sp=$(sed -n 's/^smoke: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$smoke_out")
sf=$(sed -n 's/^smoke: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$smoke_out")
rm -f "$smoke_out"
passed=$((passed + ${sp:-0}))
failed=$((failed + ${sf:-0}))
if [[ $smoke_rc != 0 && ${sf:-0} == 0 ]]; then failed=$((failed + 1)); fi

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
