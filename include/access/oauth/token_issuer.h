// Minting the token endpoint's answers: signed access tokens (claims of
// API.md section 3), refresh tokens and the JSON reply. Nothing here writes
// to the store; handlers persist the records inside their one transaction,
// after the (comparatively slow) signature has been made, so that the write
// lock is held only for the inserts.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "access/core/context.h"
#include "access/store/store.h"

namespace access_service {

struct IssuedAccess {
  std::string token;    // the compact JWT
  AccessRecord record;  // what the store keeps about it (for revocation)
  int expires_in = 0;
};

// Signs an access token for `user` through `app`: exp, iat, iss, sub,
// user_name, authorities, jti (fresh UUID), client_id, app_id (the app's
// record id, which liveness checks), scope, plus `extra`
// claims. `family_id` ties it to a refresh-token family ("" for none);
// `lifetime` is in seconds (0: the app's accessTokenValiditySeconds).
Result<IssuedAccess> sign_access_token(const Context& ctx, const ClientApp& app, const User& user,
                                       const std::vector<std::string>& scope, int64_t now,
                                       const std::string& family_id, int lifetime = 0,
                                       const nlohmann::json& extra = nlohmann::json::object());

// {"access_token","token_type":"bearer","expires_in","scope","jti"} plus
// "refresh_token" when `refresh_token` is not empty.
nlohmann::json token_response(const IssuedAccess& access, const std::vector<std::string>& scope,
                              const std::string& refresh_token);

// The refresh token that replaces `parent` on rotation: HMAC-SHA-256 of the
// parent under the server's HMAC key, base64url (256 bits). Deterministic, so
// that a repeat inside refresh_reuse_grace_seconds returns the same successor
// rather than forking the family; unpredictable without the key, so a stolen
// used token does not reveal its live successor.
std::string rotated_refresh_token(const Context& ctx, const std::string& parent);

// Store key of an opaque token (refresh token, code, session id): SHA-256.
std::string token_hash(const std::string& token);

// Resolves a requested `scope` parameter (space-delimited, RFC 6749 3.3)
// against what is allowed: empty request -> all of `allowed`; otherwise each
// requested value must be in `allowed` (duplicates dropped). nullopt when a
// value is not allowed or malformed.
std::optional<std::vector<std::string>> resolve_scope(const std::string& requested,
                                                      const std::vector<std::string>& allowed);

}  // namespace access_service
