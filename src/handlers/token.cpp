// POST /api/oauth/token: client authentication, the grant dispatch, and the
// refresh_token grant (RFC 6749 6) with rotation and reuse detection. The
// other grants are in token_password.cpp and token_code.cpp.
#include <functional>

#include "access/api.h"
#include "access/crypto.h"
#include "access/handlers.h"
#include "access/log.h"
#include "access/sign_in.h"
#include "access/strings.h"
#include "access/token_issuer.h"
#include "token_grants.h"

namespace access_service {

Response invalid_grant(const std::string& why) { return error_reply(ApiError::kInvalidGrant, why); }

// A fresh grant (password, authorization code): signs an access token, with
// a new refresh-token family when the app has the refresh_token option, then
// stores the family in one transaction, in which `in_txn` (if any) runs
// first (the access token itself is stored nowhere: store.h "Tokens").
Response issue_new_grant(Context& ctx, const ClientApp& app, const User& user,
                         const std::vector<std::string>& scope, int64_t now,
                         const std::function<Status(const IssuedAccess&)>& in_txn) {
  std::string family_id, refresh;
  if (app.has_grant("refresh_token")) {
    family_id = uuid7();
    refresh = random_token(32);
  }
  Result<IssuedAccess> access = sign_access_token(ctx, app, user, scope, now, family_id);
  if (!access.ok()) return status_reply(access.status());
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  if (st.ok() && in_txn) st = in_txn(*access);
  if (st.ok() && !family_id.empty())
    st = ctx.store->insert_family(family_id, app.id, user.id, scope, now,
                                  now + app.refresh_seconds.value_or(0));
  if (st.ok() && !family_id.empty()) st = ctx.store->insert_refresh(token_hash(refresh), family_id, now);
  if (st.ok()) st = txn.commit();
  if (!st.ok()) return status_reply(st);
  return json_reply(token_response(*access, scope, refresh));
}

Response refresh_grant(Context& ctx, const ClientApp& app, const Params& form) {
  if (!app.has_grant("refresh_token"))
    return error_reply(ApiError::kUnauthorizedClient, "this app may not use refresh tokens");
  const std::string& presented = form.get("refresh_token");
  if (presented.empty()) return error_reply(ApiError::kInvalidRequest, "refresh_token is required");
  const int64_t now = now_seconds();
  const std::string hash = token_hash(presented);
  Result<RefreshRecord> rec = ctx.store->find_refresh(hash);
  if (!rec.ok() && !rec.status().is_not_found()) return status_reply(rec.status());
  // A token of another app is reported exactly like an unknown one.
  if (!rec.ok() || rec->app_id != app.id) return invalid_grant("refresh token is not valid");
  if (rec->family_revoked) return invalid_grant("refresh token has been revoked");
  if (rec->family_expires_at <= now) return invalid_grant("refresh token has expired");
  auto scope = resolve_scope(form.get("scope"), rec->scope);
  if (!scope) return error_reply(ApiError::kInvalidScope, "scope exceeds the original grant");
  Result<User> user = ctx.store->find_user(rec->user_id);
  if (!user.ok() && !user.status().is_not_found()) return status_reply(user.status());
  if (!user.ok() || !user->enabled) return invalid_grant("refresh token is not valid");

  const std::string successor = rotated_refresh_token(ctx, presented);
  Result<IssuedAccess> access = sign_access_token(ctx, app, *user, *scope, now, rec->family_id);
  if (!access.ok()) return status_reply(access.status());

  // One atomic step with its promise in store.h: of concurrent presentations
  // of one token exactly one rotates it; reuse revokes the family.
  Result<Store::Rotation> rotation = ctx.store->rotate_refresh(
      hash, token_hash(successor), now, ctx.config.refresh_reuse_grace_seconds);
  if (!rotation.ok()) return status_reply(rotation.status());
  switch (*rotation) {
    case Store::Rotation::kRotated:
    case Store::Rotation::kRepeat: break;  // a retry inside the grace: the same successor
    case Store::Rotation::kUnknown: return invalid_grant("refresh token is not valid");
    case Store::Rotation::kRevoked: return invalid_grant("refresh token has been revoked");
    case Store::Rotation::kReused:
      log_warn("refresh token reuse: family " + rec->family_id + " of app " + app.client_id +
               " revoked");
      return invalid_grant("refresh token was already used; its token family has been revoked");
  }
  return json_reply(token_response(*access, *scope, successor));
}

Response handle_token(Context& ctx, const Request& req, const PathParams&) {
  Params form;
  if (auto err = read_form_body(req, &form)) return *err;
  // RFC 6749 3.2.1: authenticate the client before looking at the grant.
  ClientApp app;
  if (auto err = authenticate_client(ctx, req, &app)) return *err;
  const std::string& grant = form.get("grant_type");
  if (grant.empty()) return error_reply(ApiError::kInvalidRequest, "grant_type is required");
  if (grant == "password") return password_grant(ctx, app, form, req.remote_addr);
  if (grant == "refresh_token") return refresh_grant(ctx, app, form);
  if (grant == "authorization_code") return code_grant(ctx, app, form);
  if (grant == "mfa") return mfa_grant(ctx, app, form, req.remote_addr);
  return error_reply(ApiError::kUnsupportedGrantType, "grant_type is not supported");
}

}  // namespace access_service
