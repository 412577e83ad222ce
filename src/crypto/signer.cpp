#include "access/crypto/signer.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "access/core/files.h"
#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/crypto/jws.h"

namespace access_service {

struct TokenSigner::Crypto {
  std::vector<JwsKey> keys;  // keys[i] is the key of TokenSigner::keys_[i]
};

namespace {

using json = nlohmann::json;

constexpr size_t kMaxTokenBytes = 8192;

// The key in the PEM file `path`, bound to the algorithm its type stands
// for, and its description (all but signs_from).
Result<JwsKey> load_key(const std::string& path, SigningKey* info) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return Status::NotFound(path + ": cannot read key file");
  EvpPkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) return Status::Invalid(path + ": not a PEM private key");
  Result<const JwsAlgorithm*> alg = jws_algorithm_for_key(pkey.get());
  if (!alg.ok()) return Status::Invalid(path + ": " + alg.status().message());
  Result<json> jwk = public_jwk(**alg, pkey.get(), &info->kid);
  if (!jwk.ok()) return Status::Invalid(path + ": " + jwk.status().message());
  info->alg = (*alg)->name;
  info->file = path;
  info->jwk = std::move(*jwk);
  info->jws_header =
      base64url_encode(json{{"alg", info->alg}, {"typ", "JWT"}, {"kid", info->kid}}.dump());
  Result<JwsKey> key = JwsKey::make(std::move(pkey), **alg);
  if (!key.ok()) return Status::Invalid(path + ": " + key.status().message());
  if (!key->can_sign()) return Status::Invalid(path + ": cannot sign with this key");
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

// `key` as PKCS#8 PEM ("BEGIN PRIVATE KEY", whatever the key type); for an
// RSA-PSS key its parameters are part of it.
Result<std::string> pem_of(const EVP_PKEY* key) {
  BioPtr mem(BIO_new(BIO_s_mem()));
  if (!mem || PEM_write_bio_PrivateKey(mem.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Status::Internal("cannot encode key");
  char* data = nullptr;
  long len = BIO_get_mem_data(mem.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

TokenSigner::TokenSigner() : crypto_(std::make_unique<Crypto>()) {}
TokenSigner::~TokenSigner() = default;

Result<std::vector<std::string>> key_file_names(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
  if (!d)
    return Status::NotFound(dir + ": cannot open key directory: " + os_reason(errno) +
                            " (run accessctl init)");
  std::vector<std::string> names;
  while (dirent* e = readdir(d.get())) {
    std::string name = e->d_name;
    if (name.rfind("key-", 0) == 0 && name.size() > 8 && name.substr(name.size() - 4) == ".pem")
      names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::shared_ptr<TokenSigner>> TokenSigner::load(const std::string& dir) {
  return load(dir, static_cast<long long>(std::time(nullptr)));
}

Result<std::shared_ptr<TokenSigner>> TokenSigner::load(const std::string& dir, long long now) {
  Result<std::vector<std::string>> names = key_file_names(dir);
  if (!names.ok()) return names.status();
  std::vector<std::string> files;
  for (const auto& name : *names) files.push_back(dir + "/" + name);
  if (files.empty()) return Status::NotFound(dir + ": no signing key (run accessctl init)");
  auto signer = std::make_shared<TokenSigner>();
  bool chosen = false;
  for (const auto& f : files) {
    SigningKey info;
    Result<JwsKey> key = load_key(f, &info);
    if (!key.ok()) return key.status();
    Result<long long> from = read_signs_from(f);
    if (!from.ok()) return from.status();
    info.signs_from = *from;
    if (info.signs_from <= now) {
      signer->active_ = signer->keys_.size();
      chosen = true;
    }
    signer->keys_.push_back(std::move(info));
    signer->crypto_->keys.push_back(std::move(*key));
  }
  if (!chosen) signer->active_ = 0;
  return signer;
}

Result<std::string> TokenSigner::sign(const json& claims) const {
  std::string input = active().jws_header + "." + base64url_encode(claims.dump());
  Result<std::string> sig = crypto_->keys[active_].sign(input);
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
  size_t key = keys_.size();
  for (size_t i = 0; i < keys_.size(); ++i)
    if (token.substr(0, d1) == keys_[i].jws_header) key = i;
  if (key == keys_.size()) {
    Result<size_t> found = key_for_header(token.substr(0, d1));
    if (!found.ok()) return found.status();
    key = *found;
  }
  Status st = crypto_->keys[key].verify(token.substr(0, d2), sig);
  if (!st.ok()) return st;
  json claims = json::parse(payload_raw, nullptr, false);
  if (!claims.is_object()) return Status::Invalid("bad claims");
  return claims;
}

Result<size_t> TokenSigner::key_for_header(std::string_view header_b64) const {
  std::string header_raw;
  if (!base64url_decode(header_b64, &header_raw)) return Status::Invalid("bad base64url");
  json header = json::parse(header_raw, nullptr, false);
  if (!header.is_object() || !header.contains("alg") || !header["alg"].is_string())
    return Status::Invalid("bad header");
  // RFC 8725 3.1: the allow-list is the table; nothing else is looked at.
  const std::string alg = header["alg"];
  if (!find_jws_algorithm(alg)) return Status::Invalid("algorithm not allowed");
  // RFC 7515 4.1.11: this verifier understands no extension, so a token
  // that names any critical one must be refused.
  if (header.contains("crit")) return Status::Invalid("critical header extension not understood");
  if (!header.contains("kid") || !header["kid"].is_string()) return Status::Invalid("no kid");
  const std::string kid = header["kid"];
  size_t key = keys_.size();
  for (size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i].kid == kid) key = i;
  if (key == keys_.size()) return Status::Invalid("unknown kid");
  if (keys_[key].alg != alg) return Status::Invalid("algorithm does not match key");
  return key;
}

std::string TokenSigner::jwks_json() const {
  json keys = json::array();
  for (const auto& k : keys_) keys.push_back(k.jwk);
  return json{{"keys", keys}}.dump();
}

Result<std::string> create_signing_key(const std::string& dir, const std::string& algorithm,
                                       long long signs_from) {
  const JwsAlgorithm* alg = find_jws_algorithm(algorithm);
  if (!alg)
    return Status::Invalid("keys.algorithm: unsupported " + algorithm + " (" +
                           jws_algorithm_list() + ")");
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::Internal(dir + ": cannot create key directory: " + os_reason(errno));
  EvpPkeyPtr pkey = alg->generate(*alg);
  if (!pkey) return Status::Internal("key generation failed");
  Result<std::string> pem = pem_of(pkey.get());
  if (!pem.ok()) return pem.status();
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
  Status st = write_file_atomic(path, *pem, 0600);
  if (!st.ok()) {
    if (signs_from > 0) unlink(sidecar.c_str());
    return st;
  }
  return path;
}

}  // namespace access_service
