# Backup and restore (issue #15, item 2), on a server of their own: a backup
# taken under load, restored into a new state directory served on the same
# address (same issuer); every token valid at the backup is still valid,
# what was revoked before it is still revoked, and what came after it is not
# there. A second factor set up before the backup still works (hmac.key).
# SQLite's (a PostgreSQL deployment backs up and upgrades with pg_dump and
# accessctl migrate --no-backup): skipped under make test PG=1.
if ! on_sqlite; then
  skip "backup and restore (t_45_backup)" "SQLite backups and upgrades; the suite runs on PostgreSQL"
else
bk_port=$(free_port)
bk_a=$(mktemp -d /tmp/access-bk-a.XXXXXX)
bk_b=$(mktemp -d /tmp/access-bk-b.XXXXXX)
bk_dir=$(mktemp -d /tmp/access-bk-backup.XXXXXX)
rmdir "$bk_dir"  # accessctl backup creates it
bk_base=http://127.0.0.1:$bk_port
bk_ctl="$ROOT/$BUILD/accessctl --config $bk_a/access-service.yaml"
bk_start() { PORT=$bk_port WORKERS=2 "$ROOT/nginx/dev-server.sh" start "$1" >/dev/null 2>&1; }
bk_stop() { "$ROOT/nginx/dev-server.sh" stop "$1" >/dev/null 2>&1; }
# bk_token [curl args]: a password grant on this server; sets STATUS, BODY.
bk_post() { BODY=$(curl -s -w '\n%{http_code}' "$@"); STATUS=${BODY##*$'\n'}; BODY=${BODY%$'\n'*}; }
bk_grant() { bk_post -u "bk:$BK_SECRET" "$bk_base/api/oauth/token" "$@"; }

if ! bk_start "$bk_a"; then
  fail "the backup test's server starts" "$(tail -5 "$bk_a/service.log" 2>/dev/null)"
else
  BK_SECRET=$(jq -r .clientSecret <<<"$($bk_ctl client add --client-id bk --name Backup \
    --grant password --grant refresh_token --grant mfa --access-seconds 3600 --refresh-seconds 86400)")
  BK_PW='backup-user-password-1'
  echo "$BK_PW" | $bk_ctl user add bk@example.com --role ROLE_ORIGINATOR --password-stdin >/dev/null
  echo "$BK_PW" | $bk_ctl user add bk-mfa@example.com --role ROLE_ORIGINATOR --password-stdin >/dev/null
  BK_TOTP=$($bk_ctl user mfa bk-mfa@example.com --enable | grep '^otpauth://' | sed 's/.*secret=\([A-Z2-7]*\).*/\1/')

  # The tokens that must survive: 20 grants, none used again.
  : >"$bk_a/valid"
  for i in $(seq 20); do
    bk_grant -d grant_type=password -d username=bk@example.com --data-urlencode "password=$BK_PW"
    jq -r '.access_token + " " + .refresh_token' <<<"$BODY" >>"$bk_a/valid"
  done
  # And two that must stay dead: a revoked access token, a revoked family.
  bk_grant -d grant_type=password -d username=bk@example.com --data-urlencode "password=$BK_PW"
  DEAD_AT=$(jq -r .access_token <<<"$BODY")
  bk_post -u "bk:$BK_SECRET" "$bk_base/api/oauth/revoke" --data-urlencode "token=$DEAD_AT"
  bk_grant -d grant_type=password -d username=bk@example.com --data-urlencode "password=$BK_PW"
  DEAD_RT=$(jq -r .refresh_token <<<"$BODY")
  bk_post -u "bk:$BK_SECRET" "$bk_base/api/oauth/revoke" --data-urlencode "token=$DEAD_RT"

  # Load while the backup runs: two refresh chains and password grants.
  load() {
    local rt=$1 code n=0 bad=0
    while [[ ! -e $bk_a/stop ]]; do
      code=$(curl -s -o "$bk_a/load.$2" -w '%{http_code}' -u "bk:$BK_SECRET" -d grant_type=refresh_token \
        --data-urlencode "refresh_token=$rt" "$bk_base/api/oauth/token")
      n=$((n + 1))
      if [[ $code == 200 ]]; then rt=$(jq -r .refresh_token "$bk_a/load.$2"); else bad=$((bad + 1)); fi
    done
    echo "$n $bad" >"$bk_a/load.$2.result"
  }
  for chain in 1 2; do
    bk_grant -d grant_type=password -d username=bk@example.com --data-urlencode "password=$BK_PW"
    load "$(jq -r .refresh_token <<<"$BODY")" "$chain" &
  done
  sleep 1
  out=$($bk_ctl backup "$bk_dir" 2>&1)
  check "accessctl backup under load ($out)" grep -q "^backup $bk_dir: database at schema version" <<<"$out"
  sleep 0.5
  touch "$bk_a/stop"
  wait
  read -r n1 bad1 <"$bk_a/load.1.result"
  read -r n2 bad2 <"$bk_a/load.2.result"
  check "the load went on during the backup ($((n1 + n2)) refreshes, $((bad1 + bad2)) failed)" \
    test $((bad1 + bad2)) = 0 -a $((n1 + n2)) -ge 10

  check "the backup directory is 0700, keys/ too" \
    test "$(stat -c %a "$bk_dir") $(stat -c %a "$bk_dir/keys")" = "700 700"
  check "every file of the backup is 0600" \
    test -z "$(find "$bk_dir" -type f ! -perm 0600)" -a "$(find "$bk_dir" -type f | wc -l)" -ge 5
  check "the backup holds the database, hmac.key and the keys" \
    test -s "$bk_dir/access.db" -a -s "$bk_dir/keys/hmac.key" -a -n "$(ls "$bk_dir"/keys/key-*.pem)"
  check "sha256sum -c SHA256SUMS passes" bash -c "cd '$bk_dir' && sha256sum --quiet --strict -c SHA256SUMS"
  check "the copy of the database is intact" test "$(sqlite3 "file:$bk_dir/access.db?immutable=1" 'PRAGMA integrity_check')" = ok
  out=$($bk_ctl backup "$bk_dir" 2>&1)
  check "a second backup into the same directory is refused ($out)" grep -q 'exists and is not an empty directory' <<<"$out"

  # After the backup: a user that the restored state must not know.
  echo "$BK_PW" | $bk_ctl user add late@example.com --role ROLE_ORIGINATOR --password-stdin >/dev/null
  sed "s|$bk_a|$bk_b|g" "$bk_a/access-service.yaml" >"$bk_b/access-service.yaml"
  out=$("$ROOT/$BUILD/accessctl" --config "$bk_a/access-service.yaml" restore "$bk_dir" --replace 2>&1)
  check "restore refuses while the service runs ($out)" grep -q 'stop it first; nothing changed' <<<"$out"
  bk_stop "$bk_a"
  out=$("$ROOT/$BUILD/accessctl" --config "$bk_b/access-service.yaml" restore "$bk_dir" 2>&1)
  check "accessctl restore into a new state directory ($out)" grep -q "^restored $bk_dir into $bk_b/access.db" <<<"$out"
  check "the restored files are 0600, keys/ 0700" \
    test -z "$(find "$bk_b/access.db" "$bk_b/keys" -type f ! -perm 0600)" -a "$(stat -c %a "$bk_b/keys")" = 700

  if bk_start "$bk_b"; then
    ok_at=0 ok_rt=0 total=0
    while read -r at rt; do
      total=$((total + 1))
      [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $at" "$bk_base/api/v1/users/me") == 200 ]] &&
        ok_at=$((ok_at + 1))
      bk_grant -d grant_type=refresh_token --data-urlencode "refresh_token=$rt"
      [[ $STATUS == 200 ]] && ok_rt=$((ok_rt + 1))
    done <"$bk_a/valid"
    check "every access token valid at the backup is accepted ($ok_at of $total)" test "$ok_at" = "$total" -a "$total" = 20
    check "every refresh token valid at the backup rotates ($ok_rt of $total)" test "$ok_rt" = "$total"
    at=$(head -1 "$bk_a/valid" | cut -d' ' -f1)
    bk_post -u "bk:$BK_SECRET" "$bk_base/api/oauth/introspect" --data-urlencode "token=$at"
    check "... and introspects active" test "$(jq -r .active <<<"$BODY")" = true
    check "the access token revoked before the backup is still refused" \
      test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $DEAD_AT" "$bk_base/api/v1/users/me")" = 401
    bk_grant -d grant_type=refresh_token --data-urlencode "refresh_token=$DEAD_RT"
    check "the family revoked before the backup is still revoked ($STATUS)" test "$STATUS" = 400
    bk_grant -d grant_type=password -d username=late@example.com --data-urlencode "password=$BK_PW"
    check "a user made after the backup is not there ($STATUS)" test "$STATUS" = 400
    bk_grant -d grant_type=password -d username=bk-mfa@example.com --data-urlencode "password=$BK_PW"
    MFA_AT=$(jq -r .access_token <<<"$BODY")
    bk_grant -d grant_type=mfa --data-urlencode "mfa_token=$MFA_AT" -d "mfa_code=$(oathtool --totp -b "$BK_TOTP")"
    check "a second factor set up before the backup works (hmac.key restored) ($STATUS)" test "$STATUS" = 200
    bk_stop "$bk_b"
  else
    fail "the restored state directory serves" "$(tail -5 "$bk_b/service.log" 2>/dev/null)"
  fi
fi
bk_stop "$bk_a"
rm -rf "$bk_a" "$bk_b" "$bk_dir"
fi  # on_sqlite
