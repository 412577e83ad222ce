// tests/unit/jws_testing.h: the independent oracle and key helpers.
#include "jws_testing.h"

#include <openssl/core_names.h>
#include <openssl/dsa.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>

#include <cstdio>
#include <list>

#include "access/crypto/crypto.h"

namespace access_service {
namespace testing {

using json = nlohmann::json;

const char* const kJwsAlgs[5] = {"RS256", "PS256", "ES256", "ES384", "EdDSA"};

const char kRfc7515Payload[] =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

const unsigned char* bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string b64u(const std::string& raw) { return base64url_encode(raw); }

std::string b64d(const std::string& encoded) {
  std::string out;
  BOOST_REQUIRE_MESSAGE(base64url_decode(encoded, &out), "base64url: " + encoded);
  return out;
}
std::string b64d(const json& encoded) { return b64d(encoded.get<std::string>()); }

Parts split(const std::string& token) {
  size_t d1 = token.find('.'), d2 = token.find('.', d1 + 1);
  BOOST_REQUIRE(d1 != std::string::npos && d2 != std::string::npos);
  return {token.substr(0, d1), token.substr(d1 + 1, d2 - d1 - 1), token.substr(d2 + 1)};
}

std::string make_token(const json& header, const json& payload, const std::string& raw_sig) {
  return b64u(header.dump()) + "." + b64u(payload.dump()) + "." + b64u(raw_sig);
}

namespace {

// An EVP_PKEY from parameters via OSSL_PARAM_BLD / EVP_PKEY_fromdata. The
// builder keeps what it pushes by reference, so the values live here.
class KeyBuilder {
 public:
  KeyBuilder& bn(const char* name, const std::string& raw) {
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
    OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld_.get()));
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* k = nullptr;
    BOOST_REQUIRE(params && ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1 &&
                  EVP_PKEY_fromdata(ctx.get(), &k, selection, params.get()) == 1);
    return EvpPkeyPtr(k);
  }

 private:
  OsslParamBldPtr bld_{OSSL_PARAM_BLD_new()};
  std::list<BnPtr> bns_;
  std::list<std::string> strings_;
};

const char* const kRsaPrivate[][2] = {
    {"d", OSSL_PKEY_PARAM_RSA_D},          {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
    {"q", OSSL_PKEY_PARAM_RSA_FACTOR2},    {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
    {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2}, {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}};

// RFC 7518 3.3-3.5, RFC 8037 3.1, as the oracle knows them.
struct OracleAlg {
  const EVP_MD* md;
  int rsa_padding;  // 0: not RSA
  size_t half;      // ECDSA: bytes of R and of S; 0: not ECDSA
};
OracleAlg oracle(const std::string& alg) {
  if (alg == "RS256") return {EVP_sha256(), RSA_PKCS1_PADDING, 0};
  if (alg == "PS256") return {EVP_sha256(), RSA_PKCS1_PSS_PADDING, 0};
  if (alg == "ES256") return {EVP_sha256(), 0, 32};
  if (alg == "ES384") return {EVP_sha384(), 0, 48};
  BOOST_REQUIRE_EQUAL(alg, "EdDSA");
  return {nullptr, 0, 0};
}

bool set_rsa_padding(EVP_PKEY_CTX* pctx, const OracleAlg& o, int pss_salt) {
  if (!o.rsa_padding) return true;
  if (EVP_PKEY_CTX_set_rsa_padding(pctx, o.rsa_padding) != 1) return false;
  if (o.rsa_padding != RSA_PKCS1_PSS_PADDING) return true;
  const int salt = pss_salt == -1 ? EVP_MD_get_size(o.md) : pss_salt;
  return EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, o.md) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) == 1;
}

}  // namespace

EvpPkeyPtr key_from_jwk(const json& jwk) {
  const bool priv = jwk.contains("d");
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
  const int selection = priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  if (kty == "EC") {
    const std::string crv = jwk.at("crv");
    BOOST_REQUIRE(crv == "P-256" || crv == "P-384");
    b.utf8(OSSL_PKEY_PARAM_GROUP_NAME, crv == "P-256" ? "P-256" : "P-384")
        .octets(OSSL_PKEY_PARAM_PUB_KEY, "\x04" + b64d(jwk.at("x")) + b64d(jwk.at("y")));
    if (priv) b.bn(OSSL_PKEY_PARAM_PRIV_KEY, b64d(jwk.at("d")));
    return b.build("EC", selection);
  }
  BOOST_REQUIRE(kty == "RSA");
  b.bn(OSSL_PKEY_PARAM_RSA_N, b64d(jwk.at("n"))).bn(OSSL_PKEY_PARAM_RSA_E, b64d(jwk.at("e")));
  if (priv)
    for (const auto& m : kRsaPrivate) b.bn(m[1], b64d(jwk.at(m[0])));
  return b.build("RSA", selection);
}

