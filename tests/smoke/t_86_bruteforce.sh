# Brute force and containment (issue #10, API.md sections 2, 3, 5): the
# lockout per (account, address) with an atomic count, wrong codes counted,
# one winner per restrictive token, the client-secret throttle, both readings
# of HTTP Basic, a disabled app's tokens, RFC 6750 3.1, crit headers and aud.
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_admin; need_cli_app
B=$STATE/bruteforce
mkdir -p "$B"
BF_PW='bruteforce-password-1'
bf_user() { echo "$BF_PW" | $CTL user add "$1" --role ROLE_ORIGINATOR --password-stdin | jq -r .id; }
token cli "$CLI_SECRET" "$ADMIN" "$ADMIN_PW"
ADMIN_AT=$(jq -r .access_token <<<"$BODY")
# parallel_tokens DIR N USER PASSWORD: N password grants at once; DIR/i.code.
parallel_tokens() {
  local dir=$1 n=$2 user=$3 pw=$4 i
  rm -rf "$dir" && mkdir -p "$dir"
  for i in $(seq "$n"); do
    curl -s -o "$dir/$i.body" -w '%{http_code}\n' -u "cli:$CLI_SECRET" -d grant_type=password \
      --data-urlencode "username=$user" --data-urlencode "password=$pw" \
      "$BASE/api/oauth/token" >"$dir/$i.code" &
  done
  wait
}
count_code() { grep -lx "$2" "$1"/*.code 2>/dev/null | wc -l; }

# --- The count is atomic: 12 wrong passwords at once get at most 5 answers
# past the check (the rest are 429 without a password check).
bf_user bf-race@example.com >/dev/null
parallel_tokens "$B/race" 12 bf-race@example.com wrong-password
checked=$(count_code "$B/race" 400)
check "12 concurrent wrong passwords: exactly 5 checked ($checked x 400, $(count_code "$B/race" 429) x 429)" \
  test "$checked:$(count_code "$B/race" 429)" = "5:7"
token cli "$CLI_SECRET" bf-race@example.com "$BF_PW"
expect "then the right password from that address -> 429" 429 .error too_many_requests

# --- Per address: the owner elsewhere still signs in (REMOTE_ADDR 127.0.0.2).
req POST /api/oauth/token --interface 127.0.0.2 -u "cli:$CLI_SECRET" -d grant_type=password \
  -d username=bf-race@example.com --data-urlencode "password=$BF_PW"
expect "the same account from another address -> 200 (the lock is per address)" 200 .token_type bearer
out=$($CTL user unlock BF-RACE@example.com)
check "accessctl user unlock clears the lockout ($out)" test $? = 0
token cli "$CLI_SECRET" bf-race@example.com "$BF_PW"
expect "after accessctl user unlock the first address signs in" 200 .token_type bearer
out=$($CTL user unlock 2>&1)
check "accessctl user unlock without EMAIL fails" test $? != 0

# --- The second factor: the right password does not reset the count, and the
# (max_failures+1)-th code is 429 even when right.
MFA_SECRET_APP=$(jq -r .clientSecret <<<"$($CTL client add --client-id bfmfa --name "BF MFA" \
  --grant password --grant mfa --access-seconds 300)")
bf_user bf-mfa@example.com >/dev/null
BF_TOTP=$($CTL user mfa bf-mfa@example.com --enable | grep '^otpauth://' | sed 's/.*secret=\([A-Z2-7]*\).*/\1/')
bf_restrictive() {
  req POST /api/oauth/token -u "bfmfa:$MFA_SECRET_APP" -d grant_type=password \
    -d username=bf-mfa@example.com --data-urlencode "password=$BF_PW"
  jq -r .access_token <<<"$BODY"
}
bf_code() { req POST /api/oauth/token -u "bfmfa:$MFA_SECRET_APP" -d grant_type=mfa --data-urlencode "mfa_token=$1" -d "mfa_code=$2"; }
bf_wrong() {
  local valid c
  valid="$(oathtool --totp -b "$BF_TOTP" -N '-30 seconds') $(oathtool --totp -b "$BF_TOTP") $(oathtool --totp -b "$BF_TOTP" -N '+30 seconds')"
  for c in 111111 222222 333333 444444; do [[ $valid != *$c* ]] && { echo $c; return; }; done
}
T=$(bf_restrictive)
for i in 1 2 3; do bf_code "$T" "$(bf_wrong)"; done
T=$(bf_restrictive)
check "a new restrictive token is still issued (the password is right)" test "${#T}" -gt 100
for i in 1 2; do bf_code "$T" "$(bf_wrong)"; done
expect "5 wrong codes across two password grants: the 5th is invalid_grant" 400 .error invalid_grant
bf_code "$T" "$(oathtool --totp -b "$BF_TOTP")"
expect "the 6th code, a right one -> 429 (the right password reset nothing)" 429 .error too_many_requests
$CTL user unlock bf-mfa@example.com >/dev/null

# --- One restrictive token, two valid codes at once (the previous step's and
# the current one): exactly one success. Each step is usable once per user,
# so each round has a user of its own.
wins=0
for round in 1 2 3; do
  bf_user "bf-mfa-race$round@example.com" >/dev/null
  R_TOTP=$($CTL user mfa "bf-mfa-race$round@example.com" --enable | grep '^otpauth://' | sed 's/.*secret=\([A-Z2-7]*\).*/\1/')
  req POST /api/oauth/token -u "bfmfa:$MFA_SECRET_APP" -d grant_type=password \
    -d "username=bf-mfa-race$round@example.com" --data-urlencode "password=$BF_PW"
  T=$(jq -r .access_token <<<"$BODY")
  rm -rf "$B/mfa" && mkdir -p "$B/mfa"
  for offset in '-30 seconds' 'now'; do
    code=$(oathtool --totp -b "$R_TOTP" -N "$offset")
    curl -s -o /dev/null -w '%{http_code}\n' -u "bfmfa:$MFA_SECRET_APP" -d grant_type=mfa \
      --data-urlencode "mfa_token=$T" -d "mfa_code=$code" "$BASE/api/oauth/token" >"$B/mfa/${offset// /_}.code" &
  done
  wait
  [[ $(count_code "$B/mfa" 200) == 1 ]] && wins=$((wins + 1))
done
check "two concurrent mfa exchanges of one token: one 200 in each of 3 rounds ($wins)" test "$wins" = 3

# --- Wrong client secrets: after lockout.client_max_failures (10) in the
# window, the client id answers 401 without a hash, even to the right secret.
THR_SECRET=$(jq -r .clientSecret <<<"$($CTL client add --client-id bfthrottle --name T --grant password --access-seconds 300)")
for i in $(seq 10); do
  req POST /api/oauth/token -u "bfthrottle:wrong-secret-$i-0123456789" -d grant_type=password \
    -d username=bf-race@example.com --data-urlencode "password=$BF_PW"
done
expect "a wrong client secret -> 401 invalid_client" 401 .error invalid_client
req POST /api/oauth/token -u "bfthrottle:$THR_SECRET" -d grant_type=password \
  -d username=bf-race@example.com --data-urlencode "password=$BF_PW"
expect "after 10 wrong secrets even the right one -> 401 until the window passes" 401 .error invalid_client
check "the throttled id stopped counting (no hash, no write): 10 failures recorded" \
  test "$(db "SELECT auth_failures FROM clients WHERE client_id='bfthrottle'")" = 10
for ep in introspect revoke; do
  req POST /api/oauth/$ep -u "bfthrottle:$THR_SECRET" -d token=x
  expect "... the same on /api/oauth/$ep" 401 .error invalid_client
done
token cli "$CLI_SECRET" bf-race@example.com "$BF_PW"
expect "other apps are not affected" 200

# --- HTTP Basic: seed 003's raw value and RFC 6749 2.3.1's encoded one.
json_post /api/v1/clientapps "$ADMIN_AT" '{"appName":"Plus","clientId":"bfplus","clientSecret":"Secret+With+Plus1",
  "authorizedGrantTypes":["password"],"accessTokenValiditySeconds":300}'
