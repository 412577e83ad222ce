// SQLite implementation of Store. One connection per worker process, opened
// after fork; statements are prepared once per connection and cached.
#include <fcntl.h>
#include <sqlite3.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <stdexcept>
#include <unordered_map>

#include "access/store.h"
#include "access/strings.h"
#include "sqlite_schema.h"
#include "store_columns.h"
#include "wal_sync.h"

namespace access_service {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

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

// store.synchronous: FULL, with commits of every process batched into
// shared syncs (wal_sync.h); without the shared state, each commit syncs.
class Syncer {
 public:
  Syncer(std::unique_ptr<WalSync> group, StoreStats* stats)
      : group_(std::move(group)), stats_(stats) {}
  // After a write that ended a transaction: durable before it returns.
  Status after_commit(sqlite3* db) {
    ++stats_->durable_commits;
    if (!group_) {
      ++stats_->wal_syncs;
      return sync_wal(db);
    }
    bool ran = false;
    Status st = group_->make_durable(group_->committed(), [db] { return sync_wal(db); }, &ran);
    if (ran) ++stats_->wal_syncs;
    return st;
  }

 private:
  std::unique_ptr<WalSync> group_;
  StoreStats* stats_;
};

// A cached statement in use: binds in order, steps, reads columns, and resets
// itself when it goes out of scope so the next user starts clean. With a
// `sync` (FULL), a write run outside a transaction (its own autocommit) is
// durable before exec() returns.
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* st, Syncer* sync) : db_(db), st_(st), sync_(sync) {}
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  Query& bind(const std::string& v) {
    sqlite3_bind_text(st_, ++n_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Query& bind_blob(const std::string& v) {
    sqlite3_bind_blob(st_, ++n_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Query& bind(int64_t v) {
    sqlite3_bind_int64(st_, ++n_, v);
    return *this;
  }
  Query& bind(const std::optional<std::string>& v) {
    if (v) return bind(*v);
    sqlite3_bind_null(st_, ++n_);
    return *this;
  }
  Query& bind(const std::optional<int>& v) {
    if (v) return bind(static_cast<int64_t>(*v));
    sqlite3_bind_null(st_, ++n_);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return rc_ = sqlite3_step(st_); }
  // Runs a statement that returns no rows.
  Status exec() {
    step();
    if (rc_ != SQLITE_DONE) return from_rc(rc_, db_);
    if (sync_ && !sqlite3_stmt_readonly(st_) && sqlite3_get_autocommit(db_)) return sync_->after_commit(db_);
    return Status::Ok();
  }
  // "not found", not database wording: a handler that forgets to name what
  // was missing (api.h status_reply) still shows no internals.
  Status error() const { return rc_ == SQLITE_DONE ? Status::NotFound("not found") : from_rc(rc_, db_); }
  std::string text(int col) const {
    const unsigned char* p = sqlite3_column_text(st_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(st_, col)) : "";
  }
  std::optional<std::string> opt_text(int col) const {
    if (sqlite3_column_type(st_, col) == SQLITE_NULL) return std::nullopt;
    return text(col);
  }
  int64_t integer(int col) const { return sqlite3_column_int64(st_, col); }
  std::string blob(int col) const {
    const void* p = sqlite3_column_blob(st_, col);
    return p ? std::string(static_cast<const char*>(p), sqlite3_column_bytes(st_, col)) : "";
  }
  bool is_null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  int changes() const { return sqlite3_changes(db_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_;
  Syncer* sync_ = nullptr;
  int n_ = 0;
  int rc_ = SQLITE_OK;
};


ClientApp read_client(const Query& q) {
  ClientApp a;
  a.id = q.text(0);
  a.client_id = q.text(1);
  a.app_name = q.text(2);
  a.secret_hash = q.text(3);
  a.grant_types = split_words(q.text(4));
  a.redirect_uris = split_words(q.text(5));
  a.scope = split_words(q.text(6));
  a.access_seconds = static_cast<int>(q.integer(7));
  if (!q.is_null(8)) a.refresh_seconds = static_cast<int>(q.integer(8));
  a.auto_approve = q.integer(9) != 0;
  a.enabled = q.integer(10) != 0;
  a.created_at = q.integer(11);
  a.require_pkce = q.integer(12) != 0;
  a.auth_failures = static_cast<int>(q.integer(13));
  a.auth_window_start = q.integer(14);
  return a;
}

User read_user(const Query& q) {
  User u;
  u.id = q.text(0);
  u.email = q.text(1);
  u.password_hash = q.text(2);
  u.first_name = q.opt_text(3);
  u.last_name = q.opt_text(4);
  u.other_name = q.opt_text(5);
  u.mobile_number = q.opt_text(6);
  u.roles = split_words(q.text(7));
  u.mfa_enabled = q.integer(8) != 0;
  u.enabled = q.integer(9) != 0;
  u.created_at = q.integer(10);
  return u;
}

std::optional<std::string> or_null(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

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
  struct sigaction quiet {}, old {};
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

class SqliteStore : public Store {
 public:
  // `group`: the shared sync state (nullptr: each commit syncs); unused
  // unless `durable` (store.synchronous FULL).
  SqliteStore(sqlite3* db, int writer_lock_fd, int busy_timeout_ms, bool durable,
              std::unique_ptr<WalSync> group)
      : db_(db), writer_lock_(writer_lock_fd), busy_timeout_ms_(busy_timeout_ms) {
    if (durable) sync_ = std::make_unique<Syncer>(std::move(group), &stats_);
  }
  ~SqliteStore() override {
    if (writer_lock_ >= 0) ::close(writer_lock_);
  }

  Query query(const std::string& sql) {
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

  Status exec_script(const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    // A script that ended a transaction (RELEASE of an outer savepoint,
    // COMMIT) is made durable like any other write.
    if (rc == SQLITE_OK)
      return sync_ && sqlite3_get_autocommit(db_.get()) ? sync_->after_commit(db_.get()) : Status::Ok();
    Status st = from_rc(rc, db_.get());
    return st.is_unavailable() ? st : Status::Internal(msg);
  }

  // Runs `body` inside a savepoint: atomic whether or not a transaction is open.
  template <typename F>
  Status atomically(F body) {
    Status st = exec_script("SAVEPOINT compound");
    if (!st.ok()) return st;
    st = body();
    if (st.ok()) st = exec_script("RELEASE compound");
    // st says what failed; a failed ROLLBACK TO has nothing to add to it (an
    // outer transaction's owner still rolls back).
    if (!st.ok()) exec_script("ROLLBACK TO compound; RELEASE compound").IgnoreError();
    return st;
  }

  Result<int64_t> schema_version() override {
    Query q = query("PRAGMA user_version");
    if (q.step() != SQLITE_ROW) return q.error();
    return q.integer(0);
  }

  int64_t latest_schema_version() const override {
    return sizeof(kMigrations) / sizeof(kMigrations[0]);
  }

  // Safe when several workers start at once: the version is re-read under the
  // write lock before each step.
  Status migrate() override {
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

  Status ping() override {
    Query q = query("SELECT 1");
    return q.step() == SQLITE_ROW ? Status::Ok() : q.error();
  }
  Status check_writable() override {
    Status st = begin_write();
    if (st.ok()) st = commit();
    if (!st.ok()) rollback();
    return st;
  }
  Sizes sizes() override {
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
  Status begin_write() override {
    const uint64_t start = monotonic_micros();
    ++stats_.write_transactions;
    if (writer_lock_ >= 0) {
      Status st = lock_writer(writer_lock_, busy_timeout_ms_);
      if (!st.ok()) {
        stats_.lock_wait_micros += monotonic_micros() - start;
        return st;
      }
    }
    Query q = query("BEGIN IMMEDIATE");
    Status st = q.exec();
    stats_.lock_wait_micros += monotonic_micros() - start;
    if (!st.ok()) unlock_writer();
    return st;
  }
  StoreStats stats() const override { return stats_; }
  Status commit() override {
    Query q = query("COMMIT");
    Status st = q.exec();
    // A failed COMMIT may leave the transaction open for rollback().
    if (st.ok() || sqlite3_get_autocommit(db_.get())) unlock_writer();
    // Durable after the lock is released: the next writer does not wait.
    if (st.ok() && sync_) st = sync_->after_commit(db_.get());
    return st;
  }
  void rollback() override {
    // Nothing to make durable: not through exec_script, which would sync.
    if (!sqlite3_get_autocommit(db_.get())) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    unlock_writer();
  }
  void unlock_writer() {
    if (writer_lock_ >= 0) ::flock(writer_lock_, LOCK_UN);
  }

  // ---- clients
  Status insert_client(const ClientApp& a) override {
    Query q = query(std::string("INSERT INTO clients (") + kClientCols +
                    ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,0,0)");
    q.bind(a.id).bind(a.client_id).bind(a.app_name).bind(a.secret_hash);
    q.bind(join_words(a.grant_types)).bind(join_words(a.redirect_uris)).bind(join_words(a.scope));
    q.bind(int64_t{a.access_seconds}).bind(a.refresh_seconds);
    q.bind(int64_t{a.auto_approve}).bind(int64_t{a.enabled}).bind(a.created_at);
    q.bind(int64_t{a.require_pkce});
    return q.exec();
  }

  Result<ClientApp> client_where(const char* column, const std::string& value) {
    Query q = query(std::string("SELECT ") + kClientCols + " FROM clients WHERE " + column + " = ?");
    q.bind(value);
    if (q.step() != SQLITE_ROW) return q.error();
    return read_client(q);
  }
  Result<ClientApp> find_client(const std::string& id) override { return client_where("id", id); }
  Result<ClientApp> find_client_by_client_id(const std::string& cid) override {
    return client_where("client_id", cid);
  }

  Result<ListResult<ClientApp>> list_clients(const Page& page) override {
    ListResult<ClientApp> out;
    Query q = query(std::string("SELECT ") + kClientCols + " FROM clients ORDER BY " +
                    page.sort_by + (page.descending ? " DESC" : " ASC") +
                    ", id LIMIT ? OFFSET ?");
    q.bind(int64_t{page.limit == 0 ? -1 : page.limit}).bind(int64_t{page.offset});
    while (q.step() == SQLITE_ROW) out.items.push_back(read_client(q));
    if (!q.error().is_not_found()) return q.error();
    Result<int64_t> n = count_clients();
    if (!n.ok()) return n.status();
    out.count = *n;
    return out;
  }

  Status update_client(const ClientApp& a) override {
    Query q = query(
        "UPDATE clients SET client_id=?, app_name=?, secret_hash=?, grant_types=?, "
        "redirect_uris=?, scope=?, access_seconds=?, refresh_seconds=?, auto_approve=?, "
        "enabled=?, require_pkce=? WHERE id=?");
    q.bind(a.client_id).bind(a.app_name).bind(a.secret_hash).bind(join_words(a.grant_types));
    q.bind(join_words(a.redirect_uris)).bind(join_words(a.scope)).bind(int64_t{a.access_seconds});
    q.bind(a.refresh_seconds).bind(int64_t{a.auto_approve}).bind(int64_t{a.enabled});
    q.bind(int64_t{a.require_pkce}).bind(a.id);
    Status st = q.exec();
    if (st.ok() && q.changes() == 0) return Status::NotFound("no such client app");
    return st;
  }

  Status delete_client(const std::string& id) override {
    // Its families and refresh tokens go with it (ON DELETE CASCADE); its
    // access tokens name a client that no longer exists (access_token_live).
    Query del = query("DELETE FROM clients WHERE id=?");
    Status st = del.bind(id).exec();
    if (st.ok() && del.changes() == 0) return Status::NotFound("no such client app");
    return st;
  }

  Result<int64_t> count_clients() override {
    Query q = query("SELECT count(*) FROM clients");
    if (q.step() != SQLITE_ROW) return q.error();
    return q.integer(0);
  }

  // ---- users
  Status insert_user(const User& u) override {
    Query q = query(std::string("INSERT INTO users (") + kUserCols +
                    ") VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    q.bind(u.id).bind(u.email).bind(u.password_hash).bind(u.first_name).bind(u.last_name);
    q.bind(u.other_name).bind(u.mobile_number).bind(join_words(u.roles));
    q.bind(int64_t{u.mfa_enabled}).bind(int64_t{u.enabled}).bind(u.created_at);
    return q.exec();
  }

  Result<User> user_where(const char* column, const std::string& value) {
    Query q = query(std::string("SELECT ") + kUserCols + " FROM users WHERE " + column + " = ?");
    q.bind(value);
    if (q.step() != SQLITE_ROW) return q.error();
    return read_user(q);
  }
  Result<User> find_user(const std::string& id) override { return user_where("id", id); }
  Result<User> find_user_by_email(const std::string& email) override {
    return user_where("email", email);
  }

  Result<ListResult<User>> list_users(const Page& page) override {
    ListResult<User> out;
    Query q = query(std::string("SELECT ") + kUserCols + " FROM users ORDER BY " + page.sort_by +
                    (page.descending ? " DESC" : " ASC") + ", id LIMIT ? OFFSET ?");
    q.bind(int64_t{page.limit == 0 ? -1 : page.limit}).bind(int64_t{page.offset});
    while (q.step() == SQLITE_ROW) out.items.push_back(read_user(q));
    if (!q.error().is_not_found()) return q.error();
    Query c = query("SELECT count(*) FROM users");
    if (c.step() != SQLITE_ROW) return c.error();
    out.count = c.integer(0);
    return out;
  }

  Status update_user_profile(const User& u) override {
    Query q = query(
        "UPDATE users SET first_name=?, last_name=?, other_name=?, mobile_number=? WHERE id=?");
    q.bind(u.first_name).bind(u.last_name).bind(u.other_name).bind(u.mobile_number).bind(u.id);
    Status st = q.exec();
    if (st.ok() && q.changes() == 0) return Status::NotFound("no such user");
    return st;
  }

  Status set_user_enabled(const std::string& id, bool enabled) override {
    Query q = query("UPDATE users SET enabled=? WHERE id=?");
    Status st = q.bind(int64_t{enabled}).bind(id).exec();
    if (st.ok() && q.changes() == 0) return Status::NotFound("no such user");
    return st;
  }

  Status set_user_password(const std::string& id, const std::string& phc) override {
    Query q = query("UPDATE users SET password_hash=? WHERE id=?");
    Status st = q.bind(phc).bind(id).exec();
    if (st.ok() && q.changes() == 0) return Status::NotFound("no such user");
    return st;
  }

  Status delete_user(const std::string& id) override {
    // Families (and their refresh tokens), sessions, approvals, codes,
    // devices and watermarks go with the row (ON DELETE CASCADE).
    Query q = query("DELETE FROM users WHERE id=?");
    Status st = q.bind(id).exec();
    if (st.ok() && q.changes() == 0) return Status::NotFound("no such user");
    return st;
  }

  // ---- lockout
  Result<LoginFailures> find_login_failures(const std::string& username,
                                            const std::string& ip) override {
    Query q = query(
        "SELECT count, window_start, locked_until FROM sign_in_failures WHERE username=? AND ip=?");
    q.bind(username).bind(ip);
    if (q.step() != SQLITE_ROW) return q.error();
    return LoginFailures{static_cast<int>(q.integer(0)), q.integer(1), q.integer(2)};
  }
  Status save_login_failures(const std::string& username, const std::string& ip,
                             const LoginFailures& f) override {
    Query q = query(
        "INSERT INTO sign_in_failures (username, ip, count, window_start, locked_until) VALUES "
        "(?,?,?,?,?) ON CONFLICT(username, ip) DO UPDATE SET count=excluded.count, "
        "window_start=excluded.window_start, locked_until=excluded.locked_until");
    q.bind(username).bind(ip).bind(int64_t{f.count}).bind(f.window_start).bind(f.locked_until);
    return q.exec();
  }
  Status clear_login_failures(const std::string& username, const std::string* ip) override {
    if (!ip) return query("DELETE FROM sign_in_failures WHERE username=?").bind(username).exec();
    Query q = query("DELETE FROM sign_in_failures WHERE username=?1 AND ip IN (?2, ?3)");
    return q.bind(username).bind(*ip).bind(std::string(kEveryAddress)).exec();
  }
  Status record_client_auth_failure(const std::string& id, int64_t now,
                                    int window_seconds) override {
    // One statement: concurrent failures in other workers each count.
    Query q = query(
        "UPDATE clients SET auth_failures = CASE WHEN ?1 - auth_window_start >= ?2 THEN 1 "
        "ELSE auth_failures + 1 END, auth_window_start = CASE WHEN ?1 - auth_window_start >= ?2 "
        "THEN ?1 ELSE auth_window_start END WHERE id = ?3");
    return q.bind(now).bind(int64_t{window_seconds}).bind(id).exec();
  }

  // ---- tokens
  Result<bool> access_token_live(const AccessCheck& t) override {
    Query q = query(
        "SELECT c.enabled, u.tokens_not_before, u.unbound_tokens_not_before, "
        "(SELECT w.not_before FROM user_app_watermarks w WHERE w.user_id = u.id AND "
        "w.app_id = c.id), "
        "(SELECT f.revoked_at IS NOT NULL FROM token_families f WHERE f.id = ?3), "
        "EXISTS (SELECT 1 FROM revoked_jtis r WHERE r.jti = ?4) "
        "FROM clients c, users u WHERE c.client_id = ?1 AND u.id = ?2");
    q.bind(t.client_id).bind(t.user_id).bind(t.family_id).bind(t.jti);
    if (q.step() != SQLITE_ROW) return q.error();
    const bool app_enabled = q.integer(0) != 0;
    const bool user_cut = t.issued_ms <= q.integer(1) ||
                          (t.family_id.empty() && t.issued_ms <= q.integer(2));
    const bool app_cut = !q.is_null(3) && t.issued_ms <= q.integer(3);
    // A family that was purged (expired) cannot have live access tokens left:
    // access tokens never outlive their family's refresh lifetime.
    const bool family_dead = !t.family_id.empty() && (q.is_null(4) || q.integer(4) != 0);
    const bool jti_revoked = q.integer(5) != 0;
    return app_enabled && !user_cut && !app_cut && !family_dead && !jti_revoked;
  }

  Status insert_family(const std::string& family_id, const std::string& app_id,
                       const std::string& user_id, const std::vector<std::string>& scope,
                       int64_t created_at, int64_t expires_at) override {
    Query q = query(
        "INSERT INTO token_families (id, app_id, user_id, scope, created_at, expires_at) "
        "VALUES (?,?,?,?,?,?)");
    return q.bind(family_id).bind(app_id).bind(user_id).bind(join_words(scope)).bind(created_at)
        .bind(expires_at)
        .exec();
  }

  Status insert_refresh(const std::string& hash, const std::string& family_id,
                        int64_t issued_at) override {
    Query q = query("INSERT INTO refresh_tokens (hash, family_id, issued_at) VALUES (?,?,?)");
    return q.bind_blob(hash).bind(family_id).bind(issued_at).exec();
  }

  Result<RefreshRecord> find_refresh(const std::string& hash) override {
    Query q = query(
        "SELECT f.id, f.app_id, f.user_id, f.scope, f.expires_at, f.revoked_at, r.used_at "
        "FROM refresh_tokens r JOIN token_families f ON f.id = r.family_id WHERE r.hash=?");
    q.bind_blob(hash);
    if (q.step() != SQLITE_ROW) return q.error();
    RefreshRecord r;
    r.family_id = q.text(0);
    r.app_id = q.text(1);
    r.user_id = q.text(2);
    r.scope = split_words(q.text(3));
    r.family_expires_at = q.integer(4);
    r.family_revoked = !q.is_null(5);
    if (!q.is_null(6)) r.used_at = q.integer(6);
    return r;
  }

  Result<Rotation> rotate_refresh(const std::string& hash, const std::string& successor_hash,
                                  int64_t now, int grace_seconds,
                                  const RotationAudit& audit) override {
    Status st = begin_write();
    if (!st.ok()) return st;
    Result<Rotation> r = rotate_locked(hash, successor_hash, now, grace_seconds);
    const std::optional<AuditEvent>* row =
        !r.ok() ? nullptr
        : *r == Rotation::kRotated || *r == Rotation::kRepeat ? &audit.issued
        : *r == Rotation::kReused                             ? &audit.reused
                                                              : nullptr;
    st = r.status();
    if (st.ok() && row && row->has_value()) st = insert_audit(**row);
    if (st.ok()) st = commit();
    if (!st.ok()) {
      rollback();
      return st;
    }
    return r;
  }

  // rotate_refresh under the write lock: the state is read again here, as
  // another worker may have rotated or revoked the token since any read the
  // caller made before.
  Result<Rotation> rotate_locked(const std::string& hash, const std::string& successor_hash,
                                 int64_t now, int grace_seconds) {
    Result<RefreshRecord> rec = find_refresh(hash);
    if (!rec.ok()) return rec.status().is_not_found() ? Result<Rotation>(Rotation::kUnknown) : rec.status();
    if (rec->family_revoked) return Rotation::kRevoked;
    if (!rec->used_at) {
      Query mark = query("UPDATE refresh_tokens SET used_at=? WHERE hash=? AND used_at IS NULL");
      Status st = mark.bind(now).bind_blob(hash).exec();
      if (st.ok()) st = insert_refresh(successor_hash, rec->family_id, now);
      if (!st.ok()) return st;
      return Rotation::kRotated;
    }
    if (grace_seconds > 0 && now - *rec->used_at <= grace_seconds) {
      Result<RefreshRecord> next = find_refresh(successor_hash);
      if (next.ok() && !next->used_at) return Rotation::kRepeat;
      if (!next.ok() && !next.status().is_not_found()) return next.status();
    }
    Status st = revoke_family(rec->family_id, now);
    if (!st.ok()) return st;
    return Rotation::kReused;
  }

  Status revoke_family(const std::string& family_id, int64_t now) override {
    Query f = query("UPDATE token_families SET revoked_at=? WHERE id=? AND revoked_at IS NULL");
    return f.bind(now).bind(family_id).exec();
  }

  Status revoke_user_tokens(const std::string& user_id, int64_t now) override {
    return atomically([&]() -> Status {
      Query f = query(
          "UPDATE token_families SET revoked_at=? WHERE user_id=? AND revoked_at IS NULL");
      Status st = f.bind(now).bind(user_id).exec();
      if (!st.ok()) return st;
      Query u = query("UPDATE users SET tokens_not_before=? WHERE id=?");
      return u.bind(now_millis()).bind(user_id).exec();
    });
  }

  Status revoke_user_tokens_except(const std::string& user_id, const std::string& keep_family_id,
                                   const std::string& keep_session_hash, int64_t now) override {
    return atomically([&]() -> Status {
      Query f = query(
          "UPDATE token_families SET revoked_at=? WHERE user_id=? AND id<>? AND revoked_at IS "
          "NULL");
      Status st = f.bind(now).bind(user_id).bind(keep_family_id).exec();
      if (!st.ok()) return st;
      Query u = query("UPDATE users SET unbound_tokens_not_before=? WHERE id=?");
      st = u.bind(now_millis()).bind(user_id).exec();
      if (!st.ok()) return st;
      // Nothing kept: no comparison with an empty value, which a NULL would
      // turn into "delete nothing".
      if (keep_session_hash.empty()) return delete_user_sessions(user_id);
      Query s = query("DELETE FROM sessions WHERE user_id=? AND hash<>?");
      return s.bind(user_id).bind_blob(keep_session_hash).exec();
    });
  }

  Status revoke_user_app_tokens(const std::string& user_id, const std::string& app_id,
                                int64_t now) override {
    return atomically([&]() -> Status {
      Query f = query(
          "UPDATE token_families SET revoked_at=? WHERE user_id=? AND app_id=? AND revoked_at IS "
          "NULL");
      Status st = f.bind(now).bind(user_id).bind(app_id).exec();
      if (!st.ok()) return st;
      Query w = query(
          "INSERT INTO user_app_watermarks (user_id, app_id, not_before) VALUES (?,?,?) "
          "ON CONFLICT(user_id, app_id) DO UPDATE SET not_before=excluded.not_before");
      return w.bind(user_id).bind(app_id).bind(now_millis()).exec();
    });
  }

  Result<bool> revoke_access_token(const std::string& jti, int64_t expires_at) override {
    Query q = query("INSERT OR IGNORE INTO revoked_jtis (jti, expires_at) VALUES (?,?)");
    Status st = q.bind(jti).bind(expires_at).exec();
    if (!st.ok()) return st;
    return q.changes() == 1;
  }

  // ---- saved authorization requests
  Status insert_auth_request(const AuthRequest& r) override {
    Query q = query(
        "INSERT INTO auth_requests (id, app_id, response_type, redirect_uri, scope, state, "
        "code_challenge, expires_at, redirect_uri_given, browser_hash) "
        "VALUES (?,?,?,?,?,?,?,?,?,?)");
    q.bind(r.id).bind(r.app_id).bind(r.response_type).bind(r.redirect_uri);
    q.bind(join_words(r.scope)).bind(r.state).bind(r.code_challenge).bind(r.expires_at);
    q.bind(int64_t{r.redirect_uri_given}).bind_blob(r.browser_hash);
    return q.exec();
  }

  Result<AuthRequest> find_auth_request(const std::string& id, int64_t now) override {
    Query q = query(
        "SELECT app_id, response_type, redirect_uri, scope, state, code_challenge, expires_at, "
        "redirect_uri_given, browser_hash FROM auth_requests WHERE id=? AND expires_at > ?");
    q.bind(id).bind(now);
    if (q.step() != SQLITE_ROW) return q.error();
    AuthRequest r;
    r.id = id;
    r.app_id = q.text(0);
    r.response_type = q.text(1);
    r.redirect_uri = q.text(2);
    r.scope = split_words(q.text(3));
    r.state = q.opt_text(4);
    r.code_challenge = q.opt_text(5);
    r.expires_at = q.integer(6);
    r.redirect_uri_given = q.integer(7) != 0;
    r.browser_hash = q.blob(8);
    return r;
  }

  Status delete_auth_request(const std::string& id) override {
    Query q = query("DELETE FROM auth_requests WHERE id=?");
    return q.bind(id).exec();
  }

  // ---- sessions
  Status insert_session(const std::string& hash, const std::string& user_id, int64_t created_at,
                        int64_t expires_at) override {
    Query q = query("INSERT INTO sessions (hash, user_id, created_at, expires_at) VALUES (?,?,?,?)");
    return q.bind_blob(hash).bind(user_id).bind(created_at).bind(expires_at).exec();
  }

  Result<std::string> find_session_user(const std::string& hash, int64_t now) override {
    Query q = query("SELECT user_id FROM sessions WHERE hash=? AND expires_at > ?");
    q.bind_blob(hash).bind(now);
    if (q.step() != SQLITE_ROW) return q.error();
    return q.text(0);
  }

  Status delete_session(const std::string& hash) override {
    return query("DELETE FROM sessions WHERE hash=?").bind_blob(hash).exec();
  }

  // ---- approvals
  static Approval read_approval(const Query& q) {
    Approval a;
    a.id = q.text(0);
    a.user_id = q.text(1);
    a.app_id = q.text(2);
    a.scope = split_words(q.text(3));
    a.created_at = q.integer(4);
    a.client_id = q.text(5);
    a.app_name = q.text(6);
    return a;
  }

  Result<Approval> find_approval(const std::string& user_id, const std::string& app_id) override {
    Query q = query(
        "SELECT a.id, a.user_id, a.app_id, a.scope, a.created_at, c.client_id, c.app_name "
        "FROM approvals a JOIN clients c ON c.id = a.app_id WHERE a.user_id=? AND a.app_id=?");
    q.bind(user_id).bind(app_id);
    if (q.step() != SQLITE_ROW) return q.error();
    return read_approval(q);
  }

  Status upsert_approval(const Approval& a) override {
    Query q = query(
        "INSERT INTO approvals (id, user_id, app_id, scope, created_at) VALUES (?,?,?,?,?) "
        "ON CONFLICT(user_id, app_id) DO UPDATE SET scope=excluded.scope");
    return q.bind(a.id).bind(a.user_id).bind(a.app_id).bind(join_words(a.scope)).bind(a.created_at)
        .exec();
  }

  Result<std::vector<Approval>> list_approvals(const std::string& user_id) override {
    Query q = query(
        "SELECT a.id, a.user_id, a.app_id, a.scope, a.created_at, c.client_id, c.app_name "
        "FROM approvals a JOIN clients c ON c.id = a.app_id WHERE a.user_id=? "
        "ORDER BY a.created_at, a.id");
    q.bind(user_id);
    std::vector<Approval> out;
    while (q.step() == SQLITE_ROW) out.push_back(read_approval(q));
    if (!q.error().is_not_found()) return q.error();
    return out;
  }

  Status delete_approval(const std::string& id, const std::string& user_id, int64_t now) override {
    return atomically([&]() -> Status {
      Query find = query("SELECT app_id FROM approvals WHERE id=? AND user_id=?");
      find.bind(id).bind(user_id);
      if (find.step() != SQLITE_ROW) {
        Status st = find.error();
        return st.is_not_found() ? Status::NotFound("no such approval") : st;
      }
      std::string app_id = find.text(0);
      Query del = query("DELETE FROM approvals WHERE id=?");
      Status st = del.bind(id).exec();
      if (!st.ok()) return st;
      return revoke_user_app_tokens(user_id, app_id, now);
    });
  }

  // ---- authorization codes
  Status insert_code(const std::string& hash, const AuthCode& c) override {
    Query q = query(
        "INSERT INTO auth_codes (hash, app_id, user_id, redirect_uri, scope, code_challenge, "
        "expires_at, redirect_uri_given) VALUES (?,?,?,?,?,?,?,?)");
    q.bind_blob(hash).bind(c.app_id).bind(c.user_id).bind(c.redirect_uri).bind(join_words(c.scope));
    return q.bind(c.code_challenge).bind(c.expires_at).bind(int64_t{c.redirect_uri_given}).exec();
  }

  Result<AuthCode> find_code(const std::string& hash) override {
    Query q = query(
        "SELECT app_id, user_id, redirect_uri, scope, code_challenge, expires_at, used_at, "
        "family_id, access_jti, redirect_uri_given FROM auth_codes WHERE hash=?");
    q.bind_blob(hash);
    if (q.step() != SQLITE_ROW) return q.error();
    AuthCode c;
    c.app_id = q.text(0);
    c.user_id = q.text(1);
    c.redirect_uri = q.text(2);
    c.scope = split_words(q.text(3));
    c.code_challenge = q.opt_text(4);
    c.expires_at = q.integer(5);
    if (!q.is_null(6)) c.used_at = q.integer(6);
    c.family_id = q.text(7);
    c.access_jti = q.text(8);
    c.redirect_uri_given = q.integer(9) != 0;
    return c;
  }

  Result<bool> consume_code(const std::string& hash, int64_t now, const std::string& family_id,
                              const std::string& jti) override {
    Query q = query(
        "UPDATE auth_codes SET used_at=?, family_id=?, access_jti=? WHERE hash=? AND used_at IS "
        "NULL");
    Status st = q.bind(now)
                    .bind(family_id.empty() ? std::nullopt : std::optional<std::string>(family_id))
                    .bind(jti)
                    .bind_blob(hash)
                    .exec();
    if (!st.ok()) return st;
    return q.changes() == 1;
  }

  Status checkpoint() override { return exec_script("PRAGMA wal_checkpoint(PASSIVE)"); }

  // The whole database in one backup step: one read transaction, so the copy
  // is one snapshot and writers (WAL) go on meanwhile.
  Status backup_to(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) return Status::Conflict(path + ": exists");
      return Status::Unavailable(path + ": cannot create: " + os_reason(errno));
    }
    ::close(fd);
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    std::unique_ptr<sqlite3, DbCloser> dest(raw);
    Status st = rc == SQLITE_OK ? copy_into(dest.get()) : from_rc(rc, dest.get());
    if (st.ok()) st = quick_check(dest.get());
    dest.reset();
    if (!st.ok()) {
      ::unlink(path.c_str());
      return Status::Unavailable(path + ": backup failed: " + st.message());
    }
    return Status::Ok();
  }

  Status copy_into(sqlite3* dest) {
    sqlite3_backup* b = sqlite3_backup_init(dest, "main", db_.get(), "main");
    if (!b) return from_rc(sqlite3_errcode(dest), dest);
    int rc = SQLITE_OK;
    for (int waited_ms = 0;; waited_ms += 10) {
      rc = sqlite3_backup_step(b, -1);
      if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited_ms >= busy_timeout_ms_) break;
      sqlite3_sleep(10);
    }
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) return from_rc(rc == SQLITE_OK ? SQLITE_INTERNAL : rc, dest);
    return from_rc(sqlite3_errcode(dest), dest);
  }

  static Status quick_check(sqlite3* db) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &raw, nullptr) != SQLITE_OK)
      return from_rc(sqlite3_errcode(db), db);
    std::unique_ptr<sqlite3_stmt, StmtFinalizer> st(raw);
    if (sqlite3_step(st.get()) != SQLITE_ROW) return from_rc(sqlite3_errcode(db), db);
    const unsigned char* r = sqlite3_column_text(st.get(), 0);
    std::string result = r ? reinterpret_cast<const char*>(r) : "";
    return result == "ok" ? Status::Ok() : Status::Internal("the copy fails its check: " + result);
  }

  // ---- audit events
  Status insert_audit(const AuditEvent& e) override {
    Query q = query(
        "INSERT INTO audit_events (created_at, id, type, ip, user_agent, actor, user_id, "
        "client_id, username, outcome, details) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    q.bind(e.created_ms).bind(e.id).bind(e.type).bind(or_null(e.ip)).bind(or_null(e.user_agent));
    q.bind(or_null(e.actor)).bind(or_null(e.user_id)).bind(or_null(e.client_id));
    q.bind(or_null(e.username)).bind(e.outcome).bind(e.details.empty() ? "{}" : e.details);
    return q.exec();
  }

  Result<ListResult<AuditEvent>> list_audit(const AuditFilter& f, const Page& page) override {
    // Fixed fragments chosen by which filters are set (values are bound),
    // so each combination is one cached statement that can use an index.
    std::string where = " WHERE 1=1";
    if (!f.type_prefix.empty()) where += " AND type >= ?1 AND type < ?2";
    // The indexes leave token.issued rows out (sqlite_schema.h): saying so
    // lets a filter that cannot match them use the indexes.
    if (!f.type_prefix.empty() && std::string("token.issued").rfind(f.type_prefix, 0) != 0)
      where += " AND type <> 'token.issued'";
    if (!f.user_id.empty()) where += " AND user_id = ?3";
    if (!f.client_id.empty()) where += " AND client_id = ?4";
    if (f.since_ms) where += " AND created_at >= ?5";
    if (f.until_ms) where += " AND created_at <= ?6";
    // Types are [a-z_.]: '~' sorts after each of them, so [p, p + "~") is
    // every type that starts with p.
    auto bind_filters = [&](Query& q) {
      q.bind(f.type_prefix).bind(f.type_prefix + "~").bind(f.user_id).bind(f.client_id);
      q.bind(f.since_ms.value_or(0)).bind(f.until_ms.value_or(0));
    };
    const char* dir = page.descending ? " DESC" : " ASC";
    Query q = query("SELECT created_at, id, type, ip, user_agent, actor, user_id, client_id, "
                    "username, outcome, details FROM audit_events" + where + " ORDER BY created_at" +
                    dir + ", id" + dir + " LIMIT ?7 OFFSET ?8");
    bind_filters(q);
    q.bind(int64_t{page.limit == 0 ? -1 : page.limit}).bind(int64_t{page.offset});
    ListResult<AuditEvent> out;
    while (q.step() == SQLITE_ROW) {
      AuditEvent e;
      e.created_ms = q.integer(0);
      e.id = q.text(1);
      e.type = q.text(2);
      e.ip = q.text(3);
      e.user_agent = q.text(4);
      e.actor = q.text(5);
      e.user_id = q.text(6);
      e.client_id = q.text(7);
      e.username = q.text(8);
      e.outcome = q.text(9);
      e.details = q.text(10);
      out.items.push_back(std::move(e));
    }
    if (!q.error().is_not_found()) return q.error();
    Query c = query("SELECT count(*) FROM audit_events" + where);
    bind_filters(c);
    if (c.step() != SQLITE_ROW) return c.error();
    out.count = c.integer(0);
    return out;
  }

  Result<int64_t> purge_audit(int64_t before_ms, int batch) override {
    Status st = begin_write();
    if (!st.ok()) return st;
    Query q = query(
        "DELETE FROM audit_events WHERE (created_at, id) IN (SELECT created_at, id FROM "
        "audit_events WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)");
    st = q.bind(before_ms).bind(int64_t{batch}).exec();
    int64_t n = q.changes();
    if (st.ok()) st = commit();
    if (!st.ok()) {
      rollback();
      return st;
    }
    return n;
  }

  Status delete_user_sessions(const std::string& user_id) override {
    Query q = query("DELETE FROM sessions WHERE user_id=?");
    return q.bind(user_id).exec();
  }

  Result<int64_t> purge_expired(int64_t now, int batch) override {
    // Rows stay a little past expiry where they still serve a check:
    // a used code for a day (reuse revocation), a family for a day (an
    // access token minted just before its family expired still names it),
    // lockout rows until both the lock and the window are over.
    const std::pair<const char*, int64_t> kinds[] = {
        {"DELETE FROM revoked_jtis WHERE jti IN (SELECT jti FROM revoked_jtis "
         "WHERE expires_at < ?1 LIMIT ?2)", now - 60},
        // Watermarks outlive every access token they cut (86400 s at most).
        {"DELETE FROM user_app_watermarks WHERE (user_id, app_id) IN (SELECT user_id, app_id "
         "FROM user_app_watermarks WHERE not_before < ?1 * 1000 LIMIT ?2)", now - 86400},
        {"DELETE FROM token_families WHERE id IN (SELECT id FROM token_families "
         "WHERE expires_at < ?1 LIMIT ?2)", now - 86400},
        {"DELETE FROM auth_codes WHERE hash IN (SELECT hash FROM auth_codes "
         "WHERE expires_at < ?1 LIMIT ?2)", now - 86400},
        {"DELETE FROM auth_requests WHERE id IN (SELECT id FROM auth_requests "
         "WHERE expires_at < ?1 LIMIT ?2)", now},
        {"DELETE FROM sessions WHERE hash IN (SELECT hash FROM sessions "
         "WHERE expires_at < ?1 LIMIT ?2)", now},
        {"DELETE FROM sign_in_failures WHERE (username, ip) IN (SELECT username, ip FROM "
         "sign_in_failures "
         "WHERE locked_until < ?1 AND window_start < ?1 - 86400 LIMIT ?2)", now},
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

  // ---- two-factor authentication
  Status set_user_mfa(const std::string& id, bool enabled, const std::string& sealed) override {
    Query q = query("UPDATE users SET mfa_enabled=?, totp_secret=?, totp_last_step=0 WHERE id=?");
    q.bind(int64_t{enabled});
    if (sealed.empty()) q.bind(std::optional<std::string>());
    else q.bind_blob(sealed);
    Status st = q.bind(id).exec();
    if (st.ok() && q.changes() == 0) return Status::NotFound("no such user");
    return st;
  }

  Result<std::pair<std::string, int64_t>> find_totp(const std::string& id) override {
    Query q = query("SELECT totp_secret, totp_last_step FROM users WHERE id=?");
    q.bind(id);
    if (q.step() != SQLITE_ROW) return q.error();
    return std::make_pair(q.blob(0), q.integer(1));
  }

  Result<bool> use_totp_step(const std::string& id, int64_t step) override {
    Query q = query("UPDATE users SET totp_last_step=? WHERE id=? AND totp_last_step < ?");
    Status st = q.bind(step).bind(id).bind(step).exec();
    if (!st.ok()) return st;
    return q.changes() == 1;
  }

  Status set_totp_pending(const std::string& id, const std::string& sealed) override {
    Query q = query("UPDATE users SET totp_pending=? WHERE id=?");
    if (sealed.empty()) q.bind(std::optional<std::string>());
    else q.bind_blob(sealed);
    Status st = q.bind(id).exec();
    if (st.ok() && q.changes() == 0) return Status::NotFound("no such user");
    return st;
  }

  Result<std::string> find_totp_pending(const std::string& id) override {
    Query q = query("SELECT totp_pending FROM users WHERE id=?");
    q.bind(id);
    if (q.step() != SQLITE_ROW) return q.error();
    return q.blob(0);
  }

  Result<bool> confirm_totp(const std::string& id, const std::string& sealed,
                            int64_t step) override {
    Query q = query(
        "UPDATE users SET mfa_enabled=1, totp_secret=totp_pending, totp_pending=NULL, "
        "totp_last_step=? WHERE id=? AND mfa_enabled=0 AND totp_pending=?");
    Status st = q.bind(step).bind(id).bind_blob(sealed).exec();
    if (!st.ok()) return st;
    return q.changes() == 1;
  }

  // ---- recovery codes
  Status replace_recovery_codes(const std::string& user_id, const std::vector<std::string>& hashes,
                                int64_t now) override {
    return atomically([&]() -> Status {
      Status st = query("DELETE FROM recovery_codes WHERE user_id=?").bind(user_id).exec();
      for (size_t i = 0; st.ok() && i < hashes.size(); ++i) {
        Query q = query("INSERT INTO recovery_codes (user_id, hash, created_at) VALUES (?,?,?)");
        st = q.bind(user_id).bind_blob(hashes[i]).bind(now).exec();
      }
      return st;
    });
  }

  Result<bool> use_recovery_code(const std::string& user_id, const std::string& hash, int64_t now,
                                 const std::string& ip) override {
    Query q = query(
        "UPDATE recovery_codes SET used_at=?, used_ip=? WHERE user_id=? AND hash=? AND used_at IS "
        "NULL");
    Status st = q.bind(now).bind(ip).bind(user_id).bind_blob(hash).exec();
    if (!st.ok()) return st;
    return q.changes() == 1;
  }

  Result<std::vector<RecoveryCode>> list_recovery_codes(const std::string& user_id) override {
    Query q = query(
        "SELECT created_at, used_at, used_ip FROM recovery_codes WHERE user_id=? "
        "ORDER BY created_at, hash");
    q.bind(user_id);
    std::vector<RecoveryCode> out;
    while (q.step() == SQLITE_ROW) {
      RecoveryCode c;
      c.created_at = q.integer(0);
      if (!q.is_null(1)) c.used_at = q.integer(1);
      c.used_ip = q.text(2);
      out.push_back(c);
    }
    if (!q.error().is_not_found()) return q.error();
    return out;
  }

  // ---- devices
  static Device read_device(const Query& q) {
    Device d;
    d.user_id = q.text(0);
    d.device_id = q.text(1);
    d.app_id = q.text(2);
    d.passcode_hash = q.text(3);
    d.failures = static_cast<int>(q.integer(4));
    d.created_at = q.integer(5);
    if (!q.is_null(6)) d.last_used_at = q.integer(6);
    return d;
  }

  Status insert_device(const Device& d) override {
    Query q = query(
        "INSERT INTO devices (user_id, device_id, app_id, passcode_hash, created_at) "
        "VALUES (?,?,?,?,?)");
    return q.bind(d.user_id).bind(d.device_id).bind(d.app_id).bind(d.passcode_hash)
        .bind(d.created_at)
        .exec();
  }

  Result<Device> find_device(const std::string& user_id, const std::string& device_id) override {
    Query q = query(
        "SELECT user_id, device_id, app_id, passcode_hash, failures, created_at, last_used_at "
        "FROM devices WHERE user_id=? AND device_id=?");
    q.bind(user_id).bind(device_id);
    if (q.step() != SQLITE_ROW) return q.error();
    return read_device(q);
  }

  Result<std::vector<Device>> list_devices(const std::string& user_id) override {
    Query q = query(
        "SELECT user_id, device_id, app_id, passcode_hash, failures, created_at, last_used_at "
        "FROM devices WHERE user_id=? ORDER BY created_at, device_id");
    q.bind(user_id);
    std::vector<Device> out;
    while (q.step() == SQLITE_ROW) out.push_back(read_device(q));
    if (!q.error().is_not_found()) return q.error();
    return out;
  }

  Status delete_device(const std::string& user_id, const std::string& device_id) override {
    Query q = query("DELETE FROM devices WHERE user_id=? AND device_id=?");
    Status st = q.bind(user_id).bind(device_id).exec();
    if (st.ok() && q.changes() == 0) return Status::NotFound("no such device");
    return st;
  }

  Result<int> record_device_failure(const std::string& user_id, const std::string& device_id,
                                    int max) override {
    int failures = 0;
    Status st = atomically([&]() -> Status {
      Query up = query("UPDATE devices SET failures = failures + 1 WHERE user_id=? AND device_id=?");
      Status s = up.bind(user_id).bind(device_id).exec();
      if (!s.ok()) return s;
      Result<Device> d = find_device(user_id, device_id);
      if (!d.ok()) return d.status();
      failures = d->failures;
      if (failures < max) return Status::Ok();
      Query del = query("DELETE FROM devices WHERE user_id=? AND device_id=?");
      return del.bind(user_id).bind(device_id).exec();
    });
    if (!st.ok()) return st;
    return failures;
  }

  Status record_device_use(const std::string& user_id, const std::string& device_id,
                           int64_t now) override {
    Query q = query("UPDATE devices SET failures=0, last_used_at=? WHERE user_id=? AND device_id=?");
    return q.bind(now).bind(user_id).bind(device_id).exec();
  }

 private:
  std::unique_ptr<sqlite3, DbCloser> db_;
  int writer_lock_ = -1;  // fd of "<db>-writer", flock'ed by begin_write()
  int busy_timeout_ms_ = 0;
  StoreStats stats_;
  std::unique_ptr<Syncer> sync_;  // store.synchronous FULL; null for NORMAL
  std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, StmtFinalizer>> stmts_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const Config& config) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(config.db_path.c_str(), &raw,
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
  return std::unique_ptr<Store>(new SqliteStore(db.release(), lock_fd, config.busy_timeout_ms,
                                                  config.synchronous_full,
                                                  WalSync::open(config.db_path)));
}

}  // namespace access_service
