// Headless Chromium walk through the browser flow, driven by playwright-core:
// the sign-in form carries its CSRF token (a post without it is refused, and
// another browser cannot read the request), a wrong password shows its error
// on signin.html, the right one leads to consent.html, Allow lands on a local
// redirect URI with a code and iss, the code is exchanged for tokens, and
// "Sign out" on the consent page ends the session. Screenshots of each page
// go to SHOTS (build/).
//
// Environment: BASE (server URL), CLIENT_ID, CLIENT_SECRET (an app with
// authorization_code and redirect URI http://127.0.0.1/callback), USERNAME,
// PASSWORD, SHOTS. Prints "ok <name>" / "FAIL <name>" lines.
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

const { BASE, CLIENT_ID, CLIENT_SECRET, USERNAME, PASSWORD, SHOTS } = process.env;
let failures = 0;
function check(name, cond, detail = '') {
  console.log(`  ${cond ? 'ok  ' : 'FAIL'} browser: ${name}${cond || !detail ? '' : ` (${detail})`}`);
  if (!cond) failures += 1;
}

// The app's redirect URI: a local server that records the code it receives.
let received = null;
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname === '/callback') received = url.searchParams;  // not /favicon.ico
  res.writeHead(200, { 'Content-Type': 'text/html' });
  res.end('<!doctype html><link rel="icon" href="data:,"><title>Callback</title><h1>Signed in</h1>');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const redirectUri = `http://127.0.0.1:${server.address().port}/callback`;

const verifier = randomBytes(32).toString('base64url');
const challenge = createHash('sha256').update(verifier).digest('base64url');
const state = randomBytes(8).toString('hex');
const authorizeUrlFor = (scope) => `${BASE}/api/oauth/authorize?` + new URLSearchParams({
  response_type: 'code', client_id: CLIENT_ID, redirect_uri: redirectUri, scope,
  state, code_challenge: challenge, code_challenge_method: 'S256',
});
const authorizeUrl = authorizeUrlFor('read');

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cspErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') cspErrors.push(m.text()); });

  await page.goto(authorizeUrl);
  await page.waitForSelector('#lead strong');
  check('authorize leads to signin.html', page.url().startsWith(`${BASE}/signin.html?rid=`), page.url());
  check('sign-in page names the app', (await page.textContent('#lead')).includes('Photo Printer'));
  check('the email field has focus', await page.evaluate(() => document.activeElement.id === 'username'));
  check('fields have labels', await page.evaluate(() =>
    ['username', 'password'].every((id) => document.querySelector(`label[for="${id}"]`))));
  check('the sign-in form carries the CSRF token', (await page.inputValue('#csrf_token')).length === 43);
  await page.screenshot({ path: `${SHOTS}/signin.png`, fullPage: true });

  // The same browser's cookies, no Origin header, no token: refused.
  const rid = new URL(page.url()).searchParams.get('rid');
  const bare = await context.request.post(`${BASE}/api/oauth/signin`, {
    form: { rid, username: USERNAME, password: PASSWORD }, maxRedirects: 0 });
  check('a sign-in post without the CSRF token is refused', bare.status() === 403, String(bare.status()));
  const other = await browser.newContext();
  const stolen = await other.request.get(`${BASE}/api/oauth/authorize/requests/${rid}`);
  check('another browser cannot read the saved request', stolen.status() === 404, String(stolen.status()));
  await other.close();

  await page.fill('#username', USERNAME);
  await page.fill('#password', 'definitely-wrong');
  await Promise.all([page.waitForURL(/error=invalid_credentials/), page.click('#submit')]);
  const alert = await page.textContent('#error');
  check('a wrong password shows the error on the page', alert.includes('email or password is not right'), alert);
  check('the error is announced (role=alert) and focused',
    await page.evaluate(() => document.activeElement.id === 'error' &&
      document.getElementById('error').getAttribute('role') === 'alert'));
  await page.screenshot({ path: `${SHOTS}/signin-error.png`, fullPage: true });

  await page.fill('#username', USERNAME);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(/consent\.html/), page.press('#password', 'Enter')]);
  await page.waitForSelector('#consent:not([hidden])');
  check('consent page names the app', (await page.textContent('#app-name')) === 'Photo Printer');
  check('consent page lists the scope in plain words', (await page.textContent('#scopes')).includes('Read your data'));
  check('consent page carries the CSRF token', (await page.inputValue('#csrf_token')).length === 43);
  await page.screenshot({ path: `${SHOTS}/consent.png`, fullPage: true });

  await Promise.all([page.waitForURL(/\/callback\?/), page.click('#allow')]);
  check('Allow lands on the redirect URI with a code', received && received.get('code')?.length === 43);
  check('the state comes back unchanged', received && received.get('state') === state);
  check('the response names the issuer (RFC 9207 iss)', received && received.get('iss') === BASE);

  const res = await fetch(`${BASE}/api/oauth/token`, {
    method: 'POST',
    headers: {
      Authorization: 'Basic ' + Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64'),
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: received.get('code'),
      redirect_uri: redirectUri, code_verifier: verifier }),
  });
  const body = await res.json();
  check('the code is exchanged for tokens', res.status === 200 && body.token_type === 'bearer', JSON.stringify(body));

  // More scope than approved: the consent page again, this time to sign out.
  await page.goto(authorizeUrlFor('read write'));
  await page.waitForSelector('#signout:not([hidden])');
  check('consent page says who is signed in', (await page.textContent('#who')).includes(USERNAME));
  check('the sign-out form carries the CSRF token', (await page.inputValue('#signout_csrf_token')).length === 43);
  await Promise.all([page.waitForURL(/signin\.html\?signedout=1/), page.click('#signout-button')]);
  await page.waitForSelector('#notice:not([hidden])');
  check('sign-out lands on the sign-in page, which says so',
    (await page.textContent('#notice')).includes('signed out') &&
    await page.evaluate(() => document.activeElement.id === 'notice'));
  await page.screenshot({ path: `${SHOTS}/signedout.png`, fullPage: true });
  await page.goto(authorizeUrl);
  await page.waitForSelector('#lead strong');
  check('after sign-out the flow asks to sign in again', page.url().startsWith(`${BASE}/signin.html?rid=`), page.url());

  await page.goto(`${BASE}/error.html?error=request_expired`);
  check('error page explains an expired request', (await page.textContent('#title')).includes('expired'));
  await page.screenshot({ path: `${SHOTS}/error.png`, fullPage: true });
  check('no console or CSP errors on the pages', cspErrors.length === 0, cspErrors.join(' | '));
} catch (e) {
  check('browser flow ran to the end', false, String(e));
} finally {
  await browser.close();
  server.close();
}
process.exit(failures ? 1 : 0);
