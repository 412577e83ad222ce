// include/access/signer.h: RS256, ES256 and EdDSA. RFC test vectors (RFC 7515
// A.2 and A.3, RFC 8037 A.1-A.5), key recognition at load, JWKS members and
// RFC 7638 thumbprints per key type, round trips through TokenSigner, and the
// refusals (tampering, algorithm confusion, signature length, "none").
// Signatures made by the code under test are also checked with OpenSSL alone
// (openssl_verifies), with its own R||S to DER conversion.
#include <openssl/core_names.h>
#include <openssl/dsa.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <list>
#include <string>

#include "access/config.h"
#include "access/crypto.h"
#include "access/signer.h"
#include "test_util.h"

using namespace access_service;
using json = nlohmann::json;

namespace {

// ---- RFC vectors --------------------------------------------------------

// RFC 7515 A.2 and A.3 share the payload (with its CR LF) and its encoding.
const char kRfc7515Payload[] =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
const char kRfc7515PayloadJson[] = "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n "
                                   "\"http://example.com/is_root\":true}";

// RFC 7515 A.2.1: the RSA key (JWK), the JWS and its signature.
const json kRfc7515RsaJwk = {
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
const char kRfc7515Rs256Header[] = "eyJhbGciOiJSUzI1NiJ9";  // {"alg":"RS256"}
const char kRfc7515Rs256Sig[] =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4"
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB"
    "p0igcN_IoypGlUPQGe77Rw";

// RFC 7515 A.3.1: the P-256 key and A.3 the JWS signature.
const json kRfc7515EcJwk = {{"kty", "EC"},
                            {"crv", "P-256"},
                            {"x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"},
                            {"y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
                            {"d", "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}};
const char kRfc7515Es256Header[] = "eyJhbGciOiJFUzI1NiJ9";  // {"alg":"ES256"}
const char kRfc7515Es256Sig[] =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

// RFC 8037 A.1 (key), A.3 (its thumbprint), A.4 (JWS).
const json kRfc8037Jwk = {{"kty", "OKP"},
                          {"crv", "Ed25519"},
                          {"d", "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"},
                          {"x", "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}};
const char kRfc8037Thumbprint[] = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";
const char kRfc8037Input[] = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
const char kRfc8037Sig[] =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

// ---- helpers ------------------------------------------------------------

struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter>;

const unsigned char* bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string b64d(const std::string& s) {
  std::string out;
  BOOST_REQUIRE_MESSAGE(base64url_decode(s, &out), "base64url: " + s);
  return out;
}
std::string b64d(const json& j) { return b64d(j.get<std::string>()); }

// An EVP_PKEY from JWK members via OSSL_PARAM_BLD / EVP_PKEY_fromdata. The
// builder keeps what it pushes by reference, so the values live here.
class KeyBuilder {
 public:
  KeyBuilder& bn(const char* name, const json& b64) {
    std::string raw = b64d(b64);
    bns_.emplace_back(BN_bin2bn(bytes(raw), static_cast<int>(raw.size()), nullptr));
    BOOST_REQUIRE(bns_.back() && OSSL_PARAM_BLD_push_BN(bld_.get(), name, bns_.back().get()) == 1);
    return *this;
  }
  KeyBuilder& octets(const char* name, std::string raw) {
    strings_.push_back(std::move(raw));
    BOOST_REQUIRE(OSSL_PARAM_BLD_push_octet_string(bld_.get(), name, strings_.back().data(),
                                                   strings_.back().size()) == 1);
    return *this;
  }
  KeyBuilder& utf8(const char* name, const char* value) {
    BOOST_REQUIRE(OSSL_PARAM_BLD_push_utf8_string(bld_.get(), name, value, 0) == 1);
    return *this;
  }
  EvpPkeyPtr build(const char* type, int selection) {
    std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(bld_.get()));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* k = nullptr;
    BOOST_REQUIRE(params && ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1 &&
                  EVP_PKEY_fromdata(ctx.get(), &k, selection, params.get()) == 1);
    return EvpPkeyPtr(k);
  }

 private:
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> bld_{OSSL_PARAM_BLD_new()};
  std::list<BnPtr> bns_;
  std::list<std::string> strings_;
};

// The key a JWK describes: private when it has "d" (RSA: with the CRT
// members), else public only.
EvpPkeyPtr key_from_jwk(const json& jwk) {
  bool priv = jwk.contains("d");
  const std::string kty = jwk.at("kty");
  if (kty == "OKP") {
    BOOST_REQUIRE(jwk.at("crv") == "Ed25519");
    std::string raw = b64d(jwk.at(priv ? "d" : "x"));
    EVP_PKEY* k = priv ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes(raw), raw.size())
                       : EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(raw), raw.size());
    BOOST_REQUIRE(k);
    return EvpPkeyPtr(k);
  }
  KeyBuilder b;
  if (kty == "EC") {
    BOOST_REQUIRE(jwk.at("crv") == "P-256");
    b.utf8(OSSL_PKEY_PARAM_GROUP_NAME, "P-256")
        .octets(OSSL_PKEY_PARAM_PUB_KEY, "\x04" + b64d(jwk.at("x")) + b64d(jwk.at("y")));
    if (priv) b.bn(OSSL_PKEY_PARAM_PRIV_KEY, jwk.at("d"));
    return b.build("EC", priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY);
  }
  BOOST_REQUIRE(kty == "RSA");
  b.bn(OSSL_PKEY_PARAM_RSA_N, jwk.at("n")).bn(OSSL_PKEY_PARAM_RSA_E, jwk.at("e"));
  if (priv)
    b.bn(OSSL_PKEY_PARAM_RSA_D, jwk.at("d"))
        .bn(OSSL_PKEY_PARAM_RSA_FACTOR1, jwk.at("p"))
        .bn(OSSL_PKEY_PARAM_RSA_FACTOR2, jwk.at("q"))
        .bn(OSSL_PKEY_PARAM_RSA_EXPONENT1, jwk.at("dp"))
        .bn(OSSL_PKEY_PARAM_RSA_EXPONENT2, jwk.at("dq"))
        .bn(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, jwk.at("qi"));
  return b.build("RSA", priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY);
}

EvpPkeyPtr generate(const char* type, const char* curve = nullptr) {
  EVP_PKEY* k = curve ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, curve)
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  BOOST_REQUIRE_MESSAGE(k, type);
  return EvpPkeyPtr(k);
}

EvpPkeyPtr generate_rsa(size_t bits) {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits);
  BOOST_REQUIRE(k);
  return EvpPkeyPtr(k);
}

EvpPkeyPtr generate_dsa() {
  PkeyCtxPtr pctx(EVP_PKEY_CTX_new_from_name(nullptr, "DSA", nullptr));
  EVP_PKEY* params = nullptr;
  BOOST_REQUIRE(pctx && EVP_PKEY_paramgen_init(pctx.get()) == 1 &&
                EVP_PKEY_CTX_set_dsa_paramgen_bits(pctx.get(), 1024) == 1 &&
                EVP_PKEY_paramgen(pctx.get(), &params) == 1);
  EvpPkeyPtr p(params);
  PkeyCtxPtr kctx(EVP_PKEY_CTX_new_from_pkey(nullptr, p.get(), nullptr));
  EVP_PKEY* k = nullptr;
  BOOST_REQUIRE(kctx && EVP_PKEY_keygen_init(kctx.get()) == 1 && EVP_PKEY_keygen(kctx.get(), &k) == 1);
  return EvpPkeyPtr(k);
}

void write_pem(const std::string& path, EVP_PKEY* k) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(fopen(path.c_str(), "w"), fclose);
  BOOST_REQUIRE(f);
  BOOST_REQUIRE(PEM_write_PrivateKey(f.get(), k, nullptr, nullptr, 0, nullptr, nullptr) == 1);
}

struct Parts {
  std::string header, payload, sig;  // still encoded
};
Parts split(const std::string& token) {
  size_t d1 = token.find('.'), d2 = token.find('.', d1 + 1);
  BOOST_REQUIRE(d1 != std::string::npos && d2 != std::string::npos);
  return {token.substr(0, d1), token.substr(d1 + 1, d2 - d1 - 1), token.substr(d2 + 1)};
}

std::string b64u(const std::string& s) { return base64url_encode(s); }

std::string make_token(const json& header, const json& payload, const std::string& raw_sig) {
  return b64u(header.dump()) + "." + b64u(payload.dump()) + "." + b64u(raw_sig);
}

// R||S (32 + 32 bytes) as the DER SEQUENCE OpenSSL wants; written here again,
// independently of src/signer.cpp.
std::string jose_to_der(const std::string& rs) {
  BOOST_REQUIRE_EQUAL(rs.size(), 64u);
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes(rs), 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes(rs) + 32, 32, nullptr);
  BOOST_REQUIRE(sig && r && s && ECDSA_SIG_set0(sig.get(), r, s) == 1);
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  BOOST_REQUIRE(len > 0);
  std::string out(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  return out;
}

// Checks a compact JWS with OpenSSL alone: the digest and the signature form
// follow the header's alg (RFC 7518 3.3, 3.4; RFC 8037 3.1).
bool openssl_verifies(EVP_PKEY* pub, const std::string& token) {
  Parts p = split(token);
  std::string alg = json::parse(b64d(p.header)).at("alg");
  std::string input = p.header + "." + p.payload, sig = b64d(p.sig);
  if (alg == "ES256") sig = jose_to_der(sig);
  EvpMdCtxPtr md(EVP_MD_CTX_new());
  return EVP_DigestVerifyInit(md.get(), nullptr, alg == "EdDSA" ? nullptr : EVP_sha256(), nullptr,
                              pub) == 1 &&
         EVP_DigestVerify(md.get(), bytes(sig), sig.size(), bytes(input), input.size()) == 1;
}

std::string thumbprint(const std::string& canonical_json) {
  return base64url_encode(sha256(canonical_json));
}

// RFC 7638 3.2 recomputed by hand from a JWK's members.
std::string expected_kid(const json& jwk) {
  auto m = [&](const char* name) { return jwk.at(name).get<std::string>(); };
  const std::string kty = m("kty");
  if (kty == "RSA") return thumbprint(R"({"e":")" + m("e") + R"(","kty":"RSA","n":")" + m("n") + "\"}");
  if (kty == "EC")
    return thumbprint(R"({"crv":")" + m("crv") + R"(","kty":"EC","x":")" + m("x") + R"(","y":")" +
                      m("y") + "\"}");
  return thumbprint(R"({"crv":")" + m("crv") + R"(","kty":"OKP","x":")" + m("x") + "\"}");
}

