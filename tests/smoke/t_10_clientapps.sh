# /api/v1/clientapps and the dashboard (API.md section 2).
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_cli_app; need_job_app; need_user1; need_admin_token; need_user1_token
APP='{"appName":"Web portal","clientId":"portal","authorizedGrantTypes":["authorization_code","refresh_token"],
 "registeredRedirectUris":["https://portal.example.com/cb"],"accessTokenValiditySeconds":300,
 "refreshTokenValiditySeconds":3600}'

req POST /api/v1/clientapps -H 'Content-Type: application/json' --data-binary "$APP"
expect "register without a token -> 401 invalid_token" 401 .error invalid_token
check "401 carries WWW-Authenticate: Bearer" header_has 'WWW-Authenticate: Bearer'
json_post /api/v1/clientapps "$USER1_AT" "$APP"
expect "register as a non-admin -> 403 access_denied" 403 .error access_denied
json_post /api/v1/clientapps "not.a.jwt" "$APP"
expect "register with a garbage token -> 401" 401 .error invalid_token
json_post /api/v1/clientapps "$ADMIN_AT" "$APP"
expect "register as admin -> 200 with the stored object" 200 .clientId portal .enabled true \
  .autoApprove false '.scope|join(" ")' "read write" '.clientSecret|length' 43
PORTAL_ID=$(jq -r .id <<<"$BODY")
PORTAL_SECRET=$(jq -r .clientSecret <<<"$BODY")
check "no-store on a reply carrying a secret" header_has 'Cache-Control: no-store'
json_post /api/v1/clientapps "$ADMIN_AT" "$APP"
expect "duplicate clientId -> 409 conflict" 409 .error conflict
json_post /api/v1/clientapps "$ADMIN_AT" '{"appName":"x"'
expect "malformed JSON -> 400 invalid_request" 400 .error invalid_request
req POST /api/v1/clientapps -H "$(bearer "$ADMIN_AT")" -H 'Content-Type: text/plain' --data-binary "$APP"
expect "wrong content type -> 415" 415 .error unsupported_media_type
json_post /api/v1/clientapps "$ADMIN_AT" "{\"appName\":\"$(head -c 70000 /dev/zero | tr '\0' a)\"}"
expect "body over 64 KiB -> 413 in the JSON error shape" 413 .error payload_too_large
json_post /api/v1/clientapps "$ADMIN_AT" '{"appName":"A","clientId":"bad id","authorizedGrantTypes":["password"],"accessTokenValiditySeconds":300}'
expect "clientId with a space -> 400" 400 .error invalid_request
json_post /api/v1/clientapps "$ADMIN_AT" '{"appName":"A","clientId":"a1","authorizedGrantTypes":["implicit"],"registeredRedirectUris":["http://evil.example.com/cb"],"accessTokenValiditySeconds":300}'
expect "http redirect URI on a public host -> 400" 400 .error invalid_request
json_post /api/v1/clientapps "$ADMIN_AT" '{"appName":"A","clientId":"a2","authorizedGrantTypes":["password"],"accessTokenValiditySeconds":"300"}'
expect "accessTokenValiditySeconds as a string -> 400" 400 .error invalid_request
json_post /api/v1/clientapps "$ADMIN_AT" '{"appName":"A","clientId":"a3","authorizedGrantTypes":["password","teleport"],"accessTokenValiditySeconds":300}'
expect "unknown grant type -> 400" 400 .error invalid_request
json_post /api/v1/clientapps "$ADMIN_AT" '{"appName":"A","clientId":"a4","authorizedGrantTypes":["password","refresh_token"],"accessTokenValiditySeconds":300,"refreshTokenValiditySeconds":300}'
expect "refresh validity not above access validity -> 400" 400 .error invalid_request
json_post /api/v1/clientapps "$ADMIN_AT" '{"appName":"A","clientId":"a5","authorizedGrantTypes":["password"],"accessTokenValiditySeconds":99999999999999999999999}'
expect "integer beyond 64 bits -> 400" 400 .error invalid_request
json_post /api/v1/clientapps "$ADMIN_AT" '{"appName":"A'"'"'; DROP TABLE clients;--","clientId":"sql","authorizedGrantTypes":["password"],"accessTokenValiditySeconds":300}'
expect "SQL metacharacters are stored as plain text" 200 .appName "A'; DROP TABLE clients;--"
SQL_ID=$(jq -r .id <<<"$BODY")

