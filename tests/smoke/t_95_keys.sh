# Key rotation under traffic, publish-ahead (PUBLISH_AHEAD=3 s here), JWKS
# overlap, retirement and the purge.
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_user1; need_cli_app
master=$(cat "$STATE/run/service.pid")
kid_of() { /usr/bin/python3 -c 'import jwt,sys; print(jwt.get_unverified_header(sys.argv[1])["kid"])' "$1"; }
jwks_kids() { curl -s "$BASE/.well-known/jwks.json" | jq -r '[.keys[].kid]|sort|join(",")'; }
verify_jwks() {  # verify_jwks TOKEN ALG: PyJWT against the served JWKS
  curl -s "$BASE/.well-known/jwks.json" >"$STATE/jwks.now.json"
  /usr/bin/python3 - "$STATE/jwks.now.json" "$1" "$BASE" "$2" <<'PY'
import json, sys, jwt
keys = json.load(open(sys.argv[1]))["keys"]
token, issuer, alg = sys.argv[2], sys.argv[3], sys.argv[4]
kid = jwt.get_unverified_header(token)["kid"]
jwk = next(k for k in keys if k["kid"] == kid)
key = jwt.PyJWK(jwk).key
jwt.decode(token, key, algorithms=[alg], issuer=issuer, options={"verify_aud": False})
PY
}
wait_for_kid() {  # until fresh tokens carry kid $1 (15 s at most); no reload is sent
  local deadline=$((SECONDS + 15))
  while ((SECONDS < deadline)); do
    token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
    [[ $STATUS == 200 && $(kid_of "$(jq -r .access_token <<<"$BODY")") == "$1" ]] && return 0
    sleep 0.1
  done
  return 1
}

# Keys published before this file (earlier files may have rotated too).
KIDS_BEFORE=$(jwks_kids)
kid_set() { tr ',' '\n' | grep -v '^$' | sort -u | paste -sd,; }  # a,b -> sorted, unique
token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
OLD_AT=$(jq -r .access_token <<<"$BODY")
OLD_KID=$(kid_of "$OLD_AT")
out=$($CTL key rotate)
check "accessctl key rotate creates a key" test $? = 0
NEW_KID=$($CTL key list | awk -F'\t' '$3 ~ /^next \(signs from 20/{print $1}')
check "the new key is listed as next, with the time it signs from" \
  bash -c "[[ -n '$NEW_KID' && '$NEW_KID' != '$OLD_KID' ]]"
check "the old key is still listed as signing" \
  test "$($CTL key list | awk -F'\t' '$3=="signing"{print $1}')" = "$OLD_KID"
check "the new key is in the served JWKS at once" \
  bash -c "curl -s '$BASE/.well-known/jwks.json' | jq -e --arg k '$NEW_KID' '[.keys[].kid] | index(\$k)' >/dev/null"
check "key rotate says when it signs" grep -q 'it signs from 20.* (in [0-9]* s, keys.publish_ahead_seconds)' <<<"$out"
token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
check "until its time the old key still signs" test "$(kid_of "$(jq -r .access_token <<<"$BODY")")" = "$OLD_KID"

# Rotate under traffic: bearer requests and token grants flow during the reload.
( fails=0
  for i in $(seq 150); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OLD_AT" "$BASE/api/v1/users/me")
    [[ $code == 200 ]] || fails=$((fails + 1))
  done
  echo "$fails" >"$STATE/traffic.fails" ) &
traffic=$!
check "once its time has come the master switches the workers to it (no reload sent)" wait_for_kid "$NEW_KID"
check "the switch is logged" grep -q "a new signing key's time has come" "$STATE/service.log"
wait "$traffic"
check "no request failed while the keys rotated (150 bearer calls)" test "$(cat "$STATE/traffic.fails")" = 0
NEW_AT=$(jq -r .access_token <<<"$BODY")
check "JWKS publishes both keys during the overlap" test "$(jwks_kids)" = "$(echo "$KIDS_BEFORE,$OLD_KID,$NEW_KID" | kid_set)"
check "a token of the old key still verifies with JWKS (PyJWT)" verify_jwks "$OLD_AT" RS256
check "a token of the new key verifies with JWKS (PyJWT)" verify_jwks "$NEW_AT" RS256
req GET /api/v1/users/me -H "$(bearer "$OLD_AT")"
expect "the old key's token is still accepted" 200
req GET /api/v1/users/me -H "$(bearer "$NEW_AT")"
expect "the new key's token is accepted" 200
check "key list shows the old key verifying until a date" \
  bash -c "$CTL key list | grep '^$OLD_KID' | grep -q 'verifying until 20'"

