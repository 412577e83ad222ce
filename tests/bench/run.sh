#!/usr/bin/env bash
# `make bench`: the benchmark of DESIGN.md "Performance". A benchmark, never a
# test: it prints figures and fails only when it cannot run at all.
#
# 1. Starts nginx + the worker pool (nginx/dev-server.sh) on a free loopback
#    port with a throwaway state directory, seeds a user and two apps, signs
#    the user in through the browser flow (session cookie + an approval), and
#    warms up.
# 2. References, measured on this machine just before the scenario compared
#    with them (so that both see the same load from other work): `openssl
#    speed -multi <cores>` sign/s for rsa2048, ecdsap256 and ed25519; the raw
#    argon2id rate at the configured cost ($BUILD/argon2_rate, the project's
#    password module); durable one-row SQLite transactions/s (WAL,
#    synchronous=FULL) in the state directory ($BUILD/sqlite_rate), which
#    shows the fsync latency of the disk at that moment; and the /api/health
#    rate.
# 3. Runs wrk for each scenario for BENCH_SECONDS: /api/health (the pipeline
#    floor), JWKS (static file), the approvals GET (bearer), introspection,
#    the password grant, the authorization_code exchange (codes minted before
#    by tests/bench/mint_codes.lua), and the refresh_token grant with each
#    signing algorithm (keys.algorithm + accessctl key rotate + SIGHUP).
# 4. Prints one table (req/s, p50, p99, errors, reference, ratio, target),
#    worker RSS and database + WAL size before and after, 5xx responses from
#    nginx's log and "database busy" lines from the service log.
#
# Environment:
#   BUILD              build directory (default build)
#   BENCH_SECONDS      seconds per scenario (default 10; the code exchange is
#                      capped at 120 s because codes live at most 600 s)
#   BENCH_CONNECTIONS  concurrent connections (default 64)
#   BENCH_THREADS      wrk threads (default: CPUs)
#   BENCH_WORKERS      service workers (default: CPUs)
#   BENCH_WARMUP       warm-up seconds before each scenario (default 2)
#   BENCH_ONLY         comma-separated scenario names to run (default: all):
#                      health,jwks,approvals,introspect,introspect_storm,password,code,
#                      refresh_rs256,refresh_es256,refresh_eddsa
#   BENCH_INTERVALS=N  split each measured run into N consecutive wrk runs and
#                      print each (the 10-minute flatness check: BENCH_ONLY=
#                      refresh_rs256 BENCH_SECONDS=600 BENCH_INTERVALS=10)
#   BENCH_KEEP=1       keep the state directory (logs, database) afterwards
#   BENCH_PEERS=1      also run the node peers' refresh scenario (PEERS_DIR,
#                      default ../shared/peers) and report our ratio to the best
#   PG_CONNINFO        run on that PostgreSQL database instead of SQLite (make
#                      bench BACKEND=postgresql makes a throwaway one; the
#                      database + WAL columns then read 0: SQLite's files)
#   BENCH_PROFILE=1    also sample each measured run with `perf record -a -g`
#                      (cpu-clock) and write the hottest symbols, of the
#                      workers and of the whole machine, to $BUILD/bench-profile/;
#                      the figures of such a run carry perf's overhead
# The report is also written to $BUILD/bench-report.md.
set -Eeuo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build}
CORES=$(nproc)
DURATION=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-$CORES}
WORKERS=${BENCH_WORKERS:-$CORES}
WARMUP=${BENCH_WARMUP:-2}
ONLY=${BENCH_ONLY:-}
export BENCH_LUA_DIR=$ROOT/tests/bench
REPORT=$ROOT/$BUILD/bench-report${PG_CONNINFO:+-postgresql}.md

for tool in wrk nginx openssl curl jq python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make deps)" >&2; exit 1; }
done
for bin in access-service accessctl argon2_rate sqlite_rate; do
  [[ -x $BUILD/$bin ]] || { echo "bench: $BUILD/$bin is missing (make bench builds it)" >&2; exit 1; }
done
if ((THREADS > CONNS)); then THREADS=$CONNS; fi

STATE=$(mktemp -d /tmp/access-bench.XXXXXX)
CONFIG=$STATE/access-service.yaml
CTL="$ROOT/$BUILD/accessctl --config $CONFIG"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT

PERF_PID="" PERF_STAT_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local p
  for p in $PERF_PID $PERF_STAT_PID; do kill -INT "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  PORT=$PORT BUILD=$BUILD nginx/dev-server.sh stop "$STATE" >/dev/null 2>&1 || true
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "bench: state kept in $STATE"; else rm -rf "$STATE"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'say "failed at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT TERM

