// Checking a user's password, shared by the password grant and the browser
// sign-in form so that both apply the same lockout (API.md section 3):
// after lockout.max_failures failures for one username within
// lockout.window_seconds, the username is locked for lockout.lock_seconds.
// Counters are kept per normalised username whether or not the account
// exists, and unknown users pay a dummy argon2 verification, so neither the
// answer nor its timing reveals which accounts exist.
#pragma once

#include <string>

#include "access/context.h"

namespace access_service {

struct SignInResult {
  enum Outcome {
    kOk,        // password right, account enabled; `user` is filled
    kBad,       // wrong username or password, or a disabled account (counted)
    kLocked,    // locked: nothing was checked; `retry_after` seconds remain
    kError,     // store failure: `status` says which
  } outcome = kBad;
  User user;
  long long retry_after = 0;
  Status status;
};

// `username` is compared lower-case. A success clears the failure counter
// (one small write, only when there were failures).
SignInResult check_password(Context& ctx, const std::string& username, const std::string& password,
                            long long now);

// Seconds `username` stays locked (0 when not locked).
Result<long long> seconds_locked(Context& ctx, const std::string& username, long long now);

// Counts one failure for `username` (also used for wrong TOTP codes).
Status record_sign_in_failure(Context& ctx, const std::string& username, long long now);

}  // namespace access_service
