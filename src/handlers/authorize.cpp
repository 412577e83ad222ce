// The browser flows of API.md section 4: GET /api/oauth/authorize, the JSON
// the static pages read, the sign-in, consent and sign-out forms.
#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/handlers/handlers.h"
#include "access/http/api.h"
#include "access/oauth/audit.h"
#include "access/oauth/browser.h"
#include "access/oauth/mfa.h"
#include "access/oauth/sign_in.h"
#include "access/oauth/token_issuer.h"
#include "signin_form.h"

namespace access_service {
namespace {

constexpr int kRequestSeconds = 600;    // a saved request lives 10 minutes
constexpr size_t kMaxStateBytes = 512;  // API.md section 4

bool valid_challenge(const std::string& c) {
  if (c.size() != 43) return false;  // base64url of a SHA-256 (RFC 7636 4.2)
  std::string raw;
  return base64url_decode(c, &raw);
}

bool covers(const std::vector<std::string>& have, const std::vector<std::string>& want) {
  for (const auto& s : want)
    if (!contains(have, s)) return false;
  return true;
}

Response unknown_app_page() {
  return html_error(400, "Unknown application",
                    "The application that sent you here is not registered or is disabled.");
}

// A bad client or redirect URI gives an error page, never a redirect
// (RFC 6749 4.1.2.1): nullopt once `uri` can be trusted with an error.
std::optional<Response> untrusted(const ClientApp& app, const std::string& uri) {
  if (!app.enabled) return unknown_app_page();
  if (uri.empty() || !redirect_uri_registered(app, uri))
    return html_error(400, "Invalid redirect address",
                      "The application asked to send you to an address it has not registered.");
  return std::nullopt;
}

struct Refusal {
  const char* error;
  const char* description;
};

// The app's rules for a request, checked when it is made and again whenever
// a saved one is used, against the registration as it is then: the response
// type's grant, the scope, and PKCE where the app or redirect URI needs it
// (RFC 8252 8.1; an implicit response cannot carry PKCE, so it is refused).
std::optional<Refusal> refused_by_app(const ClientApp& app, const AuthRequest& ar) {
  if (!app.has_grant(ar.response_type == "code" ? "authorization_code" : "implicit"))
    return Refusal{"unauthorized_client", "this app may not use this response_type"};
  if (!covers(app.scope, ar.scope))
    return Refusal{"invalid_scope", "scope is not allowed for this app"};
  if (pkce_required(app, ar.redirect_uri) && !ar.code_challenge)
    return Refusal{"invalid_request",
                   ar.response_type == "token"
                       ? "this app or redirect URI requires PKCE: use response_type=code"
                       : "code_challenge (S256) is required for this app or redirect URI"};
  return std::nullopt;
}

// Validates a fresh authorization request (RFC 6749 4.1.1, 4.2.1, RFC 7636);
// errors after the redirect URI is trusted are redirected to it.
std::optional<Response> validate_request(Context& ctx, const Params& q, AuthRequest* ar,
                                         ClientApp* app) {
  Result<ClientApp> found = ctx.store->find_client_by_client_id(q.get("client_id"));
  if (!found.ok() && !found.status().is_not_found()) return status_reply(found.status());
  if (!found.ok()) return unknown_app_page();
  *app = *found;
  // RFC 6749 3.1.2.3: optional when exactly one URI is registered.
  ar->redirect_uri_given = q.has("redirect_uri");
  if (ar->redirect_uri_given)
    ar->redirect_uri = q.get("redirect_uri");
  else if (app->redirect_uris.size() == 1)
    ar->redirect_uri = app->redirect_uris[0];
  if (auto page = untrusted(*app, ar->redirect_uri)) return page;
  const std::string& uri = ar->redirect_uri;
  const std::string& type = q.get("response_type");
  std::string mode = type == "token" ? "token" : "code";
  auto fail = [&](const char* error, const char* why) {
    return redirect_error(uri, mode, error, why, ar->state, ctx.config.issuer);
  };
  // First, so that an oversized state is refused without being echoed.
  if (q.get("state").size() > kMaxStateBytes)
    return fail("invalid_request", "state is longer than 512 bytes");
  if (q.has("state")) ar->state = q.get("state");
  if (type.empty()) return fail("invalid_request", "response_type is required");
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
  ar->id = random_token(32);
  ar->app_id = app->id;
  ar->response_type = type;
  ar->scope = *scope;
  if (!challenge.empty()) ar->code_challenge = challenge;
  if (auto refusal = refused_by_app(*app, *ar)) return fail(refusal->error, refusal->description);
  return std::nullopt;
}

Response expired_page() {
  return html_error(400, "Sign-in request expired",
                    "This sign-in request is unknown or has expired (after 10 minutes).");
}

// Ends an approved request with a code or a token, in one transaction that
// also records `approval` when given and, when the request was `saved` (the
// browser went through sign-in or consent), consumes it: kNotFound there
// means another answer ended it first, and this one gets the expired page.
Response finish(Context& ctx, const AuthRequest& ar, bool saved, const ClientApp& app,
                const User& user, long long now, const std::optional<Approval>& approval) {
  std::string code;
  Result<IssuedAccess> access = Status::NotFound("");
  if (ar.response_type == "token") {
    access = sign_access_token(ctx, app, user, ar.scope, now, "");
    if (!access.ok()) return status_reply(access.status());
  } else {
    code = random_token(32);
  }
  ctx.current.client_id = app.client_id;
  ctx.current.user_id = user.id;
  std::vector<AuditEvent> events;
  if (approval) {
    AuditEvent e = request_audit_event(ctx, "approval.granted");
    set_details(&e, {{"approvalId", approval->id}, {"scope", approval->scope}});
    events.push_back(std::move(e));
  }
  if (access.ok() && sample_token_issued(ctx)) {
    AuditEvent e = request_audit_event(ctx, "token.issued");
    e.actor = app.client_id;
    set_details(&e, {{"grantType", "implicit"}, {"jti", access->record.jti}});
    events.push_back(std::move(e));
  }
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  if (st.ok() && approval) st = ctx.store->upsert_approval(*approval);
  if (st.ok() && saved) st = ctx.store->delete_auth_request(ar.id);
  if (st.ok() && !access.ok()) {
    AuthCode c{app.id,
               user.id,
               ar.redirect_uri,
               ar.scope,
               ar.code_challenge,
               now + ctx.config.authorization_code_seconds,
               std::nullopt,
               "",
               "",
               ar.redirect_uri_given};
    st = ctx.store->insert_code(token_hash(code), c);
  }
  if (st.ok()) st = commit_audited(ctx, txn, events);
  // Another answer to the same request (a second tab, a double submit) has
  // consumed it since it was read: one request ends with one code or token.
  if (st.is_not_found()) return expired_page();
  if (!st.ok()) return status_reply(st);
  const std::string& iss = ctx.config.issuer;
  if (!access.ok()) return redirect_with(ar.redirect_uri, "code", {{"code", code}}, ar.state, iss);
  return redirect_with(ar.redirect_uri, "token",
                       {{"access_token", access->token},
                        {"token_type", "bearer"},
                        {"expires_in", std::to_string(access->expires_in)},
                        {"scope", join_words(ar.scope)},
                        {"jti", access->record.jti}},
                       ar.state, iss);
}

// The saved request `rid` if this browser started it; kNotFound when it is
// unknown, expired, or another browser's (API.md section 4).
Result<AuthRequest> find_bound_request(Context& ctx, const Request& req, const std::string& rid,
                                       long long now) {
  if (rid.empty()) return Status::NotFound("no request id");
  Result<AuthRequest> ar = ctx.store->find_auth_request(rid, now);
  if (ar.ok() && !started_here(req, *ar)) return Status::NotFound("another browser's request");
  return ar;
}

// Re-checks a saved request against its app as registered now, so that a
// disabled app, a removed redirect URI or a withdrawn grant takes effect at
// once. nullopt (and *app filled) when it still holds; otherwise the request
// is deleted and the answer is an error page, or an error redirect once the
// redirect URI is trusted.
std::optional<Response> recheck(Context& ctx, const AuthRequest& ar, ClientApp* app) {
  Result<ClientApp> found = ctx.store->find_client(ar.app_id);
  if (!found.ok() && !found.status().is_not_found()) return status_reply(found.status());
  std::optional<Response> end =
      found.ok() ? untrusted(*found, ar.redirect_uri) : unknown_app_page();
  if (!end) {
    if (auto refusal = refused_by_app(*found, ar))
      end = redirect_error(ar.redirect_uri, ar.response_type, refusal->error, refusal->description,
                           ar.state, ctx.config.issuer);
  }
  if (!end) {
    *app = *found;
    return std::nullopt;
  }
  Status st = ctx.store->delete_auth_request(ar.id);  // it cannot succeed any more
  if (!st.ok() && !st.is_not_found()) return status_reply(st);
  return end;
}

// True when the user need not be asked: the app is auto-approved, or the
// user's approval of it covers `scope`.
Result<bool> approved_before(Context& ctx, const ClientApp& app, const User& user,
                             const std::vector<std::string>& scope) {
  if (app.auto_approve) return true;
  Result<Approval> existing = ctx.store->find_approval(user.id, app.id);
  if (!existing.ok() && !existing.status().is_not_found()) return existing.status();
  return existing.ok() && covers(existing->scope, scope);
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
  std::string binding;                          // the browser-binding cookie of a fresh request
  if (q->has("rid") && q->all().size() == 1) {  // resuming after sign-in
    Result<AuthRequest> saved = find_bound_request(ctx, req, q->get("rid"), now);
    if (!saved.ok())
      return saved.status().is_not_found() ? expired_page() : status_reply(saved.status());
    ar = *saved;
    if (auto end = recheck(ctx, ar, &app)) return *end;
  } else {
    if (auto err = validate_request(ctx, *q, &ar, &app)) return *err;
    binding = browser_cookie_for(req);
    ar.browser_hash = sha256(binding);
    ar.expires_at = now + kRequestSeconds;
  }
  Result<User> user = session_user(ctx, req, now);
  if (!user.ok() && !user.status().is_not_found()) return status_reply(user.status());
  if (user.ok()) {
    Result<bool> approved = approved_before(ctx, app, *user, ar.scope);
    if (!approved.ok()) return status_reply(approved.status());
    if (*approved) return finish(ctx, ar, binding.empty(), app, *user, now, std::nullopt);
  }
  Response res = redirect((user.ok() ? "/consent.html?rid=" : "/signin.html?rid=") + ar.id);
  if (binding.empty()) return res;
  // A fresh request is saved only when the pages need it, bound to this browser.
  Status st = ctx.store->insert_auth_request(ar);
  if (!st.ok()) return status_reply(st);
  res.set_header("Set-Cookie", browser_cookie_header(req, binding, kRequestSeconds));
  return res;
}

Response handle_authorize_request(Context& ctx, const Request& req, const PathParams& p) {
  const long long now = now_seconds();
  Result<AuthRequest> ar = find_bound_request(ctx, req, p[0], now);
  if (!ar.ok())
    return status_reply(ar.status().is_not_found() ? Status::NotFound("unknown or expired request")
                                                   : ar.status());
  Result<ClientApp> app = ctx.store->find_client(ar->app_id);
  if (!app.ok()) return status_reply(app.status());
  Result<User> user = session_user(ctx, req, now);
  if (!user.ok() && !user.status().is_not_found()) return status_reply(user.status());
  // The forms' CSRF token: the sign-in form's is bound to this browser, the
  // consent and sign-out forms' to the session.
  CsrfBinding binding = user.ok() ? CsrfBinding::kSession : CsrfBinding::kBrowser;
  json body = {{"appName", app->app_name},
               {"clientId", app->client_id},
               {"scope", ar->scope},
               {"signedIn", user.ok()},
               {"csrfToken", csrf_token(ctx, req, binding)}};
  if (user.ok()) body["userName"] = user->email;
  return json_reply(body);
}

Response handle_signin(Context& ctx, const Request& req, const PathParams&) {
  Params form;
  if (auto err = read_browser_form(ctx, req, &form)) return *err;
  const long long now = now_seconds();
  if (form.get("next") == "account") return account_signin(ctx, req, form, now);
  const std::string rid = form.get("rid");
  Result<AuthRequest> ar = find_bound_request(ctx, req, rid, now);
  if (!ar.ok() && !ar.status().is_not_found()) return status_reply(ar.status());
  if (!ar.ok()) return redirect("/error.html?error=request_expired", 303);
  // Whatever Origin says, and before any password is checked: the token of
  // this browser, or of its session when the page was loaded signed in.
  const std::string& token = form.get("csrf_token");
  if (!csrf_valid(ctx, req, CsrfBinding::kBrowser, token) &&
      !csrf_valid(ctx, req, CsrfBinding::kSession, token))
    return stale_form_page();
  Result<ClientApp> app = ctx.store->find_client(ar->app_id);
  if (!app.ok()) return redirect("/error.html?error=request_expired", 303);
  ctx.current.client_id = app->client_id;
  auto back = [&](const char* error) {
    return redirect("/signin.html?rid=" + url_encode(rid) + "&error=" + error, 303);
  };
  User user;
  Status failure;
  if (const char* error =
          check_sign_in_form(ctx, req, form, app->has_grant("mfa"), now, &user, &failure))
    return failure.ok() ? back(error) : status_reply(failure);
  Result<std::string> cookie = finish_sign_in(ctx, req, user, now);
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
  if (!user.ok() || !csrf_valid(ctx, req, CsrfBinding::kSession, form.get("csrf_token")))
    return stale_form_page();
  Result<AuthRequest> ar = find_bound_request(ctx, req, form.get("rid"), now);
  if (!ar.ok()) return ar.status().is_not_found() ? expired_page() : status_reply(ar.status());
  const std::string& answer = form.get("user_oauth_approval");
  if (answer != "true" && answer != "false")
    return html_error(400, "Invalid request", "user_oauth_approval must be true or false.");
  ClientApp app;
  if (auto end = recheck(ctx, *ar, &app)) return *end;
  if (answer == "false") {
    Status st = ctx.store->delete_auth_request(ar->id);
    if (st.is_not_found()) return expired_page();  // answered meanwhile
    if (!st.ok()) return status_reply(st);
    return redirect_error(ar->redirect_uri, ar->response_type, "access_denied",
                          "the user denied the request", ar->state, ctx.config.issuer);
  }
  Approval approval{uuid4(), user->id, app.id, "", "", ar->scope, now};
  Result<Approval> existing = ctx.store->find_approval(user->id, app.id);
  if (!existing.ok() && !existing.status().is_not_found()) return status_reply(existing.status());
  if (existing.ok()) {  // approving more widens the one approval
    approval.id = existing->id;
    approval.created_at = existing->created_at;
    for (const auto& s : existing->scope)
      if (!contains(approval.scope, s)) approval.scope.push_back(s);
  }
  return finish(ctx, *ar, /*saved=*/true, app, *user, now, approval);
}

Response handle_signout(Context& ctx, const Request& req, const PathParams&) {
  Params form;
  if (auto err = read_browser_form(ctx, req, &form)) return *err;
  if (!csrf_valid(ctx, req, CsrfBinding::kSession, form.get("csrf_token")))
    return stale_form_page();
  Result<std::string> cleared = end_session(ctx, req);
  if (!cleared.ok()) return status_reply(cleared.status());
  Response res = redirect("/signin.html?signedout=1", 303);
  res.set_header("Set-Cookie", *cleared);
  return res;
}

}  // namespace access_service
