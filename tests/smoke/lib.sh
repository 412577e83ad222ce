# Helpers of the smoke suite (sourced by tests/smoke/run.sh and each test file).
#
#   req METHOD PATH [curl args...]   one HTTP request; sets STATUS, BODY, HDRS, and
#                                    appends its error_description (JSON body or
#                                    redirect Location) to $ERROR_DESCRIPTIONS
#   expect NAME STATUS [JQ VALUE]... one test: the status and each JSON member
#   check NAME COMMAND...            one test: the command succeeds
#   skip NAME WHY                    a section not run here (backend, not root, ...):
#                                    counted in SMOKE_SKIPPED, never a pass
#   header_has TEXT                  true when the last response has that header text
#   sanitizer_clean LOG              true when LOG holds no ASan/LSan/UBSan report (printed)
#   curl ...                         curl, recording its arguments in $SECRETS_CAPTURE (below)

SMOKE_PASSED=${SMOKE_PASSED:-0}
SMOKE_FAILED=${SMOKE_FAILED:-0}
SMOKE_SKIPPED=${SMOKE_SKIPPED:-0}

pass() { SMOKE_PASSED=$((SMOKE_PASSED + 1)); echo "  ok   $1"; }
fail() { SMOKE_FAILED=$((SMOKE_FAILED + 1)); echo "  FAIL $1"; [[ -n ${2:-} ]] && echo "       $2"; }
skip() { SMOKE_SKIPPED=$((SMOKE_SKIPPED + 1)); echo "  skip $1${2:+ ($2)}"; }

req() {
  local method=$1 path=$2
  shift 2
  local hfile
  hfile=$(mktemp)
  BODY=$(curl -sS -X "$method" -D "$hfile" -o - "$@" "$BASE$path" 2>/dev/null)
  STATUS=$(head -1 "$hfile" | awk '{print $2}')
  HDRS=$(cat "$hfile")
  rm -f "$hfile"
  collect_error_description
  [[ -n ${SECRETS_CAPTURE:-} ]] && printf '%s\x1f%s\x1e' "$HDRS" "$BODY" >>"$SECRETS_CAPTURE/responses"
  return 0
}

# Every secret the suite uses must stay out of every log (run.sh runs
# tests/smoke/log_secrets.py at the end). So that it knows them, each curl
# call's arguments (passwords, client secrets, tokens, codes, verifiers,
# passcodes, cookies) and each reply `req` reads (tokens, codes, secrets) are
# recorded here, outside the logs; run.sh adds the suite's variables that
# hold secrets. A function, so it covers every curl of the test files and of
# their subshells.
SECRETS_CAPTURE=${SECRETS_CAPTURE:-${STATE:+$STATE/secrets-capture}}
[[ -n $SECRETS_CAPTURE ]] && (umask 077 && mkdir -p "$SECRETS_CAPTURE")
# keep_logs DIR: copies the logs of a server a test started outside $STATE
# (and is about to remove) into $STATE/kept-logs, for that search.
keep_logs() {
  [[ -d $1 && -n ${STATE:-} ]] || return 0
  local dest
  dest=$STATE/kept-logs/$(basename "$1")
  mkdir -p "$dest"
  find "$1" -type f -name '*.log' -exec cp --parents -t "$dest" {} + 2>/dev/null
  return 0
}
curl() {
  [[ -n ${SECRETS_CAPTURE:-} ]] && printf '%s\x1f' "$@" >>"$SECRETS_CAPTURE/curl-args" &&
    printf '\x1e' >>"$SECRETS_CAPTURE/curl-args"
  command curl "$@"
}

