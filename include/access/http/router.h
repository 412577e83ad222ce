// Router: maps (method, DOCUMENT_URI) to a handler. Patterns are literal
// segments with "{}" for one path parameter. A path that matches with another
// method answers 405 with Allow; no match answers 404. The last-resort catch
// for a request is here too: an exception becomes a 500 and a log line, never
// a dead worker.
#pragma once

#include "access/core/context.h"
#include "access/handlers/handlers.h"
#include "access/http/http.h"

namespace access_service {

// Sets ctx.current.route to the matched route's index (-1 when none).
Response route(Context& ctx, const Request& req);

// The route table, for metrics labels and log lines: route_count() entries,
// each a method and a pattern ("/api/v1/clientapps/{}").
int route_count();
const char* route_method(int i);
const char* route_pattern(int i);

}  // namespace access_service
