#include "access/api.h"
#include "access/handlers.h"

namespace access_service {

Response handle_health(Context& ctx, const Request&, const PathParams&) {
  Status st = ctx.store->ping();
  if (!st.ok()) return status_reply(Status::Unavailable(st.message()));
  return json_reply({{"status", "ok"}});
}

}  // namespace access_service
