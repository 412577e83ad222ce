#include "access/sign_in.h"

#include "access/log.h"
#include "access/strings.h"

namespace access_service {

Status record_sign_in_failure(Context& ctx, const std::string& username, long long now) {
  WriteTransaction txn(*ctx.store);
  if (!txn.status().ok()) return txn.status();
  Result<LoginFailures> found = ctx.store->find_login_failures(username);
  if (!found.ok() && !found.status().is_not_found()) return found.status();
  LoginFailures f = found.ok() ? *found : LoginFailures{};
  if (now - f.window_start >= ctx.config.lockout_window_seconds) f = LoginFailures{0, now, 0};
  if (++f.count >= ctx.config.lockout_max_failures) {
    f = LoginFailures{0, now, now + ctx.config.lockout_lock_seconds};
    log_warn("sign-in locked for a username after repeated failures");
  }
  Status st = ctx.store->save_login_failures(username, f);
  return st.ok() ? txn.commit() : st;
}

Result<long long> seconds_locked(Context& ctx, const std::string& username, long long now) {
  Result<LoginFailures> f = ctx.store->find_login_failures(to_lower(username));
  if (!f.ok()) return f.status().is_not_found() ? Result<long long>(0LL) : f.status();
  return f->locked_until > now ? f->locked_until - now : 0LL;
}

SignInResult check_password(Context& ctx, const std::string& username_in,
                            const std::string& password, long long now) {
  SignInResult r;
  const std::string username = to_lower(username_in);
  auto fail = [&](Status st) {
    r.outcome = SignInResult::kError;
    r.status = std::move(st);
    return r;
  };
  Result<LoginFailures> failures = ctx.store->find_login_failures(username);
  if (!failures.ok() && !failures.status().is_not_found()) return fail(failures.status());
  if (failures.ok() && failures->locked_until > now) {
    r.outcome = SignInResult::kLocked;
    r.retry_after = failures->locked_until - now;
    return r;
  }
  Result<User> user = ctx.store->find_user_by_email(username);
  if (!user.ok() && !user.status().is_not_found()) return fail(user.status());
  bool good = user.ok() && !user->password_hash.empty()
                  ? verify_password(user->password_hash, password)
                  : verify_password_dummy(password, ctx.argon2());
  if (!good) {
    Status st = record_sign_in_failure(ctx, username, now);
    if (!st.ok()) return fail(st);
    return r;  // kBad
  }
  if (!user->enabled) return r;  // kBad: the same answer as a wrong password
  if (failures.ok()) {
    Status st = ctx.store->clear_login_failures(username);
    if (!st.ok()) return fail(st);
  }
  r.outcome = SignInResult::kOk;
  r.user = std::move(*user);
  return r;
}

}  // namespace access_service
