// /api/v1/users/me/applications/approvals (API.md section 5), and the same
// for the account page under /api/account/approvals (account.h).
#include "access/core/strings.h"
#include "access/handlers/account.h"
#include "access/handlers/handlers.h"
#include "access/http/api.h"
#include "access/oauth/audit.h"

namespace access_service {

Response account_approvals_list(Context& ctx, const Request&, const PathParams&,
                                const AccountCaller& who) {
  Result<std::vector<Approval>> list = ctx.store->list_approvals(who.user_id);
  if (!list.ok()) return status_reply(list.status());
  json apps = json::array();
  for (const auto& a : *list)
    apps.push_back({{"id", a.id},
                    {"clientId", a.client_id},
                    {"clientDescription", a.app_name},
                    {"scope", a.scope},
                    {"createdAt", rfc3339(a.created_at)}});
  return json_reply({{"applications", apps}});
}

Response account_approvals_delete(Context& ctx, const Request&, const PathParams& p,
                                  const AccountCaller& who) {
  // Someone else's approval is reported exactly like an unknown one.
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  // The app it was for, for the audit event (a user has few approvals).
  Result<std::vector<Approval>> mine =
      st.ok() ? ctx.store->list_approvals(who.user_id) : Result<std::vector<Approval>>(st);
  if (!mine.ok()) return status_reply(mine.status());
  AuditEvent e = request_audit_event(ctx, "approval.revoked");
  for (const auto& a : *mine)
    if (a.id == p[0]) e.client_id = a.client_id;
  set_details(&e, {{"approvalId", p[0]}});
  st = ctx.store->delete_approval(p[0], who.user_id, now_seconds());
  if (st.ok()) st = commit_audited(ctx, txn, {e});
  if (!st.ok()) return status_reply(st, "approval not found");
  return json_reply(json::object());
}

}  // namespace access_service
