# The deployment files: the hardened systemd unit and the production nginx conf.
unit_dir=$(mktemp -d)
sed "s|/usr/local/bin/|$ROOT/$BUILD/|g" \
  "$ROOT/systemd/access-service.service" >"$unit_dir/access-service.service"
unit=$unit_dir/access-service.service
out=$(systemd-analyze verify "$unit" 2>&1)
check "systemd-analyze verify accepts the unit" test -z "$out"
for directive in 'User=access-service' 'ProtectSystem=strict' 'NoNewPrivileges=true' \
  'Restart=on-failure' 'ExecReload=/bin/kill -HUP $MAINPID' 'ReadWritePaths=/var/lib/access-service' \
  'ProcSubset=pid' 'UMask=0077' 'StateDirectoryMode=0750'; do
  check "unit has $directive" grep -qF "$directive" "$unit"
done
# The state directory: one mode in the unit and in tmpfiles.d.
check "tmpfiles.d makes /var/lib/access-service 0750 for the service user, as the unit does" \
  grep -qE '^d /var/lib/access-service 0750 access-service access-service' "$ROOT/systemd/access-service.tmpfiles"
# The first start runs init as the service user (no "+"), before the check.
exec_lines=$(grep -E '^Exec(StartPre|Start|Reload)=' "$unit" | sed 's/=.*service /=/')
check "ExecStartPre runs accessctl init (as the service user) before --check-config" \
  bash -c "grep -n '' <<<'$exec_lines' | grep -E 'ExecStartPre=[^+].*accessctl --config .* init\$' | cut -d: -f1 |
    { read -r i; c=\$(grep -n 'ExecStartPre=.*--check-config' <<<'$exec_lines' | cut -d: -f1); [[ -n \$i && \$i -lt \$c ]]; }"
reload_lines=$(grep '^ExecReload=' "$unit")
check "ExecReload runs --check-config first, then sends SIGHUP" \
  bash -c "[[ \$(head -1 <<<'$reload_lines') == *'--check-config' && \$(tail -1 <<<'$reload_lines') == 'ExecReload=/bin/kill -HUP \$MAINPID' ]]"
