// Time-based one-time passwords (RFC 6238 with the RFC 4226 HOTP core):
// HMAC-SHA-1, 6 digits, 30-second steps, a window of +-1 step; and the
// at-rest protection of TOTP secrets (AES-256-GCM, so that a copy of the
// database alone does not reveal them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "access/core/status.h"

namespace access_service {

constexpr int kTotpStepSeconds = 30;
constexpr int kTotpDigits = 6;

// The 6-digit code of `secret` (raw bytes) for time step `step`
// (unix time / 30).
std::string totp_code(const std::string& secret, int64_t step);

// The step whose code equals `code` among step(now)-1 .. step(now)+1 and is
// later than `last_used_step` (each step is accepted once per user: RFC 6238
// 5.2), or nullopt. `code` must be exactly 6 ASCII digits. The comparison is
// constant time.
std::optional<int64_t> totp_match(const std::string& secret, const std::string& code, int64_t now,
                                  int64_t last_used_step);

// RFC 4648 base32 without padding (what authenticator apps read).
std::string base32_encode(const std::string& raw);

// AES-256-GCM with a random 96-bit nonce: nonce || ciphertext || tag.
// `aad` binds the ciphertext to its owner (the user id), so a sealed secret
// copied onto another user's row does not open.
std::string seal(const std::string& key32, const std::string& plain, const std::string& aad);
// kInvalid when the blob was altered, belongs to another `aad`, or the key
// is wrong.
Result<std::string> unseal(const std::string& key32, const std::string& sealed,
                           const std::string& aad);

}  // namespace access_service
