// accessctl's commands. src/ctl/accessctl.cpp parses the command line against
// the table of commands (each with its options), loads the config, opens the
// store when the command needs it, and calls one of the functions below.
//
// Every command returns the process exit status: 0, or 1 after exactly one
// line "accessctl: <why>" on stderr (fail()). Messages name what the
// operator typed: CLI options (`--name is required`), never the JSON members
// of the API rules the command reuses (cli_words()).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "access/core/config.h"
#include "access/oauth/audit.h"
#include "access/store/store.h"

namespace access_service {
namespace ctl {

// A command line after the command words: options with a value (repeatable,
// in order), bare flags, and positional arguments.
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> options;
  std::vector<std::string> flags;

  bool flag(const std::string& f) const;
  bool has(const std::string& option) const { return options.count(option) != 0; }
  // The last value of `option`, "" when absent.
  std::string one(const std::string& option) const;
};

// What a command runs with. `store` is null for commands that do not open
// the database.
struct Env {
  const Config& config;
  Store* store;
};

// Prints "accessctl: <msg>" on stderr; returns 1.
int fail(const std::string& msg);

// Rewrites the JSON member names of an API rule's message into the words of
// the command line ({"appName", "--name"}, ...), whole words only.
std::string cli_words(std::string msg,
                      const std::vector<std::pair<std::string, std::string>>& names);

// One line of stdin, without the line end.
std::string read_line_stdin();

// A new password: one line of stdin with --password-stdin, otherwise asked
// twice on the terminal without echo. false with `why` = "passwords differ"
// or "no terminal to ask for the password: use --password-stdin".
bool read_new_password(const Args& args, std::string* out, std::string* why);

// An audit event made by accessctl (audit.h): actor "accessctl", no
// address, `details` an object. Commands that change the database add it to
// their own transaction (commit_audited); record() stores events in a
// transaction of their own, after a change of files (keys).
AuditEvent ctl_event(const std::string& type, const nlohmann::json& details);
Status record(Store& store, const std::vector<AuditEvent>& events);

int cmd_init(Env& env, const Args& args);
int cmd_migrate(Env& env, const Args& args);
int cmd_backup(Env& env, const Args& args);
int cmd_restore(Env& env, const Args& args);
int cmd_purge(Env& env, const Args& args);
int cmd_migrate_store(Env& env, const Args& args);

int cmd_user_add(Env& env, const Args& args);
int cmd_user_list(Env& env, const Args& args);
int cmd_user_enable(Env& env, const Args& args);
int cmd_user_disable(Env& env, const Args& args);
int cmd_user_delete(Env& env, const Args& args);
int cmd_user_unlock(Env& env, const Args& args);
int cmd_user_password(Env& env, const Args& args);
int cmd_user_mfa(Env& env, const Args& args);

int cmd_client_add(Env& env, const Args& args);
int cmd_client_list(Env& env, const Args& args);
int cmd_client_show(Env& env, const Args& args);
int cmd_client_enable(Env& env, const Args& args);
int cmd_client_disable(Env& env, const Args& args);
int cmd_client_delete(Env& env, const Args& args);
int cmd_client_rotate_secret(Env& env, const Args& args);

int cmd_key_rotate(Env& env, const Args& args);
int cmd_key_list(Env& env, const Args& args);
int cmd_key_retire(Env& env, const Args& args);

}  // namespace ctl
}  // namespace access_service
