#!/usr/bin/env bash
# Development server: nginx + the access-service worker pool on loopback.
#
#   nginx/dev-server.sh run   STATE_DIR   foreground until Ctrl-C / SIGTERM (make run)
#   nginx/dev-server.sh start STATE_DIR   background; returns once it answers (tests)
#   nginx/dev-server.sh stop  STATE_DIR   stops what `start` started
#
# Environment: PORT (default 8080), BUILD (default build), WORKERS (default 2),
# GRACE (tokens.refresh_reuse_grace_seconds, default 0), LOCKOUT_MAX and
# LOCKOUT_ACCOUNT_MAX (lockout.max_failures and account_max_failures, default
# 5 and 50; the benchmark raises them: its 64 concurrent password grants of
# one user would otherwise be throttled), LOG_FORMAT and LOG_LEVEL
# (log.format and log.level, default json and info, as in production),
# AUDIT_SAMPLE (audit.token_issued_sample, default 1: every token.issued
# event) and METRICS_ALLOW (metrics.allow, default loopback only).
# STATE_DIR receives access-service.yaml (rendered from conf/dev.yaml.in on every
# start), the database, the keys, the JWKS file, the socket and nginx's files.
set -euo pipefail
# Everything made here (config, logs, pid files, nginx's files) is the
# caller's alone, whatever umask they run with; the service and accessctl
# enforce the same for the database, keys and socket themselves.
umask 077

cmd=${1:?usage: dev-server.sh run|start|stop STATE_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
state=$(mkdir -p "${2:?STATE_DIR}" && cd "$2" && pwd)
build=$root/${BUILD:-build}
port=${PORT:-8080}
config=$state/access-service.yaml

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
sed -e "s|@PORT@|$port|g" -e "s|@STATE@|$state|g" -e "s|@WORKERS@|${WORKERS:-2}|g" \
    -e "s|@GRACE@|${GRACE:-0}|g" -e "s|@LOCKOUT_MAX@|${LOCKOUT_MAX:-5}|g" \
    -e "s|@LOCKOUT_ACCOUNT_MAX@|${LOCKOUT_ACCOUNT_MAX:-50}|g" \
    -e "s|@LOG_FORMAT@|${LOG_FORMAT:-json}|g" -e "s|@LOG_LEVEL@|${LOG_LEVEL:-info}|g" \
    -e "s|@AUDIT_SAMPLE@|${AUDIT_SAMPLE:-1}|g" \
    -e "s|@METRICS_ALLOW@|${METRICS_ALLOW:-[\"127.0.0.1\", \"::1\"]}|g" \
    "$root/conf/dev.yaml.in" >"$config"
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
    -e "s|@USER_LINE@|$user_line|" "$root/nginx/dev.conf.in" >"$state/nginx/nginx.conf"
cp "$root"/nginx/snippets/*.conf "$state/nginx/snippets/"

"$build/accessctl" --config "$config" init >/dev/null
"$build/access-service" --config "$config" --check-config >/dev/null
nginx -t -q -p "$state/nginx" -c "$state/nginx/nginx.conf"

# Stop whatever was started if we are interrupted, even during start-up.
[[ $cmd == run ]] && trap 'echo; echo "stopping..."; stop_all; exit 0' INT TERM
"$build/access-service" --config "$config" 2>>"$state/service.log" &
echo $! >"$state/run/service.pid"
nginx -p "$state/nginx" -c "$state/nginx/nginx.conf" -g 'daemon off;' &
echo $! >"$state/run/nginx.pid"

for _ in $(seq 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/api/health" 2>/dev/null && break
  sleep 0.1
done
if ! curl -fsS -o /dev/null "http://127.0.0.1:$port/api/health"; then
  echo "dev-server: the service did not come up; see $state/service.log" >&2
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
