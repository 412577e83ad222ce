// POST /api/oauth/token: RFC 6749 4.1.3 authorization_code (with RFC 7636
// PKCE), 4.3 password, 6 refresh_token.
#include <functional>

#include "access/api.h"
#include "access/crypto.h"
#include "access/handlers.h"
#include "access/log.h"
#include "access/sign_in.h"
#include "access/strings.h"
#include "access/token_issuer.h"

namespace access_service {
namespace {

Response invalid_grant(const std::string& why) { return error_reply(ApiError::kInvalidGrant, why); }

// A fresh grant (password, authorization code): signs an access token, with
// a new refresh-token family when the app has the refresh_token option, then
// stores both in one transaction, in which `in_txn` (if any) runs first.
Response issue_new_grant(Context& ctx, const ClientApp& app, const User& user,
                         const std::vector<std::string>& scope, int64_t now,
                         const std::function<Status(const IssuedAccess&)>& in_txn) {
  std::string family_id, refresh;
  if (app.has_grant("refresh_token")) {
    family_id = uuid4();
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
  if (st.ok()) st = ctx.store->insert_access_token(access->record);
  if (st.ok()) st = txn.commit();
  if (!st.ok()) return status_reply(st);
  return json_reply(token_response(*access, scope, refresh));
}

Response password_grant(Context& ctx, const ClientApp& app, const Params& form) {
  if (!app.has_grant("password"))
    return error_reply(ApiError::kUnauthorizedClient, "this app may not use the password grant");
  if (!form.has("username") || !form.has("password"))
    return error_reply(ApiError::kInvalidRequest, "username and password are required");
  auto scope = resolve_scope(form.get("scope"), app.scope);
  if (!scope) return error_reply(ApiError::kInvalidScope, "scope is not allowed for this app");
  const int64_t now = now_seconds();
  SignInResult signin = check_password(ctx, form.get("username"), form.get("password"), now);
  switch (signin.outcome) {
    case SignInResult::kError: return status_reply(signin.status);
    case SignInResult::kLocked:
      return error_reply(ApiError::kTooManyRequests, "too many failed sign-ins; try again later",
                         std::to_string(signin.retry_after));
    case SignInResult::kBad: return invalid_grant("bad credentials");
    case SignInResult::kOk: break;
  }
  const User* user = &signin.user;
  if (user->mfa_enabled)
    return invalid_grant("two-factor authentication required; app not permitted");

  return issue_new_grant(ctx, app, *user, *scope, now, nullptr);
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

  // The state is read again under the write lock: another worker may have
  // rotated or revoked this token since the read above.
  WriteTransaction txn(*ctx.store);
  if (!txn.status().ok()) return status_reply(txn.status());
  Result<RefreshRecord> now_rec = ctx.store->find_refresh(hash);
  if (!now_rec.ok()) return status_reply(now_rec.status());
  if (now_rec->family_revoked) return invalid_grant("refresh token has been revoked");
  Status st;
  if (!now_rec->used_at) {
    Result<bool> marked = ctx.store->mark_refresh_used(hash, now);
    st = marked.ok() ? ctx.store->insert_refresh(token_hash(successor), rec->family_id, now)
                     : marked.status();
  } else {
    // Used before: a repeat inside the grace window gets the same successor
    // (if that is still unused); anything else is reuse (RFC 9700 4.14.2).
    bool in_grace = now - *now_rec->used_at <= ctx.config.refresh_reuse_grace_seconds &&
                    ctx.config.refresh_reuse_grace_seconds > 0;
    Result<RefreshRecord> next = ctx.store->find_refresh(token_hash(successor));
    if (!in_grace || !next.ok() || next->used_at) {
      st = ctx.store->revoke_family(rec->family_id, now);
      if (st.ok()) st = txn.commit();
      if (!st.ok()) return status_reply(st);
      log_warn("refresh token reuse: family " + rec->family_id + " of app " + app.client_id +
               " revoked");
      return invalid_grant("refresh token was already used; its token family has been revoked");
    }
  }
  if (st.ok()) st = ctx.store->insert_access_token(access->record);
  if (st.ok()) st = txn.commit();
  if (!st.ok()) return status_reply(st);
  return json_reply(token_response(*access, *scope, successor));
}

// A code presented again: revoke what its first exchange issued (RFC 6749
// 4.1.2, RFC 9700 4.5), committed even though the request fails.
Response code_reused(Context& ctx, const std::string& hash, int64_t now) {
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  Result<AuthCode> code = ctx.store->find_code(hash);
  if (st.ok() && !code.ok()) st = code.status();
  if (st.ok() && !code->family_id.empty()) st = ctx.store->revoke_family(code->family_id, now);
  if (st.ok() && !code->access_jti.empty()) st = ctx.store->revoke_access_token(code->access_jti);
  if (st.ok()) st = txn.commit();
  if (!st.ok()) return status_reply(st);
  log_warn("authorization code reuse: tokens issued from it revoked");
  return invalid_grant("authorization code was already used; tokens issued from it are revoked");
}

Response code_grant(Context& ctx, const ClientApp& app, const Params& form) {
  if (!app.has_grant("authorization_code"))
    return error_reply(ApiError::kUnauthorizedClient, "this app may not use authorization codes");
  if (!form.has("code") || !form.has("redirect_uri"))
    return error_reply(ApiError::kInvalidRequest, "code and redirect_uri are required");
  const int64_t now = now_seconds();
  const std::string hash = token_hash(form.get("code"));
  Result<AuthCode> code = ctx.store->find_code(hash);
  if (!code.ok() && !code.status().is_not_found()) return status_reply(code.status());
  if (!code.ok() || code->app_id != app.id) return invalid_grant("authorization code is not valid");
  if (code->used_at) return code_reused(ctx, hash, now);
  if (code->expires_at <= now) return invalid_grant("authorization code has expired");
  if (code->redirect_uri != form.get("redirect_uri"))
    return invalid_grant("redirect_uri differs from the authorization request");
  // RFC 7636 4.6, S256 only; both directions of a mismatch fail.
  const std::string& verifier = form.get("code_verifier");
  if (code->code_challenge) {
    if (verifier.size() < 43 || verifier.size() > 128 ||
        verifier.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") !=
            std::string::npos)
      return invalid_grant("code_verifier is missing or malformed");
    if (!constant_time_equal(base64url_encode(sha256(verifier)), *code->code_challenge))
      return invalid_grant("code_verifier does not match the code_challenge");
  } else if (!verifier.empty()) {
    return invalid_grant("code_verifier given but the authorization request had no code_challenge");
  }
  Result<User> user = ctx.store->find_user(code->user_id);
  if (!user.ok() && !user.status().is_not_found()) return status_reply(user.status());
  if (!user.ok() || !user->enabled) return invalid_grant("authorization code is not valid");
  Response res = issue_new_grant(ctx, app, *user, code->scope, now, [&](const IssuedAccess& a) {
    Result<bool> marked = ctx.store->mark_code_used(hash, now, a.record.family_id, a.record.jti);
    if (!marked.ok()) return marked.status();
    // Another request exchanged it since the read above.
    return *marked ? Status::Ok() : Status::Conflict("code used concurrently");
  });
  if (res.status == 409) return code_reused(ctx, hash, now);
  return res;
}

}  // namespace

Response handle_token(Context& ctx, const Request& req, const PathParams&) {
  Params form;
  if (auto err = read_form_body(req, &form)) return *err;
  // RFC 6749 3.2.1: authenticate the client before looking at the grant.
  ClientApp app;
  if (auto err = authenticate_client(ctx, req, &app)) return *err;
  const std::string& grant = form.get("grant_type");
  if (grant.empty()) return error_reply(ApiError::kInvalidRequest, "grant_type is required");
  if (grant == "password") return password_grant(ctx, app, form);
  if (grant == "refresh_token") return refresh_grant(ctx, app, form);
  if (grant == "authorization_code") return code_grant(ctx, app, form);
  return error_reply(ApiError::kUnsupportedGrantType, "grant_type is not supported");
}

}  // namespace access_service
