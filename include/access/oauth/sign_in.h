// Signing a user in, shared by the password grant, the mfa grant and the
// browser sign-in form so that all apply one lockout (API.md section 3).
//
// Lockout: every attempt is admitted, and counted as a failure, BEFORE the
// password or code is checked, in one write transaction per attempt:
//   - per (account, client IP): at lockout.max_failures attempts within
//     lockout.window_seconds the account is locked for that IP for
//     lockout.lock_seconds;
//   - per account across every IP: the same at lockout.account_max_failures
//     (a higher ceiling, so that one address cannot lock a user out
//     everywhere, while a distributed guess is still bounded).
// Counting before checking makes the count atomic: however many attempts run
// at once, at most max_failures of them are ever checked, and the one that
// reaches the limit sets the lock while it is still being checked. Only a
// whole successful sign-in (password and, where enabled, second factor)
// clears the counters (sign_in_succeeded). So a right password with a wrong
// or missing code (the sign-in form, which takes both at once) stays a
// failure, and wrong codes count toward the same limit. In the two-step
// token flow the right password of a two-factor user only earns the
// restrictive token: that step is handed back (release_sign_in), neither
// counting nor resetting, and each code tried with the mfa grant is an
// attempt of its own. The price: a burst of more than max_failures concurrent
// sign-ins of one account from one IP, even right ones, gets 429 for the
// excess while the others are in flight.
//
// Counters are kept per normalised username as typed, whether or not the
// account exists, and unknown users pay a dummy argon2 verification, so
// neither the answer nor its timing reveals which accounts exist.
//
// Audit (audit.h): a lock set by an attempt is an account.locked event in
// the attempt's transaction; check_password records sign_in.failed itself
// (reason locked, unknown_user, wrong_password, no_password,
// account_disabled); callers record the failures they find later with
// record_sign_in_failure (wrong_code, missing_code, app_not_permitted, ...)
// and put sign_in_event(...) in the transaction that completes a sign-in.
#pragma once

#include <string>

#include "access/core/context.h"

namespace access_service {

struct SignInResult {
  enum Outcome {
    kOk,      // password right, account enabled; `user` is filled (attempt still counted)
    kBad,     // wrong username or password, or a disabled account (counted)
    kLocked,  // locked: nothing was checked; `retry_after` seconds remain
    kError,   // store failure: `status` says which
  } outcome = kBad;
  User user;
  long long retry_after = 0;
  Status status;
};

// Admits one attempt for `username` (compared lower-case) from `ip`:
// 0 when admitted (and counted), or the seconds it stays locked (nothing
// counted). kUnavailable/kInternal from the store.
Result<long long> admit_sign_in(Context& ctx, const std::string& username, const std::string& ip,
                                long long now);

// Admits the attempt, then checks the password. On kOk the caller finishes
// the sign-in (second factor where enabled) and then calls
// sign_in_succeeded(); until then the attempt counts as a failure. A right
// password whose hash was made at another cost than password.argon2_* is
// hashed again at today's (password_needs_rehash) before kOk, in a
// transaction of its own, and `user` carries the new hash.
SignInResult check_password(Context& ctx, const std::string& username, const std::string& password,
                            const std::string& ip, long long now);

// Hands back one admitted attempt of `username` from `ip` (both counters go
// down by one; a lock the attempt set is lifted when the count falls below
// its limit again).
Status release_sign_in(Context& ctx, const std::string& username, const std::string& ip,
                       long long now);

// The whole sign-in succeeded: clears the counters of `username` from `ip`
// and the account-wide one. Individually atomic; may run inside the
// caller's WriteTransaction.
Status sign_in_succeeded(Context& ctx, const std::string& username, const std::string& ip);

// accessctl user unlock: clears every counter of `username` (all IPs).
Status unlock_sign_in(Store& store, const std::string& username);

// A sign_in.failed event (outcome failure) of the request in hand, stored on
// its own and logged: `username` as typed, `user_id` when known ("" when
// not), `reason` and `method` ("password", "totp", "device") in details.
void record_sign_in_failure(Context& ctx, const std::string& username, const std::string& user_id,
                            const std::string& reason, const std::string& method);
// The sign_in.succeeded event of `user` by `method`, for the caller's
// transaction (commit_audited).
AuditEvent sign_in_event(const Context& ctx, const User& user, const std::string& method);

}  // namespace access_service
