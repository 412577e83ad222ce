#include "access/crypto/jws_algorithms.h"

#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include <cstring>

#include "access/crypto/crypto.h"

namespace access_service {
namespace {

using json = nlohmann::json;

// ---- key generation, per key type ----------------------------------------

EvpPkeyPtr generate_rsa(const JwsAlgorithm& a) {
  return EvpPkeyPtr(EVP_RSA_gen(static_cast<unsigned>(a.rsa_min_bits)));
}

// An RSA-PSS key whose parameters restrict it to the algorithm's digest, for
// the message and MGF1, with a salt of at least the digest's length: the key
// file then says PS256 by itself (RFC 4055 3.1 parameters in the PKCS#8
// AlgorithmIdentifier).
EvpPkeyPtr generate_rsa_pss(const JwsAlgorithm& a) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, a.key_type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), a.rsa_min_bits) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_keygen_md(ctx.get(), a.digest()) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_keygen_mgf1_md(ctx.get(), a.digest()) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_keygen_saltlen(ctx.get(), EVP_MD_get_size(a.digest())) != 1 ||
      EVP_PKEY_generate(ctx.get(), &key) != 1)
    return nullptr;
  return EvpPkeyPtr(key);
}

EvpPkeyPtr generate_ec(const JwsAlgorithm& a) {
  return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", a.ec_group));
}

EvpPkeyPtr generate_okp(const JwsAlgorithm& a) {
  return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, a.key_type));
}

// ---- JWK members, per key type -------------------------------------------

// base64url of a BIGNUM parameter, big-endian: minimal length when `width` is
// 0 (RSA n and e, RFC 7518 6.3.1), else left-padded to `width` bytes (EC x and
// y, RFC 7518 6.2.1.2). "" when the key has no such parameter.
std::string bn_param(const EVP_PKEY* k, const char* name, size_t width = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &raw) != 1) return "";
  BnPtr bn(raw);
  const int len = width ? static_cast<int>(width) : BN_num_bytes(bn.get());
  if (len <= 0) return "";
  std::string out(static_cast<size_t>(len), '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(&out[0]), len) != len) return "";
  return base64url_encode(out);
}

// RFC 7518 6.3.1 (also for RSA-PSS keys: a JWK has no other RSA key type).
json rsa_members(const JwsAlgorithm& a, const EVP_PKEY* k) {
  return {{"e", bn_param(k, OSSL_PKEY_PARAM_RSA_E)},
          {"kty", a.jwk_kty},
          {"n", bn_param(k, OSSL_PKEY_PARAM_RSA_N)}};
}

// RFC 7518 6.2.1.
json ec_members(const JwsAlgorithm& a, const EVP_PKEY* k) {
  return {{"crv", a.jwk_crv},
          {"kty", a.jwk_kty},
          {"x", bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, a.coordinate_bytes)},
          {"y", bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, a.coordinate_bytes)}};
}

// RFC 8037 2: x is the raw public key.
json okp_members(const JwsAlgorithm& a, const EVP_PKEY* k) {
  std::string x(a.coordinate_bytes, '\0');
  size_t len = x.size();
  std::string encoded;
  if (EVP_PKEY_get_raw_public_key(k, reinterpret_cast<unsigned char*>(&x[0]), &len) == 1 &&
      len == x.size())
    encoded = base64url_encode(x);
  return {{"crv", a.jwk_crv}, {"kty", a.jwk_kty}, {"x", encoded}};
}

// ---- the table -----------------------------------------------------------

// One entry per algorithm, its fields in the order of JwsAlgorithm: name, key
// type, EC group, least RSA bits; digest, padding, signature form, signature
// bytes, coordinate bytes; JWK kty and crv; key text, generator, JWK members.
// clang-format off
const std::vector<JwsAlgorithm>& table() {
  static const std::vector<JwsAlgorithm> kTable = {
      {"RS256", "RSA", nullptr, 2048,                                            // RFC 7518 3.3
       EVP_sha256, JwsPadding::kPkcs1, JwsSignatureForm::kAsIs, 0, 0,
       "RSA", nullptr, "RSA >= 2048 bits", generate_rsa, rsa_members},
      {"PS256", "RSA-PSS", nullptr, 2048,                                        // RFC 7518 3.5
       EVP_sha256, JwsPadding::kPss, JwsSignatureForm::kAsIs, 0, 0,
       "RSA", nullptr, "RSA-PSS >= 2048 bits restricted to SHA-256", generate_rsa_pss, rsa_members},
      {"ES256", "EC", "prime256v1", 0,                                           // RFC 7518 3.4
       EVP_sha256, JwsPadding::kNone, JwsSignatureForm::kRawRS, 64, 32,
       "EC", "P-256", "EC P-256", generate_ec, ec_members},
      {"ES384", "EC", "secp384r1", 0,                                            // RFC 7518 3.4
       EVP_sha384, JwsPadding::kNone, JwsSignatureForm::kRawRS, 96, 48,
       "EC", "P-384", "EC P-384", generate_ec, ec_members},
      {"EdDSA", "ED25519", nullptr, 0,                                           // RFC 8037 3.1
       nullptr, JwsPadding::kNone, JwsSignatureForm::kAsIs, 64, 32,
       "OKP", "Ed25519", "Ed25519", generate_okp, okp_members},
  };
  return kTable;
}
// clang-format on