for i in 1 2 3; do
  json_post /api/v1/clientapps "$ADMIN_AT" "{\"appName\":\"Zeta $i\",\"clientId\":\"zeta$i\",\"authorizedGrantTypes\":[\"password\"],\"accessTokenValiditySeconds\":300}" >/dev/null
done
req GET '/api/v1/clientapps?limit=2&offset=1&sortBy=clientId&orderBy=DESC' -H "$(bearer "$ADMIN_AT")"
expect "list with paging and sorting" 200 '.items|length' 2 .offset 1 .count 7 \
  '.items[0].clientId' zeta2 '.items[1].clientId' zeta1 '.items[0].clientSecret' null
req GET '/api/v1/clientapps?sortBy=appName' -H "$(bearer "$ADMIN_AT")"
expect "list sorted by appName ascending" 200 '.items[0].appName' "A'; DROP TABLE clients;--" '.items|length' 7
for q in 'limit=101' 'limit=-1' 'offset=-5' 'orderBy=UP' 'sortBy=secret' 'limit=abc' 'offset=99999999999999999999' 'limit=1&limit=2'; do
  req GET "/api/v1/clientapps?$q" -H "$(bearer "$ADMIN_AT")"
  expect "list with bad paging ($q) -> 400" 400 .error invalid_request
done
req GET /api/v1/clientapps -H "$(bearer "$USER1_AT")"
expect "list as a non-admin -> 403" 403 .error access_denied

req GET "/api/v1/clientapps/$PORTAL_ID" -H "$(bearer "$ADMIN_AT")"
expect "get one app" 200 .clientId portal .appName "Web portal" .clientSecret null
req GET /api/v1/clientapps/00000000-0000-0000-0000-000000000000 -H "$(bearer "$ADMIN_AT")"
expect "get an unknown app -> 404 not_found" 404 .error not_found

json_put "/api/v1/clientapps/$PORTAL_ID" "$ADMIN_AT" '{"appName":"Portal 2","scope":["read"]}'
expect "PUT replaces the members present" 200 .appName "Portal 2" '.scope|join(" ")' read \
  .clientId portal '.registeredRedirectUris[0]' https://portal.example.com/cb
json_put "/api/v1/clientapps/$PORTAL_ID" "$ADMIN_AT" '{"authorizedGrantTypes":["implicit"],"registeredRedirectUris":[]}'
expect "PUT checks the rules on the result" 400 .error invalid_request
json_put "/api/v1/clientapps/$PORTAL_ID" "$ADMIN_AT" '{"clientId":"cli"}'
expect "PUT to a taken clientId -> 409" 409 .error conflict
json_put "/api/v1/clientapps/$PORTAL_ID" "$USER1_AT" '{"appName":"mine"}'
expect "PUT as a non-admin -> 403" 403 .error access_denied
req GET "/api/v1/clientapps/$PORTAL_ID" -H "$(bearer "$ADMIN_AT")"
expect "a refused PUT changed nothing" 200 .appName "Portal 2"

req PUT "/api/v1/clientapps/$PORTAL_ID/enable" -H "$(bearer "$ADMIN_AT")"
expect "enable toggles to disabled" 200 .enabled false
req PUT "/api/v1/clientapps/$PORTAL_ID/enable" -H "$(bearer "$ADMIN_AT")"
expect "enable toggles back" 200 .enabled true

req GET /api/v1/dashboard/clients -H "$(bearer "$ADMIN_AT")"
expect "dashboard counts the apps" 200 .totalClientApps 7
req GET /api/v1/dashboard/clients -H "$(bearer "$USER1_AT")"
expect "dashboard as a non-admin -> 403" 403 .error access_denied

