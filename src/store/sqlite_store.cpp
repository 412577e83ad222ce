// SQLite store (sqlite_store.h): opening, the statements, schema and
// migrations, transactions and the writer lock, checkpoint, purge.
#include "sqlite_store.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "sqlite_schema.h"

namespace access_service {
namespace sqlite {

Status from_rc(int rc, sqlite3* db) {
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
      return Status::Ok();
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable("database busy");
    case SQLITE_FULL:
      return Status::Unavailable("disk full");
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
      return Status::Unavailable(std::string("storage unavailable: ") + sqlite3_errstr(rc));
    case SQLITE_CONSTRAINT:
      return Status::Conflict(sqlite3_errmsg(db));
    default:
      return Status::Internal(sqlite3_errmsg(db));
  }
}

// store.synchronous: FULL as group commit. The connection runs with
// synchronous=NORMAL, so a commit writes its WAL frames without a sync while
// it holds the write lock; every write that ends a transaction is then made
// durable (Syncer, wal_sync.h) after the lock is released and before the
// caller may answer. The promise is FULL's (nothing is acknowledged before
// it is on disk), but the next writer does not wait for this one's sync, and
// one sync covers every commit written before it began, from any process.
// NORMAL still syncs the WAL before each checkpoint and its header when the
// WAL is reused.
Status sync_wal(sqlite3* db) {
  sqlite3_file* wal = nullptr;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK || !wal ||
      !wal->pMethods)
    return Status::Unavailable("storage unavailable: no write-ahead log to sync");
  if (wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL) != SQLITE_OK)
    return Status::Unavailable("storage unavailable: sync of the write-ahead log failed");
  return Status::Ok();
}

Status Syncer::after_commit(sqlite3* db) {
  ++stats_->durable_commits;
  if (!group_) {
    ++stats_->wal_syncs;
    return sync_wal(db);
  }
  bool ran = false;
  Status st = group_->make_durable(
      group_->committed(), [db] { return sync_wal(db); }, &ran);
  if (ran) ++stats_->wal_syncs;
  return st;
}

namespace {

uint64_t monotonic_micros() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

void on_alarm(int) {}

// Takes the writer flock, waiting at most `timeout_ms` (store.busy_timeout_ms)
// asleep in the kernel: a one-shot SIGALRM interrupts the wait, so a stuck
// holder gives kUnavailable (503) like SQLite's own busy timeout would.
Status lock_writer(int fd, int timeout_ms) {
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return Status::Ok();  // no wait, no timer
  if (errno != EWOULDBLOCK) return Status::Internal(std::string("writer lock: ") + strerror(errno));
  if (timeout_ms <= 0) return Status::Unavailable("database busy");
  struct sigaction quiet {
  }, old{};
  quiet.sa_handler = on_alarm;  // no SA_RESTART: flock() returns EINTR
  sigemptyset(&quiet.sa_mask);
  sigaction(SIGALRM, &quiet, &old);
  sigset_t alarm_only, saved;
  sigemptyset(&alarm_only);
  sigaddset(&alarm_only, SIGALRM);
  sigprocmask(SIG_UNBLOCK, &alarm_only, &saved);
  itimerval timer{};
  timer.it_value.tv_sec = timeout_ms / 1000;
  timer.it_value.tv_usec = (timeout_ms % 1000) * 1000;
  setitimer(ITIMER_REAL, &timer, nullptr);
  int rc = ::flock(fd, LOCK_EX);
  int err = errno;
  itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  sigprocmask(SIG_SETMASK, &saved, nullptr);
  sigaction(SIGALRM, &old, nullptr);
  if (rc == 0) return Status::Ok();
  if (err == EINTR) return Status::Unavailable("database busy");
  return Status::Internal(std::string("writer lock: ") + strerror(err));
}

}  // namespace

SqliteStore::SqliteStore(sqlite3* db, int writer_lock_fd, int busy_timeout_ms, bool durable,
                         std::unique_ptr<WalSync> group,
                         const std::vector<StatementText>& statements)
    : db_(db),
      writer_lock_(writer_lock_fd),
      busy_timeout_ms_(busy_timeout_ms),
      statements_(statements),
      fixed_(static_cast<size_t>(Stmt::kCount)) {
  if (durable) sync_ = std::make_unique<Syncer>(std::move(group), &stats_);
}

SqliteStore::~SqliteStore() {
  if (writer_lock_ >= 0) ::close(writer_lock_);
}

