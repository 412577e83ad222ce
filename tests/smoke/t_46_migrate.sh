# Upgrades (issue #15, item 3): a database one schema version behind this
# build (made from src/store/sqlite_schema.h, with a user and an app copied into
# it) is refused by the service and by accessctl until `accessctl migrate`,
# which shows what is pending, refuses without a backup, backs up and
# applies; a database newer than this build is refused naming both versions.
# SQLite's (a PostgreSQL deployment backs up and upgrades with pg_dump and
# accessctl migrate --no-backup): skipped under make test PG=1.
if ! on_sqlite; then
  skip "schema migrations (t_46_migrate)" "SQLite backups and upgrades; the suite runs on PostgreSQL"
else

# old_schema_db SRC DEST VERSION: DEST at VERSION (the first VERSION entries
# of kMigrations), holding SRC's rows in the columns both have.
old_schema_db() {
  /usr/bin/python3 - "$ROOT/src/store/sqlite_schema.h" "$1" "$2" "$3" <<'PY'
import re, sqlite3, sys
schema, src, dest, version = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
steps = re.findall(r'R"SQL\((.*?)\)SQL"', open(schema).read(), re.S)
db = sqlite3.connect(dest)
for sql in steps[:version]:
    db.executescript(sql)
db.execute("PRAGMA user_version = %d" % version)
db.execute("ATTACH ? AS src", (src,))
tables = [r[0] for r in db.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")]
for t in tables:
    if not db.execute("SELECT 1 FROM src.sqlite_master WHERE type = 'table' AND name = ?", (t,)).fetchone():
        continue
    cols = [c[1] for c in db.execute("PRAGMA main.table_info(%s)" % t)]
    have = {c[1] for c in db.execute("PRAGMA src.table_info(%s)" % t)}
    common = ", ".join(c for c in cols if c in have)
    db.execute("INSERT INTO main.%s (%s) SELECT %s FROM src.%s" % (t, common, common, t))
db.commit()
db.execute("DETACH src")
db.close()
print(len(steps))
PY
}

mg_port=$(free_port)
mg=$(mktemp -d /tmp/access-mg.XXXXXX)
mg_ctl="$ROOT/$BUILD/accessctl --config $mg/access-service.yaml"
mg_service="$ROOT/$BUILD/access-service --config $mg/access-service.yaml"
mg_start() { PORT=$mg_port WORKERS=1 "$ROOT/nginx/dev-server.sh" start "$mg" >/dev/null 2>&1; }
mg_stop() { "$ROOT/nginx/dev-server.sh" stop "$mg" >/dev/null 2>&1; }
MG_PW='migrate-user-password-1'

if mg_start; then
  MG_SECRET=$(jq -r .clientSecret <<<"$($mg_ctl client add --client-id mg --name Migrate --grant password \
    --access-seconds 300)")
  echo "$MG_PW" | $mg_ctl user add mg@example.com --role ROLE_ORIGINATOR --password-stdin >/dev/null
  mg_stop
  mv "$mg/access.db" "$mg/current.db"
  rm -f "$mg/access.db-wal" "$mg/access.db-shm"
  latest=$(old_schema_db "$mg/current.db" "$mg/access.db" 0)
  rm -f "$mg/access.db"
  older=$((latest - 1))
  old_schema_db "$mg/current.db" "$mg/access.db" "$older" >/dev/null
  check "a database at schema version $older (this build: $latest)" \
    test "$(sqlite3 "$mg/access.db" 'PRAGMA user_version')" = "$older"

  out=$($mg_service --check-config 2>&1)
  check "--check-config refuses the older schema, naming both versions ($out)" \
    grep -q "database schema version $older is older than this build's ($latest): upgrade it with accessctl migrate" <<<"$out"
  out=$(timeout 10 $mg_service 2>&1)
  check "the service refuses to start on it (exit $?), saying why" \
    grep -q "database schema version $older is older than this build's ($latest)" <<<"$out"
  out=$($mg_ctl user list 2>&1)
  check "accessctl user list refuses it too" grep -q "is older than this build's ($latest)" <<<"$out"

  out=$($mg_ctl migrate --dry-run)
  check "migrate --dry-run shows the pending versions ($(head -1 <<<"$out"))" \
    grep -q "database schema version $older, this build's $latest; pending: $latest" <<<"$out"
  check "... and changes nothing" test "$(sqlite3 "$mg/access.db" 'PRAGMA user_version')" = "$older"
  # Something answering on server.listen: the service runs, migrate refuses.
  mkdir -p "$mg/run"
  python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); time.sleep(30)' \
    "$mg/run/fcgi.sock" &
  squatter=$!
  for _ in $(seq 50); do [[ -S $mg/run/fcgi.sock ]] && break; sleep 0.1; done
  out=$($mg_ctl migrate 2>&1)
  check "migrate refuses while the service answers ($out)" grep -q 'stop it first; nothing changed' <<<"$out"
  kill "$squatter" 2>/dev/null
  wait "$squatter" 2>/dev/null
  rm -f "$mg/run/fcgi.sock"
  out=$($mg_ctl migrate --backup-dir /nonexistent/backup 2>&1)
  check "migrate refuses when it cannot take the backup ($out)" \
    grep -q 'no backup, so nothing changed: .*no such file or directory (--backup-dir DIR to put it elsewhere, --no-backup' <<<"$out"
  check "... and changes nothing" test "$(sqlite3 "$mg/access.db" 'PRAGMA user_version')" = "$older"

  out=$($mg_ctl migrate)
  echo "$out" | sed 's/^/       /'
  backup=$(sed -n 's/^backup \([^:]*\): .*/\1/p' <<<"$out")
  check "migrate takes a backup first, beside the database" \
    bash -c "[[ '$backup' == '$mg/backups/before-schema-$latest-'* ]] && cd '$backup' && sha256sum --quiet -c SHA256SUMS"
  check "... of the database as it was (version $older)" \
    test "$(sqlite3 "file:$backup/access.db?immutable=1" 'PRAGMA user_version')" = "$older"
  check "then applies the pending versions" test "$(sqlite3 "$mg/access.db" 'PRAGMA user_version')" = "$latest"
  check "migrate again: nothing to do" grep -q "schema version $latest: current, nothing to do" <<<"$($mg_ctl migrate)"
  if mg_start; then
    req_mg() { curl -s -o /dev/null -w '%{http_code}' -u "mg:$MG_SECRET" -d grant_type=password \
      -d username=mg@example.com --data-urlencode "password=$MG_PW" "http://127.0.0.1:$mg_port/api/oauth/token"; }
    check "after migrate the service starts, and the user and app of before sign in" test "$(req_mg)" = 200
    mg_stop
  else
    fail "after migrate the service starts" "$(tail -5 "$mg/service.log")"
  fi

  # --no-backup: told so, it migrates without one.
  rm -f "$mg/access.db" "$mg/access.db-wal" "$mg/access.db-shm"
  old_schema_db "$mg/current.db" "$mg/access.db" "$older" >/dev/null
  n_backups=$(ls "$mg/backups" | wc -l)
  $mg_ctl migrate --no-backup >/dev/null
  check "migrate --no-backup applies without a backup" \
    test "$(sqlite3 "$mg/access.db" 'PRAGMA user_version'):$(ls "$mg/backups" | wc -l)" = "$latest:$n_backups"

  # A database newer than this build (a downgrade): refused everywhere.
  sqlite3 "$mg/access.db" "PRAGMA user_version = $((latest + 1))"
  out=$($mg_service --check-config 2>&1)
  check "--check-config refuses a newer schema, naming both versions ($out)" \
    grep -q "database schema version $((latest + 1)) is newer than this build's ($latest)" <<<"$out"
  out=$(timeout 10 $mg_service 2>&1)
  check "the service refuses to start on it" grep -q "version $((latest + 1)) is newer than this build's ($latest)" <<<"$out"
  out=$($mg_ctl migrate 2>&1)
  check "migrate refuses to touch it" grep -q "version $((latest + 1)) is newer than this build's ($latest)" <<<"$out"
else
  fail "the migration test's server starts" "$(tail -5 "$mg/service.log" 2>/dev/null)"
fi
mg_stop
rm -rf "$mg"
fi  # on_sqlite
