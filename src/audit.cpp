#include "access/audit.h"

#include <cstring>

#include "access/crypto.h"
#include "access/log.h"
#include "access/strings.h"

namespace access_service {

const char* const kAuditTypes[] = {
    "sign_in.succeeded", "sign_in.failed",  "account.locked",   "client_auth.failed",
    "token.issued",      "refresh.reused",  "code.reused",      "token.revoked",
    "approval.granted",  "approval.revoked", "client.created",  "client.updated",
    "client.deleted",    "client.enabled",  "client.disabled",  "user.created",
    "user.updated",      "user.disabled",   "user.enabled",     "user.mfa_changed",
    "device.added",      "device.removed",  "key.rotated",      "key.retired",
    "key.activated",
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

AuditEvent request_audit_event(const Context& ctx, const std::string& type,
                               const std::string& outcome) {
  AuditEvent e = new_audit_event(type, outcome);
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

void log_audit(const AuditEvent& e, const std::string& request_id) {
  const bool failure = e.outcome != "success";
  LogLine(failure ? LogLevel::kWarn : LogLevel::kInfo, "audit")
      .str("type", e.type)
      .str("ip", e.ip.empty() ? "-" : e.ip)
      .str("outcome", e.outcome)
      .str("id", e.id)
      .opt("actor", e.actor)
      .opt("userId", e.user_id)
      .opt("clientId", e.client_id)
      .opt("username", e.username)
      .opt("userAgent", e.user_agent)
      .raw_json("details", e.details.empty() ? "{}" : e.details)
      .opt("requestId", request_id)
      .emit();
}

void log_audit(Context& ctx, const AuditEvent& e) {
  log_audit(e, ctx.current.request_id);
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
  Status st = (*store)->migrate();
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
