// GET /metrics: the Prometheus text exposition of the whole worker pool
// (metrics.h), to the addresses of metrics.allow only (loopback by default).
#include <sys/stat.h>

#include <ctime>

#include "access/core/cidr.h"
#include "access/handlers/handlers.h"
#include "access/http/api.h"
#include "access/http/router.h"
#include "access/oauth/audit.h"

namespace access_service {
namespace {

ScrapeInfo scrape_info(const Context& ctx) {
  ScrapeInfo info;
  for (int i = 0; i < route_count(); ++i)
    info.routes.emplace_back(route_method(i), route_pattern(i));
  for (int i = 0; i < kAuditTypeCount; ++i) info.audit_types.emplace_back(kAuditTypes[i]);
  if (ctx.signer && !ctx.signer->keys().empty()) {
    info.signing_keys = static_cast<int>(ctx.signer->keys().size());
    // The key file's modification time: when `accessctl key rotate` wrote it.
    struct stat st {};
    if (stat(ctx.signer->active().file.c_str(), &st) == 0)
      info.signing_key_age_seconds = std::difftime(std::time(nullptr), st.st_mtime);
  }
  const Store::Sizes sizes = ctx.store->sizes();
  info.database_bytes = sizes.database_bytes;
  info.wal_bytes = sizes.wal_bytes;
  return info;
}

}  // namespace

Response handle_metrics(Context& ctx, const Request& req, const PathParams&) {
  if (!address_allowed(ctx.config.metrics_allow, req.remote_addr))
    return error_reply(ApiError::kAccessDenied, "metrics are not served to this address");
  if (!ctx.metrics_region)
    return error_reply(ApiError::kNotFound, "metrics are not kept by this process");
  Response r;
  r.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  r.set_header("Cache-Control", "no-store");
  r.body = render_metrics(*ctx.metrics_region, scrape_info(ctx));
  return r;
}

}  // namespace access_service
