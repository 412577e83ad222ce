// The rules of user records (API.md sections 1 and 6), shared by the admin
// API and `accessctl user add`, and the user's JSON form.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "access/store.h"

namespace access_service {

// The five authorities of API.md section 1.
bool known_role(const std::string& role);
// A plausible email address (1-254 bytes, one '@', a dot in the domain, no
// whitespace or control characters). Emails are stored lower-case.
bool valid_email(const std::string& email);

// POST /api/v1/users: email (required), roles (required, non-empty, known),
// password (optional, 12-1024 characters; returned in `password` for the
// caller to hash), firstName, lastName, otherName, mobileNumber. Unknown
// members are refused. Returns the 400 message on failure.
std::optional<std::string> apply_new_user_json(const nlohmann::json& body, User* user,
                                               std::string* password);

// PUT /api/v1/users/me: firstName, lastName, otherName (string or null, at most
// 200 characters), mobileNumber (an optional "+", then digits and
// spaces with at least 3 digits, at most 32 characters; or null); an omitted
// member becomes null.
std::optional<std::string> apply_profile_json(const nlohmann::json& body, User* user);

// The user object of API.md section 6.
nlohmann::json user_to_json(const User& user);

}  // namespace access_service
