#!/usr/bin/env bash
# Runs inside tests/deploy/sandbox.sh (as root, in a throwaway copy of the
# machine): README's runbooks, each fenced block run as written by
# `bash -e`, with checks between them. Prints one line per check, "ok NAME"
# or "FAIL NAME", for tests/smoke/t_64_runbooks.sh to count.
#
#   runbooks.sh README PREVIOUS_DEB NEW_DEB
#
# Only systemd is stood in for (tests/deploy/systemctl, journalctl): there is
# no systemd as PID 1 here. Everything else is the real thing: apt-get and
# dpkg install the packages, their maintainer scripts run, nginx serves TLS
# on ports 80 and 443 of this namespace's loopback.
set -uo pipefail
readme=$1 prev_deb=$2 new_deb=$3
here=$(cd "$(dirname "$0")" && pwd)
conf=/etc/access-service/access-service.yaml
ok() { echo "ok $1"; }
bad() { echo "FAIL $1${2:+ -- $2}"; }
check() { local name=$1; shift; if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi; }
as_service() { runuser -u access-service -- "$@"; }

# block NAME: the fenced block after "<!-- runbook: NAME" in README.
block() {
  awk -v want="<!-- runbook: $1 " 'index($0, want) == 1 { on = 1; next }
    on == 1 && /^```/ { on = 2; next } on == 2 && /^```/ { exit } on == 2' "$readme"
}
# follow NAME [STDIN]: runs the block as written; true when it succeeds.
follow() {
  local text
  text=$(block "$1")
  if [[ -z $text ]]; then bad "README has a '$1' runbook"; return 1; fi
  echo "-- runbook $1: $(wc -l <<<"$text") lines" >&2
  if printf '%s\n' "${2:-}" | bash -euo pipefail -c "$text" >"/tmp/runbook-$1.log" 2>&1; then
    ok "the '$1' runbook runs as written"
    return 0
  fi
  bad "the '$1' runbook runs as written" "$(tail -5 "/tmp/runbook-$1.log" | tr '\n' '|')"
  return 1
}

# The machine as the runbook expects it: TLS certificate in place, the host
# name resolving here, nginx installed and running; systemd stood in for.
install -m 0755 "$here/systemctl" /usr/bin/systemctl
install -m 0755 "$here/journalctl" /usr/bin/journalctl
echo "127.0.0.1 auth.example.com" >>/etc/hosts
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=auth.example.com \
  -addext subjectAltName=DNS:auth.example.com \
  -keyout /etc/ssl/private/auth.example.com.key -out /etc/ssl/certs/auth.example.com.pem 2>/dev/null
export CURL_CA_BUNDLE=/etc/ssl/certs/auth.example.com.pem
systemctl start nginx
check "the sandbox has no access-service user before the package" bash -c '! id access-service'

mkdir -p /root/previous /root/new
cp "$prev_deb" /root/previous/
cp "$new_deb" /root/new/
ADMIN_PW='runbook-admin-password-1'

# ---- Deploy on Debian, from the previous release.
cd /root/previous
follow deploy "$ADMIN_PW"
check "the service user is a system user without a login shell" \
  bash -c '[[ $(id -u access-service) -lt 1000 && $(getent passwd access-service | cut -d: -f7) == */nologin ]]'
check "/var/lib/access-service is 0750, the service user's" \
  test "$(stat -c '%a %U' /var/lib/access-service)" = "750 access-service"
check "its keys/ is 0700, hmac.key and access.db 0600, all the service user's" bash -c '
  [[ $(stat -c "%a %U" /var/lib/access-service/keys) == "700 access-service" &&
     $(stat -c "%a %U" /var/lib/access-service/keys/hmac.key) == "600 access-service" &&
     $(stat -c "%a %U" /var/lib/access-service/access.db) == "600 access-service" ]]'
check "the master runs as access-service" \
  test "$(ps -o user= -p "$(cat /run/systemctl-shim/access-service.pid)")" = access-service
check "the socket is 0660 and nginx's group" test "$(stat -c '%a %G' /run/access-service/fcgi.sock)" = "660 www-data"
CLI_SECRET=$(as_service accessctl --config $conf client add --client-id cli --name CLI --grant password \
  --grant refresh_token --access-seconds 600 --refresh-seconds 3600 | jq -r .clientSecret)
grant() {  # grant USER PASSWORD: the HTTP status of a password grant over TLS
  curl -s -o /tmp/grant.json -w '%{http_code}' -u "cli:$CLI_SECRET" -d grant_type=password \
    --data-urlencode "username=$1" --data-urlencode "password=$2" https://auth.example.com/api/oauth/token
}
check "the administrator of the runbook signs in over TLS" test "$(grant admin@example.com "$ADMIN_PW")" = 200
AT_BEFORE=$(jq -r .access_token /tmp/grant.json)
check "the JWKS is served over TLS with max-age 300" bash -c '
  curl -fsS -D /tmp/jwks.h https://auth.example.com/.well-known/jwks.json | jq -e ".keys | length == 1" &&
  grep -qi "^cache-control: public, max-age=300" /tmp/jwks.h'
