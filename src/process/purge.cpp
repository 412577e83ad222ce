#include "access/process/purge.h"

#include "access/crypto/key_mirror.h"
#include "access/crypto/key_ring.h"
#include "access/oauth/audit.h"

namespace access_service {

Result<PurgeReport> purge_expired(const Config& config, Store& store, int64_t now,
                                  const std::string& actor) {
  constexpr int kBatch = 500;
  constexpr int kMaxRounds = 1000;
  PurgeReport report;
  // Each round removes up to kBatch rows of each kind; stop when a round
  // finds little left (and after a bounded number of rounds in any case).
  for (int round = 0; round < kMaxRounds; ++round) {
    Result<int64_t> n = store.purge_expired(now, kBatch);
    if (!n.ok()) return n.status();
    report.rows += *n;
    if (*n < kBatch) break;
  }
  if (config.audit_retention_days > 0) {
    const int64_t before_ms = (now - int64_t{config.audit_retention_days} * 86400) * 1000;
    for (int round = 0; round < kMaxRounds; ++round) {
      Result<int64_t> n = store.purge_audit(before_ms, kBatch);
      if (!n.ok()) return n.status();
      report.audit_events += *n;
      if (*n < kBatch) break;
    }
  }
  Status st = store.checkpoint();
  if (!st.ok()) return st;
  std::vector<std::string> kids;
  st = change_keys(config, store, [&]() -> Status {
    Result<std::vector<std::string>> keys = purge_expired_keys(config.key_dir, now);
    if (!keys.ok()) return keys.status();
    kids = std::move(*keys);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  report.keys = static_cast<int>(kids.size());
  if (kids.empty()) return report;
  std::vector<AuditEvent> events;
  for (const auto& kid : kids) {
    AuditEvent e = new_audit_event("key.retired");
    e.actor = actor;
    set_details(&e, {{"kid", kid}, {"reason", "expired"}});
    events.push_back(std::move(e));
  }
  WriteTransaction txn(store);
  st = commit_audited(store, txn, events);
  if (!st.ok()) return st;
  report.events = std::move(events);
  return report;
}

}  // namespace access_service
