#include "access/signer.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "access/crypto.h"
#include "access/strings.h"

namespace access_service {
namespace {

using json = nlohmann::json;

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter>;

constexpr size_t kMaxTokenBytes = 8192;
// Allow-list of JWS algorithms this server accepts (RFC 8725 3.1); also the
// algorithms create_signing_key can make keys for.
const char* const kAllowedAlgs[] = {"RS256", "ES256", "EdDSA"};
// R and S of an ES256 signature are each as long as the P-256 order (RFC 7518 3.4).
constexpr int kEs256Half = 32;
// An Ed25519 public key is 32 bytes, a signature 64 (RFC 8032 5.1.5, 5.1.6).
constexpr size_t kEd25519KeyBytes = 32;
constexpr size_t kEd25519SigBytes = 64;

bool allowed(const std::string& alg) {
  for (const char* a : kAllowedAlgs)
    if (alg == a) return true;
  return false;
}

// base64url of a BIGNUM parameter, big-endian: minimal length when `width` is
// 0 (RSA n and e, RFC 7518 6.3.1), else left-padded to `width` bytes (EC x and
// y, RFC 7518 6.2.1.2). "" when the key has no such parameter.
std::string bn_param(const EVP_PKEY* k, const char* name, int width = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &raw) != 1) return "";
  BnPtr bn(raw);
  int len = width ? width : BN_num_bytes(bn.get());
  if (len <= 0) return "";
  std::string out(len, '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(&out[0]), len) != len) return "";
  return base64url_encode(out);
}

std::string ed25519_x(const EVP_PKEY* k) {
  unsigned char x[kEd25519KeyBytes];
  size_t len = sizeof x;
  if (EVP_PKEY_get_raw_public_key(k, x, &len) != 1 || len != sizeof x) return "";
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(x), len));
}

// The members RFC 7638 3.2 requires for the key type of `alg`; an empty
// string value when the key would not give one.
json required_members(const EVP_PKEY* p, const std::string& alg) {
  if (alg == "RS256")
    return {{"e", bn_param(p, OSSL_PKEY_PARAM_RSA_E)},
            {"kty", "RSA"},
            {"n", bn_param(p, OSSL_PKEY_PARAM_RSA_N)}};
  if (alg == "ES256")
    return {{"crv", "P-256"},
            {"kty", "EC"},
            {"x", bn_param(p, OSSL_PKEY_PARAM_EC_PUB_X, kEs256Half)},
            {"y", bn_param(p, OSSL_PKEY_PARAM_EC_PUB_Y, kEs256Half)}};
  return {{"crv", "Ed25519"}, {"kty", "OKP"}, {"x", ed25519_x(p)}};
}

// Fills alg, kid, jwk and jws_header from the key type. RFC 7638: the
// thumbprint input is the required members in lexicographic order with no
// whitespace, which is what dump() of a nlohmann::json object (sorted) gives.
Status describe(SigningKey* k) {
  const EVP_PKEY* p = k->pkey.get();
  k->alg = jws_alg_for_key(p);
  if (k->alg.empty() && EVP_PKEY_is_a(p, "RSA"))
    return Status::Invalid(k->file + ": RSA key shorter than 2048 bits");
  if (k->alg.empty())
    return Status::Invalid(
        k->file + ": unsupported key type (RSA >= 2048 bits, EC P-256 or Ed25519 expected)");
  json req = required_members(p, k->alg);
  for (const auto& member : req.items())
    if (member.value().get<std::string>().empty())
      return Status::Invalid(k->file + ": cannot read the public key");
  k->kid = base64url_encode(sha256(req.dump()));
  k->jwk = req;
  k->jwk["use"] = "sig";
  k->jwk["alg"] = k->alg;
  k->jwk["kid"] = k->kid;
  k->jws_header = base64url_encode(json{{"alg", k->alg}, {"typ", "JWT"}, {"kid", k->kid}}.dump());
  return Status::Ok();
}

// SHA-256 for RS256 and ES256; none for EdDSA, which hashes internally and
// only signs in one shot (RFC 8032 5.1.6; EVP_DigestSign with a NULL digest).
const EVP_MD* jws_digest(const std::string& alg) { return alg == "EdDSA" ? nullptr : EVP_sha256(); }

EvpMdCtxPtr new_sign_ctx(const std::string& alg, EVP_PKEY* key) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, jws_digest(alg), nullptr, key) != 1)
    return nullptr;
  return ctx;
}

