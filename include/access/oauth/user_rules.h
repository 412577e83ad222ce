// The rules of user records (API.md sections 1 and 6), shared by the admin
// API and `accessctl user add`, and the user's JSON form.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "access/store/store.h"

namespace access_service {

// The five authorities of API.md section 1.
bool known_role(const std::string& role);
// Their names, comma-separated, for messages ("ROLE_SYSTEM_ADMIN, ...").
std::string known_role_names();
// A plausible email address (1-254 bytes, one '@', a dot in the domain, no
// whitespace or control characters). Emails are stored lower-case.
bool valid_email(const std::string& email);
// A device passcode (API.md section 6): 4 to 12 ASCII digits. The same rule
// for registering one (users/me/devices) and signing in with it (the
// password grant's device_id + passcode).
bool valid_passcode(const std::string& passcode);
// A deviceId: 1 to 128 of [A-Za-z0-9._~-].
bool valid_device_id(const std::string& device_id);

// Every reader below follows API.md section 0 (json_members.h): members the
// server does not know are ignored; members of the user object that the
// request may not change are read-only: ignored when equal to the value the
// record has, refused (400, naming the member) when they differ. Each returns
// the 400 message on failure.

// POST /api/v1/users: email (required), roles (required, non-empty, known),
// password (optional, 12-1024 characters; returned in `password` for the
// caller to hash), firstName, lastName, otherName, mobileNumber.
// Read-only: `mfaEnabled` and `enabled` must be absent or equal to what a new
// user gets (false, true); an administrator changes them afterwards with
// PUT /api/v1/users/{id}. `id` and `createdAt` are ignored whatever their
// value: the server assigns both, and a user object read elsewhere can be
// posted as it is.
std::optional<std::string> apply_new_user_json(const nlohmann::json& body, User* user,
                                               std::string* password);

// PUT /api/v1/users/me, with `user` the stored record: firstName, lastName,
// otherName (string or null, at most 200 characters), mobileNumber (an
// optional "+", then digits and spaces with at least 3 digits, at most 32
// characters; or null); an omitted member becomes null. Read-only: id,
// email, roles, mfaEnabled, enabled, createdAt (so the object of GET
// /api/v1/users/me, edited, can be sent back).
std::optional<std::string> apply_profile_json(const nlohmann::json& body, User* user);

// PUT /api/v1/users/{userId}: what an administrator asks to change.
struct UserAdminChange {
  std::optional<bool> mfa_enabled;      // set only when it differs from the stored value
  std::optional<bool> enabled;          // likewise
  bool new_authenticator_key = false;   // generateNewAuthenticatorKey: true
  std::optional<std::string> password;  // a new password (API.md section 7), in clear
};

// Reads that request against `stored`: mfaEnabled, enabled and
// generateNewAuthenticatorKey (booleans), password (a string; the caller
// applies the policy of password_policy.h and hashes it). Read-only: id,
// email, firstName, lastName, otherName, mobileNumber, roles, createdAt.
std::optional<std::string> read_user_admin_json(const nlohmann::json& body, const User& stored,
                                                UserAdminChange* out);

// The user object of API.md section 6.
nlohmann::json user_to_json(const User& user);

}  // namespace access_service
