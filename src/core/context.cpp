#include "access/core/context.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "access/core/files.h"
#include "access/core/log.h"
#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/oauth/audit.h"

namespace access_service {

bool ClientAuthenticator::verify(const ClientApp& app, const std::string& secret) {
  std::string key = sha256(app.id + '\0' + app.secret_hash + '\0' + secret);
  if (verified_.count(key)) return true;
  if (!verify_password(app.secret_hash, secret)) return false;
  if (verified_.size() >= kMaxEntries) verified_.clear();
  verified_.insert(std::move(key));
  return true;
}

namespace {

// Makes the client_auth.failed event of a refusal (clientId as presented,
// the reason); nullptr without `audit`.
AuditEvent* describe_failure(ClientAuthAudit* audit, const std::string& client_id,
                             const char* reason, bool stored = true) {
  if (!audit) return nullptr;
  audit->event = audit->make ? audit->make() : new_audit_event("client_auth.failed", "failure");
  audit->event.client_id = truncate_utf8(client_id, 128);
  nlohmann::json details = {{"reason", reason}};
  if (!stored) details["notStored"] = true;
  set_details(&audit->event, details);
  return &audit->event;
}

// A refusal that changes nothing else: its event is stored on its own; if
// the database cannot take it the refusal stands (the caller still logs it).
Status refuse(Store& store, ClientAuthAudit* audit, const std::string& client_id,
              const char* reason) {
  if (AuditEvent* e = describe_failure(audit, client_id, reason)) {
    Status st = store.insert_audit(*e);
    if (!st.ok()) log_warn("audit event " + e->id + " not stored: " + st.ToString());
  }
  return Status::Invalid(reason);
}

}  // namespace

Result<ClientApp> ClientAuthenticator::authenticate(Store& store, const Config& config,
                                                    const std::string& authorization, int64_t now,
                                                    ClientAuthAudit* audit) {
  Result<BasicCredentials> creds = parse_basic(authorization);
  if (!creds.ok()) {
    if (creds.status().is_not_found()) return creds.status();
    return refuse(store, audit, "", "malformed");
  }
  Result<ClientApp> app = store.find_client_by_client_id(creds->user);
  // A client id is [A-Za-z0-9._~-]: decoding changes it only when it was
  // sent percent-encoded, and then the secret was too.
  bool decoded_only = false;
  if (!app.ok() && app.status().is_not_found() && creds->decoded_user &&
      *creds->decoded_user != creds->user) {
    app = store.find_client_by_client_id(*creds->decoded_user);
    decoded_only = true;
  }
  if (!app.ok()) {
    if (app.status().is_not_found()) return refuse(store, audit, creds->user, "unknown_client");
    return app.status();
  }
  if (!app->enabled) return refuse(store, audit, app->client_id, "client_disabled");
  const bool window_open = now - app->auth_window_start < config.lockout_client_window_seconds;
  if (window_open && app->auth_failures >= config.lockout_client_max_failures) {
    auto seen = throttle_stored_.find(app->id);
    if (seen == throttle_stored_.end() || seen->second != app->auth_window_start) {
      if (throttle_stored_.size() >= kMaxEntries) throttle_stored_.clear();
      throttle_stored_[app->id] = app->auth_window_start;
      return refuse(store, audit, app->client_id, "throttled");
    }
    describe_failure(audit, app->client_id, "throttled", /*stored=*/false);
    return Status::Invalid("throttled");
  }
  if (!decoded_only && verify(*app, creds->password)) return app;
  if (creds->decoded_password && *creds->decoded_password != creds->password &&
      verify(*app, *creds->decoded_password))
    return app;
  // The count and its audit event in one transaction.
  AuditEvent* failure = describe_failure(audit, app->client_id, "wrong_secret");
  WriteTransaction txn(store);
  Status st = txn.status();
  if (st.ok())
    st = store.record_client_auth_failure(app->id, now, config.lockout_client_window_seconds);
  if (st.ok() && failure) st = store.insert_audit(*failure);
  if (st.ok()) st = txn.commit();
  if (!st.ok()) return st;
  if (window_open && app->auth_failures + 1 == config.lockout_client_max_failures)
    log_warn("client " + app->client_id + " throttled after repeated wrong secrets");
  return Status::Invalid("wrong_secret");
}

std::string hmac_key_path(const Config& config) { return config.key_dir + "/hmac.key"; }

Status ensure_hmac_key(const Config& config) {
  std::string path = hmac_key_path(config);
  if (::access(path.c_str(), F_OK) == 0) return Status::Ok();
  if (mkdir(config.key_dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::Internal(config.key_dir + ": cannot create key directory: " + os_reason(errno));
  return write_file_atomic(path, random_bytes(32), 0600);
}

Result<std::string> read_hmac_key(const Config& config) {
  std::ifstream in(hmac_key_path(config), std::ios::binary);
  if (!in)
    return Status::NotFound(hmac_key_path(config) + ": cannot read: " + os_reason(errno) +
                            " (run accessctl init)");
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() != 32)
    return Status::Invalid(hmac_key_path(config) + ": not 32 bytes (restore it from a backup)");
  return ss.str();
}

Result<std::unique_ptr<Context>> open_context(const Config& config) {
  auto ctx = std::make_unique<Context>();
  ctx->config = config;
  const std::string seed = random_bytes(sizeof ctx->audit_ids.seed);
  std::memcpy(&ctx->audit_ids.seed, seed.data(), seed.size());
  Result<std::string> hmac_key = read_hmac_key(config);
  if (!hmac_key.ok()) return hmac_key.status();
  ctx->hmac_key = *hmac_key;
  auto signer = TokenSigner::load(config.key_dir);
  if (!signer.ok()) return signer.status();
  ctx->signer = *signer;
  auto store = open_store(config);
  if (!store.ok()) return store.status();
  ctx->store = std::move(*store);
  Status st = check_schema(*ctx->store, /*create_if_empty=*/true);
  // PostgreSQL: while the database is unreachable a worker stays up and
  // answers 503 (the store reconnects by itself) instead of exiting into a
  // respawn loop; the master checked the schema before starting it.
  if (st.is_unavailable() && config.postgresql()) {
    log_warn("worker started without the database: " + st.message());
    st = Status::Ok();
  }
  if (!st.ok()) return st;
  return ctx;
}

}  // namespace access_service
