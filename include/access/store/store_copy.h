// copy_sqlite_to_postgresql: `accessctl migrate-store --to CONNINFO`, the
// move of a SQLite deployment to PostgreSQL (README "Several hosts").
//
// Copies every row of every table of the SQLite database `config.db_path`
// into the PostgreSQL database `conninfo`, in one PostgreSQL transaction:
// the schema is created (or brought to the latest version) first, and the
// target must hold no client apps and no users yet. Columns are matched by
// name; SQLite's 0/1 flags become BOOLEAN, blobs BYTEA. Every table's row
// count is compared after the copy, before the commit. The signing keys and
// hmac.key are not rows: the first `accessctl init` with the PostgreSQL
// config seeds them from the key directory (key_mirror.h).
//
// Stop the service first: writes made during the copy would be left behind.
//
// Errors: kInvalid (the SQLite database is newer than this build, the target
// is not empty, a table the target lacks), kUnavailable (either database
// unreachable), kInternal (a row the target refused; nothing is committed).
#pragma once

#include <string>
#include <vector>

#include "access/core/config.h"
#include "access/core/status.h"

namespace access_service {

struct CopiedTable {
  std::string name;
  long long rows = 0;
};

Result<std::vector<CopiedTable>> copy_sqlite_to_postgresql(const Config& config,
                                                           const std::string& conninfo);

}  // namespace access_service
