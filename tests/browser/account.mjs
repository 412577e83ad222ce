// Headless Chromium walk of the account page (API.md section 7), driven by
// the keyboard alone (Tab to reach a control, typing, Enter): a new user
// signs in with the first password an administrator gave, changes it, turns
// on two-step verification by scanning the QR code (here: reading the key
// shown beside it and computing the TOTP code), downloads the recovery codes,
// signs in again with a code from the app, then loses the phone: signs in
// with a recovery code, turns two-step verification off with another one
// and sets up a new phone. On the way it approves an app and revokes it,
// removes a device, and at the end signs out everywhere. Screenshots of
// each state go to SHOTS/account-*.png; any console error fails the walk.
//
// Environment: BASE, USERNAME and PASSWORD (the user's first password),
// NEW_PASSWORD, CLIENT_ID (an app with authorization_code and redirect URI
// http://127.0.0.1/callback), DEVICE_ID (a device registered for the user),
// SHOTS. Prints "ok <name>" / "FAIL <name>" lines.
import http from 'node:http';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';

const { BASE, USERNAME, PASSWORD, NEW_PASSWORD, CLIENT_ID, DEVICE_ID, SHOTS } = process.env;
let failures = 0;
function check(name, cond, detail = '') {
  console.log(`  ${cond ? 'ok  ' : 'FAIL'} account page: ${name}${cond || !detail ? '' : ` (${detail})`}`);
  if (!cond) failures += 1;
}

// RFC 6238 TOTP (SHA-1, 6 digits, 30 s), as an authenticator app computes it.
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/\s+/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}
function totp(key, offsetSeconds = 0) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor((Date.now() / 1000 + offsetSeconds) / 30)));
  const mac = createHmac('sha1', base32Decode(key)).update(counter).digest();
  const o = mac[19] & 15;
  const bin = ((mac[o] & 0x7f) << 24) | (mac[o + 1] << 16) | (mac[o + 2] << 8) | mac[o + 3];
  return String(bin % 1000000).padStart(6, '0');
}

// The app's redirect URI, for the approval the walk makes and revokes.
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/html' });
  res.end('<!doctype html><link rel="icon" href="data:,"><title>Callback</title><h1>Signed in</h1>');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const redirectUri = `http://127.0.0.1:${server.address().port}/callback`;
const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
const consoleErrors = [];
let page;
const shot = (name) => page.screenshot({ path: `${SHOTS}/account-${name}.png`, fullPage: true });
const focused = () => page.evaluate(() => document.activeElement && document.activeElement.id);
const text = (selector) => page.textContent(selector);

