// Who may call a route, declared in the route table (router.cpp kRoutes)
// next to the path, as an nginx module declares the phase it runs in. A
// guarded handler starts after the check has passed and receives the caller
// it proved (the admin operations need none: the role is all they check); it
// never authenticates the request itself, so a route cannot lose its check by
// an edit to the handler's body.
//
//   handle_x                 no guard: public, or the handler authenticates
//                            something other than a user (the token endpoint's
//                            client, the browser flow's cookies)
//   via_admin<op>            a full access token holding ROLE_SYSTEM_ADMIN
//   via_principal<op>        any full access token; op gets its Principal
//   via_device_app<op>       a full access token issued to an app with the
//                            `device` option; op gets the Principal and the app
//   via_bearer<op>           the account operations (account.h) with a bearer
//   via_session<op>          ... and with the account page's session + CSRF
//
// The refusals: no or a bad token 401 invalid_token (api.h
// authenticate_bearer); a valid token without the role or the app option 403
// access_denied; a session check as account.h account_from_session says.
#pragma once

#include "access/handlers/account.h"
#include "access/handlers/handlers.h"
#include "access/http/api.h"

namespace access_service {

using PrincipalOp = Response (*)(Context&, const Request&, const PathParams&, const Principal&);
using DeviceAppOp = Response (*)(Context&, const Request&, const PathParams&, const Principal&,
                                 const ClientApp&);

// The app a device request's token was issued to, when it has the `device`
// option; otherwise 403 access_denied.
std::optional<Response> device_app_of(Context& ctx, const Principal& who, ClientApp* out);

template <Handler op>
Response via_admin(Context& ctx, const Request& req, const PathParams& p) {
  Principal who;
  if (auto err = authenticate_role(ctx, req, kSystemAdmin, &who)) return *err;
  return op(ctx, req, p);
}

template <PrincipalOp op>
Response via_principal(Context& ctx, const Request& req, const PathParams& p) {
  Principal who;
  if (auto err = authenticate_bearer(ctx, req, &who)) return *err;
  return op(ctx, req, p, who);
}

template <DeviceAppOp op>
Response via_device_app(Context& ctx, const Request& req, const PathParams& p) {
  Principal who;
  if (auto err = authenticate_bearer(ctx, req, &who)) return *err;
  ClientApp app;
  if (auto err = device_app_of(ctx, who, &app)) return *err;
  return op(ctx, req, p, who, app);
}

template <AccountOp op>
Response via_bearer(Context& ctx, const Request& req, const PathParams& p) {
  AccountCaller who;
  if (auto err = account_from_bearer(ctx, req, &who)) return *err;
  return op(ctx, req, p, who);
}

template <AccountOp op>
Response via_session(Context& ctx, const Request& req, const PathParams& p) {
  AccountCaller who;
  if (auto err = account_from_session(ctx, req, &who)) return *err;
  return op(ctx, req, p, who);
}

}  // namespace access_service
