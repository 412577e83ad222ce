#!/usr/bin/env bash
# The libFuzzer targets (built by the Makefile into $FUZZ_BUILD/fuzz_<target>).
#
#   tests/fuzz/run.sh regress [TARGET...]  replays each seed corpus once (-runs=0):
#                                          part of `make test`, seconds
#   tests/fuzz/run.sh fuzz [TARGET...]     fuzzes each target for $FUZZ_SECONDS
#                                          (`make fuzz`, CI: 60 s each)
#
# One "ok"/"FAIL" line per target, then "fuzz: N passed, N failed". A crash,
# a sanitizer report, a leak, a violated property (FUZZ_CHECK) or a timeout is
# a failure; its input is saved as $FUZZ_BUILD/artifacts/<target>-crash-<sha1>
# and can be replayed with: $FUZZ_BUILD/fuzz_<target> FILE
set -uo pipefail
cd "$(dirname "$0")/../.."
mode=${1:?usage: tests/fuzz/run.sh regress|fuzz [TARGET...]}
shift
fuzz_build=${FUZZ_BUILD:-build-fuzz}
seconds=${FUZZ_SECONDS:-60}
targets=("$@")
if [[ ${#targets[@]} == 0 ]]; then
  for d in tests/fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi
passed=0
failed=0
mkdir -p "$fuzz_build/artifacts"
# Leaks are failures; UBSan stops at the first report (the targets are also
# built with -fno-sanitize-recover=undefined).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

for t in "${targets[@]}"; do
  bin=$fuzz_build/fuzz_$t
  seeds=tests/fuzz/corpus/$t
  log=$fuzz_build/$t.$mode.log
  if [[ ! -x $bin || ! -d $seeds ]]; then
    echo "  FAIL fuzz $t: $bin or $seeds missing"
    failed=$((failed + 1))
    continue
  fi
  common=(-rss_limit_mb=2048 -timeout=10 "-artifact_prefix=$fuzz_build/artifacts/$t-")
  if [[ $mode == regress ]]; then
    n=$(find "$seeds" -type f | wc -l)
    # An empty corpus replays nothing, so it cannot pass.
    if [[ $n == 0 ]]; then
      echo "  FAIL fuzz corpus $t replays clean: $seeds holds no input"
      failed=$((failed + 1))
      continue
    fi
    "$bin" "${common[@]}" -runs=0 "$seeds" >"$log" 2>&1
    rc=$?
    what="fuzz corpus $t replays clean ($n inputs)"
  else
    # New inputs go to a scratch corpus, never into the checked-in seeds.
    mkdir -p "$fuzz_build/corpus/$t"
    "$bin" "${common[@]}" -max_total_time="$seconds" -print_final_stats=1 \
      "$fuzz_build/corpus/$t" "$seeds" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    what="fuzz $t for ${seconds}s clean (${execs:-?} executions)"
  fi
  if [[ $rc == 0 ]] && ! grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:\|property violated' "$log"; then
    echo "  ok   $what"
    passed=$((passed + 1))
  else
    echo "  FAIL $what (exit $rc); log: $log"
    grep -m5 -A3 'ERROR:\|runtime error:\|property violated\|Test unit written' "$log" | sed 's/^/       /'
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[[ $failed == 0 ]]