// Keyboard only: Tab until the control (an id, or a CSS selector) has focus
// (it must be reachable in the tab order), then type or press.
async function tabTo(target) {
  const selector = /^[a-z][\w-]*$/.test(target) ? `#${target}` : target;
  for (let i = 0; i < 120; i += 1) {
    if (await page.evaluate((s) => !!document.activeElement && document.activeElement.matches(s), selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`the keyboard never reaches ${selector}`);
}
// Presses Enter and waits for the next page (the form's answer is a
// redirect, possibly back to the same URL).
async function submitAndWait() {
  await page.evaluate(() => { window.leaving = true; });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !window.leaving && document.readyState === 'complete');
}
async function typeInto(id, value) {
  await tabTo(id);
  await page.keyboard.press('Control+A');
  await page.keyboard.type(value);
}
async function press(id, key = 'Enter') {
  await tabTo(id);
  await page.keyboard.press(key);
}
// Chromium logs every answer of 400 or more as a console error ("Failed to
// load resource"). A refusal the walk provokes on purpose must log exactly
// that one line, which is then taken off the list; anything else stays an
// error.
async function refusedOnce(status, step) {
  const before = consoleErrors.length;
  await step();
  const added = consoleErrors.splice(before);
  return added.length === 1 && added[0].includes(`status of ${status}`);
}
// True once the status message shows `words` (false after 5 s without).
const noticeSays = (words) => page.waitForFunction((w) => {
  const box = document.getElementById('notice');
  return !box.hidden && box.textContent.includes(w);
}, words, { timeout: 5000 }).then(() => true, () => false);

// The sign-in page in account mode, by keyboard; `code` when asked for one.
async function signIn(password, code) {
  await page.waitForSelector('#submit:not([disabled])');
  await typeInto('username', USERNAME);
  await typeInto('password', password);
  if (code) {
    await page.waitForSelector('#mfa:not([hidden])');
    await typeInto('mfa_code', code);
  }
  await submitAndWait();
  if (page.url().endsWith('/account.html')) await page.waitForSelector('#account:not([hidden])');
  else await page.waitForSelector('#submit:not([disabled])');
}
async function signOut() {
  await Promise.all([page.waitForURL(/signin\.html\?next=account&signedout=1/), press('signout')]);
}

try {
  const context = await browser.newContext({ acceptDownloads: true });
  page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  // 1. Not signed in: the account page sends the browser to sign in.
  await page.goto(`${BASE}/account.html`);
  await page.waitForURL(/signin\.html\?next=account/);
  await page.waitForSelector('#submit:not([disabled])');
  check('without a session the account page leads to the sign-in page',
    /\/signin\.html\?next=account/.test(page.url()) && await page.isVisible('#username'), page.url());
  check('the sign-in page says it is for the account', (await text('#lead')).includes('manage your account'));
  check('the email field has focus', await focused() === 'username');
  await shot('signin');

  // 2. The first password.
  await signIn(PASSWORD);
  check('the first password signs in to the account page', page.url() === `${BASE}/account.html`, page.url());
  check('the page says who is signed in', (await text('#who')).includes(USERNAME));
  check('focus starts on the first field', await focused() === 'first-name');
  check('every field has a label', await page.evaluate(() => [...document.querySelectorAll('#account input:not([hidden])')]
    .every((i) => document.querySelector(`label[for="${i.id}"]`))));
  check('the cookie is HttpOnly: page scripts see no session', await page.evaluate(() => !document.cookie.includes('access_session')));
  await shot('signed-in');

  // 3. Profile.
  await typeInto('first-name', 'Grace');
  await typeInto('last-name', 'Hopper');
  await page.keyboard.press('Enter');
  check('the profile is saved', await noticeSays('profile is saved'));
  check('the message is announced and focused', await focused() === 'notice' &&
    await page.getAttribute('#notice', 'role') === 'status');

  // 4. Password: a mismatch, a weak one, then a good one.
  await typeInto('current-password', PASSWORD);
  await typeInto('new-password', NEW_PASSWORD);
  await typeInto('repeat-password', NEW_PASSWORD + 'x');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#error:not([hidden])');
  check('two different new passwords are refused on the page', (await text('#error')).includes('not the same'));
  check('the error is announced (role=alert) and focused', await focused() === 'error');
  await typeInto('new-password', 'Password2024!');
  await typeInto('repeat-password', 'Password2024!');
  const logged = await refusedOnce(400, async () => {
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('error').textContent.includes('too easy'));
  });
  check('a guessable new password is refused with the reason', (await text('#error')).includes('too easy to guess') && logged);
  await shot('password-refused');
  await typeInto('new-password', NEW_PASSWORD);
  await typeInto('repeat-password', NEW_PASSWORD);
  await page.keyboard.press('Enter');
  check('the password changes', await noticeSays('password has changed'));
  check('the password fields are emptied', await page.inputValue('#current-password') === '');
  await shot('password-changed');

  // 5. Two-step verification: the QR code, then the code of the app.
  check('two-step verification is off', (await text('#mfa-state')).startsWith('Off'));
  await press('mfa-start');
  await page.waitForSelector('#mfa-enrol:not([hidden]) #qr svg');
  check('the QR code is drawn (an SVG from the server)', await page.evaluate(() =>
    document.querySelector('#qr svg path').getAttribute('d').length > 500));
  check('the QR code has an accessible name', (await page.getAttribute('#qr svg', 'aria-label')).includes('QR code'));
  check('focus moves to the code field', await focused() === 'mfa-code');
  const key = (await text('#mfa-key')).trim();
  check('the key is shown for typing in (32 base32 characters)', key.replace(/\s/g, '').length === 32, key);
  await shot('mfa-qr');
  await typeInto('mfa-code', totp(key));
  await page.keyboard.press('Enter');
  await page.waitForSelector('#codes:not([hidden])');
  const codes = await page.$$eval('#codes-list li', (items) => items.map((i) => i.textContent));
  check('ten recovery codes are shown', codes.length === 10 && codes.every((c) => /^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/.test(c)), codes.join(' '));
  check('the page says they are shown once, and focus moves to them', await noticeSays('shown only once') &&
    await focused() === 'codes-title');
  check('two-step verification now says on', (await text('#mfa-state')).startsWith('On'));
  await shot('recovery-codes');
  const [download] = await Promise.all([page.waitForEvent('download'), press('codes-download')]);
  const saved = await readFile(await download.path(), 'utf8');
  check('the codes download as a text file', download.suggestedFilename() === 'recovery-codes.txt' &&
    codes.every((c) => saved.includes(c)), download.suggestedFilename());
  await press('codes-done');
  await page.waitForSelector('#mfa-on:not([hidden])');
  check('the codes are gone from the page once saved', await page.$$eval('#codes-list li', (i) => i.length) === 0);
  check('two-step verification is on, 10 codes left', (await text('#mfa-state')).startsWith('On') &&
    (await text('#codes-left')).startsWith('10 of 10'));
  await shot('mfa-on');

  // 6. Approve an app (the normal consent page), then revoke it here.
  await page.goto(`${BASE}/api/oauth/authorize?` + new URLSearchParams({
    response_type: 'code', client_id: CLIENT_ID, redirect_uri: redirectUri, scope: 'read',
    code_challenge: challenge, code_challenge_method: 'S256' }));
  await page.waitForSelector('#consent:not([hidden])');
  await Promise.all([page.waitForURL(/\/callback\?/), press('allow')]);
  await page.goto(`${BASE}/account.html`);
  await page.waitForSelector('#apps li');
  check('the approved app is listed', (await text('#apps')).includes('Photo Printer'));
  check('the device is listed', (await text('#devices')).includes(DEVICE_ID));
  await shot('apps-and-devices');
  const revoke = await page.getAttribute('#apps li button', 'aria-label');
  await press('#apps li button');
  check('revoking the app empties the list', await noticeSays('can no longer use your account') &&
    await page.$$eval('#apps li', (i) => i.length) === 0 && revoke === 'Revoke Photo Printer', revoke);
  await press('#devices li button');
  check('removing the device empties the list', await noticeSays('can no longer sign in with its passcode') &&
    await page.$$eval('#devices li', (i) => i.length) === 0);
  await shot('removed');

  // 7. Sign out; sign in again: the password, then the code of the app.
  await signOut();
  check('sign-out lands on the sign-in page, which says so', await noticeSays('signed out'));
  await shot('signed-out');
  await signIn(NEW_PASSWORD);
  check('with two-step verification the password alone asks for a code', page.url().includes('error=mfa_required'), page.url());
  await shot('signin-code');
  await signIn(NEW_PASSWORD, totp(key, 30));  // the next step: each step is used once
  check('the password and the app\'s code sign in', page.url() === `${BASE}/account.html`, page.url());

  // 8. The phone is lost: a recovery code signs in, another turns 2FA off.
  await signOut();
  await signIn(NEW_PASSWORD);
  await signIn(NEW_PASSWORD, codes[0]);
  check('a recovery code signs in in place of the app\'s code', page.url() === `${BASE}/account.html`, page.url());
  await page.waitForFunction(() => document.getElementById('codes-left').textContent.startsWith('9 of 10'));
  check('the page shows the use: 9 left, last used from this address', (await text('#codes-left')).includes('127.0.0.1'));
  await shot('recovery-used');
  await signOut();
  await signIn(NEW_PASSWORD);
  await signIn(NEW_PASSWORD, codes[0]);
  check('the same recovery code does not sign in twice', page.url().includes('error=mfa_invalid'), page.url());
  check('the page explains it', (await text('#error')).includes('already used'));
  await signIn(NEW_PASSWORD, codes[1]);
  check('the next recovery code signs in', page.url() === `${BASE}/account.html`, page.url());
  await typeInto('mfa-off-password', NEW_PASSWORD);
  await typeInto('mfa-off-code', codes[2]);
  await page.keyboard.press('Enter');
  check('two-step verification turned off with a recovery code', await noticeSays('is off') &&
    (await text('#mfa-state')).startsWith('Off'));

  // 9. A new phone: a new key, a new set of codes; the old codes are dead.
  await press('mfa-start');
  await page.waitForSelector('#mfa-enrol:not([hidden]) #qr svg');
  const newKey = (await text('#mfa-key')).trim();
  check('the new phone gets a new key', newKey !== key);
  await typeInto('mfa-code', totp(newKey));
  await page.keyboard.press('Enter');
  await page.waitForSelector('#codes:not([hidden])');
  const newCodes = await page.$$eval('#codes-list li', (items) => items.map((i) => i.textContent));
  check('ten new recovery codes', newCodes.length === 10 && !newCodes.some((c) => codes.includes(c)));
  await press('codes-done');
  await page.waitForSelector('#mfa-on:not([hidden])');
  await shot('new-phone');
  await signOut();
  await signIn(NEW_PASSWORD);
  await signIn(NEW_PASSWORD, codes[3]);
  check('a recovery code of the lost phone\'s set is refused', page.url().includes('error=mfa_invalid'), page.url());
  await signIn(NEW_PASSWORD, totp(newKey, 30));
  check('the new phone\'s code signs in', page.url() === `${BASE}/account.html`, page.url());

  // 10. Sign out everywhere.
  await Promise.all([page.waitForURL(/signedout=everywhere/), press('signout-everywhere')]);
  check('sign out everywhere says so on the sign-in page', await noticeSays('signed out everywhere'));
  await page.goto(`${BASE}/account.html`);
  await page.waitForURL(/signin\.html\?next=account/);
  await page.waitForSelector('#submit:not([disabled])');
  check('afterwards the account page asks to sign in again',
    /\/signin\.html\?next=account/.test(page.url()) && await page.isVisible('#username'), page.url());
  await shot('signed-out-everywhere');
  check('no console or CSP errors on the pages', consoleErrors.length === 0, consoleErrors.join(' | '));
} catch (e) {
  check('the walk ran to the end', false, String(e));
  if (page) await page.screenshot({ path: `${SHOTS}/account-failure.png`, fullPage: true }).catch(() => {});
} finally {
  await browser.close();
  server.close();
}
process.exit(failures ? 1 : 0);
