// SqliteStore (sqlite_store.h): tokens. Access-token liveness, families and
// refresh tokens (rotation), revocation watermarks and jtis, authorization
// codes.
#include "access/core/strings.h"
#include "sqlite_store.h"

namespace access_service {
namespace sqlite {

Result<bool> SqliteStore::access_token_live(const AccessCheck& t) {
  Result<std::string> app_id = app_id_of(*this, t);
  if (!app_id.ok()) return app_id.status();
  Query q = query(Stmt::kAccessTokenLive);
  q.bind(*app_id).bind(t.user_id).bind(t.family_id).bind(t.jti).bind(t.client_id);
  if (q.step() != SQLITE_ROW) return q.error();
  const bool app_enabled = q.integer(0) != 0;
  const bool user_cut =
      t.issued_ms <= q.integer(1) || (t.family_id.empty() && t.issued_ms <= q.integer(2));
  const bool app_cut = !q.is_null(3) && t.issued_ms <= q.integer(3);
  // A family that was purged (expired) cannot have live access tokens left:
  // access tokens never outlive their family's refresh lifetime.
  const bool family_dead = !t.family_id.empty() && (q.is_null(4) || q.integer(4) != 0);
  const bool jti_revoked = q.integer(5) != 0;
  return app_enabled && !user_cut && !app_cut && !family_dead && !jti_revoked;
}

Status SqliteStore::insert_family(const std::string& family_id, const std::string& app_id,
                                  const std::string& user_id, const std::vector<std::string>& scope,
                                  int64_t created_at, int64_t expires_at) {
  Query q = query(Stmt::kInsertFamily);
  return q.bind(family_id)
      .bind(app_id)
      .bind(user_id)
      .bind(join_words(scope))
      .bind(created_at)
      .bind(expires_at)
      .exec();
}

Status SqliteStore::insert_refresh(const std::string& hash, const std::string& family_id,
                                   int64_t issued_at) {
  Query q = query(Stmt::kInsertRefresh);
  return q.bind_blob(hash).bind(family_id).bind(issued_at).exec();
}

Result<RefreshRecord> SqliteStore::find_refresh(const std::string& hash) {
  Query q = query(Stmt::kFindRefresh);
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
  r.user = read_user(q, 7);
  return r;
}

Result<Store::Rotation> SqliteStore::rotate_refresh(const std::string& hash,
                                                    const std::string& successor_hash, int64_t now,
                                                    int grace_seconds, const RotationAudit& audit) {
  Status st = begin_write();
  if (!st.ok()) return st;
  Result<Rotation> r = rotate_locked(hash, successor_hash, now, grace_seconds);
  const std::optional<AuditEvent>* row = !r.ok() ? nullptr
                                         : *r == Rotation::kRotated || *r == Rotation::kRepeat
                                             ? &audit.issued
                                         : *r == Rotation::kReused ? &audit.reused
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

// rotate_refresh under the write lock, which makes the state read here the
// state the write acts on: another worker may have rotated or revoked the
// token since any read the caller made before. The common case (unused,
// family live) is one statement and the successor's insert, as on
// PostgreSQL; every other case reads the token to tell which it is.
Result<Store::Rotation> SqliteStore::rotate_locked(const std::string& hash,
                                                   const std::string& successor_hash, int64_t now,
                                                   int grace_seconds) {
  {
    Query mark = query(Stmt::kMarkRefreshUsed);
    mark.bind(now).bind_blob(hash);
    if (mark.step() == SQLITE_ROW) {
      const std::string family_id = mark.text(0);
      if (mark.step() != SQLITE_DONE) return mark.error();  // a hash is one row
      Status st = insert_refresh(successor_hash, family_id, now);
      if (!st.ok()) return st;
      return Rotation::kRotated;
    }
    if (mark.error().code() != Status::kNotFound) return mark.error();
  }
  // Not marked: unknown, its family revoked, or used before (no unused
  // token of a live family is left under the lock).
  Result<RefreshRecord> rec = find_refresh(hash);
  if (!rec.ok())
    return rec.status().is_not_found() ? Result<Rotation>(Rotation::kUnknown) : rec.status();
  if (rec->family_revoked) return Rotation::kRevoked;
  if (!rec->used_at) return Status::Internal("refresh token neither marked nor used");
  if (grace_seconds > 0 && now - *rec->used_at <= grace_seconds) {
    Result<RefreshRecord> next = find_refresh(successor_hash);
    if (next.ok() && !next->used_at) return Rotation::kRepeat;
    if (!next.ok() && !next.status().is_not_found()) return next.status();
  }
  Status st = revoke_family(rec->family_id, now);
  if (!st.ok()) return st;
  return Rotation::kReused;
}

Status SqliteStore::revoke_family(const std::string& family_id, int64_t now) {
  Query f = query(Stmt::kRevokeFamily);
  return f.bind(now).bind(family_id).exec();
}

Status SqliteStore::revoke_user_tokens(const std::string& user_id, int64_t now) {
  return atomically([&]() -> Status {
    Query f = query(Stmt::kRevokeUserFamilies);
    Status st = f.bind(now).bind(user_id).exec();
    if (!st.ok()) return st;
    Query u = query(Stmt::kSetUserWatermark);
    st = u.bind(now_millis()).bind(user_id).exec();
    if (!st.ok()) return st;
    Query c = query(Stmt::kDeleteUserCodes);
    return c.bind(user_id).exec();
  });
}

Status SqliteStore::revoke_user_tokens_except(const std::string& user_id,
                                              const std::string& keep_family_id,
                                              const std::string& keep_session_hash, int64_t now) {
  return atomically([&]() -> Status {
    Query f = query(Stmt::kRevokeUserFamiliesExcept);
    Status st = f.bind(now).bind(user_id).bind(keep_family_id).exec();
    if (!st.ok()) return st;
    Query u = query(Stmt::kSetUnboundWatermark);
    st = u.bind(now_millis()).bind(user_id).exec();
    if (!st.ok()) return st;
    Query c = query(Stmt::kDeleteUserCodes);
    st = c.bind(user_id).exec();
    if (!st.ok()) return st;
    // Nothing kept: no comparison with an empty value, which a NULL would
    // turn into "delete nothing".
    if (keep_session_hash.empty()) return delete_user_sessions(user_id);
    Query s = query(Stmt::kDeleteSessionsExcept);
    return s.bind(user_id).bind_blob(keep_session_hash).exec();
  });
}

Status SqliteStore::revoke_user_app_tokens(const std::string& user_id, const std::string& app_id,
                                           int64_t now) {
  return atomically([&]() -> Status {
    Query f = query(Stmt::kRevokeUserAppFamilies);
    Status st = f.bind(now).bind(user_id).bind(app_id).exec();
    if (!st.ok()) return st;
    Query w = query(Stmt::kSetUserAppWatermark);
    st = w.bind(user_id).bind(app_id).bind(now_millis()).exec();
    if (!st.ok()) return st;
    Query c = query(Stmt::kDeleteUserAppCodes);
    return c.bind(user_id).bind(app_id).exec();
  });
}

Result<bool> SqliteStore::revoke_access_token(const std::string& jti, int64_t expires_at) {
  Query q = query(Stmt::kRevokeAccessToken);
  Status st = q.bind(jti).bind(expires_at).exec();
  if (!st.ok()) return st;
  return q.changes() == 1;
}

// ---- authorization codes
Status SqliteStore::insert_code(const std::string& hash, const AuthCode& c) {
  Query q = query(Stmt::kInsertCode);
  q.bind_blob(hash).bind(c.app_id).bind(c.user_id).bind(c.redirect_uri).bind(join_words(c.scope));
  return q.bind(c.code_challenge).bind(c.expires_at).bind(int64_t{c.redirect_uri_given}).exec();
}

Result<AuthCode> SqliteStore::find_code(const std::string& hash) {
  Query q = query(Stmt::kFindCode);
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

Result<bool> SqliteStore::consume_code(const std::string& hash, int64_t now,
                                       const std::string& family_id, const std::string& jti) {
  Query q = query(Stmt::kConsumeCode);
  Status st = q.bind(now)
                  .bind(family_id.empty() ? std::nullopt : std::optional<std::string>(family_id))
                  .bind(jti)
                  .bind_blob(hash)
                  .exec();
  if (!st.ok()) return st;
  return q.changes() == 1;
}

}  // namespace sqlite
}  // namespace access_service
