# Hostile input (issue #6): one test each, asserting the 4xx, the one error
# shape {"error","error_description"} and that nothing was stored (no table of
# the database gained a row). Inputs over nginx's limits are answered by nginx
# itself, in the same JSON shape (nginx/snippets/access-service-locations.conf).
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_admin; need_user1; need_cli_app
db=$STATE/access.db
H=$STATE/hostile
# Fresh tokens: under SANITIZE=1 the suite can outlive the first ones (600 s).
token cli "$CLI_SECRET" "$ADMIN" "$ADMIN_PW"
ADMIN_AT=$(jq -r .access_token <<<"$BODY")
token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
USER1_AT=$(jq -r .access_token <<<"$BODY")
mkdir -p "$H"

# "table=rows" for every table, one per line. The audit trail records refused
# attempts by design (a malformed or wrong client credential is a
# client_auth.failed event, audit.h): its rows other than failed sign-ins and
# client authentications count as a table of their own, audit_events_other.
table_rows() {
  db_table_rows | grep -v '^audit_events='
  echo "audit_events_other=$(db "SELECT count(*) FROM audit_events
                                 WHERE outcome != 'failure' OR type NOT IN ('client_auth.failed', 'sign_in.failed')")"
}
snap() { ROWS_BEFORE=$(table_rows); }
# The tables that gained rows since snap (the purger may only remove rows).
grown_tables() {
  awk -F= 'NR == FNR { before[$1] = $2; next } $2 > before[$1] + 0 { printf "%s(+%d) ", $1, $2 - before[$1] }' \
    <(echo "$ROWS_BEFORE") <(table_rows)
}
# refused NAME STATUS ERROR: the last reply is STATUS with exactly the members
# error = ERROR and a non-empty error_description, and nothing was stored.
refused() {
  local name=$1 want=$2 code=$3 why="" grew shape
  [[ $STATUS == "$want" ]] || why="status $STATUS, wanted $want"
  shape=$(jq -r '[.error, (.error_description|type), (.error_description|length > 0), (keys|length)]|map(tostring)|join(",")' <<<"$BODY" 2>/dev/null)
  [[ -z $why && $shape != "$code,string,true,2" ]] && why="not the error shape with '$code' ($shape)"
  if [[ -z $why ]]; then
    grew=$(grown_tables)
    [[ -n $grew ]] && why="rows were stored: $grew"
  fi
  if [[ -z $why ]]; then pass "$name"; else fail "$name" "$why; body: ${BODY:0:200}"; fi
}
ADMIN_H="Authorization: Bearer $ADMIN_AT"
USER_H="Authorization: Bearer $USER1_AT"
form_token() { req POST /api/oauth/token -u "cli:$CLI_SECRET" "$@"; }
json_req() {  # json_req METHOD PATH FILE
  req "$1" "$2" -H "$ADMIN_H" -H 'Content-Type: application/json' --data-binary "@$3"
}
APP_JSON='{"appName":"Hostile","clientId":"hostile","authorizedGrantTypes":["password"],"accessTokenValiditySeconds":300}'

# --- 1 MB header (nginx: large_client_header_buffers), as a plain header, as
# Authorization and as Cookie, on the token endpoint and a bearer endpoint.
# 10^6 bytes: curl itself refuses a request head over 1 MiB.
big=$(head -c 1000000 /dev/zero | tr '\0' a)
printf 'X-Big: %s\n' "$big" >"$H/header.big"
printf 'Authorization: Bearer %s\n' "$big" >"$H/header.auth"
printf 'Cookie: access_session=%s\n' "$big" >"$H/header.cookie"
unset big
snap
form_token -H "@$H/header.big" -d grant_type=password -d "username=$USER1" -d "password=$USER1_PW"
refused "1 MB header on the token endpoint -> 400 invalid_request" 400 invalid_request
snap
req GET /api/v1/users/me -H "@$H/header.auth"
refused "1 MB Authorization header -> 400 invalid_request" 400 invalid_request
snap
req POST /api/oauth/signin -H "@$H/header.cookie" -d rid=x -d username=x -d password=x
refused "1 MB Cookie header -> 400 invalid_request" 400 invalid_request
head -c 1048576 /dev/zero | tr '\0' a >"$H/body.big"
snap
form_token --data-binary "@$H/body.big"
refused "1 MB form body -> 413 payload_too_large" 413 payload_too_large
snap
json_req POST /api/v1/clientapps "$H/body.big"
refused "1 MB JSON body -> 413 payload_too_large" 413 payload_too_large

