# Two-factor sign-in (TOTP, RFC 6238) and device passcodes (API.md sections 3, 6).
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_cli_app; need_admin_token; need_user1_token; need_web_app
MFA_PW='mfa-user-password-1'
add_user() { echo "$MFA_PW" | $CTL user add "$1" --role ROLE_ORIGINATOR --password-stdin | jq -r .id; }
MFA_APP_SECRET=$(jq -r .clientSecret <<<"$($CTL client add --client-id mfaapp --name "Secure app" \
  --grant password --grant mfa --grant refresh_token --grant authorization_code \
  --redirect-uri https://secure.example.com/cb --access-seconds 300 --refresh-seconds 3600)")

# Administration: PUT /api/v1/users/{id}.
A_ID=$(add_user mfa-a@example.com)
json_put "/api/v1/users/$A_ID" "$ADMIN_AT" '{"mfaEnabled":true}'
expect "enabling 2FA returns the user with an authenticatorUri" 200 .mfaEnabled true .email mfa-a@example.com
URI=$(jq -r .authenticatorUri <<<"$BODY")
check "the URI is otpauth://totp/<issuer>:<email>?secret=...&issuer=..." \
  bash -c "[[ '$URI' == otpauth://totp/127.0.0.1%3A$PORT:mfa-a%40example.com\?secret=*'&issuer=127.0.0.1%3A'$PORT* ]]"
