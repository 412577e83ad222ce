// include/access/http/request_log.h: the request id (nginx's, or one made here),
// X-Request-Id, and the request line's fields; and the readiness check of
// GET /api/health/ready (handlers.h).
#include "access/http/request_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <sstream>
#include <string>

#include "server_fixture.h"

using namespace access_service;
using namespace access_service::testing;
using json = nlohmann::json;

namespace {

Response get(ServerFixture& f, const std::string& path, const std::string& request_id,
             const std::string& authorization = "") {
  Request req;
  req.method = "GET";
  req.path = path;
  req.request_id = request_id;
  req.authorization = authorization;
  req.remote_addr = "127.0.0.1";
  return serve_request(*f.ctx, req);
}

// The request lines written to stderr while `fn` runs (json format, info).
template <typename F>
std::vector<json> request_lines(F fn) {
  TempDir tmp;
  fflush(stderr);
  int saved = dup(STDERR_FILENO);
  int fd = open(tmp.file("err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(fd, STDERR_FILENO);
  close(fd);
  set_log_level("info");
  fn();
  set_log_level("error");
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::vector<json> out;
  std::istringstream in(read_text(tmp.file("err")));
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, false);
    if (j.is_object() && j["event"] == "request") out.push_back(j);
  }
  return out;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(request_log, ServerFixture)

BOOST_AUTO_TEST_CASE(nginx_request_id_is_returned_as_x_request_id) {
  Response r = get(*this, "/api/health", "0123456789abcdef0123456789abcdef");
  BOOST_TEST(header(r, "X-Request-Id") == "0123456789abcdef0123456789abcdef");
}

BOOST_AUTO_TEST_CASE(a_missing_or_strange_request_id_is_replaced_by_a_fresh_one) {
  for (const std::string& bad : {std::string(), std::string("has space"), std::string(65, 'a'),
                                 std::string("quote\"d"), std::string("new\nline")}) {
    Response r = get(*this, "/api/health", bad);
    std::string id = header(r, "X-Request-Id");
    BOOST_TEST(id.size() == 32u, bad);
    BOOST_TEST(all_of_chars(id, "0123456789abcdef"), bad);
  }
  BOOST_TEST(header(get(*this, "/api/health", ""), "X-Request-Id") !=
             header(get(*this, "/api/health", ""), "X-Request-Id"));
}

BOOST_AUTO_TEST_CASE(error_replies_carry_x_request_id_too) {
  Response r = get(*this, "/no/such/path", "abc-123");
  BOOST_TEST(r.status == 404);
  BOOST_TEST(header(r, "X-Request-Id") == "abc-123");
}

BOOST_AUTO_TEST_CASE(the_request_line_has_the_pattern_status_latency_client_user_and_id) {
  add_app("cli", "cli-secret-0123456789", {"password"});
  User u = add_user("alice@example.com");
  std::string at = body_of(password_grant("cli", "cli-secret-0123456789", "alice@example.com",
                                          kPassword))["access_token"];
  auto lines = request_lines([&] {
    get(*this, "/api/v1/clientapps/9f1c-secret-looking-id", "rid-1", "Bearer " + at);
    get(*this, "/api/health", "rid-2");
  });
  BOOST_REQUIRE_EQUAL(lines.size(), 2u);
  BOOST_TEST(lines[0]["route"] == "/api/v1/clientapps/{}");
  BOOST_TEST(lines[0].dump().find("9f1c-secret-looking-id") == std::string::npos);
  BOOST_TEST(lines[0]["status"] == 403);  // a collaborator
  BOOST_TEST(lines[0]["method"] == "GET");
  BOOST_TEST(lines[0]["client"] == "cli");
  BOOST_TEST(lines[0]["user"] == u.id);
  BOOST_TEST(lines[0]["requestId"] == "rid-1");
  BOOST_TEST(lines[0]["ms"].is_number());
  BOOST_TEST(lines[1]["route"] == "/api/health");
  BOOST_TEST(!lines[1].contains("client"));  // nobody authenticated
  BOOST_TEST(!lines[1].contains("user"));
}

BOOST_AUTO_TEST_CASE(ready_when_the_store_takes_a_write_and_jwks_publishes_the_key) {
  write_text(config.jwks_file, ctx->signer->jwks_json());
  Response r = get(*this, "/api/health/ready", "");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(body_of(r)["status"] == "ready");
  BOOST_TEST(body_of(r)["kid"] == ctx->signer->active().kid);
}

BOOST_AUTO_TEST_CASE(not_ready_without_the_key_in_the_jwks_file) {
  Response missing = get(*this, "/api/health/ready", "");
  BOOST_TEST(missing.status == 503);
  BOOST_TEST(error_of(missing) == "temporarily_unavailable");
  BOOST_TEST(body_of(missing)["error_description"] == "not ready: the JWKS file cannot be read");
  BOOST_TEST(body_of(missing).dump().find(config.jwks_file) == std::string::npos);
  write_text(config.jwks_file, "{\"keys\":[{\"kid\":\"someone-else\"}]}");
  Response other = get(*this, "/api/health/ready", "");
  BOOST_TEST(other.status == 503);
  BOOST_TEST(body_of(other)["error_description"] ==
             "not ready: the JWKS file does not publish the signing key");
  write_text(config.jwks_file, "not json");
  BOOST_TEST(body_of(get(*this, "/api/health/ready", ""))["error_description"] ==
             "not ready: the JWKS file is not a JWK set");
}

BOOST_AUTO_TEST_CASE(not_ready_while_another_writer_holds_the_database) {
  if (testing_postgresql()) {
    // PostgreSQL writers never wait to begin: readiness asks whether the
    // server accepts writes, which a read-only session does not.
    write_text(config.jwks_file, ctx->signer->jwks_json());
    Config read_only = config;
    read_only.conninfo += " options='-c default_transaction_read_only=on'";
    auto ro = open_store(read_only);
    BOOST_REQUIRE(ro.ok());
    ctx->store = std::move(*ro);
    Response r = get(*this, "/api/health/ready", "");
    BOOST_TEST(r.status == 503);
    BOOST_TEST(body_of(r)["error_description"] ==
               "not ready: the database does not take writes (transactions are read-only)");
    BOOST_TEST(get(*this, "/api/health", "").status == 200);
    return;
  }
  write_text(config.jwks_file, ctx->signer->jwks_json());
  Config quick = config;
  quick.busy_timeout_ms = 50;
  auto mine = open_store(quick);
  BOOST_REQUIRE(mine.ok());
  ctx->store = std::move(*mine);
  auto other = open_store(config);
  BOOST_REQUIRE(other.ok());
  BOOST_REQUIRE((*other)->begin_write().ok());
  Response r = get(*this, "/api/health/ready", "");
  BOOST_TEST(r.status == 503);
  BOOST_TEST(body_of(r)["error_description"].get<std::string>().rfind(
                 "not ready: the database does not take writes", 0) == 0u);
  BOOST_TEST(get(*this, "/api/health", "").status == 200);  // liveness only reads
  (*other)->rollback();
  BOOST_TEST(get(*this, "/api/health/ready", "").status == 200);
}

BOOST_AUTO_TEST_CASE(ready_answers_get_only) {
  Request req;
  req.method = "POST";
  req.path = "/api/health/ready";
  Response r = serve_request(*ctx, req);
  BOOST_TEST(r.status == 405);
  BOOST_TEST(header(r, "Allow") == "GET");
}

BOOST_AUTO_TEST_SUITE_END()
