# Browser flows (API.md section 4): authorization code with PKCE, implicit,
# sign-in, consent, approvals, and their negative cases. curl plays the browser.
CB=https://client.example.com/cb
LOOP=http://127.0.0.1:9999/callback
WEB_SECRET=$(jq -r .clientSecret <<<"$($CTL client add --client-id webapp --name "Photo Printer" \
  --grant authorization_code --grant implicit --grant refresh_token --redirect-uri "$CB" \
  --redirect-uri "$LOOP" --scope read --scope write --access-seconds 300 --refresh-seconds 3600)")
OTHER_SECRET=$(jq -r .clientSecret <<<"$($CTL client add --client-id otherapp --name "Other" \
  --grant authorization_code --redirect-uri "$CB" --access-seconds 300)")
JAR=$STATE/cookies.txt
rm -f "$JAR"
urlenc() { jq -rn --arg v "$1" '$v|@uri'; }
location() { sed -n 's/^[Ll]ocation: *//p' <<<"$HDRS" | tr -d '\r'; }
# The value of parameter $2 in URL $1 (query or fragment), decoded.
param_of() { python3 -c 'import sys, urllib.parse as u; p=u.urlsplit(sys.argv[1]); q=u.parse_qs(p.query or p.fragment, keep_blank_values=True); print(q.get(sys.argv[2], [""])[0])' "$1" "$2"; }
challenge_of() { printf %s "$1" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '='; }
VERIFIER=$(head -c 48 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
CHALLENGE=$(challenge_of "$VERIFIER")
STATE_VALUE='xyz 123&<>é'
authorize() { req GET "/api/oauth/authorize?$1" -b "$JAR" -c "$JAR"; }
AUTHQ="response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&scope=read&state=$(urlenc "$STATE_VALUE")&code_challenge=$CHALLENGE&code_challenge_method=S256"

authorize "$AUTHQ"
check "authorize without a session -> 302 to the sign-in page" \
  bash -c "[[ '$STATUS' == 302 && '$(location)' == /signin.html?rid=* ]]"
RID=$(param_of "http://x$(location)" rid)
req GET "/api/oauth/authorize/requests/$RID"
expect "the saved request for the pages" 200 .appName "Photo Printer" .clientId webapp '.scope|join(" ")' read .signedIn false .csrfToken null
req GET /api/oauth/authorize/requests/not-a-real-rid
expect "an unknown request id -> 404 JSON" 404 .error not_found

req POST /api/oauth/signin -b "$JAR" -c "$JAR" --data-urlencode "rid=$RID" --data-urlencode "username=$USER1" --data-urlencode password=wrong
check "wrong password -> back to the sign-in page with invalid_credentials" \
  bash -c "[[ '$STATUS' == 303 && '$(location)' == '/signin.html?rid=$RID&error=invalid_credentials' ]]"
req POST /api/oauth/signin -b "$JAR" -c "$JAR" -H "Origin: https://evil.example.com" --data-urlencode "rid=$RID" --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
check "sign-in posted from another origin -> 403" test "$STATUS" = 403
req POST /api/oauth/signin -b "$JAR" -c "$JAR" --data-urlencode "rid=bogus" --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
check "sign-in with an unknown request -> the error page" bash -c "[[ '$(location)' == '/error.html?error=request_expired' ]]"
req POST /api/oauth/signin -b "$JAR" -c "$JAR" -H "Origin: $BASE" --data-urlencode "rid=$RID" --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
check "sign-in -> 303 back to authorize" bash -c "[[ '$STATUS' == 303 && '$(location)' == '/api/oauth/authorize?rid=$RID' ]]"
cookie=$(grep -i '^set-cookie:' <<<"$HDRS")
check "session cookie is HttpOnly, SameSite=Lax, Path=/api/oauth" \
  bash -c "[[ '$cookie' == *access_session=* && '$cookie' == *HttpOnly* && '$cookie' == *SameSite=Lax* && '$cookie' == *Path=/api/oauth* ]]"
check "session cookie is not Secure over plain http" bash -c "[[ '$cookie' != *Secure* ]]"
session_value=$(sed -n 's/.*access_session=\([^;]*\).*/\1/p' <<<"$cookie")
check "the database stores only the session's hash" \
  test "$(sqlite3 "$STATE/access.db" "SELECT count(*) FROM sessions WHERE hash = '$session_value' OR length(hash) != 32")" = 0

authorize "rid=$RID"
check "signed in, no approval -> 302 to the consent page" bash -c "[[ '$(location)' == '/consent.html?rid=$RID' ]]"
req GET "/api/oauth/authorize/requests/$RID" -b "$JAR"
expect "signed in: the request carries a CSRF token" 200 .signedIn true .userName "$USER1"
CSRF=$(jq -r .csrfToken <<<"$BODY")
check "the CSRF token is long and random" test ${#CSRF} = 43

req POST /api/oauth/authorize -b "$JAR" --data-urlencode "rid=$RID" -d user_oauth_approval=true
check "consent without a CSRF token -> 403" test "$STATUS" = 403
req POST /api/oauth/authorize -b "$JAR" --data-urlencode "rid=$RID" -d csrf_token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA -d user_oauth_approval=true
check "consent with a wrong CSRF token -> 403" test "$STATUS" = 403
req POST /api/oauth/authorize --data-urlencode "rid=$RID" --data-urlencode "csrf_token=$CSRF" -d user_oauth_approval=true
check "consent without the session cookie -> 403" test "$STATUS" = 403
req POST /api/oauth/authorize -b "$JAR" --data-urlencode "rid=$RID" --data-urlencode "csrf_token=$CSRF" -d user_oauth_approval=true
check "consent -> 302 to the redirect URI with a code" bash -c "[[ '$STATUS' == 302 && '$(location)' == '$CB?code='* ]]"
CODE=$(param_of "$(location)" code)
check "the state is echoed unchanged" test "$(param_of "$(location)" state)" = "$STATE_VALUE"
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

# An existing approval covering the scopes skips the consent page.
authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&scope=read&state=s2"
check "approved before -> straight to the redirect URI with a code" bash -c "[[ '$(location)' == '$CB?code='*'&state=s2' ]]"
CODE2=$(param_of "$(location)" code)
exchange webapp "$WEB_SECRET" "$CODE2" "$CB" "$VERIFIER"
expect "PKCE: a verifier without a challenge -> invalid_grant" 400 .error invalid_grant
exchange webapp "$WEB_SECRET" "$CODE2" "$CB"
expect "no PKCE at all -> tokens" 200
APPROVED_RT=$(jq -r .refresh_token <<<"$BODY")
APPROVED_AT=$(jq -r .access_token <<<"$BODY")

authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&scope=read&state=s3"
CODE3=$(param_of "$(location)" code)
sqlite3 "$STATE/access.db" "UPDATE auth_codes SET expires_at = strftime('%s','now') - 1 WHERE used_at IS NULL"
exchange webapp "$WEB_SECRET" "$CODE3" "$CB"
expect "a code after its expiry -> invalid_grant" 400 .error invalid_grant
check "codes are stored hashed" test "$(sqlite3 "$STATE/access.db" "SELECT count(*) FROM auth_codes WHERE hash = '$CODE3' OR length(hash) != 32")" = 0

authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&scope=read+write&state=s4"
check "a wider scope than approved -> consent again" bash -c "[[ '$(location)' == /consent.html?rid=* ]]"
RID4=$(param_of "http://x$(location)" rid)
req POST /api/oauth/authorize -b "$JAR" --data-urlencode "rid=$RID4" --data-urlencode "csrf_token=$CSRF" -d user_oauth_approval=false
check "denial -> error=access_denied with the state" \
  bash -c "[[ '$(param_of "$(location)" error)' == access_denied && '$(param_of "$(location)" state)' == s4 && '$(location)' == '$CB?'* ]]"

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
authorize "response_type=code&client_id=nosuchapp&redirect_uri=$(urlenc "$CB")"
check "unknown client -> 400 page, no redirect" bash -c "[[ '$STATUS' == 400 && -z '$(location)' ]]"
authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "http://127.0.0.1:41234/callback")&scope=read&state=lp"
check "a loopback redirect URI may differ in port only (RFC 8252)" bash -c "[[ '$(location)' == 'http://127.0.0.1:41234/callback?code='* ]]"

# Other errors redirect with error, error_description and state.
authorize "response_type=magic&client_id=webapp&redirect_uri=$(urlenc "$CB")&state=e1"
check "unknown response_type -> redirect unsupported_response_type" \
  bash -c "[[ '$(param_of "$(location)" error)' == unsupported_response_type && '$(param_of "$(location)" state)' == e1 && -n '$(param_of "$(location)" error_description)' ]]"
authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&scope=admin&state=e2"
check "scope outside the app's -> redirect invalid_scope" test "$(param_of "$(location)" error)" = invalid_scope
authorize "response_type=code&client_id=webapp&redirect_uri=$(urlenc "$CB")&code_challenge=$CHALLENGE&code_challenge_method=plain&state=e3"
check "code_challenge_method=plain -> redirect invalid_request" test "$(param_of "$(location)" error)" = invalid_request
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
