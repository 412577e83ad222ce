#!/usr/bin/env bash
# Development server: nginx + the access-service worker pool on loopback.
#
#   nginx/dev-server.sh run   STATE_DIR   foreground until Ctrl-C / SIGTERM (make run)
#   nginx/dev-server.sh start STATE_DIR   background; returns once it answers (tests)
#   nginx/dev-server.sh stop  STATE_DIR   stops what `start` started
#
# Environment: PORT (default 8080), BUILD (default build), WORKERS (default 2),
# PUBLISH_AHEAD (keys.publish_ahead_seconds and the JWKS max-age nginx
# serves, default 300; the smoke suite shortens both),
# GRACE (tokens.refresh_reuse_grace_seconds, default 0), LOCKOUT_MAX and
# LOCKOUT_ACCOUNT_MAX (lockout.max_failures and account_max_failures, default
# 5 and 50; the benchmark raises them: its 64 concurrent password grants of
# one user would otherwise be throttled), LOG_FORMAT and LOG_LEVEL
# (log.format and log.level, default json and info, as in production),
# AUDIT_SAMPLE (audit.token_issued_sample, default 1: every token.issued
# event) and METRICS_ALLOW (metrics.allow, default loopback only).
# PG_CONNINFO (a libpq connection string, no password): serve from that
# PostgreSQL database instead of STATE_DIR/access.db; the key-encryption key
# is STATE_DIR/kek.key, created at first start when absent (a second host of
# the same service needs a copy of the first one's). ISSUER (default
# http://127.0.0.1:PORT): the issuer URL, the same on every host of one
# service.
# STATE_DIR receives access-service.yaml (rendered from conf/dev.yaml.in on every
# start), the database, the keys, the JWKS file, the socket and nginx's files.
set -euo pipefail
# `run` (make run) dies with its parent: when make is killed, even by
# SIGKILL, the kernel sends this script SIGTERM, whose trap stops nginx, the
# master and its workers (make itself forwards only SIGTERM to its child).
if [[ ${1:-} == run && -z ${DEV_SERVER_PDEATHSIG:-} ]]; then
  DEV_SERVER_PDEATHSIG=1 exec setpriv --pdeathsig TERM -- "$0" "$@"
fi
# Everything made here (config, logs, pid files, nginx's files) is the
# caller's alone, whatever umask they run with; the service and accessctl
# enforce the same for the database, keys and socket themselves.
umask 077

