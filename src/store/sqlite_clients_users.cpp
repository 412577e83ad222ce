// SqliteStore (sqlite_store.h): client apps and users.
#include "access/core/strings.h"
#include "sqlite_store.h"

namespace access_service {
namespace sqlite {
namespace {

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

}  // namespace

User read_user(const Query& q, int at) {
  User u;
  u.id = q.text(at + 0);
  u.email = q.text(at + 1);
  u.password_hash = q.text(at + 2);
  u.first_name = q.opt_text(at + 3);
  u.last_name = q.opt_text(at + 4);
  u.other_name = q.opt_text(at + 5);
  u.mobile_number = q.opt_text(at + 6);
  u.roles = split_words(q.text(at + 7));
  u.mfa_enabled = q.integer(at + 8) != 0;
  u.enabled = q.integer(at + 9) != 0;
  u.created_at = q.integer(at + 10);
  return u;
}

// ---- clients
Status SqliteStore::insert_client(const ClientApp& a) {
  Query q = query(Stmt::kInsertClient);
  q.bind(a.id).bind(a.client_id).bind(a.app_name).bind(a.secret_hash);
  q.bind(join_words(a.grant_types)).bind(join_words(a.redirect_uris)).bind(join_words(a.scope));
  q.bind(int64_t{a.access_seconds}).bind(a.refresh_seconds);
  q.bind(int64_t{a.auto_approve}).bind(int64_t{a.enabled}).bind(a.created_at);
  q.bind(int64_t{a.require_pkce});
  return q.exec();
}

Result<ClientApp> SqliteStore::client_where(Stmt s, const std::string& value) {
  Query q = query(s);
  q.bind(value);
  if (q.step() != SQLITE_ROW) return q.error();
  return read_client(q);
}
Result<ClientApp> SqliteStore::find_client(const std::string& id) {
  return client_where(Stmt::kFindClient, id);
}
Result<ClientApp> SqliteStore::find_client_by_client_id(const std::string& cid) {
  return client_where(Stmt::kFindClientByClientId, cid);
}

Result<ListResult<ClientApp>> SqliteStore::list_clients(const Page& page) {
  ListResult<ClientApp> out;
  Query q = query(std::string("SELECT ") + kClientCols + " FROM clients ORDER BY " + page.sort_by +
                  (page.descending ? " DESC" : " ASC") + ", id LIMIT ? OFFSET ?");
  q.bind(int64_t{page.limit == 0 ? -1 : page.limit}).bind(int64_t{page.offset});
  while (q.step() == SQLITE_ROW) out.items.push_back(read_client(q));
  if (!q.error().is_not_found()) return q.error();
  Result<int64_t> n = count_clients();
  if (!n.ok()) return n.status();
  out.count = *n;
  return out;
}

Status SqliteStore::update_client(const ClientApp& a) {
  Query q = query(Stmt::kUpdateClient);
  q.bind(a.client_id).bind(a.app_name).bind(a.secret_hash).bind(join_words(a.grant_types));
  q.bind(join_words(a.redirect_uris)).bind(join_words(a.scope)).bind(int64_t{a.access_seconds});
  q.bind(a.refresh_seconds).bind(int64_t{a.auto_approve}).bind(int64_t{a.enabled});
  q.bind(int64_t{a.require_pkce}).bind(a.id);
  Status st = q.exec();
  if (st.ok() && q.changes() == 0) return Status::NotFound("no such client app");
  return st;
}

Status SqliteStore::delete_client(const std::string& id) {
  // Its families and refresh tokens go with it (ON DELETE CASCADE); its
  // access tokens name a client that no longer exists (access_token_live).
  Query del = query(Stmt::kDeleteClient);
  Status st = del.bind(id).exec();
  if (st.ok() && del.changes() == 0) return Status::NotFound("no such client app");
  return st;
}

Result<int64_t> SqliteStore::count_clients() {
  Query q = query(Stmt::kCountClients);
  if (q.step() != SQLITE_ROW) return q.error();
  return q.integer(0);
}

Status SqliteStore::record_client_auth_failure(const std::string& id, int64_t now,
                                               int window_seconds) {
  Query q = query(Stmt::kRecordClientAuthFailure);
  return q.bind(now).bind(int64_t{window_seconds}).bind(id).exec();
}

// ---- users
Status SqliteStore::insert_user(const User& u) {
  Query q = query(Stmt::kInsertUser);
  q.bind(u.id).bind(u.email).bind(u.password_hash).bind(u.first_name).bind(u.last_name);
  q.bind(u.other_name).bind(u.mobile_number).bind(join_words(u.roles));
  q.bind(int64_t{u.mfa_enabled}).bind(int64_t{u.enabled}).bind(u.created_at);
  return q.exec();
}

Result<User> SqliteStore::user_where(Stmt s, const std::string& value) {
  Query q = query(s);
  q.bind(value);
  if (q.step() != SQLITE_ROW) return q.error();
  return read_user(q);
}
Result<User> SqliteStore::find_user(const std::string& id) {
  return user_where(Stmt::kFindUser, id);
}
Result<User> SqliteStore::find_user_by_email(const std::string& email) {
  return user_where(Stmt::kFindUserByEmail, email);
}

Result<ListResult<User>> SqliteStore::list_users(const Page& page) {
  ListResult<User> out;
  Query q = query(std::string("SELECT ") + kUserCols + " FROM users ORDER BY " + page.sort_by +
                  (page.descending ? " DESC" : " ASC") + ", id LIMIT ? OFFSET ?");
  q.bind(int64_t{page.limit == 0 ? -1 : page.limit}).bind(int64_t{page.offset});
  while (q.step() == SQLITE_ROW) out.items.push_back(read_user(q));
  if (!q.error().is_not_found()) return q.error();
  Query c = query(Stmt::kCountUsers);
  if (c.step() != SQLITE_ROW) return c.error();
  out.count = c.integer(0);
  return out;
}

Status SqliteStore::update_user_profile(const User& u) {
  Query q = query(Stmt::kUpdateUserProfile);
  q.bind(u.first_name).bind(u.last_name).bind(u.other_name).bind(u.mobile_number).bind(u.id);
  Status st = q.exec();
  if (st.ok() && q.changes() == 0) return Status::NotFound("no such user");
  return st;
}

Status SqliteStore::set_user_enabled(const std::string& id, bool enabled) {
  Query q = query(Stmt::kSetUserEnabled);
  Status st = q.bind(int64_t{enabled}).bind(id).exec();
  if (st.ok() && q.changes() == 0) return Status::NotFound("no such user");
  return st;
}

Status SqliteStore::set_user_password(const std::string& id, const std::string& phc) {
  Query q = query(Stmt::kSetUserPassword);
  Status st = q.bind(phc).bind(id).exec();
  if (st.ok() && q.changes() == 0) return Status::NotFound("no such user");
  return st;
}

Status SqliteStore::delete_user(const std::string& id) {
  // Families (and their refresh tokens), sessions, approvals, codes,
  // devices and watermarks go with the row (ON DELETE CASCADE).
  Query q = query(Stmt::kDeleteUser);
  Status st = q.bind(id).exec();
  if (st.ok() && q.changes() == 0) return Status::NotFound("no such user");
  return st;
}

}  // namespace sqlite
}  // namespace access_service
