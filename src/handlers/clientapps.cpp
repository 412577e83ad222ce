// /api/v1/clientapps and /api/v1/dashboard/clients (API.md section 2):
// ROLE_SYSTEM_ADMIN only.
#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/handlers/handlers.h"
#include "access/http/api.h"
#include "access/oauth/accounts.h"
#include "access/oauth/audit.h"
#include "access/oauth/client_rules.h"

namespace access_service {
namespace {

// The store's own wording ("no row", ...) never reaches a client (API.md 0).
const char kAppNotFound[] = "client app not found";

// Hashes a new secret into `app` (argon2id) before anything is written.
std::optional<Response> hash_secret(Context& ctx, const std::string& secret, ClientApp* app) {
  if (secret.empty()) return std::nullopt;
  Result<std::string> phc = hash_password(secret, ctx.argon2());
  if (!phc.ok()) return status_reply(phc.status());
  app->secret_hash = *phc;
  return std::nullopt;
}

// client.<what> about `app`, by the administrator of the request in hand.
AuditEvent client_event(const Context& ctx, const char* what, const ClientApp& app,
                        json details = json::object()) {
  AuditEvent e = request_audit_event(ctx, std::string("client.") + what);
  e.client_id = app.client_id;
  e.user_id = "";  // the administrator is the actor, not the user concerned
  details["id"] = app.id;
  set_details(&e, details);
  return e;
}

// The names of the app's members a PUT body sent (never their values: one
// may be the new clientSecret; unknown members, which are ignored, neither).
json member_names(const json& body) {
  static const char* const kMembers[] = {"appName",
                                         "clientId",
                                         "clientSecret",
                                         "authorizedGrantTypes",
                                         "registeredRedirectUris",
                                         "accessTokenValiditySeconds",
                                         "refreshTokenValiditySeconds",
                                         "scope",
                                         "autoApprove",
                                         "requirePkce",
                                         "enabled"};
  json names = json::array();
  for (const char* m : kMembers)
    if (body.contains(m)) names.push_back(m);
  return names;
}

Response with_secret(const ClientApp& app, const std::string& secret) {
  json body = client_to_json(app);
  if (!secret.empty()) body["clientSecret"] = secret;
  return json_reply(body);
}

}  // namespace

Response clientapps_create(Context& ctx, const Request& req, const PathParams&) {
  json body;
  if (auto err = read_json_body(req, &body)) return *err;
  ClientApp app;
  std::string secret;
  if (auto msg = apply_client_json(body, /*create=*/true, &app, &secret))
    return error_reply(ApiError::kInvalidRequest, *msg);
  if (auto err = hash_secret(ctx, secret, &app)) return *err;
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  if (st.ok()) st = add_client(*ctx.store, &app, now_seconds());
  if (st.ok())
    st = commit_audited(
        ctx, txn,
        {client_event(ctx, "created", app,
                      {{"appName", app.app_name}, {"grantTypes", app.grant_types}})});
  if (st.is_conflict()) return error_reply(ApiError::kConflict, "clientId is already registered");
  if (!st.ok()) return status_reply(st);
  return with_secret(app, secret);
}

Response clientapps_list(Context& ctx, const Request& req, const PathParams&) {
  Page page;
  if (auto err = read_page(req,
                           {{"createdAt", "created_at"},
                            {"appName", "app_name"},
                            {"clientId", "client_id"},
                            {"id", "id"},
                            {"enabled", "enabled"}},
                           &page))
    return *err;
  Result<ListResult<ClientApp>> list = ctx.store->list_clients(page);
  if (!list.ok()) return status_reply(list.status());
  json items = json::array();
  for (const auto& a : list->items) items.push_back(client_to_json(a));
  return json_reply({{"items", items}, {"count", list->count}, {"offset", page.offset}});
}

Response clientapps_get(Context& ctx, const Request&, const PathParams& p) {
  Result<ClientApp> app = ctx.store->find_client(p[0]);
  if (!app.ok()) return status_reply(app.status(), kAppNotFound);
  return json_reply(client_to_json(*app));
}

Response clientapps_update(Context& ctx, const Request& req, const PathParams& p) {
  json body;
  if (auto err = read_json_body(req, &body)) return *err;
  Result<ClientApp> app = ctx.store->find_client(p[0]);
  if (!app.ok()) return status_reply(app.status(), kAppNotFound);
  std::string secret, ignored;
  if (auto msg = apply_client_json(body, /*create=*/false, &*app, &secret))
    return error_reply(ApiError::kInvalidRequest, *msg);
  if (auto err = hash_secret(ctx, secret, &*app)) return *err;  // slow: before the lock
  const std::string secret_hash = app->secret_hash;
  // The change is applied again to the app as it is under the write lock, so
  // that a change committed meanwhile (a disable, a new secret) is not
  // written back over by this one's older copy.
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  if (st.ok()) app = ctx.store->find_client(p[0]);
  if (st.ok()) st = app.status();
  if (st.ok()) {
    if (auto msg = apply_client_json(body, /*create=*/false, &*app, &ignored))
      return error_reply(ApiError::kInvalidRequest, *msg);
    if (!secret.empty()) app->secret_hash = secret_hash;
    st = ctx.store->update_client(*app);
  }
  if (st.ok())
    st = commit_audited(
        ctx, txn,
        {client_event(ctx, "updated", *app,
                      {{"members", member_names(body)}, {"secretChanged", !secret.empty()}})});
  if (st.is_conflict()) return error_reply(ApiError::kConflict, "clientId is already registered");
  if (!st.ok()) return status_reply(st, kAppNotFound);
  return with_secret(*app, secret);
}

Response clientapps_delete(Context& ctx, const Request&, const PathParams& p) {
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  Result<ClientApp> app = st.ok() ? ctx.store->find_client(p[0]) : Result<ClientApp>(st);
  if (!app.ok()) return status_reply(app.status(), kAppNotFound);
  st = ctx.store->delete_client(p[0]);
  if (st.ok()) st = commit_audited(ctx, txn, {client_event(ctx, "deleted", *app)});
  if (!st.ok()) return status_reply(st, kAppNotFound);
  return json_reply(json::object());
}

Response clientapps_enable(Context& ctx, const Request&, const PathParams& p) {
  // Read and flip under the write lock so that two toggles cannot both read
  // the same state.
  WriteTransaction txn(*ctx.store);
  if (!txn.status().ok()) return status_reply(txn.status());
  Result<ClientApp> app = ctx.store->find_client(p[0]);
  if (!app.ok()) return status_reply(app.status(), kAppNotFound);
  app->enabled = !app->enabled;
  Status st = ctx.store->update_client(*app);
  if (st.ok())
    st = commit_audited(ctx, txn, {client_event(ctx, app->enabled ? "enabled" : "disabled", *app)});
  if (!st.ok()) return status_reply(st, kAppNotFound);
  return json_reply(client_to_json(*app));
}

Response dashboard_clients(Context& ctx, const Request&, const PathParams&) {
  Result<int64_t> n = ctx.store->count_clients();
  if (!n.ok()) return status_reply(n.status());
  return json_reply({{"totalClientApps", *n}});
}

}  // namespace access_service