std::set<std::string> member_names(const json& j) {
  std::set<std::string> names;
  for (const auto& kv : j.items()) names.insert(kv.key());
  return names;
}

const char* const kAlgs[] = {"RS256", "ES256", "EdDSA"};

// A key directory with one new key of `alg`, made by create_signing_key.
struct AlgKeys {
  testing::TempDir tmp;
  std::string dir = tmp.file("keys");
  std::string path;
  std::shared_ptr<TokenSigner> signer;
  explicit AlgKeys(const std::string& alg) {
    Result<std::string> p = create_signing_key(dir, alg);
    BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
    path = *p;
    auto s = TokenSigner::load(dir);
    BOOST_REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    signer = *s;
  }
  std::string sign(const json& claims) const {
    Result<std::string> t = signer->sign(claims);
    BOOST_REQUIRE_MESSAGE(t.ok(), t.status().ToString());
    return *t;
  }
  // The published public key, rebuilt from the JWKS document alone.
  EvpPkeyPtr published_key() const {
    json jwks = json::parse(signer->jwks_json());
    BOOST_REQUIRE_EQUAL(jwks.at("keys").size(), 1u);
    return key_from_jwk(jwks.at("keys").at(0));
  }
};

// A directory holding the given keys as key-2026010<i>T000000Z.pem, oldest first.
std::shared_ptr<TokenSigner> load_keys(const testing::TempDir& tmp,
                                       std::initializer_list<EVP_PKEY*> keys) {
  int i = 1;
  for (EVP_PKEY* k : keys)
    write_pem(tmp.file("key-2026010" + std::to_string(i++) + "T000000Z.pem"), k);
  auto s = TokenSigner::load(tmp.path());
  BOOST_REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  return *s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(signer_algorithms)

// ---- RFC vectors --------------------------------------------------------

BOOST_AUTO_TEST_CASE(rfc7515_a2_rs256_vector) {
  std::string input = std::string(kRfc7515Rs256Header) + "." + kRfc7515Payload;
  BOOST_TEST(b64d(std::string(kRfc7515Payload)) == kRfc7515PayloadJson);
  std::string sig = b64d(std::string(kRfc7515Rs256Sig));
  json pub_jwk = {{"kty", "RSA"}, {"n", kRfc7515RsaJwk.at("n")}, {"e", kRfc7515RsaJwk.at("e")}};
  EvpPkeyPtr pub = key_from_jwk(pub_jwk);
  BOOST_TEST(jws_alg_for_key(pub.get()) == "RS256");
  Status st = verify_jws_signature(input, sig, "RS256", pub.get());
  BOOST_TEST(st.ok(), st.ToString());
  // RSASSA-PKCS1-v1_5 is deterministic: the RFC's key gives the RFC's bytes.
  EvpPkeyPtr priv = key_from_jwk(kRfc7515RsaJwk);
  Result<std::string> mine = sign_jws_signature(input, "RS256", priv.get());
  BOOST_REQUIRE_MESSAGE(mine.ok(), mine.status().ToString());
  BOOST_TEST(b64u(*mine) == kRfc7515Rs256Sig);
  // One changed byte of input or signature, or another alg, fails.
  std::string other = input;
  other[other.size() - 2] ^= 1;
  BOOST_TEST(!verify_jws_signature(other, sig, "RS256", pub.get()).ok());
  std::string bad_sig = sig;
  bad_sig[100] ^= 0x40;
  BOOST_TEST(!verify_jws_signature(input, bad_sig, "RS256", pub.get()).ok());
  BOOST_TEST(!verify_jws_signature(input, sig, "ES256", pub.get()).ok());
  BOOST_TEST(!verify_jws_signature(input, sig, "RS512", pub.get()).ok());
}

BOOST_AUTO_TEST_CASE(rfc7515_a3_es256_vector) {
  std::string input = std::string(kRfc7515Es256Header) + "." + kRfc7515Payload;
  std::string sig = b64d(std::string(kRfc7515Es256Sig));
  BOOST_REQUIRE_EQUAL(sig.size(), 64u);  // R||S, not DER
  json pub_jwk = kRfc7515EcJwk;
  pub_jwk.erase("d");
  EvpPkeyPtr pub = key_from_jwk(pub_jwk);
  BOOST_TEST(jws_alg_for_key(pub.get()) == "ES256");
  Status st = verify_jws_signature(input, sig, "ES256", pub.get());
  BOOST_TEST(st.ok(), st.ToString());
  BOOST_TEST(openssl_verifies(pub.get(), input + "." + kRfc7515Es256Sig));
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
  // ECDSA is randomised: a signature with the RFC's private key differs from
  // the RFC's but verifies with its public key.
  EvpPkeyPtr priv = key_from_jwk(kRfc7515EcJwk);
  Result<std::string> mine = sign_jws_signature(input, "ES256", priv.get());
  BOOST_REQUIRE_MESSAGE(mine.ok(), mine.status().ToString());
  BOOST_TEST(mine->size() == 64u);
  BOOST_TEST(verify_jws_signature(input, *mine, "ES256", pub.get()).ok());
  BOOST_TEST(openssl_verifies(pub.get(), input + "." + b64u(*mine)));
}

BOOST_AUTO_TEST_CASE(rfc8037_ed25519_vector) {
  // A.4: the signing input is {"alg":"EdDSA"} and "Example of Ed25519 signing".
  BOOST_TEST(kRfc8037Input == b64u(R"({"alg":"EdDSA"})") + "." + b64u("Example of Ed25519 signing"));
  EvpPkeyPtr priv = key_from_jwk(kRfc8037Jwk);
  BOOST_TEST(jws_alg_for_key(priv.get()) == "EdDSA");
  // A.1/A.2: the public key x follows from the private d.
  unsigned char x[32];
  size_t len = sizeof x;
  BOOST_REQUIRE(EVP_PKEY_get_raw_public_key(priv.get(), x, &len) == 1);
  BOOST_TEST(b64u(std::string(reinterpret_cast<char*>(x), len)) == kRfc8037Jwk.at("x"));
  // A.4: Ed25519 is deterministic, so the signature is exactly the RFC's.
  Result<std::string> mine = sign_jws_signature(kRfc8037Input, "EdDSA", priv.get());
  BOOST_REQUIRE_MESSAGE(mine.ok(), mine.status().ToString());
  BOOST_TEST(b64u(*mine) == kRfc8037Sig);
  // A.5: verification with the public key only.
  json pub_jwk = kRfc8037Jwk;
  pub_jwk.erase("d");
  EvpPkeyPtr pub = key_from_jwk(pub_jwk);
  std::string sig = b64d(std::string(kRfc8037Sig));
  Status st = verify_jws_signature(kRfc8037Input, sig, "EdDSA", pub.get());
  BOOST_TEST(st.ok(), st.ToString());
  BOOST_TEST(openssl_verifies(pub.get(), std::string(kRfc8037Input) + "." + kRfc8037Sig));
  std::string bad_sig = sig;
  bad_sig[7] ^= 1;
  BOOST_TEST(!verify_jws_signature(kRfc8037Input, bad_sig, "EdDSA", pub.get()).ok());
  std::string other = kRfc8037Input;
  other.back() = 'd';
  BOOST_TEST(!verify_jws_signature(other, sig, "EdDSA", pub.get()).ok());
  BOOST_TEST(!verify_jws_signature(kRfc8037Input, sig.substr(0, 63), "EdDSA", pub.get()).ok());
  BOOST_TEST(!verify_jws_signature(kRfc8037Input, sig + '\0', "EdDSA", pub.get()).ok());
  BOOST_TEST(!verify_jws_signature(kRfc8037Input, sig, "ES256", pub.get()).ok());
}

// The RFC keys as key files: the JWK published for each is the RFC's public
// JWK, and the kid its RFC 7638 thumbprint (RFC 8037 A.3 gives the Ed25519 one).
BOOST_AUTO_TEST_CASE(rfc_keys_loaded_from_pem_publish_rfc_jwks) {
  testing::TempDir tmp;
  EvpPkeyPtr rsa = key_from_jwk(kRfc7515RsaJwk), ec = key_from_jwk(kRfc7515EcJwk),
             ed = key_from_jwk(kRfc8037Jwk);
  auto signer = load_keys(tmp, {rsa.get(), ec.get(), ed.get()});
  BOOST_REQUIRE_EQUAL(signer->keys().size(), 3u);
  const SigningKey& r = *signer->keys()[0];
  const SigningKey& e = *signer->keys()[1];
  const SigningKey& d = *signer->keys()[2];
  BOOST_TEST(r.alg == "RS256");
  BOOST_TEST(r.jwk.at("n") == kRfc7515RsaJwk.at("n"));
  BOOST_TEST(r.jwk.at("e") == "AQAB");
  BOOST_TEST(r.kid == expected_kid(kRfc7515RsaJwk));
  BOOST_TEST(e.alg == "ES256");
  BOOST_TEST(e.jwk.at("x") == kRfc7515EcJwk.at("x"));
  BOOST_TEST(e.jwk.at("y") == kRfc7515EcJwk.at("y"));
  BOOST_TEST(e.kid == expected_kid(kRfc7515EcJwk));
  BOOST_TEST(d.alg == "EdDSA");
  BOOST_TEST(d.jwk.at("x") == kRfc8037Jwk.at("x"));
  BOOST_TEST(d.kid == kRfc8037Thumbprint);
  BOOST_TEST(d.kid == expected_kid(kRfc8037Jwk));
  for (const auto& k : signer->keys()) {
    BOOST_TEST(k->jwk.at("use") == "sig");
    BOOST_TEST(k->jwk.at("alg") == k->alg);
    BOOST_TEST(k->jwk.at("kid") == k->kid);
    BOOST_TEST(!k->jwk.contains("d"));
  }
  // The newest key (Ed25519) signs; its token verifies with the RFC public key.
  std::string token = signer->sign({{"sub", "x"}}).value();
  json pub_jwk = kRfc8037Jwk;
  pub_jwk.erase("d");
  BOOST_TEST(openssl_verifies(key_from_jwk(pub_jwk).get(), token));
}

// ---- create_signing_key, load -------------------------------------------

BOOST_AUTO_TEST_CASE(create_signing_key_per_algorithm) {
  for (const char* alg : kAlgs) {
    BOOST_TEST_CONTEXT(alg) {
      AlgKeys k(alg);
      BOOST_TEST(k.path.rfind(k.dir + "/key-", 0) == 0);
      struct stat st {};
      BOOST_REQUIRE(stat(k.path.c_str(), &st) == 0);
      BOOST_TEST((st.st_mode & 0777) == 0600u);
      BOOST_TEST(testing::read_text(k.path).rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);  // PKCS#8
      BOOST_TEST(k.signer->keys().size() == 1u);
      BOOST_TEST(k.signer->active().alg == alg);
      BOOST_TEST(jws_alg_for_key(k.signer->active().pkey.get()) == alg);
    }
  }
  EVP_PKEY* ec = k_ec_curve_check_placeholder();
  (void)ec;
}

}  // BOOST_AUTO_TEST_SUITE
