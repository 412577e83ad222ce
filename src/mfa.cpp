#include "access/mfa.h"

#include "access/crypto.h"
#include "access/http.h"
#include "access/totp.h"

namespace access_service {
namespace {

std::string seal_key(const std::string& hmac_key) { return hmac_sha256(hmac_key, "totp-seal-key"); }

// "https://auth.example.com:8443/x" -> "auth.example.com:8443"
std::string issuer_label(const std::string& issuer) {
  size_t start = issuer.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  return issuer.substr(start, issuer.find('/', start) - start);
}

}  // namespace

Result<std::string> change_user_mfa(Store& store, const std::string& hmac_key,
                                    const std::string& issuer, const User& user,
                                    std::optional<bool> enable, bool regenerate) {
  const bool enabled = enable.value_or(user.mfa_enabled);
  if (regenerate && !enabled)
    return Status::Invalid("generateNewAuthenticatorKey needs two-factor authentication enabled");
  Result<std::pair<std::string, int64_t>> totp = store.find_totp(user.id);
  if (!totp.ok()) return totp.status();
  const bool has_key = !totp->first.empty();
  if (!enabled) {
    Status st = store.set_user_mfa(user.id, false, "");
    if (!st.ok()) return st;
    return std::string();
  }
  if (has_key && !regenerate) {  // enabling one who has a key makes none
    Status st = store.set_user_mfa(user.id, true, totp->first);
    if (!st.ok()) return st;
    return std::string();
  }
  std::string secret = random_bytes(20);  // 160 bits (RFC 4226 4, R6)
  Status st = store.set_user_mfa(user.id, true, seal(seal_key(hmac_key), secret, user.id));
  if (!st.ok()) return st;
  std::string label = issuer_label(issuer);
  return "otpauth://totp/" + url_encode(label) + ":" + url_encode(user.email) +
         "?secret=" + base32_encode(secret) + "&issuer=" + url_encode(label) +
         "&algorithm=SHA1&digits=6&period=30";
}

Result<bool> check_totp(Store& store, const std::string& hmac_key, const User& user,
                        const std::string& code, int64_t now) {
  Result<std::pair<std::string, int64_t>> totp = store.find_totp(user.id);
  if (!totp.ok()) return totp.status();
  if (totp->first.empty()) return false;
  Result<std::string> secret = unseal(seal_key(hmac_key), totp->first, user.id);
  if (!secret.ok()) return false;
  std::optional<int64_t> step = totp_match(*secret, code, now, totp->second);
  if (!step) return false;
  // Conditional update: of two concurrent uses of one code only one wins.
  return store.use_totp_step(user.id, *step);
}

}  // namespace access_service
