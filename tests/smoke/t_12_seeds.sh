# A client written for the original service (the seed pages in
# ../shared/seeds/), replayed with real values: register an app with the
# documented members (seeds 000, 002), list with the documented paging, the
# password grant with seed 003's literal Basic header, read the object back,
# edit one member and PUT it whole (issue #11), and list and revoke an
# approval (seeds 001, 004). Each answer must carry the documented members.
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_admin; need_user1; need_cli_app
S=$STATE/seeds
mkdir -p "$S"
SEED_JAR=$S/cookies.txt
seed_loc() { sed -n 's/^[Ll]ocation: *//p' <<<"$HDRS" | tr -d '\r'; }
seed_param() { python3 -c 'import sys, urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.parse_qs(p.query).get(sys.argv[2], [""])[0])' "$1" "$2"; }
token cli "$CLI_SECRET" "$ADMIN" "$ADMIN_PW"
SEED_ADMIN=$(jq -r .access_token <<<"$BODY")

# Seeds 000/002: POST /api/v1/clientapps with the documented members.
json_post /api/v1/clientapps "$SEED_ADMIN" '{
  "appName": "Example Client Application",
  "clientId": "exampleClientApplication",
  "clientSecret": "exampleClientApplicationSecret",
  "authorizedGrantTypes": ["password", "authorization_code", "refresh_token", "implicit"],
  "registeredRedirectUris": ["https://client.example.com/seed-cb"],
  "accessTokenValiditySeconds": 3600,
  "refreshTokenValiditySeconds": 86400}'
expect "seed 002: POST clientapps with the documented members -> 200" 200 \
  .clientId exampleClientApplication .clientSecret exampleClientApplicationSecret \
  '.authorizedGrantTypes|length' 4 '.registeredRedirectUris[0]' https://client.example.com/seed-cb
check "seed 002: the answer has id, clientId, clientSecret, appName, authorizedGrantTypes, registeredRedirectUris" \
  test "$(jq -r '[has("id","clientId","clientSecret","appName","authorizedGrantTypes","registeredRedirectUris")]|all' <<<"$BODY")" = true
SEED_APP_ID=$(jq -r .id <<<"$BODY")
req GET '/api/v1/clientapps?limit=100&offset=0&orderBy=ASC&sortBy=appName' -H "$(bearer "$SEED_ADMIN")"
expect "seed 002: GET clientapps with limit, offset, orderBy, sortBy" 200 .offset 0
check "... lists the app without its secret" \
  test "$(jq -r '[.items[]|select(.clientId=="exampleClientApplication")|has("clientSecret")]|tostring' <<<"$BODY")" = '[false]'

# Seed 003: the Basic header exactly as the page prints it.
req POST /api/oauth/token -H 'Authorization: Basic ZXhhbXBsZUNsaWVudEFwcGxpY2F0aW9uOmV4YW1wbGVDbGllbnRBcHBsaWNhdGlvblNlY3JldA==' \
  -H 'Content-Type: application/x-www-form-urlencoded' --data-urlencode grant_type=password \
  --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
expect "seed 003: the password grant with the page's literal Basic header -> 200" 200 .token_type bearer \
  '.refresh_token|length' 43
check "seed 003: access_token, token_type, refresh_token, expires_in, scope, jti" \
  test "$(jq -r '[has("access_token","token_type","refresh_token","expires_in","scope","jti")]|all' <<<"$BODY")" = true
check "seed 003: jti is the JWT's jti" \
  test "$(jq -r .access_token <<<"$BODY" | cut -d. -f2 | tr '_-' '/+' | base64 -d 2>/dev/null | jq -r .jti)" = "$(jq -r .jti <<<"$BODY")"

# Read, edit one member, write the whole object back (issue #11).
req GET "/api/v1/clientapps/$SEED_APP_ID" -H "$(bearer "$SEED_ADMIN")"
edited=$(jq -c '.appName = "Example Client Application 2"' <<<"$BODY")
json_put "/api/v1/clientapps/$SEED_APP_ID" "$SEED_ADMIN" "$edited"
expect "GET, change appName, PUT the whole object back -> 200" 200 .appName "Example Client Application 2"

# Seeds 001/004: an approval made through the browser flow, listed and revoked.
rm -f "$SEED_JAR"
req GET "/api/oauth/authorize?response_type=code&client_id=exampleClientApplication&redirect_uri=$(jq -rn --arg v https://client.example.com/seed-cb '$v|@uri')&scope=read&state=s1" \
  -b "$SEED_JAR" -c "$SEED_JAR"
rid=$(seed_param "http://x$(seed_loc)" rid)
req GET "/api/oauth/authorize/requests/$rid" -b "$SEED_JAR"
csrf=$(jq -r .csrfToken <<<"$BODY")
req POST /api/oauth/signin -b "$SEED_JAR" -c "$SEED_JAR" --data-urlencode "rid=$rid" --data-urlencode "csrf_token=$csrf" \
  --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW"
req GET "/api/oauth/authorize?rid=$rid" -b "$SEED_JAR" -c "$SEED_JAR"
req GET "/api/oauth/authorize/requests/$rid" -b "$SEED_JAR"
csrf=$(jq -r .csrfToken <<<"$BODY")
req POST /api/oauth/authorize -b "$SEED_JAR" --data-urlencode "rid=$rid" --data-urlencode "csrf_token=$csrf" \
  -d user_oauth_approval=true
code=$(seed_param "$(seed_loc)" code)
req POST /api/oauth/token -u exampleClientApplication:exampleClientApplicationSecret -d grant_type=authorization_code \
  --data-urlencode "code=$code" --data-urlencode redirect_uri=https://client.example.com/seed-cb
expect "the browser flow's code -> tokens" 200 .token_type bearer
SEED_AT=$(jq -r .access_token <<<"$BODY")
token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
SEED_USER_AT=$(jq -r .access_token <<<"$BODY")
req GET /api/v1/users/me/applications/approvals -H "$(bearer "$SEED_USER_AT")"
expect "seed 004: GET approvals -> {applications: [...]}" 200 \
  '.applications|map(select(.clientId=="exampleClientApplication"))|length' 1
check "seed 001: each approval has id, clientId, clientDescription, scope, createdAt" \
  test "$(jq -r '[.applications[]|has("id","clientId","clientDescription","scope","createdAt")]|all' <<<"$BODY")" = true
approval=$(jq -r '.applications[]|select(.clientId=="exampleClientApplication")|.id' <<<"$BODY")
req DELETE "/api/v1/users/me/applications/approvals/$approval" -H "$(bearer "$SEED_USER_AT")"
expect "seed 001: DELETE the approval by its id -> 200" 200
req GET /api/v1/users/me -H "$(bearer "$SEED_AT")"
expect "... and the app's access token for that user is dead at once" 401 .error invalid_token
req GET /api/v1/users/me -H "$(bearer "$SEED_USER_AT")"
expect "... while the user's token of another app still works" 200