EvpMdCtxPtr new_verify_ctx(const std::string& alg, EVP_PKEY* key) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, jws_digest(alg), nullptr, key) != 1)
    return nullptr;
  return ctx;
}

// OpenSSL's ECDSA gives DER (a SEQUENCE of two INTEGERs); JWS wants R||S,
// each left-padded to 32 bytes (RFC 7518 3.4).
bool der_to_jose(std::string* sig) {
  const auto* p = reinterpret_cast<const unsigned char*>(sig->data());
  EcdsaSigPtr es(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig->size())));
  if (!es) return false;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(es.get(), &r, &s);
  std::string out(2 * kEs256Half, '\0');
  auto* o = reinterpret_cast<unsigned char*>(&out[0]);
  if (BN_bn2binpad(r, o, kEs256Half) != kEs256Half ||
      BN_bn2binpad(s, o + kEs256Half, kEs256Half) != kEs256Half)
    return false;
  *sig = std::move(out);
  return true;
}

// The reverse, for OpenSSL's verifier; false unless exactly 64 bytes.
bool jose_to_der(std::string_view jose, std::string* der) {
  if (jose.size() != 2 * kEs256Half) return false;
  const auto* j = reinterpret_cast<const unsigned char*>(jose.data());
  BnPtr r(BN_bin2bn(j, kEs256Half, nullptr));
  BnPtr s(BN_bin2bn(j + kEs256Half, kEs256Half, nullptr));
  EcdsaSigPtr es(ECDSA_SIG_new());
  if (!r || !s || !es || ECDSA_SIG_set0(es.get(), r.get(), s.get()) != 1) return false;
  r.release();  // owned by `es` from here on
  s.release();
  int len = i2d_ECDSA_SIG(es.get(), nullptr);
  if (len <= 0) return false;
  der->assign(len, '\0');
  auto* d = reinterpret_cast<unsigned char*>(&(*der)[0]);
  return i2d_ECDSA_SIG(es.get(), &d) == len;
}

// Signs with a copy of `prepared` (EVP_MD_CTX_copy_ex), which stays ready for
// the next call: no algorithm fetch and no key set-up per token.
Result<std::string> sign_prepared(const EVP_MD_CTX* prepared, const std::string& alg,
                                  std::string_view input) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  size_t len = 0;
  if (!ctx || EVP_MD_CTX_copy_ex(ctx.get(), prepared) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1)
    return Status::Internal("signing failed");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(&sig[0]), &len, in,
                     input.size()) != 1)
    return Status::Internal("signing failed");
  sig.resize(len);
  if (alg == "ES256" && !der_to_jose(&sig)) return Status::Internal("signing failed");
  return sig;
}

// Verifies with a copy of `prepared`, as sign_prepared() signs.
Status verify_prepared(const EVP_MD_CTX* prepared, const std::string& alg,
                       std::string_view signing_input, std::string_view signature) {
  std::string der;
  if (alg == "ES256") {
    if (!jose_to_der(signature, &der)) return Status::Invalid("bad signature");
    signature = der;
  } else if (alg == "EdDSA" && signature.size() != kEd25519SigBytes) {
    return Status::Invalid("bad signature");
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_MD_CTX_copy_ex(ctx.get(), prepared) != 1 ||
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(),
                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size()) != 1) {
    ERR_clear_error();  // a forged token is not an OpenSSL failure worth keeping
    return Status::Invalid("bad signature");
  }
  return Status::Ok();
}

Result<std::unique_ptr<SigningKey>> load_key(const std::string& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return Status::NotFound(path + ": cannot read key file");
  auto key = std::make_unique<SigningKey>();
  key->file = path;
  key->pkey.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key->pkey) return Status::Invalid(path + ": not a PEM private key");
  Status st = describe(key.get());
  if (!st.ok()) return st;
  key->sign_ctx = new_sign_ctx(key->alg, key->pkey.get());
  if (!key->sign_ctx) return Status::Invalid(path + ": cannot sign with this key");
  key->verify_ctx = new_verify_ctx(key->alg, key->pkey.get());
  if (!key->verify_ctx) return Status::Invalid(path + ": cannot verify with this key");
  return key;
}

