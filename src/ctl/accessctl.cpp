// accessctl: the administrator's command line on the service's own config.
// Writes go straight to the database (the running service sees them at once)
// under the same rules as the HTTP API. Secrets are never taken from the
// command line (they would show in `ps` and shell history): passwords are
// prompted for, or read from stdin with --password-stdin / --secret-stdin.
//
// The table below is the whole command line: each command's words, its
// positional argument, the options it takes (with a value, repeatable) and
// its flags, and what it needs of the database. Anything else is refused
// with one line naming it. The commands are in src/ctl/.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "access/core/config.h"
#include "access/core/strings.h"
#include "access/core/version.h"
#include "access/store/store.h"
#include "ctl.h"

namespace {

namespace ctl = access_service::ctl;
using access_service::Status;

// kAnySchema: the command deals with the schema itself (init, migrate,
// backup); kCurrent: it needs this build's schema; kNoStore: no database.
enum class Needs { kNoStore, kAnySchema, kCurrent };

struct Command {
  const char* words;     // "user add"
  const char* operand;   // the one positional argument ("EMAIL"), or nullptr
  const char* synopsis;  // options, for --help
  const char* summary;
  std::vector<std::string> options;  // take a value
  std::vector<std::string> flags;
  Needs needs;
  int (*run)(ctl::Env&, const ctl::Args&);
};

const std::vector<Command>& commands() {
  static const std::vector<Command> kCommands = {
      {"init",
       nullptr,
       "",
       "create the schema, the first signing key and hmac.key (idempotent)",
       {},
       {},
       Needs::kAnySchema,
       ctl::cmd_init},
      {"migrate",
       nullptr,
       "[--dry-run] [--backup-dir DIR | --no-backup]",
       "show the pending schema versions, back up, apply them (service stopped)",
       {"--backup-dir"},
       {"--dry-run", "--no-backup"},
       Needs::kAnySchema,
       ctl::cmd_migrate},
      {"backup",
       "DIR",
       "",
       "consistent copy of the database, keys and hmac.key (service running)",
       {},
       {},
       Needs::kAnySchema,
       ctl::cmd_backup},
      {"restore",
       "DIR",
       "[--replace]",
       "put a backup back (service stopped)",
       {},
       {"--replace"},
       Needs::kNoStore,
       ctl::cmd_restore},
      {"user add",
       "EMAIL",
       "--role ROLE [--role ROLE ...] [--password-stdin]",
       "create a user (asks for the password twice unless --password-stdin)",
       {"--role"},
       {"--password-stdin"},
       Needs::kCurrent,
       ctl::cmd_user_add},
      {"user list",
       nullptr,
       "[--json]",
       "email, roles, enabled, id",
       {},
       {"--json"},
       Needs::kCurrent,
       ctl::cmd_user_list},
      {"user enable",
       "EMAIL",
       "",
       "let a disabled user sign in again",
       {},
       {},
       Needs::kCurrent,
       ctl::cmd_user_enable},
      {"user disable",
       "EMAIL",
       "",
       "disable, and revoke every token and session of the user",
       {},
       {},
       Needs::kCurrent,
       ctl::cmd_user_disable},
      {"user delete",
       "EMAIL",
       "",
       "delete the user with their tokens, sessions, approvals, devices",
       {},
       {},
       Needs::kCurrent,
       ctl::cmd_user_delete},
      {"user unlock",
       "EMAIL",
       "",
       "clear the sign-in lockout of EMAIL (every address)",
       {},
       {},
       Needs::kCurrent,
       ctl::cmd_user_unlock},
      {"user password",
       "EMAIL",
       "[--password-stdin]",
       "set a new password; revokes the user's tokens and sessions",
       {},
       {"--password-stdin"},
       Needs::kCurrent,
       ctl::cmd_user_password},
      {"user mfa",
       "EMAIL",
       "--enable|--disable|--regenerate",
       "two-factor authentication; prints the otpauth URI when a key is made",
       {},
       {"--enable", "--disable", "--regenerate"},
       Needs::kCurrent,
       ctl::cmd_user_mfa},
      {"client add",
       nullptr,
       "--client-id ID --name NAME --grant GRANT [--grant GRANT ...] [--redirect-uri URI ...]\n"
       "             [--scope S ...] --access-seconds N [--refresh-seconds N] [--auto-approve]\n"
       "             [--require-pkce] [--secret-stdin]",
       "register an app; prints it with its secret (generated unless --secret-stdin)",
       {"--client-id", "--name", "--grant", "--redirect-uri", "--scope", "--access-seconds",
        "--refresh-seconds"},
       {"--auto-approve", "--require-pkce", "--secret-stdin"},
       Needs::kCurrent,
       ctl::cmd_client_add},
      {"client list",
       nullptr,
       "[--json]",
       "clientId, name, grants, enabled, id",
       {},
       {"--json"},
       Needs::kCurrent,
       ctl::cmd_client_list},
      {"client show",
       "CLIENT_ID",
       "",
       "the app's registration (JSON, without its secret)",
       {},
       {},
       Needs::kCurrent,
       ctl::cmd_client_show},
      {"client enable",
       "CLIENT_ID",
       "",
       "the app authenticates again, its tokens work again",
       {},
       {},
       Needs::kCurrent,
       ctl::cmd_client_enable},
      {"client disable",
       "CLIENT_ID",
       "",
       "refuse the app and its tokens until enabled",
       {},
       {},
       Needs::kCurrent,
       ctl::cmd_client_disable},
      {"client delete",
       "CLIENT_ID",
       "",
       "delete the app with its tokens, codes and approvals",
       {},
       {},
       Needs::kCurrent,
       ctl::cmd_client_delete},
      {"client rotate-secret",
       "CLIENT_ID",
       "[--secret-stdin]",
       "new secret, printed once (the old one stops working)",
       {},
       {"--secret-stdin"},
       Needs::kCurrent,
       ctl::cmd_client_rotate_secret},
      {"key rotate",
       nullptr,
       "[--now]",
       "new key, in JWKS at once, signing after keys.publish_ahead_seconds (--now: at once)",
       {},
       {"--now"},
       Needs::kCurrent,
       ctl::cmd_key_rotate},
      {"key list",
       nullptr,
       "[--json]",
       "kid, algorithm, state (next, signing, verifying until)",
       {},
       {"--json"},
       Needs::kNoStore,
       ctl::cmd_key_list},
      {"key retire",
       "KID",
       "",
       "remove a key that does not sign, now (a leaked key)",
       {},
       {},
       Needs::kCurrent,
       ctl::cmd_key_retire},
      {"purge",
       nullptr,
       "",
       "delete expired rows and keys, checkpoint the WAL",
       {},
       {},
       Needs::kCurrent,
       ctl::cmd_purge},
      {"migrate-store",
       nullptr,
       "--to CONNINFO",
       "copy this SQLite database into an empty PostgreSQL one (service stopped)",
       {"--to"},
       {},
       Needs::kCurrent,
       ctl::cmd_migrate_store},
  };
  return kCommands;
}

void print_help() {
  std::cout << "usage: accessctl --config FILE COMMAND [ARGUMENTS]\n"
               "       accessctl --version | --help\n\ncommands:\n";
  for (const auto& c : commands()) {
    std::string line =
        std::string("  ") + c.words + (c.operand ? std::string(" ") + c.operand : "");
    if (*c.synopsis) line += std::string(" ") + c.synopsis;
    std::cout << line << "\n      " << c.summary << "\n";
  }
}

// Reads the command's arguments; the message names what is wrong.
bool parse_args(const Command& c, const std::vector<std::string>& in, ctl::Args* out,
                std::string* why) {
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string& a = in[i];
    if (a.rfind("--", 0) != 0) {
      out->positional.push_back(a);
    } else if (access_service::contains(c.flags, a)) {
      out->flags.push_back(a);
    } else if (!access_service::contains(c.options, a)) {
      *why = "unknown option " + a + " for " + c.words;
      return false;
    } else if (i + 1 < in.size()) {
      out->options[a].push_back(in[++i]);
    } else {
      *why = a + " needs a value";
      return false;
    }
  }
  const size_t want = c.operand ? 1 : 0;
  if (out->positional.size() < want) {
    *why = std::string(c.words) + " needs " + c.operand;
  } else if (out->positional.size() > want) {
    *why = "unexpected argument " + out->positional[want] + " for " + c.words;
  }
  return why->empty();
}

