# PostgreSQL (make test PG=1, issue #13): several hosts as one service, and
# the database going away under load. Skipped on SQLite.
#
# Host A is the suite's server. Host B is a second full stack (its own state
# directory, nginx and worker pool) on the same database, with a copy of A's
# key-encryption key and A's issuer; a third nginx balances across both
# (round robin, retrying on connection errors, as a load balancer would).
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_admin; need_user1; need_cli_app
if on_sqlite; then
  skip "PostgreSQL with two hosts (t_45_postgresql)" "the suite runs on SQLite; make test PG=1 runs it on PostgreSQL"
else
PGT=$STATE/pg
rm -rf "$PGT" && mkdir -p "$PGT/b" "$PGT/lb/tmp"
A_BASE=$BASE
B_PORT=$(free_port)
B_BASE=http://127.0.0.1:$B_PORT
LB_PORT=$(free_port)
LB_BASE=http://127.0.0.1:$LB_PORT
on() { local saved=$BASE; BASE=$1; shift; req "$@"; BASE=$saved; }  # on BASE METHOD PATH [curl args]

# --- A second host needs a copy of the first one's key-encryption key.
mkdir -p "$PGT/nokek" && head -c 32 /dev/urandom >"$PGT/nokek/kek.key"
ISSUER=$A_BASE PORT=$B_PORT WORKERS=2 nginx/dev-server.sh start "$PGT/nokek" >"$PGT/nokek.out" 2>&1
rc=$?
nginx/dev-server.sh stop "$PGT/nokek" >/dev/null 2>&1
check "a host with another service's key-encryption key refuses to start, naming store.kek_file" \
  bash -c "[[ $rc != 0 ]] && grep -q 'store.kek_file' '$PGT/nokek.out'"
sed -e "s|$PGT/nokek/kek.key|$PGT/nokek/missing.key|" "$PGT/nokek/access-service.yaml" >"$PGT/nokek/missing.yaml"
"$ROOT/$BUILD/accessctl" --config "$PGT/nokek/missing.yaml" init >"$PGT/missing.out" 2>&1
rc=$?
check "accessctl on a host without it refuses, naming store.kek_file, and creates none" \
  bash -c "[[ $rc != 0 ]] && grep -q 'store.kek_file.*no such file' '$PGT/missing.out' && [[ ! -e '$PGT/nokek/missing.key' ]]"
cp "$STATE/kek.key" "$PGT/b/kek.key"
check "host B (same database, a copy of A's kek.key, A's issuer) starts" \
  env ISSUER="$A_BASE" PORT=$B_PORT WORKERS=2 nginx/dev-server.sh start "$PGT/b"
CTL_B="$ROOT/$BUILD/accessctl --config $PGT/b/access-service.yaml"
check "both hosts publish the same JWKS" \
  test "$(curl -s "$A_BASE/.well-known/jwks.json" | jq -c '[.keys[].kid]')" = "$(curl -s "$B_BASE/.well-known/jwks.json" | jq -c '[.keys[].kid]')"
check "... and hold the same hmac.key" cmp -s "$STATE/keys/hmac.key" "$PGT/b/keys/hmac.key"

# --- Tokens cross hosts.
on "$A_BASE" POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=password \
  --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
MH_RT=$(jq -r .refresh_token <<<"$BODY")
MH_AT=$(jq -r .access_token <<<"$BODY")
on "$B_BASE" GET /api/v1/users/me -H "$(bearer "$MH_AT")"
expect "an access token issued on A works on B" 200 .email "$USER1"
on "$B_BASE" POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$MH_RT"
expect "a refresh token issued on A refreshes on B" 200 .token_type bearer
MH_RT2=$(jq -r .refresh_token <<<"$BODY")
MH_AT2=$(jq -r .access_token <<<"$BODY")
on "$A_BASE" POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$MH_RT"
expect "the rotated token presented again on A -> invalid_grant (reuse)" 400 .error invalid_grant
on "$B_BASE" GET /api/v1/users/me -H "$(bearer "$MH_AT2")"
expect "... and the family's access token is dead on B at once" 401 .error invalid_token

on "$A_BASE" POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=password \
  --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
