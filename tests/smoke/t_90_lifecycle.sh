# Token lifecycle (API.md section 5): revocation, introspection, discovery.
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_user1; need_cli_app; need_user1_token
RS_SECRET=$(jq -r .clientSecret <<<"$($CTL client add --client-id resource --name "Resource server" \
  --grant password --access-seconds 300)")
fresh_tokens() {  # sets F_AT, F_RT, F_JTI from a new password grant through cli
  token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
  F_AT=$(jq -r .access_token <<<"$BODY")
  F_RT=$(jq -r .refresh_token <<<"$BODY")
  F_JTI=$(jq -r .jti <<<"$BODY")
}
introspect() { req POST /api/oauth/introspect -u "$1" --data-urlencode "token=$2"; }
revoke() { req POST /api/oauth/revoke -u "$1" --data-urlencode "token=$2" ${3:+-d "token_type_hint=$3"}; }

# Introspection.
fresh_tokens
# .jti is compared with the token reply's below: present (not null == null).
check "the token reply carries a jti" test -n "$F_JTI" -a "$F_JTI" != null
introspect "resource:$RS_SECRET" "$F_AT"
expect "introspection of a live access token" 200 .active true .client_id cli .username "$USER1" \
  .token_type bearer .jti "$F_JTI" .iss "$BASE" .scope "read write"
claims=$(python3 -c 'import base64,sys; p=sys.argv[1].split(".")[1]; print(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode())' "$F_AT")
check "introspection fields match the token's claims" \
  test "$(jq -c '[.exp, .iat, .sub]' <<<"$BODY")" = "$(jq -c '[.exp, .iat, .sub]' <<<"$claims")"
