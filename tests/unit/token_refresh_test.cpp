// POST /api/oauth/token grant_type=refresh_token (API.md section 3):
// rotation, reuse detection, family revocation, scope, the grace window.
#include <boost/test/unit_test.hpp>
#include <string>

#include "server_fixture.h"

using namespace access_service;
using namespace access_service::testing;
using json = nlohmann::json;

namespace {

const char kSecret[] = "web-app-secret-0123456789";
const char kEmail[] = "alice@example.com";

struct Tokens {
  std::string access, refresh, jti, scope;
};

template <int Grace>
struct RefreshFixture : ServerFixture {
  ClientApp app = add_app("web-app", kSecret);
  User alice = add_user(kEmail);
  RefreshFixture() : ServerFixture(Grace) {}

  static Tokens tokens_of(const Response& r) {
    BOOST_REQUIRE_MESSAGE(r.status == 200, "status " << r.status << ": " << r.body);
    json j = body_of(r);
    Tokens t;
    t.access = j.value("access_token", "");
    t.refresh = j.value("refresh_token", "");
    t.jti = j.value("jti", "");
    t.scope = j.value("scope", "");
    BOOST_REQUIRE(!t.refresh.empty());
    return t;
  }
  Tokens login(const std::string& extra = "") {
    return tokens_of(password_grant("web-app", kSecret, kEmail, kPassword, extra));
  }
  Response refresh(const std::string& token, const std::string& extra = "") {
    return refresh_grant("web-app", kSecret, token, extra);
  }
};

using NoGrace = RefreshFixture<0>;
using Grace30 = RefreshFixture<30>;

void expect_error(const Response& r, int status, const std::string& code) {
  BOOST_TEST(r.status == status, "status " << r.status << " body " << r.body);
  BOOST_TEST(error_of(r) == code, r.body);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(token_refresh)

BOOST_FIXTURE_TEST_CASE(refresh_returns_new_tokens, NoGrace) {
  Tokens t1 = login();
  Response r = refresh(t1.refresh);
  Tokens t2 = tokens_of(r);
  BOOST_TEST(t2.refresh != t1.refresh);
  BOOST_TEST(t2.jti != t1.jti);
  BOOST_TEST(t2.scope == "read write");
  BOOST_TEST(header(r, "Cache-Control") == "no-store");
  json j = body_of(r);
  BOOST_TEST(j["token_type"] == "bearer");
  BOOST_TEST(j["expires_in"] == 3600);
  Result<json> c = ctx->signer->verify(t2.access);
  BOOST_REQUIRE(c.ok());
  BOOST_TEST((*c)["sub"] == alice.id);
  BOOST_TEST((*c)["jti"] == t2.jti);
  BOOST_TEST((*c)["client_id"] == "web-app");
  BOOST_TEST(me(t2.access).status == 200);
  BOOST_TEST(me(t1.access).status == 200);  // rotation alone does not revoke
}

BOOST_FIXTURE_TEST_CASE(rotated_token_works_exactly_once_and_reuse_revokes_family, NoGrace) {
  Tokens t1 = login();
  Tokens t2 = tokens_of(refresh(t1.refresh));
  Tokens t3 = tokens_of(refresh(t2.refresh));  // the successor works once
  BOOST_TEST(t3.refresh != t2.refresh);
  BOOST_TEST(t3.refresh != t1.refresh);

  // The first token again: reuse.
  expect_error(refresh(t1.refresh), 400, "invalid_grant");
  // The newest refresh token of the family is dead too...
  expect_error(refresh(t3.refresh), 400, "invalid_grant");
  // ... and so is every access token issued in the family.
  for (const Tokens* t : {&t1, &t2, &t3}) {
    Response r = me(t->access);
    BOOST_TEST(r.status == 401, "jti " << t->jti << ": " << r.body);
    BOOST_TEST(error_of(r) == "invalid_token");
    BOOST_TEST(header(r, "WWW-Authenticate").find("invalid_token") != std::string::npos);
  }
}

BOOST_FIXTURE_TEST_CASE(reusing_the_latest_used_token_also_revokes, NoGrace) {
  Tokens t1 = login();
  Tokens t2 = tokens_of(refresh(t1.refresh));
  expect_error(refresh(t1.refresh), 400, "invalid_grant");  // immediate repeat, grace 0
  expect_error(refresh(t2.refresh), 400, "invalid_grant");
  BOOST_TEST(me(t2.access).status == 401);
}

BOOST_FIXTURE_TEST_CASE(reuse_leaves_other_families_alone, NoGrace) {
  Tokens a = login();
  Tokens b = login();  // a second sign-in: its own family
  tokens_of(refresh(a.refresh));
  expect_error(refresh(a.refresh), 400, "invalid_grant");
  BOOST_TEST(me(b.access).status == 200);
  tokens_of(refresh(b.refresh));
}

BOOST_FIXTURE_TEST_CASE(refresh_tokens_are_stored_hashed_and_family_expiry_is_fixed, NoGrace) {
  const long long before = now_seconds();
  Tokens t1 = login();
  auto r1 = ctx->store->find_refresh(sha256(t1.refresh));  // stored as SHA-256 only
  BOOST_REQUIRE(r1.ok());
  BOOST_TEST(r1->family_expires_at >= before + 86400);
  BOOST_TEST(r1->family_expires_at <= now_seconds() + 86400);
  BOOST_TEST(ctx->store->find_refresh(t1.refresh).status().is_not_found());
  Tokens t2 = tokens_of(refresh(t1.refresh));
  auto r2 = ctx->store->find_refresh(sha256(t2.refresh));
  BOOST_REQUIRE(r2.ok());
  BOOST_TEST(r2->family_id == r1->family_id);                  // same family
  BOOST_TEST(r2->family_expires_at == r1->family_expires_at);  // not extended by rotation
}

BOOST_FIXTURE_TEST_CASE(expired_family_is_invalid_grant, NoGrace) {
  const long long now = now_seconds();
  BOOST_REQUIRE(
      ctx->store->insert_family("fam-old", app.id, alice.id, {"read"}, now - 100, now - 1).ok());
  BOOST_REQUIRE(ctx->store->insert_refresh(sha256("old-refresh-token"), "fam-old", now - 100).ok());
  expect_error(refresh("old-refresh-token"), 400, "invalid_grant");
}

BOOST_FIXTURE_TEST_CASE(scope_narrowing_works_and_widening_fails, NoGrace) {
  Tokens t1 = login();
  Response r = refresh(t1.refresh, "&scope=read");
  Tokens narrow = tokens_of(r);
  BOOST_TEST(narrow.scope == "read");
  BOOST_TEST((*ctx->signer->verify(narrow.access))["scope"] == json({"read"}));
  expect_error(refresh(narrow.refresh, "&scope=read+admin"), 400, "invalid_scope");

  Tokens read_only = login("&scope=read");
  BOOST_TEST(read_only.scope == "read");
  // Beyond the original grant, although the app itself allows "write".
  expect_error(refresh(read_only.refresh, "&scope=read+write"), 400, "invalid_scope");
  expect_error(refresh(read_only.refresh, "&scope=write"), 400, "invalid_scope");
}

BOOST_FIXTURE_TEST_CASE(refresh_token_of_another_client_is_invalid_grant, NoGrace) {
  add_app("other-app", "other-app-secret-0123456");
  Tokens t = login();
  expect_error(refresh_grant("other-app", "other-app-secret-0123456", t.refresh), 400,
               "invalid_grant");
  // Another app's refresh token under this app's name is refused the same way.
  Tokens other =
      tokens_of(password_grant("other-app", "other-app-secret-0123456", kEmail, kPassword));
  expect_error(refresh(other.refresh), 400, "invalid_grant");
}

BOOST_FIXTURE_TEST_CASE(unknown_or_missing_refresh_token, NoGrace) {
  expect_error(refresh(random_token(32)), 400, "invalid_grant");
  expect_error(refresh("not-a-token"), 400, "invalid_grant");
  expect_error(token("web-app", kSecret, "grant_type=refresh_token"), 400, "invalid_request");
  expect_error(token("web-app", kSecret, "grant_type=refresh_token&refresh_token="), 400,
               "invalid_request");
}

BOOST_FIXTURE_TEST_CASE(refresh_with_wrong_client_secret_is_invalid_client, NoGrace) {
  Tokens t = login();
  Response r = refresh_grant("web-app", "not-the-secret-0123456", t.refresh);
  expect_error(r, 401, "invalid_client");
  BOOST_TEST(has_header(r, "WWW-Authenticate"));
  tokens_of(refresh(t.refresh));  // the refused attempt did not consume the token
}

BOOST_FIXTURE_TEST_CASE(disabled_app_refresh_tokens_stop_working, NoGrace) {
  Tokens t = login();
  app.enabled = false;
  BOOST_REQUIRE(ctx->store->update_client(app).ok());
  expect_error(refresh(t.refresh), 401, "invalid_client");
  app.enabled = true;  // enabled again: the token works
  BOOST_REQUIRE(ctx->store->update_client(app).ok());
  tokens_of(refresh(t.refresh));
}

BOOST_FIXTURE_TEST_CASE(disabled_user_cannot_refresh, NoGrace) {
  Tokens t = login();
  BOOST_REQUIRE(ctx->store->set_user_enabled(alice.id, false).ok());
  expect_error(refresh(t.refresh), 400, "invalid_grant");
}

BOOST_FIXTURE_TEST_CASE(revoked_user_tokens_cannot_refresh, NoGrace) {
  Tokens t = login();
  BOOST_REQUIRE(ctx->store->revoke_user_tokens(alice.id, now_seconds()).ok());
  expect_error(refresh(t.refresh), 400, "invalid_grant");
  BOOST_TEST(me(t.access).status == 401);
}

BOOST_FIXTURE_TEST_CASE(deleted_app_tokens_are_dead, NoGrace) {
  Tokens t = login();
  BOOST_REQUIRE(ctx->store->delete_client(app.id).ok());
  BOOST_TEST(me(t.access).status == 401);
  expect_error(refresh(t.refresh), 401, "invalid_client");  // the app itself is gone
}

// The family's scope is narrowed to what the app may still have: an
// administrator who takes a scope from the app takes it from later refreshes.
BOOST_FIXTURE_TEST_CASE(refresh_narrows_to_the_apps_current_scope, NoGrace) {
  Tokens t1 = login();
  BOOST_TEST(t1.scope == "read write");
  ClientApp changed = app;
  changed.scope = {"read"};
  BOOST_REQUIRE(ctx->store->update_client(changed).ok());
  Tokens t2 = tokens_of(refresh(t1.refresh));
  BOOST_TEST(t2.scope == "read");
  expect_error(refresh(t2.refresh, "&scope=write"), 400, "invalid_scope");
  changed.scope = {"other"};  // none of the grant's scope is left
  BOOST_REQUIRE(ctx->store->update_client(changed).ok());
  expect_error(refresh(t2.refresh), 400, "invalid_grant");
  // Refused, not rotated: with the scope given back the token still works.
  changed.scope = {"read", "write"};
  BOOST_REQUIRE(ctx->store->update_client(changed).ok());
  Tokens t3 = tokens_of(refresh(t2.refresh));
  // Omitted scope is the original grant (RFC 6749 section 6), which the app
  // has again: never more than the user granted.
  BOOST_TEST(t3.scope == "read write");
}

// A refusal changes nothing: the token that asked for too much still rotates.
BOOST_FIXTURE_TEST_CASE(a_refused_scope_leaves_the_refresh_token_usable, NoGrace) {
  Tokens t1 = login();
  expect_error(refresh(t1.refresh, "&scope=admin"), 400, "invalid_scope");
  Tokens t2 = tokens_of(refresh(t1.refresh, "&scope=read"));
  BOOST_TEST(t2.scope == "read");
  BOOST_TEST(me(t2.access).status == 200);
}

BOOST_FIXTURE_TEST_CASE(grace_window_repeat_returns_same_successor, Grace30) {
  Tokens t1 = login();
  Tokens t2 = tokens_of(refresh(t1.refresh));
  Tokens again = tokens_of(refresh(t1.refresh));  // a retry right away
  BOOST_TEST(again.refresh == t2.refresh);
  // The family stays alive: earlier access tokens and the successor work.
  BOOST_TEST(me(t1.access).status == 200);
  BOOST_TEST(me(t2.access).status == 200);
  BOOST_TEST(me(again.access).status == 200);
  Tokens t3 = tokens_of(refresh(t2.refresh));
  BOOST_TEST(t3.refresh != t2.refresh);
  BOOST_TEST(me(t3.access).status == 200);
}

BOOST_FIXTURE_TEST_CASE(grace_window_does_not_cover_a_used_successor, Grace30) {
  Tokens t1 = login();
  Tokens t2 = tokens_of(refresh(t1.refresh));
  tokens_of(refresh(t2.refresh));
  // t1 again after its successor was itself rotated: not a retry, reuse.
  expect_error(refresh(t1.refresh), 400, "invalid_grant");
  BOOST_TEST(me(t2.access).status == 401);
}

BOOST_AUTO_TEST_SUITE_END()
