#include "access/oauth/token_issuer.h"

#include "access/core/strings.h"
#include "access/crypto/crypto.h"

namespace access_service {

Result<IssuedAccess> sign_access_token(const Context& ctx, const ClientApp& app, const User& user,
                                       const std::vector<std::string>& scope, int64_t now,
                                       const std::string& family_id, int lifetime,
                                       const nlohmann::json& extra) {
  IssuedAccess out;
  out.expires_in = lifetime > 0 ? lifetime : app.access_seconds;
  out.record = AccessRecord{uuid7(), app.id, user.id, family_id, now + out.expires_in};
  nlohmann::json claims = {{"exp", out.record.expires_at},
                           {"iat", now},
                           {"iss", ctx.config.issuer},
                           {"aud", ctx.config.token_audience()},
                           {"sub", user.id},
                           {"user_name", user.email},
                           {"authorities", user.roles},
                           {"jti", out.record.jti},
                           {"client_id", app.client_id},
                           {"app_id", app.id},
                           {"scope", scope}};
  if (!family_id.empty()) claims["fid"] = family_id;  // revocation with its family
  claims.update(extra);
  Result<std::string> jwt = ctx.signer->sign(claims);
  if (!jwt.ok()) return jwt.status();
  out.token = std::move(*jwt);
  return out;
}

nlohmann::json token_response(const IssuedAccess& access, const std::vector<std::string>& scope,
                              const std::string& refresh_token) {
  nlohmann::json body = {{"access_token", access.token},
                         {"token_type", "bearer"},
                         {"expires_in", access.expires_in},
                         {"scope", join_words(scope)},
                         {"jti", access.record.jti}};
  if (!refresh_token.empty()) body["refresh_token"] = refresh_token;
  return body;
}

std::string rotated_refresh_token(const Context& ctx, const std::string& parent) {
  return base64url_encode(hmac_sha256(ctx.hmac_key, "refresh-rotation:" + parent));
}

std::string token_hash(const std::string& token) { return sha256(token); }

std::optional<std::vector<std::string>> resolve_scope(const std::string& requested,
                                                      const std::vector<std::string>& allowed) {
  if (requested.empty()) return allowed;
  if (requested.size() > 4096) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& s : split_words(requested)) {
    if (!contains(allowed, s)) return std::nullopt;
    if (!contains(out, s)) out.push_back(s);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace access_service