Status SqliteStore::prepare_statements(bool schema) {
  Status st = check_statement_table(statements_, fixed_.size());
  for (size_t i = 0; st.ok() && i < fixed_.size(); ++i)
    if (!fixed_[i] && (schema || !statements_[i].needs_schema)) st = prepare_fixed(i);
  return st;
}

Status SqliteStore::prepare_fixed(size_t id) {
  const StatementText& s = statements_[id];
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v3(db_.get(), s.sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) !=
      SQLITE_OK)
    return Status::Internal(std::string("statement ") + s.name + ": " + sqlite3_errmsg(db_.get()));
  fixed_[id].reset(st);
  return Status::Ok();
}

Query SqliteStore::query(Stmt s) {
  const size_t id = static_cast<size_t>(s);
  if (!fixed_[id]) {
    Status st = prepare_fixed(id);
    if (!st.ok()) throw std::runtime_error("prepare failed: " + st.message());
  }
  return Query(db_.get(), fixed_[id].get(), sync_.get());
}

Query SqliteStore::query(const std::string& sql) {
  auto it = stmts_.find(sql);
  if (it == stmts_.end()) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_.get(), sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) !=
        SQLITE_OK)
      throw std::runtime_error(std::string("prepare failed: ") + sqlite3_errmsg(db_.get()));
    it = stmts_.emplace(sql, std::unique_ptr<sqlite3_stmt, StmtFinalizer>(st)).first;
  }
  return Query(db_.get(), it->second.get(), sync_.get());
}

Status SqliteStore::exec_script(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  // A script that ended a transaction (RELEASE of an outer savepoint,
  // COMMIT) is made durable like any other write.
  if (rc == SQLITE_OK)
    return sync_ && sqlite3_get_autocommit(db_.get()) ? sync_->after_commit(db_.get())
                                                      : Status::Ok();
  Status st = from_rc(rc, db_.get());
  return st.is_unavailable() ? st : Status::Internal(msg);
}

// A database at this build's schema version gets every statement prepared
// here, the first time it is seen so.
Result<int64_t> SqliteStore::schema_version() {
  int64_t version = 0;
  {
    Query q = query(Stmt::kUserVersion);
    if (q.step() != SQLITE_ROW) return q.error();
    version = q.integer(0);
  }
  if (version == latest_schema_version()) {
    Status st = prepare_statements(true);
    if (!st.ok()) return st;
  }
  return version;
}

int64_t SqliteStore::latest_schema_version() const {
  return sizeof(kMigrations) / sizeof(kMigrations[0]);
}

// Safe when several workers start at once: the version is re-read under the
// write lock before each step.
Status SqliteStore::migrate() {
  const int64_t latest = latest_schema_version();
  for (;;) {
    Result<int64_t> version = schema_version();
    if (!version.ok()) return version.status();
    if (*version > latest)
      return Status::Invalid("database schema version " + std::to_string(*version) +
                             " is newer than this build's (" + std::to_string(latest) + ")");
    if (*version == latest) return Status::Ok();
    Status st = exec_script("BEGIN IMMEDIATE");
    if (!st.ok()) return st;
    version = schema_version();
    if (version.ok() && *version < latest) {
      st = exec_script(kMigrations[*version]);
      if (st.ok())
        st = exec_script(("PRAGMA user_version = " + std::to_string(*version + 1)).c_str());
    }
    if (st.ok()) st = exec_script("COMMIT");
    if (!st.ok()) {
      // st says what failed; a failed ROLLBACK has nothing to add to it.
      exec_script("ROLLBACK").IgnoreError();
      return st;
    }
  }
}

Status SqliteStore::ping() {
  Query q = query(Stmt::kPing);
  return q.step() == SQLITE_ROW ? Status::Ok() : q.error();
}

Status SqliteStore::check_writable() {
  Status st = begin_write();
  if (st.ok()) st = commit();
  if (!st.ok()) rollback();
  return st;
}

Store::Sizes SqliteStore::sizes() {
  auto size_of = [](const std::string& path) -> int64_t {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
  };
  const char* name = sqlite3_db_filename(db_.get(), "main");
  const std::string path = name ? name : "";
  return Sizes{size_of(path), size_of(path + "-wal")};
}