A_SECRET=$(secret_of "$URI")
check "the secret is 160 bits (32 base32 characters)" test ${#A_SECRET} = 32
json_put "/api/v1/users/$A_ID" "$ADMIN_AT" '{"mfaEnabled":true}'
expect "enabling again makes no key (no authenticatorUri)" 200 .authenticatorUri null .mfaEnabled true
json_put "/api/v1/users/$A_ID" "$ADMIN_AT" '{"generateNewAuthenticatorKey":true}'
expect "generateNewAuthenticatorKey makes a new key" 200 '.authenticatorUri|startswith("otpauth://totp/")' true
check "... with a new secret" test "$(secret_of "$(jq -r .authenticatorUri <<<"$BODY")")" != "$A_SECRET"
A_SECRET=$(secret_of "$(jq -r .authenticatorUri <<<"$BODY")")
json_put "/api/v1/users/$A_ID" "$USER1_AT" '{"mfaEnabled":false}'
expect "PUT users/{id} as a non-admin -> 403" 403 .error access_denied
json_put /api/v1/users/00000000-0000-0000-0000-000000000000 "$ADMIN_AT" '{"mfaEnabled":true}'
expect "PUT users/{id} for an unknown user -> 404" 404 .error not_found
json_put "/api/v1/users/$A_ID" "$ADMIN_AT" '{"mfaEnabled":"yes"}'
expect "mfaEnabled as a string -> 400" 400 .error invalid_request
json_put "/api/v1/users/$A_ID" "$ADMIN_AT" '{"roles":["ROLE_SYSTEM_ADMIN"]}'
expect "roles (read-only here) changed -> 400" 400 .error invalid_request
stored_secrets=$(db "SELECT $(db_hex totp_secret) FROM users WHERE totp_secret IS NOT NULL")
secret_hex=$(printf %s "$A_SECRET" | python3 -c 'import base64,sys; print(base64.b32decode(sys.stdin.read()).hex())')
check "the TOTP secret is stored, sealed, not in clear" \
  bash -c "[[ -n '$stored_secrets' ]] && ! grep -qi '$secret_hex' <<<'$stored_secrets'"

# The password grant for a 2FA user.
token cli "$CLI_SECRET" mfa-a@example.com "$MFA_PW"
expect "2FA user through an app without mfa -> invalid_grant" 400 .error invalid_grant \
  .error_description "two-factor authentication required; app not permitted"
token mfaapp "$MFA_APP_SECRET" mfa-a@example.com "$MFA_PW" -d scope=read
expect "2FA user through an mfa app -> the restrictive token" 200 .scope mfa .expires_in 300 \
  .mfa_required true .refresh_token null
MFA_TOKEN=$(jq -r .access_token <<<"$BODY")
req GET /api/v1/users/me -H "$(bearer "$MFA_TOKEN")"
expect "the restrictive token is refused by GET users/me" 401 .error invalid_token
req POST /api/oauth/token -u "mfaapp:$MFA_APP_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$MFA_TOKEN"
expect "the restrictive token cannot be refreshed" 400 .error invalid_grant
req POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=mfa --data-urlencode "mfa_token=$MFA_TOKEN" -d "mfa_code=$(totp "$A_SECRET")"
expect "the mfa grant through an app without mfa -> unauthorized_client" 400 .error unauthorized_client
req POST /api/oauth/token -u "mfaapp:$MFA_APP_SECRET" -d grant_type=mfa --data-urlencode "mfa_token=$MFA_TOKEN" -d "mfa_code=$(wrong_code "$A_SECRET")"
expect "a wrong code -> invalid_grant" 400 .error invalid_grant
req POST /api/oauth/token -u "mfaapp:$MFA_APP_SECRET" -d grant_type=mfa --data-urlencode "mfa_token=$MFA_TOKEN" -d mfa_code=12ab56
expect "a malformed code -> invalid_grant" 400 .error invalid_grant
req POST /api/oauth/token -u "mfaapp:$MFA_APP_SECRET" -d grant_type=mfa --data-urlencode "mfa_token=$MFA_TOKEN"
expect "the mfa grant without mfa_code -> invalid_request" 400 .error invalid_request
req POST /api/oauth/token -u "mfaapp:$MFA_APP_SECRET" -d grant_type=mfa -d "mfa_code=$(wrong_code "$A_SECRET")"
expect "the mfa grant without mfa_token -> invalid_request" 400 .error invalid_request
MFA2_SECRET=$(jq -r .clientSecret <<<"$($CTL client add --client-id mfaapp2 --name "Second secure app" \
  --grant password --grant mfa --access-seconds 300)")
req POST /api/oauth/token -u "mfaapp2:$MFA2_SECRET" -d grant_type=mfa --data-urlencode "mfa_token=$MFA_TOKEN" -d "mfa_code=$(totp "$A_SECRET")"
expect "the restrictive token presented by another app with the mfa option -> invalid_grant" 400 .error invalid_grant
CODE_NOW=$(totp "$A_SECRET")
req POST /api/oauth/token -u "mfaapp:$MFA_APP_SECRET" -d grant_type=mfa --data-urlencode "mfa_token=$MFA_TOKEN" -d "mfa_code=$CODE_NOW"
expect "the mfa grant with the TOTP code (oathtool) -> full tokens" 200 .scope read '.refresh_token|length' 43 .mfa_required null
FULL_AT=$(jq -r .access_token <<<"$BODY")
req GET /api/v1/users/me -H "$(bearer "$FULL_AT")"
expect "the full token works" 200 .email mfa-a@example.com .mfaEnabled true
req POST /api/oauth/token -u "mfaapp:$MFA_APP_SECRET" -d grant_type=mfa --data-urlencode "mfa_token=$MFA_TOKEN" -d "mfa_code=$(totp "$A_SECRET" "+30 seconds")"
expect "the restrictive token is single use" 400 .error invalid_grant
token mfaapp "$MFA_APP_SECRET" mfa-a@example.com "$MFA_PW"
MFA_TOKEN=$(jq -r .access_token <<<"$BODY")
req POST /api/oauth/token -u "mfaapp:$MFA_APP_SECRET" -d grant_type=mfa --data-urlencode "mfa_token=$MFA_TOKEN" -d "mfa_code=$CODE_NOW"
expect "the same code twice -> refused (each step once)" 400 .error invalid_grant

# Wrong codes count toward the account lockout.
L_ID=$(add_user mfa-lock@example.com)
L_SECRET=$(secret_of "$($CTL user mfa mfa-lock@example.com --enable | grep '^otpauth://')")
check "accessctl user mfa --enable prints the otpauth URI" test ${#L_SECRET} = 32
token mfaapp "$MFA_APP_SECRET" mfa-lock@example.com "$MFA_PW"
L_TOKEN=$(jq -r .access_token <<<"$BODY")
for i in 1 2 3 4 5; do
  req POST /api/oauth/token -u "mfaapp:$MFA_APP_SECRET" -d grant_type=mfa --data-urlencode "mfa_token=$L_TOKEN" -d "mfa_code=$(wrong_code "$L_SECRET")"
done
expect "the 5th wrong code is still invalid_grant" 400 .error invalid_grant
req POST /api/oauth/token -u "mfaapp:$MFA_APP_SECRET" -d grant_type=mfa --data-urlencode "mfa_token=$L_TOKEN" -d "mfa_code=$(totp "$L_SECRET")"
expect "then even the right code -> 429 (account locked)" 429 .error too_many_requests
token mfaapp "$MFA_APP_SECRET" mfa-lock@example.com "$MFA_PW"
expect "... and the password grant too" 429 .error too_many_requests
out=$($CTL user mfa mfa-lock@example.com --disable)
check "accessctl user mfa --disable" bash -c "[[ '$out' == *disabled* && '$out' != *otpauth* ]]"
out=$($CTL user mfa mfa-lock@example.com --enable --disable 2>&1)
check "accessctl user mfa refuses two actions" test $? != 0

# The browser sign-in asks for the code.
B_ID=$(add_user mfa-b@example.com)
B_SECRET=$(secret_of "$($CTL user mfa mfa-b@example.com --enable | grep '^otpauth://')")
MJAR=$STATE/mfa-cookies.txt
rm -f "$MJAR"
loc() { sed -n 's/^[Ll]ocation: *//p' <<<"$HDRS" | tr -d '\r'; }
signin_rid() {
  req GET "/api/oauth/authorize?response_type=code&client_id=$1&redirect_uri=$(jq -rn --arg v "$2" '$v|@uri')&scope=read" -b "$MJAR" -c "$MJAR"
  loc | sed -n 's/.*rid=//p'
}
# The sign-in form's CSRF token, as signin.html reads it (API.md section 4).
signin_csrf() { req GET "/api/oauth/authorize/requests/$1" -b "$MJAR"; jq -r .csrfToken <<<"$BODY"; }
RID=$(signin_rid mfaapp https://secure.example.com/cb)
MCSRF=$(signin_csrf "$RID")
req POST /api/oauth/signin -b "$MJAR" -c "$MJAR" --data-urlencode "rid=$RID" --data-urlencode "csrf_token=$MCSRF" -d username=mfa-b@example.com --data-urlencode "password=$MFA_PW"
check "sign-in without the code -> error=mfa_required" bash -c "[[ '$(loc)' == *'&error=mfa_required' ]]"
req POST /api/oauth/signin -b "$MJAR" -c "$MJAR" --data-urlencode "rid=$RID" --data-urlencode "csrf_token=$MCSRF" -d username=mfa-b@example.com --data-urlencode "password=$MFA_PW" -d "mfa_code=$(wrong_code "$B_SECRET")"
check "sign-in with a wrong code -> error=mfa_invalid" bash -c "[[ '$(loc)' == *'&error=mfa_invalid' ]]"
req POST /api/oauth/signin -b "$MJAR" -c "$MJAR" --data-urlencode "rid=$RID" --data-urlencode "csrf_token=$MCSRF" -d username=mfa-b@example.com --data-urlencode "password=$MFA_PW" -d "mfa_code=${B_TOTP:=$(totp "$B_SECRET")}"
check "sign-in with the right code -> session and back to authorize" \
  bash -c "[[ '$STATUS' == 303 && '$(loc)' == '/api/oauth/authorize?rid=$RID' ]] && grep -qi 'set-cookie: access_session' <<<\"\$1\"" _ "$HDRS"
# The same code again, in another browser: its step is spent -> mfa_invalid,
# no session; the next step's code still signs in.
MJAR_FIRST=$MJAR MJAR=$STATE/mfa-cookies-2.txt
rm -f "$MJAR"
RID3=$(signin_rid mfaapp https://secure.example.com/cb)
MCSRF3=$(signin_csrf "$RID3")
req POST /api/oauth/signin -b "$MJAR" -c "$MJAR" --data-urlencode "rid=$RID3" --data-urlencode "csrf_token=$MCSRF3" -d username=mfa-b@example.com --data-urlencode "password=$MFA_PW" -d "mfa_code=$B_TOTP"
check "the same TOTP code twice on the sign-in form -> 303 error=mfa_invalid, no session" \
  bash -c "[[ '$STATUS' == 303 && '$(loc)' == '/signin.html?rid=$RID3&error=mfa_invalid' ]] && ! grep -qi 'set-cookie: access_session' <<<\"\$1\"" _ "$HDRS"
req POST /api/oauth/signin -b "$MJAR" -c "$MJAR" --data-urlencode "rid=$RID3" --data-urlencode "csrf_token=$MCSRF3" -d username=mfa-b@example.com --data-urlencode "password=$MFA_PW" -d "mfa_code=$(totp "$B_SECRET" "+30 seconds")"
check "... the next step's code still signs in there" \
  bash -c "[[ '$STATUS' == 303 && '$(loc)' == '/api/oauth/authorize?rid=$RID3' ]]"
MJAR=$MJAR_FIRST
RID2=$(signin_rid webapp https://client.example.com/cb)
req POST /api/oauth/signin -b "$MJAR" --data-urlencode "rid=$RID2" --data-urlencode "csrf_token=$(signin_csrf "$RID2")" -d username=mfa-b@example.com --data-urlencode "password=$MFA_PW" -d "mfa_code=$(totp "$B_SECRET")"
check "sign-in through an app without mfa -> error=app_not_permitted" bash -c "[[ '$(loc)' == *'&error=app_not_permitted' ]]"

# Devices.
MOBILE_SECRET=$(jq -r .clientSecret <<<"$($CTL client add --client-id mobile --name "Mobile" \
  --grant password --grant device --grant mfa --grant refresh_token --access-seconds 300 --refresh-seconds 3600)")
D_ID=$(add_user device@example.com)
token mobile "$MOBILE_SECRET" device@example.com "$MFA_PW"
D_AT=$(jq -r .access_token <<<"$BODY")
json_post /api/v1/users/me/devices "$D_AT" '{"deviceId":"phone-1","passcode":"4321"}'
expect "register a device -> 201" 201 .deviceId phone-1 .lastUsedAt null
json_post /api/v1/users/me/devices "$D_AT" '{"deviceId":"phone-1","passcode":"4321"}'
expect "the same deviceId again -> 409" 409 .error conflict
for bad in '{"deviceId":"phone-2","passcode":"123"}' '{"deviceId":"phone-2","passcode":"1234567890123"}' \
           '{"deviceId":"phone-2","passcode":"12a4"}' '{"deviceId":"phone-2","passcode":1234}' \
           '{"deviceId":"bad id","passcode":"1234"}' '{"passcode":"1234"}'; do
  json_post /api/v1/users/me/devices "$D_AT" "$bad"
  expect "device registration $bad -> 400" 400 .error invalid_request
done
json_post /api/v1/users/me/devices "$USER1_AT" '{"deviceId":"phone-9","passcode":"1234"}'
expect "a token of an app without the device option -> 403" 403 .error access_denied
req GET /api/v1/users/me/devices -H "$(bearer "$D_AT")"
expect "list devices" 200 '.devices|length' 1 '.devices[0].deviceId' phone-1
check "passcodes are stored as argon2id hashes" \
  test "$(db "SELECT count(*) FROM devices WHERE passcode_hash NOT LIKE '\$argon2id\$%' OR passcode_hash LIKE '%4321%'")" = 0
device_grant() { req POST /api/oauth/token -u "$1" -d grant_type=password -d "username=$2" -d "device_id=$3" -d "passcode=$4"; }
device_grant "mobile:$MOBILE_SECRET" device@example.com phone-1 4321
expect "the passcode grant -> full tokens" 200 '.refresh_token|length' 43 .mfa_required null
req GET /api/v1/users/me/devices -H "$(bearer "$D_AT")"
expect "the device shows when it was last used" 200 '.devices[0].lastUsedAt|length' 20
device_grant "cli:$CLI_SECRET" device@example.com phone-1 4321
expect "a non-device app cannot use passcodes" 400 .error unauthorized_client
req POST /api/oauth/token -u "mobile:$MOBILE_SECRET" -d grant_type=password -d username=device@example.com -d device_id=phone-1 -d passcode=4321 --data-urlencode "password=$MFA_PW"
expect "password and passcode together -> invalid_request" 400 .error invalid_request
for i in 1 2 3 4; do device_grant "mobile:$MOBILE_SECRET" device@example.com phone-1 9999; done
expect "a wrong passcode -> invalid_grant" 400 .error invalid_grant
req GET /api/v1/users/me/devices -H "$(bearer "$D_AT")"
expect "after 4 wrong passcodes the device is still registered" 200 '.devices|length' 1
token mobile "$MOBILE_SECRET" device@example.com "$MFA_PW"
expect "wrong passcodes do not lock the account" 200
device_grant "mobile:$MOBILE_SECRET" device@example.com phone-1 9999
expect "the 5th wrong passcode answers exactly like the first four" 400 .error invalid_grant \
  .error_description "bad credentials"
req GET /api/v1/users/me/devices -H "$(bearer "$D_AT")"
expect "after 5 wrong passcodes the registration is gone" 200 '.devices|length' 0
device_grant "mobile:$MOBILE_SECRET" device@example.com phone-1 4321
expect "... and the right passcode no longer works" 400 .error invalid_grant
# Wrong passcodes at once: the workers check them in parallel, and those
# that read the registration before the fifth strike removed it answer like
# the others (no 404, no 5xx); exactly five strikes are ever counted.
json_post /api/v1/users/me/devices "$D_AT" '{"deviceId":"phone-2","passcode":"4321"}'
expect "register phone-2 -> 201" 201 .deviceId phone-2
PAR=$STATE/passcodes
rm -rf "$PAR" && mkdir -p "$PAR"
for i in $(seq 12); do
  curl -s -o "$PAR/$i.body" -w '%{http_code}\n' -u "mobile:$MOBILE_SECRET" -d grant_type=password \
    -d username=device@example.com -d device_id=phone-2 -d passcode=9999 "$BASE/api/oauth/token" >"$PAR/$i.code" &
done
wait
check "12 wrong passcodes at once: each 400 invalid_grant 'bad credentials' ($(cat "$PAR"/*.code | tr '\n' ' '))" \
  test "$(cat "$PAR"/*.body | jq -r '[.error, .error_description] | join(":")' | sort -u)" = "invalid_grant:bad credentials"
check "... exactly five strikes counted against phone-2" test "$(db "SELECT count(*) FROM audit_events
  WHERE type = 'sign_in.failed' AND details LIKE '%wrong_passcode%' AND details LIKE '%phone-2%'")" = 5
device_grant "mobile:$MOBILE_SECRET" device@example.com phone-2 4321
expect "... the registration is gone: the right passcode is refused" 400 .error invalid_grant
rm -rf "$PAR"

# A 2FA user's device gives full tokens; a disabled user cannot use it.
C_ID=$(add_user mfa-c@example.com)
C_SECRET=$(secret_of "$($CTL user mfa mfa-c@example.com --enable | grep '^otpauth://')")
token mobile "$MOBILE_SECRET" mfa-c@example.com "$MFA_PW"
req POST /api/oauth/token -u "mobile:$MOBILE_SECRET" -d grant_type=mfa --data-urlencode "mfa_token=$(jq -r .access_token <<<"$BODY")" -d "mfa_code=$(totp "$C_SECRET")"
C_AT=$(jq -r .access_token <<<"$BODY")
json_post /api/v1/users/me/devices "$C_AT" '{"deviceId":"tablet","passcode":"246810"}'
expect "a 2FA user registers a device after a full sign-in" 201
device_grant "mobile:$MOBILE_SECRET" mfa-c@example.com tablet 246810
expect "the 2FA user's passcode grant -> full tokens, not restrictive" 200 .mfa_required null '.scope|contains("mfa")' false
req DELETE /api/v1/users/me/devices/tablet -H "$(bearer "$D_AT")"
expect "another user cannot delete the device -> 404" 404 .error not_found
json_put "/api/v1/users/$C_ID" "$ADMIN_AT" '{"enabled":false}'
expect "the admin disables the user" 200 .enabled false
device_grant "mobile:$MOBILE_SECRET" mfa-c@example.com tablet 246810
expect "a disabled user cannot use a device" 400 .error invalid_grant
req GET /api/v1/users/me -H "$(bearer "$C_AT")"
expect "disabling a user revokes their tokens" 401 .error invalid_token
json_put "/api/v1/users/$C_ID" "$ADMIN_AT" '{"enabled":true}'
token mobile "$MOBILE_SECRET" mfa-c@example.com "$MFA_PW"
req POST /api/oauth/token -u "mobile:$MOBILE_SECRET" -d grant_type=mfa --data-urlencode "mfa_token=$(jq -r .access_token <<<"$BODY")" -d "mfa_code=$(totp "$C_SECRET" "+30 seconds")"
C_AT=$(jq -r .access_token <<<"$BODY")
req DELETE /api/v1/users/me/devices/tablet -H "$(bearer "$C_AT")"
expect "the owner deletes the device" 200 '.|length' 0
req DELETE /api/v1/users/me/devices/tablet -H "$(bearer "$C_AT")"
expect "deleting it again -> 404" 404 .error not_found
