// accessctl client ...: the registration rules of the admin API
// (client_rules.h), with messages in the words of the command line. Apps are
// named by their clientId.
#include <iostream>
#include <nlohmann/json.hpp>

#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/crypto/password.h"
#include "access/oauth/accounts.h"
#include "access/oauth/client_rules.h"
#include "ctl.h"

namespace access_service {
namespace ctl {
namespace {

using json = nlohmann::json;

const std::vector<std::pair<std::string, std::string>> kClientWords = {
    {"appName", "--name"},
    {"clientId", "--client-id"},
    {"clientSecret", "the secret"},
    {"authorizedGrantTypes", "--grant"},
    {"registeredRedirectUris", "--redirect-uri"},
    {"accessTokenValiditySeconds", "--access-seconds"},
    {"refreshTokenValiditySeconds", "--refresh-seconds"},
    {"scope", "--scope"},
    {"autoApprove", "--auto-approve"},
    {"requirePkce", "--require-pkce"}};

Argon2Params argon2(const Config& c) {
  return {c.argon2_time_cost, c.argon2_memory_kib, c.argon2_parallelism};
}

bool to_int(const std::string& s, json* out) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  *out = std::stoi(s);
  return true;
}

Result<ClientApp> find_app(Store& store, const std::string& client_id) {
  Result<ClientApp> app = store.find_client_by_client_id(client_id);
  if (app.status().is_not_found()) return Status::NotFound("no app with client id " + client_id);
  return app;
}

// enable / disable: read and write under the write lock.
int set_enabled(Env& env, const Args& args, bool enabled) {
  WriteTransaction txn(*env.store);
  if (!txn.status().ok()) return fail(txn.status().message());
  Result<ClientApp> app = find_app(*env.store, args.positional[0]);
  if (!app.ok()) return fail(app.status().message());
  const bool changed = app->enabled != enabled;
  app->enabled = enabled;
  Status st = changed ? env.store->update_client(*app) : Status::Ok();
  AuditEvent e = ctl_event(enabled ? "client.enabled" : "client.disabled", {{"id", app->id}});
  e.client_id = app->client_id;
  if (st.ok()) st = changed ? commit_audited(*env.store, txn, {e}) : txn.commit();
  if (!st.ok()) return fail(st.message());
  if (!changed)
    std::cout << app->client_id << " is " << (enabled ? "enabled" : "disabled") << " already\n";
  else if (enabled)
    std::cout << "enabled " << app->client_id << "; its unexpired tokens work again\n";
  else
    std::cout << "disabled " << app->client_id
              << "; it cannot authenticate and its tokens stop working until it is enabled\n";
  return 0;
}

}  // namespace

int cmd_client_add(Env& env, const Args& args) {
  static const std::map<std::string, const char*> kLists = {
      {"--grant", "authorizedGrantTypes"},
      {"--redirect-uri", "registeredRedirectUris"},
      {"--scope", "scope"}};
  json body = json::object();
  for (const auto& [option, values] : args.options) {
    if (option == "--client-id") {
      body["clientId"] = values.back();
    } else if (option == "--name") {
      body["appName"] = values.back();
    } else if (kLists.count(option)) {
      body[kLists.at(option)] = values;
    } else {  // --access-seconds, --refresh-seconds
      json n;
      if (!to_int(values.back(), &n)) return fail(option + " must be a number of seconds");
      body[option == "--access-seconds" ? "accessTokenValiditySeconds"
                                        : "refreshTokenValiditySeconds"] = n;
    }
  }
  for (const char* required : {"--client-id", "--name", "--grant", "--access-seconds"})
    if (!args.has(required)) return fail(std::string(required) + " is required");
  if (args.flag("--auto-approve")) body["autoApprove"] = true;
  if (args.flag("--require-pkce")) body["requirePkce"] = true;
  if (args.flag("--secret-stdin")) body["clientSecret"] = read_line_stdin();
  ClientApp app;
  std::string secret;
  if (auto msg = apply_client_json(body, true, &app, &secret))
    return fail(cli_words(*msg, kClientWords));
  auto phc = hash_password(secret, argon2(env.config));
  if (!phc.ok()) return fail(phc.status().message());
  app.secret_hash = *phc;
  WriteTransaction txn(*env.store);
  Status st = txn.status();
  if (st.ok()) st = add_client(*env.store, &app, now_seconds());
  AuditEvent created =
      ctl_event("client.created",
                {{"id", app.id}, {"appName", app.app_name}, {"grantTypes", app.grant_types}});
  created.client_id = app.client_id;
  if (st.ok()) st = commit_audited(*env.store, txn, {created});
  if (st.is_conflict()) return fail("client id " + app.client_id + " is registered already");
  if (!st.ok()) return fail(st.message());
  json out = client_to_json(app);
  out["clientSecret"] = secret;
  std::cout << out.dump(2) << "\n";
  return 0;
}

int cmd_client_list(Env& env, const Args& args) {
  Page page;
  page.sort_by = "client_id";
  auto list = env.store->list_clients(page);
  if (!list.ok()) return fail(list.status().message());
  if (args.flag("--json")) {
    json items = json::array();
    for (const auto& a : list->items) items.push_back(client_to_json(a));
    std::cout << json{{"items", items}, {"count", list->count}}.dump(2) << "\n";
    return 0;
  }
  for (const auto& a : list->items)
    std::cout << a.client_id << "\t" << a.app_name << "\t" << join_words(a.grant_types) << "\t"
              << (a.enabled ? "enabled" : "disabled") << "\t" << a.id << "\n";
  return 0;
}

int cmd_client_show(Env& env, const Args& args) {
  Result<ClientApp> app = find_app(*env.store, args.positional[0]);
  if (!app.ok()) return fail(app.status().message());
  std::cout << client_to_json(*app).dump(2) << "\n";
  return 0;
}

int cmd_client_enable(Env& env, const Args& args) { return set_enabled(env, args, true); }
int cmd_client_disable(Env& env, const Args& args) { return set_enabled(env, args, false); }

int cmd_client_delete(Env& env, const Args& args) {
  Result<ClientApp> app = find_app(*env.store, args.positional[0]);
  if (!app.ok()) return fail(app.status().message());
  AuditEvent deleted = ctl_event("client.deleted", {{"id", app->id}});
  deleted.client_id = app->client_id;
  WriteTransaction txn(*env.store);
  Status st = txn.status();
  if (st.ok()) st = env.store->delete_client(app->id);
  if (st.ok()) st = commit_audited(*env.store, txn, {deleted});
  if (st.is_not_found()) return fail("no app with client id " + app->client_id);
  if (!st.ok()) return fail(st.message());
  std::cout << "deleted " << app->client_id << " with its tokens, codes and approvals\n";
  return 0;
}

// The new secret is printed once, alone on stdout (SECRET=$(accessctl ...)):
// only its hash is stored. The old one stops working at once.
int cmd_client_rotate_secret(Env& env, const Args& args) {
  Result<ClientApp> app = find_app(*env.store, args.positional[0]);
  if (!app.ok()) return fail(app.status().message());
  json body = {{"clientSecret",
                args.flag("--secret-stdin") ? json(read_line_stdin()) : json(random_token(32))}};
  std::string secret;
  if (auto msg = apply_client_json(body, false, &*app, &secret))
    return fail(cli_words(*msg, kClientWords));
  auto phc = hash_password(secret, argon2(env.config));
  if (!phc.ok()) return fail(phc.status().message());
  app->secret_hash = *phc;
  AuditEvent rotated = ctl_event("client.updated", {{"id", app->id}, {"change", "secret"}});
  rotated.client_id = app->client_id;
  WriteTransaction txn(*env.store);
  Status st = txn.status();
  if (st.ok()) st = env.store->update_client(*app);
  if (st.ok()) st = commit_audited(*env.store, txn, {rotated});
  if (st.is_not_found()) return fail("no app with client id " + app->client_id);
  if (!st.ok()) return fail(st.message());
  std::cerr << app->client_id
            << ": new secret below, shown this once; the old one no longer works\n";
  std::cout << secret << "\n";
  return 0;
}

}  // namespace ctl
}  // namespace access_service
