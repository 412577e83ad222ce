// RS256 and PS256 (RFC 7518 3.3, 3.5): the RFC 7515 A.2 vector, what a PS256
// key is (an RSA-PSS key restricted to SHA-256) and how it is told from an
// RS256 key, PSS salt length, and tokens made by OpenSSL alone or by the
// `openssl` command line, accepted or refused by TokenSigner.
#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <string>

#include "access/crypto/jws.h"
#include "jws_testing.h"

using namespace access_service;
using namespace access_service::testing;
using json = nlohmann::json;

namespace {

// RFC 7515 A.2: the payload's JSON (kRfc7515Payload encoded), RSA key,
// header {"alg":"RS256"}, signature.
const char kPayloadJson[] =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
const json kRsaJwk = {
    {"kty", "RSA"},
    {"n",
     "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4"
     "d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5re"
     "xMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxX"
     "FvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"},
    {"e", "AQAB"},
    {"d",
     "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXO"
     "oAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51"
     "gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3c"
     "cPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ"},
    {"p",
     "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5P"
     "JdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc"},
    {"q",
     "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZ"
     "D_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc"},
    {"dp",
     "BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R"
     "6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0"},
    {"dq",
     "h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0aja"
     "HF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU"},
    {"qi",
     "IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7Y"
     "IBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"}};
const char kRs256Header[] = "eyJhbGciOiJSUzI1NiJ9";  // {"alg":"RS256"}
const char kRs256Sig[] =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4"
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB"
    "p0igcN_IoypGlUPQGe77Rw";

bool verifies(const AlgKeys& k, const std::string& token) { return k.signer->verify(token).ok(); }

// The name of the digest an RSA-PSS key's parameters name ("" when none).
std::string pss_digest(const EVP_PKEY* key) {
  char name[64] = "";
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_RSA_DIGEST, name, sizeof name, &len) != 1)
    return "";
  return name;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(jws_rsa)

BOOST_AUTO_TEST_CASE(rfc7515_a2_rs256_vector) {
  std::string input = std::string(kRs256Header) + "." + kRfc7515Payload;
  BOOST_TEST(b64d(std::string(kRfc7515Payload)) == kPayloadJson);
  std::string sig = b64d(std::string(kRs256Sig));
  EvpPkeyPtr pub = key_from_jwk({{"kty", "RSA"}, {"n", kRsaJwk.at("n")}, {"e", kRsaJwk.at("e")}});
  BOOST_TEST((*jws_algorithm_for_key(pub.get()))->name == std::string("RS256"));
  Status st = verify_jws_signature(input, sig, "RS256", pub.get());
  BOOST_TEST(st.ok(), st.ToString());
  // RSASSA-PKCS1-v1_5 is deterministic: the RFC's key gives the RFC's bytes.
  EvpPkeyPtr priv = key_from_jwk(kRsaJwk);
  Result<std::string> mine = sign_jws_signature(input, "RS256", priv.get());
  BOOST_REQUIRE_MESSAGE(mine.ok(), mine.status().ToString());
  BOOST_TEST(b64u(*mine) == kRs256Sig);
  // One changed byte of input or signature, or another alg, fails; a plain
  // RSA key is not a PS256 key.
  std::string other = input;
  other[other.size() - 2] ^= 1;
  BOOST_TEST(!verify_jws_signature(other, sig, "RS256", pub.get()).ok());
  std::string bad_sig = sig;
  bad_sig[100] ^= 0x40;
  BOOST_TEST(!verify_jws_signature(input, bad_sig, "RS256", pub.get()).ok());
  for (const char* alg : {"PS256", "ES256", "RS512", "none"})
    BOOST_TEST(!verify_jws_signature(input, sig, alg, pub.get()).ok(), alg);
  BOOST_TEST(sign_jws_signature(input, "PS256", priv.get()).status().is_invalid());
}

// The RFC key as a key file: its JWK is the RFC's public JWK, its kid the
// RFC 7638 thumbprint of it.
BOOST_AUTO_TEST_CASE(rfc7515_rsa_key_loaded_from_pem_publishes_the_rfc_jwk) {
  TempDir tmp;
  EvpPkeyPtr rsa = key_from_jwk(kRsaJwk);
  auto signer = load_keys(tmp, {rsa.get()});
  const SigningKey& k = signer->active();
  BOOST_TEST(k.alg == "RS256");
  BOOST_TEST(k.jwk.at("n") == kRsaJwk.at("n"));
  BOOST_TEST(k.jwk.at("e") == "AQAB");
  BOOST_TEST(k.kid == expected_kid(kRsaJwk));
  BOOST_TEST(!k.jwk.contains("d"));
}

