// The security audit trail (API.md section 8): who did what, from where,
// and how it ended. Each event is one row of the store (AuditEvent), written
// in the same transaction as the change it records, and one log line (event
// "audit") once that transaction has committed.
//
// Types are dotted names, stable (listed in API.md and kAuditTypes). An
// event's members: id (UUIDv7), type, createdAt (ms), ip and userAgent of
// the request, actor (the bearer user, else the authenticated client, or
// "accessctl" / "access-service"), userId, clientId, username as typed (for
// failures), outcome ("success" | "failure") and details (a JSON object).
// Never a password, secret, token, code or passcode: details carry ids
// (jti, family id, kid) and reasons only.
//
// token.issued is recorded for one in audit.token_issued_sample grants per
// worker (0 = none): a busy server issues thousands a second. Every other
// type is always recorded.
//
// The log line of a failure is at level warn, the others at info, with the
// fields in a fixed order (type, ip first: conf/fail2ban matches
// sign_in.failed and client_auth.failed lines by ip before any member a
// client chose).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "access/core/context.h"
#include "access/store/store.h"

namespace access_service {

extern const char* const kAuditTypes[];
extern const int kAuditTypeCount;
// Index of `type` in kAuditTypes, or -1.
int audit_type_index(const std::string& type);

constexpr size_t kMaxUserAgentBytes = 200;
constexpr size_t kMaxAuditUsernameBytes = 256;

// A new event: id, type, createdAt now, outcome; nothing else.
AuditEvent new_audit_event(const std::string& type, const std::string& outcome = "success");
// A new event from the request in hand (ctx.current): ip, userAgent, userId,
// clientId, and actor (the user, else the client).
AuditEvent request_audit_event(const Context& ctx, const std::string& type,
                               const std::string& outcome = "success");
// Sets details to `d` (an object) serialised.
void set_details(AuditEvent* e, const nlohmann::json& d);

// Inserts `events` in the open transaction `txn`, commits it, and once it is
// committed writes each event's log line (and counts it in ctx.metrics).
// The status of the first failure; then nothing is logged (the transaction
// rolls back when `txn` goes out of scope).
Status commit_audited(Context& ctx, WriteTransaction& txn, const std::vector<AuditEvent>& events);
// The same for tools without a worker context, without the log line:
// accessctl's stderr is the operator's terminal, and the row is the record.
Status commit_audited(Store& store, WriteTransaction& txn, const std::vector<AuditEvent>& events);

// For a process without a store of its own (the master): opens the store
// of `config` (which must be at the current schema), stores `events` in one transaction,
// logs them, and closes it again, so that no connection outlives the call
// (the master forks workers; SQLite connections must not cross a fork).
Status record_offline(const Config& config, const std::vector<AuditEvent>& events);

// An event that goes with no other change (a failed sign-in, a refused
// client): stored on its own, and logged even when it cannot be stored (so
// fail2ban still sees it; the store failure is counted and logged).
void record_audit(Context& ctx, const AuditEvent& event);

// The log line of an event that was stored (by commit_audited, record_audit
// or a store operation such as rotate_refresh), counted in ctx.metrics.
void log_audit(Context& ctx, const AuditEvent& event);
void log_audit(const AuditEvent& event, const std::string& request_id);

// True when this token.issued event is to be recorded (the sample).
bool sample_token_issued(Context& ctx);

// The API form: {"id","type","createdAt","ip","userAgent","actor","userId",
// "clientId","username","outcome","details"} (absent members null).
nlohmann::json audit_to_json(const AuditEvent& e);

}  // namespace access_service