expect "a secret with '+' is accepted at registration" 200 .clientId bfplus
req POST /api/oauth/token -H "Authorization: Basic $(printf %s 'bfplus:Secret+With+Plus1' | base64 -w0)" \
  -d grant_type=password -d username=bf-race@example.com --data-urlencode "password=$BF_PW"
expect "Basic with the raw secret (seed 003) -> 200" 200 .token_type bearer
req POST /api/oauth/token -H "Authorization: Basic $(printf %s 'bfplus:Secret%2BWith%2BPlus1' | base64 -w0)" \
  -d grant_type=password -d username=bf-race@example.com --data-urlencode "password=$BF_PW"
expect "Basic with the form-encoded secret (RFC 6749 2.3.1) -> 200" 200 .token_type bearer
req POST /api/oauth/token -H "Authorization: Basic $(printf %s 'bfplus:Secret+With+Plus2' | base64 -w0)" \
  -d grant_type=password -d username=bf-race@example.com --data-urlencode "password=$BF_PW"
expect "a wrong secret with '+' -> 401" 401 .error invalid_client
check "... counted once although tried both ways" \
  test "$(db "SELECT auth_failures FROM clients WHERE client_id='bfplus'")" = 1

# --- A disabled app's access tokens are inactive at once, active again when
# it is enabled before they expire.
CONT_SECRET=$(jq -r .clientSecret <<<"$($CTL client add --client-id bfcontain --name C --grant password --access-seconds 600)")
CONT_ID=$(db "SELECT id FROM clients WHERE client_id='bfcontain'")
RS_SECRET2=$(jq -r .clientSecret <<<"$($CTL client add --client-id bfresource --name R --grant password --access-seconds 300)")
token bfcontain "$CONT_SECRET" bf-race@example.com "$BF_PW"
C_AT=$(jq -r .access_token <<<"$BODY")
req GET /api/v1/users/me -H "$(bearer "$C_AT")"
expect "a token of the enabled app works" 200
req PUT "/api/v1/clientapps/$CONT_ID/enable" -H "$(bearer "$ADMIN_AT")"
expect "the app is disabled" 200 .enabled false
req GET /api/v1/users/me -H "$(bearer "$C_AT")"
expect "its access token fails bearer checks at once" 401 .error invalid_token
req POST /api/oauth/introspect -u "bfresource:$RS_SECRET2" --data-urlencode "token=$C_AT"
expect "... and introspects inactive" 200 .active false
req PUT "/api/v1/clientapps/$CONT_ID/enable" -H "$(bearer "$ADMIN_AT")"
req GET /api/v1/users/me -H "$(bearer "$C_AT")"
expect "enabled again before expiry: the token works again" 200
req POST /api/oauth/introspect -u "bfresource:$RS_SECRET2" --data-urlencode "token=$C_AT"
expect "... and introspects active with aud = the issuer" 200 .active true .aud "$BASE"

