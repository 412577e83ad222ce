#include "access/purge.h"

#include "access/key_mirror.h"
#include "access/key_ring.h"

namespace access_service {

Result<PurgeReport> purge_expired(const Config& config, Store& store, int64_t now) {
  constexpr int kBatch = 500;
  PurgeReport report;
  // Each round removes up to kBatch rows of each kind; stop when a round
  // finds little left (and after a bounded number of rounds in any case).
  for (int round = 0; round < 1000; ++round) {
    Result<int64_t> n = store.purge_expired(now, kBatch);
    if (!n.ok()) return n.status();
    report.rows += *n;
    if (*n < kBatch) break;
  }
  Status st = store.checkpoint();
  if (!st.ok()) return st;
  st = change_keys(config, store, [&]() -> Status {
    Result<int> keys = purge_expired_keys(config.key_dir, now);
    if (!keys.ok()) return keys.status();
    report.keys = *keys;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return report;
}

}  // namespace access_service
