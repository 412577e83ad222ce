// accessctl: the administrator's command line on the service's own config.
// Writes go straight to the database (the running service sees them at once)
// under the same rules as the HTTP API. Secrets are never taken from the
// command line (they would show in `ps` and shell history): passwords are
// prompted for, or read from stdin with --password-stdin / --secret-stdin.
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "access/audit.h"
#include "access/client_rules.h"
#include "access/config.h"
#include "access/context.h"
#include "access/crypto.h"
#include "access/key_ring.h"
#include "access/mfa.h"
#include "access/purge.h"
#include "access/sign_in.h"
#include "access/signer.h"
#include "access/store.h"
#include "access/strings.h"
#include "access/user_rules.h"

namespace {

using access_service::Status;
using json = nlohmann::json;

const char kUsage[] =
    "usage: accessctl --config FILE COMMAND\n"
    "  init                                   create the schema, first signing key, HMAC key\n"
    "  user add EMAIL --role ROLE [--role ROLE ...] [--password-stdin]\n"
    "  user list\n"
    "  user disable EMAIL                     disable and revoke every token of the user\n"
    "  user unlock EMAIL                      clear the sign-in lockout of EMAIL (every address)\n"
    "  user mfa EMAIL --enable|--disable|--regenerate\n"
    "                                         two-factor authentication; prints the otpauth URI\n"
    "  client add --client-id ID --name NAME --grant GRANT [--grant GRANT ...]\n"
    "             [--redirect-uri URI ...] [--scope S ...] --access-seconds N\n"
    "             [--refresh-seconds N] [--auto-approve] [--secret-stdin]\n"
    "  client list\n"
    "  key rotate                             new signing key (signs after SIGHUP / reload)\n"
    "  key list                               kid, algorithm, state of every key\n"
    "  key retire KID                         remove a key that no longer signs, now\n"
    "  purge                                  delete expired rows and keys, checkpoint the WAL\n";

int fail(const std::string& msg) {
  std::cerr << "accessctl: " << msg << "\n";
  return 1;
}

// Options of the form --name VALUE (repeatable) and bare flags.
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> options;
  std::vector<std::string> flags;
  bool flag(const std::string& f) const { return access_service::contains(flags, f); }
  std::string one(const std::string& o) const {
    auto it = options.find(o);
    return it == options.end() ? "" : it->second.back();
  }
};

bool parse_args(int argc, char** argv, int start, const std::vector<std::string>& bare_flags,
                Args* out, std::string* err) {
  for (int i = start; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) {
      out->positional.push_back(a);
    } else if (access_service::contains(bare_flags, a)) {
      out->flags.push_back(a);
    } else if (i + 1 < argc) {
      out->options[a].push_back(argv[++i]);
    } else {
      *err = a + " needs a value";
      return false;
    }
  }
  return true;
}