# --- 10k form fields (kMaxParams is 100), unique names so the count is what fails.
/usr/bin/python3 -c '
import sys
digits = "0123456789abcdefghijklmnopqrstuvwxyz"
name = lambda n: digits[n // 1296] + digits[n // 36 % 36] + digits[n % 36]
sys.stdout.write("grant_type=password&" + "&".join(name(i) + "=1" for i in range(10000)))' >"$H/form.10k"
snap
form_token --data-binary "@$H/form.10k"
refused "10k form fields on the token endpoint -> 400" 400 invalid_request
snap
req POST /api/oauth/revoke -u "cli:$CLI_SECRET" --data-binary "@$H/form.10k"
refused "10k form fields on the revocation endpoint -> 400" 400 invalid_request
snap
req GET "/api/v1/clientapps?$(/usr/bin/python3 -c 'print("&".join("f%d=1" % i for i in range(300)))')" -H "$ADMIN_H"
refused "300 query parameters on a list -> 400" 400 invalid_request

# --- Duplicate parameters (RFC 6749 3.1, 3.2: "MUST NOT be included more than once").
snap
form_token -d grant_type=password -d grant_type=refresh_token -d "username=$USER1" -d "password=$USER1_PW"
refused "grant_type twice -> 400 (RFC 6749 3.2)" 400 invalid_request
snap
form_token -d grant_type=password -d "username=$USER1" -d "password=$USER1_PW" -d "password=$USER1_PW"
refused "password twice, even equal -> 400" 400 invalid_request
snap
form_token -d grant_type=refresh_token -d refresh_token=a -d refresh_token=b
refused "refresh_token twice -> 400" 400 invalid_request
snap
req POST /api/oauth/revoke -u "cli:$CLI_SECRET" -d token=a -d token=b
refused "token twice on revocation -> 400" 400 invalid_request
snap
req POST /api/oauth/introspect -u "cli:$CLI_SECRET" -d token=a -d token=b
refused "token twice on introspection -> 400" 400 invalid_request
snap
req GET '/api/v1/users?limit=1&limit=1' -H "$ADMIN_H"
refused "limit twice on a list -> 400" 400 invalid_request

# --- 1,000-deep nested JSON, on every JSON endpoint and inside a member.
printf '%.0s[' $(seq 1000) >"$H/deep.json"
{ printf '{"appName":'; printf '%.0s{"a":' $(seq 1000); printf '1'; printf '%.0s}' $(seq 1000); printf '}'; } >"$H/deep-member.json"
for ep in "POST /api/v1/clientapps" "POST /api/v1/users" "PUT /api/v1/users/me"; do
  snap
  json_req $ep "$H/deep.json"
  refused "1,000-deep nested JSON on $ep -> 400" 400 invalid_request
done
snap
json_req POST /api/v1/clientapps "$H/deep-member.json"
refused "1,000-deep object inside a member -> 400" 400 invalid_request

# --- Invalid UTF-8.
printf '{"appName":"\xff\xfe","clientId":"utf8","authorizedGrantTypes":["password"],"accessTokenValiditySeconds":300}' >"$H/utf8.json"
snap
json_req POST /api/v1/clientapps "$H/utf8.json"
refused "invalid UTF-8 in a JSON string -> 400" 400 invalid_request
printf '{"email":"a\xc0\xaf@example.com","roles":["ROLE_ORIGINATOR"]}' >"$H/overlong.json"
snap
json_req POST /api/v1/users "$H/overlong.json"
refused "overlong UTF-8 in a JSON string -> 400" 400 invalid_request
echo '{"firstName":"\ud800"}' >"$H/surrogate.json"
snap
json_req PUT /api/v1/users/me "$H/surrogate.json"
refused "a lone surrogate escape in JSON -> 400" 400 invalid_request
printf 'grant_type=password&username=\xff\xfe&password=x' >"$H/utf8.form"
snap
form_token --data-binary "@$H/utf8.form"
refused "raw invalid UTF-8 in a form -> 400" 400 invalid_request
snap
form_token --data-binary 'grant_type=password&username=%FF%FE&password=x'
refused "percent-encoded invalid UTF-8 in a form -> 400" 400 invalid_request
snap
req GET '/api/v1/clientapps?sortBy=%FF' -H "$ADMIN_H"
refused "invalid UTF-8 in a query string -> 400" 400 invalid_request
snap
req POST /api/oauth/token -H "Authorization: Basic $(printf 'cli\xff:%s' "$CLI_SECRET" | base64 -w0)" -d grant_type=password
refused "invalid UTF-8 in Basic credentials -> 401 invalid_client" 401 invalid_client

# --- NUL bytes.
printf 'grant_type=password&username=a\0b&password=x' >"$H/nul.form"
snap
form_token --data-binary "@$H/nul.form"
refused "a raw NUL in a form -> 400" 400 invalid_request
snap
form_token --data-binary 'grant_type=password&username=a%00b&password=x'
refused "%00 in a form -> 400" 400 invalid_request
printf '{"firstName":"a\0b"}' >"$H/nul-raw.json"
snap
json_req PUT /api/v1/users/me "$H/nul-raw.json"
refused "a raw NUL in JSON -> 400" 400 invalid_request
jq -c '.appName = "A\u0000B"' <<<"$APP_JSON" >"$H/nul-name.json"
snap
json_req POST /api/v1/clientapps "$H/nul-name.json"
refused "\\u0000 in appName -> 400" 400 invalid_request
jq -c '.clientSecret = "0123456789abcdef\u0000"' <<<"$APP_JSON" >"$H/nul-secret.json"
snap
json_req POST /api/v1/clientapps "$H/nul-secret.json"
refused "\\u0000 in clientSecret -> 400" 400 invalid_request
echo '{"firstName":"a\u0000b"}' >"$H/nul-first.json"
snap
json_req PUT /api/v1/users/me "$H/nul-first.json"
refused "\\u0000 in firstName -> 400" 400 invalid_request
snap
req GET '/api/v1/clientapps/%00' -H "$ADMIN_H"
refused "%00 in the path -> 400 (nginx, JSON shape)" 400 invalid_request
snap
req GET '/api/v1/users?limit=%00' -H "$ADMIN_H"
refused "%00 in a query value -> 400" 400 invalid_request
snap
req POST /api/oauth/token -H "Authorization: Basic $(printf 'cli%%00:%s' "$CLI_SECRET" | base64 -w0)" -d grant_type=password
refused "%00 in Basic credentials -> 401 invalid_client" 401 invalid_client

# --- Overlong and invalid percent-escapes.
for bad in '%C0%AF' '%E0%80%AF' '%F0%80%80%AF' '%ZZ' '%4' 'abc%' '%%41' '%u0041' '%ED%A0%80'; do
  snap
  form_token --data-binary "grant_type=password&username=$bad&password=x"
  refused "escape '$bad' in a form -> 400" 400 invalid_request
done
for bad in '%C0%AF' '%G1' '%'; do
  snap
  req GET "/api/v1/clientapps?orderBy=$bad" -H "$ADMIN_H"
  refused "escape '$bad' in a query -> 400" 400 invalid_request
done

# --- Integers beyond 64 bits (and other non-integers) in JSON and paging.
# The literals go in as typed (sed, not jq, which would round them to doubles).
for n in 18446744073709551616 99999999999999999999999 -9223372036854775809 1e400 3e2 300.5 '"300"' true null; do
  sed "s/:300}/:$n}/" <<<"$APP_JSON" >"$H/int.json"
  snap
  json_req POST /api/v1/clientapps "$H/int.json"
  refused "accessTokenValiditySeconds $n -> 400" 400 invalid_request
done
snap
sed 's/"password"\]/"password","refresh_token"]/; s/:300}/:300,"refreshTokenValiditySeconds":18446744073709551617}/' \
  <<<"$APP_JSON" >"$H/int.json"
json_req POST /api/v1/clientapps "$H/int.json"
refused "refreshTokenValiditySeconds 2^64+1 -> 400" 400 invalid_request

# --- Negative or huge paging values, on both lists.
for list in clientapps users; do
  for q in limit=-1 limit=101 limit=2147483648 limit=18446744073709551616 offset=-1 offset=-0 \
    offset=1000000001 offset=99999999999999999999 limit=1e2 limit=0x10 limit=%2B5 'limit=%205' \
    orderBy=ascending orderBy=DROP sortBy=password "sortBy=id%3BDROP"; do
    snap
    req GET "/api/v1/$list?$q" -H "$ADMIN_H"
    refused "GET /api/v1/$list?$q -> 400" 400 invalid_request
  done
done

# --- A JWT with 10k segments: over nginx's header buffer as a bearer token;
# under it (4k empty segments) it reaches the verifier; in form fields.
segs=$(/usr/bin/python3 -c 'print(".".join(["eyJhbGciOiJSUzI1NiJ9"] * 10000))')
printf 'Authorization: Bearer %s\n' "$segs" >"$H/header.segments"
snap
req GET /api/v1/users/me -H "@$H/header.segments"
refused "bearer JWT with 10k segments -> 400 (nginx, JSON shape)" 400 invalid_request
snap
req GET /api/v1/users/me -H "Authorization: Bearer $(printf 'eyJh.%.0s' $(seq 1500))x"
refused "bearer JWT with 1,500 segments (reaches the verifier) -> 401 invalid_token" 401 invalid_token
snap
req GET /api/v1/users/me -H "Authorization: Bearer $(printf '%.0s.' $(seq 4000))"
refused "bearer of 4,000 empty segments -> 401 invalid_token" 401 invalid_token
short_segs=$(/usr/bin/python3 -c 'print(".".join(["a"] * 10000))')
snap
req POST /api/oauth/revoke -u "cli:$CLI_SECRET" --data-urlencode "token=$short_segs"
check "revocation of a 10k-segment JWT -> 200 (RFC 7009 2.2), nothing stored" \
  bash -c "[[ '$STATUS' == 200 && -z '$(grown_tables)' ]]"
snap
form_token -d grant_type=refresh_token --data-urlencode "refresh_token=$short_segs"
refused "a 10k-segment refresh_token -> 400 invalid_grant" 400 invalid_grant
snap
req POST /api/oauth/introspect -u "cli:$CLI_SECRET" --data-urlencode "token=$short_segs"
expect "introspection of a 10k-segment JWT -> 200 inactive (RFC 7662 2.2)" 200 .active false '.|length' 1
unset segs short_segs

# --- Basic credentials that are not base64 (or not id:secret inside).
for b in '!!!notbase64' '' '====' 'Y2xp' 'Y2xp=' "$(printf nocolon | base64)" "$(printf '%%ZZ:x' | base64)" \
  "$(head -c 3000 /dev/zero | tr '\0' A)" 'Og==' "$(printf 'cli:%s' "$CLI_SECRET" | base64 -w0 | tr '+/' '-_')x"; do
  snap
  req POST /api/oauth/token -H "Authorization: Basic $b" -d grant_type=password -d "username=$USER1" -d "password=$USER1_PW"
  refused "Basic '${b:0:24}' -> 401 invalid_client" 401 invalid_client
done
snap
req POST /api/oauth/token -H "Authorization: Basic" -d grant_type=password
refused "Basic with no credentials at all -> 401 invalid_client" 401 invalid_client
snap
req POST /api/oauth/token -H "Authorization: Digest username=cli" -d grant_type=password
refused "another auth scheme -> 401 invalid_client" 401 invalid_client

# --- SQL and shell metacharacters in every string field: either refused (4xx,
# error shape, nothing stored) or stored verbatim; never executed.
PWNED=$STATE/pwned
PAYLOADS=("x'; DROP TABLE clients;--" '" OR 1=1 --' "\$(touch $PWNED)" "\`touch $PWNED\`" 'a;b|c&d>e<f\\g%h' "' UNION SELECT secret_hash FROM clients--")
tables_before=$(db_tables | tr '\n' ,)
verbatim_or_refused() {  # NAME WANT_VALUE JQ_PATH_OF_STORED: after a write
  local name=$1 want=$2 path=$3
  if [[ $STATUS == 200 || $STATUS == 201 ]]; then
    check "$name: stored verbatim" test "$(jq -r "$path" <<<"$BODY")" = "$want"
  else
    refused "$name: refused" 400 invalid_request
  fi
}
n=0
for p in "${PAYLOADS[@]}"; do
  n=$((n + 1))
  secret_p="${p}0123456789abcdef"
  for field in appName clientId clientSecret authorizedGrantTypes registeredRedirectUris scope; do
    case $field in
      appName | clientId) body=$(jq -c --arg v "$p" --arg id "meta$n$field" ".clientId = \$id | .$field = \$v" <<<"$APP_JSON") ;;
      clientSecret) body=$(jq -c --arg v "$secret_p" --arg id "meta$n$field" '.clientId = $id | .clientSecret = $v' <<<"$APP_JSON") ;;
      registeredRedirectUris) body=$(jq -c --arg v "https://app.example.com/cb?q=$p" --arg id "meta$n$field" \
        '.clientId = $id | .authorizedGrantTypes = ["authorization_code"] | .registeredRedirectUris = [$v]' <<<"$APP_JSON") ;;
      *) body=$(jq -c --arg v "$p" --arg id "meta$n$field" ".clientId = \$id | .$field = [\$v]" <<<"$APP_JSON") ;;
    esac
    snap
    req POST /api/v1/clientapps -H "$ADMIN_H" -H 'Content-Type: application/json' --data-binary "$body"
    case $field in
      clientSecret)
        if [[ $STATUS == 200 ]]; then
          id=$(jq -r .clientId <<<"$BODY")
          req POST /api/oauth/token -u "$(jq -rn --arg a "$id" --arg b "$secret_p" '($a|@uri) + ":" + ($b|@uri)')" \
            -d grant_type=password -d "username=$USER1" -d "password=$USER1_PW"
          check "clientSecret payload $n: stored verbatim (it authenticates)" test "$STATUS" = 200
        else
          refused "clientSecret payload $n: refused" 400 invalid_request
        fi ;;
      registeredRedirectUris) verbatim_or_refused "redirect URI payload $n" "https://app.example.com/cb?q=$p" '.registeredRedirectUris[0]' ;;
      authorizedGrantTypes | scope) verbatim_or_refused "$field payload $n" "$p" ".${field}[0]" ;;
      *) verbatim_or_refused "$field payload $n" "$p" ".$field" ;;
    esac
  done
  for field in email firstName lastName otherName mobileNumber password roles; do
    case $field in
      email) body=$(jq -nc --arg v "$p" '{email: ("u" + ($v|ascii_downcase) + "@example.com"), roles: ["ROLE_ORIGINATOR"]}') ;;
      roles) body=$(jq -nc --arg v "$p" --arg e "meta$n-roles@example.com" '{email: $e, roles: [$v]}') ;;
      password) body=$(jq -nc --arg v "${p}-long-enough" --arg e "meta$n-pw@example.com" '{email: $e, roles: ["ROLE_ORIGINATOR"], password: $v}') ;;
      *) body=$(jq -nc --arg v "$p" --arg e "meta$n-$field@example.com" --arg f "$field" '{email: $e, roles: ["ROLE_ORIGINATOR"]} + {($f): $v}') ;;
    esac
    snap
    req POST /api/v1/users -H "$ADMIN_H" -H 'Content-Type: application/json' --data-binary "$body"
    case $field in
      email) verbatim_or_refused "users email payload $n" "u$(tr '[:upper:]' '[:lower:]' <<<"$p")@example.com" .email ;;
      roles) refused "users roles payload $n: refused" 400 invalid_request ;;
      password)
        if [[ $STATUS == 201 ]]; then
          token cli "$CLI_SECRET" "meta$n-pw@example.com" "${p}-long-enough"
          check "users password payload $n: stored verbatim (it signs in)" test "$STATUS" = 200
        else
          refused "users password payload $n: refused" 400 invalid_request
        fi ;;
      *) verbatim_or_refused "users $field payload $n" "$p" ".$field" ;;
    esac
  done
  for field in firstName mobileNumber; do
    snap
    req PUT /api/v1/users/me -H "$USER_H" -H 'Content-Type: application/json' \
      --data-binary "$(jq -nc --arg v "$p" --arg f "$field" '{($f): $v}')"
    verbatim_or_refused "users/me $field payload $n" "$p" ".$field"
  done
  # Form and query fields.
  form_token -d grant_type=password --data-urlencode "username=$p" --data-urlencode "password=$p"
  typed=$(tr '[:upper:]' '[:lower:]' <<<"$p")
  counted=$(db "SELECT count FROM sign_in_failures WHERE username = '${typed//\'/\'\'}' AND ip = '127.0.0.1'")
  check "token username/password payload $n: invalid_grant, counted under the name as typed" \
    test "$STATUS $(jq -r .error <<<"$BODY") $counted" = "400 invalid_grant 1"
  snap
  form_token -d grant_type=refresh_token --data-urlencode "refresh_token=$p"
  refused "refresh_token payload $n -> invalid_grant" 400 invalid_grant
  snap
  form_token -d grant_type=password --data-urlencode "username=$USER1" --data-urlencode "password=$USER1_PW" --data-urlencode "scope=read $p"
  refused "scope payload $n -> invalid_scope" 400 invalid_scope
  snap
  form_token --data-urlencode "grant_type=$p"
  refused "grant_type payload $n -> unsupported_grant_type" 400 unsupported_grant_type
  snap
  req POST /api/oauth/introspect -u "cli:$CLI_SECRET" --data-urlencode "token=$p"
  expect "introspection token payload $n -> inactive" 200 .active false
  snap
  req GET "/api/v1/clientapps?sortBy=$(jq -rn --arg v "$p" '$v|@uri')" -H "$ADMIN_H"
  refused "sortBy payload $n -> 400" 400 invalid_request
  snap
  req GET "/api/oauth/authorize?response_type=code&client_id=$(jq -rn --arg v "$p" '$v|@uri')&redirect_uri=https%3A%2F%2Fx.example.com%2Fcb"
  check "authorize client_id payload $n -> 400 page, nothing stored" \
    bash -c "[[ '$STATUS' == 400 && -z '$(grown_tables)' ]]"
done
check "no shell ever ran a payload" test ! -e "$PWNED"
check "every table is still there" test "$(db_tables | tr '\n' ,)" = "$tables_before"
on_sqlite && check "integrity_check is ok after the hostile input" test "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok
# The apps made above go again (later tests count nothing, but stay tidy).
for id in $(db "SELECT id FROM clients WHERE client_id LIKE 'meta%'"); do
  req DELETE "/api/v1/clientapps/$id" -H "$ADMIN_H"
done
json_put /api/v1/users/me "$USER1_AT" '{}'
req GET /api/health
expect "the service still answers after the hostile input" 200 .status ok
rm -rf "$H"
