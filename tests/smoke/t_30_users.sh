# /api/v1/users and /api/v1/users/me (API.md section 6).
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_admin; need_user1; need_cli_app; need_locked_user; need_admin_token; need_user1_token
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
# The admin's list (a 403's body has no items to search): non-empty, and no
# item has a password or hash member, and no Argon2 hash anywhere in it.
req GET /api/v1/users -H "$(bearer "$ADMIN_AT")"
expect "GET users as admin lists users" 200 '.count > 0 and (.items | length) > 0' true
expect "no list item carries a password hash" 200 \
  '[.items[] | keys[] | select(test("(?i)password|hash"))] | length == 0' true
check "no Argon2 hash in the list" bash -c '! grep -q argon2 <<<"$1"' _ "$BODY"

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

# Read, edit, write back (API.md sections 0 and 6): the object of GET
# users/me, one member changed, PUT whole.
req GET /api/v1/users/me -H "$(bearer "$USER1_AT")"
ME_JSON=$BODY
# The round trip below compares id and createdAt with GET's: both present
# (null == null would pass on a reply that lacks them).
check "GET users/me has an id and a createdAt" \
  test "$(jq '(.id | type == "string" and length > 0) and (.createdAt | type == "string" and length > 0)' <<<"$ME_JSON")" = true
json_put /api/v1/users/me "$USER1_AT" "$(jq -c '.firstName = "Alice"' <<<"$ME_JSON")"
expect "PUT users/me of the object GET answered, one member changed -> 200" 200 .firstName Alice \
  .email "$USER1" .id "$(jq -r .id <<<"$ME_JSON")" .createdAt "$(jq -r .createdAt <<<"$ME_JSON")"
for change in '.email = "eve@example.com"' '.roles = ["ROLE_SYSTEM_ADMIN"]' '.roles += ["ROLE_ORG_ADMIN"]' \
              '.mfaEnabled = true' '.enabled = false' '.id = "00000000-0000-0000-0000-000000000000"' \
              '.createdAt = "2001-01-01T00:00:00Z"'; do
  member=$(sed 's/^\.\([a-zA-Z]*\).*/\1/' <<<"$change")
  json_put /api/v1/users/me "$USER1_AT" "$(jq -c "$change | .firstName = \"Mallory\"" <<<"$ME_JSON")"
  expect "PUT users/me with $change -> 400 naming $member" 400 .error invalid_request \
    .error_description "$member is read-only and cannot be changed"
done
json_put /api/v1/users/me "$USER1_AT" "$(jq -c '. + {lastName: "Liddell", favouriteColour: "blue", password: "not-a-way-in-12"}' <<<"$ME_JSON")"
expect "PUT users/me with members the server does not know: ignored" 200 .lastName Liddell \
  .firstName null .favouriteColour null .password null
token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
expect "... (the password is not among them: it still works)" 200
json_put /api/v1/users/me "$USER1_AT" '{"firstName":"A","firstName":"B"}'
expect "PUT users/me with a member given twice -> 400" 400 .error invalid_request \
  .error_description "member firstName given twice"
req GET /api/v1/users/me -H "$(bearer "$USER1_AT")"
expect "the refused write-backs changed nothing" 200 .firstName null .lastName Liddell \
  '.roles|join(",")' ROLE_COLLABORATOR .enabled true .mfaEnabled false
json_put /api/v1/users/me "$USER1_AT" "$ME_JSON"
expect "PUT of the first read restores it" 200 .lastName null .firstName null

# POST users with a read object: id and createdAt are the server's;
# mfaEnabled and enabled only as a new user has them.
NEW_USER=$(jq -c '.email = "carol@example.com" | .roles = ["ROLE_ORIGINATOR"] | .firstName = "Carol" |
  .password = "carol-password-123" | .somethingElse = 1' <<<"$ME_JSON")
json_post /api/v1/users "$ADMIN_AT" "$(jq -c '.mfaEnabled = true' <<<"$NEW_USER")"
expect "POST users with mfaEnabled true -> 400 naming it" 400 .error invalid_request \
  '.error_description|startswith("mfaEnabled is read-only")' true
json_post /api/v1/users "$ADMIN_AT" "$(jq -c '.enabled = false' <<<"$NEW_USER")"
expect "POST users with enabled false -> 400 naming it" 400 '.error_description|startswith("enabled is read-only")' true
json_post /api/v1/users "$ADMIN_AT" "$NEW_USER"
expect "POST users with a read object: created with its own id" 201 .email carol@example.com .firstName Carol \
  '.id == "'"$(jq -r .id <<<"$ME_JSON")"'"' false .somethingElse null
CAROL_JSON=$BODY
CAROL_ID=$(jq -r .id <<<"$BODY")

# PUT users/{id} (administrator) with the object read, edited.
json_put "/api/v1/users/$CAROL_ID" "$ADMIN_AT" "$CAROL_JSON"
expect "PUT users/{id} of the object as read: nothing changes" 200 .enabled true .mfaEnabled false .authenticatorUri null
json_put "/api/v1/users/$CAROL_ID" "$ADMIN_AT" "$(jq -c '.firstName = "Caroline"' <<<"$CAROL_JSON")"
expect "PUT users/{id} changing a profile member -> 400 naming it" 400 \
  .error_description "firstName is read-only and cannot be changed"
json_put "/api/v1/users/$CAROL_ID" "$ADMIN_AT" "$(jq -c '.password = "password1234"' <<<"$CAROL_JSON")"
expect "PUT users/{id} with a guessable password -> 400 (the policy), not silently ignored" 400 .error invalid_request
json_put "/api/v1/users/$CAROL_ID" "$ADMIN_AT" "$(jq -c '.enabled = false | .comment = "left"' <<<"$CAROL_JSON")"
expect "PUT users/{id} of the object with enabled changed -> disabled" 200 .enabled false .firstName Carol

# Internal wording never reaches a client.
json_put /api/v1/users/00000000-0000-0000-0000-000000000000 "$ADMIN_AT" '{"enabled":true}'
expect "PUT users/{id} for an unknown user -> 'user not found'" 404 .error_description "user not found"
req DELETE /api/v1/users/me/applications/approvals/00000000-0000-0000-0000-000000000000 -H "$(bearer "$USER1_AT")"
expect "DELETE an unknown approval -> 'approval not found'" 404 .error_description "approval not found"
json_post /api/v1/users "$ADMIN_AT" '{"email":"carol@example.com","roles":["ROLE_ORIGINATOR"]}'
expect "POST users with a taken email -> 409 in plain words" 409 .error_description "a user with this email exists"

# Paging of users: orderBy in any case.
req GET '/api/v1/users?sortBy=email&orderBy=ASC' -H "$(bearer "$ADMIN_AT")"
ascending=$(jq -c '[.items[].email]' <<<"$BODY")
req GET '/api/v1/users?sortBy=email&orderBy=desc' -H "$(bearer "$ADMIN_AT")"
expect "GET users with orderBy=desc: the reverse of ASC" 200 "[.items[].email] == ($ascending|reverse)" true \
  '.items|length > 3' true