say() { echo "bench: $*" >&2; }
wanted() { [[ -z $ONLY || ",$ONLY," == *",$1,"* ]]; }
urlenc() { jq -rn --arg v "$1" '$v|@uri'; }
basic() { printf 'Basic %s' "$(printf '%s:%s' "$1" "$2" | base64 -w0)"; }
kid_of() {  # the kid in a JWT's header
  python3 -c 'import sys, json, base64; h = sys.argv[1].split(".")[0]; h += "=" * (-len(h) % 4); print(json.loads(base64.urlsafe_b64decode(h))["kid"])' "$1"
}
fmt_rate() { awk -v v="$1" 'BEGIN { printf (v >= 100 ? "%.0f" : "%.1f"), v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# ---- 1. server, seed data, browser session ---------------------------------
say "starting nginx + $WORKERS workers on $BASE (state $STATE)"
# The password scenario sends 64 concurrent grants of one user: lockout
# counts attempts in flight (README "Lockout"), so it is raised here.
LOCKOUT_MAX=1000 LOCKOUT_ACCOUNT_MAX=100000 PORT=$PORT WORKERS=$WORKERS BUILD=$BUILD nginx/dev-server.sh start "$STATE" >/dev/null
MASTER=$(cat "$STATE/run/service.pid")
cfg_value() { awk -v k="$1:" '$1 == k {print $2}' "$CONFIG" | head -1; }
A2_T=$(cfg_value argon2_time_cost); A2_M=$(cfg_value argon2_memory_kib); A2_P=$(cfg_value argon2_parallelism)
A2_T=${A2_T:-2} A2_M=${A2_M:-19456} A2_P=${A2_P:-1}

# ---- 2. references ------------------------------------------------------------
# Each is measured just before the first scenario compared with it (the rest at
# the end), so that both see the same load from whatever else runs here.
SIGN_RSA="" SIGN_EC="" SIGN_ED="" ARGON_RATE="" SQLITE_RATE=""
openssl_sign() {  # sign/s of `openssl speed -multi <cores>` for $1 (rsa2048, ecdsap256, ed25519)
  say "reference: openssl speed -seconds 3 -multi $CORES $1"
  openssl speed -seconds 3 -multi "$CORES" "$1" 2>/dev/null |
    awk '/^rsa 2048 bits|ecdsa \(nistp256\)|EdDSA \(Ed25519\)/ { v = $(NF-1) } END { print v + 0 }'
}
ref() {  # ref NAME: measures that reference unless it is known
  case $1 in
    rsa) [[ -n $SIGN_RSA ]] || SIGN_RSA=$(openssl_sign rsa2048) ;;
    ecdsa) [[ -n $SIGN_EC ]] || SIGN_EC=$(openssl_sign ecdsap256) ;;
    ed25519) [[ -n $SIGN_ED ]] || SIGN_ED=$(openssl_sign ed25519) ;;
    argon2)
      if [[ -z $ARGON_RATE ]]; then
        say "reference: argon2id t=$A2_T m=$A2_M p=$A2_P, $CORES threads"
        ARGON_RATE=$("$BUILD/argon2_rate" --seconds 3 --threads "$CORES" --time "$A2_T" \
          --memory "$A2_M" --parallelism "$A2_P" | sed -n 's/.*hashes_per_s=\([0-9.]*\).*/\1/p')
      fi ;;
    sqlite)
      if [[ -z $SQLITE_RATE ]]; then
        say "reference: durable SQLite transactions in $STATE"
        SQLITE_RATE=$("$BUILD/sqlite_rate" --dir "$STATE" --seconds 3 | sed -n 's/.*txns_per_s=\([0-9.]*\).*/\1/p')
      fi ;;
  esac
}

reloads() { grep -c 'reloaded:' "$STATE/service.log" 2>/dev/null || true; }
# SIGHUP, then wait for the master's "reloaded" line and for the old workers to go.
reload_service() {
  local before
  before=$(reloads)
  kill -HUP "$MASTER"
  for _ in $(seq 100); do (($(reloads) > before)) && break; sleep 0.1; done
  for _ in $(seq 100); do (($(pgrep -c -P "$MASTER" || true) <= WORKERS)) && break; sleep 0.1; done
}
# Codes live up to 600 s (the configured maximum) so minted codes outlast the mint.
if grep -q '^  authorization_code_seconds:' "$CONFIG"; then
  sed -i 's/^  authorization_code_seconds:.*/  authorization_code_seconds: 600/' "$CONFIG"
else
  sed -i 's/^tokens:$/tokens:\n  authorization_code_seconds: 600/' "$CONFIG"
fi
reload_service

BENCH_USER=bench@example.com BENCH_PW='bench-password-0123456789'
CLI_SECRET='bench-cli-secret-0123456789abcdef' WEB_SECRET='bench-web-secret-0123456789abcdef'
CB=https://client.example.com/cb
echo "$BENCH_PW" | $CTL user add "$BENCH_USER" --role ROLE_COLLABORATOR --password-stdin >/dev/null
echo "$CLI_SECRET" | $CTL client add --client-id cli --name "Bench CLI" --grant password \
  --grant refresh_token --access-seconds 86400 --refresh-seconds 31536000 --secret-stdin >/dev/null
echo "$WEB_SECRET" | $CTL client add --client-id webapp --name "Bench Web" \
  --grant authorization_code --grant refresh_token --redirect-uri "$CB" --scope read \
  --access-seconds 86400 --refresh-seconds 31536000 --secret-stdin >/dev/null
CLI_AUTH=$(basic cli "$CLI_SECRET")
WEB_AUTH=$(basic webapp "$WEB_SECRET")
PASSWORD_BODY="grant_type=password&username=$(urlenc "$BENCH_USER")&password=$(urlenc "$BENCH_PW")"

