// The authorization_code grant (RFC 6749 4.1.3) with PKCE (RFC 7636, S256).
#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/http/api.h"
#include "access/oauth/audit.h"
#include "access/oauth/token_issuer.h"
#include "token_grants.h"

namespace access_service {
namespace {

// A code presented again: revoke what its first exchange issued (RFC 6749
// 4.1.2, RFC 9700 4.5), committed even though the request fails.
Response code_reused(Context& ctx, const std::string& hash, int64_t now) {
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  Result<AuthCode> code = ctx.store->find_code(hash);
  if (st.ok() && !code.ok()) st = code.status();
  if (st.ok() && !code->family_id.empty()) st = ctx.store->revoke_family(code->family_id, now);
  // The access token issued from it lives at most 86400 s (the longest
  // accessTokenValiditySeconds): its jti is kept revoked that long.
  if (st.ok() && !code->access_jti.empty())
    st = ctx.store->revoke_access_token(code->access_jti, now + 86400).status();
  if (st.ok()) {
    AuditEvent e = request_audit_event(ctx, "code.reused", "failure");
    e.user_id = code->user_id;
    json d = {{"revokedJti", code->access_jti}};
    if (!code->family_id.empty()) d["revokedFamilyId"] = code->family_id;
    set_details(&e, d);
    st = commit_audited(ctx, txn, {e});
  }
  // Gone since the first read (its app deleted): nothing left to revoke.
  if (st.is_not_found()) return invalid_grant("authorization code is not valid");
  if (!st.ok()) return status_reply(st);
  ctx.metrics.add(Counter::kCodeReuse);
  return invalid_grant("authorization code was already used; tokens issued from it are revoked");
}

}  // namespace

Response code_grant(Context& ctx, const ClientApp& app, const Params& form) {
  if (!app.has_grant("authorization_code"))
    return error_reply(ApiError::kUnauthorizedClient, "this app may not use authorization codes");
  if (!form.has("code")) return error_reply(ApiError::kInvalidRequest, "code is required");
  const int64_t now = now_seconds();
  const std::string hash = token_hash(form.get("code"));
  Result<AuthCode> code = ctx.store->find_code(hash);
  if (!code.ok() && !code.status().is_not_found()) return status_reply(code.status());
  if (!code.ok() || code->app_id != app.id) return invalid_grant("authorization code is not valid");
  if (code->used_at) return code_reused(ctx, hash, now);
  if (code->expires_at <= now) return invalid_grant("authorization code has expired");
  // RFC 6749 4.1.3: required when the authorization request had it (and
  // then identical); when that request relied on the one registered URI
  // (3.1.2.3) it may be omitted, or given as that URI.
  if (!form.has("redirect_uri")) {
    if (code->redirect_uri_given)
      return error_reply(ApiError::kInvalidRequest,
                         "redirect_uri is required: the authorization request had one");
  } else if (form.get("redirect_uri") != code->redirect_uri) {
    return invalid_grant("redirect_uri differs from the authorization request");
  }
  // RFC 7636 4.6, S256 only; both directions of a mismatch fail.
  const std::string& verifier = form.get("code_verifier");
  if (code->code_challenge) {
    if (verifier.size() < 43 || verifier.size() > 128 ||
        verifier.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") !=
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
  bool raced = false;
  Response res = issue_new_grant(
      ctx, app, *user, code->scope, now, "authorization_code", {}, [&](const IssuedAccess& a) {
        Result<bool> marked = ctx.store->consume_code(hash, now, a.record.family_id, a.record.jti);
        if (!marked.ok()) return marked.status();
        // Another request exchanged it since the read above.
        raced = !*marked;
        return raced ? Status::Conflict("code used concurrently") : Status::Ok();
      });
  if (raced) return code_reused(ctx, hash, now);
  return res;
}

}  // namespace access_service
