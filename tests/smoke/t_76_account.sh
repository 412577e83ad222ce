# Account self-service (API.md section 7): password change and what it keeps,
# the administrator's password, two-factor enrolment by the user with the
# TOTP computed here from the enrolment URI, recovery codes (accepted once,
# refused twice), turning 2FA off, and the /api/account endpoints of the
# account page behind the session cookie and its CSRF header.
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_admin_token; need_user1_token
ACCT_SECRET=$(jq -r .clientSecret <<<"$($CTL client add --client-id acctapp --name "Account test app" \
  --grant password --grant mfa --grant refresh_token --access-seconds 300 --refresh-seconds 3600)")
ACCT_FIRST='first-Password-of-erin-7'   # what the administrator hands over
ACCT_NEW='violet tundra marmalade 42'
acct_token() { token acctapp "$ACCT_SECRET" "$1" "$2"; }
new_user() {  # new_user EMAIL: created by the administrator with $ACCT_FIRST; prints the id
  json_post /api/v1/users "$ADMIN_AT" "{\"email\":\"$1\",\"roles\":[\"ROLE_ORIGINATOR\"],\"password\":\"$ACCT_FIRST\"}"
  jq -r .id <<<"$BODY"
}
pw_body() { jq -cn --arg c "$1" --arg n "$2" '{currentPassword:$c, newPassword:$n}'; }
mfa_grant() {  # mfa_grant RESTRICTIVE_TOKEN CODE
  req POST /api/oauth/token -u "acctapp:$ACCT_SECRET" -d grant_type=mfa \
    --data-urlencode "mfa_token=$1" --data-urlencode "mfa_code=$2"
}
restrictive_of() { acct_token "$1" "$2"; jq -r .access_token <<<"$BODY"; }

# -- Password change (bearer).
ERIN=erin@example.com
ERIN_ID=$(new_user "$ERIN")
acct_token "$ERIN" "$ACCT_FIRST"
expect "a new user signs in with the first password" 200
ERIN_A=$(jq -r .access_token <<<"$BODY") ERIN_A_RT=$(jq -r .refresh_token <<<"$BODY")
acct_token "$ERIN" "$ACCT_FIRST"
ERIN_B=$(jq -r .access_token <<<"$BODY") ERIN_B_RT=$(jq -r .refresh_token <<<"$BODY")
P=/api/v1/users/me/password
json_put $P "$ERIN_A" "$(pw_body "$ACCT_FIRST" password1234)"
expect "password1234 (zxcvbn 3 bits) -> 400" 400 .error invalid_request
check "... and the answer says why" grep -q "too easy to guess" <<<"$BODY"
json_put $P "$ERIN_A" "$(pw_body "$ACCT_FIRST" 'Password2024!')"
expect "Password2024! (zxcvbn 13 bits) -> 400" 400 .error invalid_request
json_put $P "$ERIN_A" "$(pw_body "$ACCT_FIRST" "$ERIN")"
expect "the email as the new password -> 400" 400 .error invalid_request
json_put $P "$ERIN_A" "$(pw_body "$ACCT_FIRST" 'kQ7#vLp2mX9')"
expect "11 characters -> 400" 400 .error invalid_request
json_put $P "$ERIN_A" '{"currentPassword":"x"}'
expect "newPassword missing -> 400" 400 .error invalid_request
json_put $P "$ERIN_A" "{\"currentPassword\":\"$ACCT_FIRST\",\"newPassword\":42}"
expect "newPassword as a number -> 400" 400 .error invalid_request
json_put $P "$ERIN_A" 'not json'
expect "malformed JSON -> 400" 400 .error invalid_request
req PUT $P -H "$(bearer "$ERIN_A")" -H 'Content-Type: text/plain' --data-binary "$(pw_body "$ACCT_FIRST" "$ACCT_NEW")"
expect "text/plain -> 415" 415 .error unsupported_media_type
req PUT $P -H 'Content-Type: application/json' --data-binary "$(pw_body "$ACCT_FIRST" "$ACCT_NEW")"
expect "no token -> 401" 401 .error invalid_token
json_put $P "$ERIN_A" "$(pw_body wrong-password-123 "$ACCT_NEW")"
expect "a wrong current password -> 403" 403 .error access_denied
check "the wrong current password was counted toward the lockout" \
  test "$(db "SELECT count FROM sign_in_failures WHERE username='$ERIN' AND ip='127.0.0.1'")" = 1