password_grant() {  # prints the JSON reply of one password grant
  curl -sS -H "Authorization: $CLI_AUTH" --data "$PASSWORD_BODY" "$BASE/api/oauth/token"
}
ACCESS=$(password_grant | jq -r .access_token)
[[ $ACCESS == *.*.* ]] || { say "the password grant did not return a token"; exit 1; }

# The browser flow once: sign in, approve the app. Afterwards every authorize
# request with this session cookie answers at once with a code.
JAR=$STATE/cookies.txt
location() { sed -n 's/^[Ll]ocation: *//p' "$STATE/headers" | tr -d '\r'; }
browser() { curl -sS -o "$STATE/body" -D "$STATE/headers" -b "$JAR" -c "$JAR" "$@"; }
AUTHORIZE="/api/oauth/authorize?response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&scope=read"
browser "$BASE$AUTHORIZE"
RID=$(location | sed -n 's/.*rid=\([^&]*\).*/\1/p')
browser "$BASE/api/oauth/authorize/requests/$RID"  # the sign-in form's CSRF token
browser -H "Origin: $BASE" --data-urlencode "rid=$RID" --data-urlencode "csrf_token=$(jq -r .csrfToken "$STATE/body")" \
  --data-urlencode "username=$BENCH_USER" --data-urlencode "password=$BENCH_PW" "$BASE/api/oauth/signin"
browser "$BASE/api/oauth/authorize?rid=$RID"
browser "$BASE/api/oauth/authorize/requests/$RID"
CSRF=$(jq -r .csrfToken "$STATE/body")
browser -H "Origin: $BASE" --data-urlencode "rid=$RID" --data-urlencode "csrf_token=$CSRF" \
  -d user_oauth_approval=true "$BASE/api/oauth/authorize"
[[ $(location) == "$CB?code="* ]] || { say "the browser flow did not end with a code"; exit 1; }
SESSION=$(awk '$6 == "access_session" {print $7}' "$JAR")
curl -sS -H "Authorization: Bearer $ACCESS" "$BASE/api/v1/users/me/applications/approvals" |
  jq -e '.applications | length == 1' >/dev/null || { say "the approval is missing"; exit 1; }

# ---- measuring helpers --------------------------------------------------------
worker_rss_kib() {  # the largest RSS among the master's children, KiB
  local pids
  pids=$(pgrep -P "$MASTER" | paste -sd, || true)
  [[ -n $pids ]] && ps -o rss= -p "$pids" | sort -n | tail -1 | tr -d ' ' || echo 0
}
db_kib() {  # database + WAL, KiB
  local total=0 f
  for f in "$STATE/access.db" "$STATE/access.db-wal"; do
    [[ -e $f ]] && total=$((total + $(stat -c %s "$f")))
  done
  echo $((total / 1024))
}
# workers_sum FILE PROGRAM: the number awk PROGRAM prints from /proc/<pid>/FILE,
# summed over the master's children (a child that is gone counts 0).
workers_sum() {
  local pid v total=0
  for pid in $(pgrep -P "$MASTER"); do
    v=$(awk "$2" "/proc/$pid/$1" 2>/dev/null)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}
# Of the master's children so far: user + system CPU and system CPU (clock
# ticks), and the times they slept (voluntary context switches: each wait
# for a request, a lock or an fsync).
worker_cpu_ticks() { workers_sum stat '{ print $14 + $15 }'; }
worker_sys_ticks() { workers_sum stat '{ print $15 }'; }
worker_sleeps() { workers_sum status '/^voluntary_ctxt_switches/ { print $2 }'; }
TICKS_PER_S=$(getconf CLK_TCK)
wal_kib() { [[ -e $STATE/access.db-wal ]] && echo $(($(stat -c %s "$STATE/access.db-wal") / 1024)) || echo 0; }
busy_lines() { grep -c 'database busy\|database is locked\|store unavailable' "$STATE/service.log" 2>/dev/null || true; }
ACCESS_LOG=$STATE/nginx/access.log

field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }  # NAME=value in $line
# run_wrk NAME SECONDS SCRIPT PATH: one wrk run; sets the R_* results.
run_wrk() {
  local name=$1 secs=$2 script=$3 path=$4 out=$STATE/wrk.$1.txt
  if ! wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --timeout 10s --latency -s "$BENCH_LUA_DIR/$script" \
      "$BASE$path" >"$out" 2>&1; then
    say "wrk failed for $name:"; cat "$out" >&2; exit 1
  fi
  line=$(grep '^BENCH_RESULT' "$out") || { say "no result from wrk for $name:"; cat "$out" >&2; exit 1; }
  R_REQUESTS=$(field requests)
  R_RPS=$(awk -v n="$R_REQUESTS" -v d="$(field duration_us)" 'BEGIN { printf "%.1f", (d > 0 ? n * 1e6 / d : 0) }')
  R_P50=$(awk -v u="$(field p50_us)" 'BEGIN { printf "%.1f", u / 1000 }')
  R_P99=$(awk -v u="$(field p99_us)" 'BEGIN { printf "%.1f", u / 1000 }')
  R_ERRORS=$(($(field status_errors) + $(field socket_errors)))
}