// What create_signing_key writes for PS256 is an RSA-PSS key restricted to
// SHA-256: it says PS256 by itself, across a restart, next to an RS256 key.
BOOST_AUTO_TEST_CASE(ps256_key_is_rsa_pss_restricted_to_sha256) {
  AlgKeys k("PS256");
  EvpPkeyPtr key = k.private_key();
  BOOST_TEST(EVP_PKEY_is_a(key.get(), "RSA-PSS") == 1);
  BOOST_TEST(EVP_PKEY_is_a(key.get(), "RSA") == 0);
  BOOST_TEST(EVP_PKEY_get_bits(key.get()) == 2048);
  BOOST_TEST(EVP_MD_is_a(EVP_sha256(), pss_digest(key.get()).c_str()) == 1, pss_digest(key.get()));
  BOOST_TEST(testing::read_text(k.path).rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);
  // The openssl command line reads the restrictions from the file alone.
  std::string text = run("openssl pkey -noout -text -in '" + k.path + "'");
  BOOST_TEST(text.find("Hash Algorithm: SHA2-256") != std::string::npos, text);
  BOOST_TEST(text.find("Minimum Salt Length: 32") != std::string::npos, text);
  // OpenSSL itself refuses PKCS#1 v1.5 with it.
  EvpMdCtxPtr md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  BOOST_TEST(!(EVP_DigestSignInit(md.get(), &pctx, EVP_sha256(), nullptr, key.get()) == 1 &&
               EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1));
}

BOOST_AUTO_TEST_CASE(ps256_round_trip_and_jwk) {
  AlgKeys k("PS256");
  json claims = {{"sub", "user-1"}, {"scope", "read"}};
  std::string token = k.sign(claims);
  Parts p = split(token);
  BOOST_TEST(json::parse(b64d(p.header)) ==
             json({{"alg", "PS256"}, {"typ", "JWT"}, {"kid", k.signer->active().kid}}));
  BOOST_TEST(b64d(p.sig).size() == 256u);
  BOOST_TEST(*k.signer->verify(token) == claims);
  // PSS is randomised (salt): a second token differs, and verifies too.
  std::string again = k.sign(claims);
  BOOST_TEST(again != token);
  BOOST_TEST(verifies(k, again));
  // JWK: kty RSA with n and e only (a JWK has no RSA-PSS key type), alg PS256.
  const json& jwk = k.signer->active().jwk;
  BOOST_TEST(member_names(jwk) == (std::set<std::string>{"alg", "e", "kid", "kty", "n", "use"}));
  BOOST_TEST(jwk.at("kty") == "RSA");
  BOOST_TEST(jwk.at("alg") == "PS256");
  BOOST_TEST(jwk.at("e") == "AQAB");
  std::string n = b64d(jwk.at("n"));
  BOOST_TEST(n.size() == 256u);
  BOOST_TEST(n[0] != '\0');  // RFC 7518 6.3.1.1
  BOOST_TEST(jwk.at("kid") == expected_kid(jwk));
  // A resource server holding only the JWK (a plain RSA public key) verifies
  // with RSASSA-PSS, SHA-256, MGF1 SHA-256, salt 32.
  EvpPkeyPtr pub = k.published_key();
  BOOST_TEST(openssl_verifies(pub.get(), token));
  BOOST_TEST(openssl_verifies(pub.get(), again));
}

// Signed by OpenSSL alone (with the same key, and with a plain RSA key of
// the same numbers): accepted when the salt is the digest's length, refused
// otherwise (RFC 7518 3.5), and PKCS#1 v1.5 under PS256 is refused.
BOOST_AUTO_TEST_CASE(ps256_tokens_signed_by_openssl_alone) {
  AlgKeys k("PS256");
  const std::string kid = k.signer->active().kid;
  EvpPkeyPtr key = k.private_key();
  EvpPkeyPtr twin = plain_rsa_twin(key.get());
  json claims = {{"sub", "u"}};
  BOOST_TEST(verifies(k, openssl_token(key.get(), "PS256", kid, claims)));
  BOOST_TEST(verifies(k, openssl_token(twin.get(), "PS256", kid, claims)));
  std::string input = b64u(json{{"alg", "PS256"}, {"kid", kid}}.dump()) + "." + b64u(claims.dump());
  BOOST_TEST(verifies(k, input + "." + b64u(openssl_sign(twin.get(), "PS256", input))));
  for (int salt : {0, 20, 31, 33, 64, RSA_PSS_SALTLEN_MAX}) {
    std::string token = input + "." + b64u(openssl_sign(twin.get(), "PS256", input, salt));
    Result<json> r = k.signer->verify(token);
    BOOST_TEST(r.status().message() == "bad signature", "salt " << salt);
  }
  // RSASSA-PKCS1-v1_5 bytes under a PS256 header, and under an RS256 header
  // with the PS256 key's kid.
  std::string pkcs1 = openssl_sign(twin.get(), "RS256", input);
  BOOST_TEST(k.signer->verify(input + "." + b64u(pkcs1)).status().message() == "bad signature");
  BOOST_TEST(k.signer->verify(openssl_token(twin.get(), "RS256", kid, claims)).status().message() ==
             "algorithm does not match key");
  // Cut or padded signatures.
  std::string good = openssl_sign(key.get(), "PS256", input);
  for (const std::string& s : {good.substr(0, 255), good + '\0', std::string(1, '\0') + good,
                               std::string(), std::string(256, '\0')})
    BOOST_TEST(!verifies(k, input + "." + b64u(s)), s.size() << " bytes");
}