// accessctl writes the service's files: run by root in a state directory
// that another user owns, it would leave files that lock the service out.
std::string wrong_user(const access_service::Config& config) {
  // The state directory: the database's, or (PostgreSQL) the key directory's.
  const std::string& anchor = config.postgresql() ? config.key_dir : config.db_path;
  std::string dir = anchor.substr(0, anchor.rfind('/'));
  struct stat st {};
  if (geteuid() != 0 || stat(dir.c_str(), &st) != 0 || st.st_uid == 0) return "";
  passwd* pw = getpwuid(st.st_uid);
  std::string user = pw ? pw->pw_name : std::to_string(st.st_uid);
  return "run accessctl as " + user + ", the owner of " + dir + " (runuser -u " + user +
         " -- accessctl ...): files root made there would lock the service out";
}

Status open_checked(const access_service::Config& config, Needs needs,
                    std::unique_ptr<access_service::Store>* out) {
  const std::string dir = config.db_path.substr(0, config.db_path.rfind('/'));
  struct stat st {};
  if (!config.postgresql() && stat(dir.c_str(), &st) != 0)
    return Status::NotFound("store.path: " + dir + ": " + access_service::os_reason(errno));
  auto store = access_service::open_store(config);
  if (!store.ok()) return store.status();
  if (needs == Needs::kCurrent) {
    Status s = access_service::check_schema(**store, /*create_if_empty=*/false);
    if (!s.ok()) return s;
  }
  *out = std::move(*store);
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  bool have_config = false;
  std::vector<std::string> rest;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--version") {
      std::cout << "accessctl " << access_service::kVersion << "\n";
      return 0;
    }
    if (a == "--help" || a == "-h") {
      print_help();
      return 0;
    }
    if (a == "--config") {
      if (i + 1 >= argc) return ctl::fail("--config needs a file");
      config_path = argv[++i];
      have_config = true;
    } else {
      rest.push_back(a);
    }
  }
  if (rest.empty()) {
    ctl::fail("a command is required (accessctl --help lists them)");
    return 2;
  }
  const Command* cmd = nullptr;
  size_t used = 0;
  for (const auto& c : commands()) {
    std::vector<std::string> words = access_service::split_words(c.words);
    if (rest.size() < words.size() || !std::equal(words.begin(), words.end(), rest.begin()))
      continue;
    cmd = &c;
    used = words.size();
  }
  if (!cmd) {
    std::string typed = rest[0];
    if (rest.size() > 1 && rest[1].rfind("--", 0) != 0) typed += " " + rest[1];
    ctl::fail("unknown command " + typed + " (accessctl --help lists them)");
    return 2;
  }
  ctl::Args args;
  std::string why;
  if (!parse_args(*cmd, std::vector<std::string>(rest.begin() + used, rest.end()), &args, &why)) {
    ctl::fail(why);
    return 2;
  }
  if (!have_config) {
    ctl::fail("--config is required");
    return 2;
  }
  auto config = access_service::load_config(config_path);
  if (!config.ok()) return ctl::fail(config_path + ": " + config.status().message());
  // Whatever the caller's umask: the database, its -wal and -shm, keys and
  // backups are owner-only.
  umask(077);
  if (std::string msg = wrong_user(*config); !msg.empty()) return ctl::fail(msg);
  std::unique_ptr<access_service::Store> store;
  // Key changes open the store for their audit event; with PostgreSQL
  // every key command goes through the database, where the keys are shared
  // (key_mirror.h).
  Needs needs = cmd->needs;
  if (config->postgresql() && needs == Needs::kNoStore &&
      std::string(cmd->words).rfind("key ", 0) == 0)
    needs = Needs::kAnySchema;
  if (needs != Needs::kNoStore) {
    Status st = open_checked(*config, needs, &store);
    if (!st.ok()) return ctl::fail(st.message());
  }
  ctl::Env env{*config, store.get()};
  return cmd->run(env, args);
}
