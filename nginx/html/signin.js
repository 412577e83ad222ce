// Sign-in page: shows which app asks, the error of a failed attempt in plain
// words, and asks for the authenticator code (or a recovery code) when the
// account needs it. The form carries the CSRF token of the saved request
// (bound to this browser); the button waits for it. After sign-out
// (?signedout=1) it says so. With ?next=account it signs in to the account
// page (/account.html) instead of an application: no saved request, the CSRF
// token comes from GET /api/oauth/signin.
'use strict';

const MESSAGES = {
  invalid_credentials: 'The email or password is not right. Check them and try again.',
  mfa_required: 'Your account uses two-step verification. Enter the 6-digit code from your authenticator app.',
  mfa_invalid: 'That code is not right, or it was already used. Enter the current code from your authenticator app, or an unused recovery code.',
  locked: 'Too many failed attempts. For your security, sign-in to this account is paused for a while. Try again later.',
  app_not_permitted: 'Your account uses two-step verification, and this application is not allowed to sign in such accounts. Contact the application\'s administrator.',
};

function showError(text) {
  const box = document.getElementById('error');
  box.textContent = text;
  box.hidden = false;
  return box;
}

function showNotice(text) {
  const box = document.getElementById('notice');
  box.textContent = text;
  box.hidden = false;
  return box;
}

// The account page's sign-in: the token of this browser, or straight back to
// the account page when it is signed in already.
async function accountSignIn(params, form, submit, focusTarget) {
  document.getElementById('next').value = 'account';
  document.getElementById('lead').textContent = 'Sign in to manage your account.';
  document.title = 'Sign in to your account - access-service';
  const out = params.get('signedout');
  if (out) {
    focusTarget = showNotice(out === 'everywhere'
      ? 'You have signed out everywhere: in every browser, app and device.'
      : 'You have signed out.');
  }
  let info;
  try {
    const res = await fetch('/api/oauth/signin', {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
    if (!res.ok) throw new Error('status ' + res.status);
    info = await res.json();
  } catch (e) {
    form.hidden = true;
    showError('The sign-in page could not be prepared. Reload the page to try again.').focus();
    return;
  }
  if (info.signedIn) {
    window.location.replace('/account.html');
    return;
  }
  document.getElementById('csrf_token').value = info.csrfToken;
  submit.disabled = false;
  form.addEventListener('submit', () => {
    submit.disabled = true;
  });
  focusTarget.focus();
}

async function main() {
  const params = new URLSearchParams(window.location.search);
  const rid = params.get('rid') || '';
  const error = params.get('error');
  const form = document.getElementById('signin');
  const submit = document.getElementById('submit');
  document.getElementById('rid').value = rid;
  submit.disabled = true;  // until the CSRF token is in the form

  if (error === 'mfa_required' || error === 'mfa_invalid') {
    document.getElementById('mfa').hidden = false;
  }
  let focusTarget = document.getElementById('username');
  if (error) {
    focusTarget = showError(MESSAGES[error] || 'Sign-in failed. Try again.');
  }
  if (params.get('next') === 'account') {
    await accountSignIn(params, form, submit, focusTarget);
    return;
  }

  if (!rid) {
    form.hidden = true;
    if (params.get('signedout') === '1') {
      document.getElementById('lead').textContent = 'You are signed out.';
      showNotice('You have signed out. To sign in again, go back to the application and start from there.').focus();
    } else {
      showError('This page needs a sign-in request. Go back to the application and start again.').focus();
    }
    return;
  }
  let info;
  try {
    const res = await fetch('/api/oauth/authorize/requests/' + encodeURIComponent(rid), {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
    if (res.status === 404) {
      form.hidden = true;
      showError('This sign-in request has expired, or it was started in another browser. ' +
        'Go back to the application and start again.').focus();
      return;
    }
    if (!res.ok) throw new Error('status ' + res.status);
    info = await res.json();
  } catch (e) {
    form.hidden = true;
    showError('The sign-in request could not be loaded. Reload the page to try again.').focus();
    return;
  }
  const lead = document.getElementById('lead');
  lead.textContent = 'to continue to ';
  const app = document.createElement('strong');
  app.textContent = info.appName;
  lead.append(app);
  document.title = 'Sign in to ' + info.appName + ' - access-service';
  document.getElementById('csrf_token').value = info.csrfToken;
  submit.disabled = false;
  form.addEventListener('submit', () => {
    submit.disabled = true;
  });
  focusTarget.focus();
}

document.addEventListener('DOMContentLoaded', main);
