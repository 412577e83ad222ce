// SqliteStore (sqlite_store.h): what the browser flows keep. Saved
// authorization requests, sessions, approvals, devices and the sign-in
// lockout counters.
#include "access/core/strings.h"
#include "sqlite_store.h"

namespace access_service {
namespace sqlite {
namespace {

Approval read_approval(const Query& q) {
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

Device read_device(const Query& q) {
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

}  // namespace

// ---- saved authorization requests
Status SqliteStore::insert_auth_request(const AuthRequest& r) {
  Query q = query(Stmt::kInsertAuthRequest);
  q.bind(r.id).bind(r.app_id).bind(r.response_type).bind(r.redirect_uri);
  q.bind(join_words(r.scope)).bind(r.state).bind(r.code_challenge).bind(r.expires_at);
  q.bind(int64_t{r.redirect_uri_given}).bind_blob(r.browser_hash);
  return q.exec();
}

Result<AuthRequest> SqliteStore::find_auth_request(const std::string& id, int64_t now) {
  Query q = query(Stmt::kFindAuthRequest);
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

Status SqliteStore::delete_auth_request(const std::string& id) {
  Query q = query(Stmt::kDeleteAuthRequest);
  Status st = q.bind(id).exec();
  if (st.ok() && q.changes() == 0) return Status::NotFound("no such request");
  return st;
}

// ---- sessions
Status SqliteStore::insert_session(const std::string& hash, const std::string& user_id,
                                   int64_t created_at, int64_t expires_at) {
  Query q = query(Stmt::kInsertSession);
  return q.bind_blob(hash).bind(user_id).bind(created_at).bind(expires_at).exec();
}

Result<std::string> SqliteStore::find_session_user(const std::string& hash, int64_t now) {
  Query q = query(Stmt::kFindSessionUser);
  q.bind_blob(hash).bind(now);
  if (q.step() != SQLITE_ROW) return q.error();
  return q.text(0);
}

Status SqliteStore::delete_session(const std::string& hash) {
  return query(Stmt::kDeleteSession).bind_blob(hash).exec();
}

Status SqliteStore::delete_user_sessions(const std::string& user_id) {
  Query q = query(Stmt::kDeleteUserSessions);
  return q.bind(user_id).exec();
}

// ---- approvals
Result<Approval> SqliteStore::find_approval(const std::string& user_id, const std::string& app_id) {
  Query q = query(Stmt::kFindApproval);
  q.bind(user_id).bind(app_id);
  if (q.step() != SQLITE_ROW) return q.error();
  return read_approval(q);
}

Status SqliteStore::upsert_approval(const Approval& a) {
  Query q = query(Stmt::kUpsertApproval);
  return q.bind(a.id)
      .bind(a.user_id)
      .bind(a.app_id)
      .bind(join_words(a.scope))
      .bind(a.created_at)
      .exec();
}

Result<std::vector<Approval>> SqliteStore::list_approvals(const std::string& user_id) {
  Query q = query(Stmt::kListApprovals);
  q.bind(user_id);
  std::vector<Approval> out;
  while (q.step() == SQLITE_ROW) out.push_back(read_approval(q));
  if (!q.error().is_not_found()) return q.error();
  return out;
}

Status SqliteStore::delete_approval(const std::string& id, const std::string& user_id,
                                    int64_t now) {
  return atomically([&]() -> Status {
    Query find = query(Stmt::kFindApprovalApp);
    find.bind(id).bind(user_id);
    if (find.step() != SQLITE_ROW) {
      Status st = find.error();
      return st.is_not_found() ? Status::NotFound("no such approval") : st;
    }
    std::string app_id = find.text(0);
    Query del = query(Stmt::kDeleteApproval);
    Status st = del.bind(id).exec();
    if (!st.ok()) return st;
    return revoke_user_app_tokens(user_id, app_id, now);
  });
}

// ---- devices
Status SqliteStore::insert_device(const Device& d) {
  Query q = query(Stmt::kInsertDevice);
  return q.bind(d.user_id)
      .bind(d.device_id)
      .bind(d.app_id)
      .bind(d.passcode_hash)
      .bind(d.created_at)
      .exec();
}

Result<Device> SqliteStore::find_device(const std::string& user_id, const std::string& device_id) {
  Query q = query(Stmt::kFindDevice);
  q.bind(user_id).bind(device_id);
  if (q.step() != SQLITE_ROW) return q.error();
  return read_device(q);
}

Result<std::vector<Device>> SqliteStore::list_devices(const std::string& user_id) {
  Query q = query(Stmt::kListDevices);
  q.bind(user_id);
  std::vector<Device> out;
  while (q.step() == SQLITE_ROW) out.push_back(read_device(q));
  if (!q.error().is_not_found()) return q.error();
  return out;
}

Status SqliteStore::delete_device(const std::string& user_id, const std::string& device_id) {
  Query q = query(Stmt::kDeleteDevice);
  Status st = q.bind(user_id).bind(device_id).exec();
  if (st.ok() && q.changes() == 0) return Status::NotFound("no such device");
  return st;
}

Result<int> SqliteStore::record_device_failure(const std::string& user_id,
                                               const std::string& device_id, int max) {
  int failures = 0;
  Status st = atomically([&]() -> Status {
    Query up = query(Stmt::kCountDeviceFailure);
    Status s = up.bind(user_id).bind(device_id).exec();
    if (!s.ok()) return s;
    Result<Device> d = find_device(user_id, device_id);
    if (!d.ok()) return d.status();
    failures = d->failures;
    if (failures < max) return Status::Ok();
    Query del = query(Stmt::kDeleteDevice);
    return del.bind(user_id).bind(device_id).exec();
  });
  if (!st.ok()) return st;
  return failures;
}

Status SqliteStore::record_device_use(const std::string& user_id, const std::string& device_id,
                                      int64_t now) {
  Query q = query(Stmt::kRecordDeviceUse);
  Status st = q.bind(now).bind(user_id).bind(device_id).exec();
  if (st.ok() && q.changes() == 0) return Status::NotFound("no such device");
  return st;
}

// ---- lockout
Result<LoginFailures> SqliteStore::find_login_failures(const std::string& username,
                                                       const std::string& ip) {
  Query q = query(Stmt::kFindLoginFailures);
  q.bind(username).bind(ip);
  if (q.step() != SQLITE_ROW) return q.error();
  return LoginFailures{static_cast<int>(q.integer(0)), q.integer(1), q.integer(2)};
}

Status SqliteStore::save_login_failures(const std::string& username, const std::string& ip,
                                        const LoginFailures& f) {
  Query q = query(Stmt::kSaveLoginFailures);
  q.bind(username).bind(ip).bind(int64_t{f.count}).bind(f.window_start).bind(f.locked_until);
  return q.exec();
}

Status SqliteStore::clear_login_failures(const std::string& username, const std::string* ip) {
  if (!ip) return query(Stmt::kClearLoginFailures).bind(username).exec();
  Query q = query(Stmt::kClearLoginFailuresFrom);
  return q.bind(username).bind(*ip).bind(std::string(kEveryAddress)).exec();
}

}  // namespace sqlite
}  // namespace access_service
