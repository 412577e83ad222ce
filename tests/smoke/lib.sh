# Helpers of the smoke suite (sourced by tests/smoke/run.sh and each test file).
#
#   req METHOD PATH [curl args...]   one HTTP request; sets STATUS, BODY, HDRS, and
#                                    appends its error_description (JSON body or
#                                    redirect Location) to $ERROR_DESCRIPTIONS
#   expect NAME STATUS [JQ VALUE]... one test: the status and each JSON member
#   check NAME COMMAND...            one test: the command succeeds
#   header_has TEXT                  true when the last response has that header text
#   sanitizer_clean LOG              true when LOG holds no ASan/LSan/UBSan report (printed)
#   curl ...                         curl, recording its arguments in $SECRETS_CAPTURE (below)

SMOKE_PASSED=${SMOKE_PASSED:-0}
SMOKE_FAILED=${SMOKE_FAILED:-0}

pass() { SMOKE_PASSED=$((SMOKE_PASSED + 1)); echo "  ok   $1"; }
fail() { SMOKE_FAILED=$((SMOKE_FAILED + 1)); echo "  FAIL $1"; [[ -n ${2:-} ]] && echo "       $2"; }

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
