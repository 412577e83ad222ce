// The account endpoints of API.md section 7: what signed-in users do to their
// own account (profile, password, two-factor authentication, recovery codes,
// approved apps, devices, signing out). Each operation is written once and
// reached two ways, both listed in the route table (router.cpp):
//
//   - with a bearer token, under /api/v1/users/me/... (via_bearer, route_access.h): any
//     non-restrictive access token of the user (api.h authenticate_bearer);
//     the token's refresh-token family is the caller's own;
//   - with the browser session of the account page, under /api/account/...
//     (via_session): the access_session cookie, which is HttpOnly, so no
//     token is ever within reach of the page's scripts. Every method but
//     GET also needs the session's CSRF token in the X-CSRF-Token header
//     (browser.h csrf_token, kSession) and no Origin other than the
//     issuer's: a cross-site page can neither read the token nor send the
//     header without a CORS preflight, which is never granted. The session
//     is the caller's own.
//
// "The caller's own" is what a password change keeps (Store::
// revoke_user_tokens_except): the bearer's family, or the page's session.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "access/core/context.h"
#include "access/handlers/handlers.h"
#include "access/http/http.h"

namespace access_service {

struct AccountCaller {
  std::string user_id;
  std::string family_id;     // bearer: its refresh-token family ("" when none)
  std::string session_hash;  // session: SHA-256 of the session cookie ("" for a bearer)
  bool via_session() const { return !session_hash.empty(); }
};

using AccountOp = Response (*)(Context&, const Request&, const PathParams&, const AccountCaller&);

// The caller of a bearer request; otherwise the 401 of authenticate_bearer.
std::optional<Response> account_from_bearer(Context& ctx, const Request& req, AccountCaller* out);
// The caller of a session request: 401 invalid_token without a live session
// of an enabled user; for other methods than GET, 403 access_denied when the
// X-CSRF-Token header is missing or wrong or Origin is another site's.
std::optional<Response> account_from_session(Context& ctx, const Request& req, AccountCaller* out);

// What a caller proves before a change that a stolen session or token alone
// must not make: the account's password and/or a second-factor code, as
// one sign-in attempt of the lockout (sign_in.h): counted before anything is
// checked (429 too_many_requests while locked), 403 access_denied naming
// what was wrong, handed back when all was right. The code is a TOTP code,
// or also a recovery code (used up) with `recovery_code_ok`.
struct Proof {
  const std::string* password = nullptr;  // currentPassword, when required
  const std::string* code = nullptr;      // code, when required
  bool recovery_code_ok = false;
};
std::optional<Response> check_proof(Context& ctx, const Request& req, const User& user,
                                    const Proof& proof);

// A required string member of a JSON body, or the 400 that names it.
std::optional<Response> read_string_member(const nlohmann::json& body, const char* member,
                                           std::string* out);

// The operations. Bodies are JSON (api.h read_json_body); members the
// server does not know are ignored; answers carry Cache-Control: no-store.

// users.cpp: GET / PUT the profile (API.md section 6, users/me).
Response account_profile_get(Context&, const Request&, const PathParams&, const AccountCaller&);
Response account_profile_put(Context&, const Request&, const PathParams&, const AccountCaller&);

// account_password.cpp: {"currentPassword","newPassword"}. 400 for a missing
// or non-string member or a new password against the policy
// (password_policy.h); the current password is a sign-in attempt (sign_in.h:
// counted first, 429 while locked, handed back when right); wrong: 403
// access_denied. Then the new hash, and every family, family-less access
// token and session of the user but the caller's own is revoked; 200 {}.
Response account_password_put(Context&, const Request&, const PathParams&, const AccountCaller&);

// account_mfa.cpp: two-factor authentication and recovery codes (mfa.h).
// GET: {"mfaEnabled", "enrolmentPending", "recoveryCodesLeft",
//       "recoveryCodesUsed": [{"usedAt", "ip"}]}.
// POST: starts an enrolment, {"authenticatorUri", "qrCodeSvg"}; 409 when 2FA
//       is on.
// PUT {"code"}: confirms it; {"recoveryCodes": [10 codes]} once; 400 for a
//       code that does not match, 409 when 2FA is on or nothing is pending.
// DELETE {"currentPassword", "code"}: turns 2FA off; the password and the
//       code (TOTP or a recovery code) are one sign-in attempt; wrong: 403.
// POST .../recovery-codes {"code"}: a current TOTP code (an attempt as
//       above); {"recoveryCodes": [10 new codes]}, the old ones die; 409
//       when 2FA is off.
Response account_mfa_get(Context&, const Request&, const PathParams&, const AccountCaller&);
Response account_mfa_post(Context&, const Request&, const PathParams&, const AccountCaller&);
Response account_mfa_put(Context&, const Request&, const PathParams&, const AccountCaller&);
Response account_mfa_delete(Context&, const Request&, const PathParams&, const AccountCaller&);
Response account_recovery_codes_post(Context&, const Request&, const PathParams&,
                                     const AccountCaller&);

// approvals.cpp: the caller's approved apps, and revoking one (API.md 5).
Response account_approvals_list(Context&, const Request&, const PathParams&, const AccountCaller&);
Response account_approvals_delete(Context&, const Request&, const PathParams&,
                                  const AccountCaller&);

// account.cpp, for the account page (session) unless said otherwise:
// GET /api/account/session: {"signedIn": true, "user": <user object>,
// "csrfToken"} with a live session, {"signedIn": false} without (200 both:
// the page asks before it sends the browser to the sign-in page).
Response handle_account_session(Context&, const Request&, const PathParams&);
// GET /api/account/devices: every device passcode of the user, whichever
// app registered it: {"devices": [{"deviceId", "appName", "createdAt",
// "lastUsedAt"}]}; DELETE /api/account/devices/{deviceId}: 200 {}, 404 when
// the user has no such device.
Response account_devices_list(Context&, const Request&, const PathParams&, const AccountCaller&);
Response account_devices_delete(Context&, const Request&, const PathParams&, const AccountCaller&);
// POST /api/account/signout: ends this session, clears the cookie; 200 {}.
// Sign out everywhere, POST /api/account/signout-everywhere and (bearer)
// PUT /api/v1/users/me/expire: every family, access token and session of
// the user; 200 {}, and the page's cookie cleared.
Response account_signout(Context&, const Request&, const PathParams&, const AccountCaller&);
Response account_signout_everywhere(Context&, const Request&, const PathParams&,
                                    const AccountCaller&);

}  // namespace access_service
