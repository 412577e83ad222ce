// EdDSA with Ed25519 (RFC 8037): the A.1-A.5 vectors, the key loaded from a
// PEM file publishing the RFC's JWK and thumbprint, and the 64-byte
// signature rule.
#include <boost/test/unit_test.hpp>
#include <string>

#include "access/crypto/jws.h"
#include "jws_testing.h"

using namespace access_service;
using namespace access_service::testing;
using json = nlohmann::json;

namespace {

// RFC 8037 A.1 (key), A.3 (its thumbprint), A.4 (JWS).
const json kJwk = {{"kty", "OKP"},
                   {"crv", "Ed25519"},
                   {"d", "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"},
                   {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}};
const char kThumbprint[] = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
const char kInput[] = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
const char kSig[] =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

json public_jwk_of(const json& jwk) {
  json pub = jwk;
  pub.erase("d");
  return pub;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(jws_eddsa)

BOOST_AUTO_TEST_CASE(rfc8037_ed25519_vector) {
  // A.4: the signing input is {"alg":"EdDSA"} and "Example of Ed25519 signing".
  BOOST_TEST(kInput == b64u(R"({"alg":"EdDSA"})") + "." + b64u("Example of Ed25519 signing"));
  EvpPkeyPtr priv = key_from_jwk(kJwk);
  BOOST_TEST((*jws_algorithm_for_key(priv.get()))->name == std::string("EdDSA"));
  // A.1/A.2: the public key x follows from the private d.
  unsigned char x[32];
  size_t len = sizeof x;
  BOOST_REQUIRE(EVP_PKEY_get_raw_public_key(priv.get(), x, &len) == 1);
  BOOST_TEST(b64u(std::string(reinterpret_cast<char*>(x), len)) == kJwk.at("x"));
  // A.4: Ed25519 is deterministic, so the signature is exactly the RFC's.
  Result<std::string> mine = sign_jws_signature(kInput, "EdDSA", priv.get());
  BOOST_REQUIRE_MESSAGE(mine.ok(), mine.status().ToString());
  BOOST_TEST(b64u(*mine) == kSig);
  // A.5: verification with the public key only.
  EvpPkeyPtr pub = key_from_jwk(public_jwk_of(kJwk));
  std::string sig = b64d(std::string(kSig));
  Status st = verify_jws_signature(kInput, sig, "EdDSA", pub.get());
  BOOST_TEST(st.ok(), st.ToString());
  BOOST_TEST(openssl_verifies(pub.get(), std::string(kInput) + "." + kSig));
  std::string bad_sig = sig;
  bad_sig[7] ^= 1;
  BOOST_TEST(!verify_jws_signature(kInput, bad_sig, "EdDSA", pub.get()).ok());
  std::string other = kInput;
  other.back() = 'd';
  BOOST_TEST(!verify_jws_signature(other, sig, "EdDSA", pub.get()).ok());
  BOOST_TEST(!verify_jws_signature(kInput, sig.substr(0, 63), "EdDSA", pub.get()).ok());
  BOOST_TEST(!verify_jws_signature(kInput, sig + '\0', "EdDSA", pub.get()).ok());
  for (const char* alg : {"ES256", "ES384", "RS256", "PS256", "Ed25519", "none"})
    BOOST_TEST(!verify_jws_signature(kInput, sig, alg, pub.get()).ok(), alg);
}

// The RFC key as a key file: JWK and kid are the RFC's (A.3); the token it
// signs verifies with the RFC public key.
BOOST_AUTO_TEST_CASE(rfc8037_key_loaded_from_pem_publishes_the_rfc_jwk) {
  TempDir tmp;
  EvpPkeyPtr ed = key_from_jwk(kJwk);
  auto signer = load_keys(tmp, {ed.get()});
  const SigningKey& k = signer->active();
  BOOST_TEST(k.alg == "EdDSA");
  BOOST_TEST(k.jwk.at("x") == kJwk.at("x"));
  BOOST_TEST(k.kid == kThumbprint);
  BOOST_TEST(k.kid == expected_kid(kJwk));
  BOOST_TEST(!k.jwk.contains("d"));
  std::string token = signer->sign({{"sub", "x"}}).value();
  BOOST_TEST(openssl_verifies(key_from_jwk(public_jwk_of(kJwk)).get(), token));
}

BOOST_AUTO_TEST_CASE(eddsa_signatures_must_be_64_bytes) {
  AlgKeys k("EdDSA");
  Parts p = split(k.sign({{"sub", "x"}}));
  std::string sig = b64d(p.sig);
  BOOST_REQUIRE_EQUAL(sig.size(), 64u);
  auto with_sig = [&](const std::string& s) { return p.header + "." + p.payload + "." + b64u(s); };
  BOOST_TEST(k.signer->verify(with_sig(sig)).ok());
  for (const std::string& s : {std::string(), sig.substr(0, 32), sig.substr(0, 63), sig + '\0',
                               std::string(1, '\0') + sig, sig + sig, std::string(64, '\0')}) {
    Result<json> r = k.signer->verify(with_sig(s));
    BOOST_TEST(r.status().message() == "bad signature", s.size() << " bytes");
  }
}

BOOST_AUTO_TEST_SUITE_END()
