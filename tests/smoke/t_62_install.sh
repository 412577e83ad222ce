# make install (issue #15, item 1): into a DESTDIR with PREFIX=/usr/local,
# every file where the unit, the nginx site and README say it is, with its
# mode; the admin's config is kept on a second install; then the installed
# binaries, pages and nginx snippets serve from a throwaway config.
install_args=(-C "$ROOT" --no-print-directory "BUILD=${BUILD%-sanitize}")
[[ $BUILD == *-sanitize ]] && install_args+=(SANITIZE=1)
inst=$(mktemp -d /tmp/access-install.XXXXXX)
chmod 0755 "$inst"
R=$inst/root
out=$(make "${install_args[@]}" install PREFIX=/usr/local DESTDIR="$R" 2>&1)
check "make install PREFIX=/usr/local DESTDIR=... succeeds" test $? = 0

mode_is() { [[ $(stat -c %a "$R/$2" 2>/dev/null) == "$1" ]] || { echo "       $2: $(stat -c %a "$R/$2" 2>&1)"; return 1; }; }
for f in usr/local/bin/access-service usr/local/bin/accessctl; do
  check "installed $f (0755)" mode_is 755 "$f"
done
for f in etc/access-service/access-service.yaml etc/nginx/sites-available/access-service.conf \
  etc/nginx/snippets/access-service-locations.conf etc/nginx/snippets/access-service-http.conf \
  usr/local/share/access-service/html/signin.html usr/local/share/access-service/access-service.yaml.example \
  usr/local/lib/systemd/system/access-service.service usr/local/lib/sysusers.d/access-service.conf \
  usr/local/lib/tmpfiles.d/access-service.conf usr/local/share/man/man8/accessctl.8.gz \
  usr/local/share/man/man8/access-service.8.gz; do
  check "installed $f (0644)" mode_is 644 "$f"
done
check "the state directory is made 0750" mode_is 750 var/lib/access-service
check "the backup directory is made 0700" mode_is 700 var/backups/access-service
check "the installed config is the documented defaults" \
  cmp -s "$ROOT/conf/access-service.yaml" "$R/etc/access-service/access-service.yaml"
unit_exec=$(grep -E '^Exec' "$R/usr/local/lib/systemd/system/access-service.service" | grep -v systemd-tmpfiles)
check "the unit runs the installed binaries and config" \
  bash -c "! grep -v 'Exec[A-Za-z]*=\\(/usr/local/bin/\\(access-service\\|accessctl\\) --config /etc/access-service/access-service.yaml\\|/bin/kill\\)' <<<'$unit_exec'"
for exe in $(grep -o '/usr/local/bin/[a-z-]*' <<<"$unit_exec" | sort -u); do
  check "the unit's $exe is installed" test -x "$R$exe"
done
check "the nginx site serves the installed pages" \
  grep -q '^    root /usr/local/share/access-service/html;' "$R/etc/nginx/sites-available/access-service.conf"
echo "# edited by the admin" >>"$R/etc/access-service/access-service.yaml"
out=$(make "${install_args[@]}" install PREFIX=/usr/local DESTDIR="$R" 2>&1)
kept_config() {
  tail -1 "$R/etc/access-service/access-service.yaml" | grep -q 'edited by the admin' &&
    grep -q "^kept $R/etc/access-service/access-service.yaml" <<<"$out"
}
check "a second install keeps the admin's config, saying so" kept_config
check "the binaries report this version" \
  test "$("$R/usr/local/bin/accessctl" --version)" = "accessctl $(sed -n 's/.*kVersion\[\] = "\(.*\)";/\1/p' "$ROOT/include/access/core/version.h")"

# The installed pieces at work: the example config with throwaway paths.
mkdir -p "$inst/state" "$inst/run" "$inst/nginx/tmp"
sed -e "s|/var/lib/access-service|$inst/state|g" -e "s|/run/access-service|$inst/run|g" \
  -e 's|^  socket_group: .*|  socket_group: ""|' -e 's|^  workers: 0|  workers: 1|' \
  -e 's|^  purge_interval_seconds: .*|  purge_interval_seconds: 0|' \
  -e 's|^issuer: .*|issuer: "http://127.0.0.1:1"|' \
  "$R/usr/local/share/access-service/access-service.yaml.example" >"$inst/config.yaml"
ictl="$R/usr/local/bin/accessctl --config $inst/config.yaml"
check "installed accessctl init on the example config" bash -c "$ictl init >/dev/null"
check "installed access-service --check-config accepts it" \
  bash -c "'$R/usr/local/bin/access-service' --config '$inst/config.yaml' --check-config >/dev/null"
"$R/usr/local/bin/access-service" --config "$inst/config.yaml" 2>"$inst/service.log" &
imaster=$!
iport=$(free_port)
cat >"$R/etc/nginx/smoke-test.conf" <<CONF
$([[ $(id -u) == 0 ]] && echo 'user root root;')
pid $inst/nginx/nginx.pid;
error_log $inst/nginx/error.log;
events {}
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path $inst/nginx/tmp/body;
  fastcgi_temp_path $inst/nginx/tmp/fastcgi;
  proxy_temp_path $inst/nginx/tmp/proxy;
  uwsgi_temp_path $inst/nginx/tmp/uwsgi;
  scgi_temp_path $inst/nginx/tmp/scgi;
  include snippets/access-service-http.conf;
  limit_req_zone \$binary_remote_addr zone=access_token:1m rate=10r/s;
  limit_req_zone \$binary_remote_addr zone=access_introspect:1m rate=50r/s;
  limit_req_zone \$binary_remote_addr zone=access_signin:1m rate=2r/s;
  limit_req_zone \$binary_remote_addr zone=access_authorize:1m rate=5r/s;
  upstream access_service { server unix:$inst/run/fcgi.sock; }
  server {
    listen 127.0.0.1:$iport;
    root /usr/local/share/access-service/html;
    set \$access_service_jwks $inst/run/jwks.json;
    set \$access_service_jwks_max_age 300;
    include snippets/access-service-locations.conf;
  }
}
CONF
# The pages come from the DESTDIR copy of the prefix.
sed -i "s|root /usr/local/share|root $R/usr/local/share|" "$R/etc/nginx/smoke-test.conf"
for _ in $(seq 50); do [[ -S $inst/run/fcgi.sock ]] && break; sleep 0.1; done
nginx -p "$inst/nginx" -c "$R/etc/nginx/smoke-test.conf" 2>"$inst/nginx/start.log"
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$iport/api/health" && break; sleep 0.1; done
check "the installed service answers through the installed snippets" \
  test "$(curl -s "http://127.0.0.1:$iport/api/health" | jq -r .status)" = ok
check "the installed pages are served" curl -fs -o /dev/null "http://127.0.0.1:$iport/signin.html"
check "the JWKS the installed master wrote is served, max-age 300" bash -c "
  curl -s -D '$inst/jwks.h' 'http://127.0.0.1:$iport/.well-known/jwks.json' | jq -e '.keys | length == 1' >/dev/null &&
  grep -qi '^cache-control: public, max-age=300' '$inst/jwks.h'"
kill -QUIT "$(cat "$inst/nginx/nginx.pid" 2>/dev/null)" 2>/dev/null
kill -TERM "$imaster" 2>/dev/null
wait "$imaster" 2>/dev/null
check "the installed master stops cleanly" grep -q 'access-service stopped' "$inst/service.log"
rm -rf "$inst"
