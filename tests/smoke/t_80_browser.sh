# The pages in headless Chromium (tests/browser/flow.mjs) and their headers.
for page in signin.html consent.html error.html; do
  req GET "/$page"
  check "$page is served with CSP and X-Frame-Options: DENY" \
    bash -c "[[ '$STATUS' == 200 ]] && grep -qi \"Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\" <<<\"\$1\" && grep -qi 'X-Frame-Options: DENY' <<<\"\$1\"" _ "$HDRS"
done
check "the pages use no inline script, inline style or external resource" \
  bash -c "! grep -nE '<script>|<style|style=|\son[a-z]+=|https?://' '$ROOT'/nginx/html/*.html"

BROWSER_SECRET=$(jq -r .clientSecret <<<"$($CTL client add --client-id browserapp --name "Photo Printer" \
  --grant authorization_code --redirect-uri http://127.0.0.1/callback --access-seconds 300)")
if (cd "$ROOT/tests/browser" && npm install --silent >/dev/null 2>&1); then
  pass "playwright-core installed"
  mkdir -p "$ROOT/$BUILD"
  out=$(cd "$ROOT/tests/browser" && BASE=$BASE CLIENT_ID=browserapp CLIENT_SECRET=$BROWSER_SECRET \
    USERNAME=$USER1 PASSWORD=$USER1_PW SHOTS=$ROOT/$BUILD timeout 120 node flow.mjs 2>&1)
  echo "$out" | grep -E '^  (ok|FAIL)'
  SMOKE_PASSED=$((SMOKE_PASSED + $(grep -c '^  ok' <<<"$out")))
  SMOKE_FAILED=$((SMOKE_FAILED + $(grep -c '^  FAIL' <<<"$out")))
  grep -q '^  ok' <<<"$out" || fail "browser test ran" "$out"
  for shot in signin signin-error consent signedout error; do
    check "screenshot $BUILD/$shot.png written" test -s "$ROOT/$BUILD/$shot.png"
  done
else
  fail "playwright-core installed" "npm install failed in tests/browser"
fi