check "introspection answers no-store" header_has 'Cache-Control: no-store'
introspect "resource:wrong-secret-0123456" "$F_AT"
expect "introspection with a wrong client secret -> 401" 401 .error invalid_client
req POST /api/oauth/introspect --data-urlencode "token=$F_AT"
expect "introspection without client auth -> 401" 401 .error invalid_client
req POST /api/oauth/introspect -u "resource:$RS_SECRET"
expect "introspection without a token -> invalid_request" 400 .error invalid_request
introspect "resource:$RS_SECRET" "garbage"
expect "introspection of garbage -> active false only" 200 .active false '.|length' 1
sig=${F_AT##*.}
flipped=$([[ ${sig:10:1} == A ]] && echo B || echo A)
introspect "resource:$RS_SECRET" "${F_AT%.*}.${sig:0:10}$flipped${sig:11}"
expect "introspection of a tampered token -> inactive" 200 .active false
foreign_key=$(mktemp)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$foreign_key" 2>/dev/null
foreign=$(/usr/bin/python3 - "$foreign_key" "$F_AT" <<'PY'
import base64, json, sys, jwt
key = open(sys.argv[1]).read()
p = sys.argv[2].split(".")
header = json.loads(base64.urlsafe_b64decode(p[0] + "=" * (-len(p[0]) % 4)))
claims = json.loads(base64.urlsafe_b64decode(p[1] + "=" * (-len(p[1]) % 4)))
print(jwt.encode(claims, key, algorithm="RS256", headers={"kid": header["kid"]}))
PY
)
rm -f "$foreign_key"
introspect "resource:$RS_SECRET" "$foreign"
expect "a token signed by a foreign key under our kid -> inactive" 200 .active false
req GET /api/v1/users/me -H "$(bearer "$foreign")"
expect "the foreign-signed token is refused by bearer endpoints" 401 .error invalid_token
hs=$(/usr/bin/python3 -c 'import jwt,sys; print(jwt.encode({"sub":"x"}, "secret", algorithm="HS256"))')
introspect "resource:$RS_SECRET" "$hs"
expect "an HS256 token -> inactive" 200 .active false
introspect "cli:$CLI_SECRET" "$F_RT"
expect "the owning app may introspect its refresh token" 200 .active true .token_type refresh_token .client_id cli
introspect "resource:$RS_SECRET" "$F_RT"
expect "another app learns nothing of a refresh token" 200 .active false

# Revocation (RFC 7009).
revoke "resource:$RS_SECRET" "$F_RT"
expect "another app's refresh token: 200 and left alone" 200
req POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$F_RT"
expect "... it still works" 200
F_RT=$(jq -r .refresh_token <<<"$BODY")
FAMILY_AT=$(jq -r .access_token <<<"$BODY")
revoke "cli:$CLI_SECRET" "$F_RT" refresh_token
expect "revoke a refresh token -> 200" 200
req POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$F_RT"
expect "the revoked refresh token fails" 400 .error invalid_grant
req GET /api/v1/users/me -H "$(bearer "$FAMILY_AT")"
expect "the family's access token is dead too" 401 .error invalid_token
introspect "resource:$RS_SECRET" "$FAMILY_AT"
expect "... and introspects inactive" 200 .active false

fresh_tokens
revoke "resource:$RS_SECRET" "$F_AT"
expect "another app's access token: 200 and left alone" 200
req GET /api/v1/users/me -H "$(bearer "$F_AT")"
expect "... it still works" 200
revoke "cli:$CLI_SECRET" "$F_AT" access_token
expect "revoke an access token -> 200" 200
req GET /api/v1/users/me -H "$(bearer "$F_AT")"
expect "the revoked access token -> 401 at once" 401 .error invalid_token .error_description "access token has been revoked"
introspect "resource:$RS_SECRET" "$F_AT"
expect "the revoked access token introspects inactive" 200 .active false
revoke "cli:$CLI_SECRET" "no-such-token"
expect "revoking an unknown token -> 200" 200
revoke "cli:wrong-secret-0123456789" "$F_RT"
expect "revoke with a wrong secret -> 401" 401 .error invalid_client
req POST /api/oauth/revoke -u "cli:$CLI_SECRET"
expect "revoke without a token -> invalid_request" 400 .error invalid_request

# POST /api/v1/auth/token/revoke and PUT /api/v1/users/me/expire.
fresh_tokens
req POST /api/v1/auth/token/revoke -H "$(bearer "$F_AT")" --data-urlencode "token=$USER1_AT"
expect "auth/token/revoke with another token in the form -> 400" 400 .error invalid_request
req POST /api/v1/auth/token/revoke -H "$(bearer "$F_AT")" --data-urlencode "token=$F_AT"
expect "auth/token/revoke -> 200 {}" 200 '.|length' 0
req GET /api/v1/users/me -H "$(bearer "$F_AT")"
expect "... the access token is dead" 401 .error invalid_token
req POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$F_RT"
expect "... and so is its refresh token family" 400 .error invalid_grant
req POST /api/v1/auth/token/revoke --data-urlencode "token=$F_AT"
expect "auth/token/revoke without a bearer -> 401" 401 .error invalid_token
req POST /api/v1/auth/token/revoke -H "$(bearer "$F_AT")" --data-urlencode "token=$F_AT"
expect "auth/token/revoke again with the token it just revoked -> 401" 401 .error invalid_token
fresh_tokens
req POST /api/v1/auth/token/revoke -H "$(bearer "$F_AT")" -d ""
expect "auth/token/revoke without a token field -> 400" 400 .error invalid_request
req POST /api/v1/auth/token/revoke -H "$(bearer "$F_AT")" -H 'Content-Type: application/json' --data-binary "{\"token\":\"$F_AT\"}"
expect "auth/token/revoke with a JSON body -> 415" 415 .error unsupported_media_type
req POST /api/oauth/revoke -u "cli:$CLI_SECRET" -H 'Content-Type: application/json' --data-binary "{\"token\":\"$F_AT\"}"
expect "oauth/revoke with a JSON body -> 415" 415 .error unsupported_media_type
req POST /api/oauth/introspect -u "resource:$RS_SECRET" -H 'Content-Type: application/json' --data-binary "{\"token\":\"$F_AT\"}"
expect "oauth/introspect with a JSON body -> 415" 415 .error unsupported_media_type
req POST /api/oauth/revoke --data-urlencode "token=$F_AT"
expect "oauth/revoke without client credentials -> 401" 401 .error invalid_client
req GET /api/v1/users/me -H "$(bearer "$F_AT")"
expect "... after those refusals the access token still works" 200 .email "$USER1"
req POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$F_RT"
expect "... and so does its refresh token" 200 '.refresh_token|length' 43

echo "$USER1_PW" | $CTL user add expiring@example.com --role ROLE_ORIGINATOR --password-stdin >/dev/null
token cli "$CLI_SECRET" expiring@example.com "$USER1_PW"
E_AT1=$(jq -r .access_token <<<"$BODY"); E_RT1=$(jq -r .refresh_token <<<"$BODY")
token cli "$CLI_SECRET" expiring@example.com "$USER1_PW"
E_AT2=$(jq -r .access_token <<<"$BODY"); E_RT2=$(jq -r .refresh_token <<<"$BODY")
req PUT /api/v1/users/me/expire -H "$(bearer "$E_AT1")"
expect "users/me/expire -> 200 {}" 200 '.|length' 0
for rt in "$E_RT1" "$E_RT2"; do
  req POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$rt"
  expect "after expire every refresh token of the user fails" 400 .error invalid_grant
done
req GET /api/v1/users/me -H "$(bearer "$E_AT2")"
expect "after expire the user's access tokens fail" 401 .error invalid_token
req GET /api/v1/users/me -H "$(bearer "$USER1_AT")"
expect "other users are not affected" 200
req PUT /api/v1/users/me/expire
expect "users/me/expire without a token -> 401" 401 .error invalid_token

# Discovery (RFC 8414).
req GET /.well-known/oauth-authorization-server
expect "metadata document" 200 .issuer "$BASE" .authorization_endpoint "$BASE/api/oauth/authorize" \
  .token_endpoint "$BASE/api/oauth/token" .jwks_uri "$BASE/.well-known/jwks.json" \
  .revocation_endpoint "$BASE/api/oauth/revoke" .introspection_endpoint "$BASE/api/oauth/introspect" \
  '.grant_types_supported|join(",")' "authorization_code,implicit,password,refresh_token,mfa" \
  '.response_types_supported|join(",")' "code,token" \
  '.code_challenge_methods_supported|join(",")' S256 \
  '.token_endpoint_auth_methods_supported|join(",")' client_secret_basic
req GET /.well-known/oauth-authorization-server -H 'Host: evil.example.com'
expect "the issuer never comes from the Host header" 200 .issuer "$BASE"
