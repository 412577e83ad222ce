#include "access/store/store_copy.h"

#include <sqlite3.h>

#include <map>
#include <memory>

#include "access/store/store.h"
#include "pg_conn.h"

namespace access_service {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

Stmt prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  return Stmt(st);
}

// Tables in an order that satisfies the foreign keys: the apps and users
// first, the families before their refresh tokens, then the rest by name.
std::vector<std::string> tables_in_order(sqlite3* db) {
  const std::vector<std::string> first = {"clients", "users", "token_families"};
  std::vector<std::string> out = first;
  Stmt q = prepare(db,
                   "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                   "name NOT LIKE 'sqlite_%' ORDER BY name");
  while (q && sqlite3_step(q.get()) == SQLITE_ROW) {
    std::string name = reinterpret_cast<const char*>(sqlite3_column_text(q.get(), 0));
    bool listed = false;
    for (const auto& f : first) listed = listed || f == name;
    if (!listed) out.push_back(name);
  }
  return out;
}

std::string quoted(const std::string& ident) { return "\"" + ident + "\""; }

Result<long long> copy_table(sqlite3* db, pg::Conn& pg, const std::string& table) {
  // The target's column types, to convert SQLite's integers to BOOLEAN.
  Result<pg::Rows> cols = pg.run(
      "SELECT column_name, data_type FROM information_schema.columns "
      "WHERE table_schema = current_schema() AND table_name = $1",
      {table});
  if (!cols.ok()) return cols.status();
  if (cols->empty())
    return Status::Invalid("the PostgreSQL schema has no table " + table +
                           " (is this build older than the SQLite database?)");
  std::map<std::string, std::string> type;
  for (int i = 0; i < cols->size(); ++i) type[cols->text(i, 0)] = cols->text(i, 1);

  Stmt q = prepare(db, "SELECT * FROM " + quoted(table));
  if (!q) return Status::Internal(table + ": " + sqlite3_errmsg(db));
  const int n = sqlite3_column_count(q.get());
  std::string insert = "INSERT INTO " + quoted(table) + " (";
  std::string values;
  for (int c = 0; c < n; ++c) {
    std::string name = sqlite3_column_name(q.get(), c);
    if (!type.count(name))
      return Status::Invalid(table + "." + name + ": no such column in PostgreSQL");
    insert += (c ? ", " : "") + quoted(name);
    values += (c ? ", $" : "$") + std::to_string(c + 1);
  }
  insert += ") VALUES (" + values + ")";
  long long rows = 0;
  int rc;
  while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
    std::vector<pg::Param> params;
    for (int c = 0; c < n; ++c) {
      const std::string& t = type[sqlite3_column_name(q.get(), c)];
      switch (sqlite3_column_type(q.get(), c)) {
        case SQLITE_NULL:
          params.push_back(pg::Param::null());
          break;
        case SQLITE_BLOB: {
          const char* p = static_cast<const char*>(sqlite3_column_blob(q.get(), c));
          params.push_back(
              pg::Param::bytes(std::string(p ? p : "", sqlite3_column_bytes(q.get(), c))));
          break;
        }
        case SQLITE_INTEGER:
          if (t == "boolean") {
            params.emplace_back(sqlite3_column_int64(q.get(), c) != 0);
            break;
          }
          [[fallthrough]];
        default: {
          const unsigned char* p = sqlite3_column_text(q.get(), c);
          std::string v(
              reinterpret_cast<const char*>(p ? p : reinterpret_cast<const unsigned char*>("")),
              sqlite3_column_bytes(q.get(), c));
          params.push_back(t == "bytea" ? pg::Param::bytes(v) : pg::Param(v));
        }
      }
    }
    Result<pg::Rows> r = pg.run(insert, params);
    if (!r.ok()) return Status::Internal(table + ": " + r.status().message());
    ++rows;
  }
  if (rc != SQLITE_DONE) return Status::Internal(table + ": " + sqlite3_errmsg(db));
  Result<pg::Rows> count = pg.run("SELECT count(*) FROM " + quoted(table));
  if (!count.ok()) return count.status();
  if (count->integer(0, 0) != rows)
    return Status::Internal(table + ": copied " + std::to_string(rows) +
                            " rows, PostgreSQL holds " + std::to_string(count->integer(0, 0)));
  return rows;
}

}  // namespace

Result<std::vector<CopiedTable>> copy_sqlite_to_postgresql(const Config& config,
                                                           const std::string& conninfo) {
  // The SQLite side first at the current schema (open_store migrates).
  auto source = open_sqlite_store(config);
  if (!source.ok()) return source.status();
  Status st = (*source)->migrate();
  if (!st.ok()) return st;
  source->reset();
  Config target = config;
  target.store_backend = "postgresql";
  target.conninfo = conninfo;
  auto pg_store = open_pg_store(target);
  if (!pg_store.ok()) return pg_store.status();
  st = (*pg_store)->migrate();
  if (!st.ok()) return st;
  Result<int64_t> apps = (*pg_store)->count_clients();
  if (!apps.ok()) return apps.status();
  auto users = (*pg_store)->list_users(Page{1, 0, false, "id"});
  if (!users.ok()) return users.status();
  if (*apps != 0 || users->count != 0)
    return Status::Invalid(
        "the PostgreSQL database already holds client apps or users; "
        "migrate-store only fills an empty one");
  pg_store->reset();

  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(config.db_path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close_v2(raw);
    return Status::Unavailable(config.db_path + ": cannot open");
  }
  std::unique_ptr<sqlite3, DbCloser> db(raw);
  pg::Conn pg(conninfo, config.busy_timeout_ms);
  // One read snapshot of SQLite, one PostgreSQL transaction.
  sqlite3_exec(db.get(), "BEGIN", nullptr, nullptr, nullptr);
  st = pg.begin();
  if (!st.ok()) return st;
  std::vector<CopiedTable> out;
  for (const std::string& table : tables_in_order(db.get())) {
    Result<long long> n = copy_table(db.get(), pg, table);
    if (!n.ok()) {
      pg.rollback();
      return n.status();
    }
    out.push_back({table, *n});
  }
  st = pg.commit();
  if (!st.ok()) return st;
  return out;
}

}  // namespace access_service
