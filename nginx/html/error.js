// Error page: the error codes of the browser flow in plain words.
'use strict';

const ERRORS = {
  request_expired: ['This link has expired', 'Sign-in requests are valid for 10 minutes, or this one was already used.'],
  invalid_request: ['The request is not valid', 'The application sent a request this server cannot understand.'],
  invalid_client: ['Unknown application', 'The application is not registered, or it has been disabled.'],
  invalid_redirect_uri: ['Invalid redirect address', 'The application asked to send you to an address it has not registered.'],
  unauthorized_client: ['Not allowed', 'This application may not sign users in this way.'],
  access_denied: ['Access was not allowed', 'You declined to let the application use your account.'],
  unsupported_response_type: ['Not supported', 'The application asked for something this server does not offer.'],
  invalid_scope: ['Not allowed', 'The application asked for access it is not allowed to have.'],
  server_error: ['Something went wrong on our side', 'Try again in a moment.'],
  temporarily_unavailable: ['Temporarily unavailable', 'The service is busy. Try again in a moment.'],
};

document.addEventListener('DOMContentLoaded', () => {
  const code = new URLSearchParams(window.location.search).get('error');
  const entry = ERRORS[code];
  if (!entry) return;
  document.getElementById('title').textContent = entry[0];
  document.getElementById('message').textContent = entry[1];
  document.title = entry[0] + ' - access-service';
});
