// /api/v1/users/me and /api/v1/users (API.md section 6).
#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/crypto/password_policy.h"
#include "access/handlers/account.h"
#include "access/handlers/handlers.h"
#include "access/http/api.h"
#include "access/oauth/accounts.h"
#include "access/oauth/audit.h"
#include "access/oauth/mfa.h"
#include "access/oauth/user_rules.h"

namespace access_service {
namespace {

// The store's own wording ("no row", ...) never reaches a client (API.md 0).
const char kUserNotFound[] = "user not found";

// user.<what> about user `user_id`, by whoever the request in hand is from.
AuditEvent user_event(const Context& ctx, const std::string& what, const std::string& user_id,
                      const json& details = json::object()) {
  AuditEvent e = request_audit_event(ctx, "user." + what);
  e.user_id = user_id;
  set_details(&e, details);
  return e;
}

}  // namespace

Response account_profile_get(Context& ctx, const Request&, const PathParams&,
                             const AccountCaller& who) {
  Result<User> user = ctx.store->find_user(who.user_id);
  if (!user.ok()) return status_reply(user.status(), kUserNotFound);
  return json_reply(user_to_json(*user));
}

Response account_profile_put(Context& ctx, const Request& req, const PathParams&,
                             const AccountCaller& who) {
  json body;
  if (auto err = read_json_body(req, &body)) return *err;
  Result<User> user = ctx.store->find_user(who.user_id);
  if (!user.ok()) return status_reply(user.status(), kUserNotFound);
  if (auto msg = apply_profile_json(body, &*user))
    return error_reply(ApiError::kInvalidRequest, *msg);
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  if (st.ok()) st = ctx.store->update_user_profile(*user);
  if (st.ok())
    st = commit_audited(ctx, txn, {user_event(ctx, "updated", user->id, {{"change", "profile"}})});
  if (!st.ok()) return status_reply(st, kUserNotFound);
  return json_reply(user_to_json(*user));
}

Response users_create(Context& ctx, const Request& req, const PathParams&) {
  json body;
  if (auto err = read_json_body(req, &body)) return *err;
  User user;
  std::string password;
  if (auto msg = apply_new_user_json(body, &user, &password))
    return error_reply(ApiError::kInvalidRequest, *msg);
  if (!password.empty()) {
    Result<std::string> phc = hash_password(password, ctx.argon2());
    if (!phc.ok()) return status_reply(phc.status());
    user.password_hash = *phc;
  }
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  if (st.ok()) st = add_user(*ctx.store, &user, now_seconds());
  if (st.ok())
    st = commit_audited(ctx, txn, {user_event(ctx, "created", user.id, {{"roles", user.roles}})});
  if (st.is_conflict()) return error_reply(ApiError::kConflict, "a user with this email exists");
  if (!st.ok()) return status_reply(st);
  return json_reply(user_to_json(user), 201);
}

Response users_list(Context& ctx, const Request& req, const PathParams&) {
  Page page;
  if (auto err = read_page(req, {{"createdAt", "created_at"}, {"email", "email"}}, &page))
    return *err;
  Result<ListResult<User>> list = ctx.store->list_users(page);
  if (!list.ok()) return status_reply(list.status());
  json items = json::array();
  for (const auto& u : list->items) items.push_back(user_to_json(u));
  return json_reply({{"items", items}, {"count", list->count}, {"offset", page.offset}});
}

}  // namespace access_service

namespace access_service {
namespace {

// The hash of the new password of PUT /api/v1/users/{userId} ("" when none
// is set), made before the write transaction, which never waits on argon2.
std::optional<Response> admin_password_hash(Context& ctx, const json& body, const std::string& id,
                                            std::string* phc) {
  if (!body.contains("password")) return std::nullopt;
  Result<User> stored = ctx.store->find_user(id);
  if (!stored.ok()) return status_reply(stored.status(), kUserNotFound);
  UserAdminChange change;
  if (auto msg = read_user_admin_json(body, *stored, &change))
    return error_reply(ApiError::kInvalidRequest, *msg);
  if (auto rule =
          password_policy_error(*change.password, *stored, ctx.config.password_min_entropy_bits))
    return error_reply(ApiError::kInvalidRequest, "password " + *rule);
  Result<std::string> hashed = hash_password(*change.password, ctx.argon2());
  if (!hashed.ok()) return status_reply(hashed.status());
  *phc = *hashed;
  return std::nullopt;
}

}  // namespace

// PUT /api/v1/users/{userId}: mfaEnabled, generateNewAuthenticatorKey,
// enabled, password (user_rules.h read_user_admin_json). The reply carries
// authenticatorUri only when a key was made. A new password ends every
// token and session of the user.
Response users_update(Context& ctx, const Request& req, const PathParams& p) {
  json body;
  if (auto err = read_json_body(req, &body)) return *err;
  std::string phc;
  if (auto err = admin_password_hash(ctx, body, p[0], &phc)) return *err;
  WriteTransaction txn(*ctx.store);
  if (!txn.status().ok()) return status_reply(txn.status());
  Result<User> user = ctx.store->find_user(p[0]);
  if (!user.ok()) return status_reply(user.status(), kUserNotFound);
  UserAdminChange change;
  if (auto msg = read_user_admin_json(body, *user, &change))
    return error_reply(ApiError::kInvalidRequest, *msg);
  Result<std::string> uri = std::string();
  std::vector<AuditEvent> events;
  if (change.mfa_enabled || change.new_authenticator_key) {
    uri = change_user_mfa(*ctx.store, ctx.hmac_key, ctx.config.issuer, *user, change.mfa_enabled,
                          change.new_authenticator_key);
    if (!uri.ok()) return status_reply(uri.status(), kUserNotFound);
    json d = {{"newAuthenticatorKey", !uri->empty()}};
    if (change.mfa_enabled) d["mfaEnabled"] = *change.mfa_enabled;
    events.push_back(user_event(ctx, "mfa_changed", user->id, d));
  }
  Status st;
  if (change.enabled) {
    st = enable_user(*ctx.store, user->id, *change.enabled, now_seconds());
    events.push_back(user_event(ctx, *change.enabled ? "enabled" : "disabled", user->id));
  }
  if (st.ok() && !phc.empty()) {
    st = reset_password(*ctx.store, user->id, phc, now_seconds());
    events.push_back(user_event(ctx, "updated", user->id, {{"change", "password"}}));
  }
  Result<User> updated = st.ok() ? ctx.store->find_user(user->id) : Result<User>(st);
  if (updated.ok())
    st = commit_audited(ctx, txn, events);
  else
    st = updated.status();
  if (!st.ok()) return status_reply(st, kUserNotFound);
  json out = user_to_json(*updated);
  if (!uri->empty()) out["authenticatorUri"] = *uri;
  return json_reply(out);
}

}  // namespace access_service
