// The SQLite implementation of Store (include/access/store/store.h), private to the
// backend: the class, its statement table and the Query helper. One
// connection per process, opened after fork() (open_sqlite_store).
//
// Statements: every fixed SQL text is an entry of Stmt, its text in
// sqlite_statements.cpp, prepared once per connection (PERSISTENT) and reset
// after each use by Query. Those that read no table are prepared when the
// store opens; the others as soon as the database is seen at this build's
// schema version (at open, or when migrate() or schema_version() gets it
// there), so SQL that does not prepare is kInternal naming the statement
// from open_sqlite_store, migrate() or check_schema(), never from the first
// request. Before that (an older schema, under accessctl migrate) a fixed
// statement is prepared on first use. Statements whose text depends on the
// call stay in a cache keyed by their text: list_clients / list_users
// (ORDER BY the page's column) and list_audit (the WHERE fragments of the
// filters that are set). Scripts (savepoints, migrations, checkpoints) run
// through sqlite3_exec.
//
// The method bodies are split by table family: sqlite_store.cpp (open,
// schema, transactions, purge), sqlite_backup.cpp, sqlite_clients_users.cpp,
// sqlite_mfa.cpp (two-factor state, recovery codes), sqlite_tokens.cpp
// (families, refresh tokens, revocation, codes), sqlite_browser.cpp (saved
// requests, sessions, approvals, devices, lockout), sqlite_audit.cpp.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "access/store/store.h"
#include "store_columns.h"
#include "wal_sync.h"

namespace access_service {
namespace sqlite {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

// A SQLite result code as a Status: kUnavailable for busy, full, read-only
// and I/O errors, kConflict for constraints, kInternal otherwise.
Status from_rc(int rc, sqlite3* db);
// Syncs the WAL of `db` (store.synchronous FULL as group commit; see its
// definition in sqlite_store.cpp). kUnavailable when it cannot.
Status sync_wal(sqlite3* db);

// store.synchronous: FULL, with the commits of every process batched into
// shared syncs (wal_sync.h); without the shared state, each commit syncs.
class Syncer {
 public:
  Syncer(std::unique_ptr<WalSync> group, StoreStats* stats)
      : group_(std::move(group)), stats_(stats) {}
  // After a write that ended a transaction: durable before it returns.
  Status after_commit(sqlite3* db);

 private:
  std::unique_ptr<WalSync> group_;
  StoreStats* stats_;
};

// A prepared statement in use: binds in order, steps, reads columns, and
// resets itself when it goes out of scope so the next user starts clean.
// With a `sync` (FULL), a write run outside a transaction (its own
// autocommit) is durable before exec() returns.
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
    if (sync_ && !sqlite3_stmt_readonly(st_) && sqlite3_get_autocommit(db_))
      return sync_->after_commit(db_);
    return Status::Ok();
  }
  // "not found", not database wording: a handler that forgets to name what
  // was missing (api.h status_reply) still shows no internals.
  Status error() const {
    return rc_ == SQLITE_DONE ? Status::NotFound("not found") : from_rc(rc_, db_);
  }
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

// The fixed statements, by table family; sqlite_statements() has their text
// in this order.
enum class Stmt {
  // No table: prepared at open.
  kUserVersion,
  kPing,
  kBegin,
  kCommit,
  // clients, users
  kInsertClient,
  kFindClient,
  kFindClientByClientId,
  kUpdateClient,
  kDeleteClient,
  kCountClients,
  kRecordClientAuthFailure,
  kInsertUser,
  kFindUser,
  kFindUserByEmail,
  kCountUsers,
  kUpdateUserProfile,
  kSetUserEnabled,
  kSetUserPassword,
  kDeleteUser,
  // two-factor state, recovery codes
  kSetUserMfa,
  kFindTotp,
  kUseTotpStep,
  kSetTotpPending,
  kFindTotpPending,
  kConfirmTotp,
  kDeleteRecoveryCodes,
  kInsertRecoveryCode,
  kUseRecoveryCode,
  kListRecoveryCodes,
  // tokens: families, refresh tokens, revocation, codes
  kAccessTokenLive,
  kInsertFamily,
  kInsertRefresh,
  kFindRefresh,
  kMarkRefreshUsed,
  kRevokeFamily,
  kRevokeUserFamilies,
  kSetUserWatermark,
  kRevokeUserFamiliesExcept,
  kSetUnboundWatermark,
  kRevokeUserAppFamilies,
  kSetUserAppWatermark,
  kDeleteUserCodes,
  kDeleteUserAppCodes,
  kRevokeAccessToken,
  kInsertCode,
  kFindCode,
  kConsumeCode,
  // browser: saved requests, sessions, approvals, devices, lockout
  kInsertAuthRequest,
  kFindAuthRequest,
  kDeleteAuthRequest,
  kInsertSession,
  kFindSessionUser,
  kDeleteSession,
  kDeleteUserSessions,
  kDeleteSessionsExcept,
  kFindApproval,
  kUpsertApproval,
  kListApprovals,
  kFindApprovalApp,
  kDeleteApproval,
  kInsertDevice,
  kFindDevice,
  kListDevices,
  kDeleteDevice,
  kCountDeviceFailure,
  kRecordDeviceUse,
  kFindLoginFailures,
  kSaveLoginFailures,
  kClearLoginFailures,
  kClearLoginFailuresFrom,
  // audit events, purge
  kInsertAudit,
  kPurgeAudit,
  kPurgeRevokedJtis,
  kPurgeWatermarks,
  kPurgeFamilies,
  kPurgeCodes,
  kPurgeAuthRequests,
  kPurgeSessions,
  kPurgeSignInFailures,
  kCount  // not a statement: how many there are
};

// The text of every Stmt, entry i for value i (sqlite_statements.cpp).
const std::vector<StatementText>& sqlite_statements();

// A users row whose kUserCols (store_columns.h) start at column `at` of the
// row `q` stands on.
User read_user(const Query& q, int at = 0);

// open_sqlite_store with another statement table (which must outlive the
// store): a test's, with a statement that does not prepare.
Result<std::unique_ptr<Store>> open_sqlite_store(const Config& config,
                                                 const std::vector<StatementText>& statements);

class SqliteStore : public Store {
 public:
  // `group`: the shared sync state (nullptr: each commit syncs); unused
  // unless `durable` (store.synchronous FULL).
  SqliteStore(sqlite3* db, int writer_lock_fd, int busy_timeout_ms, bool durable,
              std::unique_ptr<WalSync> group, const std::vector<StatementText>& statements);
  ~SqliteStore() override;

