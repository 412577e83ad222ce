// PgStore (pg_store.h): client apps and users.
#include "access/core/strings.h"
#include "pg_store.h"

namespace access_service {
namespace pg {
namespace {

ClientApp read_client(const Rows& q, int i) {
  ClientApp a;
  a.id = q.text(i, 0);
  a.client_id = q.text(i, 1);
  a.app_name = q.text(i, 2);
  a.secret_hash = q.text(i, 3);
  a.grant_types = split_words(q.text(i, 4));
  a.redirect_uris = split_words(q.text(i, 5));
  a.scope = split_words(q.text(i, 6));
  a.access_seconds = static_cast<int>(q.integer(i, 7));
  if (!q.is_null(i, 8)) a.refresh_seconds = static_cast<int>(q.integer(i, 8));
  a.auto_approve = q.boolean(i, 9);
  a.enabled = q.boolean(i, 10);
  a.created_at = q.integer(i, 11);
  a.require_pkce = q.boolean(i, 12);
  a.auth_failures = static_cast<int>(q.integer(i, 13));
  a.auth_window_start = q.integer(i, 14);
  return a;
}

}  // namespace

User read_user(const Rows& q, int i, int at) {
  User u;
  u.id = q.text(i, at + 0);
  u.email = q.text(i, at + 1);
  u.password_hash = q.text(i, at + 2);
  u.first_name = q.opt_text(i, at + 3);
  u.last_name = q.opt_text(i, at + 4);
  u.other_name = q.opt_text(i, at + 5);
  u.mobile_number = q.opt_text(i, at + 6);
  u.roles = split_words(q.text(i, at + 7));
  u.mfa_enabled = q.boolean(i, at + 8);
  u.enabled = q.boolean(i, at + 9);
  u.created_at = q.integer(i, at + 10);
  return u;
}

std::string PgStore::order_by(const Page& page) {
  return " ORDER BY " + page.sort_by + (page.descending ? " DESC" : " ASC") +
         ", id LIMIT $1 OFFSET $2";
}

Param PgStore::limit(const Page& page) {
  return page.limit == 0 ? Param::null() : Param(page.limit);  // NULL: LIMIT ALL
}

// ---- clients
Status PgStore::insert_client(const ClientApp& a) {
  return done(run(Stmt::kInsertClient,
                  {a.id, a.client_id, a.app_name, a.secret_hash, join_words(a.grant_types),
                   join_words(a.redirect_uris), join_words(a.scope), a.access_seconds,
                   a.refresh_seconds, a.auto_approve, a.enabled, a.created_at, a.require_pkce}));
}

Result<ClientApp> PgStore::client_where(Stmt s, const std::string& value) {
  Result<Rows> r = run(s, {value});
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::NotFound("not found");
  return read_client(*r, 0);
}
Result<ClientApp> PgStore::find_client(const std::string& id) {
  return client_where(db_.in_transaction() ? Stmt::kFindClientLocked : Stmt::kFindClient, id);
}
Result<ClientApp> PgStore::find_client_by_client_id(const std::string& cid) {
  return client_where(Stmt::kFindClientByClientId, cid);
}

Result<ListResult<ClientApp>> PgStore::list_clients(const Page& page) {
  ListResult<ClientApp> out;
  Result<Rows> r = db_.run(std::string("SELECT ") + kClientCols + " FROM clients" + order_by(page),
                           {limit(page), page.offset});
  if (!r.ok()) return r.status();
  for (int i = 0; i < r->size(); ++i) out.items.push_back(read_client(*r, i));
  Result<int64_t> n = count_clients();
  if (!n.ok()) return n.status();
  out.count = *n;
  return out;
}

Status PgStore::update_client(const ClientApp& a) {
  return changed_one(run(Stmt::kUpdateClient,
                         {a.client_id, a.app_name, a.secret_hash, join_words(a.grant_types),
                          join_words(a.redirect_uris), join_words(a.scope), a.access_seconds,
                          a.refresh_seconds, a.auto_approve, a.enabled, a.require_pkce, a.id}),
                     "no such client app");
}

Status PgStore::delete_client(const std::string& id) {
  // Families, refresh tokens, codes, approvals go with it (ON DELETE
  // CASCADE); its access tokens name a client that no longer exists.
  return changed_one(run(Stmt::kDeleteClient, {id}), "no such client app");
}

Result<int64_t> PgStore::count_clients() {
  Result<Rows> r = run(Stmt::kCountClients);
  if (!r.ok()) return r.status();
  return r->integer(0, 0);
}

Status PgStore::record_client_auth_failure(const std::string& id, int64_t now, int window_seconds) {
  return done(run(Stmt::kRecordClientAuthFailure, {now, window_seconds, id}));
}

// ---- users
Status PgStore::insert_user(const User& u) {
  return done(run(Stmt::kInsertUser,
                  {u.id, u.email, u.password_hash, u.first_name, u.last_name, u.other_name,
                   u.mobile_number, join_words(u.roles), u.mfa_enabled, u.enabled, u.created_at}));
}

Result<User> PgStore::user_where(Stmt s, const std::string& value) {
  Result<Rows> r = run(s, {value});
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::NotFound("not found");
  return read_user(*r, 0);
}
Result<User> PgStore::find_user(const std::string& id) {
  return user_where(db_.in_transaction() ? Stmt::kFindUserLocked : Stmt::kFindUser, id);
}
Result<User> PgStore::find_user_by_email(const std::string& email) {
  return user_where(Stmt::kFindUserByEmail, email);
}

Result<ListResult<User>> PgStore::list_users(const Page& page) {
  ListResult<User> out;
  Result<Rows> r = db_.run(std::string("SELECT ") + kUserCols + " FROM users" + order_by(page),
                           {limit(page), page.offset});
  if (!r.ok()) return r.status();
  for (int i = 0; i < r->size(); ++i) out.items.push_back(read_user(*r, i));
  Result<Rows> c = run(Stmt::kCountUsers);
  if (!c.ok()) return c.status();
  out.count = c->integer(0, 0);
  return out;
}

Status PgStore::update_user_profile(const User& u) {
  return changed_one(run(Stmt::kUpdateUserProfile,
                         {u.first_name, u.last_name, u.other_name, u.mobile_number, u.id}),
                     "no such user");
}

Status PgStore::delete_user(const std::string& id) {
  // Families (and their refresh tokens), sessions, approvals, codes,
  // devices and watermarks go with the row (ON DELETE CASCADE).
  return changed_one(run(Stmt::kDeleteUser, {id}), "no such user");
}

Status PgStore::set_user_enabled(const std::string& id, bool enabled) {
  return changed_one(run(Stmt::kSetUserEnabled, {enabled, id}), "no such user");
}

Status PgStore::set_user_password(const std::string& id, const std::string& phc) {
  return changed_one(run(Stmt::kSetUserPassword, {phc, id}), "no such user");
}

}  // namespace pg
}  // namespace access_service
