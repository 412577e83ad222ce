// accessctl user ...: the same rules as the admin API (user_rules.h), with
// messages in the words of the command line.
#include <iostream>
#include <nlohmann/json.hpp>

#include "access/core/context.h"
#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/crypto/password.h"
#include "access/crypto/password_policy.h"
#include "access/oauth/accounts.h"
#include "access/oauth/mfa.h"
#include "access/oauth/sign_in.h"
#include "access/oauth/user_rules.h"
#include "ctl.h"

namespace access_service {
namespace ctl {
namespace {

using json = nlohmann::json;

const std::vector<std::pair<std::string, std::string>> kUserWords = {
    {"email", "EMAIL"}, {"roles", "--role"}, {"password", "the password"}};

Argon2Params argon2(const Config& c) {
  return {c.argon2_time_cost, c.argon2_memory_kib, c.argon2_parallelism};
}

// The user named by EMAIL (the one positional argument), or the message.
Result<User> find_by_email(Store& store, const Args& args) {
  const std::string email = to_lower(args.positional.at(0));
  Result<User> user = store.find_user_by_email(email);
  if (user.status().is_not_found()) return Status::NotFound("no user with email " + email);
  return user;
}

// A password for `user` under the rules of POST /api/v1/users (one place
// decides what a password must be); the message when it breaks them.
std::optional<std::string> check_password(const User& user, const std::string& password) {
  User scratch;
  std::string ignored;
  json body = {{"email", user.email}, {"roles", user.roles}, {"password", password}};
  if (auto msg = apply_new_user_json(body, &scratch, &ignored)) return cli_words(*msg, kUserWords);
  return std::nullopt;
}

}  // namespace

int cmd_user_add(Env& env, const Args& args) {
  auto roles = args.options.find("--role");
  if (roles == args.options.end())
    return fail("--role is required (one of " + known_role_names() + ")");
  for (const auto& r : roles->second)
    if (!known_role(r)) return fail("--role " + r + " is not a role: one of " + known_role_names());
  std::string password, why;
  if (!read_new_password(args, &password, &why)) return fail(why);
  json body = {{"email", args.positional[0]}, {"roles", roles->second}, {"password", password}};
  User user;
  if (auto msg = apply_new_user_json(body, &user, &password))
    return fail(cli_words(*msg, kUserWords));
  auto phc = hash_password(password, argon2(env.config));
  if (!phc.ok()) return fail(phc.status().message());
  user.password_hash = *phc;
  WriteTransaction txn(*env.store);
  Status st = txn.status();
  if (st.ok()) st = add_user(*env.store, &user, now_seconds());
  AuditEvent created = ctl_event("user.created", {{"roles", user.roles}});
  created.user_id = user.id;
  if (st.ok()) st = commit_audited(*env.store, txn, {created});
  if (st.is_conflict()) return fail("a user with email " + user.email + " exists");
  if (!st.ok()) return fail(st.message());
  std::cout << user_to_json(user).dump(2) << "\n";
  return 0;
}

int cmd_user_list(Env& env, const Args& args) {
  Page page;
  page.sort_by = "email";
  auto list = env.store->list_users(page);
  if (!list.ok()) return fail(list.status().message());
  if (args.flag("--json")) {
    json items = json::array();
    for (const auto& u : list->items) items.push_back(user_to_json(u));
    std::cout << json{{"items", items}, {"count", list->count}}.dump(2) << "\n";
    return 0;
  }
  for (const auto& u : list->items)
    std::cout << u.email << "\t" << join_words(u.roles) << "\t"
              << (u.enabled ? "enabled" : "disabled") << "\t" << u.id << "\n";
  return 0;
}

int cmd_user_enable(Env& env, const Args& args) {
  WriteTransaction txn(*env.store);
  if (!txn.status().ok()) return fail(txn.status().message());
  Result<User> user = find_by_email(*env.store, args);
  if (!user.ok()) return fail(user.status().message());
  if (user->enabled) {
    std::cout << user->email << " is enabled already\n";
    return 0;
  }
  AuditEvent enabled = ctl_event("user.enabled", json::object());
  enabled.user_id = user->id;
  Status st = enable_user(*env.store, user->id, true, now_seconds());
  if (st.ok()) st = commit_audited(*env.store, txn, {enabled});
  if (!st.ok()) return fail(st.message());
  std::cout << "enabled " << user->email << "\n";
  return 0;
}

int cmd_user_disable(Env& env, const Args& args) {
  WriteTransaction txn(*env.store);
  if (!txn.status().ok()) return fail(txn.status().message());
  Result<User> user = find_by_email(*env.store, args);
  if (!user.ok()) return fail(user.status().message());
  Status st = enable_user(*env.store, user->id, false, now_seconds());
  AuditEvent disabled = ctl_event("user.disabled", json::object());
  disabled.user_id = user->id;
  if (st.ok()) st = commit_audited(*env.store, txn, {disabled});
  if (!st.ok()) return fail(st.message());
  std::cout << "disabled " << user->email << "; its tokens and sessions are revoked\n";
  return 0;
}

int cmd_user_delete(Env& env, const Args& args) {
  WriteTransaction txn(*env.store);
  if (!txn.status().ok()) return fail(txn.status().message());
  Result<User> user = find_by_email(*env.store, args);
  if (!user.ok()) return fail(user.status().message());
  Status st = env.store->delete_user(user->id);
  if (st.ok()) st = env.store->clear_login_failures(user->email, nullptr);
  AuditEvent deleted = ctl_event("user.deleted", json::object());
  deleted.user_id = user->id;
  if (st.ok()) st = commit_audited(*env.store, txn, {deleted});
  if (!st.ok()) return fail(st.message());
  std::cout << "deleted " << user->email << " with its tokens, sessions, approvals and devices\n";
  return 0;
}

// The lockout counters are per username as typed, whether or not such a
// user exists, so any EMAIL can be unlocked.
int cmd_user_unlock(Env& env, const Args& args) {
  AuditEvent unlocked = ctl_event("user.updated", {{"change", "unlocked"}});
  unlocked.username = truncate_utf8(args.positional[0], kMaxAuditUsernameBytes);
  WriteTransaction txn(*env.store);
  Status st = txn.status();
  if (st.ok()) st = unlock_sign_in(*env.store, args.positional[0]);
  if (auto user = env.store->find_user_by_email(to_lower(args.positional[0])); user.ok())
    unlocked.user_id = user->id;
  if (st.ok()) st = commit_audited(*env.store, txn, {unlocked});
  if (!st.ok()) return fail(st.message());
  std::cout << "unlocked " << to_lower(args.positional[0]) << "\n";
  return 0;
}

// An administrator's reset: whoever held the old password loses every
// session and token along with it.
int cmd_user_password(Env& env, const Args& args) {
  Result<User> user = find_by_email(*env.store, args);
  if (!user.ok()) return fail(user.status().message());
  std::string password, why;
  if (!read_new_password(args, &password, &why)) return fail(why);
  if (auto msg = check_password(*user, password)) return fail(*msg);
  // A changed password follows the policy of password changes (README
  // "Your account"), not only the length rule of a new account's.
  if (auto rule = password_policy_error(password, *user, env.config.password_min_entropy_bits))
    return fail("the password " + *rule);
  auto phc = hash_password(password, argon2(env.config));
  if (!phc.ok()) return fail(phc.status().message());
  WriteTransaction txn(*env.store);
  Status st = txn.status();
  if (st.ok()) st = reset_password(*env.store, user->id, *phc, now_seconds());
  AuditEvent changed = ctl_event("user.updated", {{"change", "password"}});
  changed.user_id = user->id;
  if (st.ok()) st = commit_audited(*env.store, txn, {changed});
  if (!st.ok()) return fail(st.is_not_found() ? "no user with email " + user->email : st.message());
  std::cout << "password of " << user->email << " changed; its tokens and sessions are revoked\n";
  return 0;
}

int cmd_user_mfa(Env& env, const Args& args) {
  int chosen = args.flag("--enable") + args.flag("--disable") + args.flag("--regenerate");
  if (chosen != 1) return fail("user mfa needs one of --enable, --disable, --regenerate");
  auto key = read_hmac_key(env.config);
  if (!key.ok()) return fail(key.status().message());
  WriteTransaction txn(*env.store);
  if (!txn.status().ok()) return fail(txn.status().message());
  Result<User> user = find_by_email(*env.store, args);
  if (!user.ok()) return fail(user.status().message());
  std::optional<bool> enable;
  if (!args.flag("--regenerate")) enable = args.flag("--enable");
  auto uri = change_user_mfa(*env.store, *key, env.config.issuer, *user, enable,
                             args.flag("--regenerate"));
  json details = {{"newAuthenticatorKey", uri.ok() && !uri->empty()}};
  if (enable) details["mfaEnabled"] = *enable;
  AuditEvent changed = ctl_event("user.mfa_changed", details);
  changed.user_id = user->id;
  Status st = uri.ok() ? commit_audited(*env.store, txn, {changed}) : uri.status();
  if (!st.ok())
    return fail(cli_words(st.message(), {{"generateNewAuthenticatorKey", "--regenerate"}}));
  std::cout << user->email << ": two-factor authentication "
            << (args.flag("--disable") ? "disabled" : "enabled") << "\n";
  if (!uri->empty()) std::cout << *uri << "\n";
  return 0;
}

}  // namespace ctl
}  // namespace access_service
