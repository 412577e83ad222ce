// POST /api/oauth/introspect (RFC 7662) and the RFC 8414 metadata document.
#include "access/core/strings.h"
#include "access/handlers/handlers.h"
#include "access/http/api.h"
#include "access/oauth/token_issuer.h"

namespace access_service {

Response handle_introspect(Context& ctx, const Request& req, const PathParams&) {
  ClientApp app;
  std::string token;
  if (auto err = read_token_request(ctx, req, &app, &token)) return *err;
  const json inactive = {{"active", false}};
  // Any enabled app (typically a resource server) may introspect access
  // tokens; a restrictive (MFA-pending) token is active only for its own app.
  if (looks_like_jwt(token)) {
    Result<Principal> p = verify_access_token(ctx, token);
    if (!p.ok() && !p.status().is_invalid()) return status_reply(p.status());
    if (!p.ok() || (p->restrictive && p->client_id != app.client_id)) return json_reply(inactive);
    return json_reply({{"active", true},
                       {"scope", join_words(p->scope)},
                       {"client_id", p->client_id},
                       {"username", p->email},
                       {"token_type", "bearer"},
                       {"exp", p->exp},
                       {"iat", p->iat},
                       {"sub", p->user_id},
                       {"iss", ctx.config.issuer},
                       {"aud", p->aud},
                       {"jti", p->jti}});
  }
  // Refresh tokens: only the app they were issued to learns anything.
  Result<RefreshRecord> rec = ctx.store->find_refresh(token_hash(token));
  if (!rec.ok() && !rec.status().is_not_found()) return status_reply(rec.status());
  const long long now = now_seconds();
  if (!rec.ok() || rec->app_id != app.id || rec->family_revoked || rec->used_at ||
      rec->family_expires_at <= now)
    return json_reply(inactive);
  const User* user = &rec->user;
  if (!user->enabled) return json_reply(inactive);
  return json_reply({{"active", true},
                     {"scope", join_words(rec->scope)},
                     {"client_id", app.client_id},
                     {"username", user->email},
                     {"token_type", "refresh_token"},
                     {"exp", rec->family_expires_at},
                     {"sub", user->id},
                     {"iss", ctx.config.issuer}});
}

Response handle_metadata(Context& ctx, const Request&, const PathParams&) {
  const std::string& iss = ctx.config.issuer;
  Response r = json_reply({
      {"issuer", iss},
      {"authorization_endpoint", iss + "/api/oauth/authorize"},
      {"token_endpoint", iss + "/api/oauth/token"},
      {"jwks_uri", iss + "/.well-known/jwks.json"},
      {"revocation_endpoint", iss + "/api/oauth/revoke"},
      {"introspection_endpoint", iss + "/api/oauth/introspect"},
      {"grant_types_supported",
       {"authorization_code", "implicit", "password", "refresh_token", "mfa"}},
      {"response_types_supported", {"code", "token"}},
      {"response_modes_supported", {"query", "fragment"}},
      {"code_challenge_methods_supported", {"S256"}},
      {"authorization_response_iss_parameter_supported", true},  // RFC 9207 3
      {"token_endpoint_auth_methods_supported", {"client_secret_basic"}},
      {"revocation_endpoint_auth_methods_supported", {"client_secret_basic"}},
      {"introspection_endpoint_auth_methods_supported", {"client_secret_basic"}},
  });
  // Public and the same for everyone: let clients cache it for a while.
  for (auto& h : r.headers)
    if (h.first == "Cache-Control") h.second = "public, max-age=3600";
  return r;
}

}  // namespace access_service