req DELETE "/api/v1/clientapps/$SQL_ID" -H "$(bearer "$ADMIN_AT")"
expect "DELETE an app -> 200 {}" 200 '.|length' 0
req DELETE "/api/v1/clientapps/$SQL_ID" -H "$(bearer "$ADMIN_AT")"
expect "DELETE it again -> 404" 404 .error not_found
req DELETE "/api/v1/clientapps/$PORTAL_ID" -H "$(bearer "$USER1_AT")"
expect "DELETE as a non-admin -> 403" 403 .error access_denied

req PATCH /api/v1/clientapps -H "$(bearer "$ADMIN_AT")"
expect "unsupported method -> 405 with Allow" 405 .error method_not_allowed
check "405 lists the allowed methods" header_has 'Allow: POST, GET'
req GET /api/v1/nothing-here
expect "unknown path -> 404 JSON" 404 .error not_found

# Read, edit, write back (API.md section 0): the object GET answers, one
# member changed, PUT whole.
req GET "/api/v1/clientapps/$PORTAL_ID" -H "$(bearer "$ADMIN_AT")"
PORTAL_JSON=$BODY
# The round trip below compares id and createdAt with GET's: both present
# (null == null would pass on a reply that lacks them).
check "GET clientapps/ID has an id and a createdAt" \
  test "$(jq --arg id "$PORTAL_ID" '(.id == $id and ($id | length) > 0) and (.createdAt | type == "string" and length > 0)' <<<"$PORTAL_JSON")" = true
json_put "/api/v1/clientapps/$PORTAL_ID" "$ADMIN_AT" "$(jq -c '.appName = "Portal 3"' <<<"$PORTAL_JSON")"
expect "PUT of the object GET answered, one member changed -> 200" 200 .appName "Portal 3" \
  .id "$PORTAL_ID" .createdAt "$(jq -r .createdAt <<<"$PORTAL_JSON")" .clientSecret null
json_put "/api/v1/clientapps/$PORTAL_ID" "$ADMIN_AT" \
  "$(jq -c '.id = "00000000-0000-0000-0000-000000000000"' <<<"$PORTAL_JSON")"
expect "PUT changing the read-only id -> 400 naming it" 400 .error invalid_request \
  .error_description "id is read-only and cannot be changed"
json_put "/api/v1/clientapps/$PORTAL_ID" "$ADMIN_AT" "$(jq -c '.createdAt = "2001-01-01T00:00:00Z"' <<<"$PORTAL_JSON")"
expect "PUT changing the read-only createdAt -> 400 naming it" 400 .error invalid_request \
  .error_description "createdAt is read-only and cannot be changed"
json_put "/api/v1/clientapps/$PORTAL_ID" "$ADMIN_AT" \
  "$(jq -c '. + {autoApprove: true, someFutureMember: {x: [1]}, clientid: "ignored"}' <<<"$PORTAL_JSON")"
expect "PUT with members the server does not know: ignored" 200 .autoApprove true .clientId portal \
  .someFutureMember null
json_put "/api/v1/clientapps/$PORTAL_ID" "$ADMIN_AT" '{"enabled":false}'
expect "PUT may change enabled" 200 .enabled false
token portal "$PORTAL_SECRET" "$USER1" "$USER1_PW"
expect "... and the disabled app cannot authenticate" 401 .error invalid_client
json_put "/api/v1/clientapps/$PORTAL_ID" "$ADMIN_AT" "$(jq -c '.enabled = "yes"' <<<"$PORTAL_JSON")"
expect "enabled must be a boolean" 400 .error invalid_request
json_put "/api/v1/clientapps/$PORTAL_ID" "$ADMIN_AT" "$(jq -c '.appName = "Portal 2"' <<<"$PORTAL_JSON")"
expect "PUT of the first read restores it (enabled again)" 200 .enabled true .appName "Portal 2" .autoApprove false
token portal "$PORTAL_SECRET" "$USER1" "$USER1_PW"
expect "... it authenticates again (and may not use the password grant)" 400 .error unauthorized_client