declare -A RPS P50 P99 ERRS FIVE BUSY RSS_AFTER DB_AFTER WAL_AFTER CPU_US SYS_US SLEEPS SYNCS
# A counter of the pool's /metrics (loopback may scrape: metrics.allow).
metric() { curl -s "$BASE/metrics" | awk -v m="$1" '$1 == m {print $2; exit}'; }
SCENARIOS=() INTERVAL_LINES=()
# measure NAME SCRIPT PATH [WARM [PREPARE]]: a warm-up run (not reported)
# unless WARM is "no", then the measured run; records errors, nginx 5xx, busy
# lines, RSS and sizes after. PREPARE, a function, runs before each wrk run.
measure() {
  local name=$1 script=$2 path=$3 warm=${4:-yes} prepare=${5:-true} busy0 cpu0 sys0 sleeps0 secs=$DURATION
  if [[ $name == code ]] && ((secs > 120)); then secs=120; fi
  if [[ $warm == yes && $WARMUP -gt 0 ]]; then
    say "$name: warm-up ${WARMUP}s"
    $prepare
    run_wrk "$name.warmup" "$WARMUP" "$script" "$path"
  fi
  $prepare
  : >"$ACCESS_LOG"
  busy0=$(busy_lines)
  say "$name: ${secs}s, $CONNS connections, $THREADS wrk threads"
  if [[ ${BENCH_PROFILE:-0} == 1 ]]; then profile_start "$name"; fi
  cpu0=$(worker_cpu_ticks) sys0=$(worker_sys_ticks) sleeps0=$(worker_sleeps)
  local commits0 syncs0
  commits0=$(metric access_store_durable_commits_total) syncs0=$(metric access_store_wal_syncs_total)
  # BENCH_INTERVALS=N: the measured run as N consecutive wrk runs (PREPARE
  # before each), one report line each, to show whether a long run stays flat;
  # the scenario's figures are then the sums, the mean p50 and the worst p99.
  local n=${BENCH_INTERVALS:-1} i isecs req=0 p50s=0 p99max=0 errs=0
  isecs=$((secs / n > 0 ? secs / n : 1))
  for ((i = 1; i <= n; i++)); do
    ((i == 1)) || $prepare
    run_wrk "$name" "$isecs" "$script" "$path"
    req=$((req + R_REQUESTS)) errs=$((errs + R_ERRORS))
    p50s=$(awk -v a="$p50s" -v b="$R_P50" 'BEGIN { print a + b }')
    p99max=$(awk -v a="$p99max" -v b="$R_P99" 'BEGIN { print (b > a ? b : a) }')
    if ((n > 1)); then
      say "$name: interval $i/$n: $R_RPS req/s, p99 $R_P99 ms, worker RSS $(($(worker_rss_kib) / 1024)) MiB, WAL $(($(wal_kib) / 1024)) MiB"
      INTERVAL_LINES+=("| $name | $i | $R_RPS | $R_P50 | $R_P99 | $R_ERRORS | $(($(worker_rss_kib) / 1024)) | $(($(db_kib) / 1024)) | $(($(wal_kib) / 1024)) |")
    fi
  done
  R_REQUESTS=$req R_ERRORS=$errs R_P99=$p99max
  R_P50=$(awk -v s="$p50s" -v n="$n" 'BEGIN { printf "%.1f", s / n }')
  R_RPS=$(awk -v r="$req" -v d="$((n * isecs))" 'BEGIN { printf "%.1f", r / d }')
  # WAL fsyncs per durable commit: below 1 when one sync covered several
  # commits (group commit, src/store/wal_sync.h); "-" without durable commits.
  SYNCS[$name]=$(awk -v c="$(($(metric access_store_durable_commits_total) - ${commits0:-0}))" \
    -v s="$(($(metric access_store_wal_syncs_total) - ${syncs0:-0}))" 'BEGIN { if (c > 0) printf "%.2f", s / c; else print "-" }')
  # Worker CPU per request: less sensitive than req/s to other work on the machine.
  CPU_US[$name]=$(awk -v t="$(($(worker_cpu_ticks) - cpu0))" -v hz="$TICKS_PER_S" -v n="$R_REQUESTS" \
    'BEGIN { printf "%.0f", (n > 0 ? t * 1e6 / hz / n : 0) }')
  SYS_US[$name]=$(awk -v t="$(($(worker_sys_ticks) - sys0))" -v hz="$TICKS_PER_S" -v n="$R_REQUESTS" \
    'BEGIN { printf "%.0f", (n > 0 ? t * 1e6 / hz / n : 0) }')
  SLEEPS[$name]=$(awk -v t="$(($(worker_sleeps) - sleeps0))" -v n="$R_REQUESTS" \
    'BEGIN { printf "%.2f", (n > 0 ? t / n : 0) }')
  if [[ ${BENCH_PROFILE:-0} == 1 ]]; then profile_stop "$name"; fi
  SCENARIOS+=("$name")
  RPS[$name]=$R_RPS P50[$name]=$R_P50 P99[$name]=$R_P99 ERRS[$name]=$R_ERRORS
  FIVE[$name]=$(awk '$9 ~ /^5/ {n++} END {print n + 0}' "$ACCESS_LOG")
  BUSY[$name]=$(($(busy_lines) - busy0))
  RSS_AFTER[$name]=$(worker_rss_kib) DB_AFTER[$name]=$(db_kib) WAL_AFTER[$name]=$(wal_kib)
  say "$name: $R_RPS req/s, p50 $R_P50 ms, p99 $R_P99 ms, errors $R_ERRORS"
}

