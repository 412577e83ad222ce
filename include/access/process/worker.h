// A worker process: opens its own store connection and loads keys (after
// fork), then serves FastCGI requests until SIGTERM, finishing the request in
// hand first. One bad request never ends a worker (see router.h).
#pragma once

#include "access/core/config.h"
#include "access/core/metrics.h"

namespace access_service {

// Never returns: exits 0 after a clean stop, 2 when it cannot start. Counts
// into slot `slot` of `metrics` (metrics.h), which the master mapped and
// claimed for it before the fork.
[[noreturn]] void run_worker(const Config& config, int listen_fd, const MetricsRegion& metrics,
                             int slot);

}  // namespace access_service