RV_AT=$(jq -r .access_token <<<"$BODY")
on "$B_BASE" GET /api/v1/users/me -H "$(bearer "$RV_AT")"
check "a fresh access token works on B" test "$STATUS" = 200
on "$A_BASE" POST /api/oauth/revoke -u "cli:$CLI_SECRET" --data-urlencode "token=$RV_AT" -d token_type_hint=access_token
on "$B_BASE" GET /api/v1/users/me -H "$(bearer "$RV_AT")"
expect "revoked on A: refused on B at once" 401 .error invalid_token

# One refresh token at A and B at the same moment: one success, and the other
# is reuse, which revokes the family (no grace).
for round in 1 2 3; do
  on "$A_BASE" POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=password \
    --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
  race_rt=$(jq -r .refresh_token <<<"$BODY")
  for host in "$A_BASE" "$B_BASE"; do
    curl -s -o "$PGT/race.$round.body.${host##*:}" -w '%{http_code}\n' -u "cli:$CLI_SECRET" -d grant_type=refresh_token \
      --data-urlencode "refresh_token=$race_rt" "$host/api/oauth/token" >"$PGT/race.$round.code.${host##*:}" &
  done
  wait
  codes=$(cat "$PGT"/race.$round.code.* | sort | tr -d '\n')
  winner_at=$(cat "$PGT"/race.$round.body.* | jq -r 'select(.access_token) | .access_token' | head -1)
  on "$A_BASE" GET /api/v1/users/me -H "$(bearer "$winner_at")"
  check "round $round: one refresh token at A and B at once -> one 200, one 400 ($codes); the family is revoked" \
    test "$codes:$STATUS" = "200400:401"
done

# --- The browser flow, each step on the other host.
MH_CB=https://mh.example.com/cb
$CTL client add --client-id mhweb --name "Two Hosts" --grant authorization_code --grant refresh_token \
  --redirect-uri "$MH_CB" --scope read --access-seconds 300 --refresh-seconds 3600 >"$PGT/mhweb.json"
