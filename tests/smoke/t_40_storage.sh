# Nothing secret is stored in clear (DESIGN.md, Storage), and the schema is sane.
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_admin; need_user1; need_cli_app; need_job_app
# RT and RT2: a refresh token and its rotation, from t_20_token.sh in the full
# suite; made here when this file runs without it.
if [[ -z ${RT:-} || -z ${RT2:-} ]]; then
  token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
  RT=$(jq -r .refresh_token <<<"$BODY")
  req POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$RT"
  RT2=$(jq -r .refresh_token <<<"$BODY")
fi
db=$STATE/access.db
dump=$(mktemp)
if on_sqlite; then
  cat "$db" "$db-wal" 2>/dev/null >"$dump"
  sqlite3 "$db" .dump >>"$dump"
else
  pg_dump -d "$PG_CONNINFO" >>"$dump"
fi
# An empty dump (a failed sqlite3 or pg_dump) holds no secret either: the
# searches below mean something only over a dump that holds the data.
check "the database dump is not empty" test -s "$dump"
for secret in "$CLI_SECRET" "$ADMIN_PW" "$USER1_PW" "$JOB_SECRET" "$RT" "$RT2" bob-password-123; do
  check "database holds no plaintext '${secret:0:6}...'" bash -c "! grep -qF -- '$secret' '$dump'"
done
check "client secrets are argon2id PHC strings" \
  test "$(db "SELECT count(*) FROM clients WHERE secret_hash NOT LIKE '\$argon2id\$v=19\$%'")" = 0
check "passwords are argon2id PHC strings" \
  test "$(db "SELECT count(*) FROM users WHERE password_hash NOT LIKE '\$argon2id\$v=19\$%'")" = 0
check "refresh tokens are stored as 32-byte SHA-256 hashes" \
  test "$(db "SELECT count(*) FROM refresh_tokens WHERE length(hash) != 32")" = 0
if on_sqlite; then
  check "database is in WAL mode" test "$(sqlite3 "$db" 'PRAGMA journal_mode')" = wal
  check "schema version is recorded" test "$(sqlite3 "$db" 'PRAGMA user_version')" -ge 1
  check "integrity_check is ok" test "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok
else
  check "schema version is recorded" test "$(db 'SELECT version FROM schema_version')" -ge 1
  check "the key-encryption key is 32 bytes, 0600" test "$(stat -c %s:%a "$STATE/kek.key")" = 32:600
  check "the database holds the signing keys and hmac.key, sealed" \
    test "$(db "SELECT count(*) FROM key_files WHERE name = 'hmac.key' OR name LIKE 'key-%.pem'")" -ge 2
  check "... none of them in clear" bash -c "! grep -qF -- 'PRIVATE KEY' '$dump'"
fi
rm -f "$dump"
check "signing key file is 0600" test "$(stat -c %a "$STATE"/keys/key-*.pem | sort -u)" = 600
check "no secret in the service log" bash -c "! grep -qF -- '$USER1_PW' '$STATE/service.log' && ! grep -qF -- '$CLI_SECRET' '$STATE/service.log'"

