// include/access/oauth/accounts.h: the rules the admin API, the account page and
// accessctl share. The drift issue #17 found (a disable that left browser
// sessions alive) is the first case: whoever disables, everything ends.
#include "access/oauth/accounts.h"

#include <boost/test/unit_test.hpp>

#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "test_util.h"

using namespace access_service;

namespace {

struct AccountsFixture {
  testing::TempDir tmp;
  Config config;
  std::unique_ptr<Store> store;
  ClientApp app;
  User user;
  const int64_t now = now_seconds();

  AccountsFixture() {
    config.db_path = tmp.file("access.db");
    testing::use_test_postgresql(config);
    auto s = open_store(config);
    BOOST_REQUIRE(s.ok());
    store = std::move(*s);
    BOOST_REQUIRE(store->migrate().ok());
    app.client_id = "cli";
    app.app_name = "CLI";
    app.secret_hash = "$argon2id$v=19$m=8192,t=1,p=1$c2FsdA$aGFzaA";
    app.grant_types = {"password", "refresh_token"};
    app.scope = {"read"};
    app.access_seconds = 3600;
    app.refresh_seconds = 86400;
    BOOST_REQUIRE(add_client(*store, &app, now).ok());
    user.email = "alice@example.com";
    user.roles = {"ROLE_ORIGINATOR"};
    BOOST_REQUIRE(add_user(*store, &user, now).ok());
  }
  // A refresh token family, an access token of it and a browser session.
  void sign_in(const std::string& tag) {
    BOOST_REQUIRE(
        store->insert_family("fam-" + tag, app.id, user.id, {"read"}, now, now + 3600).ok());
    BOOST_REQUIRE(store->insert_refresh(sha256("rt-" + tag), "fam-" + tag, now).ok());
    BOOST_REQUIRE(store->insert_session(sha256("session-" + tag), user.id, now, now + 3600).ok());
  }
  bool refresh_live(const std::string& tag) {
    Result<RefreshRecord> r = store->find_refresh(sha256("rt-" + tag));
    return r.ok() && !r->family_revoked;
  }
  bool session_live(const std::string& tag) {
    return store->find_session_user(sha256("session-" + tag), now).ok();
  }
  bool access_live(int64_t issued_ms) {
    Result<bool> r = store->access_token_live(
        AccessCheck{"jti-1", app.client_id, user.id, "", issued_ms, app.id});
    return r.ok() && *r;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(accounts, AccountsFixture)

BOOST_AUTO_TEST_CASE(add_sets_ids_and_refuses_a_taken_email_or_client_id) {
  BOOST_TEST(user.id.size() == 36u);
  BOOST_TEST(user.created_at == now);
  BOOST_TEST(app.id.size() == 36u);
  BOOST_TEST(store->find_user(user.id)->email == "alice@example.com");
  User again = user;
  BOOST_TEST(add_user(*store, &again, now).is_conflict());
  BOOST_TEST(again.id != user.id);
  ClientApp twin = app;
  BOOST_TEST(add_client(*store, &twin, now).is_conflict());
}

BOOST_AUTO_TEST_CASE(disabling_ends_every_token_and_session_and_enabling_brings_none_back) {
  sign_in("a");
  const int64_t issued_ms = now_millis() - 1000;
  BOOST_REQUIRE(refresh_live("a") && session_live("a") && access_live(issued_ms));
  BOOST_REQUIRE(enable_user(*store, user.id, false, now).ok());
  BOOST_TEST(!store->find_user(user.id)->enabled);
  BOOST_TEST(!refresh_live("a"));
  BOOST_TEST(!session_live("a"));  // the drift of #17: accessctl once kept these
  BOOST_TEST(!access_live(issued_ms));
  BOOST_REQUIRE(enable_user(*store, user.id, true, now).ok());
  BOOST_TEST(store->find_user(user.id)->enabled);
  BOOST_TEST(!refresh_live("a"));
  BOOST_TEST(!session_live("a"));
  BOOST_TEST(!access_live(issued_ms));
}

BOOST_AUTO_TEST_CASE(enabling_an_enabled_user_ends_nothing) {
  sign_in("b");
  BOOST_REQUIRE(enable_user(*store, user.id, true, now).ok());
  BOOST_TEST(refresh_live("b"));
  BOOST_TEST(session_live("b"));
}

BOOST_AUTO_TEST_CASE(a_reset_password_ends_every_sign_in) {
  sign_in("c");
  BOOST_REQUIRE(
      reset_password(*store, user.id, "$argon2id$v=19$m=8192,t=1,p=1$bmV3$aGFzaA", now).ok());
  BOOST_TEST(store->find_user(user.id)->password_hash ==
             "$argon2id$v=19$m=8192,t=1,p=1$bmV3$aGFzaA");
  BOOST_TEST(!refresh_live("c"));
  BOOST_TEST(!session_live("c"));
}

BOOST_AUTO_TEST_CASE(an_unknown_user_is_not_found_and_nothing_changes) {
  sign_in("d");
  BOOST_TEST(enable_user(*store, "no-such-user", false, now).is_not_found());
  BOOST_TEST(reset_password(*store, "no-such-user", "x", now).is_not_found());
  BOOST_TEST(refresh_live("d"));
  BOOST_TEST(session_live("d"));
}

BOOST_AUTO_TEST_SUITE_END()
