# Observability (issue #14): request log lines with nginx's request id,
# Prometheus metrics summed over the pool (promtool, exact counter moves,
# loopback only), readiness, the audit trail (stored = logged, the admin
# API and its bad input), fail2ban's filter on the real log (both formats),
# and a second server with log.format text, log.level debug and a
# metrics.allow that excludes loopback.
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_admin; need_user1; need_cli_app
LOG=$STATE/service.log
O=$STATE/obs
jqf() { jq -e "$@" >/dev/null; }  # jqf FILTER FILE: the filter holds
mkdir -p "$O"
token cli "$CLI_SECRET" "$ADMIN" "$ADMIN_PW"
ADMIN_AT=$(jq -r .access_token <<<"$BODY")
token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
USER1_AT=$(jq -r .access_token <<<"$BODY")
USER1_RT=$(jq -r .refresh_token <<<"$BODY")

# --- request lines and X-Request-Id
req GET /api/health
rid=$(grep -i '^x-request-id:' <<<"$HDRS" | awk '{print $2}' | tr -d '\r')
check "every reply carries X-Request-Id: nginx's \$request_id, 32 hex digits" \
  grep -qE '^[0-9a-f]{32}$' <<<"$rid"
sleep 0.2
line=$(grep -F "\"requestId\":\"$rid\"" "$LOG" | grep '"event":"request"')
check "one request line carries that id, the method, the route and the status" \
  test "$(jq -r '[.method, .route, .status, (.ms|type)]|map(tostring)|join(" ")' <<<"$line")" = "GET /api/health 200 number"
req GET /api/v1/users/me -H "$(bearer "$ADMIN_AT")"
ADMIN_ID=$(jq -r .id <<<"$BODY")
json_post /api/v1/clientapps "$ADMIN_AT" '{"appName":"Obs","clientId":"obs-app","authorizedGrantTypes":["password","refresh_token"],"accessTokenValiditySeconds":300,"refreshTokenValiditySeconds":3600}'
OBS_ID=$(jq -r .id <<<"$BODY")
OBS_SECRET=$(jq -r .clientSecret <<<"$BODY")
req GET "/api/v1/clientapps/$OBS_ID" -H "$(bearer "$ADMIN_AT")"
rid=$(grep -i '^x-request-id:' <<<"$HDRS" | awk '{print $2}' | tr -d '\r')
sleep 0.2
line=$(grep -F "\"requestId\":\"$rid\"" "$LOG" | grep '"event":"request"')
check "the request line names the route pattern, never the raw path with its id" \
  bash -c "[[ \$(jq -r .route <<<'$line') == '/api/v1/clientapps/{}' && '$line' != *'$OBS_ID'* ]]"
check "the request line names the client and the user" \
  test "$(jq -r '.client + " " + .user' <<<"$line")" = "cli $ADMIN_ID"
check "every line of the service log is one JSON object with ts, level, pid and event" \
  bash -c "jq -e -c 'select((.ts|test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[.][0-9]{3}Z$\")) and (.level|type) == \"string\" and (.pid|type) == \"number\" and (.event|type) == \"string\")' '$LOG' | wc -l | grep -qx \$(wc -l <'$LOG')"

# --- metrics
metric() {  # metric FILE 'name{labels}': its value; nothing and status 1 when absent
  awk -v s="$2" 'index($0, s " ") == 1 { v = $NF; found = 1 } END { if (found) print v + 0; exit !found }' "$1"
}
scrape() { curl -s "$BASE/metrics" >"$1"; }
check "GET /metrics is the text exposition format" \
  bash -c "curl -s -D - -o /dev/null '$BASE/metrics' | grep -qi '^content-type: text/plain; version=0.0.4'"