# File modes of the state directory (make run's var/): every file 0600 and
# every directory 0700, whatever the umask of whoever starts it; the FastCGI
# socket 0660; jwks.json 0644 (public by design, served by nginx, reachable
# only through the 0700 directory). nginx's workers still reach both.
# modes_ok DIR: prints what is off and fails, or succeeds silently. (The
# scratch files other tests leave at the top of $STATE are not looked at.)
modes_ok() {
  local d=$1
  { [[ $(stat -c %a "$d") == 700 ]] || stat -c '%a %n' "$d"
    find "$d"/access-service.yaml "$d"/access.db* "$d"/service.log "$d"/jwks.json "$d"/keys "$d"/run "$d"/nginx \
      \( -type d ! -perm 0700 \) -o \( -type s ! -perm 0660 \) -o \( -type f ! -name jwks.json ! -perm 0600 \) \
      -o \( -name jwks.json ! -perm 0644 \) | xargs -r stat -c '%a %n'
  } | sed 's/^/       /' | grep . && return 1
  return 0
}
check "state directory: files 0600, directories 0700, socket 0660" modes_ok "$STATE"
for mask in 000 077; do
  dev=$(mktemp -d /tmp/access-umask.XXXXXX)
  rmdir "$dev"  # dev-server.sh makes it, under the umask being tried
  dev_port=$(free_port)
  # (On SQLite whatever the suite runs on: these check a state directory.)
  (umask $mask && PG_CONNINFO= PORT=$dev_port WORKERS=1 "$ROOT/nginx/dev-server.sh" start "$dev" >/dev/null 2>&1)
  check "umask $mask: the development server starts" test -S "$dev/run/fcgi.sock"
  # A database read keeps -wal and -shm open in the worker.
  check "umask $mask: nginx's workers reach the 0660 socket" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$dev_port/api/health")" = 200
  check "umask $mask: nginx's workers read jwks.json" \
    bash -c "curl -sf 'http://127.0.0.1:$dev_port/.well-known/jwks.json' | jq -e '.keys | length >= 1' >/dev/null"
  check "umask $mask: the database, -wal, -shm, keys and hmac.key exist" \
    test -f "$dev/access.db" -a -f "$dev/access.db-wal" -a -f "$dev/access.db-shm" -a -f "$dev/keys/hmac.key"
  check "umask $mask: files 0600, directories 0700, socket 0660" modes_ok "$dev"
  "$ROOT/nginx/dev-server.sh" stop "$dev" >/dev/null 2>&1
  # accessctl init alone, on a fresh directory.
  mkdir -p "$dev/fresh"
  sed -e "s|$dev/|$dev/fresh/|g" "$dev/access-service.yaml" >"$dev/fresh/c.yaml"
  chmod 0600 "$dev/fresh/c.yaml"
  (umask $mask && PG_CONNINFO= "$ROOT/$BUILD/accessctl" --config "$dev/fresh/c.yaml" init >/dev/null 2>&1)
  check "umask $mask: accessctl init makes the database, key dir, keys and hmac.key owner-only" \
    test "$(stat -c %a "$dev/fresh/access.db" "$dev/fresh/keys" "$dev/fresh/keys/"* | sort -u | tr '\n' ' ')" = "600 700 "
  keep_logs "$dev"
  rm -rf "$dev"
done

if on_sqlite; then
# store.synchronous FULL as group commit (src/store/sqlite_store.cpp sync_wal): the
# connection commits without a sync under the write lock, then syncs the WAL
# before it answers. strace counts the syncs of the service's processes: each
# acknowledged write synced at least once, a read none. (A kill -9 cannot show
# a missing sync, the page cache survives it; this is the check that can.) The
# master is traced with -f for the writes: a purger it forks meanwhile shares
# the group commit (wal_sync.h), and its sync may be the one that covers a
# grant's commit. Only the workers for the reads. Each trace is running before
# the first request (TracerPid).
sync_master=$(cat "$STATE/run/service.pid")
sync_pids=$(pgrep -P "$sync_master" | tr '\n' ' ')
sync_workers=$(sed 's/[0-9][0-9]*/-p &/g' <<<"$sync_pids")
traced() {  # each process named has a tracer (waits up to 10 s)
  local pid i all
  for i in $(seq 1 100); do
    all=1
    for pid in "$@"; do
      [ "$(awk '/^TracerPid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" != 0 ] || all=0
    done
    [ "$all" = 1 ] && return 0
    sleep 0.1
  done
  return 1
}
token cli "$CLI_SECRET" "$USER1" "$USER1_PW"
SYNC_RT=$(jq -r .refresh_token <<<"$BODY")
strace -f -qq -e trace=fsync,fdatasync -o "$STATE/syncs.txt" -p "$sync_master" $sync_workers &
strace_pid=$!
traced $sync_master $sync_pids
for i in 1 2 3; do
  req POST /api/oauth/token -u "cli:$CLI_SECRET" -d grant_type=refresh_token --data-urlencode "refresh_token=$SYNC_RT"
  SYNC_RT=$(jq -r .refresh_token <<<"$BODY")
done
sync_grants=$STATUS
SYNC_AT=$(jq -r .access_token <<<"$BODY")
sleep 0.3
kill -INT "$strace_pid" 2>/dev/null; wait "$strace_pid" 2>/dev/null
n_sync=$(grep -c 'sync(' "$STATE/syncs.txt")
check "3 refresh grants (last $sync_grants) synced the WAL before answering ($n_sync syncs)" \
  test "$sync_grants" = 200 -a "$n_sync" -ge 3
strace -f -qq -e trace=fsync,fdatasync -o "$STATE/syncs-read.txt" $sync_workers &
strace_pid=$!
traced $sync_pids
for i in 1 2 3; do req GET /api/v1/users/me -H "$(bearer "$SYNC_AT")"; done
sleep 0.3
kill -INT "$strace_pid" 2>/dev/null; wait "$strace_pid" 2>/dev/null
check "3 bearer reads ($STATUS) synced nothing" \
  test "$STATUS:$(grep -c 'sync(' "$STATE/syncs-read.txt")" = "200:0"
fi  # on_sqlite: PostgreSQL keeps its own promise (synchronous_commit on)
