// GET /api/health (liveness: the worker reaches its database) and
// GET /api/health/ready (readiness: the service can do its job right now).
#include <fstream>
#include <sstream>

#include "access/handlers/handlers.h"
#include "access/http/api.h"

namespace access_service {
namespace {

Response not_ready(const std::string& reason) {
  return error_reply(ApiError::kTemporarilyUnavailable, "not ready: " + reason);
}

// True when the JWKS file nginx serves publishes `kid`.
bool jwks_file_holds(const std::string& path, const std::string& kid, std::string* why) {
  std::ifstream in(path);
  if (!in) {
    *why = "the JWKS file cannot be read";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  json doc = json::parse(ss.str(), nullptr, false);
  if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array()) {
    *why = "the JWKS file is not a JWK set";
    return false;
  }
  for (const auto& k : doc["keys"])
    if (k.is_object() && k.contains("kid") && k["kid"] == kid) return true;
  *why = "the JWKS file does not publish the signing key";
  return false;
}

}  // namespace

Response handle_health(Context& ctx, const Request&, const PathParams&) {
  Status st = ctx.store->ping();
  if (!st.ok()) return status_reply(Status::Unavailable(st.message()));
  return json_reply({{"status", "ok"}});
}

// 200 only when the database takes a write (store.h check_writable), a signing key is
// loaded, and the JWKS file holds it (so that tokens signed now verify for
// whoever fetches the keys); otherwise 503 with the first reason.
Response handle_health_ready(Context& ctx, const Request&, const PathParams&) {
  if (Status st = ctx.store->check_writable(); !st.ok())
    return not_ready("the database does not take writes (" + st.message() + ")");
  if (!ctx.signer || ctx.signer->keys().empty()) return not_ready("no signing key is loaded");
  const SigningKey& key = ctx.signer->active();
  std::string why;
  if (!jwks_file_holds(ctx.config.jwks_file, key.kid, &why)) return not_ready(why);
  return json_reply({{"status", "ready"}, {"kid", key.kid}});
}

}  // namespace access_service
