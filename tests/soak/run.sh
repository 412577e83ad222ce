#!/usr/bin/env bash
# `make soak SOAK_SECONDS=600`: mixed load against nginx + the worker pool
# for SOAK_SECONDS (default 120) and a report of what must stay flat or
# bounded: worker RSS (max over workers), open file descriptors of the master
# and workers, database and WAL size, and the count of 5xx answers.
#
# The load: SOAK_CLIENTS (default 8) loops, each cycling through every grant
# (password, refresh rotation, authorization code with PKCE), bearer reads,
# introspection and revocation. It measures stability, not speed (see make bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build=${BUILD:-build}
seconds=${SOAK_SECONDS:-120}
clients=${SOAK_CLIENTS:-8}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
state=$(mktemp -d /tmp/access-soak.XXXXXX)
base=http://127.0.0.1:$port
ctl="$root/$build/accessctl --config $state/access-service.yaml"
cleanup() { PORT=$port BUILD=$build nginx/dev-server.sh stop "$state" >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT
PORT=$port BUILD=$build WORKERS=${WORKERS:-2} nginx/dev-server.sh start "$state"
master=$(cat "$state/run/service.pid")

echo 'soak-password-123' | $ctl user add soak@example.com --role ROLE_COLLABORATOR --password-stdin >/dev/null
secret=$($ctl client add --client-id soak --name Soak --grant password --grant refresh_token \
  --grant authorization_code --redirect-uri http://127.0.0.1/cb --auto-approve \
  --access-seconds 60 --refresh-seconds 600 | jq -r .clientSecret)

sample() {  # prints: rss_kib_max fds db_bytes wal_bytes
  local rss=0 fds=0 pid r
  for pid in $master $(pgrep -P "$master"); do
    r=$(awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [[ $pid != "$master" && ${r:-0} -gt $rss ]] && rss=$r
    fds=$((fds + $(ls "/proc/$pid/fd" 2>/dev/null | wc -l)))
  done
  echo "$rss $fds $(stat -c %s "$state/access.db") $(stat -c %s "$state/access.db-wal" 2>/dev/null || echo 0)"
}

one_client() {  # loops until the deadline; appends one status code per request to $1
  local out=$1 deadline=$2 jar r at rt v c loc code
  jar=$(mktemp)
  while (( $(date +%s) < deadline )); do
    r=$(curl -s -u "soak:$secret" -d grant_type=password -d username=soak@example.com -d password=soak-password-123 "$base/api/oauth/token")
    at=$(jq -r .access_token <<<"$r"); rt=$(jq -r .refresh_token <<<"$r")
    for _ in 1 2 3 4 5; do
      r=$(curl -s -w '\n%{http_code}' -u "soak:$secret" -d grant_type=refresh_token --data-urlencode "refresh_token=$rt" "$base/api/oauth/token")
      echo "${r##*$'\n'}" >>"$out"; r=${r%$'\n'*}
      rt=$(jq -r .refresh_token <<<"$r"); at=$(jq -r .access_token <<<"$r")
      curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $at" "$base/api/v1/users/me" >>"$out"
      curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $at" "$base/api/v1/users/me/applications/approvals" >>"$out"
      curl -s -o /dev/null -w '%{http_code}\n' -u "soak:$secret" --data-urlencode "token=$at" "$base/api/oauth/introspect" >>"$out"
    done
    # The code flow (auto-approve app; the session cookie comes from one sign-in).
    v=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    c=$(printf %s "$v" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')
    loc=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$jar" -c "$jar" "$base/api/oauth/authorize?response_type=code&client_id=soak&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&code_challenge=$c&code_challenge_method=S256")
    if [[ $loc == *signin.html* ]]; then
      csrf=$(curl -s -b "$jar" "$base/api/oauth/authorize/requests/${loc##*rid=}" | jq -r .csrfToken)
      curl -s -o /dev/null -b "$jar" -c "$jar" --data-urlencode "rid=${loc##*rid=}" --data-urlencode "csrf_token=$csrf" -d username=soak@example.com -d password=soak-password-123 "$base/api/oauth/signin"
      loc=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$jar" -c "$jar" "$base/api/oauth/authorize?rid=${loc##*rid=}")
    fi
    code=$(sed -n 's/.*code=\([^&]*\).*/\1/p' <<<"$loc")
    curl -s -o /dev/null -w '%{http_code}\n' -u "soak:$secret" -d grant_type=authorization_code -d "code=$code" \
      -d redirect_uri=http://127.0.0.1/cb -d "code_verifier=$v" "$base/api/oauth/token" >>"$out"
    curl -s -o /dev/null -w '%{http_code}\n' -u "soak:$secret" --data-urlencode "token=$rt" "$base/api/oauth/revoke" >>"$out"
  done
  rm -f "$jar"
}

read -r rss0 fd0 db0 wal0 <<<"$(sample)"
deadline=$(( $(date +%s) + seconds ))
codes=$(mktemp)
for i in $(seq "$clients"); do one_client "$codes" "$deadline" & done
samples="$(date +%s) $(sample)"
while (( $(date +%s) < deadline )); do
  sleep $(( seconds < 60 ? seconds : 60 ))
  samples+=$'\n'"$(date +%s) $(sample)"
done
wait
read -r rss1 fd1 db1 wal1 <<<"$(sample)"
total=$(wc -l <"$codes")
errors=$(grep -vc '^2' "$codes" || true)
fivexx=$(grep -c '^5' "$codes" || true)
rm -f "$codes"
echo
echo "soak: $seconds s, $clients clients, $total requests, non-2xx $errors, 5xx $fivexx"
echo "samples (time rss_kib fds db_bytes wal_bytes):"
echo "$samples" | sed 's/^/  /'
printf '%-28s %12s %12s\n' "" start end
printf '%-28s %12s %12s\n' "worker RSS, max (KiB)" "$rss0" "$rss1"
printf '%-28s %12s %12s\n' "open fds, master + workers" "$fd0" "$fd1"
printf '%-28s %12s %12s\n' "database (bytes)" "$db0" "$db1"
printf '%-28s %12s %12s\n' "WAL (bytes)" "$wal0" "$wal1"
[[ $fivexx == 0 ]]
