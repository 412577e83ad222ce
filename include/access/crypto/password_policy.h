// The password policy of API.md section 7, applied wherever a password is
// set for an existing account: the user's own change (PUT
// /api/v1/users/me/password and the account page), an administrator's
// (`password` in PUT /api/v1/users/{id}) and `accessctl user password`.
//
// A new password must
//   - be valid UTF-8 without control characters, 12 to 1024 characters
//     (code points, not bytes);
//   - not be the account's email address (compared case-insensitively);
//   - not be guessable: zxcvbn's estimate (Debian libzxcvbn, with its
//     built-in lists of common passwords, English words, names and keyboard
//     patterns, plus the user's own email, its pieces and names as extra
//     words) of at least `min_entropy_bits` (config
//     password.min_entropy_bits, default 30). `password1234` scores 3 bits,
//     `Password2024!` 13; a four-word passphrase about 70.
// No hand-typed list of forbidden passwords: zxcvbn's lists are the list.
#pragma once

#include <optional>
#include <string>

#include "access/store/store.h"

namespace access_service {

// zxcvbn's estimate of `password` in bits, with `user`'s email, the pieces
// of it and the user's names as words an attacker would try first. Only the
// first 256 bytes are estimated (the cost grows with the length; a longer
// password only scores higher).
double password_entropy_bits(const std::string& password, const User& user);

// Which rule `password` breaks for `user`, as the end of a sentence whose
// subject the caller names ("newPassword " + "must be ..."), or nullopt when
// it may be set.
std::optional<std::string> password_policy_error(const std::string& password, const User& user,
                                                 int min_entropy_bits);

}  // namespace access_service
