// The life of one request around the router: what it says about itself goes
// into ctx.current (request_id, ip, user agent), the router and the handler
// run, then the reply gets X-Request-Id, the shared metrics count it (route,
// status, latency, grant outcome, store lock waits) and one log line says
// what happened:
//   event "request": method, route (the pattern, never the raw path: ids and
//   queries stay out of the log), status, ms (latency), client, user,
//   requestId; at log.level debug also ip, userAgent, the request body's size
//   and, for an error reply, its error code.
// request_id is nginx's $request_id (the REQUEST_ID FastCGI parameter) when
// it is 1-64 characters of [A-Za-z0-9._-]; otherwise one is made here, so
// that every line and every reply has one.
#pragma once

#include "access/core/context.h"
#include "access/http/http.h"

namespace access_service {

Response serve_request(Context& ctx, const Request& req);

}  // namespace access_service
