#include "access/context.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "access/crypto.h"

namespace access_service {

Result<ClientApp> ClientAuthenticator::authenticate(Store& store, const std::string& authorization) {
  Result<BasicCredentials> creds = parse_basic(authorization);
  if (!creds.ok()) return creds.status();
  Result<ClientApp> app = store.find_client_by_client_id(creds->user);
  if (!app.ok()) {
    if (app.status().is_not_found()) return Status::Invalid("unknown client");
    return app.status();
  }
  if (!app->enabled) return Status::Invalid("client disabled");
  std::string key = sha256(app->id + '\0' + app->secret_hash + '\0' + creds->password);
  if (verified_.count(key)) return app;
  if (!verify_password(app->secret_hash, creds->password)) return Status::Invalid("bad secret");
  if (verified_.size() >= kMaxEntries) verified_.clear();
  verified_.insert(std::move(key));
  return app;
}

std::string hmac_key_path(const Config& config) { return config.key_dir + "/hmac.key"; }

Status ensure_hmac_key(const Config& config) {
  std::string path = hmac_key_path(config);
  if (::access(path.c_str(), F_OK) == 0) return Status::Ok();
  if (mkdir(config.key_dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::Internal(config.key_dir + ": cannot create key directory");
  return write_file_atomic(path, random_bytes(32), 0600);
}

Result<std::string> read_hmac_key(const Config& config) {
  std::ifstream in(hmac_key_path(config), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() != 32)
    return Status::NotFound(hmac_key_path(config) + ": missing or not 32 bytes (run accessctl init)");
  return ss.str();
}

Result<std::unique_ptr<Context>> open_context(const Config& config) {
  auto ctx = std::make_unique<Context>();
  ctx->config = config;
  Result<std::string> hmac_key = read_hmac_key(config);
  if (!hmac_key.ok()) return hmac_key.status();
  ctx->hmac_key = *hmac_key;
  auto signer = TokenSigner::load(config.key_dir);
  if (!signer.ok()) return signer.status();
  ctx->signer = *signer;
  auto store = open_store(config);
  if (!store.ok()) return store.status();
  ctx->store = std::move(*store);
  Status st = ctx->store->migrate();
  if (!st.ok()) return st;
  return ctx;
}

}  // namespace access_service