# POST with members of a read object: id and createdAt are assigned by the
# server; enabled is writable; unknown members are ignored.
COPY=$(jq -c '.clientId = "portal-copy" | .enabled = false | .clientSecret = null | .extra = 1' <<<"$PORTAL_JSON")
json_post /api/v1/clientapps "$ADMIN_AT" "$COPY"
expect "POST of a read object: registered, with its own id" 200 .clientId portal-copy .enabled false \
  '.id == "'"$PORTAL_ID"'"' false '.createdAt|test("^[0-9]{4}-")' true '.clientSecret|length' 43
req DELETE "/api/v1/clientapps/$(jq -r .id <<<"$BODY")" -H "$(bearer "$ADMIN_AT")"
expect "... deleted again" 200

# A member name given twice (at any depth): refused, never one of them picked.
json_post /api/v1/clientapps "$ADMIN_AT" '{"appName":"A","clientId":"twice","clientId":"other","authorizedGrantTypes":["password"],"accessTokenValiditySeconds":300}'
expect "POST with clientId given twice -> 400 naming it" 400 .error invalid_request \
  .error_description "member clientId given twice"
json_put "/api/v1/clientapps/$PORTAL_ID" "$ADMIN_AT" '{"appName":"A","x":{"k":1,"k":2}}'
expect "a nested member given twice -> 400" 400 .error invalid_request .error_description "member k given twice"
req GET "/api/v1/clientapps/$PORTAL_ID" -H "$(bearer "$ADMIN_AT")"
expect "... and nothing changed" 200 .appName "Portal 2"

# Paging: orderBy in any case; sortBy id and enabled.
for order in desc Desc DESC; do
  req GET "/api/v1/clientapps?sortBy=clientId&orderBy=$order&limit=1" -H "$(bearer "$ADMIN_AT")"
  expect "orderBy=$order sorts descending" 200 '.items[0].clientId' zeta3
done
req GET '/api/v1/clientapps?sortBy=clientId&orderBy=asc&limit=1' -H "$(bearer "$ADMIN_AT")"
expect "orderBy=asc sorts ascending" 200 '.items[0].clientId' cli
req GET '/api/v1/clientapps?sortBy=id' -H "$(bearer "$ADMIN_AT")"
expect "sortBy=id" 200 '[.items[].id] == ([.items[].id]|sort)' true
req PUT "/api/v1/clientapps/$PORTAL_ID/enable" -H "$(bearer "$ADMIN_AT")"
req GET '/api/v1/clientapps?sortBy=enabled&limit=1' -H "$(bearer "$ADMIN_AT")"
expect "sortBy=enabled (the disabled app first)" 200 '.items[0].id' "$PORTAL_ID" '.items[0].enabled' false
req GET '/api/v1/clientapps?sortBy=enabled&orderBy=desc' -H "$(bearer "$ADMIN_AT")"
expect "sortBy=enabled descending (the disabled app last)" 200 '.items[-1].id' "$PORTAL_ID"
req PUT "/api/v1/clientapps/$PORTAL_ID/enable" -H "$(bearer "$ADMIN_AT")"
expect "... enabled again" 200 .enabled true

# The store's wording never reaches a client (see also t_99_wording.sh).
UNKNOWN_APP=/api/v1/clientapps/00000000-0000-0000-0000-000000000000
req GET "$UNKNOWN_APP" -H "$(bearer "$ADMIN_AT")"
expect "GET an unknown app -> 'client app not found'" 404 .error_description "client app not found"
json_put "$UNKNOWN_APP" "$ADMIN_AT" '{"appName":"x"}'
expect "PUT an unknown app -> 'client app not found'" 404 .error_description "client app not found"
req PUT "$UNKNOWN_APP/enable" -H "$(bearer "$ADMIN_AT")"
expect "enable an unknown app -> 'client app not found'" 404 .error_description "client app not found"
req DELETE "$UNKNOWN_APP" -H "$(bearer "$ADMIN_AT")"
expect "DELETE an unknown app -> 'client app not found'" 404 .error_description "client app not found"
json_put "/api/v1/clientapps/$PORTAL_ID" "$ADMIN_AT" '{"clientId":"cli"}'
expect "PUT to a taken clientId -> 409 in plain words" 409 .error_description "clientId is already registered"
