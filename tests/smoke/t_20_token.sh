# POST /api/oauth/token: password and refresh_token grants (API.md section 3).
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_admin; need_user1; need_cli_app; need_job_app
token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
expect "password grant -> access and refresh token" 200 .token_type bearer .expires_in 600 \
  '.refresh_token|length' 43 '.jti|length' 36
AT=$(jq -r .access_token <<<"$BODY")
RT=$(jq -r .refresh_token <<<"$BODY")
JTI=$(jq -r .jti <<<"$BODY")
check "token reply has Cache-Control: no-store" header_has 'Cache-Control: no-store'
check "token reply has Pragma: no-cache" header_has 'Pragma: no-cache'

claims=$(cut -d. -f2 <<<"$AT" | tr '_-' '/+' | base64 -d 2>/dev/null)
[[ -z $claims ]] && claims=$(cut -d. -f2 <<<"$AT" | tr '_-' '/+' | sed 's/$/=/' | base64 -d 2>/dev/null)
[[ -z $claims ]] && claims=$(cut -d. -f2 <<<"$AT" | tr '_-' '/+' | sed 's/$/==/' | base64 -d 2>/dev/null)
check "claims: iss from config, jti equals the reply's, client_id, scope array, authorities" \
  test "$(jq -r '[.iss, .jti, .client_id, (.scope|join(" ")), .authorities[0], .user_name]|join(",")' <<<"$claims")" \
  = "$BASE,$JTI,cli,read write,ROLE_COLLABORATOR,$USER1"
req GET /.well-known/jwks.json
expect "JWKS is served with the signing key" 200 '.keys[0].kty' RSA '.keys[0].alg' RS256
echo "$BODY" >"$STATE/jwks.fetched.json"
cat >"$STATE/verify.py" <<'PY'
import json, sys
import jwt
jwks = json.load(open(sys.argv[1]))
token = sys.argv[2]
kid = jwt.get_unverified_header(token)["kid"]
key = next(k for k in jwks["keys"] if k["kid"] == kid)
pub = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(key))
claims = jwt.decode(token, pub, algorithms=["RS256"], issuer=sys.argv[3],
                    options={"verify_aud": False, "require": ["exp", "iat", "iss", "jti"]})
print(claims["jti"])
PY
check "the access token verifies with PyJWT and the JWKS (standard library)" \
  test "$(/usr/bin/python3 "$STATE/verify.py" "$STATE/jwks.fetched.json" "$AT" "$BASE" 2>&1)" = "$JTI"
tampered="${AT%.*}.$(cut -d. -f3 <<<"$AT" | rev)"
check "PyJWT refuses the token with its signature altered" \
  bash -c "! /usr/bin/python3 '$STATE/verify.py' '$STATE/jwks.fetched.json' '$tampered' '$BASE' >/dev/null 2>&1"

req GET /api/v1/users/me -H "$(bearer "$AT")"
expect "the access token works on a bearer endpoint" 200 .email "$USER1"
req GET /api/v1/users/me -H "$(bearer "$tampered")"
expect "a tampered token -> 401" 401 .error invalid_token
none_token="$(printf '{"alg":"none","typ":"JWT"}' | base64 -w0 | tr '+/' '-_' | tr -d '=').$(cut -d. -f2 <<<"$AT")."
req GET /api/v1/users/me -H "$(bearer "$none_token")"
expect "alg none -> 401" 401 .error invalid_token

req POST /api/oauth/token -u cli:"$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$RT"
expect "refresh grant rotates the refresh token" 200 .token_type bearer
RT2=$(jq -r .refresh_token <<<"$BODY")
AT2=$(jq -r .access_token <<<"$BODY")
check "the new refresh token differs" test "$RT2" != "$RT"
req POST /api/oauth/token -u cli:"$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$RT2" -d scope=read
expect "refresh with a narrower scope" 200 .scope read
RT3=$(jq -r .refresh_token <<<"$BODY")
req POST /api/oauth/token -u cli:"$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$RT3" -d 'scope=read admin'
expect "refresh with a wider scope -> invalid_scope" 400 .error invalid_scope
req POST /api/oauth/token -u cli:"$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$RT"
expect "reusing a rotated refresh token -> invalid_grant" 400 .error invalid_grant
req POST /api/oauth/token -u cli:"$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$RT3"
expect "after reuse the newest refresh token of the family is dead too" 400 .error invalid_grant
req GET /api/v1/users/me -H "$(bearer "$AT2")"
expect "after reuse the family's access tokens are refused" 401 .error invalid_token
req POST /api/oauth/token -u cli:"$CLI_SECRET" -d grant_type=refresh_token -d refresh_token=made-up-token
expect "unknown refresh token -> invalid_grant" 400 .error invalid_grant
req POST /api/oauth/token -u cli:"$CLI_SECRET" -d grant_type=refresh_token
expect "refresh grant without refresh_token -> invalid_request" 400 .error invalid_request

