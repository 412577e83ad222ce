// include/access/oauth/user_rules.h: users (API.md sections 1 and 6).
#include "access/oauth/user_rules.h"

#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

using namespace access_service;
using json = nlohmann::json;

namespace {

json new_user() { return {{"email", "alice@example.com"}, {"roles", {"ROLE_ORIGINATOR"}}}; }

json with(json body, const std::string& key, const json& value) {
  body[key] = value;
  return body;
}

std::optional<std::string> apply_new(const json& body, User* out = nullptr,
                                     std::string* password = nullptr) {
  User u;
  std::string pw;
  return apply_new_user_json(body, out ? out : &u, password ? password : &pw);
}

void expect_refused(const json& body, const std::string& member) {
  auto err = apply_new(body);
  BOOST_TEST_CONTEXT("body " << body.dump()) {
    BOOST_TEST_REQUIRE(err.has_value());
    BOOST_TEST(err->find(member) != std::string::npos, "message '" << *err << "' lacks " << member);
  }
}

bool profile_ok(const json& body) {
  User u;
  return !apply_profile_json(body, &u).has_value();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(user_rules)

BOOST_AUTO_TEST_CASE(known_roles_are_the_five_authorities) {
  for (const char* r : {"ROLE_SYSTEM_ADMIN", "ROLE_ORG_ADMIN", "ROLE_ORIGINATOR",
                        "ROLE_COLLABORATOR", "ROLE_ADHOC_COLLABORATOR"})
    BOOST_TEST(known_role(r), r);
  for (const char* r : {"", "ROLE_ADMIN", "role_system_admin", "ROLE_SYSTEM_ADMIN "})
    BOOST_TEST(!known_role(r), r);
}

BOOST_AUTO_TEST_CASE(valid_email_cases) {
  for (const char* ok :
       {"a@b.co", "alice@example.com", "first.last+tag@sub.example.org", "ALICE@EXAMPLE.COM"})
    BOOST_TEST(valid_email(ok), ok);
  for (const char* bad :
       {"", "alice", "alice@", "@example.com", "alice@example", "a@@example.com", "a@b@example.com",
        "al ice@example.com", "alice@example.com.", "alice@.example.com", "a\"b@example.com",
        "<a@example.com>", "a\nb@example.com", "a@b.c\x7f"})
    BOOST_TEST(!valid_email(bad), "accepted: " << bad);
  BOOST_TEST(!valid_email(std::string(250, 'a') + "@b.co"));  // > 254 bytes
  BOOST_TEST(!valid_email("a\xFF@example.com"));
}

// One rule for registering a device passcode and for signing in with one.
BOOST_AUTO_TEST_CASE(passcode_is_4_to_12_digits) {
  for (const char* ok : {"1234", "000000", "123456789012"}) BOOST_TEST(valid_passcode(ok), ok);
  for (const char* bad :
       {"", "123", "1234567890123", "12a4", " 1234", "1234 ", "+1234", "１２３４"})
    BOOST_TEST(!valid_passcode(bad), "accepted: " << bad);
}

BOOST_AUTO_TEST_CASE(device_id_characters_and_length) {
  BOOST_TEST(valid_device_id("phone-1.A_b~"));
  BOOST_TEST(valid_device_id(std::string(128, 'x')));
  BOOST_TEST(!valid_device_id(std::string(129, 'x')));
  for (const char* bad : {"", "a b", "a/b", "a%20", "é"}) BOOST_TEST(!valid_device_id(bad), bad);
}

BOOST_AUTO_TEST_CASE(new_user_minimal) {
  User u;
  std::string pw = "stale";
  auto err = apply_new_user_json(new_user(), &u, &pw);
  BOOST_REQUIRE_MESSAGE(!err, err.value_or(""));
  BOOST_TEST(u.email == "alice@example.com");
  BOOST_TEST(u.roles == std::vector<std::string>{"ROLE_ORIGINATOR"});
  BOOST_TEST(pw.empty());  // no password given
  BOOST_TEST(!u.first_name.has_value());
  BOOST_TEST(!u.last_name.has_value());
  BOOST_TEST(!u.other_name.has_value());
  BOOST_TEST(!u.mobile_number.has_value());
}

BOOST_AUTO_TEST_CASE(new_user_email_required_valid_and_lowercased) {
  expect_refused(json{{"roles", {"ROLE_ORIGINATOR"}}}, "email");
  expect_refused(with(new_user(), "email", "not-an-email"), "email");
  expect_refused(with(new_user(), "email", 42), "email");
  expect_refused(with(new_user(), "email", nullptr), "email");
  User u;
  BOOST_REQUIRE(!apply_new(with(new_user(), "email", "Alice.Smith@Example.COM"), &u));
  BOOST_TEST(u.email == "alice.smith@example.com");
}

BOOST_AUTO_TEST_CASE(new_user_roles_required_known_non_empty) {
  expect_refused(json{{"email", "a@example.com"}}, "roles");
  expect_refused(with(new_user(), "roles", json::array()), "roles");
  expect_refused(with(new_user(), "roles", {"ROLE_KING"}), "roles");
  expect_refused(with(new_user(), "roles", {"ROLE_ORIGINATOR", "ROLE_KING"}), "roles");
  expect_refused(with(new_user(), "roles", "ROLE_ORIGINATOR"), "roles");
  expect_refused(with(new_user(), "roles", {1}), "roles");
  User u;
  BOOST_REQUIRE(!apply_new(with(new_user(), "roles", {"ROLE_SYSTEM_ADMIN", "ROLE_ORG_ADMIN"}), &u));
  BOOST_TEST(u.roles == (std::vector<std::string>{"ROLE_SYSTEM_ADMIN", "ROLE_ORG_ADMIN"}));
  BOOST_TEST(u.has_role("ROLE_ORG_ADMIN"));
}

BOOST_AUTO_TEST_CASE(new_user_password_at_least_12) {
  expect_refused(with(new_user(), "password", "elevenchars"), "password");
  expect_refused(with(new_user(), "password", 123456789012345), "password");
  expect_refused(with(new_user(), "password", std::string(1025, 'p')), "password");
  User u;
  std::string pw;
  BOOST_REQUIRE(!apply_new(with(new_user(), "password", "twelve chars"), &u, &pw));
  BOOST_TEST(pw == "twelve chars");
  BOOST_REQUIRE(!apply_new(with(new_user(), "password", nullptr), &u, &pw));
  BOOST_TEST(pw.empty());
}

BOOST_AUTO_TEST_CASE(new_user_unknown_members_ignored_read_only_checked) {
  User u;
  BOOST_REQUIRE(!apply_new(with(new_user(), "isAdmin", true), &u));  // unknown: ignored
  BOOST_TEST(u.roles == std::vector<std::string>{"ROLE_ORIGINATOR"});
  // id and createdAt are assigned by the server, whatever the body says.
  BOOST_TEST(!apply_new(with(with(new_user(), "id", "x"), "createdAt", "2020-01-01T00:00:00Z")));
  // mfaEnabled and enabled: only the values a new user gets.
  BOOST_TEST(!apply_new(with(with(new_user(), "mfaEnabled", false), "enabled", true)));
  expect_refused(with(new_user(), "mfaEnabled", true), "mfaEnabled");
  expect_refused(with(new_user(), "enabled", false), "enabled");
  expect_refused(with(new_user(), "enabled", "true"), "enabled");
}

BOOST_AUTO_TEST_CASE(new_user_names_and_mobile) {
  json body = new_user();
  body["firstName"] = "Alice";
  body["lastName"] = "Smith";
  body["otherName"] = nullptr;
  body["mobileNumber"] = "+61 400 000 000";
  User u;
  BOOST_REQUIRE(!apply_new(body, &u));
  BOOST_TEST(u.first_name.value_or("") == "Alice");
  BOOST_TEST(u.last_name.value_or("") == "Smith");
  BOOST_TEST(!u.other_name.has_value());
  BOOST_TEST(u.mobile_number.value_or("") == "+61 400 000 000");
  expect_refused(with(new_user(), "firstName", 5), "firstName");
  expect_refused(with(new_user(), "lastName", std::string(201, 'x')), "lastName");
  expect_refused(with(new_user(), "mobileNumber", "abc"), "mobileNumber");
}

BOOST_AUTO_TEST_CASE(profile_omitted_member_becomes_null) {
  User u;
  u.first_name = "Old";
  u.last_name = "Name";
  u.other_name = "X";
  u.mobile_number = "+1 555";
  BOOST_REQUIRE(!apply_profile_json({{"firstName", "New"}}, &u));
  BOOST_TEST(u.first_name.value_or("") == "New");
  BOOST_TEST(!u.last_name.has_value());
  BOOST_TEST(!u.other_name.has_value());
  BOOST_TEST(!u.mobile_number.has_value());
}

BOOST_AUTO_TEST_CASE(profile_empty_object_is_valid_and_clears) {
  User u;
  u.first_name = "Old";
  u.mobile_number = "+1 555";
  BOOST_REQUIRE(!apply_profile_json(json::object(), &u));
  BOOST_TEST(!u.first_name.has_value());
  BOOST_TEST(!u.mobile_number.has_value());
  // Explicit nulls do the same.
  u.first_name = "Old";
  BOOST_REQUIRE(!apply_profile_json({{"firstName", nullptr}, {"mobileNumber", nullptr}}, &u));
  BOOST_TEST(!u.first_name.has_value());
}

BOOST_AUTO_TEST_CASE(profile_names_rules) {
  BOOST_TEST(profile_ok({{"firstName", std::string(200, 'x')}}));
  BOOST_TEST(profile_ok({{"lastName", "O'Brien-Sm\xC3\xADth"}}));
  BOOST_TEST(!profile_ok({{"firstName", std::string(201, 'x')}}));
  BOOST_TEST(!profile_ok({{"firstName", 1}}));
  BOOST_TEST(!profile_ok({{"lastName", true}}));
  BOOST_TEST(!profile_ok({{"otherName", {"a"}}}));
  BOOST_TEST(!profile_ok({{"otherName", json::object()}}));
  BOOST_TEST(!profile_ok({{"firstName", "a\nb"}}));       // control character
  BOOST_TEST(!profile_ok({{"firstName", "a\xC3"}}));      // invalid UTF-8
  BOOST_TEST(!profile_ok({{"email", "x@example.com"}}));  // not a profile member
  BOOST_TEST(!profile_ok({{"roles", {"ROLE_SYSTEM_ADMIN"}}}));
}

BOOST_AUTO_TEST_CASE(profile_write_back_of_the_read_object) {
  User stored;
  stored.id = "0b1c2d3e-aaaa-4bbb-8ccc-ddddeeeeffff";
  stored.email = "alice@example.com";
  stored.roles = {"ROLE_ORIGINATOR"};
  stored.first_name = "Alice";
  stored.created_at = 1795348800;
  // GET, change one member, PUT the whole object back.
  json body = user_to_json(stored);
  body["lastName"] = "Liddell";
  body["somethingNew"] = 1;  // unknown: ignored
  User u = stored;
  auto err = apply_profile_json(body, &u);
  BOOST_REQUIRE_MESSAGE(!err, err.value_or(""));
  BOOST_TEST(u.first_name.value_or("") == "Alice");
  BOOST_TEST(u.last_name.value_or("") == "Liddell");
  BOOST_TEST(u.email == stored.email);
  // Each read-only member changed: refused, naming it.
  const std::pair<const char*, json> changes[] = {
      {"id", "another"},       {"email", "eve@example.com"}, {"roles", {"ROLE_SYSTEM_ADMIN"}},
      {"mfaEnabled", true},    {"enabled", false},           {"createdAt", "2020-01-01T00:00:00Z"},
      {"roles", json::array()}};
  for (const auto& c : changes) {
    json changed = user_to_json(stored);
    changed[c.first] = c.second;
    u = stored;
    err = apply_profile_json(changed, &u);
    BOOST_TEST_REQUIRE(err.has_value(), changed.dump());
    BOOST_TEST(err->find(c.first) != std::string::npos, *err);
    BOOST_TEST(u.first_name.value_or("") == "Alice");  // nothing applied
  }
}

BOOST_AUTO_TEST_CASE(admin_change_of_the_read_object) {
  User stored;
  stored.id = "0b1c2d3e-aaaa-4bbb-8ccc-ddddeeeeffff";
  stored.email = "alice@example.com";
  stored.roles = {"ROLE_ORIGINATOR"};
  stored.created_at = 1795348800;
  UserAdminChange change;
  // The object as read, unchanged: nothing to do.
  BOOST_REQUIRE(!read_user_admin_json(user_to_json(stored), stored, &change));
  BOOST_TEST(!change.mfa_enabled.has_value());
  BOOST_TEST(!change.enabled.has_value());
  BOOST_TEST(!change.new_authenticator_key);
  // One writable member changed.
  json body = user_to_json(stored);
  body["enabled"] = false;
  body["authenticatorUri"] = "otpauth://totp/x";  // unknown here: ignored
  BOOST_REQUIRE(!read_user_admin_json(body, stored, &change));
  BOOST_TEST(change.enabled.value_or(true) == false);
  BOOST_REQUIRE(!read_user_admin_json({{"mfaEnabled", true}, {"generateNewAuthenticatorKey", true}},
                                      stored, &change));
  BOOST_TEST(change.mfa_enabled.value_or(false));
  BOOST_TEST(change.new_authenticator_key);
  // Read-only members changed and wrong types: refused.
  for (const char* k : {"firstName", "email", "roles", "id", "createdAt", "mobileNumber"}) {
    json changed = user_to_json(stored);
    changed[k] = "something else";
    auto err = read_user_admin_json(changed, stored, &change);
    BOOST_TEST_REQUIRE(err.has_value(), k);
    BOOST_TEST(err->find(k) != std::string::npos, *err);
  }
  BOOST_TEST(read_user_admin_json({{"enabled", "false"}}, stored, &change).has_value());
  // A password (API.md section 7) is handed over as given, for the policy;
  // only a string.
  BOOST_REQUIRE(!read_user_admin_json({{"password", "a-new-password-1"}}, stored, &change));
  BOOST_TEST(change.password.value_or("") == "a-new-password-1");
  BOOST_REQUIRE(!read_user_admin_json({{"enabled", true}}, stored, &change));
  BOOST_TEST(!change.password.has_value());
  BOOST_TEST(read_user_admin_json({{"password", 12345678901234}}, stored, &change).has_value());
  BOOST_TEST(read_user_admin_json({{"password", nullptr}}, stored, &change).has_value());
}

BOOST_AUTO_TEST_CASE(profile_mobile_number_rules) {
  for (const char* ok : {"+61 400 000 000", "0400000000", "+14155550123", "+44 20 7946 0958"})
    BOOST_TEST(profile_ok({{"mobileNumber", ok}}), ok);
  for (const char* bad : {"abc", "+61-400-000-000", "(04) 0000 0000", "0400+000", "++61 400",
                          "+61 400 000 000 ext 1", ""})
    BOOST_TEST(!profile_ok({{"mobileNumber", bad}}), "accepted: " << bad);
  BOOST_TEST(!profile_ok({{"mobileNumber", 61400000000LL}}));
  BOOST_TEST(!profile_ok({{"mobileNumber", std::string(40, '1')}}));
  User u;
  auto err = apply_profile_json({{"mobileNumber", "abc"}}, &u);
  BOOST_REQUIRE(err);
  BOOST_TEST(err->find("mobileNumber") != std::string::npos, *err);
}

BOOST_AUTO_TEST_CASE(user_to_json_members) {
  User u;
  u.id = "0b1c2d3e-aaaa-4bbb-8ccc-ddddeeeeffff";
  u.email = "alice@example.com";
  u.password_hash = "$argon2id$v=19$m=8192,t=1,p=1$c2FsdA$aGFzaA";
  u.first_name = "Alice";
  u.mobile_number = "+61 400 000 000";
  u.roles = {"ROLE_ORIGINATOR", "ROLE_ORG_ADMIN"};
  u.mfa_enabled = true;
  u.enabled = false;
  u.created_at = 1795348800;  // 2026-11-22T12:00:00Z
  json j = user_to_json(u);
  std::set<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
  const std::set<std::string> expected = {"id",        "email",        "firstName", "lastName",
                                          "otherName", "mobileNumber", "roles",     "mfaEnabled",
                                          "enabled",   "createdAt"};
  BOOST_TEST(keys == expected, j.dump());
  BOOST_TEST(j["id"] == u.id);
  BOOST_TEST(j["email"] == "alice@example.com");
  BOOST_TEST(j["firstName"] == "Alice");
  BOOST_TEST(j["lastName"].is_null());
  BOOST_TEST(j["otherName"].is_null());
  BOOST_TEST(j["mobileNumber"] == "+61 400 000 000");
  BOOST_TEST(j["roles"] == json({"ROLE_ORIGINATOR", "ROLE_ORG_ADMIN"}));
  BOOST_TEST(j["mfaEnabled"] == true);
  BOOST_TEST(j["enabled"] == false);
  BOOST_TEST(j["createdAt"] == "2026-11-22T12:00:00Z");
  BOOST_TEST(j.dump().find("argon2") == std::string::npos);  // never the hash
  BOOST_TEST(!j.contains("password"));
}

BOOST_AUTO_TEST_SUITE_END()
