// Two-factor authentication of users (API.md sections 3, 6 and 7): turning it
// on and off, authenticator keys (160-bit random, sealed at rest with a key
// derived from keys.dir/hmac.key, bound to the user id), the user's own
// enrolment, recovery codes, and checking codes. Shared by the admin API
// (PUT /api/v1/users/{id}), `accessctl user mfa`, the account endpoints, the
// mfa grant and the sign-in form.
//
// Recovery codes: kRecoveryCodes per user, each 60 random bits written as 12
// characters of Crockford's base32 in three groups ("7kq2-m9xd-4hfa"),
// stored as HMAC-SHA-256 under a key derived from hmac.key and bound to the
// user id (a copy of the database alone gives nothing to guess against
// offline), single use, each use recorded with its time and client address.
// They are accepted wherever a TOTP code is (check_second_factor).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "access/store/store.h"

namespace access_service {

// An administrator's change: `enable` sets mfaEnabled when given; `regenerate`
// makes a new key (refused with kInvalid unless 2FA ends up enabled). A key
// is made when 2FA is enabled for a user who has none, or on `regenerate`;
// disabling drops the key. Returns the otpauth:// URI when a key was made,
// "" otherwise. `issuer` is the config issuer (its host names the account in
// the authenticator app).
Result<std::string> change_user_mfa(Store& store, const std::string& hmac_key,
                                    const std::string& issuer, const User& user,
                                    std::optional<bool> enable, bool regenerate);

// Checks a 6-digit code for `user` at `now` and, when it matches, records its
// step so that the same code (or an older one) is refused from then on.
// false for a wrong, malformed or replayed code, or a user without a key.
Result<bool> check_totp(Store& store, const std::string& hmac_key, const User& user,
                        const std::string& code, int64_t now);

// What a code given in place of a TOTP code turned out to be.
enum class SecondFactor { kWrong, kTotp, kRecoveryCode };
// Checks `code` as a TOTP code (6 digits, check_totp) or else as one of the
// user's recovery codes, which it uses up (recording `now` and `ip`) when it
// matches. kWrong for anything else, including a used recovery code.
Result<SecondFactor> check_second_factor(Store& store, const std::string& hmac_key,
                                         const User& user, const std::string& code, int64_t now,
                                         const std::string& ip);

// The user's own enrolment (API.md section 7).
struct Enrolment {
  std::string authenticator_uri;  // otpauth://totp/...
  std::string qr_code_svg;        // the URI as a QR code (qr_svg.h)
};
// Makes a new key the user's pending one (replacing an earlier pending one);
// nothing changes about how the user signs in until it is confirmed.
// kConflict when two-factor authentication is already on.
Result<Enrolment> start_mfa_enrolment(Store& store, const std::string& hmac_key,
                                      const std::string& issuer, const User& user);
// Confirms the pending key with a current code of it: two-factor
// authentication is on from now (the code's step counts as used) and the
// user's recovery codes are replaced by kRecoveryCodes new ones, returned in
// clear this once. kConflict when it is already on or no enrolment was
// started (or another one was started since); kInvalid when the code does
// not match. Call inside a WriteTransaction: both changes are one.
Result<std::vector<std::string>> confirm_mfa_enrolment(Store& store, const std::string& hmac_key,
                                                       const User& user, const std::string& code,
                                                       int64_t now);
// Replaces the user's recovery codes with kRecoveryCodes new ones, returned
// in clear this once.
Result<std::vector<std::string>> new_recovery_codes(Store& store, const std::string& hmac_key,
                                                    const std::string& user_id, int64_t now);
// Turns two-factor authentication off: no key, no pending key, no recovery
// codes. Call inside a WriteTransaction.
Status disable_mfa(Store& store, const std::string& user_id);

constexpr int kRecoveryCodes = 10;
// A new code, "xxxx-xxxx-xxxx" (60 bits from the CSPRNG).
std::string make_recovery_code();
// A code as typed in its canonical form: dashes and spaces dropped, lower
// case, Crockford's readings (i and l are 1, o is 0); "" unless exactly 12
// characters of the alphabet remain.
std::string canonical_recovery_code(const std::string& typed);
// The stored form of a canonical code of `user_id`.
std::string recovery_code_hash(const std::string& hmac_key, const std::string& user_id,
                               const std::string& canonical);

}  // namespace access_service