token cli wrong-secret-0123456789 "$USER1" "$USER1_PW"
expect "wrong client secret -> 401 invalid_client" 401 .error invalid_client
check "invalid_client carries WWW-Authenticate: Basic" header_has 'WWW-Authenticate: Basic realm="access-service"'
req POST /api/oauth/token -d grant_type=password -d "username=$USER1" -d "password=$USER1_PW"
expect "no client credentials -> 401 invalid_client" 401 .error invalid_client
req POST /api/oauth/token -H 'Authorization: Basic !!!notbase64' -d grant_type=password
expect "Basic credentials that are not base64 -> 401 invalid_client" 401 .error invalid_client
token nosuchapp "$CLI_SECRET" "$USER1" "$USER1_PW"
expect "unknown client -> 401 invalid_client" 401 .error invalid_client
req POST /api/oauth/token -u cli:"$CLI_SECRET" -d grant_type=client_magic
expect "unknown grant type -> unsupported_grant_type" 400 .error unsupported_grant_type
req POST /api/oauth/token -u cli:"$CLI_SECRET" -d "username=$USER1"
expect "missing grant_type -> invalid_request" 400 .error invalid_request
req POST /api/oauth/token -u cli:"$CLI_SECRET" -d grant_type=password -d grant_type=password -d "username=$USER1" -d "password=$USER1_PW"
expect "grant_type twice -> invalid_request (RFC 6749 3.2)" 400 .error invalid_request
req POST /api/oauth/token -u job:"$JOB_SECRET" -d grant_type=refresh_token -d refresh_token=x
expect "grant not registered for the app -> unauthorized_client" 400 .error unauthorized_client
token job "$JOB_SECRET" "$USER1" "$USER1_PW"
expect "an app without refresh_token gets no refresh token" 200 .refresh_token null
token cli "$CLI_SECRET" "$USER1" "$USER1_PW" -d scope=admin
expect "scope outside the app's -> invalid_scope" 400 .error invalid_scope
token cli "$CLI_SECRET" "$USER1" "$USER1_PW" -d scope=read
expect "scope subset -> granted" 200 .scope read
req POST /api/oauth/token -u cli:"$CLI_SECRET" -H 'Content-Type: application/json' --data-binary '{"grant_type":"password"}'
expect "JSON body on the token endpoint -> 415" 415 .error unsupported_media_type
req POST /api/oauth/token -u cli:"$CLI_SECRET" --data-binary "grant_type=password&username=%ZZ"
expect "malformed percent-escape -> invalid_request" 400 .error invalid_request
req POST /api/oauth/token -u cli:"$CLI_SECRET" --data-binary "grant_type=password&username=a%00b&password=x"
expect "NUL byte in a parameter -> invalid_request" 400 .error invalid_request
req POST /api/oauth/token -u cli:"$CLI_SECRET" --data-binary "grant_type=password&$(head -c 70000 /dev/zero | tr '\0' a)"
expect "oversized form -> 413 JSON" 413 .error payload_too_large
req GET /api/oauth/token
expect "GET on the token endpoint -> 405" 405 .error method_not_allowed

token cli "$CLI_SECRET" "$USER1" wrong-password
expect "wrong password -> invalid_grant" 400 .error invalid_grant
token cli "$CLI_SECRET" nobody@example.com wrong-password
expect "unknown user -> the same invalid_grant" 400 .error invalid_grant .error_description "bad credentials"

# Lockout: 5 failures within the window lock the account; success resets.
need_locked_user
for i in 1 2 3 4 5; do token cli "$CLI_SECRET" locked@example.com "wrong-$i"; done
expect "the 5th wrong password is still invalid_grant" 400 .error invalid_grant
token cli "$CLI_SECRET" locked@example.com "$USER1_PW"
expect "then even the right password -> 429 too_many_requests" 429 .error too_many_requests
check "429 carries Retry-After" header_has 'Retry-After:'
token cli "$CLI_SECRET" LOCKED@example.com "$USER1_PW"
expect "lockout ignores the case of the username" 429 .error too_many_requests
for i in 1 2 3 4; do token cli "$CLI_SECRET" "$ADMIN" "wrong-$i"; done
token cli "$CLI_SECRET" "$ADMIN" "$ADMIN_PW"
expect "4 failures then success: not locked" 200
for i in 1 2 3 4; do token cli "$CLI_SECRET" "$ADMIN" "wrong-$i"; done
token cli "$CLI_SECRET" "$ADMIN" "$ADMIN_PW"
expect "success reset the counter" 200
ADMIN_AT=$(jq -r .access_token <<<"$BODY")

# A disabled app fails client authentication and its refresh tokens stop.
# The toggles use an administrator's token of another app ("job"): the
# tokens of a disabled app are dead while it is disabled, ADMIN_AT included.
token job "$JOB_SECRET" "$ADMIN" "$ADMIN_PW"
JOB_ADMIN_AT=$(jq -r .access_token <<<"$BODY")
token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
RT=$(jq -r .refresh_token <<<"$BODY")
CLI_ID=$(jq -r '.items[]|select(.clientId=="cli")|.id' <<<"$(curl -s -H "$(bearer "$ADMIN_AT")" "$BASE/api/v1/clientapps")")
req PUT "/api/v1/clientapps/$CLI_ID/enable" -H "$(bearer "$JOB_ADMIN_AT")"
req POST /api/oauth/token -u cli:"$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$RT"
expect "a disabled app fails client authentication" 401 .error invalid_client
req GET /api/v1/users/me -H "$(bearer "$ADMIN_AT")"
expect "a disabled app's access tokens fail bearer checks at once" 401 .error invalid_token
req PUT "/api/v1/clientapps/$CLI_ID/enable" -H "$(bearer "$JOB_ADMIN_AT")"
req GET /api/v1/users/me -H "$(bearer "$ADMIN_AT")"
expect "re-enabled before they expire: its access tokens work again" 200
req POST /api/oauth/token -u cli:"$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$RT"
expect "re-enabled: its refresh token works again" 200

# A changed secret is seen at once (the per-worker cache keys on the stored hash).
json_put "/api/v1/clientapps/$CLI_ID" "$ADMIN_AT" '{"clientSecret":"new-cli-secret-0123456789"}'
expect "PUT a new secret -> returned once" 200 .clientSecret new-cli-secret-0123456789
token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
expect "the old secret fails at once" 401 .error invalid_client
CLI_SECRET=new-cli-secret-0123456789
token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
expect "the new secret works" 200
