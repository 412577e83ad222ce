// The grants of POST /api/oauth/token, one function each, and what they
// share. Internal to src/handlers/ (the endpoint itself is in handlers.h).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "access/http/api.h"
#include "access/oauth/audit.h"
#include "access/oauth/token_issuer.h"

namespace access_service {

// 400 invalid_grant with `why` as the description.
Response invalid_grant(const std::string& why);

// A fresh grant (password, authorization code, mfa, device passcode): signs an
// access token, with a new refresh-token family when the app has the
// refresh_token option, then stores both in one transaction. That
// transaction first reads `user` again, locked (store.h find_user): when the
// account is gone, disabled, or its password hash is no longer the one
// `user` holds (the credentials were checked against a password changed
// since), nothing is stored, sign_in.failed (reason account_changed) is
// recorded and the answer is invalid_grant. Then `in_txn` (if any) runs;
// its failure rolls everything back. The transaction also stores `events`
// and, when sampled, token.issued for `grant_type` (audit.h), logged once
// it has committed.
Response issue_new_grant(Context& ctx, const ClientApp& app, const User& user,
                         const std::vector<std::string>& scope, int64_t now,
                         const std::string& grant_type, std::vector<AuditEvent> events,
                         const std::function<Status(const IssuedAccess&)>& in_txn,
                         const std::string& note = "");

// The token.issued event of `access`, issued to `user` through `app`;
// details grantType, jti, familyId (when any) and, when not empty, `note`
// (the grant's variant: "device", "mfa_pending").
AuditEvent token_issued_event(const Context& ctx, const ClientApp& app, const User& user,
                              const IssuedAccess& access, const std::string& grant_type,
                              const std::string& note = "");

// Each takes the authenticated app and the form (client authentication and
// grant_type already checked by handle_token); the password and mfa grants
// also the client's IP, for the lockout (sign_in.h).
Response password_grant(Context& ctx, const ClientApp& app, const Params& form,
                        const std::string& ip);
Response refresh_grant(Context& ctx, const ClientApp& app, const Params& form);
Response code_grant(Context& ctx, const ClientApp& app, const Params& form);
Response mfa_grant(Context& ctx, const ClientApp& app, const Params& form, const std::string& ip);

}  // namespace access_service
