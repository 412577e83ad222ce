# Browser flows (API.md section 4): authorization code with PKCE, implicit,
# sign-in, consent, sign-out, approvals, and their negative cases. curl plays
# the browser; a second cookie jar plays another browser.
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_user1; need_admin_token; need_user1_token
# webapp (WEB_SECRET): redirect URIs $CB and $LOOP, read write (lib.sh need_web_app).
need_web_app
CB=https://client.example.com/cb
LOOP=http://127.0.0.1:9999/callback
OTHER_SECRET=$(jq -r .clientSecret <<<"$($CTL client add --client-id otherapp --name "Other" \
  --grant authorization_code --redirect-uri "$CB" --access-seconds 300)")
JAR=$STATE/cookies.txt
JAR2=$STATE/cookies-other.txt
rm -f "$JAR" "$JAR2"
urlenc() { jq -rn --arg v "$1" '$v|@uri'; }
location() { sed -n 's/^[Ll]ocation: *//p' <<<"$HDRS" | tr -d '\r'; }
# The value of parameter $2 in URL $1 (query or fragment), decoded.
param_of() { python3 -c 'import sys, urllib.parse as u; p=u.urlsplit(sys.argv[1]); q=u.parse_qs(p.query or p.fragment, keep_blank_values=True); print(q.get(sys.argv[2], [""])[0])' "$1" "$2"; }
challenge_of() { printf %s "$1" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '='; }
VERIFIER=$(head -c 48 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
CHALLENGE=$(challenge_of "$VERIFIER")
STATE_VALUE='xyz 123&<>é'
authorize() { req GET "/api/oauth/authorize?$1" -b "$JAR" -c "$JAR"; }
authorize2() { req GET "/api/oauth/authorize?$1" -b "$JAR2" -c "$JAR2"; }
set_cookie() { grep -i "^set-cookie: *$1=" <<<"$HDRS" | tr -d '\r'; }
saved_requests() { db 'SELECT count(*) FROM auth_requests'; }
# SHA-256 of a string in upper-case hex, as db_hex prints a stored hash: the
# binding cookie, the session cookie and the code are stored as SHA-256 of
# their clear value (handlers/authorize.cpp, oauth/browser.cpp, token_hash).
sha_hex() { printf %s "$1" | sha256sum | awk '{print toupper($1)}'; }
ISS=$(urlenc "$BASE")  # RFC 9207: every authorization response carries iss=<issuer>
AUTHQ="response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&scope=read&state=$(urlenc "$STATE_VALUE")&code_challenge=$CHALLENGE&code_challenge_method=S256"

authorize "$AUTHQ"
check "authorize without a session -> 302 to the sign-in page" \
  bash -c "[[ '$STATUS' == 302 && '$(location)' == /signin.html?rid=* ]]"
RID=$(param_of "http://x$(location)" rid)
rid_cookie=$(set_cookie access_rid)
check "the request binds the browser: access_rid cookie, HttpOnly, SameSite=Lax, Path=/api/oauth, not Secure over http" \
  bash -c "[[ '$rid_cookie' == *HttpOnly* && '$rid_cookie' == *SameSite=Lax* && '$rid_cookie' == *Path=/api/oauth* && '$rid_cookie' != *Secure* ]]"
rid_value=$(sed -n 's/.*access_rid=\([^;]*\).*/\1/p' <<<"$rid_cookie")
check "the saved request keeps only the hash of the binding cookie" \
  test "$(db "SELECT count(*) FROM auth_requests WHERE id = '$RID' AND $(db_hex browser_hash) = '$(sha_hex "$rid_value")'")" = 1
req GET "/api/oauth/authorize/requests/$RID" -b "$JAR"
expect "the saved request for the pages, with a CSRF token before sign-in" 200 .appName "Photo Printer" .clientId webapp \
  '.scope|join(" ")' read .signedIn false '.csrfToken|length' 43
BCSRF=$(jq -r .csrfToken <<<"$BODY")
req GET /api/oauth/authorize/requests/not-a-real-rid -b "$JAR"
expect "an unknown request id -> 404 JSON" 404 .error not_found
req GET "/api/oauth/authorize/requests/$RID"
expect "the request read by a browser without the binding cookie -> 404" 404 .error not_found
authorize2 "$AUTHQ"
check "another browser gets its own binding cookie" bash -c "[[ -n '$(set_cookie access_rid)' && '$(set_cookie access_rid)' != *'$rid_value'* ]]"
RID_OTHER=$(param_of "http://x$(location)" rid)
req GET "/api/oauth/authorize/requests/$RID" -b "$JAR2"
expect "the request read by another browser -> 404" 404 .error not_found
req GET "/api/oauth/authorize/requests/$RID_OTHER" -b "$JAR2"
BCSRF2=$(jq -r .csrfToken <<<"$BODY")
check "each browser has its own sign-in CSRF token" bash -c "[[ ${#BCSRF2} == 43 && '$BCSRF2' != '$BCSRF' ]]"
authorize "rid=$RID"
check "resuming with the binding cookie, not signed in -> the sign-in page again" \
  bash -c "[[ '$(location)' == '/signin.html?rid=$RID' && -z '$(set_cookie access_rid)' ]]"
authorize2 "rid=$RID"
check "resuming another browser's request -> 400 page, no redirect" bash -c "[[ '$STATUS' == 400 && -z '$(location)' ]]"

signin() {  # signin JAR RID CSRF [curl args]
  local jar=$1 rid=$2 csrf=$3
  shift 3
  req POST /api/oauth/signin -b "$jar" -c "$jar" --data-urlencode "rid=$rid" ${csrf:+--data-urlencode "csrf_token=$csrf"} "$@"
}
signin "$JAR" "$RID" "$BCSRF" --data-urlencode "username=$USER1" --data-urlencode password=wrong
check "wrong password -> back to the sign-in page with invalid_credentials" \
  bash -c "[[ '$STATUS' == 303 && '$(location)' == '/signin.html?rid=$RID&error=invalid_credentials' ]]"
sign_in_failures() { db "SELECT COALESCE(SUM(count), 0) FROM sign_in_failures"; }
FAILS_BEFORE=$(sign_in_failures)
signin "$JAR" "$RID" "" --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
check "sign-in without a CSRF token (no Origin header) -> 403, no session" \
  bash -c "[[ '$STATUS' == 403 && -z '$(set_cookie access_session)' ]]"
signin "$JAR" "$RID" "$BCSRF2" --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
check "sign-in with another browser's CSRF token -> 403, no session" \
  bash -c "[[ '$STATUS' == 403 && -z '$(set_cookie access_session)' ]]"
signin "$JAR" "$RID" "$BCSRF" -H "Origin: https://evil.example.com" --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
check "sign-in posted from another origin -> 403" test "$STATUS" = 403
signin "$JAR" "$RID" "" --data-urlencode "username=$USER1" --data-urlencode password=wrong
check "a wrong password without a CSRF token -> 403" test "$STATUS" = 403
check "the CSRF and cross-origin refusals counted no sign-in failure ($FAILS_BEFORE before)" \
  test "$(sign_in_failures)" = "$FAILS_BEFORE"
req POST /api/oauth/signin -b "$JAR" -H 'Content-Type: application/json' \
  --data-binary "{\"rid\":\"$RID\",\"csrf_token\":\"$BCSRF\",\"username\":\"$USER1\",\"password\":\"$USER1_PW\"}"
check "sign-in with a JSON body -> 415 page, no session" \
  bash -c "[[ '$STATUS' == 415 && -z '$(set_cookie access_session)' ]] && grep -qi '^content-type: text/html' <<<\"\$1\"" _ "$HDRS"
# Lockout through the form (API.md section 4), with a user of its own.
echo "$USER1_PW" | $CTL user add lockform@example.com --role ROLE_ORIGINATOR --password-stdin >/dev/null
JAR3=$STATE/cookies-lockform.txt
rm -f "$JAR3"
req GET "/api/oauth/authorize?$AUTHQ" -b "$JAR3" -c "$JAR3"
RID_LOCK=$(param_of "http://x$(location)" rid)
req GET "/api/oauth/authorize/requests/$RID_LOCK" -b "$JAR3"
LCSRF=$(jq -r .csrfToken <<<"$BODY")
for i in 1 2 3 4 5; do
  signin "$JAR3" "$RID_LOCK" "$LCSRF" -d username=lockform@example.com --data-urlencode password=wrong-password-$i
done
check "the 5th wrong password on the form -> still invalid_credentials" \
  test "$(location)" = "/signin.html?rid=$RID_LOCK&error=invalid_credentials"
signin "$JAR3" "$RID_LOCK" "$LCSRF" -d username=lockform@example.com --data-urlencode "password=$USER1_PW"
check "then the right password on the form -> 303 error=locked, no session" \
  bash -c "[[ '$STATUS' == 303 && '$(location)' == '/signin.html?rid=$RID_LOCK&error=locked' && -z '$(set_cookie access_session)' ]]"
signin "$JAR" bogus "$BCSRF" --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
check "sign-in with an unknown request -> the error page" bash -c "[[ '$(location)' == '/error.html?error=request_expired' ]]"
signin "$JAR2" "$RID" "$BCSRF2" --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
check "sign-in to another browser's request -> the error page, no session" \
  bash -c "[[ '$(location)' == '/error.html?error=request_expired' && -z '$(set_cookie access_session)' ]]"
signin "$JAR" "$RID" "$BCSRF" -H "Origin: $BASE" --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
check "sign-in -> 303 back to authorize" bash -c "[[ '$STATUS' == 303 && '$(location)' == '/api/oauth/authorize?rid=$RID' ]]"
cookie=$(set_cookie access_session)
check "session cookie is HttpOnly, SameSite=Lax, Path=/api (the account endpoints too)" \
  bash -c "[[ '$cookie' == *access_session=* && '$cookie' == *HttpOnly* && '$cookie' == *SameSite=Lax* && '$cookie' == *'Path=/api;'* ]]"
check "session cookie is not Secure over plain http" bash -c "[[ '$cookie' != *Secure* ]]"
session_value=$(sed -n 's/.*access_session=\([^;]*\).*/\1/p' <<<"$cookie")
check "the database stores only the session's hash" \
  test "$(db "SELECT count(*) FROM sessions WHERE $(db_hex hash) = '$(sha_hex "$session_value")'"):$(db "SELECT count(*) FROM sessions WHERE length(hash) != 32")" = 1:0

authorize "rid=$RID"
check "signed in, no approval -> 302 to the consent page" bash -c "[[ '$(location)' == '/consent.html?rid=$RID' ]]"
req GET "/api/oauth/authorize/requests/$RID" -b "$JAR"
expect "signed in: the request carries a CSRF token" 200 .signedIn true .userName "$USER1"
CSRF=$(jq -r .csrfToken <<<"$BODY")
check "the CSRF token is long and random" test ${#CSRF} = 43
check "after sign-in the CSRF token is the session's, not the browser's" test "$CSRF" != "$BCSRF"

req POST /api/oauth/authorize -b "$JAR" --data-urlencode "rid=$RID" -d user_oauth_approval=true
check "consent without a CSRF token -> 403" test "$STATUS" = 403
req POST /api/oauth/authorize -b "$JAR" --data-urlencode "rid=$RID" -d csrf_token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA -d user_oauth_approval=true
check "consent with a wrong CSRF token -> 403" test "$STATUS" = 403
req POST /api/oauth/authorize -b "$JAR" --data-urlencode "rid=$RID" --data-urlencode "csrf_token=$BCSRF" -d user_oauth_approval=true
check "consent with the pre-sign-in (browser) CSRF token -> 403" test "$STATUS" = 403
# Another browser signed in as the same user cannot consent to this request.
req GET "/api/oauth/authorize/requests/$RID_OTHER" -b "$JAR2"
signin "$JAR2" "$RID_OTHER" "$(jq -r .csrfToken <<<"$BODY")" --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
req GET "/api/oauth/authorize/requests/$RID_OTHER" -b "$JAR2"
CSRF_OTHER=$(jq -r .csrfToken <<<"$BODY")
req POST /api/oauth/authorize -b "$JAR2" --data-urlencode "rid=$RID" --data-urlencode "csrf_token=$CSRF_OTHER" -d user_oauth_approval=true
check "consent to another browser's request -> 400 page, no redirect" bash -c "[[ '$STATUS' == 400 && -z '$(location)' ]]"
req POST /api/oauth/authorize --data-urlencode "rid=$RID" --data-urlencode "csrf_token=$CSRF" -d user_oauth_approval=true
check "consent without the session cookie -> 403" test "$STATUS" = 403
approvals_count() { db "SELECT count(*) FROM approvals"; }
APPROVALS_BEFORE=$(approvals_count)
req POST /api/oauth/authorize -b "$JAR" --data-urlencode "rid=$RID" --data-urlencode "csrf_token=$CSRF"
check "consent without user_oauth_approval -> 400 page, no redirect" \
  bash -c "[[ '$STATUS' == 400 && -z '$(location)' && \"\$1\" == *'user_oauth_approval must be true or false.'* ]]" _ "$BODY"
req POST /api/oauth/authorize -b "$JAR" --data-urlencode "rid=$RID" --data-urlencode "csrf_token=$CSRF" -d user_oauth_approval=yes
check "consent with user_oauth_approval=yes -> 400 page, no redirect" \
  bash -c "[[ '$STATUS' == 400 && -z '$(location)' && \"\$1\" == *'user_oauth_approval must be true or false.'* ]]" _ "$BODY"
check "... and the refusals made no approval row" test "$(approvals_count)" = "$APPROVALS_BEFORE"
req POST /api/oauth/authorize -b "$JAR" --data-urlencode "rid=$RID" --data-urlencode "csrf_token=$CSRF" -d user_oauth_approval=true
check "consent -> 302 to the redirect URI with a code" bash -c "[[ '$STATUS' == 302 && '$(location)' == '$CB?code='* ]]"
CODE=$(param_of "$(location)" code)
check "the state is echoed unchanged" test "$(param_of "$(location)" state)" = "$STATE_VALUE"
check "the code response carries iss = the issuer (RFC 9207)" test "$(param_of "$(location)" iss)" = "$BASE"
check "the code is a 256-bit random value" test ${#CODE} = 43
authorize "rid=$RID"
check "a finished request id cannot be replayed" test "$STATUS" = 400

exchange() {  # exchange CLIENT SECRET CODE REDIRECT [VERIFIER]
  req POST /api/oauth/token -u "$1:$2" -d grant_type=authorization_code --data-urlencode "code=$3" \
    --data-urlencode "redirect_uri=$4" ${5:+--data-urlencode "code_verifier=$5"}
}
exchange otherapp "$OTHER_SECRET" "$CODE" "$CB" "$VERIFIER"
expect "the code presented by another client -> invalid_grant" 400 .error invalid_grant
exchange webapp "$WEB_SECRET" "$CODE" "$CB/" "$VERIFIER"
expect "the code with another redirect_uri -> invalid_grant" 400 .error invalid_grant
exchange webapp "$WEB_SECRET" "$CODE" "$CB"
expect "PKCE: missing verifier -> invalid_grant" 400 .error invalid_grant
exchange webapp "$WEB_SECRET" "$CODE" "$CB" "${VERIFIER}x"
expect "PKCE: wrong verifier -> invalid_grant" 400 .error invalid_grant
exchange webapp "$WEB_SECRET" "$CODE" "$CB" "$VERIFIER"
expect "code + verifier -> tokens" 200 .token_type bearer .scope read '.refresh_token|length' 43
CODE_AT=$(jq -r .access_token <<<"$BODY")
CODE_RT=$(jq -r .refresh_token <<<"$BODY")
req GET /api/v1/users/me -H "$(bearer "$CODE_AT")"
expect "the code flow's access token works" 200 .email "$USER1"
exchange webapp "$WEB_SECRET" "$CODE" "$CB" "$VERIFIER"
expect "the same code again -> invalid_grant" 400 .error invalid_grant
req GET /api/v1/users/me -H "$(bearer "$CODE_AT")"
expect "after code reuse the first exchange's access token is dead" 401 .error invalid_token
req POST /api/oauth/token -u "webapp:$WEB_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$CODE_RT"
expect "after code reuse the first exchange's refresh token is dead" 400 .error invalid_grant
req POST /api/oauth/token -u "webapp:$WEB_SECRET" -d grant_type=authorization_code --data-urlencode "redirect_uri=$CB" \
  --data-urlencode "code_verifier=$VERIFIER"
expect "the code grant without code -> invalid_request" 400 .error invalid_request

# An existing approval covering the scopes skips the consent page.
authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&scope=read&state=s2"
check "approved before -> straight to the redirect URI with a code, state and iss" \
  bash -c "[[ '$(location)' == '$CB?code='*'&state=s2&iss=$ISS' ]]"
CODE2=$(param_of "$(location)" code)
exchange webapp "$WEB_SECRET" "$CODE2" "$CB" "$VERIFIER"
expect "PKCE: a verifier without a challenge -> invalid_grant" 400 .error invalid_grant
exchange webapp "$WEB_SECRET" "$CODE2" "$CB"
expect "no PKCE at all -> tokens" 200
APPROVED_RT=$(jq -r .refresh_token <<<"$BODY")
APPROVED_AT=$(jq -r .access_token <<<"$BODY")

authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&scope=read&state=s3"
CODE3=$(param_of "$(location)" code)
check "codes are stored hashed" \
  test "$(db "SELECT count(*) FROM auth_codes WHERE $(db_hex hash) = '$(sha_hex "$CODE3")'"):$(db "SELECT count(*) FROM auth_codes WHERE length(hash) != 32")" = 1:0
db "UPDATE auth_codes SET expires_at = $(db_now) - 1 WHERE used_at IS NULL"
exchange webapp "$WEB_SECRET" "$CODE3" "$CB"
expect "a code after its expiry -> invalid_grant" 400 .error invalid_grant

authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&scope=read+write&state=s4"
check "a wider scope than approved -> consent again" bash -c "[[ '$(location)' == /consent.html?rid=* ]]"
RID4=$(param_of "http://x$(location)" rid)
req POST /api/oauth/authorize -b "$JAR" --data-urlencode "rid=$RID4" --data-urlencode "csrf_token=$CSRF" -d user_oauth_approval=false
check "denial -> error=access_denied with the state and iss" \
  bash -c "[[ '$(param_of "$(location)" error)' == access_denied && '$(param_of "$(location)" state)' == s4 && '$(location)' == '$CB?'* && '$(param_of "$(location)" iss)' == '$BASE' ]]"

# Redirect URIs must match exactly: a 400 page, never a redirect.
for bad in "https://client.example.com/CB" "https://client.example.com/cb/" "https://client.example.com/cb?x=1" \
           "https://client.example.com/x/../cb" "https://client.example.com/cb/../../evil" "https://CLIENT.example.com:443/cb" \
           "https://evil.example.com/cb" "http://127.0.0.1:9999/callback/../x"; do
  authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "$bad")&state=s"
  check "redirect_uri $bad -> 400 page without Location" bash -c "[[ '$STATUS' == 400 && -z '$(location)' ]]"
done
check "the 400 page is HTML" header_has 'Content-Type: text/html'
authorize "response_type=code&client_id=webapp&state=s"
check "missing redirect_uri -> 400 page" bash -c "[[ '$STATUS' == 400 && -z '$(location)' ]]"
OFF_JSON=$($CTL client add --client-id offapp --name "Disabled app" --grant authorization_code \
  --redirect-uri "$CB" --access-seconds 300)
req PUT "/api/v1/clientapps/$(jq -r .id <<<"$OFF_JSON")/enable" -H "$(bearer "$ADMIN_AT")"
expect "offapp disabled (enable toggles)" 200 .enabled false
authorize "response_type=code&client_id=offapp&redirect_uri=$(urlenc "$CB")&scope=read&state=off"
check "a fresh authorize request to a disabled app -> 400 page, no Location" \
  bash -c "[[ '$STATUS' == 400 && -z '$(location)' ]]"
authorize "response_type=code&client_id=nosuchapp&redirect_uri=$(urlenc "$CB")"
check "unknown client -> 400 page, no redirect" bash -c "[[ '$STATUS' == 400 && -z '$(location)' ]]"
authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "http://127.0.0.1:41234/callback")&scope=read&state=lp&code_challenge=$CHALLENGE&code_challenge_method=S256"
check "a loopback redirect URI may differ in port only (RFC 8252)" bash -c "[[ '$(location)' == 'http://127.0.0.1:41234/callback?code='* ]]"

# Other errors redirect with error, error_description and state.
authorize "response_type=magic&client_id=webapp&redirect_uri=$(urlenc "$CB")&state=e1"
check "unknown response_type -> redirect unsupported_response_type" \
  bash -c "[[ '$(param_of "$(location)" error)' == unsupported_response_type && '$(param_of "$(location)" state)' == e1 && -n '$(param_of "$(location)" error_description)' ]]"
check "an error redirect carries iss too" test "$(param_of "$(location)" iss)" = "$BASE"
authorize "client_id=webapp&redirect_uri=$(urlenc "$CB")&state=e0"
check "missing response_type -> redirect invalid_request (query), state and iss" \
  bash -c "[[ '$(location)' == '$CB?error=invalid_request&'* && '$(param_of "$(location)" state)' == e0 && '$(param_of "$(location)" iss)' == '$BASE' ]]"
authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&scope=admin&state=e2"
check "scope outside the app's -> redirect invalid_scope" test "$(param_of "$(location)" error)" = invalid_scope
authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&code_challenge=$CHALLENGE&code_challenge_method=plain&state=e3"
check "code_challenge_method=plain -> redirect invalid_request" test "$(param_of "$(location)" error)" = invalid_request
authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&code_challenge=$CHALLENGE&state=e5"
check "code_challenge without code_challenge_method -> redirect invalid_request" \
  bash -c "[[ '$(location)' == '$CB?error=invalid_request&'* && '$(param_of "$(location)" state)' == e5 ]]"
authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&code_challenge_method=S256&state=e6"
check "code_challenge_method without code_challenge -> redirect invalid_request" \
  bash -c "[[ '$(location)' == '$CB?error=invalid_request&'* && '$(param_of "$(location)" state)' == e6 ]]"
authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&code_challenge=short&code_challenge_method=S256"
check "malformed code_challenge -> redirect invalid_request" test "$(param_of "$(location)" error)" = invalid_request
authorize "response_type=token&client_id=otherapp&redirect_uri=$(urlenc "$CB")&state=e4"
check "implicit for an app without it -> unauthorized_client in the fragment" \
  bash -c "[[ '$(location)' == '$CB#error=unauthorized_client'* && '$(param_of "$(location)" state)' == e4 ]]"
authorize "response_type=code&response_type=token&client_id=webapp&redirect_uri=$(urlenc "$CB")"
check "a repeated parameter -> 400 page" test "$STATUS" = 400

# Implicit: the token in the fragment, never a refresh token.
authorize "response_type=token&client_id=webapp&redirect_uri=$(urlenc "$CB")&scope=read&state=imp"
loc=$(location)
check "implicit -> token in the fragment" bash -c "[[ '$loc' == '$CB#access_token='* && '$(param_of "$loc" token_type)' == bearer && '$(param_of "$loc" state)' == imp && '$(param_of "$loc" scope)' == read ]]"
check "implicit never returns a refresh token" bash -c "[[ '$loc' != *refresh_token* && -n '$(param_of "$loc" jti)' ]]"
check "the implicit response carries iss in the fragment" bash -c "[[ '$loc' == *'#'*'&iss=$ISS'* && '$(param_of "$loc" iss)' == '$BASE' ]]"
IMPLICIT_AT=$(param_of "$loc" access_token)
req GET /api/v1/users/me -H "$(bearer "$IMPLICIT_AT")"
expect "the implicit access token works" 200 .email "$USER1"

# Approvals: list, delete by another user (404), delete by the owner.
req GET /api/v1/users/me/applications/approvals -H "$(bearer "$USER1_AT")"
expect "the approval is listed" 200 '.applications|length' 1 '.applications[0].clientId' webapp \
  '.applications[0].clientDescription' "Photo Printer" '.applications[0].scope|join(" ")' read
APPROVAL_ID=$(jq -r '.applications[0].id' <<<"$BODY")
req GET /api/v1/users/me/applications/approvals -H "$(bearer "$ADMIN_AT")"
expect "another user's list is empty" 200 '.applications|length' 0
req DELETE "/api/v1/users/me/applications/approvals/$APPROVAL_ID" -H "$(bearer "$ADMIN_AT")"
expect "another user cannot delete it -> 404" 404 .error not_found
req DELETE "/api/v1/users/me/applications/approvals/$APPROVAL_ID"
expect "delete without a token -> 401" 401 .error invalid_token
req DELETE "/api/v1/users/me/applications/approvals/$APPROVAL_ID" -H "$(bearer "$USER1_AT")"
expect "the owner deletes it" 200 '.|length' 0
req POST /api/oauth/token -u "webapp:$WEB_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$APPROVED_RT"
expect "the app's refresh token died with the approval" 400 .error invalid_grant
req GET /api/v1/users/me -H "$(bearer "$APPROVED_AT")"
expect "the app's access token died with the approval" 401 .error invalid_token
req GET /api/v1/users/me -H "$(bearer "$USER1_AT")"
expect "the user's tokens of other apps still work" 200
req DELETE "/api/v1/users/me/applications/approvals/$APPROVAL_ID" -H "$(bearer "$USER1_AT")"
expect "deleting it again -> 404" 404 .error not_found
authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&scope=read"
check "without the approval the consent page is shown again" bash -c "[[ '$(location)' == /consent.html?rid=* ]]"

# RFC 9207: the metadata says that authorization responses carry iss.
req GET /.well-known/oauth-authorization-server
expect "metadata: authorization_response_iss_parameter_supported" 200 .authorization_response_iss_parameter_supported true

# A saved request is re-checked against the app as registered when it is
# resumed or consented to: a removed redirect URI, a withdrawn grant or a
# disabled app stops it.
RC1=https://recheck.example.com/one
RC2=https://recheck.example.com/two
RC_JSON=$($CTL client add --client-id recheck --name "Recheck" --grant authorization_code --grant implicit \
  --redirect-uri "$RC1" --redirect-uri "$RC2" --scope read --access-seconds 300)
RC_ID=$(jq -r .id <<<"$RC_JSON")
rc_rid() {  # rc_rid REDIRECT_URI -> the rid of a request waiting on the consent page
  authorize "response_type=code&client_id=recheck&redirect_uri=$(urlenc "$1")&scope=read&state=rc"
  [[ $(location) == /consent.html?rid=* ]] && param_of "http://x$(location)" rid
}
RA=$(rc_rid "$RC2") RB=$(rc_rid "$RC2") RB2=$(rc_rid "$RC2") RC=$(rc_rid "$RC1") RD=$(rc_rid "$RC1") RE=$(rc_rid "$RC1")
check "six requests wait for consent" bash -c "[[ -n '$RA' && -n '$RB' && -n '$RB2' && -n '$RC' && -n '$RD' && -n '$RE' ]]"
consent() { req POST /api/oauth/authorize -b "$JAR" --data-urlencode "rid=$1" --data-urlencode "csrf_token=$CSRF" -d "user_oauth_approval=$2"; }
json_put "/api/v1/clientapps/$RC_ID" "$ADMIN_AT" "{\"registeredRedirectUris\":[\"$RC1\"]}"
expect "the admin removes a redirect URI" 200
authorize "rid=$RA"
check "resuming a request whose redirect URI was removed -> 400 page, no redirect, no code" \
  bash -c "[[ '$STATUS' == 400 && -z '$(location)' ]]"
check "... and the request is gone" test "$(db "SELECT count(*) FROM auth_requests WHERE id = '$RA'")" = 0
consent "$RB" true
check "consenting to a request whose redirect URI was removed -> 400 page, no redirect" \
  bash -c "[[ '$STATUS' == 400 && -z '$(location)' ]]"
consent "$RB2" false
check "... and denying it does not redirect there either" bash -c "[[ '$STATUS' == 400 && -z '$(location)' ]]"
json_put "/api/v1/clientapps/$RC_ID" "$ADMIN_AT" '{"authorizedGrantTypes":["implicit"]}'
expect "the admin withdraws the authorization_code grant" 200
consent "$RC" true
check "consenting after the grant was withdrawn -> redirect unauthorized_client with iss, no code" \
  bash -c "[[ '$(location)' == '$RC1?error=unauthorized_client&'* && '$(param_of "$(location)" iss)' == '$BASE' && '$(location)' != *code=* ]]"
json_put "/api/v1/clientapps/$RC_ID" "$ADMIN_AT" '{"authorizedGrantTypes":["authorization_code","implicit"]}'
req PUT "/api/v1/clientapps/$RC_ID/enable" -H "$(bearer "$ADMIN_AT")"
expect "the admin disables the app" 200 .enabled false
authorize "rid=$RD"
check "resuming a request of a disabled app -> 400 page, no redirect" bash -c "[[ '$STATUS' == 400 && -z '$(location)' ]]"
consent "$RE" true
check "consenting to a request of a disabled app -> 400 page, no redirect" bash -c "[[ '$STATUS' == 400 && -z '$(location)' ]]"
req PUT "/api/v1/clientapps/$RC_ID/enable" -H "$(bearer "$ADMIN_AT")"
expect "the admin enables the app again" 200 .enabled true
RF=$(rc_rid "$RC1")
consent "$RF" true
check "a request that still fits the registration gets its code" bash -c "[[ '$(location)' == '$RC1?code='* ]]"

# PKCE is required for loopback and custom-scheme redirect URIs (RFC 8252
# 8.1) and for apps with requirePkce; refused requests store nothing.
before=$(saved_requests)
req GET "/api/oauth/authorize?response_type=code&client_id=webapp&redirect_uri=$(urlenc "$LOOP")&scope=read&state=p1"
check "loopback redirect URI without code_challenge -> redirect invalid_request with state and iss" \
  bash -c "[[ '$(location)' == '$LOOP?error=invalid_request&'* && '$(param_of "$(location)" state)' == p1 && '$(param_of "$(location)" iss)' == '$BASE' ]]"
req GET "/api/oauth/authorize?response_type=token&client_id=webapp&redirect_uri=$(urlenc "$LOOP")&scope=read&state=p2"
check "loopback redirect URI with response_type=token (no PKCE possible) -> invalid_request in the fragment" \
  bash -c "[[ '$(location)' == '$LOOP#error=invalid_request&'* ]]"
check "nothing is stored for the refused requests" test "$(saved_requests)" = "$before"
req GET "/api/oauth/authorize?response_type=code&client_id=webapp&redirect_uri=$(urlenc "$LOOP")&scope=read&code_challenge=$CHALLENGE&code_challenge_method=S256"
check "loopback redirect URI with PKCE -> the sign-in page" bash -c "[[ '$(location)' == /signin.html?rid=* ]]"
NATIVE=com.example.photos:/oauth2redirect
NATIVE_SECRET=$(jq -r .clientSecret <<<"$($CTL client add --client-id nativeapp --name "Native" \
  --grant authorization_code --redirect-uri "$NATIVE" --scope read --access-seconds 300 --auto-approve)")
authorize "response_type=code&client_id=nativeapp&redirect_uri=$(urlenc "$NATIVE")&state=n1"
check "custom-scheme redirect URI without code_challenge -> redirect invalid_request" \
  bash -c "[[ '$(location)' == '$NATIVE?error=invalid_request&'* && '$(param_of "$(location)" state)' == n1 ]]"
authorize "response_type=code&client_id=nativeapp&redirect_uri=$(urlenc "$NATIVE")&state=n2&code_challenge=$CHALLENGE&code_challenge_method=S256"
check "custom-scheme redirect URI with PKCE -> a code" bash -c "[[ '$(location)' == '$NATIVE?code='* ]]"
exchange nativeapp "$NATIVE_SECRET" "$(param_of "$(location)" code)" "$NATIVE" "$VERIFIER"
expect "the native app's code + verifier -> tokens" 200 .token_type bearer
STRICT=https://strict.example.com/cb
STRICT_JSON=$($CTL client add --client-id strictapp --name "Strict" --grant authorization_code \
  --redirect-uri "$STRICT" --scope read --access-seconds 300 --auto-approve)
authorize "response_type=code&client_id=strictapp&redirect_uri=$(urlenc "$STRICT")"
check "an https redirect URI needs no PKCE by default" bash -c "[[ '$(location)' == '$STRICT?code='* ]]"
json_put "/api/v1/clientapps/$(jq -r .id <<<"$STRICT_JSON")" "$ADMIN_AT" '{"requirePkce":true}'
expect "the admin sets requirePkce" 200 .requirePkce true
authorize "response_type=code&client_id=strictapp&redirect_uri=$(urlenc "$STRICT")&state=s1"
check "requirePkce app without code_challenge -> redirect invalid_request" \
  bash -c "[[ '$(location)' == '$STRICT?error=invalid_request&'* && '$(param_of "$(location)" iss)' == '$BASE' ]]"
authorize "response_type=code&client_id=strictapp&redirect_uri=$(urlenc "$STRICT")&code_challenge=$CHALLENGE&code_challenge_method=S256"
check "requirePkce app with PKCE -> a code" bash -c "[[ '$(location)' == '$STRICT?code='* ]]"

# state: at most 512 bytes; a longer one is refused (and not echoed), and a
# refused request stores nothing.
before=$(saved_requests)
req GET "/api/oauth/authorize?response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&state=$(printf 'a%.0s' $(seq 513))"
check "state of 513 bytes -> redirect invalid_request without the state" \
  bash -c "[[ '$(param_of "$(location)" error)' == invalid_request && '$(location)' != *state=* && '$(param_of "$(location)" iss)' == '$BASE' ]]"
check "nothing is stored for it" test "$(saved_requests)" = "$before"
req GET "/api/oauth/authorize?response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&state=$(printf 'a%.0s' $(seq 512))"
check "state of 512 bytes -> accepted (the sign-in page)" bash -c "[[ '$(location)' == /signin.html?rid=* ]]"
check "... and saved" test "$(saved_requests)" = "$((before + 1))"

# redirect_uri may be omitted when the app has exactly one (RFC 6749
# 3.1.2.3); the token request then omits it too, or sends that one.
SINGLE=https://single.example.com/cb
SINGLE_SECRET=$(jq -r .clientSecret <<<"$($CTL client add --client-id singleapp --name "Single" \
  --grant authorization_code --redirect-uri "$SINGLE" --scope read --access-seconds 300 --auto-approve)")
single_code() {
  authorize "response_type=code&client_id=singleapp&scope=read&state=o$1${2:+&redirect_uri=$(urlenc "$2")}"
  [[ $(location) == "$SINGLE?code="* ]] && param_of "$(location)" code
}
C1=$(single_code 1)
check "no redirect_uri, one registered -> a code sent to that URI" test ${#C1} = 43
req POST /api/oauth/token -u "singleapp:$SINGLE_SECRET" -d grant_type=authorization_code --data-urlencode "code=$C1"
expect "... exchanged without redirect_uri -> tokens" 200 .token_type bearer
exchange singleapp "$SINGLE_SECRET" "$(single_code 2)" "$SINGLE"
expect "... or with that same redirect_uri -> tokens" 200 .token_type bearer
exchange singleapp "$SINGLE_SECRET" "$(single_code 3)" "https://single.example.com/other"
expect "... but not with another redirect_uri -> invalid_grant" 400 .error invalid_grant
req POST /api/oauth/token -u "singleapp:$SINGLE_SECRET" -d grant_type=authorization_code --data-urlencode "code=$(single_code 4 "$SINGLE")"
expect "a code whose request had redirect_uri needs it at the token endpoint -> invalid_request" 400 .error invalid_request

# Sign-out ends this browser's session only.
sessions_of_user1() { db "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = '$USER1'"; }
sessions_before=$(sessions_of_user1)
req POST /api/oauth/signout -b "$JAR" -c "$JAR"
check "sign-out without a CSRF token -> 403" test "$STATUS" = 403
req POST /api/oauth/signout -b "$JAR" -c "$JAR" --data-urlencode "csrf_token=$BCSRF"
check "sign-out with the pre-sign-in CSRF token -> 403" test "$STATUS" = 403
req POST /api/oauth/signout -b "$JAR" -c "$JAR" -H "Origin: https://evil.example.com" --data-urlencode "csrf_token=$CSRF"
check "sign-out posted from another origin -> 403" test "$STATUS" = 403
check "a refused sign-out ends nothing" test "$(sessions_of_user1)" = "$sessions_before"
req POST /api/oauth/signout -b "$JAR" -c "$JAR" -H "Origin: $BASE" --data-urlencode "csrf_token=$CSRF"
cleared=$(set_cookie access_session)
check "sign-out -> 303 to /signin.html?signedout=1" bash -c "[[ '$STATUS' == 303 && '$(location)' == '/signin.html?signedout=1' ]]"
check "sign-out clears the session cookie" bash -c "[[ '$cleared' == *'access_session=;'* && '$cleared' == *Max-Age=0* && '$cleared' == *'Path=/api;'* ]]"
check "sign-out deletes the session's row (and only it)" test "$(sessions_of_user1)" = "$((sessions_before - 1))"
authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&scope=read"
check "after sign-out authorize asks to sign in again" bash -c "[[ '$(location)' == /signin.html?rid=* ]]"
req GET "/api/oauth/authorize/requests/$RID_OTHER" -b "$JAR2"
expect "the other browser's session is still signed in" 200 .signedIn true

# One request ends once: answers racing on one saved request (a double
# submit, two tabs) give one code; the rest find the request gone.
$CTL client add --client-id raceconsent --name "Race Consent" --grant authorization_code \
  --redirect-uri "$CB" --access-seconds 300 >/dev/null
authorize2 "response_type=code&client_id=raceconsent&redirect_uri=$(urlenc "$CB")&scope=read&state=r1&code_challenge=$CHALLENGE&code_challenge_method=S256"
check "raceconsent: signed in, no approval -> the consent page" bash -c "[[ '$(location)' == /consent.html?rid=* ]]"
RACE_RID=$(param_of "http://x$(location)" rid)
req GET "/api/oauth/authorize/requests/$RACE_RID" -b "$JAR2"
RACE_CSRF=$(jq -r .csrfToken <<<"$BODY")
# The browser's cookies as one header (curl's jar marks HttpOnly ones).
RACE_COOKIES=$(sed -n 's/^#HttpOnly_//; /^#/d; /^$/d; p' "$JAR2" | awk -F'\t' '{printf "%s%s=%s", sep, $6, $7; sep = "; "}')
race=$(printf 'rid=%s&csrf_token=%s&user_oauth_approval=true' "$RACE_RID" "$RACE_CSRF" |
  python3 tests/smoke/burst.py 8 "$BASE/api/oauth/authorize" "Cookie: $RACE_COOKIES")
check "8 consents at once on one request: one 302 with a code, 7 x 400 ($(cut -d' ' -f1 <<<"$race" | tr '\n' ' '))" \
  bash -c "[[ $(grep -c "^302 $CB?code=" <<<"$race") == 1 && $(grep -c '^400 ' <<<"$race") == 7 ]]"
check "... and one code stored for it" test "$(db "SELECT count(*) FROM auth_codes c JOIN clients a ON a.id = c.app_id WHERE a.client_id = 'raceconsent'")" = 1
check "... and the request is gone" test "$(db "SELECT count(*) FROM auth_requests WHERE id = '$RACE_RID'")" = 0