// The time in "<key file>.signs_from": 0 when there is no such file,
// kInvalid when it holds anything but decimal epoch seconds.
Result<long long> read_signs_from(const std::string& key_file) {
  const std::string path = key_file + ".signs_from";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return 0LL;
    return Status::Invalid(path + ": cannot read: " + strerror(errno));
  }
  char buf[32];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  std::string text(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    return Status::Invalid(path + ": must hold a time in epoch seconds");
  return std::stoll(text);
}

// A fresh key of the type `alg` stands for (see signer.h); null on failure.
EvpPkeyPtr generate_key(const std::string& alg) {
  if (alg == "RS256") return EvpPkeyPtr(EVP_RSA_gen(2048));
  if (alg == "ES256") return EvpPkeyPtr(EVP_EC_gen("P-256"));
  if (alg == "EdDSA") return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  return nullptr;
}

}  // namespace

std::string jws_alg_for_key(const EVP_PKEY* key) {
  if (!key) return "";
  if (EVP_PKEY_is_a(key, "RSA")) return EVP_PKEY_get_bits(key) >= 2048 ? "RS256" : "";
  if (EVP_PKEY_is_a(key, "ED25519")) return "EdDSA";
  if (!EVP_PKEY_is_a(key, "EC")) return "";
  // OpenSSL reports P-256 by its short name; explicit parameters have no name.
  char group[64];
  size_t len = 0;
  if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) != 1) return "";
  return std::strcmp(group, "prime256v1") == 0 ? "ES256" : "";
}

Result<std::string> sign_jws_signature(std::string_view signing_input, const std::string& alg,
                                       EVP_PKEY* key) {
  if (alg.empty() || jws_alg_for_key(key) != alg) return Status::Invalid("key is not for " + alg);
  EvpMdCtxPtr ctx = new_sign_ctx(alg, key);
  if (!ctx) return Status::Internal("signing failed");
  return sign_prepared(ctx.get(), alg, signing_input);
}

Status verify_jws_signature(std::string_view signing_input, std::string_view signature,
                            const std::string& alg, EVP_PKEY* key) {
  if (alg.empty() || jws_alg_for_key(key) != alg)
    return Status::Invalid("algorithm does not match key");
  EvpMdCtxPtr ctx = new_verify_ctx(alg, key);
  if (!ctx) return Status::Internal("verification failed");
  return verify_prepared(ctx.get(), alg, signing_input, signature);
}

Result<std::shared_ptr<TokenSigner>> TokenSigner::load(const std::string& dir) {
  return load(dir, static_cast<long long>(std::time(nullptr)));
}

Result<std::shared_ptr<TokenSigner>> TokenSigner::load(const std::string& dir, long long now) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
  if (!d)
    return Status::NotFound(dir + ": cannot open key directory: " + os_reason(errno) +
                            " (run accessctl init)");
  std::vector<std::string> files;
  while (dirent* e = readdir(d.get())) {
    std::string name = e->d_name;
    if (name.rfind("key-", 0) == 0 && name.size() > 8 && name.substr(name.size() - 4) == ".pem")
      files.push_back(dir + "/" + name);
  }
  if (files.empty()) return Status::NotFound(dir + ": no signing key (run accessctl init)");
  std::sort(files.begin(), files.end());
  auto signer = std::make_shared<TokenSigner>();
  bool chosen = false;
  for (const auto& f : files) {
    auto k = load_key(f);
    if (!k.ok()) return k.status();
    Result<long long> from = read_signs_from(f);
    if (!from.ok()) return from.status();
    (*k)->signs_from = *from;
    if ((*k)->signs_from <= now) {
      signer->active_ = signer->keys_.size();
      chosen = true;
    }
    signer->keys_.push_back(std::move(*k));
  }
  if (!chosen) signer->active_ = 0;
  return signer;
}

Result<std::string> TokenSigner::sign(const json& claims) const {
  const SigningKey& k = active();
  std::string input = k.jws_header + "." + base64url_encode(claims.dump());
  Result<std::string> sig = sign_prepared(k.sign_ctx.get(), k.alg, input);
  if (!sig.ok()) return sig.status();
  return input + "." + base64url_encode(*sig);
}