acct_token "$ERIN" "$ACCT_FIRST"
expect "the refused changes changed nothing: the first password still works" 200
json_put $P "$ERIN_A" "$(pw_body "$ACCT_FIRST" "$ACCT_NEW")"
expect "password change -> 200" 200
req GET /api/v1/users/me -H "$(bearer "$ERIN_A")"
expect "the caller's own access token still works" 200 .email "$ERIN"
req POST /api/oauth/token -u "acctapp:$ACCT_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$ERIN_A_RT"
expect "the caller's own refresh token still rotates" 200
req GET /api/v1/users/me -H "$(bearer "$ERIN_B")"
expect "another session's access token is revoked" 401 .error invalid_token
req POST /api/oauth/token -u "acctapp:$ACCT_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$ERIN_B_RT"
expect "another session's refresh token is revoked" 400 .error invalid_grant
acct_token "$ERIN" "$ACCT_FIRST"
expect "the old password no longer signs in" 400 .error invalid_grant
acct_token "$ERIN" "$ACCT_NEW"
expect "the new one does" 200
ERIN_C=$(jq -r .access_token <<<"$BODY")
json_put $P "$ERIN_C" "$(pw_body "$ACCT_FIRST" "$ACCT_NEW")"
expect "the same change replayed (the old password) -> 403" 403 .error access_denied

# -- The administrator's password: PUT /api/v1/users/{id} and accessctl.
json_put "/api/v1/users/$ERIN_ID" "$USER1_AT" '{"password":"another strong passphrase 9"}'
expect "password by a non-administrator -> 403" 403 .error access_denied
json_put "/api/v1/users/$ERIN_ID" "$ADMIN_AT" '{"password":"password1234"}'
expect "a weak password from the administrator -> 400" 400 .error invalid_request
json_put "/api/v1/users/$ERIN_ID" "$ADMIN_AT" '{"password":12345678901234}'
expect "password as a number -> 400" 400 .error invalid_request
json_put /api/v1/users/00000000-0000-0000-0000-000000000000 "$ADMIN_AT" '{"password":"another strong passphrase 9"}'
expect "password for an unknown user -> 404" 404 .error not_found
acct_token "$ERIN" "$ACCT_NEW"
expect "refused administrator changes changed nothing" 200
json_put "/api/v1/users/$ERIN_ID" "$ADMIN_AT" '{"password":"another strong passphrase 9"}'
expect "the administrator sets a password -> 200 with the user" 200 .email "$ERIN"
req GET /api/v1/users/me -H "$(bearer "$ERIN_A")"
expect "... which revokes every token of the user, the caller's family too" 401
acct_token "$ERIN" "another strong passphrase 9"
expect "the administrator's password signs in" 200
out=$(echo password1234 | $CTL user password "$ERIN" --password-stdin 2>&1)
check "accessctl user password refuses a weak password (non-zero exit)" test $? != 0
check "... and says why" grep -q "too easy to guess" <<<"$out"
out=$(echo "$ACCT_NEW" | $CTL user password nobody@example.com --password-stdin 2>&1)
check "accessctl user password for an unknown user fails" test $? != 0
ERIN_D=$(jq -r .access_token <<<"$BODY")
echo "$ACCT_NEW" | $CTL user password "$ERIN" --password-stdin >/dev/null
check "accessctl user password sets it" test $? = 0
req GET /api/v1/users/me -H "$(bearer "$ERIN_D")"
expect "... and revokes every token of the user" 401
acct_token "$ERIN" "$ACCT_NEW"
expect "the password set by accessctl signs in" 200
ERIN_AT=$(jq -r .access_token <<<"$BODY")

# -- Two-factor enrolment by the user (bearer).
M=/api/v1/users/me/mfa
req GET $M -H "$(bearer "$ERIN_AT")"
expect "GET users/me/mfa: off, nothing pending, no codes" 200 .mfaEnabled false .enrolmentPending false .recoveryCodesLeft 0
json_put $M "$ERIN_AT" '{"code":"123456"}'
expect "confirming before any enrolment -> 409" 409 .error conflict
req POST $M -H "$(bearer "$ERIN_AT")"
expect "POST users/me/mfa starts an enrolment" 200 '.authenticatorUri|startswith("otpauth://totp/")' true \
  '.qrCodeSvg|startswith("<svg ")' true
