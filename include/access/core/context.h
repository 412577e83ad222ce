// The per-worker context: what a worker opened after fork and hands to every
// handler. There is exactly one per worker process; nothing in it is shared
// between processes.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "access/core/config.h"
#include "access/core/metrics.h"
#include "access/crypto/password.h"
#include "access/crypto/signer.h"
#include "access/http/http.h"
#include "access/http/principal.h"
#include "access/store/store.h"

namespace access_service {

// Client authentication (RFC 6749 2.3.1, HTTP Basic) with a per-worker cache of
// verified secrets. The cache key is SHA-256 over (record id, stored PHC hash,
// presented secret): a changed secret changes the stored hash and so misses
// the cache; a disabled or deleted app is refused before the cache is asked.
// Only successful verifications are cached; the set is bounded and cleared
// when full.
//
// Both readings of the header are tried (http.h parse_basic): the raw one
// first, the form-decoded one only when it differs; a wrong attempt counts
// once. Wrong secrets are counted per client id in the database (so across
// workers): after lockout.client_max_failures within
// lockout.client_window_seconds the id answers kInvalid WITHOUT hashing (and
// without asking the cache, which would otherwise be a fast oracle) until the
// window passes; then a right secret works again. A storm of wrong secrets
// so costs one indexed read per request instead of an argon2id hash.
//
// Every kInvalid outcome is a client_auth.failed audit event (audit.h): when
// `audit` is given, authenticate() makes the event with audit->make (only
// then: a success costs nothing), completes it (clientId as presented,
// details.reason one of
// malformed, unknown_client, client_disabled, throttled, wrong_secret) and
// stores it: with the wrong-secret count in one transaction, otherwise on
// its own. The caller writes the log line. Throttled attempts are stored once
// per client and throttle window in each worker (the first one) and only
// logged after that (details.notStored: true): a storm of wrong secrets must
// not cost a durable write per request, which is what the throttle saves.
struct ClientAuthAudit {
  std::function<AuditEvent()> make;  // the event of the request in hand (type, ip, ...)
  AuditEvent event;                  // a refusal's event, as stored; type "" when none
};

class ClientAuthenticator {
 public:
  // The enabled app whose Basic credentials are in `authorization`.
  // kNotFound when there are none, kInvalid when they are wrong, malformed,
  // throttled, or the app is unknown or disabled. kUnavailable/kInternal
  // from the store.
  Result<ClientApp> authenticate(Store& store, const Config& config,
                                 const std::string& authorization, int64_t now,
                                 ClientAuthAudit* audit = nullptr);

 private:
  bool verify(const ClientApp& app, const std::string& secret);

  static constexpr size_t kMaxEntries = 4096;
  std::unordered_set<std::string> verified_;
  // Client record id -> the throttle window whose first throttled attempt
  // this worker stored (bounded like verified_).
  std::unordered_map<std::string, int64_t> throttle_stored_;
};

// The request in hand: what nginx said about it, and who it turned out to
// come from. Reset by serve_request (request_log.h) before routing; the
// router sets the route, client and bearer authentication set client_id and
// user_id; audit events (audit.h) and the request's log line read it.
struct RequestInfo {
  std::string request_id;  // nginx's $request_id (REQUEST_ID), or one made here
  std::string ip;          // REMOTE_ADDR
  std::string user_agent;  // HTTP_USER_AGENT, truncated, valid UTF-8
  std::string method;
  int route = -1;              // index in the route table (router.h); -1: none matched
  std::string client_id;       // the authenticated app, or the app a token was issued to
  std::string user_id;         // the signed-in user or bearer token's subject
  std::optional<Grant> grant;  // the token endpoint's grant_type, once read
  // While serve_request runs: log lines about the request (its audit
  // events) wait here and are written with the request line, in one write().
  bool collect_log = false;
  std::string log_lines;
};

struct Context {
  Config config;
  std::unique_ptr<Store> store;
  std::shared_ptr<TokenSigner> signer;
  std::string hmac_key;  // keys.dir/hmac.key: derives rotated refresh tokens
  ClientAuthenticator clients;
  VerifiedTokens verified_tokens;  // access tokens already checked (principal.h)
  RequestInfo current;
  // This process's slot of the shared metrics (metrics.h); records nothing
  // when the context was opened without one (tests, tools).
  MetricsWriter metrics;
  const MetricsRegion* metrics_region = nullptr;  // the whole pool's, for /metrics
  StoreStats store_seen;                          // store->stats() when the last request ended
  uint64_t tokens_issued = 0;                     // by this worker, for audit.token_issued_sample
  // Audit event ids of this worker (audit.h): a random start, then a count.
  // Handing one out changes no state a handler can see, hence mutable.
  struct AuditIds {
    uint64_t seed = 0;
    uint64_t count = 0;
  };
  mutable AuditIds audit_ids;

  Argon2Params argon2() const {
    return {config.argon2_time_cost, config.argon2_memory_kib, config.argon2_parallelism};
  }
};

// Opens the store (after fork), loads the signing keys and the HMAC key.
Result<std::unique_ptr<Context>> open_context(const Config& config);

// Path of the HMAC key inside the key directory, and its creation for
// `accessctl init` (32 random bytes, 0600; left alone when it exists).
std::string hmac_key_path(const Config& config);
Status ensure_hmac_key(const Config& config);
// The 32 bytes of hmac.key; kNotFound when it cannot be read (the message
// says why), kInvalid when it is not 32 bytes.
Result<std::string> read_hmac_key(const Config& config);

}  // namespace access_service
