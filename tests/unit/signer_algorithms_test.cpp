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
#include <set>
#include <string>
#include <vector>

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
const char kRfc7515PayloadJson[] =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n "
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
    EVP_PKEY* k =
        priv ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes(raw), raw.size())
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
  BOOST_REQUIRE(kctx && EVP_PKEY_keygen_init(kctx.get()) == 1 &&
                EVP_PKEY_keygen(kctx.get(), &k) == 1);
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
  if (kty == "RSA")
    return thumbprint(R"({"e":")" + m("e") + R"(","kty":"RSA","n":")" + m("n") + "\"}");
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
  BOOST_TEST(kRfc8037Input ==
             b64u(R"({"alg":"EdDSA"})") + "." + b64u("Example of Ed25519 signing"));
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
      BOOST_REQUIRE(stat(k.dir.c_str(), &st) == 0);
      BOOST_TEST((st.st_mode & 0777) == 0700u);
      // PKCS#8, not a type-specific ("BEGIN EC PRIVATE KEY") encoding.
      BOOST_TEST(testing::read_text(k.path).rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);
      BOOST_REQUIRE_EQUAL(k.signer->keys().size(), 1u);
      const SigningKey& key = k.signer->active();
      BOOST_TEST(key.alg == alg);
      BOOST_TEST(key.file == k.path);
      BOOST_TEST(jws_alg_for_key(key.pkey.get()) == alg);
      if (key.alg == "RS256") BOOST_TEST(EVP_PKEY_get_bits(key.pkey.get()) == 2048);
    }
  }
}

BOOST_AUTO_TEST_CASE(create_signing_key_unknown_algorithm_is_invalid) {
  testing::TempDir tmp;
  for (const char* alg :
       {"ES384", "ES512", "ES256K", "PS256", "HS256", "Ed25519", "Ed448", "es256", "none", ""}) {
    Result<std::string> r = create_signing_key(tmp.file("keys"), alg);
    BOOST_TEST(r.status().is_invalid(), alg);
    BOOST_TEST(r.status().message().find("keys.algorithm") != std::string::npos,
               r.status().message());
  }
  struct stat st {};
  BOOST_TEST(stat(tmp.file("keys").c_str(), &st) != 0);  // nothing was created
}

BOOST_AUTO_TEST_CASE(load_refuses_other_key_types_naming_the_file) {
  std::vector<std::pair<std::string, EvpPkeyPtr>> keys;
  keys.emplace_back("EC P-384", generate("EC", "P-384"));
  keys.emplace_back("EC P-521", generate("EC", "P-521"));
  keys.emplace_back("EC secp256k1", generate("EC", "secp256k1"));
  keys.emplace_back("Ed448", generate("ED448"));
  keys.emplace_back("X25519", generate("X25519"));
  keys.emplace_back("DSA", generate_dsa());
  keys.emplace_back("RSA 1024", generate_rsa(1024));
  keys.emplace_back("RSA 2040", generate_rsa(2040));
  for (const auto& k : keys) {
    BOOST_TEST_CONTEXT(k.first) {
      BOOST_TEST(jws_alg_for_key(k.second.get()) == "");
      testing::TempDir tmp;
      std::string path = tmp.file("key-20260101T000000Z.pem");
      write_pem(path, k.second.get());
      auto r = TokenSigner::load(tmp.path());
      BOOST_TEST(r.status().is_invalid());
      BOOST_TEST(r.status().message().find(path) != std::string::npos, r.status().message());
      // One unusable key spoils the directory even next to a good one.
      EvpPkeyPtr good = generate("EC", "P-256");
      write_pem(tmp.file("key-20260102T000000Z.pem"), good.get());
      BOOST_TEST(TokenSigner::load(tmp.path()).status().is_invalid());
    }
  }
  BOOST_TEST(jws_alg_for_key(nullptr) == "");
  BOOST_TEST(jws_alg_for_key(generate_rsa(2048).get()) == "RS256");
  BOOST_TEST(jws_alg_for_key(generate("EC", "P-256").get()) == "ES256");
  BOOST_TEST(jws_alg_for_key(generate("ED25519").get()) == "EdDSA");
}

