# Nothing secret is stored in clear (DESIGN.md, Storage), and the schema is sane.
db=$STATE/access.db
dump=$(mktemp)
cat "$db" "$db-wal" 2>/dev/null >"$dump"
sqlite3 "$db" .dump >>"$dump"
for secret in "$CLI_SECRET" "$ADMIN_PW" "$USER1_PW" "$JOB_SECRET" "$RT" "$RT2" bob-password-123; do
  check "database holds no plaintext '${secret:0:6}...'" bash -c "! grep -qF -- '$secret' '$dump'"
done
rm -f "$dump"
check "client secrets are argon2id PHC strings" \
  test "$(sqlite3 "$db" "SELECT count(*) FROM clients WHERE secret_hash NOT LIKE '\$argon2id\$v=19\$%'")" = 0
check "passwords are argon2id PHC strings" \
  test "$(sqlite3 "$db" "SELECT count(*) FROM users WHERE password_hash NOT LIKE '\$argon2id\$v=19\$%'")" = 0
check "refresh tokens are stored as 32-byte SHA-256 hashes" \
  test "$(sqlite3 "$db" "SELECT count(*) FROM refresh_tokens WHERE length(hash) != 32")" = 0
check "database is in WAL mode" test "$(sqlite3 "$db" 'PRAGMA journal_mode')" = wal
check "schema version is recorded" test "$(sqlite3 "$db" 'PRAGMA user_version')" -ge 1
check "integrity_check is ok" test "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok
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
  (umask $mask && PORT=$dev_port WORKERS=1 "$ROOT/nginx/dev-server.sh" start "$dev" >/dev/null 2>&1)
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
  (umask $mask && "$ROOT/$BUILD/accessctl" --config "$dev/fresh/c.yaml" init >/dev/null 2>&1)
  check "umask $mask: accessctl init makes the database, key dir, keys and hmac.key owner-only" \
    test "$(stat -c %a "$dev/fresh/access.db" "$dev/fresh/keys" "$dev/fresh/keys/"* | sort -u | tr '\n' ' ')" = "600 700 "
  rm -rf "$dev"
done
