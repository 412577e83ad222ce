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
