# `make run` and `make all` as a developer meets them (issue #15, items 6
# and 7): SIGTERM to make stops everything it started, Ctrl-C ends with one
# "stopped" line and no make error, a taken port is refused, and `make all`
# installs missing packages before it compiles anything.
make_args=(-C "$ROOT" --no-print-directory "BUILD=${BUILD%-sanitize}")
[[ $BUILD == *-sanitize ]] && make_args+=(SANITIZE=1)
run_state=$(mktemp -d /tmp/access-makerun.XXXXXX)
left_of() { pgrep -f "$1" | tr '\n' ' '; }
# start_make_run PORT OUT: `make run` in a session of its own (as a terminal
# would run it: one process group), with SIGINT handled as at a terminal (a
# script's background jobs start with it ignored), until it answers; echoes
# make's pid.
start_make_run() {
  python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' env -u PG_CONNINFO make "${make_args[@]}" run PORT="$1" RUN_STATE="$run_state" >"$2" 2>&1 &
  local pid=$!
  for _ in $(seq 300); do curl -fs -o /dev/null "http://127.0.0.1:$1/api/health" && break; sleep 0.1; done
  echo "$pid"
}

mr_port=$(free_port)
make_pid=$(start_make_run "$mr_port" "$run_state.out")
check "make run serves" curl -fs -o /dev/null "http://127.0.0.1:$mr_port/api/health"
kill -TERM "$make_pid"
wait "$make_pid" 2>/dev/null
for _ in $(seq 50); do [[ -z $(left_of "$run_state") ]] && break; sleep 0.1; done
check "SIGTERM to make stops nginx, the master and its workers ($(left_of "$run_state"))" \
  test -z "$(left_of "$run_state")"
check "... and frees the port" bash -c "! curl -s -o /dev/null 'http://127.0.0.1:$mr_port/api/health'"

make_pid=$(start_make_run "$mr_port" "$run_state.out")
kill -INT -- "-$make_pid"  # Ctrl-C: the whole foreground process group
wait "$make_pid" 2>/dev/null
for _ in $(seq 50); do [[ -z $(left_of "$run_state") ]] && break; sleep 0.1; done
check "Ctrl-C stops everything ($(left_of "$run_state"))" test -z "$(left_of "$run_state")"
check "Ctrl-C: one 'stopped' line ($(grep -c stopped "$run_state.out"))" test "$(grep -c stopped "$run_state.out")" = 1
check "Ctrl-C: no make error" bash -c "! grep -q 'make: \*\*\*\|Error\|Interrupt' '$run_state.out'"

# Something else on the port: refused, saying so, and nothing left running.
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(60)' \
  "$mr_port" &
squatter=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$mr_port") 2>/dev/null && break; sleep 0.1; done
out=$(env -u PG_CONNINFO timeout 60 make "${make_args[@]}" run PORT="$mr_port" RUN_STATE="$run_state" 2>&1)
rc=$?
check "make run on a taken port fails (exit $rc), saying so" \
  bash -c "[[ $rc != 0 ]] && grep -q 'port $mr_port is taken' <<<'$out' && ! grep -q 'is running on' <<<'$out'"
check "... and starts nothing" test -z "$(left_of "$run_state")"
kill "$squatter" 2>/dev/null
wait "$squatter" 2>/dev/null

# `make all` on a box without the packages: deps comes before any compiler.
plan=$(make -n -C "$ROOT" BUILD="$run_state/fresh-build" all 2>/dev/null)
deps_line=$(grep -n 'dpkg-query' <<<"$plan" | head -1 | cut -d: -f1)
cc_line=$(grep -n -- '-c src/' <<<"$plan" | head -1 | cut -d: -f1)
check "make all installs missing packages before it compiles (deps at line ${deps_line:-none}, first compile at ${cc_line:-none})" \
  test -n "$deps_line" -a -n "$cc_line" -a "${deps_line:-0}" -lt "${cc_line:-0}"
rm -rf "$run_state" "$run_state.out"