# `systemctl reload` as systemd runs it: each ExecReload= in order, stopping
# at the first that fails. With a bad config it fails loudly, the SIGHUP is
# never sent, and the running master keeps its workers.
run_reload() {  # run_reload CONFIG MAINPID: prints the output, returns systemd's verdict
  local line cmd
  while read -r line; do
    cmd=${line#ExecReload=}
    cmd=${cmd//\/etc\/access-service\/access-service.yaml/$1}
    cmd=${cmd//\$MAINPID/$2}
    eval "$cmd" 2>&1 || return 1
  done <<<"$reload_lines"
}
reload_master=$(cat "$STATE/run/service.pid")
reload_workers=$(pgrep -P "$reload_master" | sort | tr '\n' ' ')
cp "$CONFIG" "$STATE/reload-bad.yaml"
echo "bogus_key: 1" >>"$STATE/reload-bad.yaml"
out=$(run_reload "$STATE/reload-bad.yaml" "$reload_master")
rc=$?
check "a reload with a bad config fails (systemctl reload exits non-zero), naming the key" \
  bash -c "[[ $rc != 0 ]] && grep -q 'bogus_key: unknown key' <<<'$out'"
sleep 0.5
check "... and the master was not signalled: same workers" \
  test "$(pgrep -P "$reload_master" | sort | tr '\n' ' ')" = "$reload_workers"
run_reload "$CONFIG" "$reload_master" >/dev/null
check "a reload with the good config succeeds" test $? = 0
check "unit has no supplementary group (nginx's group is the socket's, not the service's)" \
  bash -c "! grep -q '^SupplementaryGroups=' '$unit'"
# The network the unit allows follows the listener the production config names.
prod_listen=$(sed -n 's/^  listen: "\(.*\)"/\1/p' "$ROOT/conf/access-service.yaml")
if [[ $prod_listen == unix:* ]]; then
  check "unix listener: the unit allows AF_UNIX sockets only" \
    test "$(grep '^RestrictAddressFamilies=' "$unit")" = RestrictAddressFamilies=AF_UNIX
  check "unix listener: the unit denies every IP address" grep -qx 'IPAddressDeny=any' "$unit"
  check "unix listener: no IPAddressAllow" bash -c "! grep -q '^IPAddressAllow=' '$unit'"
else
  fail "conf/access-service.yaml listens on a unix socket" "$prod_listen"
fi
# systemd 252 (Debian 12) analyses a unit file without a running systemd.
sec=$(cd "$unit_dir" && systemd-analyze security --offline=yes --no-pager ./access-service.service 2>&1)
exposure=$(sed -n 's/.*Overall exposure level for access-service.service: \([0-9.]*\).*/\1/p' <<<"$sec")
check "systemd-analyze security exposure ($exposure) is below 1.2" \
  awk -v e="$exposure" 'BEGIN { exit !(e != "" && e + 0 < 1.2) }'
# The runtime directory: setgid nginx's group, traversable by nginx only.
tmpfiles=$ROOT/systemd/access-service.tmpfiles
check "tmpfiles.d makes /run/access-service 2710 access-service:www-data" \
  grep -qE '^d /run/access-service 2710 access-service www-data' "$tmpfiles"
mkdir -p "$unit_dir/root/etc"
echo 'access-service:x:990:990::/var/lib/access-service:/usr/sbin/nologin' >"$unit_dir/root/etc/passwd"
printf 'access-service:x:990:\nwww-data:x:33:\n' >"$unit_dir/root/etc/group"
systemd-tmpfiles --create --root="$unit_dir/root" "$tmpfiles" 2>/dev/null
check "systemd-tmpfiles creates it so" \
  test "$(stat -c '%a %u %g' "$unit_dir/root/run/access-service" 2>/dev/null)" = "2710 990 33"
rm -rf "$unit_dir"

# The production socket arrangement, without systemd: an unprivileged master
# that is not in www-data binds in a setgid-www-data directory; the socket is
# www-data's, 0660; www-data (nginx) connects and reads the JWKS, others cannot.
if [[ $(id -u) == 0 ]]; then
  sg=$(mktemp -d)
  chmod 0755 "$sg"
  mkdir -p "$sg/state" "$sg/run" "$sg/bin"
  # The unprivileged users run copies: the checkout may sit in a directory
  # they cannot enter (CI clones into a 0700 temporary directory).
  cp "$ROOT/$BUILD/access-service" "$ROOT/$BUILD/accessctl" "$sg/bin/"
  chmod 0755 "$sg/bin" "$sg/bin/"*
  chown nobody:nogroup "$sg/state"
  chown nobody:www-data "$sg/run"
  chmod 2710 "$sg/run"
  cat >"$sg/prod.yaml" <<YAML
issuer: "https://auth.example.com"
server: {listen: "unix:$sg/run/fcgi.sock", socket_mode: "0660", socket_group: "www-data", workers: 1}
store: {path: "$sg/state/access.db", purge_interval_seconds: 0}
keys: {dir: "$sg/state/keys", algorithm: ES256, jwks_file: "$sg/run/jwks.json"}
YAML
  chmod 0644 "$sg/prod.yaml"
  as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
  as_www() { setpriv --reuid=www-data --regid=www-data --clear-groups "$@"; }
  as_nobody "$sg/bin/accessctl" --config "$sg/prod.yaml" init >/dev/null 2>&1
  check "--check-config accepts socket_group www-data" \
    as_nobody "$sg/bin/access-service" --config "$sg/prod.yaml" --check-config >/dev/null
  # setpriv execs the master: $! is the master itself.
  setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$sg/bin/access-service" --config "$sg/prod.yaml" >/dev/null 2>"$sg/log" &
  sg_pid=$!
  for _ in $(seq 50); do [[ -S $sg/run/fcgi.sock ]] && break; sleep 0.1; done
  check "the unprivileged master's socket is 0660 and www-data's" \
    test "$(stat -c '%a %U %G' "$sg/run/fcgi.sock" 2>/dev/null)" = "660 nobody www-data"
  python=/usr/bin/python3  # not a shim under root's home
  connect='import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])'
  check "www-data (nginx) can connect to it" as_www "$python" -c "$connect" "$sg/run/fcgi.sock"
  other_cannot() {
    ! setpriv --reuid=4242 --regid=4242 --clear-groups "$python" -c "$connect" "$sg/run/fcgi.sock" 2>/dev/null
  }
  check "another user cannot" other_cannot
  www_reads_jwks() { as_www cat "$sg/run/jwks.json" | jq -e '.keys | length >= 1' >/dev/null; }
  check "www-data can read the JWKS file" www_reads_jwks
  kill -TERM "$sg_pid" 2>/dev/null
  wait "$sg_pid" 2>/dev/null
  # Without the setgid bit the socket is born in the master's own group and it
  # may not give it away: it refuses to start rather than serve nobody.
  chmod g-s "$sg/run"
  out=$(as_nobody timeout 10 "$sg/bin/access-service" --config "$sg/prod.yaml" 2>&1)
  if grep -q 'server.socket_group: cannot give' <<<"$out"; then
    pass "a socket it cannot give to socket_group stops the master, naming the key"
  else
    fail "a socket it cannot give to socket_group stops the master, naming the key" "$(tail -5 <<<"$out")"
  fi
  check "and leaves no socket behind" test ! -e "$sg/run/fcgi.sock"
  sed -i 's/socket_group: "www-data"/socket_group: "no-such-group"/' "$sg/prod.yaml"
  out=$(as_nobody "$sg/bin/access-service" --config "$sg/prod.yaml" --check-config 2>&1)
  check "--check-config refuses a socket_group that does not exist, naming the key" \
    grep -q 'server.socket_group: no group named no-such-group' <<<"$out"
  sed -i 's/socket_mode: "0660"/socket_mode: "0666"/' "$sg/prod.yaml"
  out=$("$sg/bin/access-service" --config "$sg/prod.yaml" --check-config 2>&1)
  check "--check-config refuses a socket open to others, naming the key" \
    grep -q 'server.socket_mode: must not' <<<"$out"
  keep_logs "$sg"
  rm -rf "$sg"
else
  skip "the production socket arrangement (setgid www-data directory)" "needs root"
fi

# The production conf, with a throwaway certificate, must pass `nginx -t`.
prod=$(mktemp -d)
http_port=$(free_port)
https_port=$(free_port)
render_production_conf "$prod" "$http_port" "$https_port"
cat >"$prod/nginx.conf" <<CONF
$([[ $(id -u) == 0 ]] && echo 'user root root;')
pid $prod/nginx.pid;
error_log $prod/error.log;
events {}
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path $prod/tmp/body;
  fastcgi_temp_path $prod/tmp/fastcgi;
  proxy_temp_path $prod/tmp/proxy;
  uwsgi_temp_path $prod/tmp/uwsgi;
  scgi_temp_path $prod/tmp/scgi;
  include $prod/site.conf;
}
CONF
out=$(nginx -t -p "$prod" -c "$prod/nginx.conf" 2>&1)
check "the production nginx conf passes nginx -t" grep -q 'test is successful' <<<"$out"
for directive in 'limit_req zone=access_token' 'client_max_body_size 64k' 'return 301 https://'; do
  check "production nginx has $directive" grep -rqF "$directive" "$ROOT/nginx/access-service.conf" "$ROOT/nginx/snippets"
done

# What nginx actually loads (nginx -T: the conf with its snippets inlined).
full=$(nginx -T -q -p "$prod" -c "$prod/nginx.conf" 2>/dev/null)
# location_block EXACT_PATH: the body of `location = EXACT_PATH { ... }`.
location_block() { awk -v want="location = $1 {" 'index($0, want) { on = 1; next } on && /^[[:space:]]*}/ { exit } on' <<<"$full"; }
for path in /api/oauth/token /api/oauth/introspect /api/oauth/revoke /api/oauth/authorize /api/oauth/signin; do
  zone=$(location_block "$path" | sed -n 's/.*limit_req zone=\([a-z_]*\).*/\1/p')
  check "production: $path is rate-limited" test -n "$zone"
  check "production: $path's zone $zone is keyed per client IP" \
    grep -qE "^[[:space:]]*limit_req_zone [\$]binary_remote_addr zone=$zone:" <<<"$full"
done
check "production: over the limit is 429 (limit_req_status)" grep -q 'limit_req_status 429;' <<<"$full"
check "production: TLS 1.2 and 1.3 only" grep -qE '^[[:space:]]*ssl_protocols TLSv1.2 TLSv1.3;' <<<"$full"
ciphers=$(sed -n 's/^[[:space:]]*ssl_ciphers \([^;]*\);/\1/p' <<<"$full")
check "production: ssl_ciphers is set" test -n "$ciphers"
bad=$(openssl ciphers -v "$ciphers" 2>/dev/null | awk '$2 == "TLSv1.2" && !($3 == "Kx=ECDH" && $5 ~ /^Enc=(AESGCM|CHACHA20)/ && $6 == "Mac=AEAD")')
check "production: every TLS 1.2 suite is ECDHE with AES-GCM or ChaCha20-Poly1305" \
  test -z "$bad" -a -n "$(openssl ciphers -v "$ciphers" 2>/dev/null)"
check "production: the redirect goes to \$server_name" \
  grep -qF 'return 301 https://$server_name$request_uri;' <<<"$full"
no_host_redirect() { ! grep -qE '^[^#]*(return|rewrite)[^#]*[$](host|http_host)' <<<"$full"; }
check "production: no redirect is built from \$host" no_host_redirect

# The production conf running: TLS suites, the redirect, rate limits, JWKS.
nginx -p "$prod" -c "$prod/nginx.conf" 2>/dev/null
for _ in $(seq 50); do curl -so /dev/null "http://127.0.0.1:$http_port/" && break; sleep 0.1; done
tls() { openssl s_client -connect "127.0.0.1:$https_port" -servername auth.example.com "$@" </dev/null >/dev/null 2>&1; }
check "TLS 1.3 handshake succeeds" tls -tls1_3
check "TLS 1.2 with ECDHE-RSA-AES128-GCM-SHA256 succeeds" tls -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
check "TLS 1.2 with ECDHE-RSA-CHACHA20-POLY1305 succeeds" tls -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305
tls_fails() { ! tls "$@"; }
check "TLS 1.2 with AES128-SHA (static RSA, CBC) fails" tls_fails -tls1_2 -cipher AES128-SHA
check "TLS 1.2 with AES256-GCM-SHA384 (static RSA) fails" tls_fails -tls1_2 -cipher AES256-GCM-SHA384
check "TLS 1.2 with ECDHE-RSA-AES128-SHA (CBC, SHA-1) fails" tls_fails -tls1_2 -cipher ECDHE-RSA-AES128-SHA
check "TLS 1.1 fails" tls_fails -tls1_1 -cipher DEFAULT:@SECLEVEL=0
redirect=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H 'Host: evil.example' \
  "http://127.0.0.1:$http_port/api/oauth/authorize?client_id=x")
check "HTTP redirects to https://server_name, not to the Host sent ($redirect)" \
  test "$redirect" = "301 https://auth.example.com/api/oauth/authorize?client_id=x"
check "production TLS serves the JWKS file" \
  bash -c "curl -skf 'https://127.0.0.1:$https_port/.well-known/jwks.json' | jq -e '.keys | length >= 1' >/dev/null"
check "production TLS reaches the service" \
  test "$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$https_port/api/health")" = 200
