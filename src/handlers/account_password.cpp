// PUT /api/v1/users/me/password and PUT /api/account/password (account.h,
// API.md section 7): the user changes their own password.
#include "access/core/strings.h"
#include "access/crypto/password_policy.h"
#include "access/handlers/account.h"
#include "access/http/api.h"
#include "access/oauth/audit.h"

namespace access_service {

Response account_password_put(Context& ctx, const Request& req, const PathParams&,
                              const AccountCaller& who) {
  json body;
  if (auto err = read_json_body(req, &body)) return *err;
  std::string current, next;
  if (auto err = read_string_member(body, "currentPassword", &current)) return *err;
  if (auto err = read_string_member(body, "newPassword", &next)) return *err;
  Result<User> user = ctx.store->find_user(who.user_id);
  if (!user.ok()) return status_reply(user.status(), "user not found");
  // The policy first: a refused new password costs no attempt.
  if (auto rule = password_policy_error(next, *user, ctx.config.password_min_entropy_bits))
    return error_reply(ApiError::kInvalidRequest, "newPassword " + *rule);
  // A thief holding a session or token guesses no faster than at the
  // sign-in form.
  Proof proof;
  proof.password = &current;
  if (auto err = check_proof(ctx, req, *user, proof)) return *err;
  Result<std::string> phc = hash_password(next, ctx.argon2());
  if (!phc.ok()) return status_reply(phc.status());
  // Whoever knew the old password is signed out everywhere but here.
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  if (st.ok()) st = ctx.store->set_user_password(user->id, *phc);
  if (st.ok())
    st = ctx.store->revoke_user_tokens_except(user->id, who.family_id, who.session_hash,
                                              now_seconds());
  AuditEvent changed = request_audit_event(ctx, "user.updated");
  changed.user_id = user->id;
  set_details(&changed, {{"change", "password"}});
  if (st.ok()) st = commit_audited(ctx, txn, {changed});
  if (!st.ok()) return status_reply(st, "user not found");
  return json_reply(json::object());
}

}  // namespace access_service