EvpPkeyPtr generate(const char* type, const char* curve) {
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
  EvpPkeyCtxPtr pctx(EVP_PKEY_CTX_new_from_name(nullptr, "DSA", nullptr));
  EVP_PKEY* params = nullptr;
  BOOST_REQUIRE(pctx && EVP_PKEY_paramgen_init(pctx.get()) == 1 &&
                EVP_PKEY_CTX_set_dsa_paramgen_bits(pctx.get(), 1024) == 1 &&
                EVP_PKEY_paramgen(pctx.get(), &params) == 1);
  EvpPkeyPtr p(params);
  EvpPkeyCtxPtr kctx(EVP_PKEY_CTX_new_from_pkey(nullptr, p.get(), nullptr));
  EVP_PKEY* k = nullptr;
  BOOST_REQUIRE(kctx && EVP_PKEY_keygen_init(kctx.get()) == 1 &&
                EVP_PKEY_keygen(kctx.get(), &k) == 1);
  return EvpPkeyPtr(k);
}

EvpPkeyPtr generate_rsa_pss(const std::string& md, size_t bits) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA-PSS", nullptr));
  BOOST_REQUIRE(ctx && EVP_PKEY_keygen_init(ctx.get()) == 1 &&
                EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(bits)) == 1);
  if (!md.empty()) {
    const EVP_MD* m = EVP_get_digestbyname(md.c_str());
    BOOST_REQUIRE(m && EVP_PKEY_CTX_set_rsa_pss_keygen_md(ctx.get(), m) == 1 &&
                  EVP_PKEY_CTX_set_rsa_pss_keygen_mgf1_md(ctx.get(), m) == 1 &&
                  EVP_PKEY_CTX_set_rsa_pss_keygen_saltlen(ctx.get(), EVP_MD_get_size(m)) == 1);
  }
  EVP_PKEY* k = nullptr;
  BOOST_REQUIRE(EVP_PKEY_generate(ctx.get(), &k) == 1);
  return EvpPkeyPtr(k);
}

EvpPkeyPtr plain_rsa_twin(const EVP_PKEY* key) {
  KeyBuilder b;
  auto param = [&](const char* name) {
    BIGNUM* raw = nullptr;
    BOOST_REQUIRE_MESSAGE(EVP_PKEY_get_bn_param(key, name, &raw) == 1, name);
    BnPtr bn(raw);
    std::string out(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
    BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(&out[0]));
    b.bn(name, out);
  };
  param(OSSL_PKEY_PARAM_RSA_N);
  param(OSSL_PKEY_PARAM_RSA_E);
  for (const auto& m : kRsaPrivate) param(m[1]);
  return b.build("RSA", EVP_PKEY_KEYPAIR);
}

void write_pem(const std::string& path, const EVP_PKEY* k) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(fopen(path.c_str(), "w"), fclose);
  BOOST_REQUIRE(f);
  BOOST_REQUIRE(PEM_write_PrivateKey(f.get(), k, nullptr, nullptr, 0, nullptr, nullptr) == 1);
}

EvpPkeyPtr read_pem(const std::string& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  BOOST_REQUIRE_MESSAGE(bio, path);
  EvpPkeyPtr k(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  BOOST_REQUIRE_MESSAGE(k, path);
  return k;
}

std::string jose_to_der(const std::string& raw) {
  BOOST_REQUIRE(!raw.empty() && raw.size() % 2 == 0);
  const int half = static_cast<int>(raw.size() / 2);
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes(raw), half, nullptr);
  BIGNUM* s = BN_bin2bn(bytes(raw) + half, half, nullptr);
  BOOST_REQUIRE(sig && r && s && ECDSA_SIG_set0(sig.get(), r, s) == 1);
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  BOOST_REQUIRE(len > 0);
  std::string der(static_cast<size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(&der[0]);
  BOOST_REQUIRE(i2d_ECDSA_SIG(sig.get(), &out) == len);
  return der;
}

std::string der_to_jose(const std::string& der, size_t half) {
  const unsigned char* p = bytes(der);
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  BOOST_REQUIRE(sig);
  std::string out(2 * half, '\0');
  auto* o = reinterpret_cast<unsigned char*>(&out[0]);
  const int n = static_cast<int>(half);
  BOOST_REQUIRE(BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), o, n) == n &&
                BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), o + half, n) == n);
  return out;
}