scrape "$O/m1"
check "GET /metrics passes promtool check metrics" bash -c "promtool check metrics <'$O/m1' >'$O/promtool.out' 2>&1"
[[ -s $O/promtool.out ]] && sed 's/^/       /' "$O/promtool.out" | head -5
for i in $(seq 7); do curl -s -o /dev/null "$BASE/api/health"; done
for i in 1 2 3; do token cli "$CLI_SECRET" "$USER1" "wrong-password-$i"; done
req POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$USER1_RT"
USER1_RT=$(jq -r .refresh_token <<<"$BODY")
req POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$USER1_RT"
USER1_RT=$(jq -r .refresh_token <<<"$BODY")
req POST /api/oauth/token -u "cli:not-the-secret-000" -d grant_type=refresh_token --data-urlencode "refresh_token=$USER1_RT"
scrape "$O/m2"
moved() {  # moved 'series' N: the series grew by exactly N between m1 and m2
  # It must be in m2 (a renamed or dropped series fails, even for N = 0); in
  # m1 it counts as 0 when absent (a labelled series appears on its first use).
  local a b
  b=$(metric "$O/m2" "$1") || { echo "       $1: not in the scrape"; return 1; }
  a=$(metric "$O/m1" "$1") || a=0
  [[ $(awk -v a="$a" -v b="$b" 'BEGIN { print b - a }') == "$2" ]] || { echo "       $1: $a -> $b, wanted +$2"; return 1; }
}
check "7 health checks: requests_total{/api/health,200} +7 (summed over both workers)" \
  moved 'access_requests_total{method="GET",route="/api/health",status="200"}' 7
check "7 health checks: the latency histogram's count +7" \
  moved 'access_request_duration_seconds_count{method="GET",route="/api/health"}' 7
check "3 wrong passwords: token requests with 400 +3" \
  moved 'access_requests_total{method="POST",route="/api/oauth/token",status="400"}' 3
check "3 wrong passwords: grants_total{password,refused} +3" \
  moved 'access_grants_total{grant_type="password",outcome="refused"}' 3
check "3 wrong passwords: sign_in_failures_total +3" moved 'access_sign_in_failures_total' 3
check "3 wrong passwords: audit_events_total{sign_in.failed} +3" \
  moved 'access_audit_events_total{type="sign_in.failed"}' 3
check "2 refreshes: grants_total{refresh_token,issued} +2" \
  moved 'access_grants_total{grant_type="refresh_token",outcome="issued"}' 2
check "2 refreshes: audit_events_total{token.issued} +2" \
  moved 'access_audit_events_total{type="token.issued"}' 2
check "1 wrong client secret: client_auth_failures_total +1" moved 'access_client_auth_failures_total' 1
check "1 wrong client secret: requests_total{token,401} +1" \
  moved 'access_requests_total{method="POST",route="/api/oauth/token",status="401"}' 1
check "the first scrape was counted: requests_total{/metrics,200} +1" \
  moved 'access_requests_total{method="GET",route="/metrics",status="200"}' 1
check "no refresh reuse, no lockout happened: those counters did not move" \
  bash -c "$(declare -f metric moved); O='$O'; moved access_refresh_reuse_total 0 && moved 'access_lockouts_total{scope=\"address\"}' 0"
# Keys: as many as JWKS publishes (one, unless an earlier file rotated: t_45
# does on PostgreSQL).
check "the gauges: 2 workers, the keys JWKS publishes ($(jq '.keys | length' "$STATE/jwks.json")), a database" \
  test "$(metric "$O/m2" access_workers) $(metric "$O/m2" access_signing_keys)" = "2 $(jq '.keys | length' "$STATE/jwks.json")" -a "$(metric "$O/m2" access_database_size_bytes)" -gt 0
req POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$USER1_RT"
old_rt=$USER1_RT
USER1_RT=$(jq -r .refresh_token <<<"$BODY")
req POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$old_rt"
scrape "$O/m3"
check "a reused refresh token: refresh_reuse_total +1 and an audit line" \
  bash -c "[[ \$(( \$(awk '/^access_refresh_reuse_total /{print \$2}' '$O/m3') - \$(awk '/^access_refresh_reuse_total /{print \$2}' '$O/m2') )) == 1 ]] && grep -q '\"type\":\"refresh.reused\"' '$LOG'"
# A worker dies: its replacement goes on in its slot, so no sum goes down.
master=$(cat "$STATE/run/service.pid")
victim=$(pgrep -P "$master" | head -1)
kill -KILL "$victim"
for _ in $(seq 50); do [[ $(pgrep -P "$master" | wc -l) == 2 ]] && break; sleep 0.1; done
sleep 0.5
scrape "$O/m4"
check "a killed worker: worker_respawns_total +1" \
  test "$(( $(metric "$O/m4" access_worker_respawns_total) - $(metric "$O/m3" access_worker_respawns_total) ))" = 1
check "a killed worker: the health counter kept what it had counted" \
  test "$(metric "$O/m4" 'access_requests_total{method="GET",route="/api/health",status="200"}')" -ge \
       "$(metric "$O/m3" 'access_requests_total{method="GET",route="/api/health",status="200"}')"
