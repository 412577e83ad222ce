// The endpoint handlers, one file per endpoint family under src/handlers/.
// Each validates its input first, does at most one store transaction, and
// replies; see API.md for what each path accepts and answers.
#pragma once

#include <string>
#include <vector>

#include "access/context.h"
#include "access/http.h"

namespace access_service {

// The values of the "{}" segments of the matched route, in order.
using PathParams = std::vector<std::string>;
using Handler = Response (*)(Context&, const Request&, const PathParams&);

// health.cpp: GET /api/health (liveness), GET /api/health/ready (readiness)
Response handle_health(Context&, const Request&, const PathParams&);
Response handle_health_ready(Context&, const Request&, const PathParams&);
// metrics.cpp: GET /metrics (Prometheus; metrics.allow addresses only)
Response handle_metrics(Context&, const Request&, const PathParams&);
// audit.cpp: GET /api/v1/audit (ROLE_SYSTEM_ADMIN)
Response handle_audit_list(Context&, const Request&, const PathParams&);
// token.cpp (+ token_*.cpp): POST /api/oauth/token
Response handle_token(Context&, const Request&, const PathParams&);
// authorize.cpp: GET /api/oauth/authorize, GET /api/oauth/authorize/requests/{rid},
// POST /api/oauth/signin, GET /api/oauth/signin (the CSRF token of the account
// page's sign-in), POST /api/oauth/authorize (consent), POST /api/oauth/signout
Response handle_authorize(Context&, const Request&, const PathParams&);
Response handle_authorize_request(Context&, const Request&, const PathParams&);
Response handle_signin(Context&, const Request&, const PathParams&);
Response handle_signin_context(Context&, const Request&, const PathParams&);
Response handle_consent(Context&, const Request&, const PathParams&);
Response handle_signout(Context&, const Request&, const PathParams&);
// approvals.cpp
Response handle_approvals_list(Context&, const Request&, const PathParams&);
Response handle_approvals_delete(Context&, const Request&, const PathParams&);
// revoke.cpp
Response handle_revoke(Context&, const Request&, const PathParams&);
Response handle_auth_token_revoke(Context&, const Request&, const PathParams&);
Response handle_users_me_expire(Context&, const Request&, const PathParams&);
// introspect.cpp: POST /api/oauth/introspect, GET /.well-known/oauth-authorization-server
Response handle_introspect(Context&, const Request&, const PathParams&);
Response handle_metadata(Context&, const Request&, const PathParams&);
// clientapps.cpp
Response handle_clientapps_create(Context&, const Request&, const PathParams&);
Response handle_clientapps_list(Context&, const Request&, const PathParams&);
Response handle_clientapps_get(Context&, const Request&, const PathParams&);
Response handle_clientapps_update(Context&, const Request&, const PathParams&);
Response handle_clientapps_delete(Context&, const Request&, const PathParams&);
Response handle_clientapps_enable(Context&, const Request&, const PathParams&);
Response handle_dashboard_clients(Context&, const Request&, const PathParams&);
// users.cpp
Response handle_users_me_get(Context&, const Request&, const PathParams&);
Response handle_users_me_put(Context&, const Request&, const PathParams&);
Response handle_users_create(Context&, const Request&, const PathParams&);
Response handle_users_list(Context&, const Request&, const PathParams&);
Response handle_users_update(Context&, const Request&, const PathParams&);
// devices.cpp
Response handle_devices_create(Context&, const Request&, const PathParams&);
Response handle_devices_list(Context&, const Request&, const PathParams&);
Response handle_devices_delete(Context&, const Request&, const PathParams&);

}  // namespace access_service