std::string openssl_sign(EVP_PKEY* key, const std::string& alg, const std::string& input,
                         int pss_salt) {
  const OracleAlg o = oracle(alg);
  EvpMdCtxPtr md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  size_t len = 0;
  BOOST_REQUIRE(md && EVP_DigestSignInit(md.get(), &pctx, o.md, nullptr, key) == 1 &&
                set_rsa_padding(pctx, o, pss_salt) &&
                EVP_DigestSign(md.get(), nullptr, &len, bytes(input), input.size()) == 1);
  std::string sig(len, '\0');
  BOOST_REQUIRE(EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(&sig[0]), &len,
                               bytes(input), input.size()) == 1);
  sig.resize(len);
  return o.half ? der_to_jose(sig, o.half) : sig;
}

bool openssl_verifies(EVP_PKEY* pub, const std::string& token) {
  Parts p = split(token);
  const OracleAlg o = oracle(json::parse(b64d(p.header)).at("alg"));
  std::string input = p.header + "." + p.payload, sig = b64d(p.sig);
  if (o.half) {
    if (sig.size() != 2 * o.half) return false;
    sig = jose_to_der(sig);
  }
  EvpMdCtxPtr md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  return EVP_DigestVerifyInit(md.get(), &pctx, o.md, nullptr, pub) == 1 &&
         set_rsa_padding(pctx, o, -1) &&
         EVP_DigestVerify(md.get(), bytes(sig), sig.size(), bytes(input), input.size()) == 1;
}

std::string openssl_token(EVP_PKEY* key, const std::string& alg, const std::string& kid,
                          const json& claims) {
  std::string input =
      b64u(json{{"alg", alg}, {"typ", "JWT"}, {"kid", kid}}.dump()) + "." + b64u(claims.dump());
  return input + "." + b64u(openssl_sign(key, alg, input));
}

std::string run(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen((command + " 2>/dev/null").c_str(), "r"), pclose);
  BOOST_REQUIRE_MESSAGE(p, command);
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p.get())) > 0) out.append(buf, n);
  BOOST_REQUIRE_MESSAGE(pclose(p.release()) == 0, command);
  return out;
}

std::string expected_kid(const json& jwk) {
  auto m = [&](const char* name) { return jwk.at(name).get<std::string>(); };
  const std::string kty = m("kty");
  std::string canonical;
  if (kty == "RSA")
    canonical = R"({"e":")" + m("e") + R"(","kty":"RSA","n":")" + m("n") + "\"}";
  else if (kty == "EC")
    canonical =
        R"({"crv":")" + m("crv") + R"(","kty":"EC","x":")" + m("x") + R"(","y":")" + m("y") + "\"}";
  else
    canonical = R"({"crv":")" + m("crv") + R"(","kty":"OKP","x":")" + m("x") + "\"}";
  return base64url_encode(sha256(canonical));
}

std::set<std::string> member_names(const json& j) {
  std::set<std::string> names;
  for (const auto& kv : j.items()) names.insert(kv.key());
  return names;
}

AlgKeys::AlgKeys(const std::string& alg) {
  Result<std::string> p = create_signing_key(dir, alg);
  BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  path = *p;
  auto s = TokenSigner::load(dir);
  BOOST_REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  signer = *s;
}

std::string AlgKeys::sign(const json& claims) const {
  Result<std::string> t = signer->sign(claims);
  BOOST_REQUIRE_MESSAGE(t.ok(), t.status().ToString());
  return *t;
}

EvpPkeyPtr AlgKeys::published_key() const {
  json jwks = json::parse(signer->jwks_json());
  BOOST_REQUIRE_EQUAL(jwks.at("keys").size(), 1u);
  return key_from_jwk(jwks.at("keys").at(0));
}

std::shared_ptr<TokenSigner> load_keys(const TempDir& tmp, std::vector<const EVP_PKEY*> keys) {
  int i = 1;
  for (const EVP_PKEY* k : keys)
    write_pem(tmp.file("key-2026010" + std::to_string(i++) + "T000000Z.pem"), k);
  auto s = TokenSigner::load(tmp.path());
  BOOST_REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  return *s;
}

}  // namespace testing
}  // namespace access_service
