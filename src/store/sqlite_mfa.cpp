// SqliteStore (sqlite_store.h): two-factor state (the users row's TOTP
// columns) and recovery codes.
#include "sqlite_store.h"

namespace access_service {
namespace sqlite {

Status SqliteStore::set_user_mfa(const std::string& id, bool enabled, const std::string& sealed) {
  Query q = query(Stmt::kSetUserMfa);
  q.bind(int64_t{enabled});
  if (sealed.empty())
    q.bind(std::optional<std::string>());
  else
    q.bind_blob(sealed);
  Status st = q.bind(id).exec();
  if (st.ok() && q.changes() == 0) return Status::NotFound("no such user");
  return st;
}

Result<std::pair<std::string, int64_t>> SqliteStore::find_totp(const std::string& id) {
  Query q = query(Stmt::kFindTotp);
  q.bind(id);
  if (q.step() != SQLITE_ROW) return q.error();
  return std::make_pair(q.blob(0), q.integer(1));
}

Result<bool> SqliteStore::use_totp_step(const std::string& id, int64_t step) {
  Query q = query(Stmt::kUseTotpStep);
  Status st = q.bind(step).bind(id).bind(step).exec();
  if (!st.ok()) return st;
  return q.changes() == 1;
}

Status SqliteStore::set_totp_pending(const std::string& id, const std::string& sealed) {
  Query q = query(Stmt::kSetTotpPending);
  if (sealed.empty())
    q.bind(std::optional<std::string>());
  else
    q.bind_blob(sealed);
  Status st = q.bind(id).exec();
  if (st.ok() && q.changes() == 0) return Status::NotFound("no such user");
  return st;
}

Result<std::string> SqliteStore::find_totp_pending(const std::string& id) {
  Query q = query(Stmt::kFindTotpPending);
  q.bind(id);
  if (q.step() != SQLITE_ROW) return q.error();
  return q.blob(0);
}

Result<bool> SqliteStore::confirm_totp(const std::string& id, const std::string& sealed,
                                       int64_t step) {
  Query q = query(Stmt::kConfirmTotp);
  Status st = q.bind(step).bind(id).bind_blob(sealed).exec();
  if (!st.ok()) return st;
  return q.changes() == 1;
}

// ---- recovery codes
Status SqliteStore::replace_recovery_codes(const std::string& user_id,
                                           const std::vector<std::string>& hashes, int64_t now) {
  return atomically([&]() -> Status {
    Status st = query(Stmt::kDeleteRecoveryCodes).bind(user_id).exec();
    for (size_t i = 0; st.ok() && i < hashes.size(); ++i) {
      Query q = query(Stmt::kInsertRecoveryCode);
      st = q.bind(user_id).bind_blob(hashes[i]).bind(now).exec();
    }
    return st;
  });
}

Result<bool> SqliteStore::use_recovery_code(const std::string& user_id, const std::string& hash,
                                            int64_t now, const std::string& ip) {
  Query q = query(Stmt::kUseRecoveryCode);
  Status st = q.bind(now).bind(ip).bind(user_id).bind_blob(hash).exec();
  if (!st.ok()) return st;
  return q.changes() == 1;
}

Result<std::vector<RecoveryCode>> SqliteStore::list_recovery_codes(const std::string& user_id) {
  Query q = query(Stmt::kListRecoveryCodes);
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

}  // namespace sqlite
}  // namespace access_service
