// Router: maps (method, DOCUMENT_URI) to a handler. Patterns are literal
// segments with "{}" for one path parameter. A path that matches with another
// method answers 405 with Allow; no match answers 404. The last-resort catch
// for a request is here too: an exception becomes a 500 and a log line, never
// a dead worker.
#pragma once

#include "access/context.h"
#include "access/handlers.h"
#include "access/http.h"

namespace access_service {

Response route(Context& ctx, const Request& req);

}  // namespace access_service
