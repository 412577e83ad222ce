# The pages in headless Chromium (tests/browser/flow.mjs, account.mjs) and
# their headers.
# Fixtures (lib.sh): each made once per run, so that this file also runs alone.
need_user1; need_admin_token
for page in signin.html consent.html error.html account.html; do
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
  rc=$?
  echo "$out" | grep -E '^  (ok|FAIL)'
  SMOKE_PASSED=$((SMOKE_PASSED + $(grep -c '^  ok' <<<"$out")))
  SMOKE_FAILED=$((SMOKE_FAILED + $(grep -c '^  FAIL' <<<"$out")))
  grep -q '^  ok' <<<"$out" || fail "browser test ran" "$out"
  # A crash, a timeout or an uncaught error after some checks passed.
  [[ $rc == 0 ]] || fail "node flow.mjs exits 0 (exit $rc)" "$(tail -20 <<<"$out")"
  for shot in signin signin-error consent signedout error; do
    check "screenshot $BUILD/$shot.png written" test -s "$ROOT/$BUILD/$shot.png"
  done

  # The account page: a new user with a first password from the
  # administrator, and a device registered through a device app (the walk
  # removes it; a browser cannot register one).
  WALKER=grace@example.com WALKER_FIRST='grace-first-Password-1'
  json_post /api/v1/users "$ADMIN_AT" "{\"email\":\"$WALKER\",\"roles\":[\"ROLE_ORIGINATOR\"],\"password\":\"$WALKER_FIRST\"}"
  expect "the account walk's user is created with a first password" 201
  DEV_SECRET=$(jq -r .clientSecret <<<"$($CTL client add --client-id walkdevices --name "Door panel" \
    --grant password --grant device --access-seconds 300)")
  token walkdevices "$DEV_SECRET" "$WALKER" "$WALKER_FIRST"
  json_post /api/v1/users/me/devices "$(jq -r .access_token <<<"$BODY")" '{"deviceId":"door-panel-7","passcode":"4321"}'
  expect "a device is registered for the walk's user" 201
  rm -f "$ROOT/$BUILD"/account-*.png
  out=$(cd "$ROOT/tests/browser" && BASE=$BASE USERNAME=$WALKER PASSWORD=$WALKER_FIRST \
    NEW_PASSWORD='quiet harbour lantern 58' CLIENT_ID=browserapp DEVICE_ID=door-panel-7 \
    SHOTS=$ROOT/$BUILD timeout 240 node account.mjs 2>&1)
  rc=$?
  echo "$out" | grep -E '^  (ok|FAIL)'
  SMOKE_PASSED=$((SMOKE_PASSED + $(grep -c '^  ok' <<<"$out")))
  SMOKE_FAILED=$((SMOKE_FAILED + $(grep -c '^  FAIL' <<<"$out")))
  grep -q '^  ok' <<<"$out" || fail "account page walk ran" "$out"
  [[ $rc == 0 ]] || fail "node account.mjs exits 0 (exit $rc)" "$(tail -20 <<<"$out")"
  for shot in signin signed-in password-refused password-changed mfa-qr recovery-codes mfa-on \
    apps-and-devices removed signed-out signin-code recovery-used new-phone signed-out-everywhere; do
    check "screenshot $BUILD/account-$shot.png written" test -s "$ROOT/$BUILD/account-$shot.png"
  done
else
  fail "playwright-core installed" "npm install failed in tests/browser"
fi
