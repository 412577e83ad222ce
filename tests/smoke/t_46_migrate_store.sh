# accessctl migrate-store (README "Several hosts", moving a SQLite
# deployment): a throwaway SQLite instance is used, stopped, copied into an
# empty PostgreSQL database and started again on it with the same state
# directory; every token valid before the move is valid after it, and what
# was revoked stays revoked. Skipped on SQLite (needs make test PG=1).
if on_sqlite; then
  skip "moving a SQLite store to PostgreSQL (t_46_migrate_store)" "needs PostgreSQL; make test PG=1"
else
MS=$STATE/migrate-store
rm -rf "$MS"
ms_port=$(free_port)
ms_base=http://127.0.0.1:$ms_port
ms_ctl="$ROOT/$BUILD/accessctl --config $MS/access-service.yaml"
ms_req() { local saved=$BASE; BASE=$ms_base; req "$@"; BASE=$saved; }
PG_CONNINFO= PORT=$ms_port WORKERS=2 nginx/dev-server.sh start "$MS" >/dev/null
check "a throwaway SQLite instance runs" test -s "$MS/access.db"
ms_pw=migrate-pass-0123456789
printf '%s\n' "$ms_pw" | $ms_ctl user add move@example.com --role ROLE_ORIGINATOR --password-stdin >/dev/null
ms_secret=$(jq -r .clientSecret <<<"$($ms_ctl client add --client-id mover --name Mover --grant password \
  --grant refresh_token --access-seconds 600 --refresh-seconds 3600)")
ms_grant() { ms_req POST /api/oauth/token -u "mover:$ms_secret" -d grant_type=password \
  --data-urlencode username=move@example.com --data-urlencode "password=$ms_pw"; }
ms_grant; ms_at1=$(jq -r .access_token <<<"$BODY"); ms_rt1=$(jq -r .refresh_token <<<"$BODY")
ms_grant; ms_at2=$(jq -r .access_token <<<"$BODY"); ms_rt2=$(jq -r .refresh_token <<<"$BODY")
ms_req POST /api/oauth/token -u "mover:$ms_secret" -d grant_type=refresh_token --data-urlencode "refresh_token=$ms_rt2"
ms_rt2b=$(jq -r .refresh_token <<<"$BODY")
ms_grant; ms_at3=$(jq -r .access_token <<<"$BODY")
ms_req POST /api/oauth/revoke -u "mover:$ms_secret" --data-urlencode "token=$ms_at3" -d token_type_hint=access_token
check "tokens issued, one rotated, one revoked on SQLite" test "$STATUS:${#ms_rt2b}" = "200:43"
PG_CONNINFO= nginx/dev-server.sh stop "$MS" >/dev/null 2>&1

ms_pg=$(tests/pg/cluster.sh createdb "$PG_STATE" "migrate_$ms_port")
$ms_ctl migrate-store --to "$ms_pg password=x" >"$MS/out.txt" 2>&1
check "migrate-store refuses a password in the conninfo" bash -c "[[ $? != 0 ]] && grep -q 'must not carry the password' '$MS/out.txt'"
$ms_ctl migrate-store --to "$ms_pg" >"$MS/out.txt" 2>&1
check "migrate-store copies every table ($(grep -c rows "$MS/out.txt") tables)" \
  bash -c "grep -q '^copied [0-9]* rows' '$MS/out.txt' && grep -q '^users	1 rows' '$MS/out.txt' && grep -q '^refresh_tokens	4 rows' '$MS/out.txt'"
$ms_ctl migrate-store --to "$ms_pg" >"$MS/again.txt" 2>&1
check "a second migrate-store into the filled database is refused" \
  bash -c "[[ $? != 0 ]] && grep -q 'already holds' '$MS/again.txt'"

# The same state directory, now on PostgreSQL (dev-server.sh renders the
# store section and makes kek.key; accessctl init seeds the keys).
PG_CONNINFO=$ms_pg PORT=$ms_port WORKERS=2 nginx/dev-server.sh start "$MS" >/dev/null
check "the instance starts on PostgreSQL with the moved data" \
  bash -c "grep -q 'backend: postgresql' '$MS/access-service.yaml' && curl -sf '$ms_base/api/health' >/dev/null"
check "its signing key and hmac.key are now in the database, sealed" \
  test "$(psql -X -A -t -d "$ms_pg" -c "SELECT count(*) FROM key_files")" -ge 2
ms_req GET /api/v1/users/me -H "$(bearer "$ms_at1")"
expect "an access token from before the move is accepted" 200 .email move@example.com
ms_req POST /api/oauth/token -u "mover:$ms_secret" -d grant_type=refresh_token --data-urlencode "refresh_token=$ms_rt1"
expect "a refresh token from before the move rotates" 200 .token_type bearer
ms_req POST /api/oauth/token -u "mover:$ms_secret" -d grant_type=refresh_token --data-urlencode "refresh_token=$ms_rt2b"
expect "the successor of a rotation made before the move rotates" 200 .token_type bearer
ms_req GET /api/v1/users/me -H "$(bearer "$ms_at3")"
expect "a token revoked before the move stays revoked" 401 .error invalid_token
ms_req POST /api/oauth/token -u "mover:$ms_secret" -d grant_type=refresh_token --data-urlencode "refresh_token=$ms_rt2"
expect "a refresh token rotated before the move is reuse" 400 .error invalid_grant
ms_req GET /api/v1/users/me -H "$(bearer "$ms_at2")"
expect "... which revoked its family, access token included" 401 .error invalid_token
ms_grant
expect "the password and the client secret still work" 200 .token_type bearer
nginx/dev-server.sh stop "$MS" >/dev/null 2>&1
fi  # on_sqlite
