// The column lists both store backends read and write in the same order
// (read_client / read_user in sqlite_store.cpp and pg_store.cpp follow it).
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

}  // namespace access_service
