// Two-factor authentication of users (API.md sections 3 and 6): turning it on
// and off, authenticator keys (160-bit random, sealed at rest with a key
// derived from keys.dir/hmac.key, bound to the user id) and checking codes.
// Shared by the admin API (PUT /api/v1/users/{id}), `accessctl user mfa`, the
// mfa grant and the sign-in form.
#pragma once

#include <optional>
#include <string>

#include "access/store.h"

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

}  // namespace access_service
