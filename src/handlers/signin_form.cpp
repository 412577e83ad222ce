// The sign-in form: its credential check (both kinds of POST
// /api/oauth/signin), the account page's sign-in, and GET /api/oauth/signin.
#include "signin_form.h"

#include "access/core/strings.h"
#include "access/handlers/handlers.h"
#include "access/oauth/audit.h"
#include "access/oauth/browser.h"
#include "access/oauth/mfa.h"
#include "access/oauth/sign_in.h"

namespace access_service {
namespace {

// As long as a saved request: the binding cookie of a sign-in form.
constexpr int kBindingSeconds = 600;

}  // namespace

Response stale_form_page() {
  return html_error(403, "Request refused",
                    "Your session has ended or this form is stale. Start again from the app.");
}

const char* check_sign_in_form(Context& ctx, const Request& req, const Params& form,
                               bool mfa_allowed, long long now, User* user, Status* failure) {
  SignInResult r =
      check_password(ctx, form.get("username"), form.get("password"), req.remote_addr, now);
  switch (r.outcome) {
    case SignInResult::kError:
      *failure = r.status;
      return "";
    case SignInResult::kLocked:
      return "locked";
    case SignInResult::kBad:
      return "invalid_credentials";
    case SignInResult::kOk:
      break;
  }
  if (r.user.mfa_enabled) {  // the second factor is asked here (API.md section 4)
    const std::string& username = form.get("username");
    const char* refused = !mfa_allowed            ? "app_not_permitted"
                          : !form.has("mfa_code") ? "missing_code"
                                                  : nullptr;
    if (refused) {
      record_sign_in_failure(ctx, username, r.user.id, refused, "password+totp");
      return mfa_allowed ? "mfa_required" : "app_not_permitted";
    }
    Result<SecondFactor> good = check_second_factor(*ctx.store, ctx.hmac_key, r.user,
                                                    form.get("mfa_code"), now, req.remote_addr);
    if (!good.ok()) {
      *failure = good.status();
      return "";
    }
    if (*good == SecondFactor::kWrong) {  // counted by check_password
      record_sign_in_failure(ctx, username, r.user.id, "wrong_code", "password+totp");
      return "mfa_invalid";
    }
  }
  *user = std::move(r.user);
  return nullptr;
}

Result<std::string> finish_sign_in(Context& ctx, const Request& req, const User& user,
                                   long long now) {
  WriteTransaction txn(*ctx.store);
  if (!txn.status().ok()) return txn.status();
  Result<std::string> cookie = start_session(ctx, req, user.id, now);
  if (!cookie.ok()) return cookie.status();
  ctx.current.user_id = user.id;
  Status st = sign_in_succeeded(ctx, user.email, req.remote_addr);
  const char* method = user.mfa_enabled ? "password+totp" : "password";
  if (st.ok()) st = commit_audited(ctx, txn, {sign_in_event(ctx, user, method)});
  if (!st.ok()) return st;
  return cookie;
}

Response account_signin(Context& ctx, const Request& req, const Params& form, long long now) {
  const std::string& token = form.get("csrf_token");
  if (!csrf_valid(ctx, req, CsrfBinding::kBrowser, token) &&
      !csrf_valid(ctx, req, CsrfBinding::kSession, token))
    return stale_form_page();
  User user;
  Status failure;
  if (const char* error = check_sign_in_form(ctx, req, form, true, now, &user, &failure)) {
    if (!failure.ok()) return status_reply(failure);
    return redirect(std::string("/signin.html?next=account&error=") + error, 303);
  }
  Result<std::string> cookie = finish_sign_in(ctx, req, user, now);
  if (!cookie.ok()) return status_reply(cookie.status());
  Response res = redirect("/account.html", 303);
  res.set_header("Set-Cookie", *cookie);
  return res;
}

Response handle_signin_context(Context& ctx, const Request& req, const PathParams&) {
  Result<User> user = session_user(ctx, req, now_seconds());
  if (!user.ok() && !user.status().is_not_found()) return status_reply(user.status());
  if (user.ok())
    return json_reply({{"signedIn", true},
                       {"userName", user->email},
                       {"csrfToken", csrf_token(ctx, req, CsrfBinding::kSession)}});
  // No saved request to bind the form to: the binding cookie alone, set (or
  // renewed) here, as GET /api/oauth/authorize does for a saved request.
  std::string binding = browser_cookie_for(req);
  Response res = json_reply({{"signedIn", false}, {"csrfToken", browser_csrf_token(ctx, binding)}});
  res.set_header("Set-Cookie", browser_cookie_header(req, binding, kBindingSeconds));
  return res;
}

}  // namespace access_service
