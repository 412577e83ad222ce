// Helpers shared by the JWS tests (signer_test, jws_*_test, key_ring_test).
//
// The oracle here is written from RFC 7518 / RFC 8037 and OpenSSL's EVP API
// alone, independently of src/crypto/jws.cpp and src/crypto/jws_algorithms.cpp: its own
// digest and padding per algorithm, its own DER <-> R||S conversion, keys
// rebuilt from published JWKs, and the `openssl` command line. A signature
// the code under test makes is checked with it, and tokens it signs are
// given to the code under test, so neither side grades its own work.
#pragma once

#include <boost/test/unit_test.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "access/crypto/ossl.h"
#include "access/crypto/signer.h"
#include "test_util.h"

namespace access_service {
namespace testing {

// Every algorithm the server must support, written out here (not read from
// the table) so that a test fails when one goes missing.
extern const char* const kJwsAlgs[5];  // RS256, PS256, ES256, ES384, EdDSA

// RFC 7515 A.2 (RS256) and A.3 (ES256) sign the same payload, with its CR LF;
// base64url.
extern const char kRfc7515Payload[];

const unsigned char* bytes(const std::string& s);
std::string b64u(const std::string& raw);
std::string b64d(const std::string& encoded);  // fails the test on bad base64url
std::string b64d(const nlohmann::json& encoded);

struct Parts {
  std::string header, payload, sig;  // still encoded
};
Parts split(const std::string& token);
std::string make_token(const nlohmann::json& header, const nlohmann::json& payload,
                       const std::string& raw_sig);

// ---- keys -----------------------------------------------------------------

// The key a JWK describes: private when it has "d" (RSA: with the CRT
// members), else public only. RSA, EC P-256 / P-384, OKP Ed25519. An RSA JWK
// gives a plain RSA key, whatever its "alg".
EvpPkeyPtr key_from_jwk(const nlohmann::json& jwk);
// EVP_PKEY_Q_keygen(type[, curve]); RSA of `bits`; DSA 1024.
EvpPkeyPtr generate(const char* type, const char* curve = nullptr);
EvpPkeyPtr generate_rsa(size_t bits);
EvpPkeyPtr generate_dsa();
// An RSA-PSS key; restricted to `md` (message, MGF1, least salt = its size)
// unless `md` is empty.
EvpPkeyPtr generate_rsa_pss(const std::string& md, size_t bits = 2048);
// The private key of an RSA or RSA-PSS key as a plain RSA key (no PSS
// restrictions): it makes signatures the restricted key would refuse to.
EvpPkeyPtr plain_rsa_twin(const EVP_PKEY* key);
void write_pem(const std::string& path, const EVP_PKEY* key);
EvpPkeyPtr read_pem(const std::string& path);

// ---- the oracle -------------------------------------------------------------

// R||S (each half of `raw`) as the DER SEQUENCE OpenSSL wants, and back
// (each half `half` bytes).
std::string jose_to_der(const std::string& raw);
std::string der_to_jose(const std::string& der, size_t half);
// The JWS signature of `input` under `alg` made with OpenSSL alone (PSS: salt
// = digest length; ECDSA: R||S). `pss_salt` other than -1 is the PSS salt
// length instead (or one of OpenSSL's RSA_PSS_SALTLEN_* values).
std::string openssl_sign(EVP_PKEY* key, const std::string& alg, const std::string& input,
                         int pss_salt = -1);
// Checks a compact JWS with OpenSSL alone, under the alg of its header.
bool openssl_verifies(EVP_PKEY* pub, const std::string& token);
// A token {"alg": alg, "typ": "JWT", "kid": kid} . payload signed by
// openssl_sign.
std::string openssl_token(EVP_PKEY* key, const std::string& alg, const std::string& kid,
                          const nlohmann::json& claims);

// Runs a shell command; fails the test unless it exits 0. Returns stdout.
std::string run(const std::string& command);

// RFC 7638 3.2 recomputed by hand from a JWK's members.
std::string expected_kid(const nlohmann::json& jwk);
std::set<std::string> member_names(const nlohmann::json& j);

// ---- key directories --------------------------------------------------------

// A key directory with one new key of `alg`, made by create_signing_key.
struct AlgKeys {
  explicit AlgKeys(const std::string& alg);
  std::string sign(const nlohmann::json& claims) const;
  // The published public key, rebuilt from the JWKS document alone.
  EvpPkeyPtr published_key() const;
  // The private key, read back from its file.
  EvpPkeyPtr private_key() const { return read_pem(path); }

  TempDir tmp;
  std::string dir = tmp.file("keys");
  std::string path;
  std::shared_ptr<TokenSigner> signer;
};

// A directory holding `keys` as key-2026010<i>T000000Z.pem, oldest first,
// loaded.
std::shared_ptr<TokenSigner> load_keys(const TempDir& tmp, std::vector<const EVP_PKEY*> keys);

}  // namespace testing
}  // namespace access_service
