# accessctl: first administrator, a plain user, the apps the other tests use,
# made by the fixture helpers of lib.sh (need_*) that each file also calls for
# what it uses; here, the first to run, they are checked.
need_admin
check "accessctl user add creates an administrator" test $? = 0
need_user1
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

need_cli_app
check "accessctl client add prints the app with its secret" \
  test "$(jq -r '.clientSecret + " " + .clientId' <<<"$CLI_APP_JSON")" = "$CLI_SECRET cli"
need_job_app
check "accessctl client add generates a 256-bit secret" test ${#JOB_SECRET} = 43
out=$($CTL client add --client-id web --name W --grant authorization_code --access-seconds 300 2>&1)
check "accessctl client add applies the API rules (redirect URI required), naming the option" \
  grep -q -- '--redirect-uri is required' <<<"$out"
out=$($CTL client add --client-id cli --name dup --grant password --access-seconds 300 2>&1)
check "accessctl client add refuses a duplicate clientId" test $? != 0
check "accessctl client list shows the apps" grep -q "^cli" <<<"$($CTL client list)"
check "accessctl user list shows the users" grep -q "^alice@example.com" <<<"$($CTL user list)"

need_admin_token
expect "password grant for the administrator" 200 .token_type bearer .scope "read write"
need_user1_token
expect "password grant for a collaborator" 200