# One curl, many requests on one connection: far faster than each limit.
burst() {
  local method=$1 path=$2 n=$3 urls=() i
  for ((i = 0; i < n; i++)); do urls+=(-o /dev/null "https://127.0.0.1:$https_port$path"); done
  curl -sk -X "$method" -w '%{http_code}\n' "${urls[@]}"
}
for spec in "POST /api/oauth/token 40" "POST /api/oauth/revoke 40" "POST /api/oauth/introspect 200" \
  "GET /api/oauth/authorize 40" "POST /api/oauth/signin 30"; do
  read -r method path n <<<"$spec"
  codes=$(burst "$method" "$path" "$n")
  check "production: a burst of $method $path gets 429s ($(grep -c '^429$' <<<"$codes") of $n)" \
    grep -q '^429$' <<<"$codes"
done
req_tls() { BODY=$(curl -sk -D "$1" -X "$2" "https://127.0.0.1:$https_port$3"); STATUS=$(head -1 "$1" | awk '{print $2}'); HDRS=$(cat "$1"); }
for _ in $(seq 10); do
  req_tls "$prod/h" GET /api/oauth/authorize
  [[ $STATUS == 429 ]] && break
done
expect "production: the 429 is the JSON error shape" 429 .error too_many_requests
check "production: the 429 has Retry-After" header_has 'Retry-After:'
kill -QUIT "$(cat "$prod/nginx.pid")" 2>/dev/null
for _ in $(seq 50); do [[ -e $prod/nginx.pid ]] || break; sleep 0.1; done
keep_logs "$prod"
rm -rf "$prod"