  // Prepares the fixed statements not prepared yet: those that read no
  // table, and with `schema` every other one. kInternal naming the first
  // that does not prepare.
  Status prepare_statements(bool schema);

  Status migrate() override;
  Result<int64_t> schema_version() override;
  int64_t latest_schema_version() const override;
  Status backup_to(const std::string& path) override;
  Status ping() override;
  Status check_writable() override;
  Sizes sizes() override;
  Status begin_write() override;
  Status commit() override;
  void rollback() override;
  StoreStats stats() const override { return stats_; }
  Status checkpoint() override;
  Result<int64_t> purge_expired(int64_t now, int batch) override;

  Status insert_client(const ClientApp& app) override;
  Result<ClientApp> find_client(const std::string& id) override;
  Result<ClientApp> find_client_by_client_id(const std::string& client_id) override;
  Result<ListResult<ClientApp>> list_clients(const Page& page) override;
  Status update_client(const ClientApp& app) override;
  Status delete_client(const std::string& id) override;
  Result<int64_t> count_clients() override;
  Status record_client_auth_failure(const std::string& id, int64_t now,
                                    int window_seconds) override;
  Status insert_user(const User& user) override;
  Result<User> find_user(const std::string& id) override;
  Result<User> find_user_by_email(const std::string& email) override;
  Result<ListResult<User>> list_users(const Page& page) override;
  Status update_user_profile(const User& user) override;
  Status set_user_enabled(const std::string& id, bool enabled) override;
  Status set_user_password(const std::string& id, const std::string& phc) override;
  Status delete_user(const std::string& id) override;

  Status set_user_mfa(const std::string& id, bool enabled, const std::string& sealed) override;
  Result<std::pair<std::string, int64_t>> find_totp(const std::string& id) override;
  Result<bool> use_totp_step(const std::string& id, int64_t step) override;
  Status set_totp_pending(const std::string& id, const std::string& sealed) override;
  Result<std::string> find_totp_pending(const std::string& id) override;
  Result<bool> confirm_totp(const std::string& id, const std::string& sealed,
                            int64_t step) override;
  Status replace_recovery_codes(const std::string& user_id, const std::vector<std::string>& hashes,
                                int64_t now) override;
  Result<bool> use_recovery_code(const std::string& user_id, const std::string& hash, int64_t now,
                                 const std::string& ip) override;
  Result<std::vector<RecoveryCode>> list_recovery_codes(const std::string& user_id) override;

