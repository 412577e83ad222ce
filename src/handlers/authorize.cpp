// The browser flows of API.md section 4: GET /api/oauth/authorize, the JSON
// the static pages read, the sign-in form and the consent form.
#include "access/api.h"
#include "access/browser.h"
#include "access/crypto.h"
#include "access/handlers.h"
#include "access/mfa.h"
#include "access/sign_in.h"
#include "access/strings.h"
#include "access/token_issuer.h"

namespace access_service {
namespace {

constexpr int kRequestSeconds = 600;  // a saved request lives 10 minutes

bool valid_challenge(const std::string& c) {
  if (c.size() != 43) return false;  // base64url of a SHA-256 (RFC 7636 4.2)
  std::string raw;
  return base64url_decode(c, &raw);
}

// Validates a fresh authorization request (RFC 6749 4.1.1, 4.2.1, RFC 7636).
// A bad client or redirect URI gives an error page, never a redirect; every
// other error is redirected to the (now trusted) redirect URI.
std::optional<Response> validate_request(Context& ctx, const Params& q, AuthRequest* ar,
                                         ClientApp* app) {
  Result<ClientApp> found = ctx.store->find_client_by_client_id(q.get("client_id"));
  if (!found.ok() && !found.status().is_not_found()) return status_reply(found.status());
  if (!found.ok() || !found->enabled)
    return html_error(400, "Unknown application",
                      "The application that sent you here is not registered or is disabled.");
  *app = *found;
  const std::string& uri = q.get("redirect_uri");
  if (uri.empty() || !redirect_uri_registered(*app, uri))
    return html_error(400, "Invalid redirect address",
                      "The application asked to send you to an address it has not registered.");
  ar->redirect_uri = uri;
  if (q.has("state")) ar->state = q.get("state");
  const std::string& type = q.get("response_type");
  std::string mode = type == "token" ? "token" : "code";
  auto fail = [&](const char* error, const char* why) {
    return redirect_error(uri, mode, error, why, ar->state);
  };
  if (type != "code" && type != "token")
    return fail("unsupported_response_type", "response_type must be code or token");
  if (!app->has_grant(type == "code" ? "authorization_code" : "implicit"))
    return fail("unauthorized_client", "this app may not use this response_type");
  auto scope = resolve_scope(q.get("scope"), app->scope);
  if (!scope) return fail("invalid_scope", "scope is not allowed for this app");
  const std::string& challenge = q.get("code_challenge");
  const std::string& method = q.get("code_challenge_method");
  if (type == "token" && (!challenge.empty() || !method.empty()))
    return fail("invalid_request", "PKCE applies to response_type=code only");
  if (!method.empty() && method != "S256")
    return fail("invalid_request", "code_challenge_method must be S256");
  if (challenge.empty() != method.empty())
    return fail("invalid_request", "code_challenge and code_challenge_method go together");
  if (!challenge.empty() && !valid_challenge(challenge))
    return fail("invalid_request", "code_challenge must be 43 base64url characters");
  if (ar->state && ar->state->size() > 2048) return fail("invalid_request", "state is too long");
  ar->id = random_token(32);
  ar->app_id = app->id;
  ar->response_type = type;
  ar->scope = *scope;
  if (!challenge.empty()) ar->code_challenge = challenge;
  return std::nullopt;
}

bool covers(const std::vector<std::string>& have, const std::vector<std::string>& want) {
  for (const auto& s : want)
    if (!contains(have, s)) return false;
  return true;
}

// Ends an approved request with a code or a token, in one transaction that
// also records `approval` when given and consumes the saved request.
Response finish(Context& ctx, const AuthRequest& ar, const ClientApp& app, const User& user,
                long long now, const std::optional<Approval>& approval) {
  std::string code;
  Result<IssuedAccess> access = Status::NotFound("");
  if (ar.response_type == "token") {
    access = sign_access_token(ctx, app, user, ar.scope, now, "");
    if (!access.ok()) return status_reply(access.status());
  } else {
    code = random_token(32);
  }
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  if (st.ok() && approval) st = ctx.store->upsert_approval(*approval);
  if (st.ok()) st = ctx.store->delete_auth_request(ar.id);
  if (st.ok() && access.ok()) st = ctx.store->insert_access_token(access->record);
  if (st.ok() && !access.ok()) {
    AuthCode c{app.id, user.id, ar.redirect_uri, ar.scope, ar.code_challenge,
               now + ctx.config.authorization_code_seconds, std::nullopt, "", ""};
    st = ctx.store->insert_code(token_hash(code), c);
  }
  if (st.ok()) st = txn.commit();
  if (!st.ok()) return status_reply(st);
  if (!access.ok()) return redirect_with(ar.redirect_uri, "code", {{"code", code}}, ar.state);
  return redirect_with(ar.redirect_uri, "token",
                       {{"access_token", access->token},
                        {"token_type", "bearer"},
                        {"expires_in", std::to_string(access->expires_in)},
                        {"scope", join_words(ar.scope)},
                        {"jti", access->record.jti}},
                       ar.state);
}

Response expired_page() {
  return html_error(400, "Sign-in request expired",
                    "This sign-in request is unknown or has expired (after 10 minutes).");
}

// Reads a form posted by the static pages: errors become pages, not JSON.
std::optional<Response> read_browser_form(Context& ctx, const Request& req, Params* form) {
  if (auto err = read_form_body(req, form))
    return html_error(err->status, "Invalid request", "The form could not be read.");
  if (!same_origin(ctx, req))
    return html_error(403, "Request refused", "This form was sent from another site.");
  return std::nullopt;
}

}  // namespace

Response handle_authorize(Context& ctx, const Request& req, const PathParams&) {
  Result<Params> q = Params::parse(req.query);
  if (!q.ok()) return html_error(400, "Invalid request", q.status().message());
  const long long now = now_seconds();
  AuthRequest ar;
  ClientApp app;
  if (q->has("rid") && q->all().size() == 1) {  // resuming after sign-in
    Result<AuthRequest> saved = ctx.store->find_auth_request(q->get("rid"), now);
    if (!saved.ok()) return saved.status().is_not_found() ? expired_page() : status_reply(saved.status());
    ar = *saved;
    Result<ClientApp> found = ctx.store->find_client(ar.app_id);
    if (!found.ok() || !found->enabled) return expired_page();
    app = *found;
  } else {
    if (auto err = validate_request(ctx, *q, &ar, &app)) return *err;
    ar.expires_at = now + kRequestSeconds;
    Status st = ctx.store->insert_auth_request(ar);
    if (!st.ok()) return status_reply(st);
  }
  Result<User> user = session_user(ctx, req, now);
  if (!user.ok() && !user.status().is_not_found()) return status_reply(user.status());
  if (!user.ok()) return redirect("/signin.html?rid=" + ar.id);
  bool approved = app.auto_approve;
  if (!approved) {
    Result<Approval> existing = ctx.store->find_approval(user->id, app.id);
    if (!existing.ok() && !existing.status().is_not_found()) return status_reply(existing.status());
    approved = existing.ok() && covers(existing->scope, ar.scope);
  }
  if (approved) return finish(ctx, ar, app, *user, now, std::nullopt);
  return redirect("/consent.html?rid=" + ar.id);
}

Response handle_authorize_request(Context& ctx, const Request& req, const PathParams& p) {
  const long long now = now_seconds();
  Result<AuthRequest> ar = ctx.store->find_auth_request(p[0], now);
  if (!ar.ok()) return status_reply(ar.status().is_not_found()
                                        ? Status::NotFound("unknown or expired request")
                                        : ar.status());
  Result<ClientApp> app = ctx.store->find_client(ar->app_id);
  if (!app.ok()) return status_reply(app.status());
  Result<User> user = session_user(ctx, req, now);
  json body = {{"appName", app->app_name},
               {"clientId", app->client_id},
               {"scope", ar->scope},
               {"signedIn", user.ok()}};
  if (user.ok()) {
    body["csrfToken"] = csrf_token(ctx, req);
    body["userName"] = user->email;
  }
  return json_reply(body);
}

Response handle_signin(Context& ctx, const Request& req, const PathParams&) {
  Params form;
  if (auto err = read_browser_form(ctx, req, &form)) return *err;
  const long long now = now_seconds();
  const std::string rid = form.get("rid");
  Result<AuthRequest> ar = ctx.store->find_auth_request(rid, now);
  if (!ar.ok() && !ar.status().is_not_found()) return status_reply(ar.status());
  if (!ar.ok()) return redirect("/error.html?error=request_expired", 303);
  Result<ClientApp> app = ctx.store->find_client(ar->app_id);
  if (!app.ok()) return redirect("/error.html?error=request_expired", 303);
  auto back = [&](const char* error) {
    return redirect("/signin.html?rid=" + url_encode(rid) + "&error=" + error, 303);
  };
  SignInResult r = check_password(ctx, form.get("username"), form.get("password"), now);
  switch (r.outcome) {
    case SignInResult::kError: return status_reply(r.status);
    case SignInResult::kLocked: return back("locked");
    case SignInResult::kBad: return back("invalid_credentials");
    case SignInResult::kOk: break;
  }
  if (r.user.mfa_enabled) {  // the second factor is asked here (API.md section 4)
    if (!app->has_grant("mfa")) return back("app_not_permitted");
    if (!form.has("mfa_code")) return back("mfa_required");
    Result<bool> good = check_totp(*ctx.store, ctx.hmac_key, r.user, form.get("mfa_code"), now);
    if (!good.ok()) return status_reply(good.status());
    if (!*good) {
      Status st = record_sign_in_failure(ctx, r.user.email, now);
      if (!st.ok()) return status_reply(st);
      return back("mfa_invalid");
    }
  }
  Result<std::string> cookie = start_session(ctx, req, r.user.id, now);
  if (!cookie.ok()) return status_reply(cookie.status());
  Response res = redirect("/api/oauth/authorize?rid=" + url_encode(rid), 303);
  res.set_header("Set-Cookie", *cookie);
  return res;
}

Response handle_consent(Context& ctx, const Request& req, const PathParams&) {
  Params form;
  if (auto err = read_browser_form(ctx, req, &form)) return *err;
  const long long now = now_seconds();
  Result<User> user = session_user(ctx, req, now);
  if (!user.ok() && !user.status().is_not_found()) return status_reply(user.status());
  if (!user.ok() || !csrf_valid(ctx, req, form.get("csrf_token")))
    return html_error(403, "Request refused",
                      "Your session has ended or this form is stale. Start again from the app.");
  Result<AuthRequest> ar = ctx.store->find_auth_request(form.get("rid"), now);
  if (!ar.ok()) return ar.status().is_not_found() ? expired_page() : status_reply(ar.status());
  Result<ClientApp> app = ctx.store->find_client(ar->app_id);
  if (!app.ok() || !app->enabled) return expired_page();
  const std::string& answer = form.get("user_oauth_approval");
  if (answer == "false") {
    Status st = ctx.store->delete_auth_request(ar->id);
    if (!st.ok()) return status_reply(st);
    return redirect_error(ar->redirect_uri, ar->response_type, "access_denied",
                          "the user denied the request", ar->state);
  }
  if (answer != "true")
    return html_error(400, "Invalid request", "user_oauth_approval must be true or false.");
  Approval approval{uuid4(), user->id, app->id, "", "", ar->scope, now};
  Result<Approval> existing = ctx.store->find_approval(user->id, app->id);
  if (existing.ok()) {  // approving more widens the one approval
    approval.id = existing->id;
    approval.created_at = existing->created_at;
    for (const auto& s : existing->scope)
      if (!contains(approval.scope, s)) approval.scope.push_back(s);
  }
  return finish(ctx, *ar, *app, *user, now, approval);
}

}  // namespace access_service
