# The master/worker process model: respawn, reload, config checking, clean stop.
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_user1; need_cli_app
master=$(cat "$STATE/run/service.pid")
workers_of() { pgrep -P "$1" | sort | tr '\n' ' '; }
before=$(workers_of "$master")
check "the master runs 2 workers" test "$(wc -w <<<"$before")" = 2

# Requests flow while one worker is killed.
( for i in $(seq 300); do curl -s -o /dev/null "$BASE/api/health"; done ) &
flow=$!
sleep 0.3
victim=$(awk '{print $1}' <<<"$before")
kill -KILL "$victim"
wait "$flow"
for _ in $(seq 50); do [[ $(workers_of "$master" | wc -w) == 2 ]] && break; sleep 0.1; done
after=$(workers_of "$master")
check "a SIGKILLed worker is respawned" bash -c "[[ \$(wc -w <<<'$after') == 2 && ' $after' != *' $victim '* ]]"
ok_count=0
for i in $(seq 20); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/health") == 200 ]] && ok_count=$((ok_count + 1))
done
check "after the respawn every request succeeds (20/20)" test $ok_count = 20
token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
expect "the token endpoint works after the respawn" 200

# SIGHUP replaces the workers and keeps serving.
before=$(workers_of "$master")
kill -HUP "$master"
for _ in $(seq 50); do
  now=$(workers_of "$master")
  [[ $(wc -w <<<"$now") == 2 && -z $(comm -12 <(tr ' ' '\n' <<<"$before" | sort) <(tr ' ' '\n' <<<"$now" | sort) | tr -d '\n') ]] && break
  sleep 0.1
done
# No old worker left, and as many new ones as configured (2): zero workers
# would share none with the old set too.
now=$(workers_of "$master")
check "SIGHUP replaced every worker (2 new, none of the old)" \
  bash -c "[[ \$(wc -w <<<'$now') == 2 && -z \$(comm -12 <(tr ' ' '\n' <<<'$before' | sort) <(tr ' ' '\n' <<<'$now' | sort) | tr -d '\n') ]]"
req GET /api/health
expect "the service answers after a reload" 200 .status ok
check "the reload is logged" grep -q reloaded "$STATE/service.log"

# --check-config validates and names the offending key.
bad=$STATE/bad.yaml
sed 's/^  synchronous: FULL/  synchronous: SOMETIMES/' "$CONFIG" >"$bad"
out=$("$ROOT/$BUILD/access-service" --config "$bad" --check-config 2>&1)
check "--check-config exits 1 on a bad value" test $? = 1
check "--check-config names the key (store.synchronous)" grep -q 'store.synchronous' <<<"$out"
sed 's/^  listen: .*/  listen: "0.0.0.0:9000"/' "$CONFIG" >"$bad"
out=$("$ROOT/$BUILD/access-service" --config "$bad" --check-config 2>&1)
check "--check-config refuses FastCGI on all interfaces" grep -q 'server.listen' <<<"$out"
grep -v '^issuer' "$CONFIG" >"$bad"
out=$("$ROOT/$BUILD/access-service" --config "$bad" --check-config 2>&1)
check "--check-config reports a missing issuer" grep -q 'issuer: required' <<<"$out"
"$ROOT/$BUILD/access-service" --config "$CONFIG" --check-config >/dev/null 2>&1
check "--check-config exits 0 on the running config" test $? = 0
out=$($CTL frobnicate 2>&1)
check "accessctl with an unknown command exits non-zero" test $? != 0

# server.listen's TCP form: a second master on the same state binds that
# loopback address (loopback.h loopback_socket_address) and stops on SIGTERM.
tcp_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed "s|^  listen: .*|  listen: \"localhost:$tcp_port\"|" "$CONFIG" >"$bad"
"$ROOT/$BUILD/access-service" --config "$bad" 2>"$STATE/tcp-master.log" &
tcp_master=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$tcp_port") 2>/dev/null && break; sleep 0.1; done
check "a TCP server.listen (localhost:port) is bound on 127.0.0.1" bash -c "exec 3<>/dev/tcp/127.0.0.1/$tcp_port"
kill -TERM "$tcp_master"
wait "$tcp_master" 2>/dev/null
check "... and released when that master stops" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$tcp_port) 2>/dev/null"

# SIGHUP with a broken config keeps the running one.
cp "$CONFIG" "$STATE/good.yaml"
echo "bogus_key: 1" >>"$CONFIG"
kill -HUP "$master"
sleep 1
req GET /api/health
expect "a reload with a broken config keeps serving" 200
check "the refused reload is logged with the key" grep -q 'bogus_key' "$STATE/service.log"
cp "$STATE/good.yaml" "$CONFIG"

# `make run`'s foreground mode stops on SIGTERM and leaves no process behind.
run_state=$(mktemp -d /tmp/access-run.XXXXXX)
run_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PG_CONNINFO= PORT=$run_port setsid "$ROOT/nginx/dev-server.sh" run "$run_state" >/dev/null 2>&1 &
run_pid=$!
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$run_port/api/health" && break; sleep 0.1; done
check "the foreground dev server answers" curl -fs -o /dev/null "http://127.0.0.1:$run_port/api/health"
kill -TERM "$run_pid"
wait "$run_pid" 2>/dev/null
sleep 0.5
left=$(pgrep -f "$run_state" | tr '\n' ' ')
check "after SIGTERM no process of it is left" test -z "$left"
keep_logs "$run_state"
rm -rf "$run_state"