  Result<bool> access_token_live(const AccessCheck& token) override;
  Status insert_family(const std::string& family_id, const std::string& app_id,
                       const std::string& user_id, const std::vector<std::string>& scope,
                       int64_t created_at, int64_t expires_at) override;
  Status insert_refresh(const std::string& hash, const std::string& family_id,
                        int64_t issued_at) override;
  Result<RefreshRecord> find_refresh(const std::string& hash) override;
  Result<Rotation> rotate_refresh(const std::string& hash, const std::string& successor_hash,
                                  int64_t now, int grace_seconds,
                                  const RotationAudit& audit) override;
  Status revoke_family(const std::string& family_id, int64_t now) override;
  Status revoke_user_tokens(const std::string& user_id, int64_t now) override;
  Status revoke_user_tokens_except(const std::string& user_id, const std::string& keep_family_id,
                                   const std::string& keep_session_hash, int64_t now) override;
  Status revoke_user_app_tokens(const std::string& user_id, const std::string& app_id,
                                int64_t now) override;
  Result<bool> revoke_access_token(const std::string& jti, int64_t expires_at) override;
  Status insert_code(const std::string& hash, const AuthCode& c) override;
  Result<AuthCode> find_code(const std::string& hash) override;
  Result<bool> consume_code(const std::string& hash, int64_t now, const std::string& family_id,
                            const std::string& jti) override;

  Status insert_auth_request(const AuthRequest& r) override;
  Result<AuthRequest> find_auth_request(const std::string& id, int64_t now) override;
  Status delete_auth_request(const std::string& id) override;
  Status insert_session(const std::string& hash, const std::string& user_id, int64_t created_at,
                        int64_t expires_at) override;
  Result<std::string> find_session_user(const std::string& hash, int64_t now) override;
  Status delete_session(const std::string& hash) override;
  Status delete_user_sessions(const std::string& user_id) override;
  Result<Approval> find_approval(const std::string& user_id, const std::string& app_id) override;
  Status upsert_approval(const Approval& a) override;
  Result<std::vector<Approval>> list_approvals(const std::string& user_id) override;
  Status delete_approval(const std::string& id, const std::string& user_id, int64_t now) override;
  Status insert_device(const Device& d) override;
  Result<Device> find_device(const std::string& user_id, const std::string& device_id) override;
  Result<std::vector<Device>> list_devices(const std::string& user_id) override;
  Status delete_device(const std::string& user_id, const std::string& device_id) override;
  Result<int> record_device_failure(const std::string& user_id, const std::string& device_id,
                                    int max) override;
  Status record_device_use(const std::string& user_id, const std::string& device_id,
                           int64_t now) override;
  Result<LoginFailures> find_login_failures(const std::string& username,
                                            const std::string& ip) override;
  Status save_login_failures(const std::string& username, const std::string& ip,
                             const LoginFailures& f) override;
  Status clear_login_failures(const std::string& username, const std::string* ip) override;

  Status insert_audit(const AuditEvent& event) override;
  Result<ListResult<AuditEvent>> list_audit(const AuditFilter& filter, const Page& page) override;
  Result<int64_t> purge_audit(int64_t before_ms, int batch) override;

 private:
  // The fixed statement `s`, prepared on first use when the schema was not
  // this build's at open (throws when it does not prepare, as query(sql)).
  Query query(Stmt s);
  Status prepare_fixed(size_t id);
  // A statement whose text depends on the call, from the text-keyed cache.
  Query query(const std::string& sql);
  Status exec_script(const char* sql);
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
  void unlock_writer();
  Result<Rotation> rotate_locked(const std::string& hash, const std::string& successor_hash,
                                 int64_t now, int grace_seconds);
  Status copy_into(sqlite3* dest);
  Result<ClientApp> client_where(Stmt s, const std::string& value);
  Result<User> user_where(Stmt s, const std::string& value);

  std::unique_ptr<sqlite3, DbCloser> db_;
  int writer_lock_ = -1;  // fd of "<db>-writer", flock'ed by begin_write()
  int busy_timeout_ms_ = 0;
  StoreStats stats_;
  std::unique_ptr<Syncer> sync_;  // store.synchronous FULL; null for NORMAL
  const std::vector<StatementText>& statements_;
  std::vector<std::unique_ptr<sqlite3_stmt, StmtFinalizer>> fixed_;  // by Stmt
  std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, StmtFinalizer>> stmts_;
};

}  // namespace sqlite
}  // namespace access_service
