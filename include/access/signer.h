// TokenSigner: the server's signing keys, JWT signing and verification, JWKS.
//
// Keys are PEM files (PKCS#8 private keys, mode 0600) in the key directory,
// named "key-<UTC timestamp>.pem" so that the newest sorts last: the newest key
// signs, every key verifies and is published in JWKS. The `kid` of a key is
// its RFC 7638 JWK thumbprint. Supported: RS256 (RSA 2048).
//
// verify() checks, in this order: the compact form (exactly three base64url
// segments, bounded size), the header's `alg` against the allow-list (so
// "none" and anything unexpected is refused before any cryptography), the
// `kid` against the loaded keys and the key's own algorithm, then the
// signature. Claims (exp, iat, iss, ...) are the caller's to check.
//
// Ownership: a TokenSigner owns its EVP_PKEY handles; it is immutable after
// load() and used by one worker process.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "access/status.h"

namespace access_service {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

struct SigningKey {
  std::string kid;        // RFC 7638 thumbprint, base64url
  std::string alg;        // "RS256"
  std::string file;       // path of the PEM file
  nlohmann::json jwk;     // public JWK with kid, alg, use
  EvpPkeyPtr pkey;
};

class TokenSigner {
 public:
  // Loads every key-*.pem in `dir`. kNotFound when there is none (run
  // `accessctl init`), kInvalid when a file is not a usable private key.
  static Result<std::shared_ptr<TokenSigner>> load(const std::string& dir);

  // Signs `claims` with the active (newest) key: header {"alg","typ","kid"}.
  Result<std::string> sign(const nlohmann::json& claims) const;

  // Verifies a compact JWS and returns its claims (see the order above).
  // kInvalid with a short reason on any failure.
  Result<nlohmann::json> verify(std::string_view token) const;

  // {"keys":[...]} with every loaded public key.
  std::string jwks_json() const;

  const SigningKey& active() const { return *keys_.back(); }
  const std::vector<std::unique_ptr<SigningKey>>& keys() const { return keys_; }

 private:
  std::vector<std::unique_ptr<SigningKey>> keys_;  // sorted by file name, newest last
};

// Creates a new private key of `algorithm` in `dir` (created 0700 if absent),
// written 0600 via a temporary file and rename. Returns the new key's path.
Result<std::string> create_signing_key(const std::string& dir, const std::string& algorithm);

// Writes `content` to `path` atomically (temporary file, fsync, rename) with
// permission `mode`.
Status write_file_atomic(const std::string& path, const std::string& content, int mode);

}  // namespace access_service