# The dashboard and the alerts use only metrics the service exports, in valid PromQL.
DASH=$ROOT/conf/grafana/access-service.json
ALERTS=$ROOT/conf/prometheus/access-service-alerts.yml
grep '^# TYPE ' "$O/m4" | awk '{print $3}' | sort -u >"$O/exported"
metric_names() { grep -oE 'access_[a-z_]+' | grep -v '^access_service' | sed -E 's/_(bucket|sum|count)$//' | sort -u; }
jq -r '.panels[].targets[]?.expr' "$DASH" | metric_names >"$O/dashboard-names"
metric_names <"$ALERTS" >"$O/alert-names"
check "conf/grafana: every metric a panel uses is exported ($(wc -l <"$O/dashboard-names") names)" \
  bash -c "[[ -s '$O/dashboard-names' && -z \$(comm -23 '$O/dashboard-names' '$O/exported') ]]"
jq -r '.panels[].targets[]?.expr' "$DASH" | sed 's/\$__rate_interval/5m/g' |
  awk 'BEGIN { print "groups:\n  - name: dashboard\n    rules:" }
       { gsub(/\x27/, "\x27\x27"); printf "      - record: panel_%d\n        expr: \x27%s\x27\n", NR, $0 }' >"$O/dashboard-rules.yml"
check "conf/grafana: every panel query is valid PromQL (promtool check rules)" \
  bash -c "promtool check rules '$O/dashboard-rules.yml' >/dev/null 2>&1 && jq -e '.panels | length > 10' '$DASH' >/dev/null"
check "conf/prometheus: the alert rules pass promtool check rules" \
  bash -c "promtool check rules '$ALERTS' >/dev/null 2>&1"
check "conf/prometheus: every metric an alert uses is exported ($(wc -l <"$O/alert-names") names)" \
  bash -c "[[ -s '$O/alert-names' && -z \$(comm -23 '$O/alert-names' '$O/exported') ]]"
req POST /metrics
check "POST /metrics -> 405 with Allow: GET" bash -c "[[ '$STATUS' == 405 ]] && grep -qi '^allow: GET' <<<'$HDRS'"

# --- readiness
req GET /api/health/ready
ACTIVE_KID=$(curl -s "$BASE/.well-known/jwks.json" | jq -r '.keys[-1].kid')
expect "GET /api/health/ready -> 200 ready, with the signing key" 200 .status ready
check "the ready key is published in the JWKS file" \
  bash -c "jq -e --arg k '$(jq -r .kid <<<"$BODY")' '[.keys[].kid] | index(\$k) != null' '$STATE/jwks.json' >/dev/null"
cp "$STATE/jwks.json" "$O/jwks.saved"
echo '{"keys":[]}' >"$STATE/jwks.json"
req GET /api/health/ready
expect "JWKS file without the signing key -> 503 not ready" 503 .error temporarily_unavailable \
  .error_description "not ready: the JWKS file does not publish the signing key"
rm -f "$STATE/jwks.json"
req GET /api/health/ready
expect "no JWKS file -> 503 not ready, without its path" 503 \
  .error_description "not ready: the JWKS file cannot be read"
cp "$O/jwks.saved" "$STATE/jwks.json"
chmod 0644 "$STATE/jwks.json"
# A writer holding SQLite's write lock for longer than busy_timeout_ms (5 s).
# (PostgreSQL writers never wait to begin: its readiness asks whether the
# server accepts writes, tested in request_log_test.cpp.)
if on_sqlite; then
  flock "$STATE/access.db-writer" sleep 7 &
  holder=$!
  sleep 0.3
  req GET /api/health
  expect "while the database takes no write, /api/health (liveness) stays 200" 200 .status ok
  req GET /api/health/ready
  expect "while the database takes no write, /api/health/ready -> 503" 503 .error temporarily_unavailable
  check "... saying why" bash -c "[[ \$(jq -r .error_description <<<'$BODY') == 'not ready: the database does not take writes'* ]]"
  wait "$holder"
  req GET /api/health/ready
  expect "once the writer is gone: ready again" 200 .status ready
fi

# --- the audit trail
req GET /api/v1/audit -H "$(bearer "$ADMIN_AT")"
expect "GET /api/v1/audit as ROLE_SYSTEM_ADMIN -> 200" 200 .offset 0
printf '%s' "$BODY" >"$O/audit.json"
check "the list is newest first" \
  jqf '[.items[].createdAt] as $t | ($t | length) > 10 and $t == ($t | sort | reverse)' "$O/audit.json"