# BENCH_PROFILE=1: perf samples the whole machine during a measured run; the
# report lists the hottest symbols of the workers (self and with callees) and
# the split of CPU time over processes (other work on the machine included).
PROFDIR=$ROOT/$BUILD/bench-profile
profile_start() {
  PROF_PIDS=$(pgrep -P "$MASTER" | paste -sd,)  # this run's workers, not other servers on the machine
  mkdir -p "$PROFDIR"
  perf record -q -a -e cpu-clock -F 999 --call-graph dwarf,16384 -o "$PROFDIR/$1.data" \
    >/dev/null 2>"$PROFDIR/$1.perf.log" &
  PERF_PID=$!
  # Syscalls of the workers, counted by tracepoint (cheap): per request in the report.
  perf stat -x, -e 'syscalls:sys_enter_*' -p "$PROF_PIDS" -o "$PROFDIR/$1.syscalls" \
    >/dev/null 2>&1 &
  PERF_STAT_PID=$!
  sleep 0.5
}
perf_top() {  # perf_top N REPORT-ARGS...: the first N lines of a perf report of $data
  local n=$1
  shift
  { perf report -i "$data" --stdio "$@" 2>/dev/null || true; } | grep -v '^#' | grep . | head -"$n" || true
}
profile_stop() {
  local data=$PROFDIR/$1.data out=$PROFDIR/$1.txt
  kill -INT "$PERF_PID" "$PERF_STAT_PID" 2>/dev/null || true
  wait "$PERF_PID" "$PERF_STAT_PID" 2>/dev/null || true
  PERF_PID="" PERF_STAT_PID=""
  {
    echo "== $1: worker syscalls per request ($R_REQUESTS requests; the count covers the whole run)"
    awk -F, -v n="$R_REQUESTS" '$1 ~ /^[0-9]+$/ && $1 > 0 { sub("syscalls:sys_enter_", "", $3); printf "%8.2f  %s\n", $1 / n, $3 }' \
      "$PROFDIR/$1.syscalls" | sort -rn | head -20
    echo "== $1: CPU time by process (% of all samples; the machine may run other work too)"
    perf_top 12 --no-children --sort comm -g none
    echo "== $1: workers $PROF_PIDS by library (% of their samples)"
    perf_top 100000 --no-children --pid "$PROF_PIDS" --percentage relative --sort dso,sym -g none |
      awk '{ gsub("%", "", $1); t[$2] += $1 } END { for (d in t) printf "%7.2f%%  %s\n", t[d], d }' | sort -rn
    echo "== $1: workers, hottest user-space symbols (self, % of their samples)"
    perf_top 100000 --no-children --pid "$PROF_PIDS" --percentage relative --sort dso,sym -g none |
      grep -v kernel.kallsyms | head -40 || true
    echo "== $1: workers, hottest kernel symbols (self, % of their samples)"
    perf_top 100000 --no-children --pid "$PROF_PIDS" --percentage relative --sort dso,sym -g none |
      grep kernel.kallsyms | head -15 || true
    echo "== $1: workers, inclusive (with callees, % of their samples; first entry of each symbol)"
    perf_top 100000 --children --pid "$PROF_PIDS" --percentage relative --sort sym -g none |
      awk '{ k = $0; sub(/^ *[0-9.]+% +[0-9.]+% +/, "", k) } !seen[k]++' | head -70 || true
  } >"$out"
  say "$1: profile in $out"
}

# Refresh tokens: a pool shared by the refresh runs, "$RT.<thread>". After a
# run the live tokens are those of the pool and the successors received
# ("$RT.got.*") less those sent ("$RT.sent.*", which includes the ones in
# flight when wrk stopped). Missing tokens are minted with the password grant
# (one argon2id each); the pool is spread evenly over the wrk threads, two
# tokens per connection.
RT=$STATE/rt
refill_refresh_tokens() {
  local want=$((2 * CONNS)) have
  cat "$RT".[0-9]* "$RT".got.* 2>/dev/null | sort -u >"$STATE/rt.all" || true
  cat "$RT".sent.* 2>/dev/null | sort -u >"$STATE/rt.spent" || true
  comm -23 "$STATE/rt.all" "$STATE/rt.spent" >"$STATE/rt.live"
  have=$(wc -l <"$STATE/rt.live")
  if ((have < want)); then
    say "minting $((want - have)) refresh token families (password grant)"
    mkdir -p "$STATE/mint"
    seq $((want - have)) | xargs -P "$CORES" -I{} curl -sS -o "$STATE/mint/{}" \
      -H "Authorization: $CLI_AUTH" --data "$PASSWORD_BODY" "$BASE/api/oauth/token"
    cat "$STATE"/mint/* | jq -r '.refresh_token // empty' >>"$STATE/rt.live"
    rm -rf "$STATE/mint"
  fi
  rm -f "$RT".[0-9]* "$RT".got.* "$RT".sent.*
  spread "$STATE/rt.live" "$RT"
}
spread() {  # spread FILE PREFIX: the lines of FILE round-robin over PREFIX.0 .. PREFIX.<threads-1>
  awk -v p="$2" -v t="$THREADS" '{ print > (p "." ((NR - 1) % t)) }' "$1"
}

# keys.algorithm = $1, a new key that signs at once (no resource server
# caches this JWKS), reload; wait until fresh tokens carry its kid.
switch_algorithm() {
  local alg=$1 kid token
  sed -i "s/^  algorithm: .*/  algorithm: $alg/" "$CONFIG"
  $CTL key rotate --now >/dev/null
  kid=$($CTL key list | awk -F'\t' '$3 == "signing" {print $1}')
  reload_service
  for _ in $(seq 100); do
    token=$(password_grant | jq -r '.access_token // empty')
    [[ -n $token && $(kid_of "$token") == "$kid" ]] && return 0
    sleep 0.1
  done
  say "after the reload tokens are not signed by the new $alg key"
  exit 1
}

