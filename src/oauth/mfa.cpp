#include "access/oauth/mfa.h"

#include "access/core/log.h"
#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/crypto/totp.h"
#include "access/oauth/qr_svg.h"

namespace access_service {
namespace {

std::string seal_key(const std::string& hmac_key) { return hmac_sha256(hmac_key, "totp-seal-key"); }

// Crockford's base32: no i, l, o or u, so nothing reads as another letter.
const char kRecoveryAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
constexpr size_t kRecoveryChars = 12;  // 60 bits (API.md section 7: >= 50)

// "https://auth.example.com:8443/x" -> "auth.example.com:8443"
std::string issuer_label(const std::string& issuer) {
  size_t start = issuer.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  return issuer.substr(start, issuer.find('/', start) - start);
}

// The otpauth:// URI of `secret` for `user` (the Key Uri Format every
// authenticator app reads).
std::string authenticator_uri(const std::string& issuer, const User& user,
                              const std::string& secret) {
  std::string label = issuer_label(issuer);
  return "otpauth://totp/" + url_encode(label) + ":" + url_encode(user.email) +
         "?secret=" + base32_encode(secret) + "&issuer=" + url_encode(label) +
         "&algorithm=SHA1&digits=6&period=30";
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
    Status st = disable_mfa(store, user.id);
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
  return authenticator_uri(issuer, user, secret);
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

Result<SecondFactor> check_second_factor(Store& store, const std::string& hmac_key,
                                         const User& user, const std::string& code, int64_t now,
                                         const std::string& ip) {
  if (code.size() == static_cast<size_t>(kTotpDigits)) {
    Result<bool> good = check_totp(store, hmac_key, user, code, now);
    if (!good.ok()) return good.status();
    return *good ? SecondFactor::kTotp : SecondFactor::kWrong;
  }
  const std::string canonical = canonical_recovery_code(code);
  if (canonical.empty()) return SecondFactor::kWrong;
  // Found by its keyed hash and used up by one conditional update, once.
  Result<bool> used =
      store.use_recovery_code(user.id, recovery_code_hash(hmac_key, user.id, canonical), now, ip);
  if (!used.ok()) return used.status();
  if (!*used) return SecondFactor::kWrong;
  log_info("recovery code used: user " + user.id + " from " + ip);
  return SecondFactor::kRecoveryCode;
}

Result<Enrolment> start_mfa_enrolment(Store& store, const std::string& hmac_key,
                                      const std::string& issuer, const User& user) {
  if (user.mfa_enabled) return Status::Conflict("two-factor authentication is already on");
  std::string secret = random_bytes(20);  // 160 bits (RFC 4226 4, R6)
  Enrolment e;
  e.authenticator_uri = authenticator_uri(issuer, user, secret);
  Result<std::string> svg = qr_svg(e.authenticator_uri, "QR code of your authenticator key");
  if (!svg.ok()) return svg.status();
  e.qr_code_svg = *svg;
  Status st = store.set_totp_pending(user.id, seal(seal_key(hmac_key), secret, user.id));
  if (!st.ok()) return st;
  return e;
}

Result<std::vector<std::string>> confirm_mfa_enrolment(Store& store, const std::string& hmac_key,
                                                       const User& user, const std::string& code,
                                                       int64_t now) {
  const char* kNoEnrolment = "no two-factor enrolment is waiting for confirmation";
  if (user.mfa_enabled) return Status::Conflict("two-factor authentication is already on");
  Result<std::string> sealed = store.find_totp_pending(user.id);
  if (!sealed.ok()) return sealed.status();
  if (sealed->empty()) return Status::Conflict(kNoEnrolment);
  Result<std::string> secret = unseal(seal_key(hmac_key), *sealed, user.id);
  if (!secret.ok()) return Status::Conflict(kNoEnrolment);
  std::optional<int64_t> step = totp_match(*secret, code, now, 0);
  if (!step) return Status::Invalid("code does not match the new key; enter its current code");
  // Conditional on the key checked here: a newer enrolment, or a concurrent
  // confirmation, makes this one fail instead of enabling another key.
  Result<bool> confirmed = store.confirm_totp(user.id, *sealed, *step);
  if (!confirmed.ok()) return confirmed.status();
  if (!*confirmed) return Status::Conflict(kNoEnrolment);
  return new_recovery_codes(store, hmac_key, user.id, now);
}

Result<std::vector<std::string>> new_recovery_codes(Store& store, const std::string& hmac_key,
                                                    const std::string& user_id, int64_t now) {
  std::vector<std::string> codes, hashes;
  for (int i = 0; i < kRecoveryCodes; ++i) {
    codes.push_back(make_recovery_code());
    hashes.push_back(recovery_code_hash(hmac_key, user_id, canonical_recovery_code(codes.back())));
  }
  Status st = store.replace_recovery_codes(user_id, hashes, now);
  if (!st.ok()) return st;
  return codes;
}

Status disable_mfa(Store& store, const std::string& user_id) {
  Status st = store.set_user_mfa(user_id, false, "");
  if (st.ok()) st = store.set_totp_pending(user_id, "");
  if (st.ok()) st = store.replace_recovery_codes(user_id, {}, 0);
  return st;
}

std::string make_recovery_code() {
  std::string raw = random_bytes(kRecoveryChars);
  std::string code;
  for (size_t i = 0; i < kRecoveryChars; ++i) {
    if (i > 0 && i % 4 == 0) code += '-';
    // 32 symbols: the low 5 bits of a random byte are uniform.
    code += kRecoveryAlphabet[static_cast<unsigned char>(raw[i]) & 31];
  }
  return code;
}

std::string canonical_recovery_code(const std::string& typed) {
  if (typed.size() > 64) return "";
  const std::string alphabet = kRecoveryAlphabet;
  std::string out;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == 'i' || c == 'l') c = '1';
    if (c == 'o') c = '0';
    if (alphabet.find(c) == std::string::npos) return "";
    out += c;
  }
  return out.size() == kRecoveryChars ? out : "";
}

std::string recovery_code_hash(const std::string& hmac_key, const std::string& user_id,
                               const std::string& canonical) {
  return hmac_sha256(hmac_sha256(hmac_key, "recovery-code-key"), user_id + ":" + canonical);
}

}  // namespace access_service