$CTL key retire "$NEW_KID" >/dev/null 2>&1
check "the signing key cannot be retired" test $? != 0
$CTL key retire no-such-kid >/dev/null 2>&1
check "retiring an unknown kid fails" test $? != 0
$CTL purge >/dev/null
check "a purge keeps a key inside its overlap" bash -c "$CTL key list | grep -q '^$OLD_KID'"

# Pretend the overlap is over: the purge removes the key, a reload unpublishes it.
old_file=$($CTL key list | awk -F'\t' -v k="$OLD_KID" '$1==k{print $4}')
age_key_marker "$old_file" $(( $(date +%s) - 90000 ))
check "key list shows it expired" bash -c "$CTL key list | grep '^$OLD_KID' | grep -q expired"
out=$($CTL purge)
check "accessctl purge removes the expired key" bash -c "[[ '$out' == *' 1 expired keys'* && ! -e '$old_file' ]]"
kill -HUP "$master"
KIDS_AFTER=$(echo "$KIDS_BEFORE,$NEW_KID" | tr ',' '\n' | grep -vx "$OLD_KID" | paste -sd, | kid_set)
for _ in $(seq 50); do [[ $(jwks_kids) == "$KIDS_AFTER" ]] && break; sleep 0.1; done
check "JWKS no longer publishes it" test "$(jwks_kids)" = "$KIDS_AFTER"
for _ in $(seq 50); do
  req GET /api/v1/users/me -H "$(bearer "$OLD_AT")"; [[ $STATUS == 401 ]] && break; sleep 0.1
done
expect "a token with an unknown kid is refused" 401 .error invalid_token
# The key's life in the audit trail (audit.h): made by accessctl, activated by
# the master's reload, removed by the purge.
key_events() { db "SELECT type || ' ' || actor FROM audit_events WHERE $(db_json details kid) = '$1' ORDER BY created_at"; }
check "audit: the new key was rotated by accessctl, then activated by the master" \
  test "$(key_events "$NEW_KID" | tr '\n' ',')" = "key.rotated accessctl,key.activated access-service,"
check "audit: key.activated names the key it replaced" \
  test "$(db "SELECT $(db_json details replaces 0) FROM audit_events WHERE type = 'key.activated' AND $(db_json details kid) = '$NEW_KID'")" = "$OLD_KID"
check "audit: the purge recorded key.retired (expired) for the old key" \
  test "$(db "SELECT $(db_json details reason) || ' ' || actor FROM audit_events WHERE type = 'key.retired' AND $(db_json details kid) = '$OLD_KID'")" = "expired accessctl"
check "the master logged key.activated" grep -q "\"type\":\"key.activated\".*$NEW_KID" "$STATE/service.log"

# Expired rows go: age some rows, purge, count.
# Two access tokens revoked here (RFC 7009), so that there are revoked jtis
# to age whichever files ran before this one.
for _ in 1 2; do
  token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
  req POST /api/oauth/revoke -u "cli:$CLI_SECRET" --data-urlencode "token=$(jq -r .access_token <<<"$BODY")" \
    -d token_type_hint=access_token
done
db=$STATE/access.db
before=$(db "SELECT count(*) FROM revoked_jtis")
db "UPDATE revoked_jtis SET expires_at = 1 WHERE jti IN (SELECT jti FROM revoked_jtis LIMIT 2)" >/dev/null
db "UPDATE sessions SET expires_at = 1" >/dev/null
db "UPDATE auth_requests SET expires_at = 1" >/dev/null
out=$($CTL purge)
check "accessctl purge removes expired rows ($before revoked jtis, 2 aged)" \
  test "$before" -ge 2 -a "$(db "SELECT count(*) FROM revoked_jtis")" = $((before - 2))
