// Removing what has expired, so that the database and the key directory do
// not grow without bound: expired tokens, codes, saved requests, sessions and
// lockout counters, and audit events older than audit.retention_days (in
// batches, each in a short transaction, so that a purge never holds the
// write lock for long), then a WAL checkpoint, then signing keys whose
// overlap has passed (key_ring.h), each recorded as a key.retired audit
// event (reason "expired") by `actor`.
//
// Run by `accessctl purge` and, every store.purge_interval_seconds, by a
// short-lived child the master forks (it opens its own database connection).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "access/core/config.h"
#include "access/store/store.h"

namespace access_service {

struct PurgeReport {
  int64_t rows = 0;                // expired database rows removed
  int64_t audit_events = 0;        // audit events past retention removed
  int keys = 0;                    // key files removed
  std::vector<AuditEvent> events;  // the key.retired events stored (for a log line)
};

Result<PurgeReport> purge_expired(const Config& config, Store& store, int64_t now,
                                  const std::string& actor);

}  // namespace access_service
