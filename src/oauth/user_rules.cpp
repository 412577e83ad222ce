#include "access/oauth/user_rules.h"

#include "access/core/json_members.h"
#include "access/core/strings.h"

namespace access_service {
namespace {

using json = nlohmann::json;

const char* const kRoles[] = {"ROLE_SYSTEM_ADMIN", "ROLE_ORG_ADMIN", "ROLE_ORIGINATOR",
                              "ROLE_COLLABORATOR", "ROLE_ADHOC_COLLABORATOR"};

std::optional<std::string> read_name(const json& body, const char* key,
                                     std::optional<std::string>* out) {
  out->reset();
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  const json& v = body[key];
  if (!v.is_string() || v.get<std::string>().size() > 200 || !valid_utf8(v.get<std::string>()))
    return std::string(key) + " must be a string of at most 200 characters or null";
  std::string s = v;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return std::string(key) + " must not contain control characters";
  *out = s;
  return std::nullopt;
}

std::optional<std::string> read_mobile(const json& body, std::optional<std::string>* out) {
  out->reset();
  if (!body.contains("mobileNumber") || body["mobileNumber"].is_null()) return std::nullopt;
  const json& v = body["mobileNumber"];
  const char* msg = "mobileNumber must be '+' and digits or spaces (at most 32)";
  if (!v.is_string()) return msg;
  std::string s = v;
  size_t digits = 0;
  if (s.size() > 32) return msg;
  for (size_t i = 0; i < s.size(); ++i) {
    bool digit = s[i] >= '0' && s[i] <= '9';
    digits += digit;
    if (!(digit || s[i] == ' ' || (i == 0 && s[i] == '+'))) return msg;
  }
  if (digits < 3) return msg;  // "+" or spaces alone are not a number
  *out = s;
  return std::nullopt;
}

// Members of the user object (user_to_json) that the profile request may not
// change.
const std::initializer_list<const char*> kProfileReadOnly = {"id",         "email",   "roles",
                                                             "mfaEnabled", "enabled", "createdAt"};
// ... and the administrator's request.
const std::initializer_list<const char*> kAdminReadOnly = {
    "id", "email", "firstName", "lastName", "otherName", "mobileNumber", "roles", "createdAt"};

}  // namespace

bool known_role(const std::string& role) {
  for (const char* r : kRoles)
    if (role == r) return true;
  return false;
}

std::string known_role_names() {
  std::string out;
  for (const char* r : kRoles) out += (out.empty() ? "" : ", ") + std::string(r);
  return out;
}

bool valid_passcode(const std::string& p) {
  return p.size() >= 4 && p.size() <= 12 && p.find_first_not_of("0123456789") == std::string::npos;
}

bool valid_device_id(const std::string& s) {
  return !s.empty() && s.size() <= 128 &&
         s.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-") ==
             std::string::npos;
}

bool valid_email(const std::string& e) {
  if (e.empty() || e.size() > 254 || !valid_utf8(e)) return false;
  for (unsigned char c : e)
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '<' || c == '>' || c == '\\') return false;
  size_t at = e.find('@');
  if (at == 0 || at == std::string::npos || e.find('@', at + 1) != std::string::npos) return false;
  std::string domain = e.substr(at + 1);
  size_t dot = domain.find('.');
  return dot != std::string::npos && dot != 0 && domain.back() != '.';
}

std::optional<std::string> apply_profile_json(const json& body, User* u) {
  if (auto err = check_read_only(body, user_to_json(*u), kProfileReadOnly)) return err;
  if (auto err = read_name(body, "firstName", &u->first_name)) return err;
  if (auto err = read_name(body, "lastName", &u->last_name)) return err;
  if (auto err = read_name(body, "otherName", &u->other_name)) return err;
  return read_mobile(body, &u->mobile_number);
}

std::optional<std::string> apply_new_user_json(const json& body, User* u, std::string* password) {
  // A new record is not yet enabled for 2FA and is enabled; `id` and
  // `createdAt` are assigned by the server whatever the body says.
  if (auto err = check_read_only(body, user_to_json(User{}), {"mfaEnabled", "enabled"},
                                 "; an administrator changes it with PUT /api/v1/users/{id}"))
    return err;
  if (!body.contains("email") || !body["email"].is_string() ||
      !valid_email(body["email"].get<std::string>()))
    return "email is required and must be a valid address";
  u->email = to_lower(body["email"].get<std::string>());
  if (!body.contains("roles") || !body["roles"].is_array() || body["roles"].empty() ||
      body["roles"].size() > 5)
    return "roles is required: a non-empty array of role names";
  u->roles.clear();
  for (const auto& r : body["roles"]) {
    if (!r.is_string() || !known_role(r.get<std::string>())) return "roles has an unknown role";
    if (!contains(u->roles, r.get<std::string>())) u->roles.push_back(r);
  }
  password->clear();
  if (body.contains("password") && !body["password"].is_null()) {
    const json& p = body["password"];
    if (!p.is_string() || p.get<std::string>().size() < 12 || p.get<std::string>().size() > 1024)
      return "password must be a string of 12-1024 characters";
    *password = p;
  }
  return apply_profile_json(json{{"firstName", body.value("firstName", json())},
                                 {"lastName", body.value("lastName", json())},
                                 {"otherName", body.value("otherName", json())},
                                 {"mobileNumber", body.value("mobileNumber", json())}},
                            u);
}

std::optional<std::string> read_user_admin_json(const json& body, const User& stored,
                                                UserAdminChange* out) {
  *out = UserAdminChange{};
  if (auto err = check_read_only(body, user_to_json(stored), kAdminReadOnly)) return err;
  if (body.contains("password")) {
    if (!body["password"].is_string()) return "password must be a string";
    out->password = body["password"].get<std::string>();
  }
  for (const char* k : {"mfaEnabled", "enabled", "generateNewAuthenticatorKey"}) {
    auto it = body.find(k);
    if (it == body.end()) continue;
    if (!it->is_boolean()) return std::string(k) + " must be a boolean";
    bool v = *it;
    if (k == std::string("mfaEnabled") && v != stored.mfa_enabled) out->mfa_enabled = v;
    if (k == std::string("enabled") && v != stored.enabled) out->enabled = v;
    if (k == std::string("generateNewAuthenticatorKey")) out->new_authenticator_key = v;
  }
  return std::nullopt;
}

json user_to_json(const User& u) {
  auto opt = [](const std::optional<std::string>& s) { return s ? json(*s) : json(); };
  return {{"id", u.id},
          {"email", u.email},
          {"firstName", opt(u.first_name)},
          {"lastName", opt(u.last_name)},
          {"otherName", opt(u.other_name)},
          {"mobileNumber", opt(u.mobile_number)},
          {"roles", u.roles},
          {"mfaEnabled", u.mfa_enabled},
          {"enabled", u.enabled},
          {"createdAt", rfc3339(u.created_at)}};
}

}  // namespace access_service