// Writers queue on an flock of "<db>-writer" before BEGIN IMMEDIATE: the
// kernel wakes the next waiter the moment the lock is released, where
// SQLite's busy handler would sleep 1-100 ms and retry. The flock is held
// for the short write transaction only (handlers sign before they begin)
// and dies with its process; writers that do not take it (the sqlite3
// shell, say) are still covered by busy_timeout.
Status SqliteStore::begin_write() {
  const uint64_t start = monotonic_micros();
  ++stats_.write_transactions;
  if (writer_lock_ >= 0) {
    Status st = lock_writer(writer_lock_, busy_timeout_ms_);
    if (!st.ok()) {
      stats_.lock_wait_micros += monotonic_micros() - start;
      return st;
    }
  }
  Query q = query(Stmt::kBegin);
  Status st = q.exec();
  stats_.lock_wait_micros += monotonic_micros() - start;
  if (!st.ok()) unlock_writer();
  return st;
}

Status SqliteStore::commit() {
  Query q = query(Stmt::kCommit);
  Status st = q.exec();
  // A failed COMMIT may leave the transaction open for rollback().
  if (st.ok() || sqlite3_get_autocommit(db_.get())) unlock_writer();
  // Durable after the lock is released: the next writer does not wait.
  if (st.ok() && sync_) st = sync_->after_commit(db_.get());
  return st;
}

void SqliteStore::rollback() {
  // Nothing to make durable: not through exec_script, which would sync.
  if (!sqlite3_get_autocommit(db_.get()))
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  unlock_writer();
}

void SqliteStore::unlock_writer() {
  if (writer_lock_ >= 0) ::flock(writer_lock_, LOCK_UN);
}

Status SqliteStore::checkpoint() { return exec_script("PRAGMA wal_checkpoint(PASSIVE)"); }

Result<int64_t> SqliteStore::purge_expired(int64_t now, int batch) {
  // Rows stay a little past expiry where they still serve a check:
  // a used code for a day (reuse revocation), a family for a day (an
  // access token minted just before its family expired still names it),
  // lockout rows until both the lock and the window are over.
  const std::pair<Stmt, int64_t> kinds[] = {
      {Stmt::kPurgeRevokedJtis, now - 60},
      // Watermarks outlive every access token they cut (86400 s at most).
      {Stmt::kPurgeWatermarks, now - 86400},
      {Stmt::kPurgeFamilies, now - 86400},
      {Stmt::kPurgeCodes, now - 86400},
      {Stmt::kPurgeAuthRequests, now},
      {Stmt::kPurgeSessions, now},
      {Stmt::kPurgeSignInFailures, now},
  };
  int64_t total = 0;
  for (const auto& k : kinds) {
    Status st = begin_write();
    if (!st.ok()) return st;
    Query q = query(k.first);
    q.bind(k.second).bind(int64_t{batch});
    st = q.exec();
    int64_t n = q.changes();
    if (st.ok()) st = commit();
    if (!st.ok()) {
      rollback();
      return st;
    }
    total += n;
  }
  return total;
}

// Prepares the statements at open: those that read no table always, the
// others when the database is at this build's schema already (otherwise
// when migrate() or check_schema() brings or finds it there).
Result<std::unique_ptr<Store>> open_sqlite_store(const Config& config,
                                                 const std::vector<StatementText>& statements) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(config.db_path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, DbCloser> db(raw);
  if (rc != SQLITE_OK)
    return Status::Unavailable(config.db_path + ": cannot open database: " + sqlite3_errstr(rc));
  sqlite3_busy_timeout(db.get(), config.busy_timeout_ms);
  std::string pragmas = std::string("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; ") +
                        "PRAGMA synchronous=NORMAL" +
                        "; PRAGMA journal_size_limit=" + std::to_string(config.journal_size_limit) +
                        ";";
  char* err = nullptr;
  rc = sqlite3_exec(db.get(), pragmas.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  if (rc != SQLITE_OK) return Status::Unavailable(config.db_path + ": " + msg);
  // Opened here, after fork() like the database: an flock belongs to the
  // open file description, so each worker needs its own.
  const std::string lock_path = config.db_path + "-writer";
  int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0)
    return Status::Unavailable(lock_path + ": cannot open writer lock: " + strerror(errno));
  std::unique_ptr<SqliteStore> store(new SqliteStore(db.release(), lock_fd, config.busy_timeout_ms,
                                                     config.synchronous_full,
                                                     WalSync::open(config.db_path), statements));
  Status st = store->prepare_statements(false);
  if (!st.ok()) return st;
  Result<int64_t> version = store->schema_version();
  if (!version.ok()) return version.status();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace sqlite

Result<std::unique_ptr<Store>> open_sqlite_store(const Config& config) {
  return sqlite::open_sqlite_store(config, sqlite::sqlite_statements());
}

}  // namespace access_service
