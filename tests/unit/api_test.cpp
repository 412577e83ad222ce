// include/access/http/api.h: error replies, body readers, paging and bearer
// authentication (API.md section 0).
#include "access/http/api.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "server_fixture.h"

using namespace access_service;
using namespace access_service::testing;

namespace {

Request json_request(const std::string& body, const std::string& ct = "application/json") {
  Request r;
  r.method = "POST";
  r.content_type = ct;
  r.body = body;
  return r;
}

int json_status(const std::string& body, const std::string& ct = "application/json") {
  json out;
  auto err = read_json_body(json_request(body, ct), &out);
  return err ? err->status : 0;
}

int page_status(const std::string& query, Page* page = nullptr) {
  Request r;
  r.query = query;
  Page local;
  auto err = read_page(r, {{"createdAt", "created_at"}, {"email", "email"}}, page ? page : &local);
  return err ? err->status : 0;
}

// Bearer tests: tokens signed with the server's own key, claims crafted.
struct BearerFixture : ServerFixture {
  User user = add_user("alice@example.com");
  ClientApp app = add_app("web-app", "web-app-secret-0123456789");
  json claims(const std::string& jti) {
    long long now = now_seconds();
    return {{"exp", now + 600},
            {"iat", now},
            {"iss", config.issuer},
            {"sub", user.id},
            {"user_name", user.email},
            {"authorities", user.roles},
            {"jti", jti},
            {"client_id", "web-app"},
            {"scope", {"read"}}};
  }
  // Signs `c` with the server's key (access tokens are stored nowhere).
  std::string issue(const json& c) {
    Result<std::string> t = ctx->signer->sign(c);
    BOOST_REQUIRE(t.ok());
    return *t;
  }
  int me_status(const std::string& token) { return me(token).status; }
  // The error_description of GET /users/me with `token`.
  std::string refusal(const std::string& token) {
    return body_of(me(token)).value("error_description", "");
  }
  Status::Reason reason_of(const std::string& token) {
    return verify_access_token(*ctx, token).status().reason();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(api)

BOOST_AUTO_TEST_CASE(error_codes_and_statuses) {
  const std::pair<ApiError, std::pair<const char*, int>> cases[] = {
      {ApiError::kInvalidRequest, {"invalid_request", 400}},
      {ApiError::kInvalidClient, {"invalid_client", 401}},
      {ApiError::kInvalidGrant, {"invalid_grant", 400}},
      {ApiError::kUnauthorizedClient, {"unauthorized_client", 400}},
      {ApiError::kUnsupportedGrantType, {"unsupported_grant_type", 400}},
      {ApiError::kInvalidScope, {"invalid_scope", 400}},
      {ApiError::kAccessDenied, {"access_denied", 403}},
      {ApiError::kUnsupportedResponseType, {"unsupported_response_type", 400}},
      {ApiError::kInvalidToken, {"invalid_token", 401}},
      {ApiError::kNotFound, {"not_found", 404}},
      {ApiError::kMethodNotAllowed, {"method_not_allowed", 405}},
      {ApiError::kConflict, {"conflict", 409}},
      {ApiError::kPayloadTooLarge, {"payload_too_large", 413}},
      {ApiError::kUnsupportedMediaType, {"unsupported_media_type", 415}},
      {ApiError::kTooManyRequests, {"too_many_requests", 429}},
      {ApiError::kServerError, {"server_error", 500}},
      {ApiError::kTemporarilyUnavailable, {"temporarily_unavailable", 503}},
  };
  for (const auto& c : cases) {
    BOOST_TEST(std::string(error_code(c.first)) == c.second.first);
    BOOST_TEST(error_status(c.first) == c.second.second, c.second.first);
    Response r = error_reply(c.first, "why");
    BOOST_TEST(r.status == c.second.second);
    BOOST_TEST(body_of(r) == json({{"error", c.second.first}, {"error_description", "why"}}));
    BOOST_TEST(header(r, "Cache-Control") == "no-store");
  }
  BOOST_TEST(header(error_reply(ApiError::kMethodNotAllowed, "x", "GET, PUT"), "Allow") ==
             "GET, PUT");
  BOOST_TEST(header(error_reply(ApiError::kTooManyRequests, "x", "42"), "Retry-After") == "42");
}

BOOST_AUTO_TEST_CASE(status_reply_mapping_hides_internals) {
  set_log_level("error");
  BOOST_TEST(status_reply(Status::NotFound("x")).status == 404);
  BOOST_TEST(status_reply(Status::Invalid("x")).status == 400);
  BOOST_TEST(status_reply(Status::Conflict("x")).status == 409);
  // A store conflict carries the database's wording; only the log sees it.
  Response conflict = status_reply(Status::Conflict("UNIQUE constraint failed: clients.client_id"));
  BOOST_TEST(error_of(conflict) == "conflict");
  BOOST_TEST(conflict.body.find("UNIQUE") == std::string::npos, conflict.body);
  BOOST_TEST(conflict.body.find("client_id") == std::string::npos, conflict.body);
  // A store NotFound answered with the handler's words.
  Response missing = status_reply(Status::NotFound("no row"), "client app not found");
  BOOST_TEST(missing.status == 404);
  BOOST_TEST(body_of(missing) ==
             json({{"error", "not_found"}, {"error_description", "client app not found"}}));
  BOOST_TEST(status_reply(Status::Unavailable("disk full"), "client app not found").status == 503);
  BOOST_TEST(status_reply(Status::Invalid("x"), "client app not found").status == 400);
  Response busy = status_reply(Status::Unavailable("database busy"));
  BOOST_TEST(busy.status == 503);
  BOOST_TEST(error_of(busy) == "temporarily_unavailable");
  // Meant to fail: the detail goes to the log (held here, not printed), never
  // to the client.
  testing::CaptureStderr log;
  Response internal = status_reply(Status::Internal("SELECT * FROM users failed at /var/lib/x.db"));
  const std::string logged = log.text();
  BOOST_TEST(logged.find("internal error") != std::string::npos, logged);
  BOOST_TEST(logged.find("SELECT * FROM users failed") != std::string::npos, logged);
  BOOST_TEST(internal.status == 500);
  BOOST_TEST(error_of(internal) == "server_error");
  BOOST_TEST(internal.body.find("SELECT") == std::string::npos);
  BOOST_TEST(internal.body.find("/var/lib") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(read_json_body_rules) {
  BOOST_TEST(json_status(R"({"a":1})") == 0);
  BOOST_TEST(json_status(R"({"a":1})", "application/json; charset=utf-8") == 0);
  BOOST_TEST(json_status(R"({"a":1})", "text/plain") == 415);
  BOOST_TEST(json_status(R"({"a":1})", "") == 415);
  BOOST_TEST(json_status(R"({"a":)") == 400);
  BOOST_TEST(json_status("[1,2]") == 400);  // top level must be an object
  BOOST_TEST(json_status("\"s\"") == 400);
  BOOST_TEST(json_status("") == 400);
  BOOST_TEST(json_status("{\"a\":\"\xFF\"}") == 400);  // invalid UTF-8
  std::string deep = std::string(33, '[') + std::string(33, ']');
  BOOST_TEST(json_status("{\"a\":" + deep + "}") == 400);
  std::string ok_deep = std::string(20, '[') + std::string(20, ']');
  BOOST_TEST(json_status("{\"a\":" + ok_deep + "}") == 0);
  BOOST_TEST(json_status("{\"a\":\"" + std::string(kMaxBodyBytes, 'x') + "\"}") == 413);
  // Escaped and raw spellings of one name are the same name.
  BOOST_TEST(json_status(R"({"a":1,"b":{"a":1},"c":[{"a":1},{"a":2}]})") == 0);
  Request big = json_request("{}");
  big.body_too_large = true;
  json out;
  auto err = read_json_body(big, &out);
  BOOST_REQUIRE(err);
  BOOST_TEST(err->status == 413);
}

BOOST_AUTO_TEST_CASE(read_json_body_refuses_duplicate_members) {
  // RFC 8259 4: parsers disagree on which of two equal names wins, so none
  // is picked: 400 naming the member, at any depth.
  const char* const duplicates[][2] = {
      {R"({"a":1,"a":2})", "a"},
      {R"({"a":1,"a":1})", "a"},  // even when equal
      {R"({"clientId":"x","b":2,"clientId":"y"})", "clientId"},
      {R"({"a":{"k":1,"k":2}})", "k"},
      {R"({"a":[1,{"x":{"deep":1,"deep":2}}]})", "deep"},
      {R"({"a\u0062":1,"ab":2})", "ab"},  // escaped spelling of the same name
      {R"({"":1,"":2})", ""},
  };
  for (const auto& d : duplicates) {
    json out;
    auto err = read_json_body(json_request(d[0]), &out);
    BOOST_TEST_REQUIRE(err.has_value(), d[0]);
    BOOST_TEST(err->status == 400);
    BOOST_TEST(error_of(*err) == "invalid_request");
    BOOST_TEST(body_of(*err)["error_description"] == std::string("member ") + d[1] + " given twice",
               err->body);
  }
  // Same name in different objects: fine.
  BOOST_TEST(json_status(R"({"k":1,"o":{"k":2},"p":{"k":3,"q":{"k":4}}})") == 0);
  // A long name is shortened in the message, on a character boundary.
  std::string name = std::string(63, 'x') + "\u00e9" + std::string(100, 'y');
  json out;
  auto err = read_json_body(json_request("{\"" + name + "\":1,\"" + name + "\":2}"), &out);
  BOOST_REQUIRE(err);
  std::string why = body_of(*err)["error_description"];
  BOOST_TEST(why == "member " + std::string(63, 'x') + "... given twice", why);
}

BOOST_AUTO_TEST_CASE(read_page_rules) {
  Page p;
  BOOST_TEST(page_status("", &p) == 0);
  BOOST_TEST(p.limit == 0);
  BOOST_TEST(p.offset == 0);
  BOOST_TEST(!p.descending);
  BOOST_TEST(p.sort_by == "created_at");  // the first column is the default
  BOOST_TEST(page_status("limit=100&offset=20&orderBy=DESC&sortBy=email", &p) == 0);
  BOOST_TEST(p.limit == 100);
  BOOST_TEST(p.offset == 20);
  BOOST_TEST(p.descending);
  BOOST_TEST(p.sort_by == "email");
  // orderBy in any case.
  for (const char* desc : {"orderBy=desc", "orderBy=Desc", "orderBy=dEsC"}) {
    BOOST_TEST(page_status(desc, &p) == 0, desc);
    BOOST_TEST(p.descending, desc);
  }
  for (const char* asc : {"orderBy=asc", "orderBy=Asc", "orderBy=ASC", "orderBy="}) {
    BOOST_TEST(page_status(asc, &p) == 0, asc);
    BOOST_TEST(!p.descending, asc);
  }
  for (const char* bad :
       {"limit=101", "limit=-1", "limit=abc", "limit=1.5", "offset=-1", "offset=x", "orderBy=UP",
        "orderBy=descending", "orderBy=DESC%20", "orderBy=asc&orderBy=desc", "sortBy=password_hash",
        "sortBy=created_at", "limit=1&limit=2", "sortBy=email%3B+DROP+TABLE+users"})
    BOOST_TEST(page_status(bad) == 400, bad);
}

BOOST_FIXTURE_TEST_CASE(bearer_valid_token_accepted, BearerFixture) {
  BOOST_TEST(me_status(issue(claims("jti-ok"))) == 200);
  // The scheme is case-insensitive (RFC 7235).
  Response r = call("GET", "/api/v1/users/me", "bearer " + issue(claims("jti-ok2")));
  BOOST_TEST(r.status == 200, r.body);
}

BOOST_FIXTURE_TEST_CASE(bearer_expired_token_refused, BearerFixture) {
  json c = claims("jti-exp");
  c["exp"] = now_seconds() - 1;
  c["iat"] = now_seconds() - 700;
  BOOST_TEST(me_status(issue(c)) == 401);
  // The reply names the reason the status carries, not its message text.
  BOOST_TEST((reason_of(issue(c)) == Status::Reason::kExpired));
  BOOST_TEST(refusal(issue(c)) == "access token has expired");
}

BOOST_FIXTURE_TEST_CASE(bearer_wrong_issuer_refused, BearerFixture) {
  json c = claims("jti-iss");
  c["iss"] = "https://evil.example";
  BOOST_TEST(me_status(issue(c)) == 401);
  BOOST_TEST((reason_of(issue(c)) == Status::Reason::kNone));
  BOOST_TEST(refusal(issue(c)) == "access token is not valid");
  c = claims("jti-iss2");
  c.erase("iss");
  BOOST_TEST(me_status(issue(c)) == 401);
}

BOOST_FIXTURE_TEST_CASE(bearer_iat_in_future_refused, BearerFixture) {
  json c = claims("jti-iat");
  c["iat"] = now_seconds() + 3600;
  c["exp"] = now_seconds() + 7200;
  BOOST_TEST(me_status(issue(c)) == 401);
}

BOOST_FIXTURE_TEST_CASE(bearer_restrictive_mfa_token_refused, BearerFixture) {
  json c = claims("jti-mfa");
  c["scope"] = {"mfa"};
  BOOST_TEST(me_status(issue(c)) == 401);
}

BOOST_FIXTURE_TEST_CASE(bearer_unknown_or_revoked_jti_refused, BearerFixture) {
  // Signed by this server but naming an app that does not exist (deleted).
  json other = claims("jti-other");
  other["client_id"] = "deleted-app";
  BOOST_TEST(me_status(issue(other)) == 401);
  std::string t = issue(claims("jti-rev"));
  BOOST_TEST(me_status(t) == 200);
  BOOST_REQUIRE(ctx->store->revoke_user_tokens(user.id, now_seconds()).ok());
  BOOST_TEST(me_status(t) == 401);
  BOOST_TEST((reason_of(t) == Status::Reason::kRevoked));
  BOOST_TEST(refusal(t) == "access token has been revoked");
  // Unknown app: not issued here, which is no revocation.
  BOOST_TEST((reason_of(issue(other)) == Status::Reason::kNone));
  BOOST_TEST(refusal(issue(other)) == "access token is not valid");
}

// principal.h: a token that passed is remembered (its signature and claims
// are not checked again), but its expiry and its liveness are, every time;
// a token differing anywhere, or one that failed, is not a hit.
BOOST_FIXTURE_TEST_CASE(bearer_checked_token_remembered_expiry_and_revocation_still_apply,
                        BearerFixture) {
  const std::string t = issue(claims("jti-cache"));
  BOOST_TEST(ctx->verified_tokens.size() == 0u);
  BOOST_TEST(me_status(t) == 200);
  BOOST_TEST(ctx->verified_tokens.size() == 1u);
  const Principal* known = ctx->verified_tokens.find(VerifiedTokens::key(t));
  BOOST_REQUIRE(known);
  BOOST_TEST(known->jti == "jti-cache");
  BOOST_TEST(me_status(t) == 200);
  BOOST_TEST(ctx->verified_tokens.size() == 1u);  // the same token: a hit, not a second entry

  // A changed signature byte is another key: checked in full, refused, not remembered.
  std::string forged = t;
  const size_t mid = forged.rfind('.') + 10;
  forged[mid] = forged[mid] == 'A' ? 'B' : 'A';
  BOOST_TEST(me_status(forged) == 401);
  json wrong_iss = claims("jti-cache-iss");
  wrong_iss["iss"] = "https://evil.example";
  BOOST_TEST(me_status(issue(wrong_iss)) == 401);
  BOOST_TEST(ctx->verified_tokens.size() == 1u);

  // Expiry is read from the clock on a hit: a remembered token past its exp
  // is refused as expired.
  Principal stale = *known;
  stale.exp = now_seconds() - 1;
  const std::string t2 = issue(claims("jti-cache-2"));
  ctx->verified_tokens.add(VerifiedTokens::key(t2), stale);
  BOOST_TEST((reason_of(t2) == Status::Reason::kExpired));

  // Revocation is asked of the store on a hit.
  BOOST_REQUIRE(ctx->store->revoke_user_tokens(user.id, now_seconds()).ok());
  BOOST_TEST(me_status(t) == 401);
  BOOST_TEST((reason_of(t) == Status::Reason::kRevoked));
}

BOOST_AUTO_TEST_CASE(verified_tokens_are_bounded) {
  VerifiedTokens cache;
  Principal p;
  for (size_t i = 0; i <= VerifiedTokens::kMaxEntries; ++i)
    cache.add(VerifiedTokens::key("token-" + std::to_string(i)), p);
  BOOST_TEST(cache.size() <= VerifiedTokens::kMaxEntries);
  BOOST_TEST(
      cache.find(VerifiedTokens::key("token-" + std::to_string(VerifiedTokens::kMaxEntries))) !=
      nullptr);  // the newest is kept
  BOOST_TEST(VerifiedTokens::key("a").size() == 32u);
}

BOOST_FIXTURE_TEST_CASE(bearer_missing_or_mistyped_claims_refused, BearerFixture) {
  int n = 0;
  for (const char* claim :
       {"exp", "iat", "sub", "jti", "user_name", "client_id", "authorities", "scope"}) {
    json c = claims("jti-missing-" + std::to_string(n++));
    c.erase(claim);
    BOOST_TEST(me_status(issue(c)) == 401, "without " << claim);
  }
  json c = claims("jti-type-1");
  c["exp"] = "tomorrow";
  BOOST_TEST(me_status(issue(c)) == 401);
  c = claims("jti-type-2");
  c["authorities"] = "ROLE_SYSTEM_ADMIN";
  BOOST_TEST(me_status(issue(c)) == 401);
  c = claims("jti-type-3");
  c["scope"] = "read";
  BOOST_TEST(me_status(issue(c)) == 401);
}

BOOST_FIXTURE_TEST_CASE(role_protected_endpoint_needs_the_role, BearerFixture) {
  Response r = call("GET", "/api/v1/users", "Bearer " + issue(claims("jti-role")));
  BOOST_TEST(r.status == 403, r.body);
  BOOST_TEST(error_of(r) == "access_denied");
  json c = claims("jti-admin");
  c["authorities"] = {"ROLE_SYSTEM_ADMIN"};
  r = call("GET", "/api/v1/users", "Bearer " + issue(c));
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(body_of(r)["count"] == 1);
}

BOOST_AUTO_TEST_SUITE_END()
