#include "access/core/metrics.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>

namespace access_service {

// Shared between processes, so the atomics must not hide a lock; and an
// mmap'ed zero page must be a valid zero (true of lock-free integers).
static_assert(std::atomic<uint64_t>::is_always_lock_free, "lock-free counters");
static_assert(std::atomic<int64_t>::is_always_lock_free, "lock-free gauges");

Result<std::unique_ptr<MetricsRegion>> MetricsRegion::create() {
  const size_t bytes = sizeof(MetricsSlot) * kMetricsSlots;
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return Status::Internal("metrics: cannot map shared memory");
  return std::unique_ptr<MetricsRegion>(new MetricsRegion(static_cast<MetricsSlot*>(p), bytes));
}

MetricsRegion::~MetricsRegion() { munmap(slots_, bytes_); }

void MetricsRegion::claim(int i) const {
  // Only the master claims, so this read-then-write has one writer too.
  std::atomic<int64_t>& used = slots_[0].slots_used;
  if (used.load(std::memory_order_relaxed) < i + 1) used.store(i + 1, std::memory_order_relaxed);
  slots_[i].owner.store(getpid(), std::memory_order_relaxed);
}

MetricsWriter::MetricsWriter(const MetricsRegion& region, int i) : slot_(region.slot(i)) {
  slot_->owner.store(getpid(), std::memory_order_relaxed);
}

namespace {

int status_index(int status) {
  for (int i = 0; i < kMetricsStatusCount - 1; ++i)
    if (kMetricsStatuses[i] == status) return i;
  return kMetricsStatusCount - 1;
}

}  // namespace

void MetricsWriter::request(int route, int status, int64_t micros) {
  if (!slot_) return;
  if (route < 0 || route >= kMetricsMaxRoutes - 1) route = kMetricsMaxRoutes - 1;
  bump(slot_->requests[route][status_index(status)], 1);
  int b = 0;
  while (b < kLatencyBuckets - 1 && micros > kLatencyBucketsMicros[b]) ++b;
  bump(slot_->latency[route][b], 1);
  bump(slot_->latency_sum_micros[route], micros > 0 ? static_cast<uint64_t>(micros) : 0);
}

void MetricsWriter::grant(Grant g, int status) {
  if (!slot_) return;
  GrantOutcome o = status < 400   ? GrantOutcome::kIssued
                   : status < 500 ? GrantOutcome::kRefused
                                  : GrantOutcome::kFailed;
  bump(slot_->grants[static_cast<int>(g)][static_cast<int>(o)], 1);
}

void MetricsWriter::add(Counter c, uint64_t n) {
  if (slot_ && n) bump(slot_->counters[static_cast<int>(c)], n);
}

void MetricsWriter::set(Gauge g, int64_t v) {
  if (slot_) slot_->gauges[static_cast<int>(g)].store(v, std::memory_order_relaxed);
}

void MetricsWriter::audit(int i) {
  if (slot_ && i >= 0 && i < kMetricsAuditTypes) bump(slot_->audit[i], 1);
}

namespace {

// Sums of every slot in use.
struct Totals {
  uint64_t requests[kMetricsMaxRoutes][kMetricsStatusCount] = {};
  uint64_t latency[kMetricsMaxRoutes][kLatencyBuckets] = {};
  uint64_t latency_sum[kMetricsMaxRoutes] = {};
  uint64_t grants[static_cast<int>(Grant::kCount)][static_cast<int>(GrantOutcome::kCount)] = {};
  uint64_t counters[static_cast<int>(Counter::kCount)] = {};
  int64_t gauges[static_cast<int>(Gauge::kCount)] = {};
  uint64_t audit[kMetricsAuditTypes] = {};
};

uint64_t get(const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); }

void sum(const MetricsSlot& s, Totals* t) {
  for (int r = 0; r < kMetricsMaxRoutes; ++r) {
    for (int i = 0; i < kMetricsStatusCount; ++i) t->requests[r][i] += get(s.requests[r][i]);
    for (int b = 0; b < kLatencyBuckets; ++b) t->latency[r][b] += get(s.latency[r][b]);
    t->latency_sum[r] += get(s.latency_sum_micros[r]);
  }
  for (int g = 0; g < static_cast<int>(Grant::kCount); ++g)
    for (int o = 0; o < static_cast<int>(GrantOutcome::kCount); ++o)
      t->grants[g][o] += get(s.grants[g][o]);
  for (int c = 0; c < static_cast<int>(Counter::kCount); ++c) t->counters[c] += get(s.counters[c]);
  for (int g = 0; g < static_cast<int>(Gauge::kCount); ++g)
    t->gauges[g] += s.gauges[g].load(std::memory_order_relaxed);
  for (int a = 0; a < kMetricsAuditTypes; ++a) t->audit[a] += get(s.audit[a]);
}

// Label values are ours (route patterns, type names), but escaped anyway
// as the format requires (backslash, quote, newline).
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

class Exposition {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(const std::string& name, const std::string& labels, const std::string& value) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }
  void sample(const std::string& name, const std::string& labels, uint64_t value) {
    sample(name, labels, std::to_string(value));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string route_labels(const ScrapeInfo& info, int r) {
  if (r < static_cast<int>(info.routes.size()))
    return "method=\"" + label(info.routes[r].first) + "\",route=\"" +
           label(info.routes[r].second) + "\"";
  return "method=\"ANY\",route=\"unmatched\"";
}

void render_requests(const Totals& t, const ScrapeInfo& info, Exposition* e) {
  e->family("access_requests_total", "counter",
            "HTTP requests answered by the workers, by route and status.");
  for (int r = 0; r < kMetricsMaxRoutes; ++r)
    for (int i = 0; i < kMetricsStatusCount; ++i) {
      if (!t.requests[r][i]) continue;
      std::string status =
          i < kMetricsStatusCount - 1 ? std::to_string(kMetricsStatuses[i]) : "other";
      e->sample("access_requests_total", route_labels(info, r) + ",status=\"" + status + "\"",
                t.requests[r][i]);
    }
  e->family("access_request_duration_seconds", "histogram",
            "Time from reading a request to its response being ready, by route.");
  for (int r = 0; r < kMetricsMaxRoutes; ++r) {
    uint64_t count = 0;
    for (int b = 0; b < kLatencyBuckets; ++b) count += t.latency[r][b];
    if (!count) continue;
    const std::string labels = route_labels(info, r);
    uint64_t cumulative = 0;
    for (int b = 0; b < kLatencyBuckets; ++b) {
      cumulative += t.latency[r][b];
      std::string le = b < kLatencyBuckets - 1 ? number(kLatencyBucketsMicros[b] / 1e6) : "+Inf";
      e->sample("access_request_duration_seconds_bucket", labels + ",le=\"" + le + "\"",
                cumulative);
    }
    e->sample("access_request_duration_seconds_sum", labels, number(t.latency_sum[r] / 1e6));
    e->sample("access_request_duration_seconds_count", labels, count);
  }
}

void render_security(const Totals& t, const ScrapeInfo& info, Exposition* e) {
  static const char* kGrants[] = {"password", "refresh_token", "authorization_code", "mfa",
                                  "other"};
  static const char* kOutcomes[] = {"issued", "refused", "failed"};
  e->family(
      "access_grants_total", "counter",
      "Token endpoint grants by grant type and outcome (issued 2xx, refused 4xx, failed 5xx).");
  for (int g = 0; g < static_cast<int>(Grant::kCount); ++g)
    for (int o = 0; o < static_cast<int>(GrantOutcome::kCount); ++o)
      e->sample("access_grants_total",
                std::string("grant_type=\"") + kGrants[g] + "\",outcome=\"" + kOutcomes[o] + "\"",
                t.grants[g][o]);
  auto counter = [&](const char* name, const char* help, Counter c) {
    e->family(name, "counter", help);
    e->sample(name, "", t.counters[static_cast<int>(c)]);
  };
  counter("access_refresh_reuse_total",
          "Refresh tokens presented again after rotation: each revoked its token family.",
          Counter::kRefreshReuse);
  counter("access_code_reuse_total",
          "Authorization codes presented again: each revoked what the code had issued.",
          Counter::kCodeReuse);
  e->family("access_lockouts_total", "counter",
            "Accounts locked after repeated failed sign-ins, for one client address or for all.");
  e->sample("access_lockouts_total", "scope=\"address\"",
            t.counters[static_cast<int>(Counter::kLockoutAddress)]);
  e->sample("access_lockouts_total", "scope=\"account\"",
            t.counters[static_cast<int>(Counter::kLockoutAccount)]);
  counter("access_client_auth_failures_total",
          "Client authentications refused (unknown client, wrong secret, throttled, ...).",
          Counter::kClientAuthFailures);
  counter("access_sign_in_failures_total",
          "Failed sign-ins (wrong password or code, unknown user, locked, app not permitted).",
          Counter::kSignInFailures);
  e->family("access_audit_events_total", "counter", "Audit events recorded, by type.");
  for (size_t a = 0; a < info.audit_types.size() && a < kMetricsAuditTypes; ++a)
    e->sample("access_audit_events_total", "type=\"" + label(info.audit_types[a]) + "\"",
              t.audit[a]);
  counter("access_audit_store_failures_total",
          "Audit events written to the log but not stored (the database refused the write).",
          Counter::kAuditStoreFailures);
}

void render_process(const Totals& t, const ScrapeInfo& info, Exposition* e) {
  e->family("access_store_write_transactions_total", "counter",
            "Database write transactions begun.");
  e->sample("access_store_write_transactions_total", "",
            t.counters[static_cast<int>(Counter::kStoreWriteTxns)]);
  e->family("access_store_lock_wait_seconds_total", "counter",
            "Time spent waiting for the database write lock before write transactions.");
  e->sample("access_store_lock_wait_seconds_total", "",
            number(t.counters[static_cast<int>(Counter::kStoreLockWaitMicros)] / 1e6));
  e->family("access_store_durable_commits_total", "counter",
            "SQLite commits made durable before the answer (store.synchronous FULL).");
  e->sample("access_store_durable_commits_total", "",
            t.counters[static_cast<int>(Counter::kStoreDurableCommits)]);
  e->family("access_store_wal_syncs_total", "counter",
            "WAL fsyncs run for them; fewer than the commits when one sync covered several "
            "(group commit).");
  e->sample("access_store_wal_syncs_total", "",
            t.counters[static_cast<int>(Counter::kStoreWalSyncs)]);
  e->family("access_worker_respawns_total", "counter", "Workers that died and were replaced.");
  e->sample("access_worker_respawns_total", "",
            t.counters[static_cast<int>(Counter::kWorkerRespawns)]);
  e->family("access_reloads_total", "counter", "Configuration and key reloads (SIGHUP) done.");
  e->sample("access_reloads_total", "", t.counters[static_cast<int>(Counter::kReloads)]);
  e->family("access_workers", "gauge", "Worker processes the master keeps running.");
  e->sample("access_workers", "", std::to_string(t.gauges[static_cast<int>(Gauge::kWorkers)]));
  e->family("access_start_time_seconds", "gauge", "Unix time the master started.");
  e->sample("access_start_time_seconds", "",
            std::to_string(t.gauges[static_cast<int>(Gauge::kStartTime)]));
  e->family("access_signing_key_age_seconds", "gauge", "Age of the key that signs new tokens.");
  e->sample("access_signing_key_age_seconds", "", number(info.signing_key_age_seconds));
  e->family("access_signing_keys", "gauge",
            "Keys loaded (the signing key and older ones that verify).");
  e->sample("access_signing_keys", "", std::to_string(info.signing_keys));
  e->family("access_database_size_bytes", "gauge", "Size of the database file.");
  e->sample("access_database_size_bytes", "", std::to_string(info.database_bytes));
  e->family("access_wal_size_bytes", "gauge", "Size of the database's write-ahead log.");
  e->sample("access_wal_size_bytes", "", std::to_string(info.wal_bytes));
}

}  // namespace

std::string render_metrics(const MetricsRegion& region, const ScrapeInfo& info) {
  auto t = std::make_unique<Totals>();
  const int64_t used = region.slot(0)->slots_used.load(std::memory_order_relaxed);
  for (int i = 0; i < used && i < kMetricsSlots; ++i) sum(*region.slot(i), t.get());
  Exposition e;
  render_requests(*t, info, &e);
  render_security(*t, info, &e);
  render_process(*t, info, &e);
  return e.take();
}

}  // namespace access_service
