// Account page: profile, password, two-step verification (QR code drawn by
// the server, confirmation, recovery codes shown once with a download),
// approved applications, devices, signing out. Every call goes to
// /api/account/... with the browser session's cookie, which is HttpOnly: no
// token is ever within reach of this script. Writes carry the session's
// CSRF token in the X-CSRF-Token header. Without a session the page sends
// the user to the sign-in page, which comes back here.
'use strict';

let csrf = '';
let email = '';

const $ = (id) => document.getElementById(id);

function show(box, text) {
  $('notice').hidden = true;
  $('error').hidden = true;
  box.textContent = text;
  box.hidden = false;
  box.focus();
}
const say = (text) => show($('notice'), text);
const fail = (text) => show($('error'), text);

function signIn() {
  window.location.replace('/signin.html?next=account');
  return new Promise(() => {});  // the page is going away
}

// One call of the account API: {ok, status, body}. A lost session goes back
// to the sign-in page.
async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    return { ok: false, status: 0, body: {} };
  }
  if (res.status === 401) return signIn();
  let data = {};
  try {
    data = await res.json();
  } catch (e) {
    data = {};
  }
  return { ok: res.ok, status: res.status, body: data };
}

// The reason of a refusal in plain words.
function why(r, words = {}) {
  if (words[r.status]) return words[r.status];
  if (r.status === 0) return 'The service could not be reached. Check your connection and try again.';
  if (r.status === 429) return 'Too many failed attempts. For your security this is paused for a while; try again later.';
  if (r.status >= 500) return 'Something went wrong on our side. Try again in a moment.';
  const d = (r.body && r.body.error_description) || 'the request was refused';
  return d.charAt(0).toUpperCase() + d.slice(1) + '.';
}

