# /api/v1/users and /api/v1/users/me (API.md section 6).
req GET /api/v1/users/me -H "$(bearer "$USER1_AT")"
expect "GET users/me" 200 .email "$USER1" '.roles[0]' ROLE_COLLABORATOR .mfaEnabled false .enabled true .firstName null
req GET /api/v1/users/me
expect "GET users/me without a token -> 401" 401 .error invalid_token
json_put /api/v1/users/me "$USER1_AT" '{"firstName":"Alice","lastName":"Liddell","mobileNumber":"+61 400 000 000"}'
expect "PUT users/me sets the names" 200 .firstName Alice .lastName Liddell .mobileNumber "+61 400 000 000" .otherName null
json_put /api/v1/users/me "$USER1_AT" '{"firstName":"Alice"}'
expect "PUT users/me: an omitted member becomes null" 200 .firstName Alice .lastName null
json_put /api/v1/users/me "$USER1_AT" '{}'
expect "PUT users/me with {} is valid" 200 .firstName null
json_put /api/v1/users/me "$USER1_AT" '{"mobileNumber":"call me"}'
expect "PUT users/me with a bad mobile number -> 400" 400 .error invalid_request
json_put /api/v1/users/me "$USER1_AT" '{"firstName":42}'
expect "PUT users/me with a number for a name -> 400" 400 .error invalid_request
json_put /api/v1/users/me "$USER1_AT" '{"roles":["ROLE_SYSTEM_ADMIN"]}'
expect "PUT users/me cannot grant roles -> 400" 400 .error invalid_request
json_put /api/v1/users/me "$USER1_AT" "$(printf '{"firstName":"\xff\xfe"}')"
expect "PUT users/me with invalid UTF-8 -> 400" 400 .error invalid_request
nested=$(printf '%.0s[' $(seq 1000))
json_put /api/v1/users/me "$USER1_AT" "$nested"
expect "1,000-deep nested JSON -> 400" 400 .error invalid_request
req GET /api/v1/users/me -H "$(bearer "$USER1_AT")"
expect "refused PUTs changed nothing" 200 .firstName null .mobileNumber null

json_post /api/v1/users "$ADMIN_AT" '{"email":"Bob@Example.com","roles":["ROLE_ORIGINATOR"],"password":"bob-password-123","firstName":"Bob"}'
expect "POST users as admin -> 201 with the user object" 201 .email bob@example.com .firstName Bob '.roles[0]' ROLE_ORIGINATOR '.id|length' 36
json_post /api/v1/users "$ADMIN_AT" '{"email":"bob@example.com","roles":["ROLE_ORIGINATOR"]}'
expect "POST users with a taken email -> 409" 409 .error conflict
json_post /api/v1/users "$ADMIN_AT" '{"email":"not-an-email","roles":["ROLE_ORIGINATOR"]}'
expect "POST users with a bad email -> 400" 400 .error invalid_request
json_post /api/v1/users "$ADMIN_AT" '{"email":"c@example.com","roles":["ROLE_GOD"]}'
expect "POST users with an unknown role -> 400" 400 .error invalid_request
json_post /api/v1/users "$ADMIN_AT" '{"email":"c@example.com","roles":["ROLE_ORIGINATOR"],"password":"short"}'
expect "POST users with a short password -> 400" 400 .error invalid_request
json_post /api/v1/users "$ADMIN_AT" '{"email":"c@example.com"}'
expect "POST users without roles -> 400" 400 .error invalid_request
json_post /api/v1/users "$USER1_AT" '{"email":"c@example.com","roles":["ROLE_SYSTEM_ADMIN"]}'
expect "POST users as a non-admin -> 403" 403 .error access_denied
token cli "$CLI_SECRET" bob@example.com bob-password-123
expect "the new user can use the password grant" 200

req GET '/api/v1/users?sortBy=email&limit=2' -H "$(bearer "$ADMIN_AT")"
expect "GET users paged and sorted by email" 200 '.items|length' 2 '.items[0].email' admin@example.com '.items[1].email' alice@example.com .count 4
req GET '/api/v1/users?sortBy=email&orderBy=DESC&limit=1' -H "$(bearer "$ADMIN_AT")"
expect "GET users sorted by email descending" 200 '.items[0].email' locked@example.com
req GET '/api/v1/users?sortBy=password' -H "$(bearer "$ADMIN_AT")"
expect "GET users with an unknown sortBy -> 400" 400 .error invalid_request
req GET /api/v1/users -H "$(bearer "$USER1_AT")"
expect "GET users as a non-admin -> 403" 403 .error access_denied
check "no list item carries a password hash" bash -c "! grep -q argon2 <<<'$BODY'"

# Disabling a user (accessctl) revokes what it holds.
token cli "$CLI_SECRET" bob@example.com bob-password-123
BOB_AT=$(jq -r .access_token <<<"$BODY")
BOB_RT=$(jq -r .refresh_token <<<"$BODY")
$CTL user disable bob@example.com >/dev/null
check "accessctl user disable succeeds" test $? = 0
req GET /api/v1/users/me -H "$(bearer "$BOB_AT")"
expect "a disabled user's access token is refused" 401 .error invalid_token
req POST /api/oauth/token -u cli:"$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$BOB_RT"
expect "a disabled user's refresh token is refused" 400 .error invalid_grant
token cli "$CLI_SECRET" bob@example.com bob-password-123
expect "a disabled user cannot sign in" 400 .error invalid_grant
$CTL user disable nobody@example.com >/dev/null 2>&1
check "accessctl user disable of an unknown user fails" test $? != 0

# Deleting an app revokes its outstanding access tokens at once.
TEMP_SECRET=$($CTL client add --client-id temp --name Temp --grant password --access-seconds 300 | jq -r .clientSecret)
token temp "$TEMP_SECRET" "$USER1" "$USER1_PW"
TEMP_AT=$(jq -r .access_token <<<"$BODY")
TEMP_ID=$(jq -r '.items[]|select(.clientId=="temp")|.id' <<<"$(curl -s -H "$(bearer "$ADMIN_AT")" "$BASE/api/v1/clientapps")")
req DELETE "/api/v1/clientapps/$TEMP_ID" -H "$(bearer "$ADMIN_AT")"
expect "delete the temp app" 200
req GET /api/v1/users/me -H "$(bearer "$TEMP_AT")"
expect "its access token is refused at once" 401 .error invalid_token
token temp "$TEMP_SECRET" "$USER1" "$USER1_PW"
expect "its credentials no longer authenticate" 401 .error invalid_client
