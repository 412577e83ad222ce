#include "access/sign_in.h"

#include <algorithm>

#include "access/log.h"
#include "access/strings.h"

namespace access_service {
namespace {

// One counter brought up to `now`: a finished window or an expired lock
// starts afresh.
LoginFailures current(const Result<LoginFailures>& found, long long now, int window) {
  if (!found.ok()) return LoginFailures{0, now, 0};
  LoginFailures f = *found;
  if (f.locked_until > now) return f;
  if (f.locked_until != 0 || now - f.window_start >= window) return LoginFailures{0, now, 0};
  return f;
}

}  // namespace

Result<long long> admit_sign_in(Context& ctx, const std::string& username_in, const std::string& ip,
                                long long now) {
  const std::string username = to_lower(username_in);
  const Config& c = ctx.config;
  WriteTransaction txn(*ctx.store);
  if (!txn.status().ok()) return txn.status();
  Result<LoginFailures> per_ip = ctx.store->find_login_failures(username, ip);
  if (!per_ip.ok() && !per_ip.status().is_not_found()) return per_ip.status();
  Result<LoginFailures> account = ctx.store->find_login_failures(username, kEveryAddress);
  if (!account.ok() && !account.status().is_not_found()) return account.status();
  LoginFailures f = current(per_ip, now, c.lockout_window_seconds);
  LoginFailures a = current(account, now, c.lockout_window_seconds);
  long long locked = std::max(f.locked_until, a.locked_until) - now;
  if (locked > 0) return locked;  // the transaction rolls back: nothing counted
  if (++f.count >= c.lockout_max_failures) {
    f.locked_until = now + c.lockout_lock_seconds;
    log_warn("sign-in locked for a username from one address after repeated failures");
  }
  if (++a.count >= c.lockout_account_max_failures) {
    a.locked_until = now + c.lockout_lock_seconds;
    log_warn("sign-in locked for a username from every address after repeated failures");
  }
  Status st = ctx.store->save_login_failures(username, ip, f);
  if (st.ok()) st = ctx.store->save_login_failures(username, kEveryAddress, a);
  if (st.ok()) st = txn.commit();
  if (!st.ok()) return st;
  return 0LL;
}

SignInResult check_password(Context& ctx, const std::string& username_in,
                            const std::string& password, const std::string& ip, long long now) {
  SignInResult r;
  const std::string username = to_lower(username_in);
  Result<long long> locked = admit_sign_in(ctx, username, ip, now);
  if (!locked.ok()) {
    r.outcome = SignInResult::kError;
    r.status = locked.status();
    return r;
  }
  if (*locked > 0) {
    r.outcome = SignInResult::kLocked;
    r.retry_after = *locked;
    return r;
  }
  Result<User> user = ctx.store->find_user_by_email(username);
  if (!user.ok() && !user.status().is_not_found()) {
    r.outcome = SignInResult::kError;
    r.status = user.status();
    return r;
  }
  bool good = user.ok() && !user->password_hash.empty()
                  ? verify_password(user->password_hash, password)
                  : verify_password_dummy(password, ctx.argon2());
  if (!good || !user->enabled) return r;  // kBad: a disabled account answers as a wrong password
  r.outcome = SignInResult::kOk;
  r.user = std::move(*user);
  return r;
}

Status release_sign_in(Context& ctx, const std::string& username_in, const std::string& ip,
                       long long now) {
  const std::string username = to_lower(username_in);
  const Config& c = ctx.config;
  WriteTransaction txn(*ctx.store);
  if (!txn.status().ok()) return txn.status();
  const std::pair<const std::string*, int> rows[] = {{&ip, c.lockout_max_failures},
                                                     {nullptr, c.lockout_account_max_failures}};
  for (const auto& row : rows) {
    const std::string& key = row.first ? *row.first : std::string(kEveryAddress);
    Result<LoginFailures> found = ctx.store->find_login_failures(username, key);
    if (!found.ok() && !found.status().is_not_found()) return found.status();
    LoginFailures f = current(found, now, c.lockout_window_seconds);
    if (!found.ok() || f.count == 0) continue;
    if (--f.count < row.second) f.locked_until = 0;
    Status st = ctx.store->save_login_failures(username, key, f);
    if (!st.ok()) return st;
  }
  return txn.commit();
}

Status sign_in_succeeded(Context& ctx, const std::string& username, const std::string& ip) {
  return ctx.store->clear_login_failures(to_lower(username), &ip);
}

Status unlock_sign_in(Store& store, const std::string& username) {
  return store.clear_login_failures(to_lower(username), nullptr);
}

}  // namespace access_service
