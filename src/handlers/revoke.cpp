// Revocation: POST /api/oauth/revoke (RFC 7009), POST /api/v1/auth/token/revoke
// and PUT /api/v1/users/me/expire (API.md section 5).
#include "access/core/strings.h"
#include "access/handlers/account.h"
#include "access/handlers/handlers.h"
#include "access/http/api.h"
#include "access/oauth/audit.h"
#include "access/oauth/token_issuer.h"

namespace access_service {
namespace {

// token.revoked of the request in hand; details name the kind (tokenType)
// and its identifiers (jti, familyId), never the token itself.
AuditEvent revoked_event(const Context& ctx, const std::string& user_id, const json& details) {
  AuditEvent e = request_audit_event(ctx, "token.revoked");
  if (!user_id.empty()) e.user_id = user_id;
  set_details(&e, details);
  return e;
}

}  // namespace

Response handle_revoke(Context& ctx, const Request& req, const PathParams&) {
  ClientApp app;
  std::string token;
  if (auto err = read_token_request(ctx, req, &app, &token)) return *err;
  const int64_t now = now_seconds();
  // RFC 7009 2.2: unknown, invalid or another app's tokens answer 200 too, and
  // another app's token is left alone. The hint only orders the lookups, and
  // both kinds are tried.
  if (looks_like_jwt(token)) {
    // Only a live token of this app has anything left to revoke.
    Result<Principal> p = verify_access_token(ctx, token);
    if (!p.ok() && !p.status().is_invalid()) return status_reply(p.status());
    if (p.ok() && p->client_id == app.client_id) {
      // Revoking an access token does not end the refresh token family
      // (RFC 7009 2.1 leaves it open; the app asked about this token only).
      WriteTransaction txn(*ctx.store);
      Status st = txn.status();
      if (st.ok()) st = ctx.store->revoke_access_token(p->jti, p->exp).status();
      if (st.ok())
        st = commit_audited(
            ctx, txn,
            {revoked_event(ctx, p->user_id, {{"tokenType", "access_token"}, {"jti", p->jti}})});
      if (!st.ok()) return status_reply(st);
    }
    return json_reply(json::object());
  }
  Result<RefreshRecord> rec = ctx.store->find_refresh(token_hash(token));
  if (!rec.ok() && !rec.status().is_not_found()) return status_reply(rec.status());
  if (rec.ok() && rec->app_id == app.id) {
    WriteTransaction txn(*ctx.store);
    Status st = txn.status();
    if (st.ok()) st = ctx.store->revoke_family(rec->family_id, now);
    if (st.ok())
      st = commit_audited(
          ctx, txn,
          {revoked_event(ctx, rec->user_id,
                         {{"tokenType", "refresh_token"}, {"familyId", rec->family_id}})});
    if (!st.ok()) return status_reply(st);
  }
  return json_reply(json::object());
}

Response auth_token_revoke(Context& ctx, const Request& req, const PathParams&,
                           const Principal& who) {
  Params form;
  if (auto err = read_form_body(req, &form)) return *err;
  Result<std::string> bearer = parse_bearer(req.authorization);
  if (!bearer.ok() || form.get("token") != *bearer)
    return error_reply(ApiError::kInvalidRequest, "token must be the bearer access token");
  // The access token and the refresh token family it came from.
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  if (st.ok()) st = ctx.store->revoke_access_token(who.jti, who.exp).status();
  if (st.ok() && !who.family_id.empty())
    st = ctx.store->revoke_family(who.family_id, now_seconds());
  json details = {{"tokenType", "access_token"}, {"jti", who.jti}};
  if (!who.family_id.empty()) details["familyId"] = who.family_id;
  if (st.ok()) st = commit_audited(ctx, txn, {revoked_event(ctx, who.user_id, details)});
  if (!st.ok()) return status_reply(st);
  return json_reply(json::object());
}

// Signs the caller out everywhere (account.h account_signout_everywhere).
}  // namespace access_service
