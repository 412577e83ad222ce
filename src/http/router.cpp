#include "access/http/router.h"

#include <exception>

#include "access/core/log.h"
#include "access/http/route_access.h"

namespace access_service {
namespace {

// A route: method, pattern, and the handler with the guard it needs
// (route_access.h). The guard is part of the entry on purpose: who may call
// a path is read here, next to the path.
struct Route {
  const char* method;
  const char* pattern;
  Handler handler;
};

const Route kRoutes[] = {
    {"GET", "/api/health", handle_health},
    {"GET", "/api/health/ready", handle_health_ready},
    {"GET", "/metrics", handle_metrics},
    {"GET", "/api/v1/audit", via_admin<audit_list>},
    {"POST", "/api/oauth/token", handle_token},
    {"POST", "/api/oauth/revoke", handle_revoke},
    {"POST", "/api/oauth/introspect", handle_introspect},
    {"GET", "/.well-known/oauth-authorization-server", handle_metadata},
    {"POST", "/api/v1/auth/token/revoke", via_principal<auth_token_revoke>},
    {"PUT", "/api/v1/users/me/expire", via_bearer<account_signout_everywhere>},
    {"GET", "/api/oauth/authorize", handle_authorize},
    {"POST", "/api/oauth/authorize", handle_consent},
    {"GET", "/api/oauth/authorize/requests/{}", handle_authorize_request},
    {"POST", "/api/oauth/signin", handle_signin},
    {"GET", "/api/oauth/signin", handle_signin_context},
    {"POST", "/api/oauth/signout", handle_signout},
    {"GET", "/api/v1/users/me/applications/approvals", via_bearer<account_approvals_list>},
    {"DELETE", "/api/v1/users/me/applications/approvals/{}", via_bearer<account_approvals_delete>},
    {"POST", "/api/v1/clientapps", via_admin<clientapps_create>},
    {"GET", "/api/v1/clientapps", via_admin<clientapps_list>},
    {"GET", "/api/v1/clientapps/{}", via_admin<clientapps_get>},
    {"PUT", "/api/v1/clientapps/{}", via_admin<clientapps_update>},
    {"DELETE", "/api/v1/clientapps/{}", via_admin<clientapps_delete>},
    {"PUT", "/api/v1/clientapps/{}/enable", via_admin<clientapps_enable>},
    {"GET", "/api/v1/dashboard/clients", via_admin<dashboard_clients>},
    {"GET", "/api/v1/users/me", via_bearer<account_profile_get>},
    {"PUT", "/api/v1/users/me", via_bearer<account_profile_put>},
    {"POST", "/api/v1/users/me/devices", via_device_app<devices_create>},
    {"GET", "/api/v1/users/me/devices", via_device_app<devices_list>},
    {"DELETE", "/api/v1/users/me/devices/{}", via_device_app<devices_delete>},
    // Account self-service (account.h): bearer under /api/v1/users/me, the
    // account page's session under /api/account.
    {"PUT", "/api/v1/users/me/password", via_bearer<account_password_put>},
    {"GET", "/api/v1/users/me/mfa", via_bearer<account_mfa_get>},
    {"POST", "/api/v1/users/me/mfa", via_bearer<account_mfa_post>},
    {"PUT", "/api/v1/users/me/mfa", via_bearer<account_mfa_put>},
    {"DELETE", "/api/v1/users/me/mfa", via_bearer<account_mfa_delete>},
    {"POST", "/api/v1/users/me/mfa/recovery-codes", via_bearer<account_recovery_codes_post>},
    {"GET", "/api/account/session", handle_account_session},
    {"PUT", "/api/account/profile", via_session<account_profile_put>},
    {"PUT", "/api/account/password", via_session<account_password_put>},
    {"GET", "/api/account/mfa", via_session<account_mfa_get>},
    {"POST", "/api/account/mfa", via_session<account_mfa_post>},
    {"PUT", "/api/account/mfa", via_session<account_mfa_put>},
    {"DELETE", "/api/account/mfa", via_session<account_mfa_delete>},
    {"POST", "/api/account/mfa/recovery-codes", via_session<account_recovery_codes_post>},
    {"GET", "/api/account/approvals", via_session<account_approvals_list>},
    {"DELETE", "/api/account/approvals/{}", via_session<account_approvals_delete>},
    {"GET", "/api/account/devices", via_session<account_devices_list>},
    {"DELETE", "/api/account/devices/{}", via_session<account_devices_delete>},
    {"POST", "/api/account/signout", via_session<account_signout>},
    {"POST", "/api/account/signout-everywhere", via_session<account_signout_everywhere>},
    {"POST", "/api/v1/users", via_admin<users_create>},
    {"GET", "/api/v1/users", via_admin<users_list>},
    // After every /api/v1/users/me route, so that "me" is never taken for an id.
    {"PUT", "/api/v1/users/{}", via_admin<users_update>},
};

static_assert(sizeof(kRoutes) / sizeof(kRoutes[0]) < kMetricsMaxRoutes,
              "metrics.h counts every route (and one more for no route)");

// Matches `path` against `pattern` segment by segment, collecting "{}" values.
// A "{}" matches one non-empty segment.
bool match(const std::string& pattern, const std::string& path, PathParams* params) {
  params->clear();
  size_t i = 0, j = 0;
  while (i < pattern.size() && j < path.size()) {
    if (pattern.compare(i, 2, "{}") == 0) {
      size_t end = path.find('/', j);
      if (end == std::string::npos) end = path.size();
      if (end == j) return false;
      params->push_back(path.substr(j, end - j));
      i += 2;
      j = end;
    } else if (pattern[i] == path[j]) {
      ++i;
      ++j;
    } else {
      return false;
    }
  }
  return i == pattern.size() && j == path.size();
}

}  // namespace

int route_count() { return static_cast<int>(sizeof(kRoutes) / sizeof(kRoutes[0])); }
const char* route_method(int i) { return kRoutes[i].method; }
const char* route_pattern(int i) { return kRoutes[i].pattern; }

Response route(Context& ctx, const Request& req) {
  std::string allow;
  PathParams params;
  const Route* found = nullptr;
  ctx.current.route = -1;
  for (const Route& r : kRoutes) {
    if (!match(r.pattern, req.path, &params)) continue;
    if (req.method == r.method) {
      found = &r;
      ctx.current.route = static_cast<int>(&r - kRoutes);
      break;
    }
    allow += (allow.empty() ? "" : ", ") + std::string(r.method);
  }
  if (!found) {
    if (!allow.empty())
      return error_reply(ApiError::kMethodNotAllowed, "method not allowed on this path", allow);
    return error_reply(ApiError::kNotFound, "no such endpoint");
  }
  try {
    return found->handler(ctx, req, params);
  } catch (const std::exception& e) {
    log_error(std::string("unhandled exception in ") + found->pattern + ": " + e.what());
  } catch (...) {
    log_error(std::string("unhandled exception in ") + found->pattern);
  }
  return error_reply(ApiError::kServerError, "internal error");
}

}  // namespace access_service
