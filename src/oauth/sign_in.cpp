#include "access/oauth/sign_in.h"

#include <algorithm>

#include "access/core/log.h"
#include "access/core/strings.h"
#include "access/crypto/password.h"
#include "access/oauth/audit.h"

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

// The password just verified, hashed again at today's cost (password.h
// password_needs_rehash), over the hash that was verified only: a password
// changed meanwhile stays. `user` gets the new hash. A failure leaves the old
// hash, which still verifies, and is logged.
void rehash_password(Context& ctx, User* user, const std::string& password) {
  Result<std::string> phc = hash_password(password, ctx.argon2());
  Status st = phc.status();
  if (st.ok()) {
    WriteTransaction txn(*ctx.store);
    st = txn.status();
    Result<User> now = st.ok() ? ctx.store->find_user(user->id) : Result<User>(st);  // locked
    if (now.status().is_not_found() || (now.ok() && now->password_hash != user->password_hash))
      return;
    st = now.ok() ? ctx.store->set_user_password(user->id, *phc) : now.status();
    if (st.ok()) st = txn.commit();
  }
  if (!st.ok()) {
    log_warn("password of user " + user->id + " not hashed again: " + st.ToString());
    return;
  }
  user->password_hash = *phc;
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
  std::vector<AuditEvent> events;
  auto lock_event = [&](const char* scope, const LoginFailures& counter) {
    AuditEvent e = request_audit_event(ctx, "account.locked", "failure");
    e.username = truncate_utf8(username_in, kMaxAuditUsernameBytes);
    e.actor = "";  // nobody was authenticated
    set_details(&e, {{"scope", scope},
                     {"failures", counter.count},
                     {"lockedUntil", rfc3339(counter.locked_until)}});
    events.push_back(std::move(e));
  };
  if (++f.count >= c.lockout_max_failures) {
    f.locked_until = now + c.lockout_lock_seconds;
    lock_event("address", f);
  }
  if (++a.count >= c.lockout_account_max_failures) {
    a.locked_until = now + c.lockout_lock_seconds;
    lock_event("account", a);
  }
  Status st = ctx.store->save_login_failures(username, ip, f);
  if (st.ok()) st = ctx.store->save_login_failures(username, kEveryAddress, a);
  if (st.ok()) st = commit_audited(ctx, txn, events);
  if (!st.ok()) return st;
  ctx.metrics.add(Counter::kLockoutAddress, f.locked_until ? 1 : 0);
  ctx.metrics.add(Counter::kLockoutAccount, a.locked_until ? 1 : 0);
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
    record_sign_in_failure(ctx, username_in, "", "locked", "password");
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
  if (!good || !user->enabled) {  // kBad: a disabled account answers as a wrong password
    const char* reason = !user.ok()                    ? "unknown_user"
                         : user->password_hash.empty() ? "no_password"
                         : !good                       ? "wrong_password"
                                                       : "account_disabled";
    record_sign_in_failure(ctx, username_in, user.ok() ? user->id : "", reason, "password");
    return r;
  }
  if (password_needs_rehash(user->password_hash, ctx.argon2()))
    rehash_password(ctx, &*user, password);
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

void record_sign_in_failure(Context& ctx, const std::string& username, const std::string& user_id,
                            const std::string& reason, const std::string& method) {
  AuditEvent e = request_audit_event(ctx, "sign_in.failed", "failure");
  e.username = truncate_utf8(username, kMaxAuditUsernameBytes);
  if (!user_id.empty()) e.user_id = user_id;
  e.actor = "";  // nobody was authenticated
  set_details(&e, {{"reason", reason}, {"method", method}});
  record_audit(ctx, e);
  ctx.metrics.add(Counter::kSignInFailures);
}

AuditEvent sign_in_event(const Context& ctx, const User& user, const std::string& method) {
  AuditEvent e = request_audit_event(ctx, "sign_in.succeeded");
  e.user_id = user.id;
  e.actor = user.id;
  set_details(&e, {{"method", method}});
  return e;
}

}  // namespace access_service