cmd=${1:?usage: dev-server.sh run|start|stop STATE_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
state=$(mkdir -p "${2:?STATE_DIR}" && cd "$2" && pwd)
build=$root/${BUILD:-build}
port=${PORT:-8080}
ahead=${PUBLISH_AHEAD:-300}
config=$state/access-service.yaml

# True when something accepts connections on 127.0.0.1:$port.
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

stop_all() {
  local pid
  for name in service nginx; do
    pid=$(cat "$state/run/$name.pid" 2>/dev/null || true)
    [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null || true
  done
  for name in service nginx; do
    pid=$(cat "$state/run/$name.pid" 2>/dev/null || true)
    [[ -z $pid ]] && continue
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$state/run/$name.pid"
  done
}

if [[ $cmd == stop ]]; then stop_all; exit 0; fi

mkdir -p "$state"/{run,nginx/tmp,nginx/snippets}
# A state directory made before modes were enforced is brought in line:
# directories 0700, files 0600 (the master rewrites jwks.json 0644 at start).
chmod -R go-rwx "$state"
# One server per state directory: a second one would take over the first
# one's socket and pid files.
for name in service nginx; do
  pid=$(cat "$state/run/$name.pid" 2>/dev/null || true)
  if [[ -n $pid ]] && grep -qF "$state" "/proc/$pid/cmdline" 2>/dev/null; then
    echo "dev-server: $state is in use by a running server (pid $pid): stop it first" >&2
    exit 1
  fi
done
if port_taken; then
  echo "dev-server: port $port is taken (another make run?): stop that one, or choose another with PORT=N" >&2
  exit 1
fi
sed -e "s|@PORT@|$port|g" -e "s|@STATE@|$state|g" -e "s|@WORKERS@|${WORKERS:-2}|g" \
    -e "s|@GRACE@|${GRACE:-0}|g" -e "s|@LOCKOUT_MAX@|${LOCKOUT_MAX:-5}|g" \
    -e "s|@PUBLISH_AHEAD@|$ahead|g" \
    -e "s|@LOCKOUT_ACCOUNT_MAX@|${LOCKOUT_ACCOUNT_MAX:-50}|g" \
    -e "s|@ISSUER@|${ISSUER:-http://127.0.0.1:$port}|g" \
    -e "s|@LOG_FORMAT@|${LOG_FORMAT:-json}|g" -e "s|@LOG_LEVEL@|${LOG_LEVEL:-info}|g" \
    -e "s|@AUDIT_SAMPLE@|${AUDIT_SAMPLE:-1}|g" \
    -e "s|@METRICS_ALLOW@|${METRICS_ALLOW:-[\"127.0.0.1\", \"::1\"]}|g" \
    "$root/conf/dev.yaml.in" >"$config"
if [[ -n ${PG_CONNINFO:-} ]]; then
  # The store section gains PostgreSQL's keys (the conninfo YAML-quoted);
  # the SQLite ones stay and are not used.
  {
    echo "  backend: postgresql"
    q="'"
    echo "  conninfo: '${PG_CONNINFO//$q/$q$q}'"
    echo "  kek_file: \"$state/kek.key\""
  } >"$state/store.yaml"
  sed -i -e "/^store:/r $state/store.yaml" "$config"
  rm -f "$state/store.yaml"
  [[ -s $state/kek.key ]] || head -c 32 /dev/urandom >"$state/kek.key"
fi
# nginx's workers must traverse the 0700 state directory, connect to the
# 0660 socket and read jwks.json: they run as the owner of all three, the user
# running this script. Unprivileged, nginx keeps that user anyway; as root it
# would switch to `nobody`, so say root. (A shared group for nobody would
# mean opening var/ and the socket to that group; this is a loopback-only
# development server, and production runs nginx as www-data with the socket
# in www-data's group instead: systemd/access-service.tmpfiles.)
user_line=""
[[ $(id -u) == 0 ]] && user_line="user root root;"
sed -e "s|@PORT@|$port|g" -e "s|@STATE@|$state|g" -e "s|@ROOT@|$root|g" \
    -e "s|@USER_LINE@|$user_line|" -e "s|@JWKS_MAX_AGE@|$ahead|g" \
    "$root/nginx/dev.conf.in" >"$state/nginx/nginx.conf"
cp "$root"/nginx/snippets/*.conf "$state/nginx/snippets/"

# A database of an older schema (a checkout pulled since the last run) is
# upgraded after a backup into $state/backups/; then init makes what is missing.
"$build/accessctl" --config "$config" migrate ${PG_CONNINFO:+--no-backup} >/dev/null  # PostgreSQL: pg_dump is the backup
"$build/accessctl" --config "$config" init >/dev/null
"$build/access-service" --config "$config" --check-config >/dev/null
nginx -t -q -p "$state/nginx" -c "$state/nginx/nginx.conf"

# Stop whatever was started if we are interrupted, even during start-up; one
# line says so (\r: over the terminal's ^C).
[[ $cmd == run ]] && trap 'stop_all; printf "\raccess-service stopped\n"; exit 0' INT TERM
"$build/access-service" --config "$config" 2>>"$state/service.log" &
echo $! >"$state/run/service.pid"
nginx -p "$state/nginx" -c "$state/nginx/nginx.conf" -g 'daemon off;' &
echo $! >"$state/run/nginx.pid"

for _ in $(seq 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/api/health" 2>/dev/null && break
  sleep 0.1
done
# Our nginx must be the one answering (it exits when it cannot bind).
if ! curl -fsS -o /dev/null "http://127.0.0.1:$port/api/health" ||
   ! kill -0 "$(cat "$state/run/nginx.pid")" 2>/dev/null; then
  echo "dev-server: the service did not come up; see $state/service.log and $state/nginx/error.log" >&2
  stop_all
  exit 1
fi

[[ $cmd == start ]] && exit 0

cat <<MSG

access-service is running on http://127.0.0.1:$port  (Ctrl-C stops it)
  state, config and keys: $state   logs: $state/service.log, $state/nginx/
  health:  curl http://127.0.0.1:$port/api/health

Create the first administrator (prompts for a password of 12+ characters):
  build/accessctl --config $config user add admin@example.com --role ROLE_SYSTEM_ADMIN
Register an app that may use the password grant:
  build/accessctl --config $config client add --client-id cli --name "CLI" \\
      --grant password --grant refresh_token --access-seconds 3600 --refresh-seconds 86400
MSG
while true; do
  wait -n || true
  # Either process ending on its own ends the development server.
  if ! kill -0 "$(cat "$state/run/service.pid")" 2>/dev/null ||
     ! kill -0 "$(cat "$state/run/nginx.pid")" 2>/dev/null; then
    echo "dev-server: a process exited; stopping" >&2
    stop_all
    exit 1
  fi
done
