// PgStore (pg_store.h): tokens. Access-token liveness, families and refresh
// tokens (rotation), revocation watermarks and jtis, authorization codes.
#include "access/core/strings.h"
#include "pg_store.h"

namespace access_service {
namespace pg {

Result<bool> PgStore::access_token_live(const AccessCheck& t) {
  Result<std::string> app_id = app_id_of(*this, t);
  if (!app_id.ok()) return app_id.status();
  Result<Rows> r =
      run(Stmt::kAccessTokenLive, {*app_id, t.user_id, t.family_id, t.jti, t.client_id});
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::NotFound("not found");
  const bool app_enabled = r->boolean(0, 0);
  const bool user_cut =
      t.issued_ms <= r->integer(0, 1) || (t.family_id.empty() && t.issued_ms <= r->integer(0, 2));
  const bool app_cut = !r->is_null(0, 3) && t.issued_ms <= r->integer(0, 3);
  // A purged (expired) family has no live access tokens left.
  const bool family_dead = !t.family_id.empty() && (r->is_null(0, 4) || r->boolean(0, 4));
  const bool jti_revoked = r->boolean(0, 5);
  return app_enabled && !user_cut && !app_cut && !family_dead && !jti_revoked;
}

Status PgStore::insert_family(const std::string& family_id, const std::string& app_id,
                              const std::string& user_id, const std::vector<std::string>& scope,
                              int64_t created_at, int64_t expires_at) {
  return done(run(Stmt::kInsertFamily,
                  {family_id, app_id, user_id, join_words(scope), created_at, expires_at}));
}

Status PgStore::insert_refresh(const std::string& hash, const std::string& family_id,
                               int64_t issued_at) {
  return done(run(Stmt::kInsertRefresh, {Param::bytes(hash), family_id, issued_at}));
}

Result<RefreshRecord> PgStore::refresh_where(const std::string& hash, bool lock) {
  Result<Rows> r =
      run(lock ? Stmt::kFindRefreshForUpdate : Stmt::kFindRefresh, {Param::bytes(hash)});
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::NotFound("not found");
  RefreshRecord rec;
  rec.family_id = r->text(0, 0);
  rec.app_id = r->text(0, 1);
  rec.user_id = r->text(0, 2);
  rec.scope = split_words(r->text(0, 3));
  rec.family_expires_at = r->integer(0, 4);
  rec.family_revoked = !r->is_null(0, 5);
  if (!r->is_null(0, 6)) rec.used_at = r->integer(0, 6);
  rec.user = read_user(*r, 0, 7);
  return rec;
}

Result<RefreshRecord> PgStore::find_refresh(const std::string& hash) {
  return refresh_where(hash, false);
}

// The common case is one statement, atomic on its own (Stmt::kRotate): a
// concurrent caller with the same token, on any host, waits for the row and
// then finds it used (0 rows). Every other case takes the locked path below,
// which tells them apart. The audit row of kRotated goes in the same
// statement (kRotateAudited).
Result<Store::Rotation> PgStore::rotate_refresh(const std::string& hash,
                                                const std::string& successor_hash, int64_t now,
                                                int grace_seconds, const RotationAudit& audit) {
  if (!db_.in_transaction()) {
    std::vector<Param> params = {Param::bytes(hash), Param::bytes(successor_hash), now};
    if (audit.issued) append_audit_params(*audit.issued, &params);
    ++stats_.write_transactions;
    Result<Rows> fast = run(audit.issued ? Stmt::kRotateAudited : Stmt::kRotate, params);
    if (!fast.ok()) return fast.status();
    if (fast->affected() == 1) return Rotation::kRotated;
  }
  return rotate_locked(hash, successor_hash, now, grace_seconds, audit);
}

// The token's row and its family's are locked (FOR UPDATE) for the
// transaction: a concurrent caller waits and then reads the token used.
Result<Store::Rotation> PgStore::rotate_locked(const std::string& hash,
                                               const std::string& successor_hash, int64_t now,
                                               int grace_seconds, const RotationAudit& audit) {
  Rotation out = Rotation::kUnknown;
  Status st = atomically([&]() -> Status {
    Status s = rotate_under_lock(hash, successor_hash, now, grace_seconds, &out);
    const std::optional<AuditEvent>& row = out == Rotation::kReused ? audit.reused
                                           : out == Rotation::kRotated || out == Rotation::kRepeat
                                               ? audit.issued
                                               : std::optional<AuditEvent>();
    if (s.ok() && row) s = insert_audit(*row);
    return s;
  });
  if (!st.ok()) return st;
  return out;
}

// The locked path's steps; *result is set for every outcome but errors.
Status PgStore::rotate_under_lock(const std::string& hash, const std::string& successor_hash,
                                  int64_t now, int grace_seconds, Rotation* result) {
  Rotation& out = *result;
  Result<RefreshRecord> rec = refresh_where(hash, true);
  if (!rec.ok()) return rec.status().is_not_found() ? Status::Ok() : rec.status();
  if (rec->family_revoked) {
    out = Rotation::kRevoked;
    return Status::Ok();
  }
  if (!rec->used_at) {
    Status s = done(run(Stmt::kMarkRefreshUsed, {now, Param::bytes(hash)}));
    if (s.ok()) s = insert_refresh(successor_hash, rec->family_id, now);
    if (s.ok()) out = Rotation::kRotated;
    return s;
  }
  if (grace_seconds > 0 && now - *rec->used_at <= grace_seconds) {
    Result<Rows> next = run(Stmt::kSuccessorUnused, {Param::bytes(successor_hash)});
    if (!next.ok()) return next.status();
    if (!next->empty() && next->boolean(0, 0)) {
      out = Rotation::kRepeat;
      return Status::Ok();
    }
  }
  out = Rotation::kReused;
  return revoke_family(rec->family_id, now);
}

Status PgStore::revoke_family(const std::string& family_id, int64_t now) {
  return done(run(Stmt::kRevokeFamily, {now, family_id}));
}

// A revocation of a user's tokens locks the user's row before anything else.
// A fresh grant holds that row (find_user inside its transaction is FOR
// UPDATE, src/handlers/token.cpp) from its re-check of the account to its
// commit. So a revocation either waits for the grant and then revokes its new
// family too, or commits first and the grant sees the account changed. Under
// READ COMMITTED an UPDATE sees only committed rows: without the lock, a
// family inserted while the revocation ran would outlive it.
Status PgStore::revoke_user_tokens(const std::string& user_id, int64_t now) {
  return atomically([&]() -> Status {
    Status st = done(run(Stmt::kLockUser, {user_id}));  // first: see above
    if (st.ok()) st = done(run(Stmt::kRevokeUserFamilies, {now, user_id}));
    if (st.ok())
      st = done(run(Stmt::kSetUserWatermark, {static_cast<long long>(now_millis()), user_id}));
    if (!st.ok()) return st;
    return done(run(Stmt::kDeleteUserCodes, {user_id}));
  });
}

Status PgStore::revoke_user_app_tokens(const std::string& user_id, const std::string& app_id,
                                       int64_t now) {
  return atomically([&]() -> Status {
    Status st = done(run(Stmt::kLockUser, {user_id}));  // first: see above
    if (st.ok()) st = done(run(Stmt::kRevokeUserAppFamilies, {now, user_id, app_id}));
    if (st.ok())
      st = done(
          run(Stmt::kSetUserAppWatermark, {user_id, app_id, static_cast<long long>(now_millis())}));
    if (!st.ok()) return st;
    return done(run(Stmt::kDeleteUserAppCodes, {user_id, app_id}));
  });
}

Result<bool> PgStore::revoke_access_token(const std::string& jti, int64_t expires_at) {
  Result<Rows> r = run(Stmt::kRevokeAccessToken, {jti, expires_at});
  if (!r.ok()) return r.status();
  return r->affected() == 1;
}

Status PgStore::revoke_user_tokens_except(const std::string& user_id,
                                          const std::string& keep_family_id,
                                          const std::string& keep_session_hash, int64_t now) {
  return atomically([&]() -> Status {
    Status st = done(run(Stmt::kLockUser, {user_id}));  // first: see above
    if (st.ok()) st = done(run(Stmt::kRevokeUserFamiliesExcept, {now, user_id, keep_family_id}));
    if (st.ok())
      st = done(run(Stmt::kSetUnboundWatermark, {static_cast<long long>(now_millis()), user_id}));
    if (st.ok()) st = done(run(Stmt::kDeleteUserCodes, {user_id}));
    if (!st.ok()) return st;
    if (keep_session_hash.empty()) return delete_user_sessions(user_id);
    return done(run(Stmt::kDeleteSessionsExcept, {user_id, Param::bytes(keep_session_hash)}));
  });
}

// ---- authorization codes
Status PgStore::insert_code(const std::string& hash, const AuthCode& c) {
  return done(run(Stmt::kInsertCode,
                  {Param::bytes(hash), c.app_id, c.user_id, c.redirect_uri, join_words(c.scope),
                   c.code_challenge, c.expires_at, c.redirect_uri_given}));
}

Result<AuthCode> PgStore::find_code(const std::string& hash) {
  Result<Rows> q = run(Stmt::kFindCode, {Param::bytes(hash)});
  if (!q.ok()) return q.status();
  if (q->empty()) return Status::NotFound("not found");
  AuthCode c;
  c.app_id = q->text(0, 0);
  c.user_id = q->text(0, 1);
  c.redirect_uri = q->text(0, 2);
  c.scope = split_words(q->text(0, 3));
  c.code_challenge = q->opt_text(0, 4);
  c.expires_at = q->integer(0, 5);
  if (!q->is_null(0, 6)) c.used_at = q->integer(0, 6);
  c.family_id = q->text(0, 7);
  c.access_jti = q->text(0, 8);
  c.redirect_uri_given = q->boolean(0, 9);
  return c;
}

Result<bool> PgStore::consume_code(const std::string& hash, int64_t now,
                                   const std::string& family_id, const std::string& jti) {
  Result<Rows> r =
      run(Stmt::kConsumeCode,
          {now, family_id.empty() ? Param::null() : Param(family_id), jti, Param::bytes(hash)});
  if (!r.ok()) return r.status();
  return r->affected() == 1;
}

}  // namespace pg
}  // namespace access_service