ERIN_URI=$(jq -r .authenticatorUri <<<"$BODY")
check "the QR code is a self-contained SVG (no script, style or link)" \
  bash -c "! grep -qiE 'script|style|href' <<<'$(jq -r .qrCodeSvg <<<"$BODY")'"
ERIN_KEY=$(secret_of "$ERIN_URI")
check "the enrolment key is 160 bits (32 base32 characters)" test ${#ERIN_KEY} = 32
acct_token "$ERIN" "$ACCT_NEW"
expect "before confirmation the password alone still gives full tokens" 200 .mfa_required null
json_put $M "$ERIN_AT" "{\"code\":\"$(wrong_code "$ERIN_KEY")\"}"
expect "a wrong confirmation code -> 400" 400 .error invalid_request
json_put $M "$ERIN_AT" '{"code":123456}'
expect "a code as a number -> 400" 400 .error invalid_request
ERIN_CONFIRM=$(totp "$ERIN_KEY")
json_put $M "$ERIN_AT" "{\"code\":\"$ERIN_CONFIRM\"}"
expect "the current code (computed here from the URI) confirms -> 10 recovery codes" 200 '.recoveryCodes|length' 10 \
  '[.recoveryCodes[]|test("^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$")]|all' true
mapfile -t ERIN_CODES < <(jq -r '.recoveryCodes[]' <<<"$BODY")
check "ten recovery codes are stored, each as a 32-byte hash" \
  test "$(db "SELECT count(*) FROM recovery_codes WHERE user_id = '$ERIN_ID' AND length(hash) = 32 AND used_at IS NULL")" = 10
check "no recovery code is in the database in clear" \
  bash -c "! { if [[ -z '${PG_CONNINFO:-}' ]]; then sqlite3 '$STATE/access.db' .dump; else pg_dump -d '${PG_CONNINFO:-}'; fi; } | grep -qiE '${ERIN_CODES[0]}|${ERIN_CODES[0]//-/}|$(python3 -c 'import sys; print(sys.argv[1].encode().hex())' "${ERIN_CODES[0]//-/}")'"
json_put $M "$ERIN_AT" "{\"code\":\"$(totp "$ERIN_KEY" "+30 seconds")\"}"
expect "confirming again -> 409" 409 .error conflict
req POST $M -H "$(bearer "$ERIN_AT")"
expect "a new enrolment while it is on -> 409" 409 .error conflict
req GET /api/v1/users/me -H "$(bearer "$ERIN_AT")"
expect "the user object says mfaEnabled" 200 .mfaEnabled true

# -- Signing in with the second factor, and with recovery codes.
# The code that confirmed the enrolment spent its step: the mfa grant refuses it
# (checked at once, so the step is still the same or the next one, where the
# code is inside the window and refused only for its reuse).
mfa_grant "$(restrictive_of "$ERIN" "$ACCT_NEW")" "$ERIN_CONFIRM"
expect "the TOTP code that confirmed enrolment, at the mfa grant -> invalid_grant" 400 .error invalid_grant
acct_token "$ERIN" "$ACCT_NEW"
expect "the password grant now answers the restrictive token" 200 .mfa_required true
mfa_grant "$(jq -r .access_token <<<"$BODY")" "$(totp "$ERIN_KEY" "+30 seconds")"
expect "the mfa grant with the next TOTP code -> full tokens" 200 '.refresh_token|length' 43
mfa_grant "$(restrictive_of "$ERIN" "$ACCT_NEW")" "${ERIN_CODES[0]}"
expect "a recovery code in place of the TOTP code -> full tokens" 200 '.refresh_token|length' 43
ERIN_AT=$(jq -r .access_token <<<"$BODY")
mfa_grant "$(restrictive_of "$ERIN" "$ACCT_NEW")" "${ERIN_CODES[0]}"
expect "the same recovery code again -> refused" 400 .error invalid_grant
mfa_grant "$(restrictive_of "$ERIN" "$ACCT_NEW")" "$(tr a-z A-Z <<<"${ERIN_CODES[0]}")"
expect "the same recovery code a third time (upper case) -> refused" 400 .error invalid_grant
mfa_grant "$(restrictive_of "$ERIN" "$ACCT_NEW")" "${ERIN_CODES[1]}"
expect "the next recovery code works (the refusals did not lock the account)" 200
req GET $M -H "$(bearer "$ERIN_AT")"
expect "each use is recorded: 8 left, 2 used from this address" 200 .recoveryCodesLeft 8 \
  '.recoveryCodesUsed|length' 2 '.recoveryCodesUsed[0].ip' 127.0.0.1
mfa_grant "$(restrictive_of "$ERIN" "$ACCT_NEW")" "zzzz-zzzz-zzzz"
expect "an unknown recovery code -> refused" 400 .error invalid_grant

mfa_grant "$(restrictive_of "$ERIN" "$ACCT_NEW")" "${ERIN_CODES[2]}"
expect "a third recovery code signs in (and resets the lockout count)" 200

# -- New recovery codes need a current TOTP code (the positive case is on the
# account page below, with a fresh key); turning 2FA off.
R=/api/v1/users/me/mfa/recovery-codes
json_post $R "$ERIN_AT" "{\"code\":\"${ERIN_CODES[3]}\"}"
expect "new recovery codes with a recovery code -> 403" 403 .error access_denied
json_post $R "$ERIN_AT" '{}'
expect "new recovery codes without a code -> 400" 400 .error invalid_request
json_post $R "$ERIN_AT" "{\"code\":\"$(wrong_code "$ERIN_KEY")\"}"
expect "new recovery codes with a wrong TOTP code -> 403" 403 .error access_denied
req DELETE $M -H "$(bearer "$ERIN_AT")" -H 'Content-Type: application/json' --data-binary "{\"currentPassword\":\"$ACCT_NEW\"}"
expect "turning off without a code -> 400" 400 .error invalid_request
req DELETE $M -H "$(bearer "$ERIN_AT")" -H 'Content-Type: application/json' --data-binary "{\"currentPassword\":\"wrong-password-123\",\"code\":\"${ERIN_CODES[3]}\"}"
expect "turning off with a wrong password -> 403" 403 .error access_denied
req GET $M -H "$(bearer "$ERIN_AT")"
expect "... and no recovery code was spent on the refusals" 200 .recoveryCodesLeft 7 .mfaEnabled true
req DELETE $M -H "$(bearer "$ERIN_AT")" -H 'Content-Type: application/json' --data-binary "{\"currentPassword\":\"$ACCT_NEW\",\"code\":\"${ERIN_CODES[3]}\"}"
expect "turning off with the password and a recovery code (lost phone) -> 200" 200
req GET $M -H "$(bearer "$ERIN_AT")"
expect "off: no codes left" 200 .mfaEnabled false .recoveryCodesLeft 0
acct_token "$ERIN" "$ACCT_NEW"
expect "the password alone gives full tokens again" 200 .mfa_required null
req DELETE $M -H "$(bearer "$ERIN_AT")" -H 'Content-Type: application/json' --data-binary "{\"currentPassword\":\"$ACCT_NEW\",\"code\":\"${ERIN_CODES[4]}\"}"
expect "turning off again -> 409" 409 .error conflict

# -- The account page's endpoints: the session cookie and its CSRF header.
AJAR=$STATE/account-cookies.txt
rm -f "$AJAR"
req GET /api/account/session -b "$AJAR"
expect "GET /api/account/session without a session -> signedIn false" 200 .signedIn false .user null
req GET /api/account/mfa -b "$AJAR"
expect "GET /api/account/mfa without a session -> 401" 401 .error invalid_token
req GET /api/oauth/signin -b "$AJAR" -c "$AJAR"
expect "GET /api/oauth/signin: a sign-in CSRF token for the account page" 200 .signedIn false '.csrfToken|length' 43
SCSRF=$(jq -r .csrfToken <<<"$BODY")
asignin() { req POST /api/oauth/signin -b "$AJAR" -c "$AJAR" -d next=account "$@"; }
alocation() { sed -n 's/^[Ll]ocation: *//p' <<<"$HDRS" | tr -d '\r'; }
asignin --data-urlencode "username=$ERIN" --data-urlencode "password=$ACCT_NEW"
check "account sign-in without the CSRF token -> 403" test "$STATUS" = 403
asignin --data-urlencode "csrf_token=$SCSRF" --data-urlencode "username=$ERIN" --data-urlencode password=wrong-password-1
check "account sign-in with a wrong password -> back to the page with the error" \
  bash -c "[[ '$STATUS' == 303 && '$(alocation)' == '/signin.html?next=account&error=invalid_credentials' ]]"
asignin --data-urlencode "csrf_token=$SCSRF" --data-urlencode "username=$ERIN" --data-urlencode "password=$ACCT_NEW"
check "account sign-in -> 303 to /account.html with a session cookie for /api" \
  bash -c "[[ '$STATUS' == 303 && '$(alocation)' == /account.html ]] && grep -qi 'set-cookie: access_session=.*Path=/api;' <<<\"\$1\"" _ "$HDRS"
req GET /api/account/session -b "$AJAR"
expect "GET /api/account/session: the user and the session's CSRF token" 200 .signedIn true .user.email "$ERIN" '.csrfToken|length' 43
ACSRF=$(jq -r .csrfToken <<<"$BODY")
aput() { req PUT "$1" -b "$AJAR" -H 'Content-Type: application/json' "${@:3}" --data-binary "$2"; }
aput /api/account/profile '{"firstName":"Erin"}'
expect "a write without the X-CSRF-Token header -> 403" 403 .error access_denied
aput /api/account/profile '{"firstName":"Erin"}' -H "X-CSRF-Token: $SCSRF"
expect "a write with the sign-in form's token instead of the session's -> 403" 403 .error access_denied
aput /api/account/profile '{"firstName":"Erin"}' -H "X-CSRF-Token: $ACSRF" -H 'Origin: https://evil.example.com'
expect "a write from another origin -> 403" 403 .error access_denied
req GET /api/account/session -b "$AJAR"
expect "the refused writes changed nothing" 200 .user.firstName null
aput /api/account/profile '{"firstName":"Erin"}' -H "X-CSRF-Token: $ACSRF" -H "Origin: $BASE"
expect "a write with the header -> 200" 200 .firstName Erin
req GET /api/account/mfa -H "$(bearer "$ERIN_AT")"
expect "a bearer token is no way into /api/account" 401
req GET /api/account/mfa -b "$AJAR"
expect "GET /api/account/mfa" 200 .mfaEnabled false
req POST /api/account/mfa -b "$AJAR" -H "X-CSRF-Token: $ACSRF"
expect "POST /api/account/mfa starts an enrolment" 200 '.authenticatorUri|startswith("otpauth://")' true
PAGE_KEY=$(secret_of "$(jq -r .authenticatorUri <<<"$BODY")")
aput /api/account/mfa "{\"code\":\"$(totp "$PAGE_KEY")\"}" -H "X-CSRF-Token: $ACSRF"
expect "PUT /api/account/mfa confirms" 200 '.recoveryCodes|length' 10
OLD_PAGE_CODE=$(jq -r '.recoveryCodes[3]' <<<"$BODY")
req POST /api/account/mfa/recovery-codes -b "$AJAR" -H "X-CSRF-Token: $ACSRF" -H 'Content-Type: application/json' \
  --data-binary "{\"code\":\"${PAGE_RC_TOTP:=$(totp "$PAGE_KEY" "+30 seconds")}\"}"
expect "new recovery codes with the next TOTP code -> 10 new ones" 200 '.recoveryCodes|length' 10
PAGE_CODE=$(jq -r '.recoveryCodes[0]' <<<"$BODY")
req POST /api/account/mfa/recovery-codes -b "$AJAR" -H "X-CSRF-Token: $ACSRF" -H 'Content-Type: application/json' \
  --data-binary "{\"code\":\"$PAGE_RC_TOTP\"}"
expect "new recovery codes again with the same TOTP code -> 403" 403 .error access_denied \
  .error_description "code is wrong or was already used"
req GET /api/account/mfa -b "$AJAR"
expect "... and the refusal left the first call's set in place (10 left)" 200 .recoveryCodesLeft 10 .mfaEnabled true
mfa_grant "$(restrictive_of "$ERIN" "$ACCT_NEW")" "$OLD_PAGE_CODE"
expect "a recovery code of the old set no longer works" 400 .error invalid_grant
req GET /api/account/approvals -b "$AJAR"
expect "GET /api/account/approvals" 200 '.applications|type' array
req DELETE /api/account/approvals/not-an-approval -b "$AJAR" -H "X-CSRF-Token: $ACSRF"
expect "DELETE an unknown approval -> 404" 404 .error not_found
req GET /api/account/devices -b "$AJAR"
expect "GET /api/account/devices" 200 '.devices|type' array
req DELETE /api/account/devices/no-such-device -b "$AJAR" -H "X-CSRF-Token: $ACSRF"
expect "DELETE an unknown device -> 404" 404 .error not_found
req DELETE /api/account/devices/no-such-device -b "$AJAR"
expect "DELETE without the CSRF header -> 403 (before anything else)" 403 .error access_denied
req GET /api/account/nothing-here -b "$AJAR"
expect "an unknown account path -> 404" 404 .error not_found
req POST /api/account/session -b "$AJAR" -H "X-CSRF-Token: $ACSRF"
expect "a wrong method -> 405" 405 .error method_not_allowed

# Signing in to the account page with a recovery code.
req GET /api/oauth/signin -b "$AJAR"
expect "signed in: GET /api/oauth/signin says so, with the session's token" 200 .signedIn true .userName "$ERIN"
req POST /api/account/signout-everywhere -b "$AJAR" -c "$AJAR"
expect "POST /api/account/signout-everywhere without the header -> 403" 403
req POST /api/account/signout-everywhere -b "$AJAR" -c "$AJAR" -H "X-CSRF-Token: $ACSRF"
expect "sign out everywhere -> 200" 200
req GET /api/account/session -b "$AJAR"
expect "... and the session is gone" 200 .signedIn false
req GET /api/v1/users/me -H "$(bearer "$ERIN_AT")"
expect "... and so are the user's tokens" 401
req GET /api/oauth/signin -b "$AJAR" -c "$AJAR"
SCSRF=$(jq -r .csrfToken <<<"$BODY")
asignin --data-urlencode "csrf_token=$SCSRF" --data-urlencode "username=$ERIN" --data-urlencode "password=$ACCT_NEW"
check "a 2FA user without a code -> mfa_required" bash -c "[[ '$(alocation)' == '/signin.html?next=account&error=mfa_required' ]]"
asignin --data-urlencode "csrf_token=$SCSRF" --data-urlencode "username=$ERIN" --data-urlencode "password=$ACCT_NEW" --data-urlencode "mfa_code=$PAGE_CODE"
check "a recovery code on the sign-in form -> signed in" bash -c "[[ '$(alocation)' == /account.html ]]"
req GET /api/account/session -b "$AJAR"
ACSRF=$(jq -r .csrfToken <<<"$BODY")
req POST /api/account/signout -b "$AJAR" -c "$AJAR" -H "X-CSRF-Token: $ACSRF"
expect "sign out (this browser) -> 200" 200
req GET /api/account/session -b "$AJAR"
expect "... and this browser is signed out" 200 .signedIn false
req GET /api/oauth/signin -b "$AJAR" -c "$AJAR"
SCSRF=$(jq -r .csrfToken <<<"$BODY")
asignin --data-urlencode "csrf_token=$SCSRF" --data-urlencode "username=$ERIN" --data-urlencode "password=$ACCT_NEW" --data-urlencode "mfa_code=$PAGE_CODE"
check "the same recovery code on the form again -> mfa_invalid" bash -c "[[ '$(alocation)' == '/signin.html?next=account&error=mfa_invalid' ]]"
asignin --data-urlencode "csrf_token=$SCSRF" --data-urlencode "username=$ERIN" --data-urlencode "password=$ACCT_NEW" --data-urlencode "mfa_code=$PAGE_CODE"
check "... and a third time -> mfa_invalid" bash -c "[[ '$(alocation)' == '/signin.html?next=account&error=mfa_invalid' ]]"
check "the recovery code's use was logged without the code" \
  bash -c "grep -q 'recovery code used: user $ERIN_ID' '$STATE/service.log' && ! grep -q -- '$PAGE_CODE' '$STATE/service.log'"
