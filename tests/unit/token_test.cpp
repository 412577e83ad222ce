// POST /api/oauth/token (API.md section 3) end to end through route():
// client authentication, the password grant, errors and lockout. Refresh
// tokens are in token_refresh_test.cpp.
#include <boost/test/unit_test.hpp>
#include <functional>
#include <string>

#include "../../src/handlers/token_grants.h"
#include "access/oauth/accounts.h"
#include "server_fixture.h"

using namespace access_service;
using namespace access_service::testing;
using json = nlohmann::json;

namespace {

const char kSecret[] = "web-app-secret-0123456789";
const char kEmail[] = "alice@example.com";

struct TokenFixture : ServerFixture {
  ClientApp app = add_app("web-app", kSecret);
  User alice = add_user(kEmail, kPassword, {"ROLE_ORIGINATOR", "ROLE_ORG_ADMIN"});

  Response login(const std::string& password = kPassword, const std::string& extra = "") {
    return password_grant("web-app", kSecret, kEmail, password, extra);
  }
};

void expect_error(const Response& r, int status, const std::string& code) {
  BOOST_TEST(r.status == status, "status " << r.status << " body " << r.body);
  BOOST_TEST(error_of(r) == code, r.body);
  json j = body_of(r);
  BOOST_TEST(j.contains("error_description"));
  BOOST_TEST(j.size() == 2u, "error body has exactly error and error_description: " << r.body);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(token_endpoint, TokenFixture)

BOOST_AUTO_TEST_CASE(password_grant_success_response) {
  const long long before = now_seconds();
  Response r = login();
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  BOOST_TEST(header(r, "Content-Type").find("application/json") == 0u);
  BOOST_TEST(header(r, "Cache-Control") == "no-store");
  BOOST_TEST(header(r, "Pragma") == "no-cache");
  json j = body_of(r);
  BOOST_TEST(j["token_type"] == "bearer");
  BOOST_TEST(j["expires_in"] == 3600);
  BOOST_TEST(j["scope"] == "read write");
  BOOST_REQUIRE(j["access_token"].is_string());
  BOOST_REQUIRE(j["refresh_token"].is_string());
  BOOST_REQUIRE(j["jti"].is_string());
  // Refresh token: opaque, >= 256 bits of base64url.
  std::string refresh = j["refresh_token"], raw;
  BOOST_TEST(refresh.size() >= 43u);
  BOOST_TEST(base64url_decode(refresh, &raw));
  BOOST_TEST(raw.size() >= 32u);

  // The access token's claims (section 3).
  Result<json> claims = ctx->signer->verify(j["access_token"].get<std::string>());
  BOOST_REQUIRE_MESSAGE(claims.ok(), claims.status().ToString());
  const json& c = *claims;
  BOOST_TEST(c["iss"] == "http://127.0.0.1:1");
  BOOST_TEST(c["sub"] == alice.id);
  BOOST_TEST(c["user_name"] == kEmail);
  BOOST_TEST(c["authorities"] == json({"ROLE_ORIGINATOR", "ROLE_ORG_ADMIN"}));
  BOOST_TEST(c["client_id"] == "web-app");
  BOOST_TEST(c["scope"] == json({"read", "write"}));
  BOOST_TEST(c["jti"] == j["jti"]);
  BOOST_TEST(c["iat"].get<long long>() >= before);
  BOOST_TEST(c["iat"].get<long long>() <= now_seconds());
  BOOST_TEST(c["exp"].get<long long>() - c["iat"].get<long long>() == 3600);
}

BOOST_AUTO_TEST_CASE(access_token_is_accepted_by_users_me) {
  Response r = login();
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  Response me_r = me(body_of(r)["access_token"]);
  BOOST_REQUIRE_MESSAGE(me_r.status == 200, me_r.body);
  BOOST_TEST(body_of(me_r)["email"] == kEmail);
  BOOST_TEST(body_of(me_r)["id"] == alice.id);
}

BOOST_AUTO_TEST_CASE(each_grant_gets_a_fresh_jti_and_refresh_token) {
  json a = body_of(login()), b = body_of(login());
  BOOST_TEST(a["jti"] != b["jti"]);
  BOOST_TEST(a["refresh_token"] != b["refresh_token"]);
  BOOST_TEST(a["access_token"] != b["access_token"]);
}

BOOST_AUTO_TEST_CASE(no_refresh_token_without_refresh_option) {
  add_app("pw-only", "pw-only-secret-0123456789", {"password"});
  Response r = password_grant("pw-only", "pw-only-secret-0123456789", kEmail, kPassword);
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  BOOST_TEST(!body_of(r).contains("refresh_token"));
  BOOST_TEST(me(body_of(r)["access_token"]).status == 200);
}

BOOST_AUTO_TEST_CASE(username_is_case_insensitive) {
  Response r = password_grant("web-app", kSecret, "Alice@Example.COM", kPassword);
  BOOST_TEST(r.status == 200, r.body);
}

BOOST_AUTO_TEST_CASE(wrong_password_and_unknown_user_look_the_same) {
  Response wrong = login("not the password");
  expect_error(wrong, 400, "invalid_grant");
  Response unknown = password_grant("web-app", kSecret, "nobody@example.com", kPassword);
  expect_error(unknown, 400, "invalid_grant");
  BOOST_TEST(body_of(wrong)["error_description"] == body_of(unknown)["error_description"]);
}

BOOST_AUTO_TEST_CASE(disabled_user_is_refused) {
  BOOST_REQUIRE(ctx->store->set_user_enabled(alice.id, false).ok());
  expect_error(login(), 400, "invalid_grant");
}

BOOST_AUTO_TEST_CASE(wrong_client_secret_is_invalid_client) {
  Response r = password_grant("web-app", "wrong-secret-0123456789", kEmail, kPassword);
  expect_error(r, 401, "invalid_client");
  BOOST_TEST(header(r, "WWW-Authenticate").rfind("Basic", 0) == 0u, header(r, "WWW-Authenticate"));
  BOOST_TEST(header(r, "WWW-Authenticate").find("realm=\"access-service\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(missing_or_unknown_client_is_invalid_client) {
  const std::string form = "grant_type=password&username=alice%40example.com&password=x";
  Response none = call("POST", "/api/oauth/token", "", "application/x-www-form-urlencoded", form);
  expect_error(none, 401, "invalid_client");
  BOOST_TEST(has_header(none, "WWW-Authenticate"));
  expect_error(token("no-such-app", kSecret, form), 401, "invalid_client");
  expect_error(
      call("POST", "/api/oauth/token", "Basic !!!", "application/x-www-form-urlencoded", form), 401,
      "invalid_client");
  // Client credentials in the body are not Basic authentication.
  expect_error(call("POST", "/api/oauth/token", "", "application/x-www-form-urlencoded",
                    form + "&client_id=web-app&client_secret=" + kSecret),
               401, "invalid_client");
}

BOOST_AUTO_TEST_CASE(disabled_app_is_invalid_client) {
  BOOST_REQUIRE(login().status == 200);  // also warms the secret cache
  app.enabled = false;
  BOOST_REQUIRE(ctx->store->update_client(app).ok());
  expect_error(login(), 401, "invalid_client");
}

BOOST_AUTO_TEST_CASE(changed_secret_invalidates_old_one) {
  BOOST_REQUIRE(login().status == 200);  // old secret verified and cached
  app.secret_hash = hash("a-new-secret-0123456789");
  BOOST_REQUIRE(ctx->store->update_client(app).ok());
  expect_error(login(), 401, "invalid_client");
  BOOST_TEST(password_grant("web-app", "a-new-secret-0123456789", kEmail, kPassword).status == 200);
}

BOOST_AUTO_TEST_CASE(url_encoded_basic_credentials_accepted) {
  // RFC 6749 2.3.1: id and secret are form-encoded before base64.
  const std::string secret = "p@ss:word+with%odd chars";
  add_app("odd.app~1", secret);
  Response r =
      call("POST", "/api/oauth/token", basic_header(url_encode("odd.app~1"), url_encode(secret)),
           "application/x-www-form-urlencoded",
           "grant_type=password&username=alice%40example.com&password=" + url_encode(kPassword));
  BOOST_TEST(r.status == 200, r.body);
}

BOOST_AUTO_TEST_CASE(unknown_or_missing_grant_type) {
  expect_error(token("web-app", kSecret, "grant_type=client_credentials"), 400,
               "unsupported_grant_type");
  expect_error(token("web-app", kSecret, "grant_type=PASSWORD"), 400, "unsupported_grant_type");
  expect_error(token("web-app", kSecret, "username=alice%40example.com&password=x"), 400,
               "invalid_request");
}

BOOST_AUTO_TEST_CASE(grant_not_allowed_for_app_is_unauthorized_client) {
  add_app("code-only", "code-only-secret-0123", {"authorization_code"});
  expect_error(password_grant("code-only", "code-only-secret-0123", kEmail, kPassword), 400,
               "unauthorized_client");
  add_app("pw-only", "pw-only-secret-0123456789", {"password"});
  expect_error(refresh_grant("pw-only", "pw-only-secret-0123456789", "anything"), 400,
               "unauthorized_client");
}

BOOST_AUTO_TEST_CASE(scope_must_be_allowed_for_the_app) {
  expect_error(login(kPassword, "&scope=admin"), 400, "invalid_scope");
  expect_error(login(kPassword, "&scope=read+admin"), 400, "invalid_scope");
  Response r = login(kPassword, "&scope=read");
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  BOOST_TEST(body_of(r)["scope"] == "read");
  BOOST_TEST((*ctx->signer->verify(body_of(r)["access_token"].get<std::string>()))["scope"] ==
             json({"read"}));
}

BOOST_AUTO_TEST_CASE(missing_username_or_password_is_invalid_request) {
  expect_error(token("web-app", kSecret, "grant_type=password&password=x"), 400, "invalid_request");
  expect_error(token("web-app", kSecret, "grant_type=password&username=alice%40example.com"), 400,
               "invalid_request");
  // An empty value counts as absent (RFC 6749 3.1).
  expect_error(
      token("web-app", kSecret, "grant_type=password&username=alice%40example.com&password="), 400,
      "invalid_request");
}

BOOST_AUTO_TEST_CASE(repeated_parameter_is_invalid_request) {
  Response r =
      token("web-app", kSecret,
            "grant_type=password&username=alice%40example.com&password=" + url_encode(kPassword) +
                "&password=other");
  expect_error(r, 400, "invalid_request");
  expect_error(token("web-app", kSecret, "grant_type=password&grant_type=password"), 400,
               "invalid_request");
  expect_error(token("web-app", kSecret, "grant_type=password&username=%ZZ"), 400,
               "invalid_request");
}

BOOST_AUTO_TEST_CASE(wrong_content_type_is_415) {
  const std::string form =
      "grant_type=password&username=alice%40example.com&password=" + url_encode(kPassword);
  for (const char* ct : {"application/json", "text/plain", "", "multipart/form-data"}) {
    Response r = call("POST", "/api/oauth/token", basic_header("web-app", kSecret), ct, form);
    BOOST_TEST_CONTEXT("content type '" << ct << "'") {
      expect_error(r, 415, "unsupported_media_type");
    }
  }
  Response ok = call("POST", "/api/oauth/token", basic_header("web-app", kSecret),
                     "application/x-www-form-urlencoded; charset=UTF-8", form);
  BOOST_TEST(ok.status == 200, ok.body);
}

BOOST_AUTO_TEST_CASE(oversized_body_is_413) {
  Request req;
  req.method = "POST";
  req.path = "/api/oauth/token";
  req.authorization = basic_header("web-app", kSecret);
  req.content_type = "application/x-www-form-urlencoded";
  req.body_too_large = true;
  expect_error(route(*ctx, req), 413, "payload_too_large");
  req.body_too_large = false;
  req.body = "grant_type=password&pad=" + std::string(kMaxBodyBytes, 'x');
  expect_error(route(*ctx, req), 413, "payload_too_large");
}

BOOST_AUTO_TEST_CASE(lockout_after_five_failures_even_with_right_password) {
  for (int i = 0; i < 5; ++i)
    expect_error(login("wrong password " + std::to_string(i)), 400, "invalid_grant");
  Response r = login();  // the right password, sixth attempt
  expect_error(r, 429, "too_many_requests");
  std::string retry = header(r, "Retry-After");
  BOOST_REQUIRE_MESSAGE(!retry.empty(), "no Retry-After header");
  int seconds = std::stoi(retry);
  BOOST_TEST(seconds > 0);
  BOOST_TEST(seconds <= 900);
  // The lock is per account: another user signs in through the same app.
  add_user("bob@example.com");
  BOOST_TEST(password_grant("web-app", kSecret, "bob@example.com", kPassword).status == 200);
  // The lock also applies to other spellings of the same username.
  expect_error(password_grant("web-app", kSecret, "ALICE@example.com", kPassword), 429,
               "too_many_requests");
}

BOOST_AUTO_TEST_CASE(unknown_username_is_locked_too) {
  // Counters are per username whether or not the account exists, so the
  // 429 does not reveal which accounts exist.
  for (int i = 0; i < 5; ++i)
    expect_error(password_grant("web-app", kSecret, "nobody@example.com", "x"), 400,
                 "invalid_grant");
  expect_error(password_grant("web-app", kSecret, "nobody@example.com", "x"), 429,
               "too_many_requests");
}

BOOST_AUTO_TEST_CASE(lock_ends_after_lock_seconds) {
  const long long now = now_seconds();
  BOOST_REQUIRE(
      ctx->store->save_login_failures(kEmail, "127.0.0.1", {0, now - 1000, now - 1}).ok());
  Response r = login();
  BOOST_TEST(r.status == 200, r.body);
  BOOST_REQUIRE(ctx->store->save_login_failures(kEmail, "127.0.0.1", {0, now, now + 100}).ok());
  expect_error(login(), 429, "too_many_requests");
  int retry = std::stoi(header(login(), "Retry-After"));
  BOOST_TEST(retry > 0);
  BOOST_TEST(retry <= 100);
}

BOOST_AUTO_TEST_CASE(failures_outside_the_window_do_not_count) {
  // Four failures long ago (window 900 s): one more now is the first of a
  // new window, not the fifth.
  BOOST_REQUIRE(
      ctx->store->save_login_failures(kEmail, "127.0.0.1", {4, now_seconds() - 1000, 0}).ok());
  expect_error(login("wrong"), 400, "invalid_grant");
  Response r = login();
  BOOST_TEST(r.status == 200, r.body);
}

BOOST_AUTO_TEST_CASE(mfa_user_through_app_without_mfa_option_is_refused) {
  User bob;
  bob.id = uuid4();
  bob.email = "bob@example.com";
  bob.password_hash = hash(kPassword);
  bob.roles = {"ROLE_ORIGINATOR"};
  bob.mfa_enabled = true;
  BOOST_REQUIRE(ctx->store->insert_user(bob).ok());
  Response r = password_grant("web-app", kSecret, "bob@example.com", kPassword);
  expect_error(r, 400, "invalid_grant");
  BOOST_TEST(r.body.find("access_token") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(user_without_password_cannot_use_password_grant) {
  User carol;
  carol.id = uuid4();
  carol.email = "carol@example.com";
  carol.roles = {"ROLE_ORIGINATOR"};
  BOOST_REQUIRE(ctx->store->insert_user(carol).ok());  // password_hash ""
  expect_error(password_grant("web-app", kSecret, "carol@example.com", ""), 400, "invalid_request");
  expect_error(password_grant("web-app", kSecret, "carol@example.com", "anything at all"), 400,
               "invalid_grant");
}

BOOST_AUTO_TEST_CASE(success_resets_failure_counter) {
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 4; ++i) expect_error(login("wrong"), 400, "invalid_grant");
    Response r = login();
    BOOST_TEST(r.status == 200, "round " << round << ": " << r.body);
  }
}

// A token names its app by clientId, which an app can give up (rename) and
// another can take (a new registration after a delete). The token must stay
// dead: it carries its app's record id (app_id) and liveness checks both.
BOOST_AUTO_TEST_CASE(tokens_of_a_deleted_app_stay_dead_when_its_client_id_is_registered_again) {
  ClientApp job = add_app("job-app", kSecret, {"password"});  // no family: app rules alone
  Response r = password_grant("job-app", kSecret, kEmail, kPassword);
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  const std::string at = body_of(r)["access_token"];
  Result<json> claims = ctx->signer->verify(at);
  BOOST_REQUIRE(claims.ok());
  BOOST_TEST((*claims)["app_id"] == job.id);
  BOOST_TEST(!claims->contains("fid"));
  BOOST_TEST(me(at).status == 200);
  BOOST_REQUIRE(ctx->store->delete_client(job.id).ok());
  BOOST_TEST(me(at).status == 401);
  ClientApp again = add_app("job-app", "another-secret-0123456789", {"password"});
  BOOST_TEST(again.id != job.id);
  BOOST_TEST(me(at).status == 401);  // not alive again under the new registration
}

BOOST_AUTO_TEST_CASE(tokens_of_a_renamed_app_stay_dead_when_another_app_takes_its_client_id) {
  ClientApp job = add_app("job-app", kSecret, {"password"});
  Response r = password_grant("job-app", kSecret, kEmail, kPassword);
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  const std::string at = body_of(r)["access_token"];
  job.client_id = "job-app-renamed";
  BOOST_REQUIRE(ctx->store->update_client(job).ok());
  BOOST_TEST(me(at).status == 401);  // its app no longer holds the token's client_id
  add_app("job-app", "another-secret-0123456789", {"password"});
  BOOST_TEST(me(at).status == 401);
  // The control: a token of the new job-app is alive.
  Response fresh = password_grant("job-app", "another-secret-0123456789", kEmail, kPassword);
  BOOST_REQUIRE_MESSAGE(fresh.status == 200, fresh.body);
  BOOST_TEST(me(body_of(fresh)["access_token"]).status == 200);
}

// A grant whose credentials were checked just before a password change or a
// disable committed stores nothing: issue_new_grant reads the account again
// inside its transaction. The race's order is forced here by giving the
// grant's last step the account as it was read before the change.
BOOST_AUTO_TEST_CASE(grant_checked_before_a_password_change_or_disable_is_refused) {
  const std::string original = alice.password_hash;
  const std::pair<const char*, std::function<Status()>> changes[] = {
      {"password reset",
       [&] {
         return reset_password(*ctx->store, alice.id, hash("another long one"), now_seconds());
       }},
      {"disable", [&] { return enable_user(*ctx->store, alice.id, false, now_seconds()); }},
  };
  for (const auto& [name, change] : changes) {
    BOOST_TEST_CONTEXT(name) {
      BOOST_REQUIRE(ctx->store->set_user_password(alice.id, original).ok());
      BOOST_REQUIRE(ctx->store->set_user_enabled(alice.id, true).ok());
      Result<User> before = ctx->store->find_user(alice.id);  // as the grant read it
      BOOST_REQUIRE(before.ok());
      {
        WriteTransaction txn(*ctx->store);
        BOOST_REQUIRE(txn.status().ok());
        BOOST_REQUIRE(change().ok());
        BOOST_REQUIRE(txn.commit().ok());
      }
      bool stored = false;
      Response r = issue_new_grant(*ctx, app, *before, {"read"}, now_seconds(), "password", {},
                                   [&](const IssuedAccess&) {
                                     stored = true;
                                     return Status();
                                   });
      expect_error(r, 400, "invalid_grant");
      BOOST_TEST(!stored, "the grant's transaction went on after the check");
      AuditFilter f;
      f.type_prefix = "sign_in.failed";
      f.user_id = alice.id;
      Result<ListResult<AuditEvent>> events = ctx->store->list_audit(f, Page{});
      BOOST_REQUIRE(events.ok());
      BOOST_REQUIRE(!events->items.empty());
      BOOST_TEST(events->items.back().details.find("\"account_changed\"") != std::string::npos,
                 events->items.back().details);
    }
  }
  // The control: the same step with the account as it is now is stored.
  BOOST_REQUIRE(ctx->store->set_user_enabled(alice.id, true).ok());
  Result<User> now = ctx->store->find_user(alice.id);
  BOOST_REQUIRE(now.ok());
  bool stored = false;
  Response r = issue_new_grant(*ctx, app, *now, {"read"}, now_seconds(), "password", {},
                               [&](const IssuedAccess&) {
                                 stored = true;
                                 return Status();
                               });
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(stored);
  Response refreshed = refresh_grant("web-app", kSecret, body_of(r)["refresh_token"]);
  BOOST_TEST(refreshed.status == 200, refreshed.body);
}

BOOST_AUTO_TEST_SUITE_END()