# ---- 3. scenarios -------------------------------------------------------------
say "warm-up: ${WARMUP}s of /api/health and introspection"
BENCH_METHOD=GET run_wrk warmup.health "$((WARMUP + 1))" plain.lua /api/health
RSS_BEFORE=$(worker_rss_kib) DB_BEFORE=$(db_kib) WAL_BEFORE=$(wal_kib)

if wanted health; then measure health plain.lua /api/health; fi
if wanted jwks; then measure jwks plain.lua /.well-known/jwks.json; fi
if wanted approvals; then
  BENCH_AUTH="Bearer $ACCESS" measure approvals plain.lua /api/v1/users/me/applications/approvals
fi
if wanted introspect; then
  BENCH_METHOD=POST BENCH_AUTH=$CLI_AUTH BENCH_BODY="token=$ACCESS" \
    measure introspect plain.lua /api/oauth/introspect
fi
# The same introspection while a storm of wrong secrets for another client id
# hits the same endpoint (16 more connections): the throttle (README
# "Client-secret guessing") answers them without an argon2 hash, so the right
# client keeps at least half its rate.
if wanted introspect_storm; then
  $CTL client add --client-id storm --name Storm --grant password --access-seconds 300 >/dev/null
  STORM_SECS=$((DURATION + WARMUP + 5))
  BENCH_METHOD=POST BENCH_AUTH=$(basic storm wrong-secret-0123456789) BENCH_BODY="token=x" \
    wrk -t1 -c16 -d"${STORM_SECS}s" --timeout 10s -s "$BENCH_LUA_DIR/plain.lua" \
    "$BASE/api/oauth/introspect" >"$STATE/wrk.storm.txt" 2>&1 &
  STORM_PID=$!
  sleep 1
  BENCH_METHOD=POST BENCH_AUTH=$CLI_AUTH BENCH_BODY="token=$ACCESS" \
    measure introspect_storm plain.lua /api/oauth/introspect
  wait "$STORM_PID" || true
  STORM_RPS=$(sed -n 's/^BENCH_RESULT.* requests=\([0-9]*\).*/\1/p' "$STATE/wrk.storm.txt")
  say "introspect_storm: the storm sent ${STORM_RPS:-?} wrong-secret requests in ${STORM_SECS}s"
fi
if wanted password; then
  ref argon2
  BENCH_METHOD=POST BENCH_AUTH=$CLI_AUTH BENCH_BODY=$PASSWORD_BODY measure password plain.lua /api/oauth/token no
fi
if wanted code; then
  ref sqlite
  secs=$DURATION
  if ((secs > 120)); then secs=120; fi
  mint=$((secs + secs / 2 + 1))
  say "code: minting codes for ${mint}s (GET /api/oauth/authorize with the session)"
  BENCH_CODES=$STATE/codes BENCH_COOKIE="access_session=$SESSION" \
    run_wrk code.mint "$mint" mint_codes.lua "$AUTHORIZE"
  cat "$STATE"/codes.got.* >"$STATE/codes.all"
  spread "$STATE/codes.all" "$STATE/codes"
  CODES_MINTED=$(wc -l <"$STATE/codes.all")
  MINT_RPS=$R_RPS
  say "code: $CODES_MINTED codes minted at $MINT_RPS/s"
  BENCH_CODES=$STATE/codes BENCH_AUTH=$WEB_AUTH BENCH_REDIRECT=$(urlenc "$CB") \
    measure code code.lua /api/oauth/token no
fi
RSS_RS256=$(worker_rss_kib)  # the same workers as RSS_BEFORE: no reload yet
for alg in RS256 ES256 EdDSA; do
  name=refresh_$(tr '[:upper:]' '[:lower:]' <<<"$alg")
  wanted "$name" || continue
  if [[ $alg != RS256 ]]; then switch_algorithm "$alg"; fi
  case $alg in RS256) ref rsa ;; ES256) ref ecdsa; ref sqlite ;; EdDSA) ref ed25519 ;; esac
  BENCH_TOKENS=$RT BENCH_AUTH=$CLI_AUTH measure "$name" refresh.lua /api/oauth/token yes refill_refresh_tokens
  if [[ $alg == RS256 ]]; then RSS_RS256=$(worker_rss_kib); fi