check "... and expired sessions and saved requests" \
  test "$(db "SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM auth_requests)")" = 0
on_sqlite && check "the database is intact after the purge" test "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok

# Each signing algorithm of the table round-trips through JWKS with an
# independent verifier (PyJWT): a server configured with keys.algorithm X
# issues tokens whose header says X and that verify against the served JWKS.
# RS256 last: the suite goes on with an RSA signing key. Each token is kept
# in AT_<alg>, a plain variable: run.sh searches every log for what the
# variables with an AT (TOKEN, SECRET, ...) part in their name hold.
for alg in PS256 ES384 ES256 EdDSA RS256; do
  sed -i "s/^  algorithm: .*/  algorithm: $alg/" "$CONFIG"
  $CTL key rotate >/dev/null
  kid=$($CTL key list | awk -F'\t' '$3 ~ /^next/{print $1}')
  check "$alg: accessctl key list names the new key's algorithm" \
    bash -c "$CTL key list | awk -F'\t' -v k='$kid' '\$1==k{print \$2}' | grep -qx '$alg'"
  check "$alg: the new key signs once its time has come" wait_for_kid "$kid"
  at=$(jq -r .access_token <<<"$BODY")
  printf -v "AT_$alg" '%s' "$at"
  check "$alg: the token header says alg $alg" \
    test "$(/usr/bin/python3 -c 'import jwt,sys; print(jwt.get_unverified_header(sys.argv[1])["alg"])' "$at")" = "$alg"
  check "$alg: the token verifies with PyJWT and the JWKS" verify_jwks "$at" "$alg"
  req GET /api/v1/users/me -H "$(bearer "$at")"
  expect "$alg: the token is accepted by a bearer endpoint" 200
done
jwks_has() { curl -s "$BASE/.well-known/jwks.json" | jq -e "$1" >/dev/null; }
sig_bytes() { /usr/bin/python3 -c 'import base64,sys; s=sys.argv[1].split(".")[2]; print(len(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))))' "$1"; }
check "JWKS publishes the PS256 key as kty RSA with n and e" \
  jwks_has '.keys[] | select(.alg=="PS256") | .kty=="RSA" and (.n|length)==342 and .e=="AQAB"'
check "JWKS publishes the EC keys as kty EC, crv P-256 and P-384, full-length x and y" \
  jwks_has '([.keys[] | select(.alg=="ES256") | .kty=="EC" and .crv=="P-256" and (.x|length)==43 and (.y|length)==43] | all) and
            ([.keys[] | select(.alg=="ES384") | .kty=="EC" and .crv=="P-384" and (.x|length)==64 and (.y|length)==64] | length > 0 and all)'
check "JWKS publishes the Ed25519 key as kty OKP" \
  jwks_has '.keys[] | select(.alg=="EdDSA") | .kty=="OKP" and .crv=="Ed25519"'
check "ES384 signatures are R||S, 96 bytes (not DER); ES256 and EdDSA 64; PS256 and RS256 256" \
  test "$(sig_bytes "$AT_ES384") $(sig_bytes "$AT_ES256") $(sig_bytes "$AT_EdDSA") $(sig_bytes "$AT_PS256") $(sig_bytes "$AT_RS256")" = "96 64 64 256 256"
# Algorithm confusion from outside: the ES384 key's kid under a PS256 or
# RS256 header, with a genuine PS256 signature, is refused.
es384_kid=$(/usr/bin/python3 -c 'import jwt,sys; print(jwt.get_unverified_header(sys.argv[1])["kid"])' "$AT_ES384")
for claimed in PS256 RS256; do
  IFS=. read -r _ ps_payload ps_sig <<<"$AT_PS256"
  forged="$(printf '{"alg":"%s","typ":"JWT","kid":"%s"}' "$claimed" "$es384_kid" | base64 -w0 | tr '+/' '-_' | tr -d '=').$ps_payload.$ps_sig"
  req GET /api/v1/users/me -H "$(bearer "$forged")"
  expect "a $claimed header with the ES384 key's kid is refused" 401 .error invalid_token
done
sed -i "s/^  algorithm: .*/  algorithm: RS256/" "$CONFIG"
