// What both store backends share, private to them: the column lists they
// read and write in the same order (read_client / read_user / read_audit in
// the sqlite_* and pg_* files follow them), and the shape of their tables of
// fixed statements (sqlite_statements.cpp, pg_statements.cpp).
#pragma once

#include <string>
#include <vector>

#include "access/core/status.h"

namespace access_service {

inline constexpr char kClientCols[] =
    "id, client_id, app_name, secret_hash, grant_types, redirect_uris, scope, access_seconds, "
    "refresh_seconds, auto_approve, enabled, created_at, require_pkce, auth_failures, "
    "auth_window_start";
inline constexpr char kUserCols[] =
    "id, email, password_hash, first_name, last_name, other_name, mobile_number, roles, "
    "mfa_enabled, enabled, created_at";
// kUserCols with each column qualified by `alias` ("u" -> "u.id, u.email, ...").
inline std::string user_cols_of(const std::string& alias) {
  std::string out;
  std::string cols = kUserCols;
  size_t start = 0;
  while (start < cols.size()) {
    size_t end = cols.find(", ", start);
    if (end == std::string::npos) end = cols.size();
    if (!out.empty()) out += ", ";
    out += alias + "." + cols.substr(start, end - start);
    start = end + 2;
  }
  return out;
}
// audit_events: created_at is AuditEvent::created_ms.
inline constexpr char kAuditCols[] =
    "created_at, id, type, ip, user_agent, actor, user_id, client_id, username, outcome, details";

// One entry of a backend's statement table: entry i is the statement whose
// enum value is i (the backend checks `id` when it prepares the table).
struct StatementText {
  template <typename Enum>
  StatementText(Enum e, const char* n, std::string text, bool schema = true)
      : id(static_cast<int>(e)), name(n), sql(std::move(text)), needs_schema(schema) {}

  int id;
  const char* name;  // named in errors: "statement find_client: <why>"
  std::string sql;
  // false: reads no table, and is prepared before the schema exists
  // (PRAGMA user_version, BEGIN, ...); true: prepared once the database is
  // at this build's schema version.
  bool needs_schema;
};

// kInternal unless `table` has `count` entries, each in its place.
inline Status check_statement_table(const std::vector<StatementText>& table, size_t count) {
  if (table.size() != count)
    return Status::Internal("statement table: " + std::to_string(table.size()) + " entries for " +
                            std::to_string(count) + " statements");
  for (size_t i = 0; i < count; ++i)
    if (table[i].id != static_cast<int>(i))
      return Status::Internal(std::string("statement table: ") + table[i].name + " out of place");
  return Status::Ok();
}

}  // namespace access_service
