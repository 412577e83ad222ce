// JWS signatures (RFC 7515 5.1, 5.2) under the algorithms of
// jws_algorithms.h: the signing input is BASE64URL(header) '.' BASE64URL(payload),
// the signature is raw bytes in JOSE form (RSA: the modulus' size; ECDSA:
// R||S, each the size of the curve's order, never DER; Ed25519: 64 bytes).
// Nothing here checks an allow-list or a kid: that is TokenSigner::verify's
// job (signer.h), which keeps one JwsKey per loaded key.
//
// Cost: a JwsKey sets up its digest-sign and digest-verify contexts once
// (algorithm fetch, key, RSA padding); sign() and verify() work on a copy
// (EVP_MD_CTX_copy_ex), so each costs about one signature operation.
//
// Private to the implementation (OpenSSL types): for src/ and the tests.
#pragma once

#include <string>
#include <string_view>

#include "access/core/status.h"
#include "access/crypto/jws_algorithms.h"
#include "access/crypto/ossl.h"

namespace access_service {

// A key bound to its algorithm. Immutable once made; movable, not copyable.
class JwsKey {
 public:
  // Takes `key` (private, or public to verify only) for `alg`. kInvalid when
  // it is not a key for `alg` (jws_algorithm_for_key names another entry, or
  // none); kInternal when OpenSSL cannot prepare verification.
  static Result<JwsKey> make(EvpPkeyPtr key, const JwsAlgorithm& alg);

  // The JWS signature of `signing_input`. kInvalid when OpenSSL would not
  // prepare signing with the key (!can_sign()); kInternal when it fails
  // (which is what a public key usually gets here).
  Result<std::string> sign(std::string_view signing_input) const;

  // OK when `signature` (JOSE form) is this key's signature of
  // `signing_input` under its algorithm; kInvalid "bad signature" otherwise,
  // including a signature of the wrong length or form (DER for ECDSA) and,
  // for PS256, a salt other than the digest's length (RFC 7518 3.5).
  Status verify(std::string_view signing_input, std::string_view signature) const;

  // Whether signing was prepared. TokenSigner refuses a key file without it.
  bool can_sign() const { return sign_ctx_ != nullptr; }
  const JwsAlgorithm& algorithm() const { return *alg_; }
  const EVP_PKEY* pkey() const { return pkey_.get(); }

 private:
  JwsKey() = default;

  const JwsAlgorithm* alg_ = nullptr;
  EvpPkeyPtr pkey_;
  EvpMdCtxPtr sign_ctx_;    // EVP_DigestSignInit done; null for a public key
  EvpMdCtxPtr verify_ctx_;  // EVP_DigestVerifyInit done
};

// One-shot forms for a key that is not loaded by a TokenSigner (e.g. the
// RFC test vectors): `alg` is looked up in the table (kInvalid for a name not
// in it, such as "none"), `key` is borrowed, and the rest is as JwsKey::make
// followed by sign() or verify(): kInvalid when `key` is not a key for `alg`.
Result<std::string> sign_jws_signature(std::string_view signing_input, std::string_view alg,
                                       EVP_PKEY* key);
Status verify_jws_signature(std::string_view signing_input, std::string_view signature,
                            std::string_view alg, EVP_PKEY* key);

}  // namespace access_service
