// The JWS algorithms this server signs and verifies with, as data: one
// JwsAlgorithm entry per algorithm, in one table (src/crypto/jws_algorithms.cpp).
// Nothing else in the server branches on an algorithm's name: the allow-list
// of TokenSigner::verify, the values keys.algorithm accepts, the keys
// create_signing_key can make, the way a signature is made and encoded and
// the JWK a key publishes all come from the table, so adding an algorithm
// (PS384, ES512, ...) is adding one entry.
//
// Each algorithm has a key type of its own, so a key file records its
// algorithm by what it is (no sidecar, no naming rule), and a key can never
// be taken for another algorithm's after a restart:
//   RS256  RSA (rsaEncryption), >= 2048 bits       RSASSA-PKCS1-v1_5, SHA-256 (RFC 7518 3.3)
//   PS256  RSA-PSS (id-RSASSA-PSS), >= 2048 bits,  RSASSA-PSS, SHA-256, MGF1 SHA-256, salt
//          its parameters restricted to SHA-256    of 32 bytes = the digest (RFC 7518 3.5)
//   ES256  EC P-256                                ECDSA SHA-256, signature R||S, 64 bytes (3.4)
//   ES384  EC P-384                                ECDSA SHA-384, signature R||S, 96 bytes (3.4)
//   EdDSA  Ed25519                                 RFC 8037 3.1, signature 64 bytes
// A PS256 key is an RSA-PSS key (PKCS#8 "BEGIN PRIVATE KEY" all the same)
// whose PSS parameters name SHA-256, as `openssl genpkey -algorithm RSA-PSS
// -pkeyopt rsa_pss_keygen_md:sha256 ...` and create_signing_key make it;
// OpenSSL itself then refuses to use it for PKCS#1 v1.5 or another digest.
// An RSA-PSS key without restrictions does not say which digest it is for
// and is refused, like every key that fits no entry.
//
// Private to the implementation (OpenSSL types): for src/ and the tests.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "access/core/status.h"
#include "access/crypto/ossl.h"

namespace access_service {

// How OpenSSL's signature becomes the JWS signature.
enum class JwsSignatureForm {
  kAsIs,   // the same bytes (RSA, Ed25519)
  kRawRS,  // ECDSA: OpenSSL's DER SEQUENCE of R and S <-> R||S, each left-padded to
           // the size of the curve's order (RFC 7518 3.4)
};

// RSA signature padding; kNone for other key types.
enum class JwsPadding { kNone, kPkcs1, kPss };

struct JwsAlgorithm {
  const char* name;           // the JWS "alg" value, compared case-sensitively
  const char* key_type;       // OpenSSL key type of its keys (EVP_PKEY_is_a)
  const char* ec_group;       // EC: the curve's OpenSSL name; nullptr otherwise
  int rsa_min_bits;           // RSA: shortest modulus accepted (RFC 7518 3.3, 3.5); else 0
  const EVP_MD* (*digest)();  // nullptr: the scheme hashes by itself (EdDSA, RFC 8032)
  JwsPadding padding;         // kPss: salt length = digest length, MGF1 with the digest
  JwsSignatureForm form;
  size_t signature_bytes;   // exact length of a JWS signature; 0 = the RSA modulus size
  size_t coordinate_bytes;  // EC: bytes of JWK x, y and of R, S (RFC 7518 6.2.1.2, 3.4);
                            // OKP: bytes of x (RFC 8037 2); 0 for RSA
  const char* jwk_kty;      // "RSA", "EC", "OKP"
  const char* jwk_crv;      // "P-256", "P-384", "Ed25519"; nullptr for RSA
  const char* key_text;     // what its keys are, for messages ("EC P-384")
  // A fresh private key for this algorithm; null when OpenSSL fails.
  EvpPkeyPtr (*generate)(const JwsAlgorithm&);
  // The public members RFC 7638 3.2 requires for the key type (kty, n/e,
  // crv/x/y, crv/x), in JWK encoding; a member is "" when the key lacks it.
  nlohmann::json (*jwk_members)(const JwsAlgorithm&, const EVP_PKEY*);
};

// Every entry, in the order they are listed to people (RS256 first, the
// default of keys.algorithm).
const std::vector<JwsAlgorithm>& jws_algorithms();

// The entry named exactly `name`; nullptr for any other string ("none",
// "rs256", "HS256", ...).
const JwsAlgorithm* find_jws_algorithm(std::string_view name);

// The names of every entry, in table order.
std::vector<std::string> jws_algorithm_names();
// The same for a sentence: "RS256, PS256, ES256, ES384 or EdDSA".
std::string jws_algorithm_list();

// The one entry `key` is a key for (its type, curve, size and, for RSA-PSS,
// its parameter restrictions). kInvalid with the reason otherwise: an RSA key
// that is too short, an RSA-PSS key restricted to no or another digest, or a
// key of no listed type (other curves, Ed448, DSA, ...), naming the key types
// that are accepted.
Result<const JwsAlgorithm*> jws_algorithm_for_key(const EVP_PKEY* key);

// The JWK of the public half of `key` for `alg`: the RFC 7638 members plus
// "use":"sig", "alg" and "kid" (the RFC 7638 thumbprint, also returned in
// `kid`). kInvalid when a member cannot be read from the key.
Result<nlohmann::json> public_jwk(const JwsAlgorithm& alg, const EVP_PKEY* key, std::string* kid);

}  // namespace access_service
