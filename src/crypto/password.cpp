#include "access/crypto/password.h"

#include <argon2.h>

#include <vector>

#include "access/crypto/crypto.h"

namespace access_service {

namespace {
constexpr uint32_t kSaltLen = 16;
constexpr uint32_t kHashLen = 32;
constexpr size_t kMaxSecret = 4096;
}  // namespace

Result<std::string> hash_password(std::string_view secret, const Argon2Params& p) {
  if (secret.size() > kMaxSecret) return Status::Invalid("secret too long");
  std::string salt = random_bytes(kSaltLen);
  size_t len =
      argon2_encodedlen(p.time_cost, p.memory_kib, p.parallelism, kSaltLen, kHashLen, Argon2_id);
  std::vector<char> encoded(len);
  int rc =
      argon2id_hash_encoded(p.time_cost, p.memory_kib, p.parallelism, secret.data(), secret.size(),
                            salt.data(), kSaltLen, kHashLen, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return Status::Internal(std::string("argon2: ") + argon2_error_message(rc));
  return std::string(encoded.data());
}

bool verify_password(const std::string& phc, std::string_view secret) {
  if (secret.size() > kMaxSecret || phc.rfind("$argon2id$", 0) != 0) return false;
  return argon2id_verify(phc.c_str(), secret.data(), secret.size()) == ARGON2_OK;
}

bool password_needs_rehash(const std::string& phc, const Argon2Params& p) {
  // libargon2 writes the parameters in this order (argon2_encode_string).
  const std::string prefix = "$argon2id$v=19$m=" + std::to_string(p.memory_kib) +
                             ",t=" + std::to_string(p.time_cost) +
                             ",p=" + std::to_string(p.parallelism) + "$";
  return phc.compare(0, prefix.size(), prefix) != 0;
}

bool verify_password_dummy(std::string_view secret, const Argon2Params& p) {
  // A fixed hash of the configured cost, made once per process.
  static const std::string dummy = [&] {
    Result<std::string> h = hash_password("dummy-password-never-matches", p);
    return h.ok() ? *h : std::string();
  }();
  verify_password(dummy, secret);
  return false;
}

}  // namespace access_service