done
RSS_END=$(worker_rss_kib) DB_END=$(db_kib) WAL_END=$(wal_kib)
for r in rsa ecdsa ed25519 argon2 sqlite; do ref "$r"; done

# BENCH_PEERS=1: the node peers' refresh scenario in the same sitting (their
# own scripts in PEERS_DIR, default ../shared/peers: each installs its peer by
# package name, binds loopback, runs the same wrk load and stops what it
# started), then our refresh RS256 rate over the best of theirs.
PEER_LINES=()
if [[ ${BENCH_PEERS:-0} == 1 ]]; then
  PEERS_DIR=${PEERS_DIR:-$ROOT/../shared/peers}
  if [[ ! -f $PEERS_DIR/lib.sh ]]; then
    say "BENCH_PEERS=1 but no peer scripts in $PEERS_DIR (set PEERS_DIR)"
  else
    PEER_TSV=$STATE/peers.tsv
    for peer in oidc-provider-bench.sh node-oauth2-server-bench.sh; do
      say "peer: $peer refresh (${DURATION}s, 64 connections)"
      PEER_D=${DURATION}s PEER_C=$CONNS PEER_RESULTS=$PEER_TSV PEERS_TMP=$STATE/peers \
        bash "$PEERS_DIR/$peer" refresh >"$STATE/peer.$peer.log" 2>&1 ||
        say "peer $peer failed (see $STATE/peer.$peer.log)"
    done
    if [[ -s $PEER_TSV ]]; then
      while IFS=$'\t' read -r p scen rps p50 p99 non2xx _; do
        [[ $scen == refresh ]] && PEER_LINES+=("$p|$rps|$p50|$p99|$non2xx")
      done <"$PEER_TSV"
    fi
  fi
fi