// A PS256 key and a signature made with the openssl command line, as an
// administrator would (README, Keys and rotation).
BOOST_AUTO_TEST_CASE(ps256_key_and_signature_from_the_openssl_command_line) {
  TempDir tmp;
  const std::string key_file = tmp.file("key-20260101T000000Z.pem");
  run("openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 "
      "-pkeyopt rsa_pss_keygen_md:sha256 -pkeyopt rsa_pss_keygen_mgf1_md:sha256 "
      "-pkeyopt rsa_pss_keygen_saltlen:32 -out '" +
      key_file + "'");
  auto signer = TokenSigner::load(tmp.path());
  BOOST_REQUIRE_MESSAGE(signer.ok(), signer.status().ToString());
  const SigningKey& k = (*signer)->active();
  BOOST_TEST(k.alg == "PS256");
  std::string input = b64u(json{{"alg", "PS256"}, {"typ", "JWT"}, {"kid", k.kid}}.dump()) + "." +
                      b64u(json{{"sub", "cli"}}.dump());
  std::ofstream(tmp.file("input")) << input;
  run("openssl dgst -sha256 -sign '" + key_file + "' -sigopt rsa_padding_mode:pss " +
      "-sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256 -out '" + tmp.file("sig") + "' '" +
      tmp.file("input") + "'");
  std::string sig = testing::read_text(tmp.file("sig"));
  Result<json> claims = (*signer)->verify(input + "." + b64u(sig));
  BOOST_REQUIRE_MESSAGE(claims.ok(), claims.status().ToString());
  BOOST_TEST(claims->at("sub") == "cli");
  // ...and the command line verifies what the server signs, with the public
  // key it derives from the same file.
  std::string token = (*signer)->sign({{"sub", "srv"}}).value();
  Parts p = split(token);
  std::ofstream(tmp.file("input2")) << p.header + "." + p.payload;
  std::ofstream(tmp.file("sig2"), std::ios::binary) << b64d(p.sig);
  run("openssl pkey -pubout -in '" + key_file + "' -out '" + tmp.file("pub.pem") + "'");
  std::string out = run("openssl dgst -sha256 -verify '" + tmp.file("pub.pem") +
                        "' -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -signature '" +
                        tmp.file("sig2") + "' '" + tmp.file("input2") + "'");
  BOOST_TEST(out.find("Verified OK") != std::string::npos, out);
}

// RSA-PSS keys that do not say PS256: no restrictions, another digest, or
// too short. Each is refused at load, naming the file.
BOOST_AUTO_TEST_CASE(rsa_pss_keys_without_ps256_parameters_are_refused) {
  struct Case {
    const char* what;
    EvpPkeyPtr key;
  };
  Case cases[] = {{"unrestricted", generate_rsa_pss("")},
                  {"SHA-384", generate_rsa_pss("SHA384")},
                  {"SHA-1", generate_rsa_pss("SHA1")},
                  {"1024 bits", generate_rsa_pss("SHA256", 1024)}};
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      BOOST_TEST(jws_algorithm_for_key(c.key.get()).status().is_invalid());
      TempDir tmp;
      const std::string path = tmp.file("key-20260101T000000Z.pem");
      write_pem(path, c.key.get());
      auto r = TokenSigner::load(tmp.path());
      BOOST_TEST(r.status().is_invalid());
      BOOST_TEST(r.status().message().find(path + ": RSA-PSS key") == 0, r.status().message());
    }
  }
  // The restricted one is PS256, a plain RSA key of the same numbers RS256.
  EvpPkeyPtr good = generate_rsa_pss("SHA256");
  BOOST_TEST((*jws_algorithm_for_key(good.get()))->name == std::string("PS256"));
  BOOST_TEST((*jws_algorithm_for_key(plain_rsa_twin(good.get()).get()))->name ==
             std::string("RS256"));
}

BOOST_AUTO_TEST_SUITE_END()