// ---- which entry a key is for ---------------------------------------------

bool same_group(const JwsAlgorithm& a, const EVP_PKEY* key) {
  if (!a.ec_group) return true;
  // Keys with explicit curve parameters have no name, and are refused.
  char group[64];
  size_t len = 0;
  return EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1 &&
         std::strcmp(group, a.ec_group) == 0;
}

bool utf8_param_names(const EVP_PKEY* key, const char* param, const EVP_MD* md) {
  char name[64];
  size_t len = 0;
  return EVP_PKEY_get_utf8_string_param(key, param, name, sizeof name, &len) == 1 &&
         EVP_MD_is_a(md, name);
}

// An RSA-PSS key is for the entry whose digest its parameters name (message
// and MGF1), provided its least salt length allows the digest's length.
bool pss_restricted_to(const JwsAlgorithm& a, const EVP_PKEY* key) {
  const EVP_MD* md = a.digest();
  int min_salt = -1;
  return utf8_param_names(key, OSSL_PKEY_PARAM_RSA_DIGEST, md) &&
         utf8_param_names(key, OSSL_PKEY_PARAM_RSA_MGF1_DIGEST, md) &&
         EVP_PKEY_get_int_param(key, OSSL_PKEY_PARAM_RSA_PSS_SALTLEN, &min_salt) == 1 &&
         min_salt >= 0 && min_salt <= EVP_MD_get_size(md);
}

// One member of every entry, for a sentence: "a, b, c or d".
std::string listed(const char* JwsAlgorithm::*member) {
  std::string out;
  const auto& all = table();
  for (size_t i = 0; i < all.size(); ++i)
    out += (i == 0 ? "" : i + 1 == all.size() ? " or " : ", ") + std::string(all[i].*member);
  return out;
}

}  // namespace

const std::vector<JwsAlgorithm>& jws_algorithms() { return table(); }

const JwsAlgorithm* find_jws_algorithm(std::string_view name) {
  for (const auto& a : table())
    if (name == a.name) return &a;
  return nullptr;
}

std::vector<std::string> jws_algorithm_names() {
  std::vector<std::string> names;
  for (const auto& a : table()) names.emplace_back(a.name);
  return names;
}

std::string jws_algorithm_list() { return listed(&JwsAlgorithm::name); }

Result<const JwsAlgorithm*> jws_algorithm_for_key(const EVP_PKEY* key) {
  if (!key) return Status::Invalid("no key");
  std::string why;
  for (const auto& a : table()) {
    if (!EVP_PKEY_is_a(key, a.key_type) || !same_group(a, key)) continue;
    if (a.rsa_min_bits && EVP_PKEY_get_bits(key) < a.rsa_min_bits) {
      why =
          std::string(a.key_type) + " key shorter than " + std::to_string(a.rsa_min_bits) + " bits";
      continue;
    }
    if (a.padding == JwsPadding::kPss && !pss_restricted_to(a, key)) {
      why = std::string(a.key_type) + " key without the parameters of " + a.name + " (" +
            a.key_text + ")";
      continue;
    }
    return &a;
  }
  if (why.empty()) why = "unsupported key type (" + listed(&JwsAlgorithm::key_text) + " expected)";
  return Status::Invalid(why);
}

Result<json> public_jwk(const JwsAlgorithm& alg, const EVP_PKEY* key, std::string* kid) {
  json members = alg.jwk_members(alg, key);
  for (const auto& member : members.items())
    if (member.value().get<std::string>().empty())
      return Status::Invalid("cannot read the public key");
  // RFC 7638 3: the thumbprint input is the required members in
  // lexicographic order without whitespace, which is what dump() of a
  // nlohmann::json object (sorted) gives.
  *kid = base64url_encode(sha256(members.dump()));
  json jwk = members;
  jwk["use"] = "sig";
  jwk["alg"] = alg.name;
  jwk["kid"] = *kid;
  return jwk;
}

}  // namespace access_service
