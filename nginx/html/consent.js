// Consent page: names the app and what it asks for, carries the session's
// CSRF token into the form (and into the sign-out form), and sends the user
// to sign in if needed.
'use strict';

const SCOPES = {
  read: ['Read your data', 'See your files, folders and profile.'],
  write: ['Change your data', 'Create, change and delete your files and folders.'],
};

function showError(text) {
  const box = document.getElementById('error');
  box.textContent = text;
  box.hidden = false;
  box.focus();
}

function addScope(list, scope) {
  const [name, detail] = SCOPES[scope] || [scope, 'Access named "' + scope + '".'];
  const item = document.createElement('li');
  const title = document.createElement('span');
  title.className = 'scope-name';
  title.textContent = name;
  const text = document.createElement('span');
  text.className = 'scope-detail';
  text.textContent = detail;
  item.append(title, text);
  list.append(item);
}

async function main() {
  const rid = new URLSearchParams(window.location.search).get('rid') || '';
  if (!rid) {
    showError('This page needs a sign-in request. Go back to the application and start again.');
    return;
  }
  let info;
  try {
    const res = await fetch('/api/oauth/authorize/requests/' + encodeURIComponent(rid), {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
    if (res.status === 404) {
      showError('This request has expired. Go back to the application and start again.');
      return;
    }
    if (!res.ok) throw new Error('status ' + res.status);
    info = await res.json();
  } catch (e) {
    showError('The request could not be loaded. Reload the page to try again.');
    return;
  }
  if (!info.signedIn) {
    window.location.replace('/signin.html?rid=' + encodeURIComponent(rid));
    return;
  }
  document.getElementById('app-name').textContent = info.appName;
  document.title = 'Allow ' + info.appName + ' - access-service';
  const list = document.getElementById('scopes');
  info.scope.forEach((s) => addScope(list, s));
  document.getElementById('rid').value = rid;
  document.getElementById('csrf_token').value = info.csrfToken;
  document.getElementById('signout_csrf_token').value = info.csrfToken;
  document.getElementById('who').textContent = 'Signed in as ' + info.userName + '.';
  document.getElementById('signout').hidden = false;
  const form = document.getElementById('consent');
  form.hidden = false;
  form.addEventListener('submit', () => {
    // Keep the clicked button's value: disable only after the form data is built.
    setTimeout(() => {
      document.getElementById('allow').disabled = true;
      document.getElementById('deny').disabled = true;
    }, 0);
  });
  document.getElementById('allow').focus();
}

document.addEventListener('DOMContentLoaded', main);