Result<json> TokenSigner::verify(std::string_view token) const {
  if (token.size() > kMaxTokenBytes) return Status::Invalid("token too long");
  size_t d1 = token.find('.');
  size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return Status::Invalid("not a compact JWS");
  std::string payload_raw, sig;
  if (!base64url_decode(token.substr(d1 + 1, d2 - d1 - 1), &payload_raw) ||
      !base64url_decode(token.substr(d2 + 1), &sig))
    return Status::Invalid("bad base64url");
  // The header this server writes is a fixed string per key: when the token
  // carries exactly that, the allow-list, crit and kid checks below would all
  // pass, so skip decoding and parsing it.
  const SigningKey* key = nullptr;
  for (const auto& k : keys_)
    if (token.substr(0, d1) == k->jws_header) key = k.get();
  if (!key) {
    Result<const SigningKey*> found = key_for_header(token.substr(0, d1));
    if (!found.ok()) return found.status();
    key = *found;
  }
  Status st = verify_prepared(key->verify_ctx.get(), key->alg, token.substr(0, d2), sig);
  if (!st.ok()) return st;
  json claims = json::parse(payload_raw, nullptr, false);
  if (!claims.is_object()) return Status::Invalid("bad claims");
  return claims;
}

Result<const SigningKey*> TokenSigner::key_for_header(std::string_view header_b64) const {
  std::string header_raw;
  if (!base64url_decode(header_b64, &header_raw)) return Status::Invalid("bad base64url");
  json header = json::parse(header_raw, nullptr, false);
  if (!header.is_object() || !header.contains("alg") || !header["alg"].is_string())
    return Status::Invalid("bad header");
  const std::string alg = header["alg"];
  if (!allowed(alg)) return Status::Invalid("algorithm not allowed");
  // RFC 7515 4.1.11: this verifier understands no extension, so a token
  // that names any critical one must be refused.
  if (header.contains("crit")) return Status::Invalid("critical header extension not understood");
  if (!header.contains("kid") || !header["kid"].is_string()) return Status::Invalid("no kid");
  const SigningKey* key = nullptr;
  for (const auto& k : keys_)
    if (k->kid == header["kid"].get<std::string>()) key = k.get();
  if (!key) return Status::Invalid("unknown kid");
  if (key->alg != alg) return Status::Invalid("algorithm does not match key");
  return key;
}

std::string TokenSigner::jwks_json() const {
  json keys = json::array();
  for (const auto& k : keys_) keys.push_back(k->jwk);
  return json{{"keys", keys}}.dump();
}

Status write_file_atomic(const std::string& path, const std::string& content, int mode) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::Internal(tmp + ": cannot create: " + os_reason(errno));
  fchmod(fd, mode);  // the umask must not widen or narrow what was asked
  bool ok = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
            fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(tmp.c_str());
    return Status::Internal(path + ": cannot write: " + os_reason(err));
  }
  return Status::Ok();
}

Result<std::string> create_signing_key(const std::string& dir, const std::string& algorithm,
                                       long long signs_from) {
  if (!allowed(algorithm))
    return Status::Invalid("keys.algorithm: unsupported " + algorithm + " (RS256, ES256 or EdDSA)");
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::Internal(dir + ": cannot create key directory: " + os_reason(errno));
  EvpPkeyPtr pkey = generate_key(algorithm);
  if (!pkey) return Status::Internal("key generation failed");
  BioPtr mem(BIO_new(BIO_s_mem()));
  if (!mem ||
      PEM_write_bio_PrivateKey(mem.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Status::Internal("cannot encode key");
  char* data = nullptr;
  long len = BIO_get_mem_data(mem.get(), &data);
  // Names sort by creation time and the newest signs, so two keys may not
  // share a second: wait for the next one (rotation is rare).
  std::string path;
  for (int attempt = 0;; ++attempt) {
    char stamp[32];
    std::time_t now = std::time(nullptr);
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", std::gmtime(&now));
    path = dir + "/key-" + stamp + ".pem";
    if (::access(path.c_str(), F_OK) != 0) break;
    if (attempt == 2) return Status::Conflict(path + ": exists");
    sleep(1);
  }
  // The sidecar first: no reader may ever see the key without its time and
  // take it for a key that signs from the start.
  const std::string sidecar = path + ".signs_from";
  if (signs_from > 0) {
    Status st = write_file_atomic(sidecar, std::to_string(signs_from) + "\n", 0600);
    if (!st.ok()) return st;
  }
  Status st = write_file_atomic(path, std::string(data, len), 0600);
  if (!st.ok()) {
    if (signs_from > 0) unlink(sidecar.c_str());
    return st;
  }
  return path;
}

}  // namespace access_service
