// The endpoint handlers, one file per endpoint family under src/handlers/.
// Each validates its input first, does at most one store transaction, and
// replies; see API.md for what each path accepts and answers.
//
// `handle_*` functions are routed as they are: public, or they authenticate
// what is not a user (the token endpoint's client, the browser flow's
// cookies). The others are operations that the route table wraps in the
// guard named in their comment (route_access.h): they start after the caller
// is proved.
#pragma once

#include <string>
#include <vector>

#include "access/core/context.h"
#include "access/http/http.h"

namespace access_service {

// The values of the "{}" segments of the matched route, in order.
using PathParams = std::vector<std::string>;
using Handler = Response (*)(Context&, const Request&, const PathParams&);

struct ClientApp;  // store.h
struct Principal;  // api.h

// health.cpp: GET /api/health (liveness), GET /api/health/ready (readiness)
Response handle_health(Context&, const Request&, const PathParams&);
Response handle_health_ready(Context&, const Request&, const PathParams&);
// metrics.cpp: GET /metrics (Prometheus; metrics.allow addresses only)
Response handle_metrics(Context&, const Request&, const PathParams&);
// audit.cpp: GET /api/v1/audit (via_admin)
Response audit_list(Context&, const Request&, const PathParams&);
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
// revoke.cpp: POST /api/oauth/revoke (RFC 7009, client authentication), POST
// /api/v1/auth/token/revoke (via_principal: the bearer revokes itself)
Response handle_revoke(Context&, const Request&, const PathParams&);
Response auth_token_revoke(Context&, const Request&, const PathParams&, const Principal&);
// introspect.cpp: POST /api/oauth/introspect, GET /.well-known/oauth-authorization-server
Response handle_introspect(Context&, const Request&, const PathParams&);
Response handle_metadata(Context&, const Request&, const PathParams&);
// clientapps.cpp: /api/v1/clientapps, /api/v1/dashboard/clients (via_admin)
Response clientapps_create(Context&, const Request&, const PathParams&);
Response clientapps_list(Context&, const Request&, const PathParams&);
Response clientapps_get(Context&, const Request&, const PathParams&);
Response clientapps_update(Context&, const Request&, const PathParams&);
Response clientapps_delete(Context&, const Request&, const PathParams&);
Response clientapps_enable(Context&, const Request&, const PathParams&);
Response dashboard_clients(Context&, const Request&, const PathParams&);
// users.cpp: POST/GET /api/v1/users, PUT /api/v1/users/{id} (via_admin);
// users/me is an account operation (account.h)
Response users_create(Context&, const Request&, const PathParams&);
Response users_list(Context&, const Request&, const PathParams&);
Response users_update(Context&, const Request&, const PathParams&);
// devices.cpp: /api/v1/users/me/devices (via_device_app)
Response devices_create(Context&, const Request&, const PathParams&, const Principal&,
                        const ClientApp&);
Response devices_list(Context&, const Request&, const PathParams&, const Principal&,
                      const ClientApp&);
Response devices_delete(Context&, const Request&, const PathParams&, const Principal&,
                        const ClientApp&);

}  // namespace access_service
