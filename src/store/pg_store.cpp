// PgStore (pg_store.h): schema and migrations, health, transactions, the
// purge, and the key files every host shares.
#include "pg_store.h"

#include "pg_schema.h"

namespace access_service {
namespace pg {
namespace {

// Advisory lock keys (pg_advisory_lock): schema migration and the purge.
constexpr long long kMigrateLock = 0x6163636573730001LL;
constexpr long long kPurgeLock = 0x6163636573730002LL;

}  // namespace

// Each new connection learns the schema version: at this build's, the
// statements that need the schema are prepared there and then.
PgStore::PgStore(const Config& c, const std::vector<StatementText>& statements)
    : db_(c.conninfo, c.busy_timeout_ms, &statements) {
  db_.on_connect([this] { return schema_version().status(); });
}

// ---- schema, health, transactions
Status PgStore::migrate() {
  const int64_t latest = latest_schema_version();
  Status st = db_.script("SELECT pg_advisory_lock(" + std::to_string(kMigrateLock) + ")");
  if (!st.ok()) return st;
  st = migrate_locked(latest);
  // The migration's outcome is the answer; a lost unlock ends with the session.
  db_.script("SELECT pg_advisory_unlock(" + std::to_string(kMigrateLock) + ")").IgnoreError();
  return st;
}

Status PgStore::migrate_locked(int64_t latest) {
  Status st = db_.script(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL); "
      "INSERT INTO schema_version SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version)");
  if (!st.ok()) return st;
  for (;;) {
    Result<Rows> v = run(Stmt::kMigrationVersion);
    if (!v.ok()) return v.status();
    int64_t version = v->integer(0, 0);
    if (version > latest)
      return Status::Invalid("database schema version " + std::to_string(version) +
                             " is newer than this build (" + std::to_string(latest) + ")");
    if (version == latest) return db_.prepare_statements(true);
    st = db_.begin();
    if (st.ok()) st = db_.script(kPgMigrations[version]);
    if (st.ok())
      st = db_.script("UPDATE schema_version SET version = " + std::to_string(version + 1));
    if (st.ok()) st = db_.commit();
    if (!st.ok()) {
      db_.rollback();
      return st;
    }
  }
}

Result<int64_t> PgStore::schema_version() {
  Result<Rows> exists = run(Stmt::kSchemaTableExists);
  if (!exists.ok()) return exists.status();
  if (!exists->boolean(0, 0)) return int64_t{0};
  Result<Rows> v = run(Stmt::kSchemaVersion);
  if (!v.ok()) return v.status();
  const int64_t version = v->integer(0, 0);
  if (version == latest_schema_version()) {
    Status st = db_.prepare_statements(true);
    if (!st.ok()) return st;
  }
  return version;
}

int64_t PgStore::latest_schema_version() const {
  return sizeof(kPgMigrations) / sizeof(kPgMigrations[0]);
}

Status PgStore::backup_to(const std::string&) {
  return Status::Invalid(
      "a PostgreSQL database is backed up with pg_dump (README \"Several hosts\"); "
      "accessctl backup copies SQLite");
}

Status PgStore::ping() { return done(run(Stmt::kPing)); }

Status PgStore::check_writable() {
  Result<Rows> r = run(Stmt::kCheckWritable);
  if (!r.ok()) return r.status();
  if (r->boolean(0, 0)) return Status::Unavailable("the server is a standby (in recovery)");
  if (r->boolean(0, 1)) return Status::Unavailable("transactions are read-only");
  return Status::Ok();
}

Store::Sizes PgStore::sizes() {
  Result<Rows> r = run(Stmt::kDatabaseSize);
  return Sizes{r.ok() ? r->integer(0, 0) : 0, 0};
}

// Counted for metrics.h; PostgreSQL waits for row locks inside a
// transaction, not to begin one, so lock_wait_micros stays 0.
Status PgStore::begin_write() {
  ++stats_.write_transactions;
  return db_.begin();
}
Status PgStore::commit() { return db_.commit(); }
void PgStore::rollback() { db_.rollback(); }

// One host at a time (an advisory lock): the others skip the round.
Result<int64_t> PgStore::purge_expired(int64_t now, int batch) {
  Result<Rows> lock = run(Stmt::kTryPurgeLock, {kPurgeLock});
  if (!lock.ok()) return lock.status();
  if (!lock->boolean(0, 0)) return int64_t{0};
  // As in SQLite: rows stay a little past expiry where they still serve a
  // check (a used code, a family, a watermark: a day).
  const std::pair<Stmt, int64_t> kinds[] = {
      {Stmt::kPurgeRevokedJtis, now - 60}, {Stmt::kPurgeWatermarks, now - 86400},
      {Stmt::kPurgeFamilies, now - 86400}, {Stmt::kPurgeCodes, now - 86400},
      {Stmt::kPurgeAuthRequests, now},     {Stmt::kPurgeSessions, now},
      {Stmt::kPurgeSignInFailures, now},
  };
  int64_t total = 0;
  Status st;
  for (const auto& k : kinds) {
    Result<Rows> r = run(k.first, {static_cast<long long>(k.second), batch});
    if (!r.ok()) {
      st = r.status();
      break;
    }
    total += r->affected();
  }
  // The purge's outcome is the answer; a lost unlock ends with the session.
  run(Stmt::kPurgeUnlock, {kPurgeLock}).IgnoreError();
  if (!st.ok()) return st;
  return total;
}

// PostgreSQL checkpoints by itself.
Status PgStore::checkpoint() { return Status::Ok(); }

// ---- shared key files
Result<std::vector<std::pair<std::string, std::string>>> PgStore::list_key_files() {
  Result<Rows> r = run(Stmt::kListKeyFiles);
  if (!r.ok()) return r.status();
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < r->size(); ++i) out.emplace_back(r->text(i, 0), r->bytes(i, 1));
  return out;
}

Status PgStore::put_key_file(const std::string& name, const std::string& sealed, int64_t now) {
  return done(run(Stmt::kPutKeyFile, {name, Param::bytes(sealed), now}));
}

Status PgStore::delete_key_file(const std::string& name) {
  return done(run(Stmt::kDeleteKeyFile, {name}));
}

Result<std::unique_ptr<Store>> open_pg_store(const Config& config,
                                             const std::vector<StatementText>& statements) {
  return std::unique_ptr<Store>(new PgStore(config, statements));
}

}  // namespace pg

Result<std::unique_ptr<Store>> open_pg_store(const Config& config) {
  return pg::open_pg_store(config, pg::pg_statements());
}

}  // namespace access_service
