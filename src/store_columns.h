// The column lists both store backends read and write in the same order
// (read_client / read_user / read_audit in sqlite_store.cpp and pg_store.cpp follow it).
// Private to the backends.
#pragma once

namespace access_service {

inline constexpr char kClientCols[] =
    "id, client_id, app_name, secret_hash, grant_types, redirect_uris, scope, access_seconds, "
    "refresh_seconds, auto_approve, enabled, created_at, require_pkce, auth_failures, "
    "auth_window_start";
inline constexpr char kUserCols[] =
    "id, email, password_hash, first_name, last_name, other_name, mobile_number, roles, "
    "mfa_enabled, enabled, created_at";
// audit_events: created_at is AuditEvent::created_ms.
inline constexpr char kAuditCols[] =
    "created_at, id, type, ip, user_agent, actor, user_id, client_id, username, outcome, details";

}  // namespace access_service
