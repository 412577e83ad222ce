# accessctl: first administrator, a plain user, the apps the other tests use.
ADMIN=admin@example.com ADMIN_PW='admin-password-123'
USER1=alice@example.com USER1_PW='alice-password-123'
CLI_SECRET='cli-secret-0123456789abcdef'

echo "$ADMIN_PW" | $CTL user add "$ADMIN" --role ROLE_SYSTEM_ADMIN --password-stdin >/dev/null
check "accessctl user add creates an administrator" test $? = 0
echo "$USER1_PW" | $CTL user add "$USER1" --role ROLE_COLLABORATOR --password-stdin >/dev/null
check "accessctl user add creates a collaborator" test $? = 0
out=$(echo "$ADMIN_PW" | $CTL user add "$ADMIN" --role ROLE_SYSTEM_ADMIN --password-stdin 2>&1)
check "accessctl user add refuses a duplicate email (non-zero exit)" test $? != 0
check "accessctl says why" grep -q "exists" <<<"$out"
out=$(echo short | $CTL user add bob@example.com --role ROLE_SYSTEM_ADMIN --password-stdin 2>&1)
check "accessctl user add refuses a short password" test $? != 0
out=$(echo "$ADMIN_PW" | $CTL user add carol@example.com --role ROLE_KING --password-stdin 2>&1)
check "accessctl user add refuses an unknown role" test $? != 0
out=$($CTL user add dave@example.com --role ROLE_SYSTEM_ADMIN </dev/null 2>&1)
check "accessctl user add without a terminal or --password-stdin fails" test $? != 0

cli_json=$(echo "$CLI_SECRET" | $CTL client add --client-id cli --name "CLI" --grant password \
  --grant refresh_token --access-seconds 600 --refresh-seconds 86400 --secret-stdin)
check "accessctl client add prints the app with its secret" \
  test "$(jq -r '.clientSecret + " " + .clientId' <<<"$cli_json")" = "$CLI_SECRET cli"
gen_json=$($CTL client add --client-id job --name "Nightly job" --grant password --access-seconds 300)
JOB_SECRET=$(jq -r .clientSecret <<<"$gen_json")
check "accessctl client add generates a 256-bit secret" test ${#JOB_SECRET} = 43
out=$($CTL client add --client-id web --name W --grant authorization_code --access-seconds 300 2>&1)
check "accessctl client add applies the API rules (redirect URI required), naming the option" \
  grep -q -- '--redirect-uri is required' <<<"$out"
out=$($CTL client add --client-id cli --name dup --grant password --access-seconds 300 2>&1)
check "accessctl client add refuses a duplicate clientId" test $? != 0
check "accessctl client list shows the apps" grep -q "^cli" <<<"$($CTL client list)"
check "accessctl user list shows the users" grep -q "^alice@example.com" <<<"$($CTL user list)"

token cli "$CLI_SECRET" "$ADMIN" "$ADMIN_PW"
expect "password grant for the administrator" 200 .token_type bearer .scope "read write"
ADMIN_AT=$(jq -r .access_token <<<"$BODY")
token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
expect "password grant for a collaborator" 200
USER1_AT=$(jq -r .access_token <<<"$BODY")
