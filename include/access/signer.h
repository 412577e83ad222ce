// TokenSigner: the server's signing keys, JWT signing and verification, JWKS.
//
// Keys are PEM files (PKCS#8 private keys, mode 0600) in the key directory,
// named "key-<UTC timestamp>.pem" so that the newest sorts last. A key may
// carry a sidecar "<key file>.signs_from" holding a time (decimal epoch
// seconds, written by `accessctl key rotate`, key_ring.h): it signs only from
// then on, so that it is published in JWKS before any token needs it. The
// signing key is the newest whose time has come (a key without the sidecar
// signs from the start); every key verifies and is published in JWKS. The
// `kid` of a key is its RFC 7638 JWK thumbprint. The key type decides the
// algorithm:
//   RSA of at least 2048 bits  -> RS256 (RFC 7518 3.3)
//   EC on P-256                -> ES256 (RFC 7518 3.4, signature R||S, 64 bytes)
//   Ed25519                    -> EdDSA (RFC 8037 3.1, signature 64 bytes)
// Any other key (other curves, Ed448, DSA, shorter RSA) is refused at load.
// Keys of different types may coexist (e.g. while moving from RS256 to
// ES256); each token carries the algorithm of the key that signed it.
//
// verify() checks, in this order: the compact form (exactly three base64url
// segments, bounded size), the header's `alg` against the allow-list (so
// "none" and anything unexpected is refused before any cryptography), the
// `kid` against the loaded keys and the key's own algorithm, then the
// signature. Allowed: RS256, ES256, EdDSA. Claims (exp, iat, iss, ...) are
// the caller's to check.
//
// Cost: keys are parsed and described once, at load(); each key also keeps a
// digest-sign and a digest-verify context initialised there, which sign() and
// verify() copy (EVP_MD_CTX_copy_ex) instead of setting up the algorithm
// again, so issuing or checking a token costs about one signature operation.
// A token whose header is exactly one of this server's (a fixed string per
// key) skips decoding and parsing the header.
//
// Ownership: a TokenSigner owns its EVP_PKEY and EVP_MD_CTX handles; it is
// immutable after load() and used by one worker process.
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
struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter>;

struct SigningKey {
  std::string kid;     // RFC 7638 thumbprint, base64url
  std::string alg;     // "RS256", "ES256" or "EdDSA", from the key type
  std::string file;    // path of the PEM file
  long long signs_from = 0;  // from "<file>.signs_from"; 0 = no sidecar (signs from the start)
  nlohmann::json jwk;  // public JWK: kty, crv, n/e or x(/y), use, alg, kid
  EvpPkeyPtr pkey;
  std::string jws_header;  // BASE64URL({"alg","typ":"JWT","kid"}), made at load
  EvpMdCtxPtr sign_ctx;    // EVP_DigestSignInit done at load; sign() copies it
  EvpMdCtxPtr verify_ctx;  // EVP_DigestVerifyInit done at load; verify() copies it
};

class TokenSigner {
 public:
  // Loads every key-*.pem in `dir` and chooses the signing key for the time
  // `now` (the clock when omitted): the newest key whose signs_from is not
  // after `now`; when every key is still waiting, the oldest. kNotFound when
  // there is no key (run `accessctl init`), kInvalid when a file is not a
  // usable private key or a sidecar does not hold a time.
  static Result<std::shared_ptr<TokenSigner>> load(const std::string& dir);
  static Result<std::shared_ptr<TokenSigner>> load(const std::string& dir, long long now);

  // Signs `claims` with the signing key: header {"alg","typ","kid"}.
  Result<std::string> sign(const nlohmann::json& claims) const;

  // Verifies a compact JWS and returns its claims (see the order above).
  // kInvalid with a short reason on any failure.
  Result<nlohmann::json> verify(std::string_view token) const;

  // {"keys":[...]} with every loaded public key.
  std::string jwks_json() const;

  // The signing key, and its index in keys().
  const SigningKey& active() const { return *keys_[active_]; }
  size_t active_index() const { return active_; }
  const std::vector<std::unique_ptr<SigningKey>>& keys() const { return keys_; }

 private:
  // The key a header other than a key's own jws_header names, after the
  // alg allow-list, crit and kid checks of verify(); kInvalid otherwise.
  Result<const SigningKey*> key_for_header(std::string_view header_b64) const;

  std::vector<std::unique_ptr<SigningKey>> keys_;  // sorted by file name, newest last
  size_t active_ = 0;                               // the signing key in keys_
};

// Creates a new private key of `algorithm` in `dir` (created 0700 if absent),
// written as PKCS#8 PEM, 0600, via a temporary file and rename: "RS256" makes
// RSA 2048, "ES256" EC P-256, "EdDSA" Ed25519. With `signs_from` > 0 its
// "<key file>.signs_from" sidecar is written first (so no reader sees the key
// without it). Returns the new key's path; kInvalid naming keys.algorithm for
// any other algorithm.
Result<std::string> create_signing_key(const std::string& dir, const std::string& algorithm,
                                       long long signs_from = 0);

// Writes `content` to `path` atomically (temporary file, fsync, rename) with
// permission `mode`.
Status write_file_atomic(const std::string& path, const std::string& content, int mode);

// JWS signature primitives (RFC 7515 5.1/5.2). TokenSigner uses these same
// functions; they are public so that a compact JWS can be checked against a
// given key (e.g. the RFC test vectors) without a key directory. They check
// neither an allow-list nor a kid: that is TokenSigner::verify's job.

// The JWS algorithm this server uses with `key`: "RS256" (RSA >= 2048 bits),
// "ES256" (EC P-256) or "EdDSA" (Ed25519); "" for any other key.
std::string jws_alg_for_key(const EVP_PKEY* key);

// The JWS signature of `signing_input` (BASE64URL(header) '.' BASE64URL(payload))
// made with the private `key` under `alg`, as raw bytes in JOSE form: RS256
// the PKCS#1 v1.5 signature, ES256 R||S (32 bytes each), EdDSA 64 bytes.
// kInvalid when `key` is not a key for `alg`; kInternal when OpenSSL fails.
Result<std::string> sign_jws_signature(std::string_view signing_input, const std::string& alg,
                                       EVP_PKEY* key);

// Checks the raw JWS `signature` (JOSE form, as above) over `signing_input`
// with the (public or private) `key` under `alg`. OK, or kInvalid: unknown
// alg, a key not for `alg`, an ES256 or EdDSA signature not of exactly 64
// bytes, or a signature that does not verify.
Status verify_jws_signature(std::string_view signing_input, std::string_view signature,
                            const std::string& alg, EVP_PKEY* key);

}  // namespace access_service