cp $conf /tmp/good.yaml
echo "bogus_key: 1" >>$conf
check "systemctl reload with a bad config fails (the service runs)" \
  bash -c 'systemctl is-active access-service && ! systemctl reload access-service'
check "... naming the key in the journal" bash -c 'journalctl -u access-service | grep -q "bogus_key: unknown key"'
cp /tmp/good.yaml $conf
check "systemctl reload with the good config succeeds" systemctl reload access-service
check "the service still answers" curl -fsS https://auth.example.com/api/health

# ---- Backup, then restore over a change made after it.
follow backup
backup=$(ls -d /var/backups/access-service/2* 2>/dev/null | tail -1)
check "the backup is in /var/backups/access-service, its checksums hold" \
  bash -c "[[ -n '$backup' ]] && cd '$backup' && sha256sum --quiet --strict -c SHA256SUMS"
printf 'late-user-password-1\n' | as_service accessctl --config $conf user add late@example.com \
  --role ROLE_ORIGINATOR --password-stdin >/dev/null
follow restore
users_after=$(as_service accessctl --config $conf user list 2>&1)
check "after the restore the user made after the backup is gone, the administrator is there" \
  bash -c "grep -q '^admin@example.com' <<<'$users_after' && ! grep -q '^late@' <<<'$users_after'"
check "the access token issued before the backup is still accepted" \
  curl -fsS -o /dev/null -H "Authorization: Bearer $AT_BEFORE" https://auth.example.com/api/v1/users/me
check "the replaced files were moved aside" bash -c 'ls -d /var/lib/access-service/replaced-*/access.db'

# ---- Upgrade to the new package, from a database one schema version behind
# (the previous release's). This build cannot serve such a database, so the
# service is stopped here as the previous release would be found by the
# runbook's `systemctl stop`; the runbook's online backup runs on it anyway.
systemctl stop access-service
latest=$(as_service accessctl --config $conf migrate --dry-run | sed -n 's/.*schema version \([0-9]*\):.*/\1/p')
python3 - /var/lib/access-service/access.db "$here/../../src/store/sqlite_schema.h" <<'PY'
import re, shutil, sqlite3, sys
db_path, schema = sys.argv[1:3]
steps = re.findall(r'R"SQL\((.*?)\)SQL"', open(schema).read(), re.S)
shutil.copy(db_path, "/tmp/current.db")
old = db_path + ".old"
db = sqlite3.connect(old)
for sql in steps[:len(steps) - 1]:
    db.executescript(sql)
db.execute("PRAGMA user_version = %d" % (len(steps) - 1))
db.execute("ATTACH '/tmp/current.db' AS src")
for (t,) in db.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'").fetchall():
    if not db.execute("SELECT 1 FROM src.sqlite_master WHERE name = ?", (t,)).fetchone():
        continue
    have = {c[1] for c in db.execute("PRAGMA src.table_info(%s)" % t)}
    cols = ", ".join(c[1] for c in db.execute("PRAGMA main.table_info(%s)" % t) if c[1] in have)
    db.execute("INSERT INTO main.%s (%s) SELECT %s FROM src.%s" % (t, cols, cols, t))
db.commit()
db.close()
shutil.move(old, db_path)
PY
rm -f /var/lib/access-service/access.db-wal /var/lib/access-service/access.db-shm
chown access-service:access-service /var/lib/access-service/access.db
chmod 0600 /var/lib/access-service/access.db
older=$((latest - 1))
check "the database is one schema version behind ($older, this build $latest)" \
  test -n "$latest" -a "$(sqlite3 /var/lib/access-service/access.db 'PRAGMA user_version')" = "$older"
check "the service refuses to start on it" bash -c "[[ -n '$latest' ]] && ! systemctl start access-service"
check "... naming both versions" bash -c \
  "journalctl -u access-service | grep -q 'database schema version $older is older than this build.s ($latest)'"
cd /root/new
follow upgrade
check "the new package is installed" \
  test "$(dpkg-query -W -f '${Version}' access-service)" = "$(dpkg-deb -f "$new_deb" Version)"
check "the database is at this build's schema" \
  test -n "$latest" -a "$(sqlite3 /var/lib/access-service/access.db 'PRAGMA user_version')" = "$latest"
check "the runbook's backups are there (before the upgrade, before the migration)" bash -c '
  ls -d /var/backups/access-service/before-upgrade-*/SHA256SUMS /var/backups/access-service/before-migrate-*/SHA256SUMS'
check "the service runs the new package" systemctl is-active access-service
check "the administrator still signs in after the upgrade" test "$(grant admin@example.com "$ADMIN_PW")" = 200
echo "done"
