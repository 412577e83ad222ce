// TokenSigner: the server's signing keys, JWT signing and verification, JWKS.
// What handlers see: sign(), verify(), and each key's kid and alg. The
// cryptography (jws.h, jws_algorithms.h) stays behind it: this header
// exposes no OpenSSL type.
//
// Keys are PEM files (PKCS#8 private keys, mode 0600) in the key directory,
// named "key-<UTC timestamp>.pem" so that the newest sorts last. A key may
// carry a sidecar "<key file>.signs_from" holding a time (decimal epoch
// seconds, written by `accessctl key rotate`, key_ring.h): it signs only from
// then on, so that it is published in JWKS before any token needs it. The
// signing key is the newest whose time has come (a key without the sidecar
// signs from the start); every key verifies and is published in JWKS. The
// `kid` of a key is its RFC 7638 JWK thumbprint. The key's type decides its
// algorithm (the table in jws_algorithms.h): RSA -> RS256, RSA-PSS restricted
// to SHA-256 -> PS256, EC P-256 -> ES256, EC P-384 -> ES384, Ed25519 -> EdDSA.
// Any other key (other curves, Ed448, DSA, RSA under 2048 bits, RSA-PSS
// without those restrictions) is refused at load. Keys of different types
// may coexist (e.g. while moving from RS256 to PS256); each token carries the
// algorithm of the key that signed it.
//
// verify() checks, in this order: the compact form (exactly three base64url
// segments, bounded size), the header's `alg` against the allow-list (the
// table's names, so "none" and anything unexpected is refused before any
// cryptography), the `kid` against the loaded keys and the key's own
// algorithm, then the signature. Claims (exp, iat, iss, ...) are the
// caller's to check.
//
// Cost: keys are parsed and described once, at load(), with their signing
// and verifying contexts prepared (jws.h), so issuing or checking a token
// costs about one signature operation. A token whose header is exactly one
// of this server's (a fixed string per key) skips decoding and parsing the
// header.
//
// Ownership: a TokenSigner owns its keys; it is immutable after load() and
// used by one worker process.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "access/core/status.h"

namespace access_service {

// What a loaded key is, without its key material.
struct SigningKey {
  std::string kid;           // RFC 7638 thumbprint, base64url
  std::string alg;           // a name of the jws_algorithms.h table, from the key type
  std::string file;          // path of the PEM file
  long long signs_from = 0;  // from "<file>.signs_from"; 0 = no sidecar (signs from the start)
  nlohmann::json jwk;        // public JWK: kty, n/e or crv and x(/y), use, alg, kid
  std::string jws_header;    // BASE64URL({"alg","typ":"JWT","kid"}), made at load
};

class TokenSigner {
 public:
  // Loads every key-*.pem in `dir` and chooses the signing key for the time
  // `now` (the clock when omitted): the newest key whose signs_from is not
  // after `now`; when every key is still waiting, the oldest. kNotFound when
  // there is no key (run `accessctl init`), kInvalid naming the file when a
  // file is not a usable private key or a sidecar does not hold a time.
  static Result<std::shared_ptr<TokenSigner>> load(const std::string& dir);
  static Result<std::shared_ptr<TokenSigner>> load(const std::string& dir, long long now);

  TokenSigner();  // no keys: use load()
  ~TokenSigner();
  TokenSigner(const TokenSigner&) = delete;
  TokenSigner& operator=(const TokenSigner&) = delete;

  // Signs `claims` with the signing key: header {"alg","typ","kid"}.
  Result<std::string> sign(const nlohmann::json& claims) const;

  // Verifies a compact JWS and returns its claims (see the order above).
  // kInvalid with a short reason on any failure.
  Result<nlohmann::json> verify(std::string_view token) const;

  // {"keys":[...]} with every loaded public key.
  std::string jwks_json() const;

  // The signing key, and its index in keys().
  const SigningKey& active() const { return keys_[active_]; }
  size_t active_index() const { return active_; }
  // Every key, sorted by file name (oldest first).
  const std::vector<SigningKey>& keys() const { return keys_; }

 private:
  struct Crypto;  // the JwsKey of each entry of keys_ (signer.cpp)

  // The index of the key a header other than a key's own jws_header names,
  // after the alg allow-list, crit and kid checks of verify(); kInvalid
  // otherwise.
  Result<size_t> key_for_header(std::string_view header_b64) const;

  std::vector<SigningKey> keys_;
  std::unique_ptr<Crypto> crypto_;
  size_t active_ = 0;  // the signing key in keys_
};

// Creates a new private key for `algorithm` (a name of the jws_algorithms.h
// table; the key type as described there: RSA 2048, RSA-PSS 2048 restricted
// to SHA-256, EC P-256 or P-384, Ed25519) in `dir` (created 0700 if absent),
// written as PKCS#8 PEM, 0600, via a temporary file and rename. With
// `signs_from` > 0 its "<key file>.signs_from" sidecar is written first (so
// no reader sees the key without it). Returns the new key's path; kInvalid
// naming keys.algorithm and the valid names for any other algorithm.
Result<std::string> create_signing_key(const std::string& dir, const std::string& algorithm,
                                       long long signs_from = 0);

// The names of the key files in `dir` ("key-*.pem", sidecars excluded),
// sorted: oldest first. kNotFound naming the directory and "run accessctl
// init" when it cannot be opened. TokenSigner::load and key_ring.h read the
// directory through it.
Result<std::vector<std::string>> key_file_names(const std::string& dir);

}  // namespace access_service
