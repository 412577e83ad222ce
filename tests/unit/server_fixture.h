// A whole worker context in a temporary directory, driven through route()
// without FastCGI: config, signing key, HMAC key, SQLite store, and helpers
// to add users and apps and to call the token endpoint.
#pragma once

#include <boost/test/unit_test.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "access/core/context.h"
#include "access/core/log.h"
#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/crypto/password.h"
#include "access/http/http.h"
#include "access/http/request_log.h"
#include "access/http/router.h"
#include "access/store/store.h"
#include "test_util.h"

namespace access_service {
namespace testing {

inline std::string basic_header(const std::string& user, const std::string& password) {
  return "Basic " + base64_std(user + ":" + password);
}

inline nlohmann::json body_of(const Response& r) {
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  BOOST_REQUIRE_MESSAGE(!j.is_discarded(), "response body is not JSON: " << r.body);
  return j;
}

// The "error" member of a JSON error reply ("" when absent).
inline std::string error_of(const Response& r) {
  nlohmann::json j = body_of(r);
  return j.is_object() && j.contains("error") && j["error"].is_string()
             ? j["error"].get<std::string>()
             : "";
}

struct ServerFixture {
  TempDir tmp;
  Config config;
  std::unique_ptr<Context> ctx;
  static constexpr const char* kPassword = "correct horse battery";
  std::string remote_addr = "127.0.0.1";     // REMOTE_ADDR of call()
  std::string user_agent = "unit-test/1.0";  // HTTP_USER_AGENT of call()

  explicit ServerFixture(int grace_seconds = 0) {
    set_log_level("error");
    config.issuer = "http://127.0.0.1:1";
    config.listen = "unix:/tmp/x.sock";
    config.db_path = tmp.file("access.db");
    config.key_dir = tmp.file("keys");
    config.jwks_file = tmp.file("jwks.json");
    config.argon2_time_cost = 1;
    config.argon2_memory_kib = 8192;
    config.argon2_parallelism = 1;
    config.refresh_reuse_grace_seconds = grace_seconds;
    if (use_test_postgresql(config)) {  // the purge shares keys through it (key_mirror.h)
      config.kek_file = tmp.file("kek.key");
      write_text(config.kek_file, std::string(32, '\x5a'));
    }
    Result<std::string> key = create_signing_key(config.key_dir, "RS256");
    BOOST_REQUIRE_MESSAGE(key.ok(), key.status().ToString());
    Status st = ensure_hmac_key(config);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.ToString());
    auto c = open_context(config);
    BOOST_REQUIRE_MESSAGE(c.ok(), c.status().ToString());
    ctx = std::move(*c);
  }

  std::string hash(const std::string& secret) {
    Result<std::string> h = hash_password(secret, ctx->argon2());
    BOOST_REQUIRE(h.ok());
    return *h;
  }

  User add_user(const std::string& email, const std::string& password = kPassword,
                std::vector<std::string> roles = {"ROLE_ORIGINATOR"}) {
    User u;
    u.id = uuid4();
    u.email = email;
    u.password_hash = hash(password);
    u.roles = std::move(roles);
    u.created_at = now_seconds();
    Status st = ctx->store->insert_user(u);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.ToString());
    return u;
  }

  ClientApp add_app(const std::string& client_id, const std::string& secret,
                    std::vector<std::string> grants = {"password", "refresh_token"},
                    std::vector<std::string> scope = {"read", "write"}) {
    ClientApp a;
    a.id = uuid4();
    a.client_id = client_id;
    a.app_name = "App " + client_id;
    a.secret_hash = hash(secret);
    a.grant_types = std::move(grants);
    if (a.has_grant("authorization_code")) a.redirect_uris = {"https://app.example/cb"};
    a.scope = std::move(scope);
    a.access_seconds = 3600;
    if (a.has_grant("refresh_token")) a.refresh_seconds = 86400;
    a.created_at = now_seconds();
    Status st = ctx->store->insert_client(a);
    BOOST_REQUIRE_MESSAGE(st.ok(), st.ToString());
    return a;
  }

  // A request as fcgi_server.cpp hands it on; `body_too_large` as it sets it
  // for a CONTENT_LENGTH over the limit (the body left unread).
  Response call(const std::string& method, const std::string& path,
                const std::string& authorization, const std::string& content_type = "",
                const std::string& body = "", bool body_too_large = false) {
    Request req;
    req.method = method;
    req.path = path;
    req.authorization = authorization;
    req.content_type = content_type;
    req.body = body;
    req.body_too_large = body_too_large;
    req.remote_addr = remote_addr;
    req.user_agent = user_agent;
    return serve_request(*ctx, req);
  }

  // POST /api/oauth/token with Basic client credentials and a form body.
  Response token(const std::string& client_id, const std::string& secret, const std::string& form) {
    return call("POST", "/api/oauth/token", basic_header(client_id, secret),
                "application/x-www-form-urlencoded", form);
  }

  Response password_grant(const std::string& client_id, const std::string& secret,
                          const std::string& username, const std::string& password,
                          const std::string& extra = "") {
    return token(client_id, secret,
                 "grant_type=password&username=" + url_encode(username) +
                     "&password=" + url_encode(password) + extra);
  }

  Response refresh_grant(const std::string& client_id, const std::string& secret,
                         const std::string& refresh, const std::string& extra = "") {
    return token(client_id, secret,
                 "grant_type=refresh_token&refresh_token=" + url_encode(refresh) + extra);
  }

  // GET /api/v1/users/me with a bearer token.
  Response me(const std::string& access_token) {
    return call("GET", "/api/v1/users/me", "Bearer " + access_token);
  }
};

}  // namespace testing
}  // namespace access_service
