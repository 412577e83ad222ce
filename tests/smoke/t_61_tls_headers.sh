# Strict-Transport-Security only on responses served over TLS
# (nginx/snippets/access-service-http.conf): never on the plain-HTTP
# development server, always on the production conf's TLS server.
req GET /api/health
expect "development server answers" 200
check "no Strict-Transport-Security over plain HTTP" bash -c "! grep -qi '^strict-transport-security' <<<\"\$0\"" "$HDRS"
check "... the other security headers are still there" header_has 'X-Content-Type-Options: nosniff'
req GET /signin.html
check "no Strict-Transport-Security on a static page over plain HTTP" bash -c "! grep -qi '^strict-transport-security' <<<\"\$0\"" "$HDRS"

# The production conf, served for real on loopback ports with a throwaway
# certificate (as t_60_deploy.sh renders it for nginx -t).
tls=$(mktemp -d)
http_port=$(free_port)
tls_port=$(free_port)
render_production_conf "$tls" "$http_port" "$tls_port"
cat >"$tls/nginx.conf" <<CONF
pid $tls/nginx.pid;
error_log $tls/error.log;
events {}
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path $tls/body;
  include $tls/site.conf;
}
CONF
nginx -p "$tls" -c "$tls/nginx.conf" -g 'daemon off;' 2>>"$tls/error.log" &
tls_nginx=$!
for _ in $(seq 50); do
  curl -sk -o /dev/null "https://127.0.0.1:$tls_port/" 2>/dev/null && break
  sleep 0.1
done
tls_hdrs=$(curl -sk -D - -o /dev/null "https://127.0.0.1:$tls_port/signin.html" 2>&1)
check "production conf over TLS sends Strict-Transport-Security" \
  grep -qi '^strict-transport-security: max-age=63072000; includeSubDomains' <<<"$tls_hdrs"
tls_hdrs=$(curl -sk -D - -o /dev/null "https://127.0.0.1:$tls_port/.well-known/jwks.json" 2>&1)
check "... and on the JWKS location (no JWKS file here: a 404, headers all the same)" \
  grep -qi '^strict-transport-security: max-age' <<<"$tls_hdrs"
plain_hdrs=$(curl -s -D - -o /dev/null "http://127.0.0.1:$http_port/api/health" 2>&1)
check "production conf over plain HTTP: a redirect without Strict-Transport-Security" \
  bash -c "grep -q '^HTTP/1.1 301' <<<\"\$0\" && ! grep -qi '^strict-transport-security' <<<\"\$0\"" "$plain_hdrs"
kill -QUIT "$tls_nginx" 2>/dev/null
wait "$tls_nginx" 2>/dev/null
keep_logs "$tls"
rm -rf "$tls"
