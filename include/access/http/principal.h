// What a valid bearer access token says about its holder (Principal), and
// each worker's memory of the tokens it has already checked (VerifiedTokens).
//
// Why the memory: a client presents the same access token on every call of
// its life, and checking it from scratch is most of a bearer read's cost
// (the signature, then decoding and parsing the claims' JSON). What a
// signature check and the claims prove cannot change under a worker: the
// keys are loaded once per worker (a key change reloads the service, which
// replaces the workers) and the issuer and audience are the worker's
// configuration. So verify_access_token (api.h) remembers the Principal of
// each token that passed those checks and skips them when the same token
// comes again. What it never skips: `exp` against the clock and liveness
// (revocation, a disabled app or user) from the store, on every request.
//
// The key is SHA-256 over the whole token, so a lookup compares digests,
// never the presented bytes one by one, and a token that differs anywhere
// (a changed signature, claim or header) misses. Only tokens that passed
// are remembered; a failing one costs the full check each time, as before.
// Bounded: at kMaxEntries the memory is emptied (as ClientAuthenticator's).
// One per worker (Context), used by one thread.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

namespace access_service {

struct Principal {
  std::string user_id;
  std::string email;
  std::vector<std::string> authorities;
  std::string client_id;
  std::string app_id;  // the `app_id` claim (ClientApp::id), "" in older tokens
  std::vector<std::string> scope;
  std::string jti;
  std::string family_id;  // the `fid` claim: its refresh-token family, "" when none
  std::string aud;        // the configured audience (tokens.audience)
  long long exp = 0;
  long long iat = 0;
  bool restrictive = false;                  // an MFA-pending token (scope "mfa")
  std::vector<std::string> requested_scope;  // of a restrictive token: the scope asked for
  bool has_authority(const std::string& a) const;
};

class VerifiedTokens {
 public:
  static constexpr size_t kMaxEntries = 4096;

  // The key of `token`: its SHA-256 (32 bytes).
  static std::string key(const std::string& token);
  // The Principal remembered under `key`, or nullptr.
  const Principal* find(const std::string& key) const;
  // Remembers `p` (whose token passed the signature and claim checks).
  void add(const std::string& key, const Principal& p);
  size_t size() const { return entries_.size(); }

 private:
  std::unordered_map<std::string, Principal> entries_;
};

}  // namespace access_service
