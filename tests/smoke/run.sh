#!/usr/bin/env bash
# The smoke suite: starts nginx + the worker pool on a free loopback port with
# a throwaway state directory, runs every tests/smoke/t_*.sh against it (in
# name order, sharing the server), stops everything, and prints
# "smoke: N passed, N failed, N skipped" (skip in lib.sh: a section this
# machine or backend does not run; tests/run.sh reads the line).
#
#   tests/smoke/run.sh                      the full suite
#   tests/smoke/run.sh t_20_token.sh [...]  only these files (names or paths,
#                                           run in name order)
#   SMOKE_ONLY=REGEX tests/smoke/run.sh     only the files whose names match
#
# Each file makes what it uses through the fixture helpers of lib.sh
# (need_admin, need_cli_app, need_admin_token, ...), so any file runs alone.
set -uo pipefail
# File names given as arguments, resolved before the cd below.
smoke_files=()
for a in "$@"; do
  f=tests/smoke/$(basename "$a")
  [[ $f == *.sh ]] || f+=.sh
  if [[ ! -f "$(dirname "$0")/$(basename "$f")" ]]; then
    echo "run.sh: no smoke test file $a" >&2
    echo "smoke: 0 passed, 1 failed, 0 skipped"
    exit 1
  fi
  smoke_files+=("$f")
done
cd "$(dirname "$0")/../.."
smoke_partial=0
if [[ ${#smoke_files[@]} == 0 ]]; then
  smoke_files=(tests/smoke/t_*.sh)
else
  smoke_partial=1
  mapfile -t smoke_files < <(printf '%s\n' "${smoke_files[@]}" | sort -u)
fi
export ROOT=$PWD
export BUILD=${BUILD:-build}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export PORT=$(free_port)
export STATE=$(mktemp -d /tmp/access-smoke.XXXXXX)
export BASE=http://127.0.0.1:$PORT
export CONFIG=$STATE/access-service.yaml
export CTL="$ROOT/$BUILD/accessctl --config $CONFIG"
# keys.publish_ahead_seconds and the JWKS max-age of this server (both 300
# by default): short, so that key rotations complete within the suite.
export PUBLISH_AHEAD=3
source tests/smoke/lib.sh
# PG_STATE (make test PG=1: tests/pg/cluster.sh's state): the suite runs on a
# fresh PostgreSQL database of that server instead of SQLite.
if [[ -n ${PG_STATE:-} ]]; then
  export PG_CONNINFO=$(tests/pg/cluster.sh createdb "$PG_STATE" "smoke_$PORT")
fi

cleanup() { nginx/dev-server.sh stop "$STATE" >/dev/null 2>&1; rm -rf "$STATE"; }
trap cleanup EXIT
if ! WORKERS=2 nginx/dev-server.sh start "$STATE"; then
  fail "server starts" "$(tail -20 "$STATE/service.log" 2>/dev/null)"
  echo "smoke: $SMOKE_PASSED passed, $SMOKE_FAILED failed, $SMOKE_SKIPPED skipped"
  exit 1
fi

# SMOKE_ONLY=REGEX runs only the files whose names match (a quicker loop
# while working on one area); the full suite is the default.
for t in "${smoke_files[@]}"; do
  if [[ -n ${SMOKE_ONLY:-} && ! $(basename "$t") =~ $SMOKE_ONLY ]]; then continue; fi
  echo "-- $(basename "$t" .sh)"
  source "$t"
done
# The planted secret below is cli's (a file run alone may not have made it).
need_cli_app
# Stopped before its log is read: under SANITIZE=1 the master's leak check
# runs when it exits.
nginx/dev-server.sh stop "$STATE" >/dev/null 2>&1
if grep -q 'unhandled exception\|internal error' "$STATE/service.log"; then
  fail "no unhandled exceptions in the service log" "$(grep 'unhandled\|internal' "$STATE/service.log" | head -5)"
else
  pass "no unhandled exceptions in the service log"
fi
check "no sanitizer report (ASan, LSan, UBSan) in the service log" sanitizer_clean "$STATE/service.log"

# No password, secret, token, code or passcode the suite used is in any log
# of the suite: the service logs of every server it started (json and text),
# nginx's access and error logs. lib.sh recorded what curl sent and what req
# read; the variables that hold secrets are added here.
for v in $(compgen -v); do
  [[ $v =~ (^|_)(PW|PASSWORD|SECRET|AT|RT|TOKEN|CODE|VERIFIER|CSRF|TOTP|PASSCODE)[0-9]*($|_) ]] &&
    printf '%s\x1f%s\x1e' "$v" "${!v}"
done >"$SECRETS_CAPTURE/variables"
# The search refuses to pass on fewer than 20 captured secrets (a capture
# that failed); the full suite uses far more. Some files alone use only a
# few (t_61_tls_headers.sh none but cli's secret, made above), so a run of
# selected files asks for at least one; the planted secret below still
# shows that the capture and the search work.
if [[ $smoke_partial == 1 || -n ${SMOKE_ONLY:-} ]]; then export LOG_SECRETS_MIN=1; fi
mapfile -t suite_logs < <(find "$STATE" -type f -name '*.log' ! -path "$SECRETS_CAPTURE/*" | sort)
secrets_out=$(python3 tests/smoke/log_secrets.py "$SECRETS_CAPTURE" "${suite_logs[@]}")
secrets_rc=$?
if [[ $secrets_rc == 0 ]]; then
  pass "no secret the suite used is in any of its logs ($(tail -1 <<<"$secrets_out"))"
else
  fail "no secret the suite used is in any of its logs" "$(head -20 <<<"$secrets_out")"
fi
# The search itself finds a secret that is there (so the line above cannot
# pass by searching nothing).
planted=$STATE/planted.txt
printf '{"event":"request","msg":"%s"}\n' "$CLI_SECRET" >"$planted"
python3 tests/smoke/log_secrets.py "$SECRETS_CAPTURE" "$planted" >/dev/null
check "the log search finds a client secret planted in a log" test $? = 1
echo "smoke: $SMOKE_PASSED passed, $SMOKE_FAILED failed, $SMOKE_SKIPPED skipped"
[[ $SMOKE_FAILED == 0 ]]