// ---- TokenSigner per algorithm -------------------------------------------

BOOST_AUTO_TEST_CASE(round_trip_per_algorithm) {
  json claims = {
      {"sub", "user-1"}, {"scope", "read write"}, {"exp", 4102444800LL}, {"name", "J\xC3\xBCrgen"}};
  for (const char* alg : kAlgs) {
    BOOST_TEST_CONTEXT(alg) {
      AlgKeys k(alg);
      std::string token = k.sign(claims);
      Parts p = split(token);
      json header = json::parse(b64d(p.header));
      BOOST_TEST(header == json({{"alg", alg}, {"typ", "JWT"}, {"kid", k.signer->active().kid}}));
      BOOST_TEST(b64d(p.sig).size() == (std::string(alg) == "RS256" ? 256u : 64u));
      Result<json> v = k.signer->verify(token);
      BOOST_REQUIRE_MESSAGE(v.ok(), v.status().ToString());
      BOOST_TEST(*v == claims);
      // OpenSSL alone, with the key rebuilt from the published JWK, agrees.
      BOOST_TEST(openssl_verifies(k.published_key().get(), token));
      // Signing again reuses the prepared context: ECDSA gives a new
      // signature, RSASSA-PKCS1-v1_5 and Ed25519 the same one.
      std::string again = k.sign(claims);
      BOOST_TEST((again == token) == (std::string(alg) != "ES256"));
      BOOST_TEST(k.signer->verify(again).ok());
    }
  }
}

BOOST_AUTO_TEST_CASE(jwks_members_and_thumbprints_per_algorithm) {
  const std::map<std::string, std::string> members = {{"RS256", "alg,e,kid,kty,n,use"},
                                                      {"ES256", "alg,crv,kid,kty,use,x,y"},
                                                      {"EdDSA", "alg,crv,kid,kty,use,x"}};
  const std::map<std::string, std::string> kty = {
      {"RS256", "RSA"}, {"ES256", "EC"}, {"EdDSA", "OKP"}};
  for (const char* alg : kAlgs) {
    BOOST_TEST_CONTEXT(alg) {
      AlgKeys k(alg);
      json jwks = json::parse(k.signer->jwks_json());
      BOOST_REQUIRE_EQUAL(jwks.at("keys").size(), 1u);
      const json& jwk = jwks.at("keys").at(0);
      std::string names;
      for (const std::string& n : member_names(jwk)) names += (names.empty() ? "" : ",") + n;
      BOOST_TEST(names == members.at(alg));  // no private member (d, p, q, ...)
      BOOST_TEST(jwk.at("kty") == kty.at(alg));
      BOOST_TEST(jwk.at("use") == "sig");
      BOOST_TEST(jwk.at("alg") == alg);
      BOOST_TEST(jwk.at("kid") == k.signer->active().kid);
      if (jwk.at("kty") == "RSA") {
        std::string n = b64d(jwk.at("n"));
        BOOST_TEST(n.size() == 256u);
        BOOST_TEST(n[0] != '\0');  // RFC 7518 6.3.1.1: no leading zero octet
        BOOST_TEST(jwk.at("e") == "AQAB");
      } else if (jwk.at("kty") == "EC") {
        BOOST_TEST(jwk.at("crv") == "P-256");
        BOOST_TEST(b64d(jwk.at("x")).size() == 32u);  // RFC 7518 6.2.1.2: full length
        BOOST_TEST(b64d(jwk.at("y")).size() == 32u);
      } else {
        BOOST_TEST(jwk.at("crv") == "Ed25519");
        BOOST_TEST(b64d(jwk.at("x")).size() == 32u);
      }
      // RFC 7638 recomputed by hand from the published members.
      BOOST_TEST(jwk.at("kid") == expected_kid(jwk));
      BOOST_TEST(jwk.at("kid").get<std::string>().size() == 43u);
      // The published key is the loaded key's public half.
      BOOST_TEST(EVP_PKEY_eq(k.published_key().get(), k.signer->active().pkey.get()) == 1);
    }
  }
}

