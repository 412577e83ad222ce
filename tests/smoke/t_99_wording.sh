# Internal wording never reaches a client (API.md section 0: "No stack traces,
# SQL or file paths ever reach a response"). Runs last: `req` (lib.sh) has
# appended every error_description of the run to $ERROR_DESCRIPTIONS, and
# each one is searched for SQL, database wording, file paths and C++ names.
# Run alone (tests/smoke/run.sh t_99_wording.sh), it searches what that run
# collected: its own answers below.
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_admin; need_cli_app

# The client's own input, quoted back to it (the hostile tests send SQL and
# paths on purpose), replaced by <input>: only the server's words are searched.
without_echoes() {
  sed -E -e 's/^(authorizedGrantTypes has an unknown grant type|registeredRedirectUris has an invalid URI|scope has an invalid value): .*$/\1: <input>/' \
    -e "s/^parameter '.*' appears more than once$/parameter '<input>' appears more than once/" \
    -e 's/^member .* given twice$/member <input> given twice/' "$1" 2>/dev/null
}

# Prints the lines of FILE that hold internal wording (echoes of the client's
# input aside); true when there are any.
internal_wording() {
  local sql='\b(SELECT|INSERT|UPDATE|DELETE FROM|UNIQUE|PRIMARY KEY|FOREIGN KEY|NOT NULL|CHECK constraint)\b'
  local words='sqlite|constraint|no row|no such (table|column|row)|syntax error'
  local paths='/src/|/include/|\.(cpp|hpp|h)\b|/tmp/|/var/|/run/|/etc/|/home/|/usr/'
  local cxx='std::|nlohmann|json\.exception|what\(\)|basic_string|terminate called|Assertion'
  local out
  out=$(without_echoes "$1" | grep -E "$sql"; without_echoes "$1" | grep -iE "$words|$paths|$cxx")
  [[ -n $out ]] && printf '%s\n' "$out"
}

finds_internal_wording() { internal_wording "$1" >/dev/null; }

# The check can fail: planted wording is found, client wording is not.
planted=$(mktemp)
for bad in 'UNIQUE constraint failed: clients.client_id' 'no row' 'SELECT id FROM users' \
  'database is locked (sqlite)' 'cannot open /var/lib/access-service/access.db' \
  'error in /src/api.cpp:120' 'std::out_of_range' \
  '[json.exception.type_error.302] type must be string, but is number' \
  'terminate called after throwing an instance of' 'what(): bad' \
  'no row; scope has an invalid value: x' 'member x given twice (sqlite)'; do
  printf '%s\n' "$bad" >"$planted"
  check "the wording check finds planted '$bad'" finds_internal_wording "$planted"
done
printf '%s\n' 'client app not found' 'member clientId given twice' 'user not found' \
  'id is read-only and cannot be changed' 'clientId is already registered' \
  'registeredRedirectUris has an invalid URI: http://evil.example.com/cb' \
  'orderBy must be ASC or DESC (any case)' 'sortBy must be one of createdAt, appName, clientId, id, enabled' \
  'the request conflicts with stored data' "scope has an invalid value: ' UNION SELECT 1--" \
  'registeredRedirectUris has an invalid URI: https://x.example.com/cb?q=/etc/passwd' \
  "parameter 'SELECT' appears more than once" 'member std::string given twice' >"$planted"
if internal_wording "$planted" >/dev/null; then
  fail "the wording check passes client wording" "$(internal_wording "$planted")"
else
  pass "the wording check passes client wording"
fi
rm -f "$planted"

# A few answers that once carried the store's wording, collected like the rest
# (with a fresh token: earlier files rotate keys and revoke tokens).
token cli "$CLI_SECRET" "$ADMIN" "$ADMIN_PW"
ADMIN_AT=$(jq -r .access_token <<<"$BODY")
req GET /api/v1/clientapps/00000000-0000-0000-0000-000000000000 -H "$(bearer "$ADMIN_AT")"
expect "an unknown app -> 404 'client app not found'" 404 .error not_found .error_description "client app not found"
req GET /api/v1/clientapps/%27%3B%20SELECT -H "$(bearer "$ADMIN_AT")"
expect "an odd app id -> 404 'client app not found'" 404 .error_description "client app not found"

collected=$(wc -l <"$ERROR_DESCRIPTIONS" 2>/dev/null || echo 0)
check "error descriptions were collected from the run ($collected)" test "$collected" -ge 2
check "the collection holds this file's answer" grep -qx 'client app not found' "$ERROR_DESCRIPTIONS"
found=$(internal_wording "$ERROR_DESCRIPTIONS" | sort | uniq -c | sort -rn | head -10)
if [[ -z $found ]]; then
  pass "no error_description of the run ($collected) holds SQL, paths or C++ names"
else
  fail "no error_description of the run ($collected) holds SQL, paths or C++ names" "$found"
fi