check "count is the number of stored events" \
  test "$(jq -r .count <<<"$BODY")" = "$(db 'SELECT count(*) FROM audit_events')"
req GET "/api/v1/audit?type=client.&clientId=obs-app" -H "$(bearer "$ADMIN_AT")"
expect "filter type=client. & clientId: the created app" 200 .count 1 '.items[0].type' client.created \
  '.items[0].actor' "$ADMIN_ID" '.items[0].details.id' "$OBS_ID"
req GET "/api/v1/audit?type=sign_in.failed&limit=3&since=2020-01-01T00:00:00Z" -H "$(bearer "$ADMIN_AT")"
expect "filters type + since + limit" 200 '.items|length' 3 '.items[0].outcome' failure '.items[0].details.reason' wrong_password
req GET "/api/v1/audit?userId=nobody" -H "$(bearer "$ADMIN_AT")"
expect "an unknown userId matches nothing" 200 .count 0
req GET "/api/v1/audit?type=client.created" -H "$(bearer "$ADMIN_AT")"
printf '%s' "$BODY" >"$O/audit-created.json"
check "accessctl's changes are there, with actor accessctl" \
  jqf '[.items[] | select(.clientId == "cli" and .actor == "accessctl" and .ip == null)] | length == 1' "$O/audit-created.json"
rows=$(db 'SELECT count(*) FROM audit_events')
req GET "/api/v1/audit?type=Sign_In" -H "$(bearer "$ADMIN_AT")"
expect "type in capitals -> 400" 400 .error invalid_request
req GET "/api/v1/audit?since=last-week" -H "$(bearer "$ADMIN_AT")"
expect "since not RFC 3339 -> 400" 400 .error invalid_request
req GET "/api/v1/audit?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z" -H "$(bearer "$ADMIN_AT")"
expect "since after until -> 400" 400 .error invalid_request
req GET "/api/v1/audit?limit=1000" -H "$(bearer "$ADMIN_AT")"
expect "limit over 100 -> 400" 400 .error invalid_request
req GET "/api/v1/audit?clientId=$(printf 'a%.0s' $(seq 200))" -H "$(bearer "$ADMIN_AT")"
expect "an oversized clientId -> 400" 400 .error invalid_request
req GET "/api/v1/audit?type=a&type=b" -H "$(bearer "$ADMIN_AT")"
expect "a filter given twice -> 400" 400 .error invalid_request
token cli "$CLI_SECRET" "$USER1" "$USER1_PW"  # the reuse above revoked the first one
USER1_AT=$(jq -r .access_token <<<"$BODY")
rows=$(db 'SELECT count(*) FROM audit_events')
req GET /api/v1/audit -H "$(bearer "$USER1_AT")"
expect "a collaborator -> 403" 403 .error access_denied
req GET /api/v1/audit
expect "no token -> 401" 401 .error invalid_token
req DELETE /api/v1/audit -H "$(bearer "$ADMIN_AT")"
expect "DELETE -> 405" 405 .error method_not_allowed
check "the refused reads stored nothing" test "$(db 'SELECT count(*) FROM audit_events')" = "$rows"
# Every failed sign-in and client authentication a worker stored is one log
# line with the same id, and the other way round.
db "SELECT id FROM audit_events WHERE type IN ('sign_in.failed','client_auth.failed')" | sort >"$O/ids.db"
jq -r 'select(.event == "audit" and (.type == "sign_in.failed" or .type == "client_auth.failed")
              and .details.notStored != true) | .id' "$LOG" | sort >"$O/ids.log"
check "stored failures = logged failures ($(wc -l <"$O/ids.db") events, by id; throttled repeats are logged only)" \
  bash -c "[[ -s '$O/ids.db' ]] && cmp -s '$O/ids.db' '$O/ids.log'"
db 'SELECT * FROM audit_events' >"$O/audit_rows"
check "no audit row holds a password, a client secret or a token ($(wc -l <"$O/audit_rows") rows)" \
  bash -c "[[ -s '$O/audit_rows' ]] && ! grep -qF -e '$USER1_PW' -e '$ADMIN_PW' -e '$CLI_SECRET' -e '$OBS_SECRET' -e '$USER1_RT' -e '${USER1_AT:0:60}' '$O/audit_rows'"