# --- RFC 6750 3.1: error="invalid_token" only when a token was sent.
req GET /api/v1/users/me
check "no token: WWW-Authenticate Bearer without an error code" \
  bash -c "grep -i '^WWW-Authenticate: Bearer' <<<'$HDRS' | grep -vq 'error='"
req GET /api/v1/users/me -H "Authorization: Bearer abc.def.ghi"
check "a bad token: WWW-Authenticate carries error=\"invalid_token\"" header_has 'error="invalid_token"'

# --- crit and aud: tokens made with the server's own key, claims copied from
# a real one; only the header (or aud) differs between the two.
cat >"$B/forge.py" <<'PY'
import glob, json, sys
import jwt
token, mode = sys.argv[1], sys.argv[2]
header = jwt.get_unverified_header(token)
claims = jwt.decode(token, options={"verify_signature": False})
extra = {"kid": header["kid"]}
if mode == "crit":
    extra["crit"] = ["exp"]
if mode == "aud":
    claims["aud"] = "https://other.example"
for pem in sorted(glob.glob(sys.argv[3] + "/*.pem")):
    key = open(pem, "rb").read()
    try:
        print(jwt.encode(claims, key, algorithm=header["alg"], headers=extra))
    except Exception:
        pass
PY
good=0 crit=0 aud=0
token cli "$CLI_SECRET" bf-race@example.com "$BF_PW"
REAL=$(jq -r .access_token <<<"$BODY")
check "the access token carries aud = the issuer" \
  test "$(/usr/bin/python3 -c 'import jwt,sys; print(jwt.decode(sys.argv[1], options={"verify_signature": False})["aud"])' "$REAL")" = "$BASE"
# forge.py swallows its errors, so each mode's tokens are counted: every
# mode signs with the same keys, so each makes as many tokens as plain, at
# least one (else the refusals below would hold over no token at all).
FORGED_PLAIN=$(/usr/bin/python3 "$B/forge.py" "$REAL" plain "$STATE/keys" 2>/dev/null)
FORGED_CRIT=$(/usr/bin/python3 "$B/forge.py" "$REAL" crit "$STATE/keys" 2>/dev/null)
FORGED_AUD=$(/usr/bin/python3 "$B/forge.py" "$REAL" aud "$STATE/keys" 2>/dev/null)
n_plain=$(wc -w <<<"$FORGED_PLAIN") n_crit=$(wc -w <<<"$FORGED_CRIT") n_aud=$(wc -w <<<"$FORGED_AUD")
check "forge.py made tokens in each mode (plain $n_plain, crit $n_crit, aud $n_aud)" \
  test "$n_plain" -ge 1 -a "$n_crit" = "$n_plain" -a "$n_aud" = "$n_plain"
for t in $FORGED_PLAIN; do
  [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $t" "$BASE/api/v1/users/me") == 200 ]] && good=$((good + 1))
done
for t in $FORGED_CRIT; do
  [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $t" "$BASE/api/v1/users/me") == 200 ]] && crit=$((crit + 1))
done
for t in $FORGED_AUD; do
  [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $t" "$BASE/api/v1/users/me") == 200 ]] && aud=$((aud + 1))
done
check "a token re-signed with the server's key and no crit is accepted (control: $good)" test "$good" -ge 1
check "the same token with a crit header is refused" test "$crit" = 0
check "the same token for another audience is refused" test "$aud" = 0
