#include "access/oauth/audit.h"

#include <cstdio>
#include <cstring>

#include "access/core/log.h"
#include "access/core/strings.h"
#include "access/crypto/crypto.h"

namespace access_service {

const char* const kAuditTypes[] = {
    "sign_in.succeeded", "sign_in.failed",   "account.locked",  "client_auth.failed",
    "token.issued",      "refresh.reused",   "code.reused",     "token.revoked",
    "approval.granted",  "approval.revoked", "client.created",  "client.updated",
    "client.deleted",    "client.enabled",   "client.disabled", "user.created",
    "user.updated",      "user.disabled",    "user.enabled",    "user.mfa_changed",
    "device.added",      "device.removed",   "key.rotated",     "key.retired",
    "key.activated",     "user.deleted",
};
const int kAuditTypeCount = sizeof(kAuditTypes) / sizeof(kAuditTypes[0]);
static_assert(sizeof(kAuditTypes) / sizeof(kAuditTypes[0]) <= kMetricsAuditTypes,
              "metrics.h has room for every audit type");

int audit_type_index(const std::string& type) {
  for (int i = 0; i < kAuditTypeCount; ++i)
    if (type == kAuditTypes[i]) return i;
  return -1;
}

AuditEvent new_audit_event(const std::string& type, const std::string& outcome) {
  AuditEvent e;
  e.id = uuid7();
  e.type = type;
  e.created_ms = now_millis();
  e.outcome = outcome;
  e.details = "{}";
  return e;
}

namespace {

// A UUIDv7 (RFC 9562 5.7) for an event of this worker, without a call to the
// CSPRNG per event (ids are not secrets): the time in ms, then 12 bits of the
// worker's random seed, then 62 bits of seed + count. Unique across workers
// (random seeds) and increasing within one, so one request's events keep
// their order within a millisecond.
std::string worker_event_id(const Context& ctx, int64_t ms) {
  const uint64_t seed = ctx.audit_ids.seed;
  const uint64_t n = seed + ++ctx.audit_ids.count;
  const uint64_t hi = (static_cast<uint64_t>(ms) << 16) | 0x7000 | ((seed >> 52) & 0x0fff);
  const uint64_t lo = 0x8000000000000000ULL | (n & 0x3fffffffffffffffULL);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

}  // namespace

AuditEvent request_audit_event(const Context& ctx, const std::string& type,
                               const std::string& outcome) {
  AuditEvent e;
  e.type = type;
  e.created_ms = now_millis();
  e.id = worker_event_id(ctx, e.created_ms);
  e.outcome = outcome;
  e.details = "{}";
  e.ip = ctx.current.ip;
  e.user_agent = ctx.current.user_agent;
  e.user_id = ctx.current.user_id;
  e.client_id = ctx.current.client_id;
  e.actor = !e.user_id.empty() ? e.user_id : e.client_id;
  return e;
}

void set_details(AuditEvent* e, const nlohmann::json& d) {
  e->details = d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

// The event's line, written now (out == nullptr) or appended to *out.
void audit_line(const AuditEvent& e, const std::string& request_id, std::string* out) {
  const bool failure = e.outcome != "success";
  LogLine line(failure ? LogLevel::kWarn : LogLevel::kInfo, "audit");
  line.str("type", e.type)
      .str("ip", e.ip.empty() ? "-" : e.ip)
      .str("outcome", e.outcome)
      .str("id", e.id)
      .opt("actor", e.actor)
      .opt("userId", e.user_id)
      .opt("clientId", e.client_id)
      .opt("username", e.username)
      .opt("userAgent", e.user_agent)
      .raw_json("details", e.details.empty() ? "{}" : e.details)
      .opt("requestId", request_id);
  if (out)
    line.append_to(out);
  else
    line.emit();
}

}  // namespace

void log_audit(const AuditEvent& e, const std::string& request_id) {
  audit_line(e, request_id, nullptr);
}

void log_audit(Context& ctx, const AuditEvent& e) {
  // Inside a request the line waits for the request line: one write() for both.
  audit_line(e, ctx.current.request_id, ctx.current.collect_log ? &ctx.current.log_lines : nullptr);
  ctx.metrics.audit(audit_type_index(e.type));
}

namespace {

Status insert_all(Store& store, const std::vector<AuditEvent>& events) {
  for (const auto& e : events) {
    Status st = store.insert_audit(e);
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace

Status commit_audited(Store& store, WriteTransaction& txn, const std::vector<AuditEvent>& events) {
  Status st = txn.status();
  if (st.ok()) st = insert_all(store, events);
  return st.ok() ? txn.commit() : st;
}

Status commit_audited(Context& ctx, WriteTransaction& txn, const std::vector<AuditEvent>& events) {
  Status st = txn.status();
  if (st.ok()) st = insert_all(*ctx.store, events);
  if (st.ok()) st = txn.commit();
  if (!st.ok()) return st;
  for (const auto& e : events) log_audit(ctx, e);
  return st;
}

Status record_offline(const Config& config, const std::vector<AuditEvent>& events) {
  Result<std::unique_ptr<Store>> store = open_store(config);
  if (!store.ok()) return store.status();
  Status st = check_schema(**store, /*create_if_empty=*/false);
  if (!st.ok()) return st;
  WriteTransaction txn(**store);
  st = commit_audited(**store, txn, events);
  if (!st.ok()) return st;
  for (const auto& e : events) log_audit(e, "");
  return st;
}

void record_audit(Context& ctx, const AuditEvent& e) {
  Status st = ctx.store->insert_audit(e);
  if (!st.ok()) {
    ctx.metrics.add(Counter::kAuditStoreFailures);
    log_warn("audit event " + e.id + " (" + e.type + ") not stored: " + st.ToString());
  }
  log_audit(ctx, e);
}

bool sample_token_issued(Context& ctx) {
  const int every = ctx.config.audit_token_issued_sample;
  if (every <= 0) return false;
  return ctx.tokens_issued++ % static_cast<uint64_t>(every) == 0;
}

nlohmann::json audit_to_json(const AuditEvent& e) {
  using nlohmann::json;
  auto or_null = [](const std::string& s) { return s.empty() ? json() : json(s); };
  json details = json::parse(e.details, nullptr, false);
  if (details.is_discarded() || !details.is_object()) details = json::object();
  return {{"id", e.id},
          {"type", e.type},
          {"createdAt", rfc3339_millis(e.created_ms)},
          {"ip", or_null(e.ip)},
          {"userAgent", or_null(e.user_agent)},
          {"actor", or_null(e.actor)},
          {"userId", or_null(e.user_id)},
          {"clientId", or_null(e.client_id)},
          {"username", or_null(e.username)},
          {"outcome", e.outcome},
          {"details", details}};
}

}  // namespace access_service
