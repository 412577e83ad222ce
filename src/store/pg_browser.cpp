// PgStore (pg_store.h): what the browser flows keep. Saved authorization
// requests, sessions, approvals, devices and the sign-in lockout counters.
#include "access/core/strings.h"
#include "pg_store.h"

namespace access_service {
namespace pg {
namespace {

Approval read_approval(const Rows& q, int i) {
  Approval a;
  a.id = q.text(i, 0);
  a.user_id = q.text(i, 1);
  a.app_id = q.text(i, 2);
  a.scope = split_words(q.text(i, 3));
  a.created_at = q.integer(i, 4);
  a.client_id = q.text(i, 5);
  a.app_name = q.text(i, 6);
  return a;
}

Device read_device(const Rows& q, int i) {
  Device d;
  d.user_id = q.text(i, 0);
  d.device_id = q.text(i, 1);
  d.app_id = q.text(i, 2);
  d.passcode_hash = q.text(i, 3);
  d.failures = static_cast<int>(q.integer(i, 4));
  d.created_at = q.integer(i, 5);
  if (!q.is_null(i, 6)) d.last_used_at = q.integer(i, 6);
  return d;
}

}  // namespace

// ---- saved authorization requests
Status PgStore::insert_auth_request(const AuthRequest& r) {
  return done(
      run(Stmt::kInsertAuthRequest,
          {r.id, r.app_id, r.response_type, r.redirect_uri, join_words(r.scope), r.state,
           r.code_challenge, r.expires_at, r.redirect_uri_given, Param::bytes(r.browser_hash)}));
}

Result<AuthRequest> PgStore::find_auth_request(const std::string& id, int64_t now) {
  Result<Rows> q = run(Stmt::kFindAuthRequest, {id, now});
  if (!q.ok()) return q.status();
  if (q->empty()) return Status::NotFound("not found");
  AuthRequest r;
  r.id = id;
  r.app_id = q->text(0, 0);
  r.response_type = q->text(0, 1);
  r.redirect_uri = q->text(0, 2);
  r.scope = split_words(q->text(0, 3));
  r.state = q->opt_text(0, 4);
  r.code_challenge = q->opt_text(0, 5);
  r.expires_at = q->integer(0, 6);
  r.redirect_uri_given = q->boolean(0, 7);
  r.browser_hash = q->bytes(0, 8);
  return r;
}

Status PgStore::delete_auth_request(const std::string& id) {
  return changed_one(run(Stmt::kDeleteAuthRequest, {id}), "no such request");
}

// ---- sessions
Status PgStore::insert_session(const std::string& hash, const std::string& user_id,
                               int64_t created_at, int64_t expires_at) {
  return done(run(Stmt::kInsertSession, {Param::bytes(hash), user_id, created_at, expires_at}));
}

Result<std::string> PgStore::find_session_user(const std::string& hash, int64_t now) {
  Result<Rows> r = run(Stmt::kFindSessionUser, {Param::bytes(hash), now});
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::NotFound("not found");
  return r->text(0, 0);
}

Status PgStore::delete_session(const std::string& hash) {
  return done(run(Stmt::kDeleteSession, {Param::bytes(hash)}));
}

Status PgStore::delete_user_sessions(const std::string& user_id) {
  return done(run(Stmt::kDeleteUserSessions, {user_id}));
}

// ---- approvals
Result<Approval> PgStore::find_approval(const std::string& user_id, const std::string& app_id) {
  Result<Rows> r = run(Stmt::kFindApproval, {user_id, app_id});
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::NotFound("not found");
  return read_approval(*r, 0);
}

Status PgStore::upsert_approval(const Approval& a) {
  return done(
      run(Stmt::kUpsertApproval, {a.id, a.user_id, a.app_id, join_words(a.scope), a.created_at}));
}

Result<std::vector<Approval>> PgStore::list_approvals(const std::string& user_id) {
  Result<Rows> r = run(Stmt::kListApprovals, {user_id});
  if (!r.ok()) return r.status();
  std::vector<Approval> out;
  for (int i = 0; i < r->size(); ++i) out.push_back(read_approval(*r, i));
  return out;
}

Status PgStore::delete_approval(const std::string& id, const std::string& user_id, int64_t now) {
  return atomically([&]() -> Status {
    Result<Rows> r = run(Stmt::kDeleteApproval, {id, user_id});
    if (!r.ok()) return r.status();
    if (r->empty()) return Status::NotFound("no such approval");
    return revoke_user_app_tokens(user_id, r->text(0, 0), now);
  });
}

// ---- devices
Status PgStore::insert_device(const Device& d) {
  return done(
      run(Stmt::kInsertDevice, {d.user_id, d.device_id, d.app_id, d.passcode_hash, d.created_at}));
}

Result<Device> PgStore::find_device(const std::string& user_id, const std::string& device_id) {
  Result<Rows> r = run(Stmt::kFindDevice, {user_id, device_id});
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::NotFound("not found");
  return read_device(*r, 0);
}

Result<std::vector<Device>> PgStore::list_devices(const std::string& user_id) {
  Result<Rows> r = run(Stmt::kListDevices, {user_id});
  if (!r.ok()) return r.status();
  std::vector<Device> out;
  for (int i = 0; i < r->size(); ++i) out.push_back(read_device(*r, i));
  return out;
}

Status PgStore::delete_device(const std::string& user_id, const std::string& device_id) {
  return changed_one(run(Stmt::kDeleteDevice, {user_id, device_id}), "no such device");
}

Result<int> PgStore::record_device_failure(const std::string& user_id, const std::string& device_id,
                                           int max) {
  int failures = 0;
  Status st = atomically([&]() -> Status {
    Result<Rows> r = run(Stmt::kCountDeviceFailure, {user_id, device_id});
    if (!r.ok()) return r.status();
    if (r->empty()) return Status::NotFound("not found");
    failures = static_cast<int>(r->integer(0, 0));
    if (failures < max) return Status::Ok();
    return done(run(Stmt::kDeleteDevice, {user_id, device_id}));
  });
  if (!st.ok()) return st;
  return failures;
}

Status PgStore::record_device_use(const std::string& user_id, const std::string& device_id,
                                  int64_t now) {
  return changed_one(run(Stmt::kRecordDeviceUse, {now, user_id, device_id}), "no such device");
}

// ---- lockout
Result<LoginFailures> PgStore::find_login_failures(const std::string& username,
                                                   const std::string& ip) {
  if (db_.in_transaction()) {
    // A read-check-save sequence: lock the row (made when absent, with
    // zero counts: the caller reads that as no failures) until the commit.
    Result<Rows> ins = run(Stmt::kCreateLoginFailures, {username, ip});
    if (!ins.ok()) return ins.status();
  }
  Result<Rows> r =
      run(db_.in_transaction() ? Stmt::kFindLoginFailuresForUpdate : Stmt::kFindLoginFailures,
          {username, ip});
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::NotFound("not found");
  return LoginFailures{static_cast<int>(r->integer(0, 0)), r->integer(0, 1), r->integer(0, 2)};
}

Status PgStore::save_login_failures(const std::string& username, const std::string& ip,
                                    const LoginFailures& f) {
  return done(
      run(Stmt::kSaveLoginFailures, {username, ip, f.count, f.window_start, f.locked_until}));
}

Status PgStore::clear_login_failures(const std::string& username, const std::string* ip) {
  if (!ip) return done(run(Stmt::kClearLoginFailures, {username}));
  return done(run(Stmt::kClearLoginFailuresFrom, {username, *ip, kEveryAddress}));
}

}  // namespace pg
}  // namespace access_service