# --- fail2ban: the filter on this suite's own log
token cli "$CLI_SECRET" 'x","ip":"203.0.113.66' 'wrong-password-x'
sleep 0.2
F2B=$ROOT/conf/fail2ban/filter.d/access-service.conf
fail2ban-regex -v "$LOG" "$F2B" >"$O/f2b.out" 2>&1
want=$(jq -r 'select(.event == "audit" and (.type == "sign_in.failed" or .type == "client_auth.failed")) | .id' "$LOG" | wc -l)
got=$(sed -n 's/^Failregex: \([0-9]*\) total.*/\1/p' "$O/f2b.out")
check "fail2ban-regex matches every sign_in.failed and client_auth.failed line of the log ($got of $want)" \
  test "${got:-x}" = "$want" -a "$want" -ge 5
check "fail2ban-regex matches nothing else (success lines, request lines)" \
  bash -c "grep -q 'Lines: .* $want matched' '$O/f2b.out'"
check "every address it found is the client's (127.0.0.1), not one a username forged" \
  bash -c "! grep -q '203.0.113.66' <(sed -n '/^Failregex/,/^Ignoreregex/p' '$O/f2b.out') && grep -q '127.0.0.1' '$O/f2b.out'"

# The jail example loads in fail2ban with the filter (the Debian defaults'
# own jails left out: they need logs this machine may not have).
F2C=$O/fail2ban
rm -rf "$F2C" && cp -r /etc/fail2ban "$F2C" && rm -f "$F2C"/jail.d/*
cp "$ROOT/conf/fail2ban/filter.d/access-service.conf" "$F2C/filter.d/"
cp "$ROOT/conf/fail2ban/jail.d/access-service.conf" "$F2C/jail.d/"
check "conf/fail2ban: fail2ban-client -t accepts the jail and its filter" \
  bash -c "timeout 60 fail2ban-client -c '$F2C' -t 2>&1 | grep -q 'configuration test is successful'"

# --- a second server: log.format text, log.level debug, metrics to 10.0.0.0/8 only
T2=$O/text
T2_PORT=$(free_port)
env -u PG_CONNINFO LOG_FORMAT=text LOG_LEVEL=debug METRICS_ALLOW='["10.0.0.0/8"]' PORT=$T2_PORT WORKERS=1 \
  nginx/dev-server.sh start "$T2" >/dev/null 2>&1
T2_CTL="$ROOT/$BUILD/accessctl --config $T2/access-service.yaml"
T2_SECRET='text-secret-0123456789abcdef'
echo "$T2_SECRET" | $T2_CTL client add --client-id t2 --name T2 --grant password --access-seconds 300 --secret-stdin >/dev/null
curl -s -o /dev/null -u "t2:wrong-text-secret-000" -d grant_type=password -d username=u -d password=p "http://127.0.0.1:$T2_PORT/api/oauth/token"
curl -s -o /dev/null -u "t2:$T2_SECRET" -d grant_type=password -d username=nobody@example.com \
  -d 'password=wrong-text-password' -H 'User-Agent: obs "test" agent' "http://127.0.0.1:$T2_PORT/api/oauth/token"
m_status=$(curl -s -o "$O/t2-metrics" -w '%{http_code}' "http://127.0.0.1:$T2_PORT/metrics")
sleep 0.3
check "metrics.allow without loopback: GET /metrics from 127.0.0.1 -> 403, no counters" \
  bash -c "[[ '$m_status' == 403 ]] && jq -e '.error == \"access_denied\"' '$O/t2-metrics' >/dev/null"
check "log.format text: every line starts with its time, level and [pid]" \
  bash -c "! grep -vqE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z (debug|info|warn|error) \[[0-9]+\] ' '$T2/service.log'"
check "log.level debug: the request line adds ip, user agent and the error code" \
  grep -qE 'request method=POST route=/api/oauth/token status=401 .* ip=127\.0\.0\.1 userAgent=curl/[^ ]+ bytesIn=[0-9]+ bytesOut=[0-9]+ error=invalid_client' "$T2/service.log"
check "a user agent with quotes stays one quoted value" grep -qF 'userAgent="obs \"test\" agent"' "$T2/service.log"
fail2ban-regex -v "$T2/service.log" "$F2B" >"$O/f2b-text.out" 2>&1
check "fail2ban-regex on the text log: the client_auth.failed and the sign_in.failed lines" \
  bash -c "grep -q '^Failregex: 2 total' '$O/f2b-text.out'"
nginx/dev-server.sh stop "$T2" >/dev/null 2>&1