# Every error_description a response of `req` carried, one per line, for
# t_99_wording.sh to search for internal wording (API.md section 0): the
# JSON body's member, and the one in a redirect's query or fragment
# (percent-decoded).
ERROR_DESCRIPTIONS=${ERROR_DESCRIPTIONS:-${STATE:+$STATE/error_descriptions.txt}}
# 0600 like every file of the state directory (t_40_storage.sh checks).
[[ -n $ERROR_DESCRIPTIONS ]] && (umask 077 && : >>"$ERROR_DESCRIPTIONS")
collect_error_description() {
  local d loc
  [[ -n $ERROR_DESCRIPTIONS ]] || return 0
  if [[ $BODY == *'"error_description"'* ]]; then
    d=$(jq -r 'objects | .error_description // empty | tostring' <<<"$BODY" 2>/dev/null)
    [[ -n $d ]] && printf '%s\n' "$d" >>"$ERROR_DESCRIPTIONS"
  fi
  loc=$(grep -i '^location:' <<<"$HDRS" | tr -d '\r')
  if [[ $loc == *error_description=* ]]; then
    d=${loc#*error_description=}
    d=${d%%&*}
    d=${d//+/ }
    printf '%b\n' "${d//%/\\x}" >>"$ERROR_DESCRIPTIONS"
  fi
  return 0
}

# Authorization header of a bearer token.
bearer() { echo "Authorization: Bearer $1"; }

expect() {
  local name=$1 want=$2
  shift 2
  local why=""
  [[ $STATUS == "$want" ]] || why="status $STATUS, wanted $want"
  while [[ -z $why && $# -ge 2 ]]; do
    local got
    got=$(echo "$BODY" | jq -r "$1" 2>/dev/null)
    [[ $got == "$2" ]] || why="$1 = '$got', wanted '$2'"
    shift 2
  done
  if [[ -z $why ]]; then pass "$name"; else fail "$name" "$why; body: ${BODY:0:300}"; fi
}

check() {
  local name=$1
  shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}

header_has() { grep -qi "$1" <<<"$HDRS"; }

json_post() { req POST "$1" -H 'Content-Type: application/json' -H "$(bearer "$2")" --data-binary "$3"; }
json_put() { req PUT "$1" -H 'Content-Type: application/json' -H "$(bearer "$2")" --data-binary "$3"; }

# password grant: token CLIENT SECRET USER PASSWORD [extra curl args]
token() {
  local client=$1 secret=$2 user=$3 pw=$4
  shift 4
  req POST /api/oauth/token -u "$client:$secret" --data-urlencode grant_type=password \
    --data-urlencode "username=$user" --data-urlencode "password=$pw" "$@"
}

# Two-factor helpers: the secret of an otpauth:// URI; its TOTP code (now,
# or at a time oathtool reads, such as "+30 seconds"); a 6-digit code that
# is none of the codes valid now (previous, current, next step).
secret_of() { python3 -c 'import sys,urllib.parse as u; print(u.parse_qs(u.urlsplit(sys.argv[1]).query)["secret"][0])' "$1"; }
totp() { oathtool --totp -b "$1" ${2:+-N "$2"}; }
wrong_code() {
  local valid c
  valid="$(totp "$1" "-30 seconds") $(totp "$1") $(totp "$1" "+30 seconds")"
  for c in 111111 222222 333333 444444; do [[ $valid != *$c* ]] && { echo $c; return; }; done
}

# Reports of the sanitizers (SANITIZE=1 builds); printed when found.
SANITIZER_REPORT='ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:\|UndefinedBehaviorSanitizer'
sanitizer_clean() {
  if grep -q "$SANITIZER_REPORT" "$1" 2>/dev/null; then
    grep -m3 -A12 "$SANITIZER_REPORT" "$1" | sed 's/^/       /'
    return 1
  fi
  return 0
}

# render_production_conf DIR HTTP_PORT HTTPS_PORT: nginx/access-service.conf
# made runnable here, into DIR/site.conf: a throwaway certificate, loopback
# ports, this suite's socket, JWKS file and pages (snippets in DIR/snippets).
render_production_conf() {
  local dir=$1 http=$2 https=$3
  mkdir -p "$dir/snippets" "$dir/tmp"
  cp "$ROOT"/nginx/snippets/*.conf "$dir/snippets/"
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=auth.example.com -days 1 \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
  sed -e "s|/etc/ssl/certs/auth.example.com.pem|$dir/cert.pem|" \
      -e "s|/etc/ssl/private/auth.example.com.key|$dir/key.pem|" \
      -e "s|listen 80;|listen 127.0.0.1:$http;|; s|listen \[::\]:80;||" \
      -e "s|listen 443 ssl|listen 127.0.0.1:$https ssl|; s|listen \[::\]:443[^;]*;||" \
      -e "s|unix:/run/access-service/fcgi.sock|unix:$STATE/run/fcgi.sock|" \
      -e "s|/run/access-service/jwks.json|$STATE/jwks.json|" \
      -e "s|/usr/share/access-service/html|$ROOT/nginx/html|" \
      "$ROOT/nginx/access-service.conf" >"$dir/site.conf"
}

# The suite's database, whichever backend serves it (SQLite: $STATE/access.db;
# PostgreSQL: $PG_CONNINFO, make test PG=1).
#   db SQL          runs SQL; rows as sqlite3 prints them (columns joined by |)
#   db_hex COL      the SQL expression of COL (a blob) in upper-case hex
#   db_instr S T    the SQL expression of the position of T in S (1-based)
#   db_now          the SQL expression of the clock in Unix seconds
#   db_tables       every table of the schema, one per line, by name
#   db_table_rows   "table=rows" for every table, one per line
#   db_json COL PATH... the member at PATH of JSON text column COL, as text
#                   (db_json details kid; db_json details replaces 0)
#   on_sqlite       true when the suite runs on SQLite
on_sqlite() { [[ -z ${PG_CONNINFO:-} ]]; }
db() {
  if on_sqlite; then sqlite3 "$STATE/access.db" "$1"
  else psql -X -q -A -t -F'|' -v ON_ERROR_STOP=1 -d "$PG_CONNINFO" -c "$1"; fi
}
db_hex() { if on_sqlite; then echo "hex($1)"; else echo "upper(encode($1, 'hex'))"; fi; }
db_instr() { if on_sqlite; then echo "instr($1, $2)"; else echo "strpos($1, $2)"; fi; }
db_now() { if on_sqlite; then echo "CAST(strftime('%s','now') AS INTEGER)"; else echo "CAST(extract(epoch FROM now()) AS BIGINT)"; fi; }
db_json() {
  local col=$1 p
  shift
  if on_sqlite; then
    local path='$'
    for p in "$@"; do if [[ $p =~ ^[0-9]+$ ]]; then path+="[$p]"; else path+=".$p"; fi; done
    echo "json_extract($col, '$path')"
  else
    local IFS=,
    echo "($col::json #>> '{$*}')"
  fi
}
db_tables() {
  if on_sqlite; then db "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
  else db "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"; fi
}
db_table_rows() {
  local t sql=""
  for t in $(db_tables); do sql+="${sql:+ UNION ALL }SELECT '$t', count(*) FROM \"$t\""; done
  db "$sql" | tr '|' '='
}

# age_key_marker KEYFILE TIME: records TIME (Unix seconds) as the moment
# signing key KEYFILE stopped signing (its .retired marker, key_ring.h). On
# PostgreSQL the database holds the marker every host copies (key_mirror.h),
# so it is rewritten there too, sealed with kek.key as the service seals it.
age_key_marker() {
  local name hex
  echo "$2" >"$1.retired"
  on_sqlite && return 0
  name=$(basename "$1").retired
  hex=$(python3 - "$STATE/kek.key" "$name" "$2" <<'PY'
import os, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
kek = open(sys.argv[1], "rb").read()
nonce = os.urandom(12)
print((nonce + AESGCM(kek).encrypt(nonce, (sys.argv[3] + "\n").encode(), sys.argv[2].encode())).hex())
PY
)
  db "UPDATE key_files SET sealed = decode('$hex', 'hex') WHERE name = '$name'" >/dev/null
}

# Fixtures. Each test file calls, at its top, the helpers for what it uses,
# so that it runs alone (tests/smoke/run.sh t_20_token.sh) as in the full
# suite. Each helper creates its user, app or token once in the shared server
# and sets the variables named below; called again (by a later file of the
# same run) it does nothing, so a file sees what the files before it left
# (t_20_token.sh rotates cli's secret and sets CLI_SECRET, some files replace
# ADMIN_AT with a fresh token). The first call returns accessctl's or the
# token request's status (t_00_setup.sh checks it); later calls return 0.
#   need_admin        ADMIN, ADMIN_PW: a ROLE_SYSTEM_ADMIN (accessctl user add)
#   need_user1        USER1, USER1_PW: a ROLE_COLLABORATOR
#   need_cli_app      CLI_SECRET, CLI_APP_JSON: app `cli` (password, refresh_token;
#                     600 s access, 86400 s refresh), its secret given on stdin
#   need_job_app      JOB_SECRET, JOB_APP_JSON: app `job` (password; 300 s), its
#                     secret generated by accessctl
#   need_admin_token  ADMIN_AT: the password grant through cli for ADMIN (leaves
#                     STATUS and BODY of that request)
#   need_user1_token  USER1_AT: the same for USER1
#   need_web_app      WEB_SECRET: app `webapp` ("Photo Printer": authorization_code,
#                     implicit, refresh_token; redirect URIs https://client.example.com/cb
#                     and http://127.0.0.1:9999/callback; scope read write; 300 s /
#                     3600 s), made by t_70_authorize.sh, used by t_75_mfa.sh too
#   need_locked_user  LOCKED: locked@example.com, ROLE_ORIGINATOR, USER1_PW as its
#                     password (t_20_token.sh locks it out; t_30_users.sh counts
#                     the users)
SMOKE_FIXTURES=${SMOKE_FIXTURES:-}
fixture_done() { [[ " $SMOKE_FIXTURES " == *" $1 "* ]]; }
fixture_made() { SMOKE_FIXTURES+=" $1"; }
need_admin() {
  fixture_done admin && return 0
  ADMIN=admin@example.com ADMIN_PW='admin-password-123'
  echo "$ADMIN_PW" | $CTL user add "$ADMIN" --role ROLE_SYSTEM_ADMIN --password-stdin >/dev/null || return
  fixture_made admin
}
need_user1() {
  fixture_done user1 && return 0
  USER1=alice@example.com USER1_PW='alice-password-123'
  echo "$USER1_PW" | $CTL user add "$USER1" --role ROLE_COLLABORATOR --password-stdin >/dev/null || return
  fixture_made user1
}
need_cli_app() {
  fixture_done cli && return 0
  CLI_SECRET='cli-secret-0123456789abcdef'
  CLI_APP_JSON=$(echo "$CLI_SECRET" | $CTL client add --client-id cli --name "CLI" --grant password \
    --grant refresh_token --access-seconds 600 --refresh-seconds 86400 --secret-stdin) || return
  fixture_made cli
}
need_job_app() {
  fixture_done job && return 0
  JOB_APP_JSON=$($CTL client add --client-id job --name "Nightly job" --grant password --access-seconds 300) || return
  JOB_SECRET=$(jq -r .clientSecret <<<"$JOB_APP_JSON")
  fixture_made job
}
# fixture_token KEY VAR USER PASSWORD: VAR = the access token of USER's
# password grant through cli, once per run (KEY names the fixture).
fixture_token() {
  fixture_done "$1" && return 0
  token cli "$CLI_SECRET" "$3" "$4"
  [[ $STATUS == 200 ]] || return 1
  printf -v "$2" '%s' "$(jq -r .access_token <<<"$BODY")"
  fixture_made "$1"
}
need_admin_token() {
  need_admin && need_cli_app || return
  fixture_token admin_token ADMIN_AT "$ADMIN" "$ADMIN_PW"
}
need_user1_token() {
  need_user1 && need_cli_app || return
  fixture_token user1_token USER1_AT "$USER1" "$USER1_PW"
}
need_locked_user() {
  fixture_done locked && return 0
  need_user1 || return
  LOCKED=locked@example.com
  echo "$USER1_PW" | $CTL user add "$LOCKED" --role ROLE_ORIGINATOR --password-stdin >/dev/null || return
  fixture_made locked
}
need_web_app() {
  fixture_done webapp && return 0
  local json
  json=$($CTL client add --client-id webapp --name "Photo Printer" \
    --grant authorization_code --grant implicit --grant refresh_token \
    --redirect-uri https://client.example.com/cb --redirect-uri http://127.0.0.1:9999/callback \
    --scope read --scope write --access-seconds 300 --refresh-seconds 3600) || return
  WEB_SECRET=$(jq -r .clientSecret <<<"$json")
  fixture_made webapp
}
