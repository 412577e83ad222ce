// POST /api/oauth/token: client authentication, the grant dispatch, and the
// refresh_token grant (RFC 6749 6) with rotation and reuse detection. The
// other grants are in token_password.cpp and token_code.cpp.
#include <functional>

#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/handlers/handlers.h"
#include "access/http/api.h"
#include "access/oauth/audit.h"
#include "access/oauth/sign_in.h"
#include "access/oauth/token_issuer.h"
#include "token_grants.h"

namespace access_service {

Response invalid_grant(const std::string& why) { return error_reply(ApiError::kInvalidGrant, why); }

AuditEvent token_issued_event(const Context& ctx, const ClientApp& app, const User& user,
                              const IssuedAccess& access, const std::string& grant_type,
                              const std::string& note) {
  AuditEvent e = request_audit_event(ctx, "token.issued");
  e.user_id = user.id;
  e.client_id = app.client_id;
  e.actor = app.client_id;
  // Built by hand: this is on every grant's path (fixed names and UUIDs).
  e.details = "{\"grantType\":\"" + grant_type + "\",\"jti\":\"" + access.record.jti + "\"";
  if (!access.record.family_id.empty())
    e.details += ",\"familyId\":\"" + access.record.family_id + "\"";
  if (!note.empty()) e.details += ",\"note\":\"" + note + "\"";
  e.details += "}";
  return e;
}

// A fresh grant: signs an access token, with a new refresh-token family when
// the app has the refresh_token option, then stores the family in one
// transaction (the access token itself is stored nowhere: store.h "Tokens").
Response issue_new_grant(Context& ctx, const ClientApp& app, const User& user,
                         const std::vector<std::string>& scope, int64_t now,
                         const std::string& grant_type, std::vector<AuditEvent> events,
                         const std::function<Status(const IssuedAccess&)>& in_txn,
                         const std::string& note) {
  ctx.current.user_id = user.id;
  std::string family_id, refresh;
  if (app.has_grant("refresh_token")) {
    family_id = uuid7();
    refresh = random_token(32);
  }
  Result<IssuedAccess> access = sign_access_token(ctx, app, user, scope, now, family_id);
  if (!access.ok()) return status_reply(access.status());
  if (sample_token_issued(ctx))
    events.push_back(token_issued_event(ctx, app, user, *access, grant_type, note));
  // The account again, now locked (store.h find_user): a password change or
  // a disable that committed after the caller checked the credentials
  // refuses the grant, and one that comes later revokes its family.
  // Otherwise the family of a grant that read the old password just before
  // a change would outlive the change.
  bool changed = false;
  auto store_grant = [&]() -> Status {
    WriteTransaction txn(*ctx.store);
    if (!txn.status().ok()) return txn.status();
    Result<User> current = ctx.store->find_user(user.id);
    if (!current.ok() && !current.status().is_not_found()) return current.status();
    changed = !current.ok() || !current->enabled || current->password_hash != user.password_hash;
    if (changed) return Status();  // rolled back: nothing stored
    Status st = in_txn ? in_txn(*access) : Status();
    if (st.ok() && !family_id.empty())
      st = ctx.store->insert_family(family_id, app.id, user.id, scope, now,
                                    now + app.refresh_seconds.value_or(0));
    if (st.ok() && !family_id.empty())
      st = ctx.store->insert_refresh(token_hash(refresh), family_id, now);
    if (st.ok()) st = commit_audited(ctx, txn, events);
    return st;
  };
  Status st = store_grant();
  if (!st.ok()) return status_reply(st);
  if (changed) {
    record_sign_in_failure(ctx, user.email, user.id, "account_changed",
                           note.empty() ? grant_type : note);
    return invalid_grant("the account changed during sign-in; sign in again");
  }
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
  // What the family was granted and the app may still have: an administrator
  // who takes a scope from the app takes it from every refresh after.
  std::vector<std::string> granted;
  for (const auto& s : rec->scope)
    if (contains(app.scope, s)) granted.push_back(s);
  if (granted.empty()) return invalid_grant("the app no longer has this grant's scope");
  auto scope = resolve_scope(form.get("scope"), granted);
  if (!scope) return error_reply(ApiError::kInvalidScope, "scope exceeds the original grant");
  const User* user = &rec->user;  // read with the token (store.h RefreshRecord)
  if (!user->enabled) return invalid_grant("refresh token is not valid");
  ctx.current.user_id = user->id;

  const std::string successor = rotated_refresh_token(ctx, presented);
  Result<IssuedAccess> access = sign_access_token(ctx, app, *user, *scope, now, rec->family_id);
  if (!access.ok()) return status_reply(access.status());

  // The audit rows go into the rotation's own transaction (store.h).
  Store::RotationAudit audit;
  if (sample_token_issued(ctx))
    audit.issued = token_issued_event(ctx, app, *user, *access, "refresh_token");
  audit.reused = request_audit_event(ctx, "refresh.reused", "failure");
  audit.reused->user_id = user->id;
  audit.reused->details = "{\"familyId\":\"" + rec->family_id + "\"}";

  // One atomic step with its promise in store.h: of concurrent presentations
  // of one token exactly one rotates it; reuse revokes the family.
  Result<Store::Rotation> rotation = ctx.store->rotate_refresh(
      hash, token_hash(successor), now, ctx.config.refresh_reuse_grace_seconds, audit);
  if (!rotation.ok()) return status_reply(rotation.status());
  switch (*rotation) {
    case Store::Rotation::kRotated:
    case Store::Rotation::kRepeat:  // a retry inside the grace: the same successor
      if (audit.issued) log_audit(ctx, *audit.issued);
      break;
    case Store::Rotation::kUnknown:
      return invalid_grant("refresh token is not valid");
    case Store::Rotation::kRevoked:
      return invalid_grant("refresh token has been revoked");
    case Store::Rotation::kReused:
      log_audit(ctx, *audit.reused);
      ctx.metrics.add(Counter::kRefreshReuse);
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
  ctx.current.grant = grant == "password"             ? Grant::kPassword
                      : grant == "refresh_token"      ? Grant::kRefreshToken
                      : grant == "authorization_code" ? Grant::kAuthorizationCode
                      : grant == "mfa"                ? Grant::kMfa
                                                      : Grant::kOther;
  if (grant == "password") return password_grant(ctx, app, form, req.remote_addr);
  if (grant == "refresh_token") return refresh_grant(ctx, app, form);
  if (grant == "authorization_code") return code_grant(ctx, app, form);
  if (grant == "mfa") return mfa_grant(ctx, app, form, req.remote_addr);
  return error_reply(ApiError::kUnsupportedGrantType, "grant_type is not supported");
}

}  // namespace access_service
