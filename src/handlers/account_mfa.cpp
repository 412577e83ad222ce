// Two-factor authentication by the user (account.h, API.md section 7):
// status, enrolment with a QR code, confirmation, turning it off, and new
// recovery codes. Under /api/v1/users/me/mfa (bearer) and /api/account/mfa
// (the account page's session).
#include "access/core/strings.h"
#include "access/handlers/account.h"
#include "access/http/api.h"
#include "access/oauth/audit.h"
#include "access/oauth/mfa.h"

namespace access_service {
namespace {

const char kUserNotFound[] = "user not found";

// The mfa module's conflicts and refusals are written for clients.
Response mfa_status_reply(const Status& st) {
  if (st.is_conflict()) return error_reply(ApiError::kConflict, st.message());
  return status_reply(st, kUserNotFound);
}

// user.mfa_changed about the caller; details say what changed.
AuditEvent mfa_event(const Context& ctx, const std::string& user_id, const json& details) {
  AuditEvent e = request_audit_event(ctx, "user.mfa_changed");
  e.user_id = user_id;
  set_details(&e, details);
  return e;
}

Response recovery_codes_reply(const std::vector<std::string>& codes) {
  return json_reply({{"recoveryCodes", codes}});
}

// The caller's record, for a change that needs two-factor authentication on
// (409 when it is off).
std::optional<Response> user_with_mfa(Context& ctx, const AccountCaller& who, User* out) {
  Result<User> user = ctx.store->find_user(who.user_id);
  if (!user.ok()) return status_reply(user.status(), kUserNotFound);
  if (!user->mfa_enabled)
    return error_reply(ApiError::kConflict, "two-factor authentication is off");
  *out = std::move(*user);
  return std::nullopt;
}

}  // namespace

Response account_mfa_get(Context& ctx, const Request&, const PathParams&,
                         const AccountCaller& who) {
  Result<User> user = ctx.store->find_user(who.user_id);
  if (!user.ok()) return status_reply(user.status(), kUserNotFound);
  Result<std::string> pending = ctx.store->find_totp_pending(who.user_id);
  if (!pending.ok()) return status_reply(pending.status(), kUserNotFound);
  Result<std::vector<RecoveryCode>> codes = ctx.store->list_recovery_codes(who.user_id);
  if (!codes.ok()) return status_reply(codes.status());
  int left = 0;
  json used = json::array();
  for (const auto& c : *codes) {
    if (!c.used_at)
      ++left;
    else
      used.push_back({{"usedAt", rfc3339(*c.used_at)}, {"ip", c.used_ip}});
  }
  return json_reply({{"mfaEnabled", user->mfa_enabled},
                     {"enrolmentPending", !user->mfa_enabled && !pending->empty()},
                     {"recoveryCodesLeft", left},
                     {"recoveryCodesUsed", used}});
}

Response account_mfa_post(Context& ctx, const Request&, const PathParams&,
                          const AccountCaller& who) {
  Result<User> user = ctx.store->find_user(who.user_id);
  if (!user.ok()) return status_reply(user.status(), kUserNotFound);
  Result<Enrolment> e = start_mfa_enrolment(*ctx.store, ctx.hmac_key, ctx.config.issuer, *user);
  if (!e.ok()) return mfa_status_reply(e.status());
  return json_reply({{"authenticatorUri", e->authenticator_uri}, {"qrCodeSvg", e->qr_code_svg}});
}

Response account_mfa_put(Context& ctx, const Request& req, const PathParams&,
                         const AccountCaller& who) {
  json body;
  if (auto err = read_json_body(req, &body)) return *err;
  std::string code;
  if (auto err = read_string_member(body, "code", &code)) return *err;
  // Confirmation and the recovery codes are one change.
  WriteTransaction txn(*ctx.store);
  if (!txn.status().ok()) return status_reply(txn.status());
  Result<User> user = ctx.store->find_user(who.user_id);
  if (!user.ok()) return status_reply(user.status(), kUserNotFound);
  Result<std::vector<std::string>> codes =
      confirm_mfa_enrolment(*ctx.store, ctx.hmac_key, *user, code, now_seconds());
  if (!codes.ok()) return mfa_status_reply(codes.status());
  Status st = commit_audited(ctx, txn, {mfa_event(ctx, user->id, {{"mfaEnabled", true}})});
  if (!st.ok()) return status_reply(st);
  return recovery_codes_reply(*codes);
}

Response account_mfa_delete(Context& ctx, const Request& req, const PathParams&,
                            const AccountCaller& who) {
  json body;
  if (auto err = read_json_body(req, &body)) return *err;
  std::string password, code;
  if (auto err = read_string_member(body, "currentPassword", &password)) return *err;
  if (auto err = read_string_member(body, "code", &code)) return *err;
  User user;
  if (auto err = user_with_mfa(ctx, who, &user)) return *err;
  // A lost phone: a recovery code in place of the TOTP code.
  Proof proof;
  proof.password = &password;
  proof.code = &code;
  proof.recovery_code_ok = true;
  if (auto err = check_proof(ctx, req, user, proof)) return *err;
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  if (st.ok()) st = disable_mfa(*ctx.store, user.id);
  if (st.ok()) st = commit_audited(ctx, txn, {mfa_event(ctx, user.id, {{"mfaEnabled", false}})});
  if (!st.ok()) return status_reply(st, kUserNotFound);
  return json_reply(json::object());
}

Response account_recovery_codes_post(Context& ctx, const Request& req, const PathParams&,
                                     const AccountCaller& who) {
  json body;
  if (auto err = read_json_body(req, &body)) return *err;
  std::string code;
  if (auto err = read_string_member(body, "code", &code)) return *err;
  User user;
  if (auto err = user_with_mfa(ctx, who, &user)) return *err;
  // A current TOTP code (API.md section 7): a recovery code cannot mint more.
  Proof proof;
  proof.code = &code;
  if (auto err = check_proof(ctx, req, user, proof)) return *err;
  WriteTransaction txn(*ctx.store);
  if (!txn.status().ok()) return status_reply(txn.status());
  Result<std::vector<std::string>> codes =
      new_recovery_codes(*ctx.store, ctx.hmac_key, user.id, now_seconds());
  if (!codes.ok()) return status_reply(codes.status());
  Status st = commit_audited(ctx, txn, {mfa_event(ctx, user.id, {{"recoveryCodes", "replaced"}})});
  if (!st.ok()) return status_reply(st);
  return recovery_codes_reply(*codes);
}

}  // namespace access_service