std::string read_line_stdin() {
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Prompts twice on the terminal with echo off.
bool prompt_password(std::string* out) {
  if (!isatty(STDIN_FILENO)) return false;
  termios old{};
  tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::cerr << "Password: ";
  std::string a = read_line_stdin();
  std::cerr << "\nRepeat password: ";
  std::string b = read_line_stdin();
  std::cerr << "\n";
  tcsetattr(STDIN_FILENO, TCSANOW, &old);
  if (a != b) return false;
  *out = a;
  return true;
}

access_service::Argon2Params argon2(const access_service::Config& c) {
  return {c.argon2_time_cost, c.argon2_memory_kib, c.argon2_parallelism};
}

// An audit event done by accessctl (audit.h): no address, actor "accessctl".
access_service::AuditEvent event(const std::string& type, const json& details) {
  access_service::AuditEvent e = access_service::new_audit_event(type);
  e.actor = "accessctl";
  access_service::set_details(&e, details);
  return e;
}

// Stores `events` in a transaction of their own, after a change made with
// no transaction of its own (files: keys).
Status record(access_service::Store& store, const std::vector<access_service::AuditEvent>& events) {
  access_service::WriteTransaction txn(store);
  return access_service::commit_audited(store, txn, events);
}

// The key.rotated event of the newest key in `config.key_dir`.
Status record_new_key(const access_service::Config& config, access_service::Store& store) {
  auto keys = access_service::list_keys(config.key_dir);
  if (!keys.ok()) return keys.status();
  return record(store, {event("key.rotated", {{"kid", keys->back().kid}, {"alg", keys->back().alg}})});
}

int cmd_init(const access_service::Config& config, access_service::Store& store) {
  auto signer = access_service::TokenSigner::load(config.key_dir);
  if (!signer.ok()) {
    auto path = access_service::create_signing_key(config.key_dir, config.algorithm);
    if (!path.ok()) return fail(path.status().message());
    std::cout << "created signing key " << *path << "\n";
    Status st = record_new_key(config, store);
    if (!st.ok()) return fail(st.message());
  }
  Status st = access_service::ensure_hmac_key(config);
  if (!st.ok()) return fail(st.message());
  std::cout << "database " << config.db_path << " is at the current schema\n";
  return 0;
}

int cmd_user_add(const access_service::Config& config, access_service::Store& store, const Args& args) {
  if (args.positional.size() != 1) return fail("user add needs exactly one EMAIL");
  auto roles_it = args.options.find("--role");
  json body = {{"email", args.positional[0]},
               {"roles", roles_it == args.options.end() ? json::array() : json(roles_it->second)}};
  for (const auto& o : args.options)
    if (o.first != "--role") return fail("unknown option " + o.first);
  std::string password;
  if (args.flag("--password-stdin")) {
    password = read_line_stdin();
  } else if (!prompt_password(&password)) {
    return fail("passwords differ, or no terminal (use --password-stdin)");
  }
  body["password"] = password;
  access_service::User user;
  if (auto msg = access_service::apply_new_user_json(body, &user, &password)) return fail(*msg);
  auto phc = access_service::hash_password(password, argon2(config));
  if (!phc.ok()) return fail(phc.status().message());
  user.password_hash = *phc;
  user.id = access_service::uuid4();
  user.created_at = access_service::now_seconds();
  access_service::WriteTransaction txn(store);
  Status st = txn.status();
  if (st.ok()) st = store.insert_user(user);
  access_service::AuditEvent created = event("user.created", {{"roles", user.roles}});
  created.user_id = user.id;
  if (st.ok()) st = access_service::commit_audited(store, txn, {created});
  if (st.is_conflict()) return fail("a user with this email exists");
  if (!st.ok()) return fail(st.message());
  std::cout << access_service::user_to_json(user).dump(2) << "\n";
  return 0;
}

int cmd_user_list(access_service::Store& store) {
  access_service::Page page;
  page.sort_by = "email";
  auto list = store.list_users(page);
  if (!list.ok()) return fail(list.status().message());
  for (const auto& u : list->items)
    std::cout << u.email << "\t" << access_service::join_words(u.roles) << "\t"
              << (u.enabled ? "enabled" : "disabled") << "\t" << u.id << "\n";
  return 0;
}

int cmd_user_disable(access_service::Store& store, const Args& args) {
  if (args.positional.size() != 1) return fail("user disable needs exactly one EMAIL");
  access_service::WriteTransaction txn(store);
  if (!txn.status().ok()) return fail(txn.status().message());
  auto user = store.find_user_by_email(access_service::to_lower(args.positional[0]));
  if (!user.ok()) return fail("no such user");
  Status st = store.set_user_enabled(user->id, false);
  if (st.ok()) st = store.revoke_user_tokens(user->id, access_service::now_seconds());
  access_service::AuditEvent disabled = event("user.disabled", json::object());
  disabled.user_id = user->id;
  if (st.ok()) st = access_service::commit_audited(store, txn, {disabled});
  if (!st.ok()) return fail(st.message());
  std::cout << "disabled " << user->email << "; its tokens are revoked\n";
  return 0;
}

// The lockout counters are per username as typed, whether or not such a
// user exists, so any EMAIL can be unlocked.
int cmd_user_unlock(access_service::Store& store, const Args& args) {
  if (args.positional.size() != 1) return fail("user unlock needs exactly one EMAIL");
  access_service::WriteTransaction txn(store);
  Status st = txn.status();
  if (st.ok()) st = access_service::unlock_sign_in(store, args.positional[0]);
  access_service::AuditEvent unlocked = event("user.updated", {{"change", "unlocked"}});
  unlocked.username = access_service::truncate_utf8(args.positional[0], access_service::kMaxAuditUsernameBytes);
  auto user = store.find_user_by_email(access_service::to_lower(args.positional[0]));
  if (user.ok()) unlocked.user_id = user->id;
  if (st.ok()) st = access_service::commit_audited(store, txn, {unlocked});
  if (!st.ok()) return fail(st.message());
  std::cout << "unlocked " << access_service::to_lower(args.positional[0]) << "\n";
  return 0;
}

int cmd_user_mfa(const access_service::Config& config, access_service::Store& store,
                 const Args& args) {
  if (args.positional.size() != 1) return fail("user mfa needs exactly one EMAIL");
  int chosen = args.flag("--enable") + args.flag("--disable") + args.flag("--regenerate");
  if (chosen != 1) return fail("user mfa needs one of --enable, --disable, --regenerate");
  auto key = access_service::read_hmac_key(config);
  if (!key.ok()) return fail(key.status().message());
  access_service::WriteTransaction txn(store);
  if (!txn.status().ok()) return fail(txn.status().message());
  auto user = store.find_user_by_email(access_service::to_lower(args.positional[0]));
  if (!user.ok()) return fail("no such user");
  std::optional<bool> enable;
  if (!args.flag("--regenerate")) enable = args.flag("--enable");
  auto uri = access_service::change_user_mfa(store, *key, config.issuer, *user, enable,
                                             args.flag("--regenerate"));
  json details = {{"newAuthenticatorKey", uri.ok() && !uri->empty()}};
  if (enable) details["mfaEnabled"] = *enable;
  access_service::AuditEvent changed = event("user.mfa_changed", details);
  changed.user_id = user->id;
  Status st = uri.ok() ? access_service::commit_audited(store, txn, {changed}) : uri.status();
  if (!st.ok()) return fail(st.message());
  std::cout << user->email << ": two-factor authentication "
            << (args.flag("--disable") ? "disabled" : "enabled") << "\n";
  if (!uri->empty()) std::cout << *uri << "\n";
  return 0;
}

bool to_int(const std::string& s, json* out) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  *out = std::stoi(s);
  return true;
}