// EC coordinates and ECDSA R and S shorter than 32 bytes as integers are
// left-padded (RFC 7518 6.2.1.2 and 3.4); found by trying, about 1 in 128.
BOOST_AUTO_TEST_CASE(es256_short_coordinates_and_signature_halves_are_padded) {
  EvpPkeyPtr key;
  for (int i = 0; i < 3000 && !key; ++i) {
    EvpPkeyPtr k = generate("EC", "P-256");
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    BOOST_REQUIRE(EVP_PKEY_get_bn_param(k.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
                  EVP_PKEY_get_bn_param(k.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1);
    BnPtr bx(x), by(y);
    if (BN_num_bytes(x) < 32 || BN_num_bytes(y) < 32) key = std::move(k);
  }
  BOOST_REQUIRE_MESSAGE(key, "no P-256 key with a short coordinate in 3000 tries");
  testing::TempDir tmp;
  auto signer = load_keys(tmp, {key.get()});
  const json& jwk = signer->active().jwk;
  std::string x = b64d(jwk.at("x")), y = b64d(jwk.at("y"));
  BOOST_TEST(x.size() == 32u);
  BOOST_TEST(y.size() == 32u);
  BOOST_TEST((x[0] == '\0' || y[0] == '\0'));
  BOOST_TEST(signer->active().kid == expected_kid(jwk));
  EvpPkeyPtr published = key_from_jwk(jwk);
  BOOST_TEST(EVP_PKEY_eq(published.get(), key.get()) == 1);

  // One token whose R starts with a zero byte and one whose S does (each
  // about 1 in 256; 8000 tries miss with a probability below 1e-13).
  std::string short_r, short_s;
  for (int i = 0; i < 8000 && (short_r.empty() || short_s.empty()); ++i) {
    std::string t = signer->sign({{"n", i}}).value();
    std::string sig = b64d(split(t).sig);
    BOOST_REQUIRE_EQUAL(sig.size(), 64u);
    if (sig[0] == '\0') short_r = t;
    if (sig[32] == '\0') short_s = t;
  }
  BOOST_REQUIRE_MESSAGE(!short_r.empty() && !short_s.empty(), "no short R and S in 8000 tries");
  for (const std::string& token : {short_r, short_s}) {
    BOOST_TEST(signer->verify(token).ok());
    BOOST_TEST(openssl_verifies(published.get(), token));
  }
}

BOOST_AUTO_TEST_CASE(tampered_tokens_are_refused_per_algorithm) {
  json claims = {{"sub", "user-1"}, {"admin", false}};
  for (const char* alg : kAlgs) {
    BOOST_TEST_CONTEXT(alg) {
      AlgKeys k(alg);
      Parts p = split(k.sign(claims));
      auto refused = [&](const std::string& token) {
        Result<json> r = k.signer->verify(token);
        return !r.ok() && r.status().is_invalid();
      };
      BOOST_TEST(!refused(p.header + "." + p.payload + "." + p.sig));
      std::string forged = b64u(json{{"sub", "user-1"}, {"admin", true}}.dump());
      BOOST_TEST(refused(p.header + "." + forged + "." + p.sig));
      BOOST_TEST(k.signer->verify(p.header + "." + forged + "." + p.sig).status().message() ==
                 "bad signature");
      std::string sig = b64d(p.sig);
      for (size_t i : {size_t{0}, sig.size() / 2, sig.size() - 1}) {
        std::string s = sig;
        s[i] ^= 0x01;
        BOOST_TEST(refused(p.header + "." + p.payload + "." + b64u(s)), "byte " << i);
      }
      json h = json::parse(b64d(p.header));
      h["typ"] = "at+jwt";  // same alg and kid, other header
      BOOST_TEST(refused(b64u(h.dump()) + "." + p.payload + "." + p.sig));
      // A signature by another key of the same algorithm.
      AlgKeys other(alg);
      BOOST_TEST(refused(p.header + "." + p.payload + "." + split(other.sign(claims)).sig));
    }
  }
}

// Keys of all three types in one directory: each verifies its own tokens, and
// a header claiming one algorithm with the kid of a key of another type is
// refused before any signature check, even when the signature is genuine for
// the claimed algorithm (made by another loaded key).
BOOST_AUTO_TEST_CASE(header_alg_must_match_the_key_of_its_kid) {
  testing::TempDir tmp;
  EvpPkeyPtr rsa = generate_rsa(2048), ec = generate("EC", "P-256"), ed = generate("ED25519");
  auto signer = load_keys(tmp, {rsa.get(), ec.get(), ed.get()});
  BOOST_REQUIRE_EQUAL(signer->keys().size(), 3u);
  BOOST_TEST(signer->active().alg == "EdDSA");  // newest
  json jwks = json::parse(signer->jwks_json());
  BOOST_TEST(jwks.at("keys").at(0).at("kty") == "RSA");
  BOOST_TEST(jwks.at("keys").at(1).at("kty") == "EC");
  BOOST_TEST(jwks.at("keys").at(2).at("kty") == "OKP");
  std::string payload = b64u(json{{"sub", "x"}}.dump());
  auto signed_by = [&](const SigningKey& signer_key, const std::string& alg,
                       const std::string& kid) {
    std::string input =
        b64u(json{{"alg", alg}, {"typ", "JWT"}, {"kid", kid}}.dump()) + "." + payload;
    Result<std::string> sig = sign_jws_signature(input, signer_key.alg, signer_key.pkey.get());
    BOOST_REQUIRE_MESSAGE(sig.ok(), sig.status().ToString());
    return input + "." + b64u(*sig);
  };
  for (const auto& k : signer->keys()) {
    Result<json> r = signer->verify(signed_by(*k, k->alg, k->kid));
    BOOST_TEST(r.ok(), k->alg << ": " << r.status().ToString());
  }
  for (const auto& claimed : signer->keys()) {
    for (const auto& owner : signer->keys()) {
      if (claimed == owner) continue;
      BOOST_TEST_CONTEXT(claimed->alg << " on the kid of a " << owner->alg << " key") {
        Result<json> r = signer->verify(signed_by(*claimed, claimed->alg, owner->kid));
        BOOST_TEST(r.status().is_invalid());
        BOOST_TEST(r.status().message() == "algorithm does not match key");
      }
    }
  }
  // verify_jws_signature alone refuses a key of another type for the alg.
  std::string input = b64u(R"({"alg":"ES256"})") + "." + payload;
  std::string es_sig = sign_jws_signature(input, "ES256", ec.get()).value();
  BOOST_TEST(verify_jws_signature(input, es_sig, "ES256", ec.get()).ok());
  BOOST_TEST(!verify_jws_signature(input, es_sig, "ES256", rsa.get()).ok());
  BOOST_TEST(!verify_jws_signature(input, es_sig, "RS256", ec.get()).ok());
  BOOST_TEST(!verify_jws_signature(input, es_sig, "EdDSA", ed.get()).ok());
  EvpPkeyPtr p384 = generate("EC", "P-384");
  BOOST_TEST(!verify_jws_signature(input, es_sig, "ES256", p384.get()).ok());
  BOOST_TEST(sign_jws_signature(input, "ES256", rsa.get()).status().is_invalid());
  BOOST_TEST(sign_jws_signature(input, "ES256", p384.get()).status().is_invalid());
  BOOST_TEST(sign_jws_signature(input, "none", ec.get()).status().is_invalid());
}

BOOST_AUTO_TEST_CASE(es256_and_eddsa_signatures_must_be_64_bytes) {
  for (const char* alg : {"ES256", "EdDSA"}) {
    BOOST_TEST_CONTEXT(alg) {
      AlgKeys k(alg);
      Parts p = split(k.sign({{"sub", "x"}}));
      std::string sig = b64d(p.sig);
      BOOST_REQUIRE_EQUAL(sig.size(), 64u);
      auto with_sig = [&](const std::string& s) {
        return p.header + "." + p.payload + "." + b64u(s);
      };
      BOOST_TEST(k.signer->verify(with_sig(sig)).ok());
      std::vector<std::string> wrong = {"",
                                        sig.substr(0, 32),
                                        sig.substr(0, 63),
                                        sig + '\0',
                                        std::string(1, '\0') + sig,
                                        sig + sig,
                                        std::string(64, '\0')};
      if (std::string(alg) == "ES256") wrong.push_back(jose_to_der(sig));
      for (const std::string& s : wrong) {
        Result<json> r = k.signer->verify(with_sig(s));
        BOOST_TEST(r.status().is_invalid(), s.size() << " bytes");
        BOOST_TEST(r.status().message() == "bad signature");
      }
      if (std::string(alg) == "ES256") {
        // The DER form is a valid ECDSA signature for OpenSSL: refused for its
        // form only (RFC 7518 3.4 wants R||S).
        std::string der = jose_to_der(sig), input = p.header + "." + p.payload;
        EvpPkeyPtr pub = k.published_key();
        EvpMdCtxPtr md(EVP_MD_CTX_new());
        BOOST_TEST(
            (EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, pub.get()) == 1 &&
             EVP_DigestVerify(md.get(), bytes(der), der.size(), bytes(input), input.size()) == 1));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(alg_none_and_unlisted_algs_are_refused) {
  for (const char* alg : kAlgs) {
    BOOST_TEST_CONTEXT(alg) {
      AlgKeys k(alg);
      const std::string kid = k.signer->active().kid;
      Parts p = split(k.sign({{"sub", "x"}}));
      for (const char* none : {"none", "None", "NONE"}) {
        for (const std::string& sig : {std::string(), b64d(p.sig)}) {
          Result<json> r = k.signer->verify(
              make_token({{"alg", none}, {"typ", "JWT"}, {"kid", kid}}, {{"sub", "x"}}, sig));
          BOOST_TEST(r.status().is_invalid(), none);
          BOOST_TEST(r.status().message() == "algorithm not allowed");
        }
      }
      // Unsecured JWS exactly as RFC 7515 A.5 writes it: {"alg":"none"}, empty signature.
      BOOST_TEST(!k.signer->verify("eyJhbGciOiJub25lIn0." + p.payload + ".").ok());
      for (const char* other : {"ES384", "ES512", "ES256K", "Ed25519", "Ed448", "PS256", "HS256",
                                "RS512", "es256", "eddsa", "EDDSA", "rs256"}) {
        std::string header = b64u(json{{"alg", other}, {"typ", "JWT"}, {"kid", kid}}.dump());
        Result<json> r = k.signer->verify(header + "." + p.payload + "." + p.sig);
        BOOST_TEST(r.status().message() == "algorithm not allowed", other);
      }
    }
  }
}

// ---- config ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(config_keys_algorithm_accepts_rs256_es256_eddsa) {
  const std::string base =
      "issuer: \"https://auth.example.com\"\n"
      "server:\n  listen: \"unix:/run/access-service/fcgi.sock\"\n"
      "store:\n  path: \"data/access.db\"\n"
      "keys:\n  dir: \"keys\"\n  jwks_file: \"/run/access-service/jwks.json\"\n";
  Result<Config> d = parse_config(base, "/etc/access");
  BOOST_REQUIRE_MESSAGE(d.ok(), d.status().ToString());
  BOOST_TEST(d->algorithm == "RS256");
  for (const char* alg : kAlgs) {
    Result<Config> c = parse_config(base + "  algorithm: " + alg + "\n", "/etc/access");
    BOOST_REQUIRE_MESSAGE(c.ok(), c.status().ToString());
    BOOST_TEST(c->algorithm == alg);
  }
  for (const char* alg : {"ES384", "HS256", "none", "es256", "Ed25519"}) {
    Result<Config> c = parse_config(base + "  algorithm: " + alg + "\n", "/etc/access");
    BOOST_TEST(c.status().is_invalid(), alg);
    BOOST_TEST(c.status().message().find("keys.algorithm") != std::string::npos,
               c.status().message());
  }
}

BOOST_AUTO_TEST_SUITE_END()
