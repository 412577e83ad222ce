// The two ways into the account operations (account.h), and the endpoints
// only the account page uses: its session, devices, signing out.
#include "access/handlers/account.h"

#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/http/api.h"
#include "access/oauth/accounts.h"
#include "access/oauth/audit.h"
#include "access/oauth/browser.h"
#include "access/oauth/mfa.h"
#include "access/oauth/sign_in.h"
#include "access/oauth/user_rules.h"

namespace access_service {
namespace {

Response locked(long long seconds) {
  return error_reply(ApiError::kTooManyRequests, "too many failed attempts; try again later",
                     std::to_string(seconds));
}

}  // namespace

std::optional<Response> account_from_bearer(Context& ctx, const Request& req, AccountCaller* out) {
  Principal who;
  if (auto err = authenticate_bearer(ctx, req, &who)) return err;
  *out = AccountCaller{who.user_id, who.family_id, ""};
  return std::nullopt;
}

std::optional<Response> account_from_session(Context& ctx, const Request& req, AccountCaller* out) {
  Result<User> user = session_user(ctx, req, now_seconds());
  if (!user.ok() && !user.status().is_not_found()) return status_reply(user.status());
  if (!user.ok()) return error_reply(ApiError::kInvalidToken, "not signed in");
  // A write needs the session's CSRF token in a header: a cross-site form
  // cannot set one, a cross-site script cannot read it (no CORS).
  if (req.method != "GET" &&
      (!csrf_valid(ctx, req, CsrfBinding::kSession, req.csrf_token) || !same_origin(ctx, req)))
    return error_reply(ApiError::kAccessDenied, "missing or wrong X-CSRF-Token header");
  *out = AccountCaller{user->id, "", sha256(cookie_value(req.cookie, kSessionCookie))};
  return std::nullopt;
}

std::optional<Response> check_proof(Context& ctx, const Request& req, const User& user,
                                    const Proof& proof) {
  const long long now = now_seconds();
  const std::string& ip = req.remote_addr;
  if (proof.password) {
    SignInResult r = check_password(ctx, user.email, *proof.password, ip, now);
    if (r.outcome == SignInResult::kError) return status_reply(r.status);
    if (r.outcome == SignInResult::kLocked) return locked(r.retry_after);
    if (r.outcome == SignInResult::kBad)
      return error_reply(ApiError::kAccessDenied, "currentPassword is wrong");
  } else {
    Result<long long> lock = admit_sign_in(ctx, user.email, ip, now);
    if (!lock.ok()) return status_reply(lock.status());
    if (*lock > 0) {
      record_sign_in_failure(ctx, user.email, user.id, "locked", "totp");
      return locked(*lock);
    }
  }
  if (proof.code) {
    bool good = false;
    if (proof.recovery_code_ok) {
      Result<SecondFactor> f =
          check_second_factor(*ctx.store, ctx.hmac_key, user, *proof.code, now, ip);
      if (!f.ok()) return status_reply(f.status());
      good = *f != SecondFactor::kWrong;
    } else {
      Result<bool> t = check_totp(*ctx.store, ctx.hmac_key, user, *proof.code, now);
      if (!t.ok()) return status_reply(t.status());
      good = *t;
    }
    // The attempt stays counted: a wrong code is a failure like a wrong password.
    if (!good) {
      record_sign_in_failure(ctx, user.email, user.id, "wrong_code", "totp");
      return error_reply(ApiError::kAccessDenied, "code is wrong or was already used");
    }
  }
  Status st = release_sign_in(ctx, user.email, ip, now);
  if (!st.ok()) return status_reply(st);
  return std::nullopt;
}

std::optional<Response> read_string_member(const json& body, const char* member, std::string* out) {
  auto it = body.find(member);
  if (it == body.end() || !it->is_string())
    return error_reply(ApiError::kInvalidRequest, std::string(member) + " is required (a string)");
  *out = it->get<std::string>();
  return std::nullopt;
}

Response handle_account_session(Context& ctx, const Request& req, const PathParams&) {
  // Not signed in is an answer here, not an error: the page asks first.
  Result<User> user = session_user(ctx, req, now_seconds());
  if (!user.ok() && !user.status().is_not_found()) return status_reply(user.status());
  if (!user.ok()) return json_reply({{"signedIn", false}});
  return json_reply({{"signedIn", true},
                     {"user", user_to_json(*user)},
                     {"csrfToken", csrf_token(ctx, req, CsrfBinding::kSession)}});
}

Response account_devices_list(Context& ctx, const Request&, const PathParams&,
                              const AccountCaller& who) {
  Result<std::vector<Device>> list = ctx.store->list_devices(who.user_id);
  if (!list.ok()) return status_reply(list.status());
  json devices = json::array();
  for (const auto& d : *list) {
    Result<ClientApp> app = ctx.store->find_client(d.app_id);
    if (!app.ok() && !app.status().is_not_found()) return status_reply(app.status());
    devices.push_back({{"deviceId", d.device_id},
                       {"appName", app.ok() ? json(app->app_name) : json()},
                       {"createdAt", rfc3339(d.created_at)},
                       {"lastUsedAt", d.last_used_at ? json(rfc3339(*d.last_used_at)) : json()}});
  }
  return json_reply({{"devices", devices}});
}

Response account_devices_delete(Context& ctx, const Request&, const PathParams& p,
                                const AccountCaller& who) {
  AuditEvent removed = request_audit_event(ctx, "device.removed");
  removed.user_id = who.user_id;
  set_details(&removed, {{"deviceId", p[0]}});
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  if (st.ok()) st = ctx.store->delete_device(who.user_id, p[0]);
  if (st.ok()) st = commit_audited(ctx, txn, {removed});
  if (!st.ok()) return status_reply(st, "device not found");
  return json_reply(json::object());
}

Response account_signout(Context& ctx, const Request& req, const PathParams&,
                         const AccountCaller&) {
  Result<std::string> cleared = end_session(ctx, req);
  if (!cleared.ok()) return status_reply(cleared.status());
  Response res = json_reply(json::object());
  res.set_header("Set-Cookie", *cleared);
  return res;
}

Response account_signout_everywhere(Context& ctx, const Request& req, const PathParams&,
                                    const AccountCaller& who) {
  // Every refresh token family, every access token, every browser session.
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  if (st.ok()) st = end_sign_ins(*ctx.store, who.user_id, now_seconds());
  AuditEvent revoked = request_audit_event(ctx, "token.revoked");
  revoked.user_id = who.user_id;
  set_details(&revoked, {{"tokenType", "all"}, {"reason", "signed out everywhere"}});
  if (st.ok()) st = commit_audited(ctx, txn, {revoked});
  if (!st.ok()) return status_reply(st);
  if (!who.via_session()) return json_reply(json::object());
  Result<std::string> cleared = end_session(ctx, req);  // its row is gone already
  if (!cleared.ok()) return status_reply(cleared.status());
  Response res = json_reply(json::object());
  res.set_header("Set-Cookie", *cleared);
  return res;
}

}  // namespace access_service