int cmd_client_add(const access_service::Config& config, access_service::Store& store, const Args& args) {
  static const std::map<std::string, const char*> kLists = {
      {"--grant", "authorizedGrantTypes"}, {"--redirect-uri", "registeredRedirectUris"}, {"--scope", "scope"}};
  json body = json::object();
  for (const auto& o : args.options) {
    if (o.first == "--client-id") body["clientId"] = o.second.back();
    else if (o.first == "--name") body["appName"] = o.second.back();
    else if (kLists.count(o.first)) body[kLists.at(o.first)] = o.second;
    else if (o.first == "--access-seconds" || o.first == "--refresh-seconds") {
      json n;
      if (!to_int(o.second.back(), &n)) return fail(o.first + " must be a number of seconds");
      body[o.first == "--access-seconds" ? "accessTokenValiditySeconds" : "refreshTokenValiditySeconds"] = n;
    } else {
      return fail("unknown option " + o.first);
    }
  }
  if (!args.positional.empty()) return fail("unexpected argument " + args.positional[0]);
  if (args.flag("--auto-approve")) body["autoApprove"] = true;
  if (args.flag("--secret-stdin")) body["clientSecret"] = read_line_stdin();
  access_service::ClientApp app;
  std::string secret;
  if (auto msg = access_service::apply_client_json(body, true, &app, &secret)) return fail(*msg);
  auto phc = access_service::hash_password(secret, argon2(config));
  if (!phc.ok()) return fail(phc.status().message());
  app.secret_hash = *phc;
  app.id = access_service::uuid4();
  app.created_at = access_service::now_seconds();
  access_service::WriteTransaction txn(store);
  Status st = txn.status();
  if (st.ok()) st = store.insert_client(app);
  access_service::AuditEvent created =
      event("client.created", {{"id", app.id}, {"appName", app.app_name}, {"grantTypes", app.grant_types}});
  created.client_id = app.client_id;
  if (st.ok()) st = access_service::commit_audited(store, txn, {created});
  if (st.is_conflict()) return fail("clientId is already registered");
  if (!st.ok()) return fail(st.message());
  json out = access_service::client_to_json(app);
  out["clientSecret"] = secret;
  std::cout << out.dump(2) << "\n";
  return 0;
}

int cmd_client_list(access_service::Store& store) {
  access_service::Page page;
  page.sort_by = "client_id";
  auto list = store.list_clients(page);
  if (!list.ok()) return fail(list.status().message());
  for (const auto& a : list->items)
    std::cout << a.client_id << "\t" << a.app_name << "\t" << access_service::join_words(a.grant_types)
              << "\t" << (a.enabled ? "enabled" : "disabled") << "\t" << a.id << "\n";
  return 0;
}

