// include/access/http/router.h: 404 / 405 + Allow, the one JSON error shape, and
// the guard each route declares (route_access.h).
#include <boost/test/unit_test.hpp>
#include <string>

#include "server_fixture.h"

using namespace access_service;
using namespace access_service::testing;
using json = nlohmann::json;

namespace {

void expect_error_shape(const Response& r, int status, const std::string& code) {
  BOOST_TEST(r.status == status, "status " << r.status << " body " << r.body);
  BOOST_TEST(header(r, "Content-Type").rfind("application/json", 0) == 0u);
  json j = body_of(r);
  BOOST_REQUIRE(j.is_object());
  BOOST_TEST(j.value("error", "") == code, r.body);
  BOOST_TEST(j.contains("error_description"));
  BOOST_TEST(j["error_description"].is_string());
  BOOST_TEST(j.size() == 2u, r.body);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(router, ServerFixture)

BOOST_AUTO_TEST_CASE(unknown_path_is_404_not_found) {
  for (const char* path : {"/api/nope", "/", "/api/v1/clientapps/", "/api/v1/clientapps/x/y",
                           "/api/oauth/token/", "/api/healthz", "/API/health"})
    BOOST_TEST_CONTEXT("path " << path) {
      expect_error_shape(call("GET", path, ""), 404, "not_found");
    }
}

BOOST_AUTO_TEST_CASE(wrong_method_is_405_with_allow) {
  Response r = call("GET", "/api/oauth/token", "");
  expect_error_shape(r, 405, "method_not_allowed");
  BOOST_TEST(header(r, "Allow") == "POST");

  r = call("DELETE", "/api/v1/users", "");
  expect_error_shape(r, 405, "method_not_allowed");
  std::string allow = header(r, "Allow");
  BOOST_TEST(allow.find("GET") != std::string::npos, allow);
  BOOST_TEST(allow.find("POST") != std::string::npos, allow);
  BOOST_TEST(allow.find("DELETE") == std::string::npos, allow);

  r = call("POST", "/api/v1/clientapps/some-id", "");
  expect_error_shape(r, 405, "method_not_allowed");
  allow = header(r, "Allow");
  for (const char* m : {"GET", "PUT", "DELETE"})
    BOOST_TEST(allow.find(m) != std::string::npos, allow);

  r = call("GET", "/api/v1/clientapps/some-id/enable", "");
  expect_error_shape(r, 405, "method_not_allowed");
  BOOST_TEST(header(r, "Allow") == "PUT");
}

BOOST_AUTO_TEST_CASE(method_is_case_sensitive) {
  Response r = call("get", "/api/health", "");
  BOOST_TEST(r.status == 405, r.body);
}

BOOST_AUTO_TEST_CASE(health_answers_ok) {
  Response r = call("GET", "/api/health", "");
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  BOOST_TEST(body_of(r) == json({{"status", "ok"}}));
}

BOOST_AUTO_TEST_CASE(bearer_endpoint_without_token_is_401_invalid_token) {
  Response r = call("GET", "/api/v1/users/me", "");
  expect_error_shape(r, 401, "invalid_token");
  BOOST_TEST(header(r, "WWW-Authenticate").rfind("Bearer", 0) == 0u, header(r, "WWW-Authenticate"));
  // RFC 6750 3.1: no error code when the request carried no token at all.
  BOOST_TEST(header(r, "WWW-Authenticate").find("error=") == std::string::npos,
             header(r, "WWW-Authenticate"));
  r = call("GET", "/api/v1/clientapps/abc", "Bearer not.a.jwt");
  expect_error_shape(r, 401, "invalid_token");
  BOOST_TEST(header(r, "WWW-Authenticate").find("error=\"invalid_token\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(path_parameter_reaches_the_handler) {
  // An admin asking for an unknown app id gets the handler's 404, not the router's.
  add_user("admin@example.com", kPassword, {"ROLE_SYSTEM_ADMIN"});
  add_app("cli", "cli-secret-0123456789");
  Response t = password_grant("cli", "cli-secret-0123456789", "admin@example.com", kPassword);
  BOOST_REQUIRE_MESSAGE(t.status == 200, t.body);
  std::string bearer = "Bearer " + body_of(t)["access_token"].get<std::string>();
  Response r = call("GET", "/api/v1/clientapps/00000000-0000-4000-8000-000000000000", bearer);
  expect_error_shape(r, 404, "not_found");
  ClientApp app = *ctx->store->find_client_by_client_id("cli");
  r = call("GET", "/api/v1/clientapps/" + app.id, bearer);
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  BOOST_TEST(body_of(r)["clientId"] == "cli");
}

// The guards of the route table, checked against a list written here from
// API.md rather than read from the table: every admin path refuses a request
// without a token (401) and a collaborator's token (403), every other user
// path under /api/v1 refuses a request without a token, and none of them
// changes anything on the way.
BOOST_AUTO_TEST_CASE(every_route_declares_its_guard) {
  add_user("alice@example.com", kPassword, {"ROLE_COLLABORATOR"});
  add_app("cli", "cli-secret-0123456789");
  Response t = password_grant("cli", "cli-secret-0123456789", "alice@example.com", kPassword);
  BOOST_REQUIRE_MESSAGE(t.status == 200, t.body);
  const std::string collaborator = "Bearer " + body_of(t)["access_token"].get<std::string>();
  auto admin_only = [](const std::string& p) {
    for (const char* prefix : {"/api/v1/clientapps", "/api/v1/dashboard/", "/api/v1/audit"})
      if (p.rfind(prefix, 0) == 0) return true;
    return p.rfind("/api/v1/users", 0) == 0 && p.rfind("/api/v1/users/me", 0) != 0;
  };
  Page all;
  all.sort_by = "created_at";
  const size_t users = ctx->store->list_users(all).value().items.size();
  const size_t apps = ctx->store->list_clients(all).value().items.size();
  int admin_routes = 0, user_routes = 0;
  for (int i = 0; i < route_count(); ++i) {
    std::string path = route_pattern(i);
    for (size_t at; (at = path.find("{}")) != std::string::npos;) path.replace(at, 2, "some-id");
    const std::string method = route_method(i);
    BOOST_TEST_CONTEXT(method << " " << path) {
      const bool admin = admin_only(path);
      const bool user = path.rfind("/api/v1/", 0) == 0 || path.rfind("/api/account/", 0) == 0;
      if (!admin && !user) continue;
      if (path == "/api/account/session") continue;  // answers {} without a session
      Response r = call(method, path, "", "application/json", "{}");
      BOOST_TEST(r.status == 401, r.body);
      if (admin) {
        ++admin_routes;
        r = call(method, path, collaborator, "application/json", "{}");
        BOOST_TEST(r.status == 403, r.body);
        BOOST_TEST(error_of(r) == "access_denied");
      } else {
        ++user_routes;
      }
    }
  }
  BOOST_TEST(admin_routes == 11);  // clientapps 6, dashboard 1, users 3, audit 1
  BOOST_TEST(user_routes > 20);
  BOOST_TEST(ctx->store->list_users(all).value().items.size() == users);
  BOOST_TEST(ctx->store->list_clients(all).value().items.size() == apps);
}

BOOST_AUTO_TEST_SUITE_END()
