#include "access/signer.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "access/crypto.h"

namespace access_service {
namespace {

using json = nlohmann::json;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;

constexpr size_t kMaxTokenBytes = 8192;
// Allow-list of JWS algorithms this server accepts (RFC 8725 3.1).
const char* const kAllowedAlgs[] = {"RS256"};

std::string bn_param(const EVP_PKEY* k, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &raw) != 1) return "";
  BnPtr bn(raw);
  std::string out(BN_num_bytes(bn.get()), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(&out[0]));
  return base64url_encode(out);
}

// Fills alg, jwk and kid from the key type. RFC 7638: the thumbprint input is
// the required members in lexicographic order with no whitespace.
Status describe(SigningKey* k) {
  if (EVP_PKEY_get_base_id(k->pkey.get()) != EVP_PKEY_RSA)
    return Status::Invalid(k->file + ": unsupported key type (RSA expected)");
  if (EVP_PKEY_get_bits(k->pkey.get()) < 2048)
    return Status::Invalid(k->file + ": RSA key shorter than 2048 bits");
  std::string n = bn_param(k->pkey.get(), OSSL_PKEY_PARAM_RSA_N);
  std::string e = bn_param(k->pkey.get(), OSSL_PKEY_PARAM_RSA_E);
  k->alg = "RS256";
  k->kid = base64url_encode(sha256(R"({"e":")" + e + R"(","kty":"RSA","n":")" + n + R"("})"));
  k->jwk = {{"kty", "RSA"}, {"use", "sig"}, {"alg", k->alg}, {"kid", k->kid}, {"n", n}, {"e", e}};
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
  return key;
}

std::string signing_input_header(const SigningKey& k) {
  return base64url_encode(json{{"alg", k.alg}, {"typ", "JWT"}, {"kid", k.kid}}.dump());
}

}  // namespace

Result<std::shared_ptr<TokenSigner>> TokenSigner::load(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
  if (!d) return Status::NotFound(dir + ": cannot open key directory (run accessctl init)");
  std::vector<std::string> files;
  while (dirent* e = readdir(d.get())) {
    std::string name = e->d_name;
    if (name.rfind("key-", 0) == 0 && name.size() > 8 && name.substr(name.size() - 4) == ".pem")
      files.push_back(dir + "/" + name);
  }
  if (files.empty()) return Status::NotFound(dir + ": no signing key (run accessctl init)");
  std::sort(files.begin(), files.end());
  auto signer = std::make_shared<TokenSigner>();
  for (const auto& f : files) {
    auto k = load_key(f);
    if (!k.ok()) return k.status();
    signer->keys_.push_back(std::move(*k));
  }
  return signer;
}

Result<std::string> TokenSigner::sign(const json& claims) const {
  const SigningKey& k = active();
  std::string input = signing_input_header(k) + "." + base64url_encode(claims.dump());
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, k.pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1)
    return Status::Internal("signing failed");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(&sig[0]), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    return Status::Internal("signing failed");
  sig.resize(len);
  return input + "." + base64url_encode(sig);
}

Result<json> TokenSigner::verify(std::string_view token) const {
  if (token.size() > kMaxTokenBytes) return Status::Invalid("token too long");
  size_t d1 = token.find('.');
  size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return Status::Invalid("not a compact JWS");
  std::string header_raw, payload_raw, sig;
  if (!base64url_decode(token.substr(0, d1), &header_raw) ||
      !base64url_decode(token.substr(d1 + 1, d2 - d1 - 1), &payload_raw) ||
      !base64url_decode(token.substr(d2 + 1), &sig))
    return Status::Invalid("bad base64url");
  json header = json::parse(header_raw, nullptr, false);
  if (!header.is_object() || !header.contains("alg") || !header["alg"].is_string())
    return Status::Invalid("bad header");
  const std::string alg = header["alg"];
  bool allowed = false;
  for (const char* a : kAllowedAlgs) allowed = allowed || alg == a;
  if (!allowed) return Status::Invalid("algorithm not allowed");
  if (!header.contains("kid") || !header["kid"].is_string()) return Status::Invalid("no kid");
  const SigningKey* key = nullptr;
  for (const auto& k : keys_)
    if (k->kid == header["kid"].get<std::string>()) key = k.get();
  if (!key) return Status::Invalid("unknown kid");
  if (key->alg != alg) return Status::Invalid("algorithm does not match key");
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string_view input = token.substr(0, d2);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key->pkey.get()) != 1 ||
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    return Status::Invalid("bad signature");
  json claims = json::parse(payload_raw, nullptr, false);
  if (!claims.is_object()) return Status::Invalid("bad claims");
  return claims;
}

std::string TokenSigner::jwks_json() const {
  json keys = json::array();
  for (const auto& k : keys_) keys.push_back(k->jwk);
  return json{{"keys", keys}}.dump();
}

Status write_file_atomic(const std::string& path, const std::string& content, int mode) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::Internal(tmp + ": cannot create");
  fchmod(fd, mode);  // the umask must not widen or narrow what was asked
  bool ok = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
            fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return Status::Internal(path + ": cannot write");
  }
  return Status::Ok();
}

Result<std::string> create_signing_key(const std::string& dir, const std::string& algorithm) {
  if (algorithm != "RS256") return Status::Invalid("keys.algorithm: unsupported " + algorithm);
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::Internal(dir + ": cannot create key directory");
  EvpPkeyPtr pkey(EVP_RSA_gen(2048));
  if (!pkey) return Status::Internal("key generation failed");
  BioPtr mem(BIO_new(BIO_s_mem()));
  if (!mem || PEM_write_bio_PrivateKey(mem.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Status::Internal("cannot encode key");
  char* data = nullptr;
  long len = BIO_get_mem_data(mem.get(), &data);
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", std::gmtime(&now));
  std::string path = dir + "/key-" + stamp + ".pem";
  if (::access(path.c_str(), F_OK) == 0) return Status::Conflict(path + ": exists; retry in a second");
  Status st = write_file_atomic(path, std::string(data, len), 0600);
  if (!st.ok()) return st;
  return path;
}

}  // namespace access_service
