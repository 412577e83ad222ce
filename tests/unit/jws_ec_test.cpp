// ES256 and ES384 (RFC 7518 3.4): the RFC 7515 A.3 vector, JWK coordinates
// and R||S halves at full length (32 and 48 bytes), the JOSE signature form
// (R||S, never DER), tokens made by OpenSSL alone and by the `openssl`
// command line, and the refusals (DER, cut or padded signatures, another
// curve's key or signature).
#include <openssl/core_names.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <string>

#include "access/crypto/jws.h"
#include "jws_testing.h"

using namespace access_service;
using namespace access_service::testing;
using json = nlohmann::json;

namespace {

// RFC 7515 A.3: the P-256 key, the header and the signature (of kRfc7515Payload).
const json kEcJwk = {{"kty", "EC"},
                     {"crv", "P-256"},
                     {"x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"},
                     {"y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
                     {"d", "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}};
const char kEs256Header[] = "eyJhbGciOiJFUzI1NiJ9";  // {"alg":"ES256"}
const char kEs256Sig[] =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

struct Curve {
  const char* alg;
  const char* group;  // OpenSSL name
  const char* crv;    // JWK name
  size_t half;        // bytes of x, y, R, S
};
const Curve kCurves[] = {{"ES256", "P-256", "P-256", 32}, {"ES384", "P-384", "P-384", 48}};

}  // namespace

BOOST_AUTO_TEST_SUITE(jws_ec)

BOOST_AUTO_TEST_CASE(rfc7515_a3_es256_vector) {
  std::string input = std::string(kEs256Header) + "." + kRfc7515Payload;
  std::string sig = b64d(std::string(kEs256Sig));
  BOOST_REQUIRE_EQUAL(sig.size(), 64u);  // R||S, not DER
  json pub_jwk = kEcJwk;
  pub_jwk.erase("d");
  EvpPkeyPtr pub = key_from_jwk(pub_jwk);
  BOOST_TEST((*jws_algorithm_for_key(pub.get()))->name == std::string("ES256"));
  Status st = verify_jws_signature(input, sig, "ES256", pub.get());
  BOOST_TEST(st.ok(), st.ToString());
  BOOST_TEST(openssl_verifies(pub.get(), input + "." + kEs256Sig));
  std::string bad_sig = sig;
  bad_sig[40] ^= 1;  // inside S
  BOOST_TEST(!verify_jws_signature(input, bad_sig, "ES256", pub.get()).ok());
  std::string other = input;
  other[other.size() - 2] ^= 1;
  BOOST_TEST(!verify_jws_signature(other, sig, "ES256", pub.get()).ok());
  // The same signature in DER, or cut or padded, is not a JWS signature.
  BOOST_TEST(!verify_jws_signature(input, jose_to_der(sig), "ES256", pub.get()).ok());
  BOOST_TEST(!verify_jws_signature(input, sig.substr(0, 63), "ES256", pub.get()).ok());
  BOOST_TEST(!verify_jws_signature(input, sig + '\0', "ES256", pub.get()).ok());
  BOOST_TEST(!verify_jws_signature(input, '\0' + sig, "ES256", pub.get()).ok());
  BOOST_TEST(!verify_jws_signature(input, sig, "ES384", pub.get()).ok());
  // ECDSA is randomised: a signature with the RFC's private key differs from
  // the RFC's but verifies with its public key.
  EvpPkeyPtr priv = key_from_jwk(kEcJwk);
  Result<std::string> mine = sign_jws_signature(input, "ES256", priv.get());
  BOOST_REQUIRE_MESSAGE(mine.ok(), mine.status().ToString());
  BOOST_TEST(mine->size() == 64u);
  BOOST_TEST(verify_jws_signature(input, *mine, "ES256", pub.get()).ok());
  BOOST_TEST(openssl_verifies(pub.get(), input + "." + b64u(*mine)));
}

BOOST_AUTO_TEST_CASE(rfc7515_ec_key_loaded_from_pem_publishes_the_rfc_jwk) {
  TempDir tmp;
  EvpPkeyPtr ec = key_from_jwk(kEcJwk);
  auto signer = load_keys(tmp, {ec.get()});
  const SigningKey& k = signer->active();
  BOOST_TEST(k.alg == "ES256");
  BOOST_TEST(k.jwk.at("x") == kEcJwk.at("x"));
  BOOST_TEST(k.jwk.at("y") == kEcJwk.at("y"));
  BOOST_TEST(k.kid == expected_kid(kEcJwk));
  BOOST_TEST(!k.jwk.contains("d"));
}

BOOST_AUTO_TEST_CASE(es384_round_trip_jwk_and_signature_form) {
  AlgKeys k("ES384");
  json claims = {{"sub", "user-1"}, {"scope", "read"}};
  std::string token = k.sign(claims);
  Parts p = split(token);
  BOOST_TEST(json::parse(b64d(p.header)) ==
             json({{"alg", "ES384"}, {"typ", "JWT"}, {"kid", k.signer->active().kid}}));
  // RFC 7518 3.4: R||S, 48 bytes each; DER would start with a SEQUENCE tag
  // and be 102-104 bytes long.
  std::string sig = b64d(p.sig);
  BOOST_TEST(sig.size() == 96u);
  BOOST_TEST(*k.signer->verify(token) == claims);
  const json& jwk = k.signer->active().jwk;
  BOOST_TEST(member_names(jwk) ==
             (std::set<std::string>{"alg", "crv", "kid", "kty", "use", "x", "y"}));
  BOOST_TEST(jwk.at("kty") == "EC");
  BOOST_TEST(jwk.at("crv") == "P-384");
  BOOST_TEST(jwk.at("alg") == "ES384");
  BOOST_TEST(jwk.at("x").get<std::string>().size() == 64u);  // 48 bytes, base64url
  BOOST_TEST(b64d(jwk.at("x")).size() == 48u);
  BOOST_TEST(b64d(jwk.at("y")).size() == 48u);
  BOOST_TEST(jwk.at("kid") == expected_kid(jwk));
  EvpPkeyPtr pub = k.published_key();
  BOOST_TEST(EVP_PKEY_eq(pub.get(), k.private_key().get()) == 1);
  BOOST_TEST(openssl_verifies(pub.get(), token));
  std::string again = k.sign(claims);
  BOOST_TEST(again != token);  // randomised
  BOOST_TEST(openssl_verifies(pub.get(), again));
}

// Tokens signed by OpenSSL alone with the loaded key (its own DER -> R||S),
// and the refusals around them.
BOOST_AUTO_TEST_CASE(ecdsa_tokens_signed_by_openssl_alone) {
  for (const Curve& c : kCurves) {
    BOOST_TEST_CONTEXT(c.alg) {
      AlgKeys k(c.alg);
      const std::string kid = k.signer->active().kid;
      EvpPkeyPtr key = k.private_key();
      json claims = {{"sub", "u"}};
      std::string token = openssl_token(key.get(), c.alg, kid, claims);
      Result<json> r = k.signer->verify(token);
      BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
      BOOST_TEST(*r == claims);
      Parts p = split(token);
      std::string sig = b64d(p.sig), input = p.header + "." + p.payload;
      BOOST_REQUIRE_EQUAL(sig.size(), 2 * c.half);
      auto refused = [&](const std::string& s) {
        Result<json> v = k.signer->verify(input + "." + b64u(s));
        return v.status().message() == "bad signature";
      };
      // The DER OpenSSL verifies (it is the same signature) is not a JWS one.
      std::string der = jose_to_der(sig);
      BOOST_TEST(refused(der));
      for (const std::string& s :
           {sig.substr(0, sig.size() - 1), sig.substr(0, c.half), sig + '\0',
            std::string(1, '\0') + sig, sig + sig, std::string(2 * c.half, '\0'), std::string()})
        BOOST_TEST(refused(s), s.size() << " bytes");
      // The other curve's signature length, and R and S swapped.
      BOOST_TEST(refused(std::string(c.half == 32 ? 96 : 64, '\x01')));
      BOOST_TEST(refused(sig.substr(c.half) + sig.substr(0, c.half)));
    }
  }
}

// Another curve's key: an ES256 signature under an ES384 header with the
// ES384 kid, or the reverse, never verifies; the header naming the other
// algorithm is refused before any signature check.
BOOST_AUTO_TEST_CASE(wrong_curve_is_refused) {
  TempDir tmp;
  EvpPkeyPtr p256 = generate("EC", "P-256"), p384 = generate("EC", "P-384");
  auto signer = load_keys(tmp, {p256.get(), p384.get()});
  const SigningKey& k256 = signer->keys()[0];
  const SigningKey& k384 = signer->keys()[1];
  BOOST_REQUIRE(k256.alg == "ES256");
  BOOST_REQUIRE(k384.alg == "ES384");
  json claims = {{"sub", "x"}};
  BOOST_TEST(signer->verify(openssl_token(p256.get(), "ES256", k256.kid, claims)).ok());
  BOOST_TEST(signer->verify(openssl_token(p384.get(), "ES384", k384.kid, claims)).ok());
  BOOST_TEST(
      signer->verify(openssl_token(p256.get(), "ES256", k384.kid, claims)).status().message() ==
      "algorithm does not match key");
  BOOST_TEST(
      signer->verify(openssl_token(p384.get(), "ES384", k256.kid, claims)).status().message() ==
      "algorithm does not match key");
  // Under the right header and kid, a P-256 key's (64-byte) signature.
  std::string input =
      b64u(json{{"alg", "ES384"}, {"kid", k384.kid}}.dump()) + "." + b64u(claims.dump());
  std::string by_p256 = openssl_sign(p256.get(), "ES256", input);
  BOOST_TEST(signer->verify(input + "." + b64u(by_p256)).status().message() == "bad signature");
  // The same P-256 signature padded to 96 bytes (R and S each left-padded).
  std::string padded =
      std::string(16, '\0') + by_p256.substr(0, 32) + std::string(16, '\0') + by_p256.substr(32);
  BOOST_TEST(signer->verify(input + "." + b64u(padded)).status().message() == "bad signature");
  BOOST_TEST(!verify_jws_signature(input, by_p256, "ES256", p384.get()).ok());
  BOOST_TEST(sign_jws_signature(input, "ES256", p384.get()).status().is_invalid());
  BOOST_TEST(sign_jws_signature(input, "ES384", p256.get()).status().is_invalid());
}

BOOST_AUTO_TEST_CASE(es384_signature_from_the_openssl_command_line) {
  TempDir tmp;
  const std::string key_file = tmp.file("key-20260101T000000Z.pem");
  run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out '" + key_file + "'");
  auto signer = TokenSigner::load(tmp.path());
  BOOST_REQUIRE_MESSAGE(signer.ok(), signer.status().ToString());
  const SigningKey& k = (*signer)->active();
  BOOST_TEST(k.alg == "ES384");
  std::string input = b64u(json{{"alg", "ES384"}, {"typ", "JWT"}, {"kid", k.kid}}.dump()) + "." +
                      b64u(json{{"sub", "cli"}}.dump());
  std::ofstream(tmp.file("input")) << input;
  run("openssl dgst -sha384 -sign '" + key_file + "' -out '" + tmp.file("sig.der") + "' '" +
      tmp.file("input") + "'");
  std::string der = testing::read_text(tmp.file("sig.der"));
  BOOST_TEST(!(*signer)->verify(input + "." + b64u(der)).ok());  // DER as it comes: refused
  Result<json> claims = (*signer)->verify(input + "." + b64u(der_to_jose(der, 48)));
  BOOST_REQUIRE_MESSAGE(claims.ok(), claims.status().ToString());
  BOOST_TEST(claims->at("sub") == "cli");
}

// EC coordinates and ECDSA R and S shorter than the order as integers are
// left-padded (RFC 7518 6.2.1.2 and 3.4); found by trying, about 1 in 128
// keys and 1 in 256 signatures.
BOOST_AUTO_TEST_CASE(short_coordinates_and_signature_halves_are_padded) {
  for (const Curve& c : kCurves) {
    BOOST_TEST_CONTEXT(c.alg) {
      EvpPkeyPtr key;
      for (int i = 0; i < 3000 && !key; ++i) {
        EvpPkeyPtr k = generate("EC", c.group);
        BIGNUM* x = nullptr;
        BIGNUM* y = nullptr;
        BOOST_REQUIRE(EVP_PKEY_get_bn_param(k.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
                      EVP_PKEY_get_bn_param(k.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1);
        BnPtr bx(x), by(y);
        const size_t shortest = static_cast<size_t>(std::min(BN_num_bytes(x), BN_num_bytes(y)));
        if (shortest < c.half) key = std::move(k);
      }
      BOOST_REQUIRE_MESSAGE(key, "no key with a short coordinate in 3000 tries");
      TempDir tmp;
      auto signer = load_keys(tmp, {key.get()});
      const json& jwk = signer->active().jwk;
      std::string x = b64d(jwk.at("x")), y = b64d(jwk.at("y"));
      BOOST_TEST(x.size() == c.half);
      BOOST_TEST(y.size() == c.half);
      BOOST_TEST((x[0] == '\0' || y[0] == '\0'));
      BOOST_TEST(signer->active().kid == expected_kid(jwk));
      EvpPkeyPtr published = key_from_jwk(jwk);
      BOOST_TEST(EVP_PKEY_eq(published.get(), key.get()) == 1);
      // One token whose R starts with a zero byte and one whose S does
      // (8000 tries miss with a probability below 1e-13).
      std::string short_r, short_s;
      for (int i = 0; i < 8000 && (short_r.empty() || short_s.empty()); ++i) {
        std::string t = signer->sign({{"n", i}}).value();
        std::string sig = b64d(split(t).sig);
        BOOST_REQUIRE_EQUAL(sig.size(), 2 * c.half);
        if (sig[0] == '\0') short_r = t;
        if (sig[c.half] == '\0') short_s = t;
      }
      BOOST_REQUIRE_MESSAGE(!short_r.empty() && !short_s.empty(), "no short R and S");
      for (const std::string& token : {short_r, short_s}) {
        BOOST_TEST(signer->verify(token).ok());
        BOOST_TEST(openssl_verifies(published.get(), token));
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