# ---- 4. report -----------------------------------------------------------------
rate_of() {  # "N/s" of a scenario, "-" when it did not run
  if [[ -n ${RPS[$1]:-} ]]; then echo "$(fmt_rate "${RPS[$1]}")/s"; else echo "-"; fi
}
ref_of() {  # reference value, label, target ratio (or "-") of a scenario
  local hr=${RPS[health]:-0} rr=${RPS[refresh_rs256]:-0}
  case $1 in
    health) echo "- | - | -" ;;
    jwks) echo "60000 | 60k req/s (DESIGN) | 1.0" ;;
    approvals | introspect) echo "$hr | /api/health | 0.6" ;;
    introspect_storm) echo "${RPS[introspect]:-0} | introspect, no storm | 0.5" ;;
    password) echo "$ARGON_RATE | argon2id hashes/s | 0.9" ;;
    code) echo "$SQLITE_RATE | SQLite txn/s | -" ;;
    refresh_rs256) echo "$SIGN_RSA | rsa2048 sign/s | 0.5" ;;
    refresh_es256) echo "$SQLITE_RATE | durable SQLite txn/s | 1.0" ;;
    refresh_eddsa) echo "$rr | refresh RS256 | -" ;;
  esac
}
{
  if [[ -n ${PG_CONNINFO:-} ]]; then
    echo "## access-service benchmark: PostgreSQL store ($(psql -X -A -t -d "$PG_CONNINFO" -c 'SHOW server_version' 2>/dev/null | cut -d' ' -f1), synchronous_commit on, local unix socket)"
  else
    echo "## access-service benchmark: SQLite store"
  fi
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $CORES CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM,"
  echo "Linux $(uname -r), $(nginx -v 2>&1 | sed 's/.*: //'), SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1),"
  echo "$(openssl version | cut -d' ' -f1-2); load generator on the same machine."
  echo "Command: \`BENCH_SECONDS=$DURATION BENCH_CONNECTIONS=$CONNS make bench\` ($WORKERS workers, wrk -t$THREADS -c$CONNS, ${DURATION}s per scenario)."
  echo "Observability on, as configured: log.format $(awk '$1 == "format:" {print $2}' "$CONFIG" | head -1), one log line per request,"
  echo "audit events stored (audit.token_issued_sample $(awk '$1 == "token_issued_sample:" {print $2}' "$CONFIG" | head -1): 1 = every grant), shared-memory metrics."
  echo
  echo "| scenario | req/s | p50 ms | p99 ms | non-2xx | reference | ratio | target | met |"
  echo "|---|---:|---:|---:|---:|---|---:|---|---|"
  for s in "${SCENARIOS[@]}"; do
    IFS='|' read -r refv refl target <<<"$(ref_of "$s")"
    refv=${refv// /} target=${target// /} refl=$(sed 's/^ *//; s/ *$//' <<<"$refl")
    r=- refcol=- tgt="" why=""
    if [[ $refv != - ]]; then
      r=$(ratio "${RPS[$s]}" "$refv")
      refcol="$(fmt_rate "$refv") $refl"
    fi
    if [[ $target != - ]]; then
      tgt=">= ${target}x, "
      if awk -v r="$r" -v t="$target" 'BEGIN { exit !(r < t) }'; then why+=" ratio"; fi
    fi
    if [[ $s == password ]]; then
      tgt+="no p99 target"
    else
      tgt+="p99 < 50 ms"
      if awk -v p="${P99[$s]}" 'BEGIN { exit !(p >= 50) }'; then why+=" p99"; fi
    fi
    if ((ERRS[$s] > 0 || FIVE[$s] > 0 || BUSY[$s] > 0)); then why+=" errors"; fi
    met=yes
    [[ -n $why ]] && met="no:$why"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$s" "$(fmt_rate "${RPS[$s]}")" \
      "${P50[$s]}" "${P99[$s]}" "${ERRS[$s]}" "$refcol" "$r" "$tgt" "$met"
  done
  echo
  echo "References (same run, each measured just before its scenario): openssl speed -seconds 3 -multi $CORES sign/s: rsa2048 $(fmt_rate "$SIGN_RSA"), ecdsap256 $(fmt_rate "$SIGN_EC"), ed25519 $(fmt_rate "$SIGN_ED");"
  echo "argon2id t=$A2_T m=$A2_M KiB p=$A2_P: $(fmt_rate "$ARGON_RATE") hashes/s over $CORES threads;"
  echo "SQLite one-row write transactions (WAL, synchronous=FULL, one connection, this disk): $(fmt_rate "$SQLITE_RATE")/s,"
  echo "a measure of the disk's fsync latency at that moment (each grant and each minted code commits once)."
  if [[ -n ${RPS[code]:-} ]]; then
    echo "Codes: $CODES_MINTED minted beforehand at $(fmt_rate "$MINT_RPS")/s (GET /api/oauth/authorize with a session cookie)."
  fi
  echo "Peers (DESIGN.md, same kind of box): refresh ~3.3k/s, introspection ~9.9k/s, JWKS ~52k/s;"
  echo "here: refresh RS256 $(rate_of refresh_rs256), ES256 $(rate_of refresh_es256), EdDSA $(rate_of refresh_eddsa), introspection $(rate_of introspect), JWKS $(rate_of jwks)."
  if ((${#PEER_LINES[@]} > 0)); then
    echo
    echo "Peers measured in this sitting (BENCH_PEERS=1; refresh, rotating, wrk -c$CONNS, ${DURATION}s; in memory, nothing durable):"
    echo
    echo "| peer | refresh req/s | p50 | p99 | non-2xx |"
    echo "|---|---:|---:|---:|---:|"
    best=0
    for l in "${PEER_LINES[@]}"; do
      IFS='|' read -r p rps p50 p99 non2xx <<<"$l"
      echo "| $p | $rps | $p50 | $p99 | $non2xx |"
      if awk -v a="$rps" -v b="$best" 'BEGIN { exit !(a > b) }'; then best=$rps; fi
    done
    echo
    echo "Refresh RS256 here over the best peer: $(ratio "${RPS[refresh_rs256]:-0}" "$best") (target >= 1.5)."
  fi
  if [[ -n ${CPU_US[refresh_rs256]:-} && -n $SIGN_RSA ]]; then
    sig_us=$(awk -v c="$CORES" -v r="$SIGN_RSA" 'BEGIN { printf "%.0f", c * 1e6 / r }')
    echo
    echo "Worker CPU per RS256 refresh: ${CPU_US[refresh_rs256]} µs, against $sig_us µs for one rsa2048 signature ($CORES cores over $(fmt_rate "$SIGN_RSA") sign/s): $(ratio "${CPU_US[refresh_rs256]}" "$sig_us") (target <= 1.5)."
  fi
  echo
  echo "Worker RSS (max over the master's children): $((RSS_BEFORE / 1024)) MiB after warm-up, $((RSS_RS256 / 1024)) MiB after the RS256 scenarios (same workers), $((RSS_END / 1024)) MiB at the end (workers replaced at each reload); target < 32 MiB."
  echo "Database + WAL: $((DB_BEFORE / 1024)) MiB before (WAL $((WAL_BEFORE / 1024)) MiB), $((DB_END / 1024)) MiB after (WAL $((WAL_END / 1024)) MiB)."
  echo
  if ((${#INTERVAL_LINES[@]} > 0)); then
    echo "Intervals (BENCH_INTERVALS=${BENCH_INTERVALS}: consecutive wrk runs of the measured time; RSS and sizes after each):"
    echo
    echo "| scenario | interval | req/s | p50 ms | p99 ms | errors | worker RSS MiB | db + WAL MiB | WAL MiB |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${INTERVAL_LINES[@]}"
    echo
  fi
  echo "| scenario | worker CPU µs/request | of it in the kernel | worker sleeps/request | WAL syncs per commit | 5xx (nginx log) | store busy (service log) | worker RSS MiB after | db + WAL MiB after | WAL MiB after |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for s in "${SCENARIOS[@]}"; do
    printf '| %s | %s | %s | %s | %s | %s | %s | %.1f | %.1f | %.1f |\n' "$s" "${CPU_US[$s]}" "${SYS_US[$s]}" "${SLEEPS[$s]}" "${SYNCS[$s]}" "${FIVE[$s]}" "${BUSY[$s]}" \
      "$(awk -v k="${RSS_AFTER[$s]}" 'BEGIN {print k / 1024}')" \
      "$(awk -v k="${DB_AFTER[$s]}" 'BEGIN {print k / 1024}')" \
      "$(awk -v k="${WAL_AFTER[$s]}" 'BEGIN {print k / 1024}')"
  done
} | tee "$REPORT"
say "report written to $REPORT"
