# The deployment files: the hardened systemd unit and the production nginx conf.
unit_dir=$(mktemp -d)
sed "s|/usr/local/bin/access-service|$ROOT/$BUILD/access-service|g" \
  "$ROOT/systemd/access-service.service" >"$unit_dir/access-service.service"
out=$(systemd-analyze verify "$unit_dir/access-service.service" 2>&1)
check "systemd-analyze verify accepts the unit" test -z "$out"
for directive in 'User=access-service' 'ProtectSystem=strict' 'NoNewPrivileges=true' \
  'Restart=on-failure' 'ExecReload=/bin/kill -HUP $MAINPID' 'ReadWritePaths=/var/lib/access-service'; do
  check "unit has $directive" grep -qF "$directive" "$unit_dir/access-service.service"
done
rm -rf "$unit_dir"

# The production conf, with a throwaway certificate, must pass `nginx -t`.
prod=$(mktemp -d)
mkdir -p "$prod/snippets"
cp "$ROOT"/nginx/snippets/*.conf "$prod/snippets/"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=auth.example.com -days 1 \
  -keyout "$prod/key.pem" -out "$prod/cert.pem" 2>/dev/null
sed -e "s|/etc/ssl/certs/auth.example.com.pem|$prod/cert.pem|" \
    -e "s|/etc/ssl/private/auth.example.com.key|$prod/key.pem|" \
    -e "s|listen 80;|listen 127.0.0.1:1;|; s|listen \[::\]:80;||; s|listen 443 ssl http2;|listen 127.0.0.1:2 ssl http2;|; s|listen \[::\]:443 ssl http2;||" \
    "$ROOT/nginx/access-service.conf" >"$prod/site.conf"
cat >"$prod/nginx.conf" <<CONF
pid $prod/nginx.pid;
error_log $prod/error.log;
events {}
http {
  include /etc/nginx/mime.types;
  access_log off;
  include $prod/site.conf;
}
CONF
out=$(nginx -t -p "$prod" -c "$prod/nginx.conf" 2>&1)
check "the production nginx conf passes nginx -t" grep -q 'test is successful' <<<"$out"
for directive in 'limit_req zone=access_token' 'client_max_body_size 64k' 'return 301 https://'; do
  check "production nginx has $directive" grep -rqF "$directive" "$ROOT/nginx/access-service.conf" "$ROOT/nginx/snippets"
done
rm -rf "$prod"
