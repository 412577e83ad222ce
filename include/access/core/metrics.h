// Prometheus metrics of the whole worker pool (GET /metrics).
//
// Workers are processes, so the counters live in one shared-memory region
// that the master maps (MAP_SHARED | MAP_ANONYMOUS: nothing on disk, gone
// with the last process) before it forks any worker. The region is an array
// of slots: slot 0 is the master's, every worker writes only its own. A slot
// has a single writer, so a counter is bumped with a relaxed atomic load and
// store (no lock, no locked instruction); a scrape, in whichever worker
// nginx hands it to, reads every slot in use with relaxed loads and sums
// them. A worker that dies leaves its counts in its slot and its replacement
// goes on in the same slot, so the sums never go down while the master runs
// (Prometheus counters; a master restart starts them from zero again).
// During a reload old and new workers run side by side: room is kept for
// twice the largest pool (server.workers <= 256), and a slot's pages are
// touched only once a process uses it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "access/core/status.h"

namespace access_service {

constexpr int kMetricsMaxRoutes = 64;  // route table size; index kMetricsMaxRoutes - 1 = no route
constexpr int kMetricsSlots = 1 + 2 * 256;

// Statuses counted one by one; any other is counted as kOtherStatus.
constexpr int kMetricsStatuses[] = {200, 201, 204, 301, 302, 303, 304, 400, 401, 403,
                                    404, 405, 409, 413, 415, 429, 500, 502, 503};
constexpr int kMetricsStatusCount = sizeof(kMetricsStatuses) / sizeof(int) + 1;
// Latency histogram bucket bounds (microseconds; +Inf is implicit).
constexpr int64_t kLatencyBucketsMicros[] = {1000,   2500,   5000,   10000,   25000,   50000,
                                             100000, 250000, 500000, 1000000, 2500000, 5000000};
constexpr int kLatencyBuckets = sizeof(kLatencyBucketsMicros) / sizeof(int64_t) + 1;

// Grants of the token endpoint and how they ended: issued (2xx), refused
// (4xx: invalid_grant, unauthorized_client, ...) or failed (5xx).
enum class Grant { kPassword, kRefreshToken, kAuthorizationCode, kMfa, kOther, kCount };
enum class GrantOutcome { kIssued, kRefused, kFailed, kCount };

enum class Counter {
  kRefreshReuse,         // refresh token reuse detected: a family revoked
  kCodeReuse,            // authorization code presented again
  kLockoutAddress,       // an account locked for one client address
  kLockoutAccount,       // an account locked for every address
  kClientAuthFailures,   // client authentication refused (client_auth.failed)
  kSignInFailures,       // sign_in.failed
  kStoreWriteTxns,       // write transactions begun (StoreStats)
  kStoreLockWaitMicros,  // time waited for the write lock (StoreStats)
  kStoreDurableCommits,  // commits made durable before answering (StoreStats)
  kStoreWalSyncs,        // WAL fsyncs run for them (StoreStats; fewer: group commit)
  kAuditStoreFailures,   // audit events that could only be logged, not stored
  kWorkerRespawns,       // master: workers that died and were replaced
  kReloads,              // master: SIGHUP reloads done
  kCount
};

// Gauges the master sets in its slot.
enum class Gauge { kWorkers, kStartTime, kCount };

constexpr int kMetricsAuditTypes = 32;  // room for audit.h kAuditTypes

struct alignas(64) MetricsSlot {
  std::atomic<int64_t> owner;       // pid of the process writing it; 0 = never used
  std::atomic<int64_t> slots_used;  // slot 0 only: 1 + the highest slot ever taken
  std::atomic<uint64_t> requests[kMetricsMaxRoutes][kMetricsStatusCount];
  std::atomic<uint64_t> latency[kMetricsMaxRoutes][kLatencyBuckets];  // not cumulative
  std::atomic<uint64_t> latency_sum_micros[kMetricsMaxRoutes];
  std::atomic<uint64_t> grants[static_cast<int>(Grant::kCount)]
                              [static_cast<int>(GrantOutcome::kCount)];
  std::atomic<uint64_t> counters[static_cast<int>(Counter::kCount)];
  std::atomic<int64_t> gauges[static_cast<int>(Gauge::kCount)];
  std::atomic<uint64_t> audit[kMetricsAuditTypes];
};

// The mapping; created by the master before fork, inherited by every child.
class MetricsRegion {
 public:
  // Maps kMetricsSlots zeroed slots. kInternal when mmap fails.
  static Result<std::unique_ptr<MetricsRegion>> create();
  ~MetricsRegion();
  MetricsRegion(const MetricsRegion&) = delete;
  MetricsRegion& operator=(const MetricsRegion&) = delete;

  MetricsSlot* slot(int i) const { return &slots_[i]; }
  // The master, before it forks the process that will write slot `i`: the
  // slot is counted by scrapes from now on.
  void claim(int i) const;

 private:
  MetricsRegion(MetricsSlot* slots, size_t bytes) : slots_(slots), bytes_(bytes) {}
  MetricsSlot* slots_;
  size_t bytes_;
};

// One process's writer: every method is a no-op without a slot.
class MetricsWriter {
 public:
  MetricsWriter() = default;
  // Writes slot `i` (0 <= i < kMetricsSlots, claimed) from the calling
  // process. The master gives each worker a slot no other live process holds.
  MetricsWriter(const MetricsRegion& region, int i);

  // One answered request: route index (router.h; -1 = none matched), status
  // and latency.
  void request(int route, int status, int64_t micros);
  void grant(Grant grant, int status);
  void add(Counter c, uint64_t n = 1);
  void set(Gauge g, int64_t v);
  // An audit event of type index `i` (audit.h audit_type_index).
  void audit(int i);

 private:
  static void bump(std::atomic<uint64_t>& c, uint64_t n) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  MetricsSlot* slot_ = nullptr;
};

// What a scrape reads besides the counters (the scraping worker measures it).
struct ScrapeInfo {
  std::vector<std::pair<std::string, std::string>> routes;  // (method, pattern) by route index
  std::vector<std::string> audit_types;                     // by audit type index
  double signing_key_age_seconds = 0;
  int signing_keys = 0;
  int64_t database_bytes = 0;
  int64_t wal_bytes = 0;
};

// The Prometheus text exposition format (version 0.0.4) of the sums of every
// slot ever taken, plus the gauges of `info`.
std::string render_metrics(const MetricsRegion& region, const ScrapeInfo& info);

}  // namespace access_service
