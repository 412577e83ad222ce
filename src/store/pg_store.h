// The PostgreSQL implementation of Store (include/access/store/store.h), for
// several hosts as one service; private to the backend. One connection per
// process, opened after fork() (pg_conn.h); READ COMMITTED transactions;
// every consumption is a conditional UPDATE or a row lock, so exactly one of
// any number of hosts wins it. Commits are durable when acknowledged
// (synchronous_commit on, PostgreSQL's default; the server flushes
// concurrent sessions' commits together).
//
// Statements: every fixed SQL text is an entry of Stmt, its text in
// pg_statements.cpp, prepared on each connection right after it is made:
// those that read no table at once, the others as soon as the database is
// seen at this build's schema version (at connect, or when migrate() gets it
// there). SQL that does not prepare is kInternal naming the statement, from
// the connect (so from check_schema() at start), never from a later request.
// Before that (an older schema, under accessctl migrate) a fixed statement
// is prepared on first use. Statements whose text depends on the call are
// prepared on first use by their text (pg::Conn::run): list_clients /
// list_users (ORDER BY the page's column) and list_audit (the WHERE
// fragments of the filters that are set). Migrations run as scripts.
//
// The method bodies are split by table family: pg_store.cpp (schema,
// health, transactions, purge, shared key files), pg_clients_users.cpp,
// pg_mfa.cpp (two-factor state, recovery codes), pg_tokens.cpp (families,
// refresh tokens, revocation, codes), pg_browser.cpp (saved requests,
// sessions, approvals, devices, lockout), pg_audit.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "access/store/store.h"
#include "pg_conn.h"
#include "store_columns.h"

namespace access_service {
namespace pg {

// The fixed statements, by table family; pg_statements() has their text in
// this order.
enum class Stmt {
  // No table: prepared at connect.
  kSchemaTableExists,
  kPing,
  kCheckWritable,
  kDatabaseSize,
  kTryPurgeLock,
  kPurgeUnlock,
  // schema
  kSchemaVersion,
  kMigrationVersion,
  // clients, users
  kInsertClient,
  kFindClient,
  kFindClientLocked,
  kFindClientByClientId,
  kUpdateClient,
  kDeleteClient,
  kCountClients,
  kRecordClientAuthFailure,
  kInsertUser,
  kFindUser,
  kFindUserLocked,
  kLockUser,
  kFindUserByEmail,
  kCountUsers,
  kUpdateUserProfile,
  kDeleteUser,
  kSetUserEnabled,
  kSetUserPassword,
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
  kFindRefreshForUpdate,
  kRotate,
  kRotateAudited,
  kMarkRefreshUsed,
  kSuccessorUnused,
  kRevokeFamily,
  kRevokeUserFamilies,
  kSetUserWatermark,
  kRevokeUserAppFamilies,
  kSetUserAppWatermark,
  kRevokeAccessToken,
  kDeleteUserCodes,
  kDeleteUserAppCodes,
  kRevokeUserFamiliesExcept,
  kSetUnboundWatermark,
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
  kDeleteApproval,
  kInsertDevice,
  kFindDevice,
  kListDevices,
  kDeleteDevice,
  kCountDeviceFailure,
  kRecordDeviceUse,
  kCreateLoginFailures,
  kFindLoginFailures,
  kFindLoginFailuresForUpdate,
  kSaveLoginFailures,
  kClearLoginFailures,
  kClearLoginFailuresFrom,
  // audit events, purge, shared key files
  kInsertAudit,
  kPurgeAudit,
  kPurgeRevokedJtis,
  kPurgeWatermarks,
  kPurgeFamilies,
  kPurgeCodes,
  kPurgeAuthRequests,
  kPurgeSessions,
  kPurgeSignInFailures,
  kListKeyFiles,
  kPutKeyFile,
  kDeleteKeyFile,
  kCount  // not a statement: how many there are
};

// The text of every Stmt, entry i for value i (pg_statements.cpp).
const std::vector<StatementText>& pg_statements();

// A users row of result row `i` whose kUserCols (store_columns.h) start at
// column `at`.
User read_user(const Rows& q, int i, int at = 0);

// open_pg_store with another statement table (which must outlive the
// store): a test's, with a statement that does not prepare.
Result<std::unique_ptr<Store>> open_pg_store(const Config& config,
                                             const std::vector<StatementText>& statements);

// The status of a statement that was to change one row: kNotFound (with
// `not_found`) when it changed none.
inline Status changed_one(const Result<Rows>& r, const char* not_found) {
  if (!r.ok()) return r.status();
  return r->affected() == 0 ? Status::NotFound(not_found) : Status::Ok();
}
inline Status done(const Result<Rows>& r) { return r.status(); }

class PgStore : public Store {
 public:
  PgStore(const Config& config, const std::vector<StatementText>& statements);

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
  bool shares_keys() const override { return true; }
  Result<std::vector<std::pair<std::string, std::string>>> list_key_files() override;
  Status put_key_file(const std::string& name, const std::string& sealed, int64_t now) override;
  Status delete_key_file(const std::string& name) override;

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
  // Runs fixed statement `s` with $1.. bound to `params`.
  Result<Rows> run(Stmt s, const std::vector<Param>& params = {}) {
    return db_.run_fixed(static_cast<int>(s), params);
  }
  // Runs `body` atomically: inside the caller's transaction, or in one of
  // its own.
  template <typename F>
  Status atomically(F body) {
    if (db_.in_transaction()) return body();
    Status st = begin_write();
    if (!st.ok()) return st;
    st = body();
    if (st.ok()) return db_.commit();
    db_.rollback();
    return st;
  }
  Status migrate_locked(int64_t latest);
  Result<ClientApp> client_where(Stmt s, const std::string& value);
  Result<User> user_where(Stmt s, const std::string& value);
  // " ORDER BY <page.sort_by> ..., id LIMIT $1 OFFSET $2"; `sort_by` is a
  // column name the handler checked against its allow-list.
  static std::string order_by(const Page& page);
  static Param limit(const Page& page);  // NULL (LIMIT ALL) for 0
  Result<RefreshRecord> refresh_where(const std::string& hash, bool lock);
  Result<Rotation> rotate_locked(const std::string& hash, const std::string& successor_hash,
                                 int64_t now, int grace_seconds, const RotationAudit& audit);
  Status rotate_under_lock(const std::string& hash, const std::string& successor_hash, int64_t now,
                           int grace_seconds, Rotation* result);
  // The 11 values of kAuditCols, in order.
  static void append_audit_params(const AuditEvent& e, std::vector<Param>* out);

  Conn db_;
  StoreStats stats_;
};

}  // namespace pg
}  // namespace access_service