// Runs `work` with `button` disabled, so a double press sends one request.
async function busy(button, work) {
  button.disabled = true;
  try {
    await work();
  } finally {
    button.disabled = false;
  }
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');

// ---- profile

function showProfile(user) {
  email = user.email;
  $('who').textContent = 'Signed in as ' + user.email + '.';
  $('password-username').value = user.email;
  $('first-name').value = user.firstName || '';
  $('last-name').value = user.lastName || '';
  $('other-name').value = user.otherName || '';
  $('mobile').value = user.mobileNumber || '';
}

async function saveProfile(event) {
  event.preventDefault();
  const value = (id) => $(id).value.trim() || null;
  await busy($('profile-save'), async () => {
    const r = await api('PUT', '/api/account/profile', {
      firstName: value('first-name'), lastName: value('last-name'),
      otherName: value('other-name'), mobileNumber: value('mobile'),
    });
    if (!r.ok) return fail(why(r));
    showProfile(r.body);
    say('Your profile is saved.');
  });
}

// ---- password

async function changePassword(event) {
  event.preventDefault();
  const current = $('current-password').value;
  const next = $('new-password').value;
  if (!current || !next) return fail('Enter your current password and the new one.');
  if (next !== $('repeat-password').value) {
    fail('The two new passwords are not the same. Type the new password twice.');
    return;
  }
  await busy($('password-save'), async () => {
    const r = await api('PUT', '/api/account/password', { currentPassword: current, newPassword: next });
    if (!r.ok) {
      const d = (r.body && r.body.error_description) || '';
      return fail(why(r, {
        403: 'Your current password is not right.',
        400: d.startsWith('newPassword ') ? 'The new password ' + d.slice(12) + '.' : why(r),
      }));
    }
    $('password').reset();
    say('Your password has changed. Every other sign-in of your account has ended.');
  });
}

// ---- two-step verification

function showMfaState(on) {
  const state = $('mfa-state');
  state.textContent = on ? 'On: signing in asks for a code from your phone.' : 'Off.';
  state.className = on ? 'state-on' : 'state-off';
}

async function loadMfa() {
  const r = await api('GET', '/api/account/mfa');
  if (!r.ok) return fail(why(r));
  const on = r.body.mfaEnabled;
  showMfaState(on);
  $('mfa-on').hidden = !on;
  $('mfa-off').hidden = on;
  $('mfa-enrol').hidden = true;
  if (on) {
    const used = r.body.recoveryCodesUsed;
    let text = r.body.recoveryCodesLeft + ' of 10 recovery codes left.';
    if (used.length) {
      const last = used[used.length - 1];
      text += ' Last one used ' + when(last.usedAt) + ' from ' + last.ip + '.';
    }
    $('codes-left').textContent = text;
  }
}

// The server's SVG document, parsed as SVG (never as HTML) and adopted.
function showQr(svgText) {
  const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const svg = doc.documentElement;
  const box = $('qr');
  box.replaceChildren();
  if (svg.nodeName === 'svg') box.append(document.importNode(svg, true));
}

async function startEnrolment() {
  await busy($('mfa-start'), async () => {
    const r = await api('POST', '/api/account/mfa');
    if (!r.ok) return fail(why(r));
    showQr(r.body.qrCodeSvg);
    const secret = new URL(r.body.authenticatorUri).searchParams.get('secret') || '';
    $('mfa-key').textContent = secret.replace(/(.{4})/g, '$1 ').trim();
    $('mfa-off').hidden = true;
    $('mfa-enrol').hidden = false;
    $('notice').hidden = true;
    $('error').hidden = true;
    $('mfa-code').value = '';
    $('mfa-code').focus();
  });
}

function cancelEnrolment() {
  $('mfa-enrol').hidden = true;
  $('mfa-off').hidden = false;
  $('mfa-start').focus();
}

// Shows new recovery codes (once) and says so: the status message is
// announced, focus goes to the codes, next to the download button.
function showCodes(codes, message) {
  const list = $('codes-list');
  list.replaceChildren(...codes.map((c) => {
    const item = document.createElement('li');
    item.textContent = c;
    return item;
  }));
  $('codes').hidden = false;
  $('mfa-on').hidden = true;
  $('mfa-enrol').hidden = true;
  showMfaState(true);
  $('error').hidden = true;
  $('notice').textContent = message;
  $('notice').hidden = false;
  $('codes-title').focus();
}

async function confirmEnrolment(event) {
  event.preventDefault();
  const code = $('mfa-code').value.trim();
  if (!/^[0-9]{6}$/.test(code)) return fail('Enter the 6-digit code your authenticator app shows.');
  await busy($('mfa-confirm'), async () => {
    const r = await api('PUT', '/api/account/mfa', { code });
    if (!r.ok) {
      return fail(why(r, { 400: 'That code does not match. Check the app shows this account, and enter its current code.' }));
    }
    showCodes(r.body.recoveryCodes,
      'Two-step verification is on. Save your recovery codes now: they are shown only once.');
  });
}

function downloadCodes() {
  const codes = [...$('codes-list').children].map((li) => li.textContent);
  const text = 'Recovery codes of ' + email + ' (access-service), made ' + new Date().toLocaleString() +
    '.\nEach code signs you in once in place of a code from your authenticator app.\n\n' +
    codes.join('\n') + '\n';
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = 'recovery-codes.txt';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function codesSaved() {
  $('codes-list').replaceChildren();  // shown once: gone from the page too
  $('codes').hidden = true;
  await loadMfa();
  say('Two-step verification is on. Keep your recovery codes somewhere safe.');
}

async function newCodes(event) {
  event.preventDefault();
  const code = $('codes-new-code').value.trim();
  await busy($('codes-new-submit'), async () => {
    const r = await api('POST', '/api/account/mfa/recovery-codes', { code });
    if (!r.ok) return fail(why(r, { 403: 'That code is not right, or it was already used. Enter the current code from your authenticator app.' }));
    $('codes-new').reset();
    showCodes(r.body.recoveryCodes,
      'Here are your new recovery codes, shown only once; the old ones no longer work.');
  });
}

async function disableMfa(event) {
  event.preventDefault();
  const body = { currentPassword: $('mfa-off-password').value, code: $('mfa-off-code').value.trim() };
  await busy($('mfa-off-submit'), async () => {
    const r = await api('DELETE', '/api/account/mfa', body);
    if (!r.ok) return fail(why(r));
    $('mfa-disable').reset();
    await loadMfa();
    say('Two-step verification is off. Signing in needs only your password now.');
  });
}

// ---- approved applications and devices

function item(name, detail, buttonText, label, onPress) {
  const li = document.createElement('li');
  const text = document.createElement('span');
  text.className = 'item-text';
  const title = document.createElement('span');
  title.className = 'item-name';
  title.textContent = name;
  const more = document.createElement('span');
  more.className = 'item-detail';
  more.textContent = detail;
  text.append(title, more);
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary';
  button.textContent = buttonText;
  button.setAttribute('aria-label', label);
  button.addEventListener('click', () => busy(button, onPress));
  li.append(text, button);
  return li;
}

// The two lists of the page: what an entry shows, and what its button ends.
const LISTS = {
  apps: {
    path: '/api/account/approvals',
    member: 'applications',
    name: (a) => a.clientDescription,
    detail: (a) => 'May ' + a.scope.join(', ') + ' since ' + when(a.createdAt) + '.',
    button: 'Revoke',
    label: (a) => 'Revoke ' + a.clientDescription,
    remove: (a) => '/api/account/approvals/' + encodeURIComponent(a.id),
    done: (a) => a.clientDescription + ' can no longer use your account; it must ask you again.',
  },
  devices: {
    path: '/api/account/devices',
    member: 'devices',
    name: (d) => d.deviceId,
    detail: (d) => (d.appName ? 'Through ' + d.appName + ', added ' : 'Added ') +
      when(d.createdAt) + (d.lastUsedAt ? ', last used ' + when(d.lastUsedAt) : ', never used') + '.',
    button: 'Remove',
    label: (d) => 'Remove device ' + d.deviceId,
    remove: (d) => '/api/account/devices/' + encodeURIComponent(d.deviceId),
    done: (d) => 'The device ' + d.deviceId + ' can no longer sign in with its passcode.',
  },
};

async function loadList(kind) {
  const spec = LISTS[kind];
  const r = await api('GET', spec.path);
  if (!r.ok) return fail(why(r));
  const entries = r.body[spec.member];
  $(kind + '-empty').hidden = entries.length > 0;
  $(kind).replaceChildren(...entries.map((e) => item(spec.name(e), spec.detail(e), spec.button,
    spec.label(e), async () => {
      const d = await api('DELETE', spec.remove(e));
      if (!d.ok) return fail(why(d));
      await loadList(kind);
      say(spec.done(e));
    })));
}

// ---- signing out

async function signOut(path, button) {
  await busy(button, async () => {
    const r = await api('POST', path);
    if (!r.ok) return fail(why(r));
    window.location.assign('/signin.html?next=account&signedout=' +
      (path.endsWith('everywhere') ? 'everywhere' : '1'));
  });
}

async function main() {
  const r = await api('GET', '/api/account/session');
  if (!r.ok) {
    fail(why(r, { 0: 'Your account could not be loaded. Reload the page to try again.' }));
    return;
  }
  if (!r.body.signedIn) return signIn();
  csrf = r.body.csrfToken;
  showProfile(r.body.user);
  $('profile').addEventListener('submit', saveProfile);
  $('password').addEventListener('submit', changePassword);
  $('mfa-start').addEventListener('click', startEnrolment);
  $('mfa-cancel').addEventListener('click', cancelEnrolment);
  $('mfa-enrol').addEventListener('submit', confirmEnrolment);
  $('codes-download').addEventListener('click', downloadCodes);
  $('codes-done').addEventListener('click', codesSaved);
  $('codes-new').addEventListener('submit', newCodes);
  $('mfa-disable').addEventListener('submit', disableMfa);
  $('signout').addEventListener('click', () => signOut('/api/account/signout', $('signout')));
  $('signout-everywhere').addEventListener('click',
    () => signOut('/api/account/signout-everywhere', $('signout-everywhere')));
  await Promise.all([loadMfa(), loadList('apps'), loadList('devices')]);
  $('account').hidden = false;
  $('first-name').focus();
}

document.addEventListener('DOMContentLoaded', main);