int cmd_key_rotate(const access_service::Config& config, access_service::Store& store) {
  auto path = access_service::create_signing_key(config.key_dir, config.algorithm);
  if (!path.ok()) return fail(path.status().message());
  auto keys = access_service::list_keys(config.key_dir);
  if (!keys.ok()) return fail(keys.status().message());
  Status st = record_new_key(config, store);
  if (!st.ok()) return fail("the key was created, but its audit event was not stored: " + st.message());
  std::cout << "created " << *path << " (kid " << keys->back().kid << ", " << keys->back().alg
            << ")\nit signs once the service reloads: systemctl reload access-service "
               "(or kill -HUP the master)\n";
  return 0;
}

int cmd_key_list(const access_service::Config& config) {
  auto keys = access_service::list_keys(config.key_dir);
  if (!keys.ok()) return fail(keys.status().message());
  const long long now = access_service::now_seconds();
  for (const auto& k : *keys) {
    std::string state = k.active ? "signing"
                        : !k.retired_at ? "verifying (retires at the next reload)"
                        : k.verify_until > now
                            ? "verifying until " + access_service::rfc3339(k.verify_until)
                            : "expired (removed by the next purge)";
    std::cout << k.kid << "\t" << k.alg << "\t" << state << "\t" << k.file << "\n";
  }
  return 0;
}

int cmd_key_retire(const access_service::Config& config, access_service::Store& store,
                   const Args& args) {
  if (args.positional.size() != 1) return fail("key retire needs exactly one KID");
  Status st = access_service::retire_key(config.key_dir, args.positional[0]);
  if (!st.ok()) return fail(st.message());
  st = record(store, {event("key.retired", {{"kid", args.positional[0]}, {"reason", "manual"}})});
  if (!st.ok()) return fail("the key was removed, but its audit event was not stored: " + st.message());
  std::cout << "removed key " << args.positional[0]
            << "; reload the service so that it stops verifying and publishing it\n";
  return 0;
}

int cmd_purge(const access_service::Config& config, access_service::Store& store) {
  auto report =
      access_service::purge_expired(config, store, access_service::now_seconds(), "accessctl");
  if (!report.ok()) return fail(report.status().message());
  std::cout << "removed " << report->rows << " expired rows, " << report->audit_events
            << " audit events past retention and " << report->keys << " expired keys\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || std::strcmp(argv[1], "--config") != 0) {
    std::cerr << kUsage;
    return 2;
  }
  auto config = access_service::load_config(argv[2]);
  if (!config.ok()) return fail(std::string(argv[2]) + ": " + config.status().message());
  std::string cmd = argv[3];
  std::string sub = argc > 4 ? argv[4] : "";
  Args args;
  std::string err;
  int first = cmd == "init" || cmd == "purge" ? 4 : 5;
  if (!parse_args(argc, argv, first, {"--password-stdin", "--secret-stdin", "--auto-approve", "--enable", "--disable",
                   "--regenerate"}, &args, &err))
    return fail(err);
  // `init` (and any command that meets a fresh state directory) creates the
  // database, its -wal and -shm (SQLite gives them the database's mode), the
  // key directory and keys: owner-only whatever the caller's umask.
  umask(077);
  auto store = access_service::open_store(*config);
  if (!store.ok()) return fail(store.status().message());
  Status st = (*store)->migrate();
  if (!st.ok()) return fail(st.message());
  access_service::Store& s = **store;
  if (cmd == "init") return cmd_init(*config, s);
  if (cmd == "user" && sub == "add") return cmd_user_add(*config, s, args);
  if (cmd == "user" && sub == "list") return cmd_user_list(s);
  if (cmd == "user" && sub == "disable") return cmd_user_disable(s, args);
  if (cmd == "user" && sub == "unlock") return cmd_user_unlock(s, args);
  if (cmd == "user" && sub == "mfa") return cmd_user_mfa(*config, s, args);
  if (cmd == "client" && sub == "add") return cmd_client_add(*config, s, args);
  if (cmd == "client" && sub == "list") return cmd_client_list(s);
  if (cmd == "key" && sub == "rotate") return cmd_key_rotate(*config, s);
  if (cmd == "key" && sub == "list") return cmd_key_list(*config);
  if (cmd == "key" && sub == "retire") return cmd_key_retire(*config, s, args);
  if (cmd == "purge") return cmd_purge(*config, s);
  std::cerr << kUsage;
  return 2;
}
