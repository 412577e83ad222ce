// The sign-in form of the static page, shared by its two kinds of POST
// /api/oauth/signin (API.md sections 4 and 7): for a saved authorization
// request (`rid`, authorize.cpp), and for the account page (`next=account`,
// signin_form.cpp). Internal to src/handlers/.
#pragma once

#include <string>

#include "access/core/context.h"
#include "access/http/api.h"

namespace access_service {

// 403 page for a form whose CSRF token does not match (stale or forged).
Response stale_form_page();

// Checks the credentials of a sign-in form under the lockout of sign_in.h:
// nullptr with *user filled, or the error code the page explains
// (invalid_credentials, locked, app_not_permitted, mfa_required,
// mfa_invalid), each failure recorded (sign_in.failed). A two-factor user needs `mfa_allowed` (the
// app's mfa option; always on the account page) and an mfa_code: a TOTP code or one of the recovery
// codes, which is used up. A store failure gives "" and *failure.
const char* check_sign_in_form(Context& ctx, const Request& req, const Params& form,
                               bool mfa_allowed, long long now, User* user, Status* failure);

// A whole sign-in succeeded: starts the session (returns its Set-Cookie
// value), clears the lockout counters and records sign_in.succeeded, in one
// transaction.
Result<std::string> finish_sign_in(Context& ctx, const Request& req, const User& user,
                                   long long now);

// The account page's sign-in (form `next=account`): the CSRF token is the
// one GET /api/oauth/signin gave this browser (or its session's); success
// is a 303 to /account.html, failure a 303 back to
// /signin.html?next=account&error=<code>.
Response account_signin(Context& ctx, const Request& req, const Params& form, long long now);

}  // namespace access_service