MH_SECRET=$(jq -r .clientSecret "$PGT/mhweb.json")
MJ=$PGT/jar.txt
mh_loc() { sed -n 's/^[Ll]ocation: *//p' <<<"$HDRS" | tr -d '\r'; }
mh_param() { python3 -c 'import sys, urllib.parse as u; p=u.urlsplit(sys.argv[1]); q=u.parse_qs(p.query or p.fragment); print(q.get(sys.argv[2], [""])[0])' "$1" "$2"; }
mh_verifier=$(head -c 48 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
mh_challenge=$(printf %s "$mh_verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')
on "$A_BASE" GET "/api/oauth/authorize?response_type=code&client_id=mhweb&redirect_uri=$(jq -rn --arg v "$MH_CB" '$v|@uri')&scope=read&state=s1&code_challenge=$mh_challenge&code_challenge_method=S256" -b "$MJ" -c "$MJ"
mh_rid=$(mh_param "http://x$(mh_loc)" rid)
check "A: authorize -> the sign-in page" test -n "$mh_rid"
on "$B_BASE" GET "/api/oauth/authorize/requests/$mh_rid" -b "$MJ" -c "$MJ"
expect "B: the saved request, read with A's binding cookie" 200 .clientId mhweb .signedIn false
mh_csrf=$(jq -r .csrfToken <<<"$BODY")
on "$A_BASE" POST /api/oauth/signin -b "$MJ" -c "$MJ" --data-urlencode "rid=$mh_rid" --data-urlencode "csrf_token=$mh_csrf" \
  --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
check "A: sign-in with B's CSRF token -> 303 back to authorize" test "$STATUS" = 303
on "$B_BASE" GET "/api/oauth/authorize?rid=$mh_rid" -b "$MJ" -c "$MJ"
check "B: resumed with A's session -> the consent page" test "$(mh_loc)" = "/consent.html?rid=$mh_rid"
on "$A_BASE" GET "/api/oauth/authorize/requests/$mh_rid" -b "$MJ" -c "$MJ"
mh_csrf=$(jq -r .csrfToken <<<"$BODY")
on "$B_BASE" POST /api/oauth/authorize -b "$MJ" -c "$MJ" --data-urlencode "rid=$mh_rid" \
  --data-urlencode "csrf_token=$mh_csrf" -d user_oauth_approval=true
mh_code=$(mh_param "$(mh_loc)" code)
check "B: consent with A's CSRF token -> a code" test -n "$mh_code"
on "$A_BASE" POST /api/oauth/token -u "mhweb:$MH_SECRET" -d grant_type=authorization_code --data-urlencode "code=$mh_code" \
  --data-urlencode "redirect_uri=$MH_CB" --data-urlencode "code_verifier=$mh_verifier"
expect "A: B's code exchanged" 200 .token_type bearer
mh_at=$(jq -r .access_token <<<"$BODY")
on "$B_BASE" POST /api/oauth/token -u "mhweb:$MH_SECRET" -d grant_type=authorization_code --data-urlencode "code=$mh_code" \
  --data-urlencode "redirect_uri=$MH_CB" --data-urlencode "code_verifier=$mh_verifier"
expect "B: the same code again -> invalid_grant" 400 .error invalid_grant
on "$A_BASE" GET /api/v1/users/me -H "$(bearer "$mh_at")"
expect "... and the code's access token is revoked on A" 401 .error invalid_token

# The app goes again, with the user's approval of it (later files count them).
token cli "$CLI_SECRET" "$ADMIN" "$ADMIN_PW"
req DELETE "/api/v1/clientapps/$(jq -r .id "$PGT/mhweb.json")" -H "$(bearer "$(jq -r .access_token <<<"$BODY")")"
check "the two-host app is deleted" test "$STATUS" = 200

# --- Key rotation on A reaches B at its reload.
$CTL key rotate --now >/dev/null  # signs at once (no publish-ahead wait)
kill -HUP "$(cat "$STATE/run/service.pid")" "$(cat "$PGT/b/run/service.pid")"
for _ in $(seq 50); do
  a_kids=$(curl -s "$A_BASE/.well-known/jwks.json" | jq -c '[.keys[].kid]')
  b_kids=$(curl -s "$B_BASE/.well-known/jwks.json" | jq -c '[.keys[].kid]')
  [[ $(jq length <<<"$a_kids") -ge 2 && $a_kids == "$b_kids" ]] && break
  sleep 0.2
done
check "accessctl key rotate on A: after a reload both hosts publish the same keys ($a_kids)" \
  bash -c "[[ \$(jq length <<<'$a_kids') -ge 2 && '$a_kids' == '$b_kids' ]]"
sleep 0.5
on "$B_BASE" POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=password \
  --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
kid_b=$(python3 -c 'import base64, json, sys; h = sys.argv[1].split(".")[0]; print(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))["kid"])' "$(jq -r .access_token <<<"$BODY")")
on "$A_BASE" GET /api/v1/users/me -H "$(bearer "$(jq -r .access_token <<<"$BODY")")"
check "B signs with the new key and A accepts it" test "$kid_b:$STATUS" = "$(jq -r '.[-1]' <<<"$a_kids"):200"

# --- A balancer across both; kill -9 of host B's whole stack under load.
cat >"$PGT/lb/nginx.conf" <<NGINX
worker_processes 1;
pid $PGT/lb/nginx.pid;
error_log $PGT/lb/error.log;
$( [[ $(id -u) == 0 ]] && echo "user root root;" )
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $PGT/lb/tmp;
  proxy_temp_path $PGT/lb/tmp;
  upstream pool { server 127.0.0.1:$PORT max_fails=0; server 127.0.0.1:$B_PORT max_fails=0; }
  server {
    listen 127.0.0.1:$LB_PORT;
    location / {
      proxy_pass http://pool;
      proxy_set_header Host \$http_host;
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 2;
    }
  }
}
NGINX
nginx -p "$PGT/lb" -c "$PGT/lb/nginx.conf"
check "the balancer answers" bash -c "curl -sf '$LB_BASE/api/health' >/dev/null"
mkdir -p "$PGT/storm"
lb_chain() {  # rotate through the balancer until stopped; "old new" per 200
  local n=$1 rt=$2 out code
  while [[ ! -e $PGT/storm/stop ]]; do
    out=$(curl -s -w '\n%{http_code}' -u "cli:$CLI_SECRET" -d grant_type=refresh_token \
      --data-urlencode "refresh_token=$rt" "$LB_BASE/api/oauth/token")
    code=${out##*$'\n'}
    echo "$code" >>"$PGT/storm/codes"
    if [[ $code == 200 ]]; then
      new=$(jq -r .refresh_token <<<"${out%$'\n'*}")
      echo "$rt $new" >>"$PGT/storm/acked$n"
      rt=$new
    else
      # A request lost with host B (502) may or may not have rotated: stop.
      echo "$code" >"$PGT/storm/stopped$n"
      return
    fi
  done
}
for n in 1 2 3 4; do
  on "$A_BASE" POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=password \
    --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
  lb_chain "$n" "$(jq -r .refresh_token <<<"$BODY")" &
done
sleep 1.5
b_master=$(cat "$PGT/b/run/service.pid")
b_nginx=$(cat "$PGT/b/run/nginx.pid")
kill -KILL "$b_master" $(pgrep -P "$b_master") "$b_nginx" $(pgrep -P "$b_nginx") 2>/dev/null
sleep 0.5
# After the kill every request lands on A, directly or by the balancer's retry.
on "$A_BASE" POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=password \
  --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
lb_chain 9 "$(jq -r .refresh_token <<<"$BODY")" &
sleep 1.5
touch "$PGT/storm/stop"
wait
acked=$(cat "$PGT"/storm/acked* 2>/dev/null | wc -l)
after_kill=$(wc -l <"$PGT/storm/acked9" 2>/dev/null || echo 0)
check "through the balancer: $acked rotations acknowledged, $after_kill after host B died, none refused after (codes: $(sort "$PGT/storm/codes" | uniq -c | awk '{printf "%s:%s ", $2, $1}'))" \
  test "$after_kill" -ge 3 -a ! -e "$PGT/storm/stopped9"
lost=0
while read -r old new; do
  [[ $(db "SELECT count(*) FROM refresh_tokens WHERE $(db_hex hash) = '$(printf %s "$new" | sha256sum | awk '{print toupper($1)}')'") == 1 ]] || lost=$((lost + 1))
  [[ $(db "SELECT count(*) FROM refresh_tokens WHERE used_at IS NOT NULL AND $(db_hex hash) = '$(printf %s "$old" | sha256sum | awk '{print toupper($1)}')'") == 1 ]] || lost=$((lost + 1))
done < <(cat "$PGT"/storm/acked* 2>/dev/null)
check "no acknowledged rotation was lost ($lost missing)" test "$lost" = 0
kill "$(cat "$PGT/lb/nginx.pid")" 2>/dev/null
nginx/dev-server.sh stop "$PGT/b" >/dev/null 2>&1

# --- The database stops under load: 503 JSON, no worker dies; it comes back
# and the workers reconnect by themselves.
pg_dir=$(cat "$PG_STATE/dir")
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
master=$(cat "$STATE/run/service.pid")
workers_before=$(pgrep -P "$master" | sort | tr '\n' ' ')
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null
for i in 1 2 3 4 5 6; do
  req POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=password \
    --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
done
expect "database stopped: a grant -> 503 temporarily_unavailable (JSON)" 503 .error temporarily_unavailable
req GET /api/health
check "database stopped: /api/health -> 503" test "$STATUS" = 503
req GET /.well-known/jwks.json
check "database stopped: JWKS is still served" test "$STATUS" = 200
sleep 1
check "database stopped: no worker died or respawned" test "$(pgrep -P "$master" | sort | tr '\n' ' ')" = "$workers_before"
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
  -o "-k $pg_dir -c listen_addresses='' -c max_connections=200 -c shared_buffers=128MB" start >/dev/null
ok_after=""
for _ in $(seq 60); do
  req POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=password \
    --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
  [[ $STATUS == 200 ]] && { ok_after=1; break; }
  sleep 0.2
done
check "database back: grants succeed again without a restart" test -n "$ok_after"
# A worker that tried the stopped database waits out its reconnect backoff
# (pg_conn.cpp: 100 ms doubling, at most 5 s) before its next attempt; past
# that, every worker must answer, whether it reconnects or finds the
# connection the restart closed and replaces it (the server's FATAL alone,
# read before its end of file, must already count as closed: the unit test
# store/idle_connection_the_server_ended_is_replaced_first).
sleep 5.2
not_ok=0
for _ in $(seq 8); do req GET /api/health; [[ $STATUS == 200 ]] || not_ok=$((not_ok + 1)); done
check "... on every worker: no request fails on a connection the restart closed ($not_ok of 8)" test "$not_ok" = 0
check "... and still the same workers" test "$(pgrep -P "$master" | sort | tr '\n' ' ')" = "$workers_before"
check "the log says the database went away and came back, naming no password" \
  bash -c "grep -q 'database unavailable' '$STATE/service.log' && grep -q 'database connection restored' '$STATE/service.log'"
fi  # on_sqlite
