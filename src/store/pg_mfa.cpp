// PgStore (pg_store.h): two-factor state (the users row's TOTP columns) and
// recovery codes.
#include "pg_store.h"

namespace access_service {
namespace pg {

Status PgStore::set_user_mfa(const std::string& id, bool enabled, const std::string& sealed) {
  return changed_one(
      run(Stmt::kSetUserMfa, {enabled, sealed.empty() ? Param::null() : Param::bytes(sealed), id}),
      "no such user");
}

Result<std::pair<std::string, int64_t>> PgStore::find_totp(const std::string& id) {
  Result<Rows> r = run(Stmt::kFindTotp, {id});
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::NotFound("not found");
  return std::make_pair(r->bytes(0, 0), r->integer(0, 1));
}

Result<bool> PgStore::use_totp_step(const std::string& id, int64_t step) {
  Result<Rows> r = run(Stmt::kUseTotpStep, {step, id});
  if (!r.ok()) return r.status();
  return r->affected() == 1;
}

Status PgStore::set_totp_pending(const std::string& id, const std::string& sealed) {
  return changed_one(
      run(Stmt::kSetTotpPending, {sealed.empty() ? Param::null() : Param::bytes(sealed), id}),
      "no such user");
}

Result<std::string> PgStore::find_totp_pending(const std::string& id) {
  Result<Rows> r = run(Stmt::kFindTotpPending, {id});
  if (!r.ok()) return r.status();
  if (r->empty()) return Status::NotFound("not found");
  return r->bytes(0, 0);
}

Result<bool> PgStore::confirm_totp(const std::string& id, const std::string& sealed, int64_t step) {
  Result<Rows> r = run(Stmt::kConfirmTotp, {step, id, Param::bytes(sealed)});
  if (!r.ok()) return r.status();
  return r->affected() == 1;
}

// ---- recovery codes
Status PgStore::replace_recovery_codes(const std::string& user_id,
                                       const std::vector<std::string>& hashes, int64_t now) {
  return atomically([&]() -> Status {
    Status st = done(run(Stmt::kDeleteRecoveryCodes, {user_id}));
    for (size_t i = 0; st.ok() && i < hashes.size(); ++i)
      st = done(run(Stmt::kInsertRecoveryCode, {user_id, Param::bytes(hashes[i]), now}));
    return st;
  });
}

Result<bool> PgStore::use_recovery_code(const std::string& user_id, const std::string& hash,
                                        int64_t now, const std::string& ip) {
  // A concurrent use of the same code waits for the row, then finds it used.
  Result<Rows> r = run(Stmt::kUseRecoveryCode, {now, ip, user_id, Param::bytes(hash)});
  if (!r.ok()) return r.status();
  return r->affected() == 1;
}

Result<std::vector<RecoveryCode>> PgStore::list_recovery_codes(const std::string& user_id) {
  Result<Rows> r = run(Stmt::kListRecoveryCodes, {user_id});
  if (!r.ok()) return r.status();
  std::vector<RecoveryCode> out;
  for (int i = 0; i < r->size(); ++i) {
    RecoveryCode c;
    c.created_at = r->integer(i, 0);
    if (!r->is_null(i, 1)) c.used_at = r->integer(i, 1);
    c.used_ip = r->text(i, 2);
    out.push_back(c);
  }
  return out;
}

}  // namespace pg
}  // namespace access_service
