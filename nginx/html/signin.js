// Sign-in page: shows which app asks, the error of a failed attempt in plain
// words, and asks for the authenticator code when the account needs it.
'use strict';

const MESSAGES = {
  invalid_credentials: 'The email or password is not right. Check them and try again.',
  mfa_required: 'Your account uses two-step verification. Enter the 6-digit code from your authenticator app.',
  mfa_invalid: 'That code is not right, or it was already used. Enter the current code from your authenticator app.',
  locked: 'Too many failed attempts. For your security, sign-in to this account is paused for a while. Try again later.',
  app_not_permitted: 'Your account uses two-step verification, and this application is not allowed to sign in such accounts. Contact the application\'s administrator.',
};

function showError(text) {
  const box = document.getElementById('error');
  box.textContent = text;
  box.hidden = false;
  return box;
}

async function main() {
  const params = new URLSearchParams(window.location.search);
  const rid = params.get('rid') || '';
  const error = params.get('error');
  const form = document.getElementById('signin');
  document.getElementById('rid').value = rid;

  if (error === 'mfa_required' || error === 'mfa_invalid') {
    document.getElementById('mfa').hidden = false;
  }
  let focusTarget = document.getElementById('username');
  if (error) {
    focusTarget = showError(MESSAGES[error] || 'Sign-in failed. Try again.');
  }

  if (!rid) {
    form.hidden = true;
    showError('This page needs a sign-in request. Go back to the application and start again.').focus();
    return;
  }
  try {
    const res = await fetch('/api/oauth/authorize/requests/' + encodeURIComponent(rid), {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
    if (res.status === 404) {
      form.hidden = true;
      showError('This sign-in request has expired. Go back to the application and start again.').focus();
      return;
    }
    if (res.ok) {
      const info = await res.json();
      const lead = document.getElementById('lead');
      lead.textContent = 'to continue to ';
      const app = document.createElement('strong');
      app.textContent = info.appName;
      lead.append(app);
      document.title = 'Sign in to ' + info.appName + ' - access-service';
    }
  } catch (e) {
    // The form still works without the app name.
  }
  form.addEventListener('submit', () => {
    document.getElementById('submit').disabled = true;
  });
  focusTarget.focus();
}

document.addEventListener('DOMContentLoaded', main);
