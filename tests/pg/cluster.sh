#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests (make test PG=1, make bench
# BACKEND=postgresql), from Debian's postgresql package.
#
#   tests/pg/cluster.sh start STATE   initdb + pg_ctl start; prints nothing
#   tests/pg/cluster.sh stop STATE    stops it and removes its files
#   tests/pg/cluster.sh createdb STATE NAME   a fresh database; prints its conninfo
#
# STATE (under build/) records where the server lives. The server runs as an
# unprivileged user (PostgreSQL refuses root: `postgres` when run as root),
# listens on no TCP port, only on a unix socket in its own directory under
# /tmp: a CI checkout may sit in a 0700 directory that user cannot enter.
# Authentication is `trust` on that socket (a test server only); fsync stays
# on, so durability tests mean what they say.
set -euo pipefail
cmd=${1:?usage: cluster.sh start|stop|createdb STATE [NAME]}
state=${2:?STATE}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x $bin/initdb ]] || { echo "cluster.sh: PostgreSQL server binaries not found (package postgresql)" >&2; exit 1; }
as_owner() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $cmd in
  start)
    mkdir -p "$state"
    if [[ -f $state/dir ]] && as_owner "$bin/pg_ctl" -D "$(cat "$state/dir")/data" status >/dev/null 2>&1; then
      exit 0
    fi
    dir=$(mktemp -d /tmp/access-pg.XXXXXX)
    chmod 0755 "$dir"
    [[ $(id -u) == 0 ]] && chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U access -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -c listen_addresses='' -c max_connections=200 -c shared_buffers=128MB" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    echo "$dir" >"$state/dir"
    ;;
  stop)
    [[ -f $state/dir ]] || exit 0
    dir=$(cat "$state/dir")
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir" "$state/dir"
    ;;
  createdb)
    name=${3:?NAME}
    dir=$(cat "$state/dir")
    PGOPTIONS="-c client_min_messages=warning" psql -X -q -h "$dir" -U access -d postgres -c "DROP DATABASE IF EXISTS \"$name\"" -c "CREATE DATABASE \"$name\"" >/dev/null
    echo "host=$dir user=access dbname=$name"
    ;;
  *) echo "usage: cluster.sh start|stop|createdb STATE [NAME]" >&2; exit 2 ;;
esac
