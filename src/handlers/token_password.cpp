// The password grant (RFC 6749 4.3) with its two variants of API.md sections
// 3 and 6: a user with two-factor authentication gets a restrictive token that
// the mfa grant exchanges for full tokens, and an app with the device option
// may send device_id + passcode instead of a password.
#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/oauth/audit.h"
#include "access/oauth/mfa.h"
#include "access/oauth/sign_in.h"
#include "access/oauth/user_rules.h"
#include "token_grants.h"

namespace access_service {
namespace {

constexpr int kRestrictiveSeconds = 300;
constexpr int kMaxPasscodeFailures = 5;

Response locked(long long seconds) {
  return error_reply(ApiError::kTooManyRequests, "too many failed sign-ins; try again later",
                     std::to_string(seconds));
}

// {"access_token" (scope ["mfa"], 300 s), ..., "mfa_required": true}: good
// only for grant_type=mfa through the same app. The scope asked for rides in
// the signed token so that the mfa grant can honour it.
Response restrictive_token(Context& ctx, const ClientApp& app, const User& user,
                           const std::vector<std::string>& scope, int64_t now) {
  Result<IssuedAccess> access = sign_access_token(
      ctx, app, user, {"mfa"}, now, "", kRestrictiveSeconds, {{"requested_scope", scope}});
  if (!access.ok()) return status_reply(access.status());
  if (sample_token_issued(ctx))
    record_audit(ctx, token_issued_event(ctx, app, user, *access, "password", "mfa_pending"));
  json body = token_response(*access, {"mfa"}, "");
  body["mfa_required"] = true;
  return json_reply(body);
}

// Counts a wrong passcode against the device in one transaction with its
// audit rows; the fifth strike removes the registration. kNotFound when the
// registration is already gone (nothing written).
Status record_wrong_passcode(Context& ctx, const User& user, const std::string& device_id,
                             const std::string& username) {
  WriteTransaction txn(*ctx.store);
  Status st = txn.status();
  Result<int> failures =
      st.ok() ? ctx.store->record_device_failure(user.id, device_id, kMaxPasscodeFailures)
              : Result<int>(st);
  if (!failures.ok()) return failures.status();
  std::vector<AuditEvent> events;
  AuditEvent failed = request_audit_event(ctx, "sign_in.failed", "failure");
  failed.actor = "";
  failed.user_id = user.id;
  failed.username = truncate_utf8(username, kMaxAuditUsernameBytes);
  set_details(&failed,
              {{"reason", "wrong_passcode"}, {"method", "device"}, {"deviceId", device_id}});
  events.push_back(failed);
  if (*failures >= kMaxPasscodeFailures) {
    AuditEvent removed = request_audit_event(ctx, "device.removed", "failure");
    removed.actor = "";
    removed.user_id = user.id;
    set_details(&removed, {{"deviceId", device_id}, {"reason", "too_many_wrong_passcodes"}});
    events.push_back(removed);
  }
  st = commit_audited(ctx, txn, events);
  if (st.ok()) ctx.metrics.add(Counter::kSignInFailures);
  return st;
}

// A refused device grant, recorded with `reason`. Every refusal answers
// alike (API.md section 3): no answer tells whether a user, a device or a
// registration exists.
Response bad_device_credentials(Context& ctx, const std::string& username,
                                const std::string& user_id, const char* reason) {
  record_sign_in_failure(ctx, username, user_id, reason, "device");
  return invalid_grant("bad credentials");
}

// device_id + passcode instead of a password: full tokens, also for a user
// with 2FA (the device was registered under a full sign-in). Wrong passcodes
// count against the device only; the fifth removes its registration.
Response device_grant(Context& ctx, const ClientApp& app, const Params& form,
                      const std::vector<std::string>& scope, int64_t now) {
  if (!app.has_grant("device"))
    return error_reply(ApiError::kUnauthorizedClient, "this app may not use device passcodes");
  const std::string& passcode = form.get("passcode");
  const std::string& device_id = form.get("device_id");
  Result<User> user = ctx.store->find_user_by_email(to_lower(form.get("username")));
  if (!user.ok() && !user.status().is_not_found()) return status_reply(user.status());
  Result<Device> device = user.ok() ? ctx.store->find_device(user->id, device_id)
                                    : Result<Device>(Status::NotFound("no user"));
  if (!device.ok() && !device.status().is_not_found()) return status_reply(device.status());
  const std::string& username = form.get("username");
  if (!device.ok() || device->app_id != app.id || !valid_passcode(passcode)) {
    verify_password_dummy(passcode, ctx.argon2());  // the same time as a real check
    return bad_device_credentials(ctx, username, user.ok() ? user->id : "",
                                  user.ok() ? "unknown_device" : "unknown_user");
  }
  if (!verify_password(device->passcode_hash, passcode)) {
    Status st = record_wrong_passcode(ctx, *user, device_id, username);
    // kNotFound: a concurrent wrong passcode's last strike removed the
    // registration after this request read it; answered like the others.
    if (st.is_not_found()) return bad_device_credentials(ctx, username, user->id, "unknown_device");
    if (!st.ok()) return status_reply(st);
    return invalid_grant("bad credentials");
  }
  if (!user->enabled) return bad_device_credentials(ctx, username, user->id, "account_disabled");
  // The registration must still exist when the grant commits: a right
  // passcode that raced past the fifth wrong one (or a removal by the user)
  // gets nothing, so no more than kMaxPasscodeFailures guesses ever count.
  bool gone = false;
  Response res = issue_new_grant(
      ctx, app, *user, scope, now, "password", {sign_in_event(ctx, *user, "device")},
      [&](const IssuedAccess&) {
        Status used = ctx.store->record_device_use(user->id, device_id, now);
        gone = used.is_not_found();
        return used;
      },
      "device");
  if (!gone) return res;
  return bad_device_credentials(ctx, username, user->id, "unknown_device");
}

}  // namespace

Response password_grant(Context& ctx, const ClientApp& app, const Params& form,
                        const std::string& ip) {
  if (!app.has_grant("password"))
    return error_reply(ApiError::kUnauthorizedClient, "this app may not use the password grant");
  const bool by_device = form.has("device_id") || form.has("passcode");
  if (!form.has("username") ||
      (by_device ? !form.has("device_id") || !form.has("passcode") || form.has("password")
                 : !form.has("password")))
    return error_reply(ApiError::kInvalidRequest,
                       "username and either password or device_id and passcode are required");
  auto scope = resolve_scope(form.get("scope"), app.scope);
  if (!scope) return error_reply(ApiError::kInvalidScope, "scope is not allowed for this app");
  const int64_t now = now_seconds();
  if (by_device) return device_grant(ctx, app, form, *scope, now);
  SignInResult signin = check_password(ctx, form.get("username"), form.get("password"), ip, now);
  switch (signin.outcome) {
    case SignInResult::kError:
      return status_reply(signin.status);
    case SignInResult::kLocked:
      return locked(signin.retry_after);
    case SignInResult::kBad:
      return invalid_grant("bad credentials");
    case SignInResult::kOk:
      break;
  }
  // With two-factor authentication the right password earns only the
  // restrictive token: the attempt is handed back (it neither counts nor
  // resets), and each code tried with the mfa grant counts (sign_in.h).
  if (signin.user.mfa_enabled) {
    if (!app.has_grant("mfa")) {
      record_sign_in_failure(ctx, form.get("username"), signin.user.id, "app_not_permitted",
                             "password");
      return invalid_grant("two-factor authentication required; app not permitted");
    }
    Status st = release_sign_in(ctx, signin.user.email, ip, now);
    if (!st.ok()) return status_reply(st);
    return restrictive_token(ctx, app, signin.user, *scope, now);
  }
  return issue_new_grant(
      ctx, app, signin.user, *scope, now, "password", {sign_in_event(ctx, signin.user, "password")},
      [&](const IssuedAccess&) { return sign_in_succeeded(ctx, signin.user.email, ip); });
}

Response mfa_grant(Context& ctx, const ClientApp& app, const Params& form, const std::string& ip) {
  if (!app.has_grant("mfa"))
    return error_reply(ApiError::kUnauthorizedClient, "this app may not use the mfa grant");
  const std::string& token = form.get("mfa_token");
  if (token.empty()) return error_reply(ApiError::kInvalidRequest, "mfa_token is required");
  Result<Principal> p = verify_access_token(ctx, token);
  if (!p.ok() && !p.status().is_invalid()) return status_reply(p.status());
  if (!p.ok() || !p->restrictive || p->client_id != app.client_id)
    return invalid_grant("mfa_token is not valid");
  Result<User> user = ctx.store->find_user(p->user_id);
  if (!user.ok() && !user.status().is_not_found()) return status_reply(user.status());
  if (!user.ok() || !user->enabled || !user->mfa_enabled)
    return invalid_grant("mfa_token is not valid");
  const int64_t now = now_seconds();
  // Each code tried is an attempt of the same lockout as the password.
  Result<long long> lock = admit_sign_in(ctx, user->email, ip, now);
  if (!lock.ok()) return status_reply(lock.status());
  if (*lock > 0) {
    record_sign_in_failure(ctx, user->email, user->id, "locked", "totp");
    return locked(*lock);
  }
  // A missing code counts like a wrong one (API.md section 3): admit_sign_in
  // has counted the attempt, and only a whole sign-in resets it.
  if (!form.has("mfa_code")) {
    record_sign_in_failure(ctx, user->email, user->id, "missing_code", "totp");
    return error_reply(ApiError::kInvalidRequest, "mfa_code is required");
  }
  // A TOTP code or, in its place, a recovery code (API.md section 7).
  Result<SecondFactor> good =
      check_second_factor(*ctx.store, ctx.hmac_key, *user, form.get("mfa_code"), now, ip);
  if (!good.ok()) return status_reply(good.status());
  if (*good == SecondFactor::kWrong) {
    record_sign_in_failure(ctx, user->email, user->id, "wrong_code", "totp");
    return invalid_grant("mfa_code is not valid or was already used");
  }
  // The scope asked for in the password grant, as far as the app still allows it.
  auto scope = resolve_scope(join_words(p->requested_scope), app.scope);
  if (!scope)
    return error_reply(ApiError::kInvalidScope, "scope is no longer allowed for this app");
  // The restrictive token is single use: it dies with the exchange, and of
  // two concurrent exchanges (even with two valid codes) only one wins.
  bool raced = false;
  Response res =
      issue_new_grant(ctx, app, *user, *scope, now, "mfa",
                      {sign_in_event(ctx, *user, "password+totp")}, [&](const IssuedAccess&) {
                        Result<bool> won = ctx.store->revoke_access_token(p->jti, p->exp);
                        if (!won.ok()) return won.status();
                        raced = !*won;
                        if (raced) return Status::Conflict("restrictive token used concurrently");
                        return sign_in_succeeded(ctx, user->email, ip);
                      });
  if (raced) return invalid_grant("mfa_token is not valid");
  return res;
}

}  // namespace access_service
