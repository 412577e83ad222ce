// /api/v1/users/me/devices (API.md section 6): device passcodes, for apps
// with the `device` option and a bearer token issued to such an app.
#include "access/core/strings.h"
#include "access/handlers/handlers.h"
#include "access/http/api.h"
#include "access/http/route_access.h"
#include "access/oauth/audit.h"
#include "access/oauth/user_rules.h"

namespace access_service {
namespace {

AuditEvent device_event(const Context& ctx, const char* what, const std::string& device_id) {
  AuditEvent e = request_audit_event(ctx, std::string("device.") + what);
  set_details(&e, {{"deviceId", device_id}});
  return e;
}

json device_json(const Device& d) {
  return {{"deviceId", d.device_id},
          {"createdAt", rfc3339(d.created_at)},
          {"lastUsedAt", d.last_used_at ? json(rfc3339(*d.last_used_at)) : json()}};
}

}  // namespace

std::optional<Response> device_app_of(Context& ctx, const Principal& who, ClientApp* out) {
  Result<ClientApp> found = ctx.store->find_client_by_client_id(who.client_id);
  if (!found.ok() && !found.status().is_not_found()) return status_reply(found.status());
  if (!found.ok() || !found->has_grant("device"))
    return error_reply(ApiError::kAccessDenied, "this app may not manage device passcodes");
  *out = *found;
  return std::nullopt;
}

Response devices_create(Context& ctx, const Request& req, const PathParams&, const Principal& who,
                        const ClientApp& app) {
  json body;
  if (auto err = read_json_body(req, &body)) return *err;
  // Other members are ignored (API.md section 0).
  if (!body.contains("deviceId") || !body["deviceId"].is_string() ||
      !valid_device_id(body["deviceId"].get<std::string>()))
    return error_reply(ApiError::kInvalidRequest, "deviceId must match [A-Za-z0-9._~-]{1,128}");
  if (!body.contains("passcode") || !body["passcode"].is_string() ||
      !valid_passcode(body["passcode"].get<std::string>()))
    return error_reply(ApiError::kInvalidRequest, "passcode must be 4-12 digits");
  Result<std::string> phc = hash_password(body["passcode"].get<std::string>(), ctx.argon2());
  if (!phc.ok()) return status_reply(phc.status());
  Device d{who.user_id, body["deviceId"], app.id, *phc, 0, now_seconds(), std::nullopt};
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  if (st.ok()) st = ctx.store->insert_device(d);
  if (st.ok()) st = commit_audited(ctx, txn, {device_event(ctx, "added", d.device_id)});
  if (st.is_conflict())
    return error_reply(ApiError::kConflict, "this deviceId is already registered");
  if (!st.ok()) return status_reply(st);
  return json_reply(device_json(d), 201);
}

Response devices_list(Context& ctx, const Request&, const PathParams&, const Principal& who,
                      const ClientApp&) {
  Result<std::vector<Device>> list = ctx.store->list_devices(who.user_id);
  if (!list.ok()) return status_reply(list.status());
  json devices = json::array();
  for (const auto& d : *list) devices.push_back(device_json(d));
  return json_reply({{"devices", devices}});
}

Response devices_delete(Context& ctx, const Request&, const PathParams& p, const Principal& who,
                        const ClientApp&) {
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  if (st.ok()) st = ctx.store->delete_device(who.user_id, p[0]);
  if (st.ok()) st = commit_audited(ctx, txn, {device_event(ctx, "removed", p[0])});
  if (!st.ok()) return status_reply(st, "device not found");
  return json_reply(json::object());
}

}  // namespace access_service
