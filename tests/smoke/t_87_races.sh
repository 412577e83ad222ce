# Races (issue #6): many requests on one refresh token, one code, one app at
# the same moment. Every grant is one BEGIN IMMEDIATE transaction that reads
# the state again under the write lock, so exactly one wins, the reuse rules
# apply to the rest, and no second token family ever comes alive.
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_admin; need_user1; need_cli_app
db=$STATE/access.db
R=$STATE/races
# Fresh tokens: under SANITIZE=1 the suite can outlive the first ones (600 s).
token cli "$CLI_SECRET" "$ADMIN" "$ADMIN_PW"
ADMIN_AT=$(jq -r .access_token <<<"$BODY")
token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
USER1_AT=$(jq -r .access_token <<<"$BODY")
mkdir -p "$R"

# fire NAME CURL-ARGS...: one request; NAME.code gets the status, NAME.body the body.
fire() {
  local name=$1
  shift
  curl -s -o "$name.body" -w '%{http_code}\n' "$@" >"$name.code"
}
# parallel N DIR CURL-ARGS...: N identical requests at once; DIR/i.code holds
# the status and DIR/i.body the body of request i.
parallel() {
  local n=$1 dir=$2 i
  shift 2
  rm -rf "$dir"
  mkdir -p "$dir"
  for i in $(seq "$n"); do
    fire "$dir/$i" "$@" &
  done
  wait
}
codes() { cat "$1"/*.code | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}'; }
count_code() { grep -lx "$2" "$1"/*.code 2>/dev/null | wc -l; }
refresh_args() { echo -u "cli:$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$1" "$BASE/api/oauth/token"; }
sha_hex() { printf %s "$1" | sha256sum | awk '{print toupper($1)}'; }
family_of() { db "SELECT family_id FROM refresh_tokens WHERE $(db_hex hash) = '$(sha_hex "$1")'"; }
families() { db "SELECT count(*) FROM token_families"; }
# restart_with_grace SECONDS: the shared server again, same STATE and PORT.
restart_with_grace() {
  nginx/dev-server.sh stop "$STATE" >/dev/null 2>&1
  GRACE=$1 WORKERS=2 nginx/dev-server.sh start "$STATE" >/dev/null
}

# --- 32 parallel refreshes of one token, no grace: one success; the other 31
# are reuse, which revokes the family (RFC 9700 4.14.2).
token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
RT=$(jq -r .refresh_token <<<"$BODY")
fam=$(family_of "$RT")
families_before=$(families)
parallel 32 "$R/refresh" $(refresh_args "$RT")
check "32 parallel refreshes: exactly one 200 ($(codes "$R/refresh"))" test "$(count_code "$R/refresh" 200)" = 1
check "... and 31 invalid_grant, no 5xx" \
  test "$(grep -l invalid_grant "$R"/refresh/*.body | wc -l):$(count_code "$R/refresh" 400)" = "31:31"
winner=$(grep -lx 200 "$R"/refresh/*.code | sed 's/code$/body/')
W_RT=$(jq -r .refresh_token "$winner")
W_AT=$(jq -r .access_token "$winner")
check "no new token family was made (refresh rotates inside its family)" test "$(families)" = "$families_before"
check "the successor belongs to the same family" test "$(family_of "$W_RT")" = "$fam"
check "the reuse revoked the family" \
  test "$(db "SELECT CAST(revoked_at IS NOT NULL AS INTEGER) FROM token_families WHERE id = '$fam'")" = 1
req POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$W_RT"
expect "... so the winner's successor is dead too: no live family is left" 400 .error invalid_grant
req GET /api/v1/users/me -H "$(bearer "$W_AT")"
expect "... and so is the winner's access token" 401 .error invalid_token
check "the family holds exactly the token and its one successor" \
  test "$(db "SELECT count(*) FROM refresh_tokens WHERE family_id = '$fam'")" = 2

# --- The same with tokens.refresh_reuse_grace_seconds: every repeat inside the
# window gets the very same successor, so the family does not fork.
restart_with_grace 30
check "the server restarted with a 30 s reuse grace" \
  grep -q 'refresh_reuse_grace_seconds: 30' "$CONFIG"
token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
RT=$(jq -r .refresh_token <<<"$BODY")
fam=$(family_of "$RT")
families_before=$(families)
parallel 32 "$R/grace" $(refresh_args "$RT")
check "grace: 32 parallel refreshes all succeed ($(codes "$R/grace"))" test "$(count_code "$R/grace" 200)" = 32
check "grace: all 32 carry one and the same successor" \
  test "$(cat "$R"/grace/*.body | jq -r .refresh_token | sort -u | wc -l)" = 1
check "grace: 32 distinct access tokens were issued" \
  test "$(cat "$R"/grace/*.body | jq -r .jti | sort -u | wc -l)" = 32
check "grace: no new family, the family holds the token and one successor" \
  test "$(families):$(db "SELECT count(*) FROM refresh_tokens WHERE family_id = '$fam'")" = "$families_before:2"
G_RT=$(cat "$R"/grace/1.body | jq -r .refresh_token)
req POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$G_RT"
expect "grace: the family is alive, its successor rotates" 200
# A second storm on the newest token of the same family.
G_RT2=$(jq -r .refresh_token <<<"$BODY")
parallel 8 "$R/grace2" $(refresh_args "$G_RT2")
check "grace: a second storm on the new token, again one successor" \
  test "$(count_code "$R/grace2" 200):$(cat "$R"/grace2/*.body | jq -r .refresh_token | sort -u | wc -l)" = "8:1"
restart_with_grace 0
check "the server is back without grace" grep -q 'refresh_reuse_grace_seconds: 0' "$CONFIG"

# --- Two parallel exchanges of one authorization code: one success, and the
# reuse revokes what it issued (RFC 6749 4.1.2), whichever request came first.
RACE_CB=https://race.example.com/cb
RACE_SECRET=$(jq -r .clientSecret <<<"$($CTL client add --client-id raceweb --name "Race" \
  --grant authorization_code --grant refresh_token --redirect-uri "$RACE_CB" --auto-approve \
  --access-seconds 300 --refresh-seconds 3600)")
JAR=$R/cookies.txt
AUTHQ="response_type=code&client_id=raceweb&redirect_uri=$(jq -rn --arg v "$RACE_CB" '$v|@uri')&scope=read"
loc() { sed -n 's/^[Ll]ocation: *//p' <<<"$HDRS" | tr -d '\r'; }
req GET "/api/oauth/authorize?$AUTHQ" -c "$JAR" -b "$JAR"
rid=$(loc | sed -n 's/.*rid=\([^&]*\).*/\1/p')
req GET "/api/oauth/authorize/requests/$rid" -b "$JAR"  # the sign-in form's CSRF token
req POST /api/oauth/signin -c "$JAR" -b "$JAR" -H "Origin: $BASE" --data-urlencode "rid=$rid" \
  --data-urlencode "csrf_token=$(jq -r .csrfToken <<<"$BODY")" \
  --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
new_code() {  # signed in + autoApprove: authorize answers with a code at once
  req GET "/api/oauth/authorize?$AUTHQ" -b "$JAR"
  loc | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p'
}
code=$(new_code)
check "a signed-in browser gets codes for the auto-approved app" test ${#code} = 43
won=0 lost=0 revoked=0 other=""
for round in 1 2 3 4 5 6; do
  code=$(new_code)
  parallel 2 "$R/code$round" -u "raceweb:$RACE_SECRET" -d grant_type=authorization_code \
    --data-urlencode "code=$code" --data-urlencode "redirect_uri=$RACE_CB" "$BASE/api/oauth/token"
  if [[ $(count_code "$R/code$round" 200) == 1 && $(count_code "$R/code$round" 400) == 1 ]] &&
    grep -q invalid_grant "$R/code$round"/*.body; then
    won=$((won + 1))
    w=$(grep -lx 200 "$R/code$round"/*.code | sed 's/code$/body/')
    req GET /api/v1/users/me -H "$(bearer "$(jq -r .access_token "$w")")"
    at_status=$STATUS
    req POST /api/oauth/token -u "raceweb:$RACE_SECRET" -d grant_type=refresh_token \
      --data-urlencode "refresh_token=$(jq -r .refresh_token "$w")"
    [[ $at_status == 401 && $STATUS == 400 ]] && revoked=$((revoked + 1))
  else
    other+="round $round: $(codes "$R/code$round") "
  fi
done
check "6 rounds of 2 parallel exchanges: each exactly one 200 and one invalid_grant ${other}" test "$won" = 6
check "... and each time the reuse revoked the winner's access and refresh token" test "$revoked" = 6
check "no live family is left from the raced codes" \
  test "$(db "SELECT count(*) FROM token_families f JOIN clients c ON c.id = f.app_id
                         WHERE c.client_id = 'raceweb' AND f.revoked_at IS NULL")" = 0

# --- Parallel DELETE and PUTs of one app: the DELETE wins whenever it lands;
# every PUT is 200 (before it) or 404 (after it), never 409 or 5xx, and nothing
# of the app survives: no row, no family, no live access token.
ADMIN_H="Authorization: Bearer $ADMIN_AT"
consistent=0 detail=""
for round in 1 2 3 4 5; do
  json_post /api/v1/clientapps "$ADMIN_AT" "{\"appName\":\"Race $round\",\"clientId\":\"racedel$round\",
    \"authorizedGrantTypes\":[\"password\",\"refresh_token\"],\"accessTokenValiditySeconds\":300,\"refreshTokenValiditySeconds\":3600}"
  app_id=$(jq -r .id <<<"$BODY")
  secret=$(jq -r .clientSecret <<<"$BODY")
  token "racedel$round" "$secret" "$USER1" "$USER1_PW"
  app_at=$(jq -r .access_token <<<"$BODY")
  dir=$R/del$round
  rm -rf "$dir" && mkdir -p "$dir"
  for i in 1 2 3; do
    fire "$dir/put$i" -X PUT -H "$ADMIN_H" -H 'Content-Type: application/json' \
      --data-binary "{\"appName\":\"Renamed $i\"}" "$BASE/api/v1/clientapps/$app_id" &
  done
  fire "$dir/secret" -X PUT -H "$ADMIN_H" -H 'Content-Type: application/json' \
    --data-binary '{"clientSecret":"a-new-secret-0123456789"}' "$BASE/api/v1/clientapps/$app_id" &
  fire "$dir/enable" -X PUT -H "$ADMIN_H" "$BASE/api/v1/clientapps/$app_id/enable" &
  fire "$dir/del" -X DELETE -H "$ADMIN_H" "$BASE/api/v1/clientapps/$app_id" &
  wait
  req GET "/api/v1/clientapps/$app_id" -H "$ADMIN_H"
  get_status=$STATUS
  req GET /api/v1/users/me -H "$(bearer "$app_at")"
  puts_ok=$(cat "$dir"/put*.code "$dir/secret.code" "$dir/enable.code" | grep -vcx '200\|404')
  left=$(db "SELECT (SELECT count(*) FROM clients WHERE id = '$app_id')
                             + (SELECT count(*) FROM token_families WHERE app_id = '$app_id')")
  if [[ $(cat "$dir/del.code") == 200 && $get_status == 404 && $STATUS == 401 && $puts_ok == 0 && $left == 0 ]]; then
    consistent=$((consistent + 1))
  else
    detail+="round $round: delete $(cat "$dir/del.code"), get $get_status, token $STATUS, puts $(cat "$dir"/put*.code "$dir/secret.code" "$dir/enable.code" | tr '\n' ' ')left $left; "
  fi
done
check "5 rounds of DELETE racing 5 PUTs on one app: always consistent $detail" test "$consistent" = 5
# --- A PUT that changes the secret (slow: argon2 before the lock) racing a
# disable: the PUT applies its change to the app as it is under the lock, so
# the disable is never written back over (a lost update would re-enable it).
kept=0 detail=""
for round in 1 2 3 4 5; do
  json_post /api/v1/clientapps "$ADMIN_AT" "{\"appName\":\"Toggle $round\",\"clientId\":\"racetoggle$round\",
    \"authorizedGrantTypes\":[\"password\"],\"accessTokenValiditySeconds\":300}"
  app_id=$(jq -r .id <<<"$BODY")
  dir=$R/toggle$round
  rm -rf "$dir" && mkdir -p "$dir"
  fire "$dir/secret" -X PUT -H "$ADMIN_H" -H 'Content-Type: application/json' \
    --data-binary '{"clientSecret":"a-new-secret-0123456789"}' "$BASE/api/v1/clientapps/$app_id" &
  sleep 0.0$((round * 2))
  fire "$dir/enable" -X PUT -H "$ADMIN_H" "$BASE/api/v1/clientapps/$app_id/enable" &
  wait
  req GET "/api/v1/clientapps/$app_id" -H "$ADMIN_H"
  if [[ $(cat "$dir/secret.code") == 200 && $(cat "$dir/enable.code") == 200 && $(jq -r .enabled <<<"$BODY") == false ]]; then
    kept=$((kept + 1))
  else
    detail+="round $round: put $(cat "$dir/secret.code"), toggle $(cat "$dir/enable.code"), enabled $(jq -r .enabled <<<"$BODY"); "
  fi
done
check "5 rounds of a secret PUT racing a disable: the app stays disabled $detail" test "$kept" = 5
check "no orphan token families or refresh tokens" \
  test "$(db "SELECT (SELECT count(*) FROM token_families WHERE app_id NOT IN (SELECT id FROM clients))
                              + (SELECT count(*) FROM refresh_tokens WHERE family_id NOT IN (SELECT id FROM token_families))")" = 0
on_sqlite && check "integrity_check is ok after the races" test "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok
rm -rf "$R"
