// include/access/oauth/client_rules.h: the rules of API.md section 2.
#include "access/oauth/client_rules.h"

#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

using namespace access_service;
using json = nlohmann::json;

namespace {

json minimal() {
  return {{"appName", "My App"},
          {"clientId", "my-app"},
          {"authorizedGrantTypes", {"password"}},
          {"accessTokenValiditySeconds", 3600}};
}

json with(json body, const std::string& key, const json& value) {
  body[key] = value;
  return body;
}

json without(json body, const std::string& key) {
  body.erase(key);
  return body;
}

std::optional<std::string> create(const json& body, ClientApp* app = nullptr) {
  ClientApp local;
  std::string secret;
  return apply_client_json(body, true, app ? app : &local, &secret);
}

// Checks that `body` is refused with a message naming `member`.
void expect_refused(const json& body, const std::string& member) {
  std::optional<std::string> err = create(body);
  BOOST_TEST_CONTEXT("body " << body.dump()) {
    BOOST_TEST_REQUIRE(err.has_value());
    BOOST_TEST(err->find(member) != std::string::npos, "message '" << *err << "' lacks " << member);
  }
}

void expect_accepted(const json& body) {
  std::optional<std::string> err = create(body);
  BOOST_TEST(!err.has_value(), "body " << body.dump() << " refused: " << err.value_or(""));
}

json web_app() {
  return with(with(minimal(), "authorizedGrantTypes", {"authorization_code", "refresh_token"}),
              "registeredRedirectUris", {"https://app.example.com/cb"});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_rules)

BOOST_AUTO_TEST_CASE(minimal_app_gets_defaults_and_generated_secret) {
  ClientApp app;
  std::string secret;
  std::optional<std::string> err = apply_client_json(minimal(), true, &app, &secret);
  BOOST_REQUIRE_MESSAGE(!err, err.value_or(""));
  BOOST_TEST(app.app_name == "My App");
  BOOST_TEST(app.client_id == "my-app");
  BOOST_TEST(app.grant_types == std::vector<std::string>{"password"});
  BOOST_TEST(app.access_seconds == 3600);
  BOOST_TEST(!app.refresh_seconds.has_value());
  BOOST_TEST(app.scope == (std::vector<std::string>{"read", "write"}));
  BOOST_TEST(!app.auto_approve);
  BOOST_TEST(app.redirect_uris.empty());
  BOOST_TEST(secret.size() == 43u);  // 32 random bytes, base64url
  BOOST_TEST(secret.find_first_not_of(
                 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
             std::string::npos);
  std::string secret2;
  ClientApp app2;
  BOOST_REQUIRE(!apply_client_json(minimal(), true, &app2, &secret2));
  BOOST_TEST(secret != secret2);
}

BOOST_AUTO_TEST_CASE(full_app_is_stored_as_given) {
  json body = web_app();
  body["clientSecret"] = "0123456789abcdef";
  body["refreshTokenValiditySeconds"] = 86400;
  body["scope"] = {"openid", "profile:read"};
  body["autoApprove"] = true;
  ClientApp app;
  std::string secret;
  BOOST_REQUIRE(!apply_client_json(body, true, &app, &secret));
  BOOST_TEST(secret == "0123456789abcdef");
  BOOST_TEST(app.refresh_seconds.value_or(0) == 86400);
  BOOST_TEST(app.scope == (std::vector<std::string>{"openid", "profile:read"}));
  BOOST_TEST(app.auto_approve);
  BOOST_TEST(app.redirect_uris == std::vector<std::string>{"https://app.example.com/cb"});
}

BOOST_AUTO_TEST_CASE(required_members) {
  for (const char* m :
       {"appName", "clientId", "authorizedGrantTypes", "accessTokenValiditySeconds"})
    expect_refused(without(minimal(), m), m);
}

BOOST_AUTO_TEST_CASE(client_id_pattern) {
  expect_accepted(with(minimal(), "clientId", "A.b_c~d-1"));
  expect_accepted(with(minimal(), "clientId", std::string(128, 'a')));
  for (const json& id : {json(""), json(std::string(129, 'a')), json("my app"), json("a/b"),
                         json("a:b"), json("caf\xC3\xA9"), json("a\nb"), json(42), json(nullptr)})
    expect_refused(with(minimal(), "clientId", id), "clientId");
}

BOOST_AUTO_TEST_CASE(app_name_length) {
  expect_accepted(with(minimal(), "appName", "x"));
  expect_accepted(with(minimal(), "appName", std::string(200, 'x')));
  expect_refused(with(minimal(), "appName", ""), "appName");
  expect_refused(with(minimal(), "appName", std::string(201, 'x')), "appName");
  expect_refused(with(minimal(), "appName", 7), "appName");
  expect_refused(with(minimal(), "appName", {"a"}), "appName");
}

// Control characters (NUL included) are refused in names and a NUL in a
// secret, which HTTP Basic could never carry back (found by the hostile-input
// smoke test, tests/smoke/t_85_hostile.sh).
BOOST_AUTO_TEST_CASE(app_name_and_secret_refuse_control_characters) {
  const std::string names[] = {std::string("A\0B", 3), "A\x1b[31mB", "tab\there", "line\nbreak",
                               "del\x7f"};
  for (const std::string& name : names) expect_refused(with(minimal(), "appName", name), "appName");
  expect_accepted(with(minimal(), "appName", "Caf\xC3\xA9 & Co. <'\">"));
  expect_refused(with(minimal(), "clientSecret", std::string("0123456789abcdef\0x", 18)),
                 "clientSecret");
}

// "1-200 chars": a name of 150 two-byte characters is 150 characters long.
BOOST_AUTO_TEST_CASE(app_name_length_counts_characters_not_bytes) {
  std::string name;
  for (int i = 0; i < 150; ++i) name += "\xC3\xA9";  // é
  expect_accepted(with(minimal(), "appName", name));
}

BOOST_AUTO_TEST_CASE(client_secret_min_length) {
  expect_refused(with(minimal(), "clientSecret", std::string(15, 's')), "clientSecret");
  expect_refused(with(minimal(), "clientSecret", 1234567890123456789LL), "clientSecret");
  ClientApp app;
  std::string secret;
  BOOST_REQUIRE(!apply_client_json(with(minimal(), "clientSecret", std::string(16, 's')), true,
                                   &app, &secret));
  BOOST_TEST(secret == std::string(16, 's'));
}

BOOST_AUTO_TEST_CASE(grant_types) {
  expect_refused(with(minimal(), "authorizedGrantTypes", {"password", "client_credentials"}),
                 "authorizedGrantTypes");
  expect_refused(with(minimal(), "authorizedGrantTypes", json::array()), "authorizedGrantTypes");
  expect_refused(with(minimal(), "authorizedGrantTypes", "password"), "authorizedGrantTypes");
  expect_refused(with(minimal(), "authorizedGrantTypes", {1}), "authorizedGrantTypes");
  // Options only, none of authorization_code / implicit / password.
  json opts = with(minimal(), "authorizedGrantTypes", {"refresh_token", "mfa", "device"});
  opts["refreshTokenValiditySeconds"] = 7200;
  expect_refused(opts, "authorizedGrantTypes");
  json all = with(minimal(), "authorizedGrantTypes",
                  {"authorization_code", "implicit", "password", "refresh_token", "mfa", "device"});
  all["registeredRedirectUris"] = {"https://a.example/cb"};
  all["refreshTokenValiditySeconds"] = 7200;
  expect_accepted(all);
}

BOOST_AUTO_TEST_CASE(redirect_uris_required_for_browser_grants) {
  for (const char* g : {"authorization_code", "implicit"}) {
    json body = with(minimal(), "authorizedGrantTypes", {g});
    expect_refused(body, "registeredRedirectUris");
    expect_refused(with(body, "registeredRedirectUris", json::array()), "registeredRedirectUris");
    expect_accepted(with(body, "registeredRedirectUris", {"https://a.example/cb"}));
  }
  expect_accepted(minimal());  // password alone needs none
}

BOOST_AUTO_TEST_CASE(redirect_uri_rules_through_apply) {
  json body = with(minimal(), "authorizedGrantTypes", {"authorization_code"});
  for (const char* ok : {"https://app.example.com/cb", "http://127.0.0.1:8080/cb",
                         "http://localhost/cb", "http://[::1]:9000/cb", "com.example.app:/cb"})
    expect_accepted(with(body, "registeredRedirectUris", {ok}));
  for (const char* bad :
       {"http://app.example.com/cb", "javascript:alert(1)", "https://app.example.com/cb#frag",
        "https://app.example.com/c b", "/relative/cb"})
    expect_refused(with(body, "registeredRedirectUris", {bad}), "registeredRedirectUris");
  // One bad URI among good ones spoils the list.
  expect_refused(
      with(body, "registeredRedirectUris", {"https://a.example/cb", "http://evil.example/"}),
      "registeredRedirectUris");
}

BOOST_AUTO_TEST_CASE(valid_redirect_uri_cases) {
  for (const char* ok :
       {"https://app.example.com/cb", "https://app.example.com:8443/cb?x=1",
        "http://127.0.0.1:8080/cb", "http://127.0.0.1/cb", "http://localhost:3000/",
        "http://LOCALHOST/cb", "http://[::1]:9000/cb", "com.example.app:/cb", "myapp://callback"})
    BOOST_TEST(valid_redirect_uri(ok), ok);
  for (const char* bad : {"",
                          "http://app.example.com/cb",
                          "http://localhost.evil.example/cb",
                          "http://127.0.0.1.evil.example/cb",
                          "http://evil.example@127.0.0.1/cb",
                          "javascript:alert(1)",
                          "JavaScript:alert(1)",
                          "data:text/html,<script>x</script>",
                          "file:///etc/passwd",
                          "vbscript:msgbox",
                          "https://app.example.com/cb#",
                          "https://app.example.com/cb#x",
                          "https://app.example.com/c b",
                          "https://app.example.com/cb\t",
                          "https://app.example.com/\ncb",
                          "/cb",
                          "app.example.com/cb",
                          "https:///cb",
                          "https://",
                          "https:app.example.com",
                          "https://app.example.com\\@evil.example/"})
    BOOST_TEST(!valid_redirect_uri(bad), "accepted: " << bad);
  BOOST_TEST(!valid_redirect_uri("https://a.example/" + std::string(2100, 'x')));
  BOOST_TEST(!valid_redirect_uri("https://a.example/\xFF"));
}

BOOST_AUTO_TEST_CASE(access_token_validity_range) {
  expect_accepted(with(minimal(), "accessTokenValiditySeconds", 60));
  expect_accepted(with(minimal(), "accessTokenValiditySeconds", 86400));
  for (const json& v : {json(59), json(86401), json(0), json(-3600), json("3600"), json(3600.5),
                        json(true), json(nullptr)})
    expect_refused(with(minimal(), "accessTokenValiditySeconds", v), "accessTokenValiditySeconds");
}

BOOST_AUTO_TEST_CASE(huge_and_non_64_bit_numbers_refused) {
  for (const char* lit : {"9223372036854775807", "-9223372036854775808", "18446744073709551615",
                          "100000000000000000000000", "4294967356", "1e3", "3600.0"}) {
    json body = json::parse(R"({"appName":"A","clientId":"a","authorizedGrantTypes":["password"],)"
                            R"("accessTokenValiditySeconds":)" +
                            std::string(lit) + "}");
    expect_refused(body, "accessTokenValiditySeconds");
    json refresh = with(minimal(), "authorizedGrantTypes", {"password", "refresh_token"});
    refresh["refreshTokenValiditySeconds"] = body["accessTokenValiditySeconds"];
    expect_refused(refresh, "refreshTokenValiditySeconds");
  }
}

BOOST_AUTO_TEST_CASE(refresh_validity_rules) {
  json body = with(minimal(), "authorizedGrantTypes", {"password", "refresh_token"});
  expect_refused(body, "refreshTokenValiditySeconds");  // required with refresh_token
  expect_refused(with(body, "refreshTokenValiditySeconds", nullptr), "refreshTokenValiditySeconds");
  expect_refused(with(body, "refreshTokenValiditySeconds", 3600),
                 "refreshTokenValiditySeconds");  // == access
  expect_refused(with(body, "refreshTokenValiditySeconds", 600), "refreshTokenValiditySeconds");
  expect_refused(with(body, "refreshTokenValiditySeconds", 31536001),
                 "refreshTokenValiditySeconds");
  expect_refused(with(body, "refreshTokenValiditySeconds", "7200"), "refreshTokenValiditySeconds");
  expect_accepted(with(body, "refreshTokenValiditySeconds", 3601));
  expect_accepted(with(body, "refreshTokenValiditySeconds", 31536000));
}

BOOST_AUTO_TEST_CASE(scope_values) {
  expect_accepted(with(minimal(), "scope", {"read", "a!#[]~:/"}));
  for (const char* bad : {"a b", "a\"b", "a\\b", "", "caf\xC3\xA9", "a\tb"})
    expect_refused(with(minimal(), "scope", {bad}), "scope");
  expect_refused(with(minimal(), "scope", "read write"), "scope");  // not an array
  expect_refused(with(minimal(), "scope", {1}), "scope");
}

BOOST_AUTO_TEST_CASE(auto_approve_must_be_boolean) {
  expect_refused(with(minimal(), "autoApprove", "true"), "autoApprove");
  expect_refused(with(minimal(), "autoApprove", 1), "autoApprove");
  ClientApp app;
  BOOST_REQUIRE(!create(with(minimal(), "autoApprove", true), &app));
  BOOST_TEST(app.auto_approve);
}

BOOST_AUTO_TEST_CASE(unknown_members_ignored) {
  // As the original's Spring binding: a member the server does not know is
  // neither applied nor refused.
  ClientApp app;
  BOOST_REQUIRE(!create(with(with(minimal(), "clientid", "x"), "bogus", {{"a", 1}}), &app));
  BOOST_TEST(app.client_id == "my-app");
  ClientApp stored = app;
  std::string secret;
  BOOST_TEST(!apply_client_json({{"somethingNew", true}}, false, &stored, &secret));
  BOOST_TEST(stored.app_name == app.app_name);
}

BOOST_AUTO_TEST_CASE(enabled_is_writable) {
  ClientApp app;
  BOOST_REQUIRE(!create(minimal(), &app));
  BOOST_TEST(app.enabled);  // default
  BOOST_REQUIRE(!create(with(minimal(), "enabled", false), &app));
  BOOST_TEST(!app.enabled);
  std::string secret;
  BOOST_REQUIRE(!apply_client_json({{"enabled", true}}, false, &app, &secret));
  BOOST_TEST(app.enabled);
  expect_refused(with(minimal(), "enabled", "false"), "enabled");
  expect_refused(with(minimal(), "enabled", nullptr), "enabled");
}

BOOST_AUTO_TEST_CASE(create_ignores_server_assigned_members) {
  // id and createdAt are the server's to assign: an object read elsewhere
  // registers as it is.
  ClientApp app;
  json body = with(with(minimal(), "id", "3f0e8e0a-1111-4222-8333-444455556666"), "createdAt",
                   "2020-01-01T00:00:00Z");
  BOOST_REQUIRE(!create(body, &app));
  BOOST_TEST(app.id.empty());
  BOOST_TEST(app.created_at == 0);
  BOOST_TEST(!create(with(minimal(), "id", 42)));  // whatever the value
}

BOOST_AUTO_TEST_CASE(write_back_of_the_read_object) {
  ClientApp stored;
  std::string secret;
  BOOST_REQUIRE(!apply_client_json(with(web_app(), "refreshTokenValiditySeconds", 86400), true,
                                   &stored, &secret));
  stored.id = "3f0e8e0a-1111-4222-8333-444455556666";
  stored.created_at = 1795348800;
  stored.secret_hash = "$argon2id$stored";

  // GET, change one member, PUT the whole object back.
  json body = client_to_json(stored);
  body["appName"] = "Renamed";
  ClientApp app = stored;
  auto err = apply_client_json(body, false, &app, &secret);
  BOOST_REQUIRE_MESSAGE(!err, err.value_or(""));
  BOOST_TEST(app.app_name == "Renamed");
  BOOST_TEST(secret.empty());  // the object carries no secret: the stored one stays
  BOOST_TEST(app.secret_hash == stored.secret_hash);
  BOOST_TEST(app.id == stored.id);
  BOOST_TEST(client_to_json(app)["createdAt"] == client_to_json(stored)["createdAt"]);

  // Read-only members changed: refused, naming the member.
  for (const auto& change : {std::pair<const char*, json>{"id", "another-id"},
                             {"id", nullptr},
                             {"createdAt", "2026-11-22T12:00:01Z"},
                             {"createdAt", 1795348800}}) {
    json changed = client_to_json(stored);
    changed[change.first] = change.second;
    app = stored;
    err = apply_client_json(changed, false, &app, &secret);
    BOOST_TEST_REQUIRE(err.has_value(), changed.dump());
    BOOST_TEST(err->find(change.first) != std::string::npos, *err);
    BOOST_TEST(err->find("read-only") != std::string::npos, *err);
  }

  // A null clientSecret keeps the stored one; a new one replaces it.
  app = stored;
  BOOST_REQUIRE(!apply_client_json({{"clientSecret", nullptr}}, false, &app, &secret));
  BOOST_TEST(secret.empty());
  BOOST_REQUIRE(!apply_client_json(
      with(client_to_json(stored), "clientSecret", "a-brand-new-secret"), false, &app, &secret));
  BOOST_TEST(secret == "a-brand-new-secret");
  // ... and on create a null one is generated.
  ClientApp created;
  BOOST_REQUIRE(
      !apply_client_json(with(minimal(), "clientSecret", nullptr), true, &created, &secret));
  BOOST_TEST(secret.size() == 43u);
}

BOOST_AUTO_TEST_CASE(update_keeps_unspecified_members) {
  ClientApp app;
  std::string secret;
  json body = web_app();
  body["refreshTokenValiditySeconds"] = 86400;
  body["autoApprove"] = true;
  body["scope"] = {"read"};
  BOOST_REQUIRE(!apply_client_json(body, true, &app, &secret));
  ClientApp before = app;

  BOOST_REQUIRE(!apply_client_json({{"appName", "Renamed"}}, false, &app, &secret));
  BOOST_TEST(secret.empty());  // no new secret on update unless given
  BOOST_TEST(app.app_name == "Renamed");
  BOOST_TEST(app.client_id == before.client_id);
  BOOST_TEST(app.grant_types == before.grant_types);
  BOOST_TEST(app.redirect_uris == before.redirect_uris);
  BOOST_TEST(app.access_seconds == before.access_seconds);
  BOOST_TEST((app.refresh_seconds == before.refresh_seconds));
  BOOST_TEST(app.scope == before.scope);  // not reset to the default
  BOOST_TEST(app.auto_approve);

  BOOST_REQUIRE(!apply_client_json(json::object(), false, &app, &secret));  // {} is a no-op
  BOOST_TEST(app.app_name == "Renamed");

  BOOST_REQUIRE(!apply_client_json({{"clientSecret", "a-brand-new-secret"}}, false, &app, &secret));
  BOOST_TEST(secret == "a-brand-new-secret");
}

BOOST_AUTO_TEST_CASE(update_checks_rules_on_the_result) {
  ClientApp app;
  std::string secret;
  json body = with(minimal(), "authorizedGrantTypes", {"password", "refresh_token"});
  body["refreshTokenValiditySeconds"] = 7200;
  BOOST_REQUIRE(!apply_client_json(body, true, &app, &secret));
  ClientApp copy = app;
  // Access raised to the stored refresh lifetime: refresh no longer greater.
  auto err = apply_client_json({{"accessTokenValiditySeconds", 7200}}, false, &copy, &secret);
  BOOST_REQUIRE(err);
  BOOST_TEST(err->find("refreshTokenValiditySeconds") != std::string::npos, *err);
  // authorization_code without stored redirect URIs.
  copy = app;
  err =
      apply_client_json({{"authorizedGrantTypes", {"authorization_code"}}}, false, &copy, &secret);
  BOOST_REQUIRE(err);
  BOOST_TEST(err->find("registeredRedirectUris") != std::string::npos, *err);
  // Dropping the refresh lifetime while refresh_token stays granted.
  copy = app;
  BOOST_TEST(apply_client_json({{"refreshTokenValiditySeconds", nullptr}}, false, &copy, &secret)
                 .has_value());
  // ... but fine together with dropping refresh_token.
  copy = app;
  BOOST_TEST(!apply_client_json(
      {{"authorizedGrantTypes", {"password"}}, {"refreshTokenValiditySeconds", nullptr}}, false,
      &copy, &secret));
  BOOST_TEST(!copy.refresh_seconds.has_value());
  copy = app;
  BOOST_TEST(!apply_client_json({{"bogus", 1}}, false, &copy, &secret).has_value());  // ignored
  BOOST_TEST(apply_client_json({{"clientSecret", "short"}}, false, &copy, &secret).has_value());
}

BOOST_AUTO_TEST_CASE(client_to_json_members_and_no_secret) {
  ClientApp app;
  std::string secret;
  BOOST_REQUIRE(!apply_client_json(minimal(), true, &app, &secret));
  app.id = "3f0e8e0a-1111-4222-8333-444455556666";
  app.secret_hash = "$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaA";
  app.created_at = 1795348800;  // 2026-11-22T12:00:00Z
  json j = client_to_json(app);
  std::set<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
  const std::set<std::string> expected = {"id",
                                          "clientId",
                                          "appName",
                                          "authorizedGrantTypes",
                                          "registeredRedirectUris",
                                          "accessTokenValiditySeconds",
                                          "refreshTokenValiditySeconds",
                                          "scope",
                                          "autoApprove",
                                          "requirePkce",
                                          "enabled",
                                          "createdAt"};
  BOOST_TEST(keys == expected, "members: " << j.dump());
  BOOST_TEST(!j.contains("clientSecret"));
  BOOST_TEST(j.dump().find("argon2") == std::string::npos);
  BOOST_TEST(j["id"] == app.id);
  BOOST_TEST(j["clientId"] == "my-app");
  BOOST_TEST(j["authorizedGrantTypes"] == json({"password"}));
  BOOST_TEST(j["registeredRedirectUris"] == json::array());
  BOOST_TEST(j["accessTokenValiditySeconds"] == 3600);
  BOOST_TEST(j["refreshTokenValiditySeconds"].is_null());
  BOOST_TEST(j["scope"] == json({"read", "write"}));
  BOOST_TEST(j["autoApprove"] == false);
  BOOST_TEST(j["enabled"] == true);
  BOOST_TEST(j["createdAt"] == "2026-11-22T12:00:00Z");
  app.refresh_seconds = 7200;
  BOOST_TEST(client_to_json(app)["refreshTokenValiditySeconds"] == 7200);
}

BOOST_AUTO_TEST_SUITE_END()
