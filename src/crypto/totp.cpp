#include "access/crypto/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>

#include "access/crypto/crypto.h"
#include "access/crypto/ossl.h"

namespace access_service {
namespace {

constexpr size_t kNonce = 12, kTag = 16;

}  // namespace

std::string totp_code(const std::string& secret, int64_t step) {
  unsigned char msg[8];
  for (int i = 7; i >= 0; --i, step >>= 8) msg[i] = static_cast<unsigned char>(step & 0xff);
  unsigned char mac[20];
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), msg, sizeof msg, mac, &len);
  // RFC 4226 5.3 dynamic truncation.
  int offset = mac[19] & 0x0f;
  uint32_t bin = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                 (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                 (static_cast<uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  std::string code = std::to_string(bin % 1000000);
  return std::string(kTotpDigits - code.size(), '0') + code;
}

std::optional<int64_t> totp_match(const std::string& secret, const std::string& code, int64_t now,
                                  int64_t last_used_step) {
  if (code.size() != kTotpDigits || code.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const int64_t current = now / kTotpStepSeconds;
  std::optional<int64_t> found;
  // Every candidate is computed and compared, so timing does not tell which matched.
  for (int64_t step = current - 1; step <= current + 1; ++step) {
    bool equal = constant_time_equal(totp_code(secret, step), code);
    if (equal && step > last_used_step && !found) found = step;
  }
  return found;
}

std::string base32_encode(const std::string& raw) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (unsigned char c : raw) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

std::string seal(const std::string& key32, const std::string& plain, const std::string& aad) {
  std::string nonce = random_bytes(kNonce);
  std::string out = nonce + std::string(plain.size(), '\0') + std::string(kTag, '\0');
  auto* o = reinterpret_cast<unsigned char*>(&out[0]);
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok =
      ctx &&
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(key32.data()), o) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), o + kNonce, &len,
                        reinterpret_cast<const unsigned char*>(plain.data()),
                        static_cast<int>(plain.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), o + kNonce + len, &len) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, o + kNonce + plain.size()) == 1;
  if (!ok) std::abort();  // cannot happen with a 32-byte key; never store a secret unsealed
  return out;
}

Result<std::string> unseal(const std::string& key32, const std::string& sealed,
                           const std::string& aad) {
  if (sealed.size() < kNonce + kTag || key32.size() != 32)
    return Status::Invalid("sealed secret malformed");
  const auto* in = reinterpret_cast<const unsigned char*>(sealed.data());
  size_t n = sealed.size() - kNonce - kTag;
  std::string plain(n, '\0');
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  std::string tag = sealed.substr(kNonce + n);
  bool ok =
      ctx &&
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(key32.data()), in) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(&plain[0]), &len, in + kNonce,
                        static_cast<int>(n)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, &tag[0]) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(&plain[0]) + len, &len) == 1;
  if (!ok) return Status::Invalid("sealed secret does not open");
  return plain;
}

}  // namespace access_service
