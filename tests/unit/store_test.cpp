// include/access/store/store.h through the SQLite implementation (open_store), or
// PostgreSQL's under make test PG=1 (test_util.h use_test_postgresql).
#include "access/store/store.h"

#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <tuple>

#include "access/core/log.h"
#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "test_util.h"

using namespace access_service;

namespace {

struct StoreFixture {
  testing::TempDir tmp;
  Config config;
  std::unique_ptr<Store> store;
  StoreFixture() {
    config.db_path = tmp.file("access.db");
    config.busy_timeout_ms = 50;
    testing::use_test_postgresql(config);
    store = open();
  }
  std::unique_ptr<Store> open() {
    auto s = open_store(config);
    BOOST_REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    Status st = (*s)->migrate();
    BOOST_REQUIRE_MESSAGE(st.ok(), st.ToString());
    return std::move(*s);
  }
  ClientApp app(const std::string& id, const std::string& client_id,
                const std::string& name = "App", int64_t created = 1000) {
    ClientApp a;
    a.id = id;
    a.client_id = client_id;
    a.app_name = name;
    a.secret_hash = "$argon2id$v=19$m=8192,t=1,p=1$c2FsdA$aGFzaA";
    a.grant_types = {"password", "refresh_token"};
    a.scope = {"read", "write"};
    a.access_seconds = 3600;
    a.refresh_seconds = 86400;
    a.created_at = created;
    return a;
  }
  User user(const std::string& id, const std::string& email, int64_t created = 1000) {
    User u;
    u.id = id;
    u.email = email;
    u.roles = {"ROLE_ORIGINATOR"};
    u.created_at = created;
    return u;
  }
  void add_app(const ClientApp& a) { BOOST_REQUIRE(store->insert_client(a).ok()); }
  void add_user(const User& u) { BOOST_REQUIRE(store->insert_user(u).ok()); }
  void add_family(const std::string& fam, const std::string& app_id, const std::string& user_id,
                  const std::string& refresh) {
    BOOST_REQUIRE(store->insert_family(fam, app_id, user_id, {"read"}, 100, 5000).ok());
    BOOST_REQUIRE(store->insert_refresh(sha256(refresh), fam, 100).ok());
  }
  // An access token as its claims describe it (no row is stored), issued a
  // second ago.
  void add_access(const std::string& jti, const std::string& app_id, const std::string& user_id,
                  const std::string& fam) {
    Result<ClientApp> a = store->find_client(app_id);
    BOOST_REQUIRE(a.ok());
    tokens[jti] = AccessCheck{jti, a->client_id, user_id, fam, now_millis() - 1000, app_id};
  }
  // Live: not revoked by any rule, app still there and enabled (a deleted
  // app's tokens are unknown: kNotFound, which callers treat as dead).
  bool live(const std::string& jti) {
    Result<bool> r = store->access_token_live(tokens.at(jti));
    BOOST_REQUIRE_MESSAGE(r.ok() || r.status().is_not_found(), r.status().ToString());
    return r.ok() && *r;
  }
  std::map<std::string, AccessCheck> tokens;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(store, StoreFixture)

BOOST_AUTO_TEST_CASE(migrate_twice_is_idempotent_and_data_survives) {
  add_app(app("id-1", "client-1"));
  BOOST_TEST(store->migrate().ok());
  BOOST_TEST(store->migrate().ok());
  BOOST_TEST(store->ping().ok());
  store.reset();
  store = open();  // reopen: migrate again on an existing database
  BOOST_TEST(store->find_client("id-1").ok());
  BOOST_TEST(*store->count_clients() == 1);
}

// SQLite's file; see the next case.
BOOST_AUTO_TEST_CASE(open_store_in_missing_directory_fails,
                     *boost::unit_test::precondition(testing::sqlite_only)) {
  Config bad = config;
  bad.db_path = tmp.file("no/such/dir/access.db");
  auto s = open_store(bad);
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(s.status().is_unavailable());
}

// PostgreSQL connects lazily: an unreachable server is kUnavailable from each
// call (503), not a failure to open (a worker must not exit over it).
BOOST_AUTO_TEST_CASE(unreachable_postgresql_is_unavailable_not_fatal) {
  Config pg = config;
  pg.store_backend = "postgresql";
  pg.conninfo = "host=" + tmp.path() + " dbname=none connect_timeout=1";
  set_log_level("warn");
  testing::CaptureStderr log;  // the store logs the outage once
  auto s = open_store(pg);
  BOOST_REQUIRE(s.ok());
  BOOST_TEST((*s)->ping().is_unavailable());
  BOOST_TEST((*s)->find_client("x").status().is_unavailable());
  BOOST_TEST((*s)->begin_write().is_unavailable());
  BOOST_TEST((*s)->migrate().is_unavailable());
  BOOST_TEST(log.text().find("database unavailable") != std::string::npos);
}

// A connection the server ended while it sat idle (a restart, a failover,
// pg_terminate_backend) is replaced before the next statement is sent on
// it: that statement succeeds, it does not answer 503 (pg_conn.cpp).
// SQLite has no connection to lose.
BOOST_AUTO_TEST_CASE(idle_connection_the_server_ended_is_replaced_first,
                     *boost::unit_test::precondition(testing::postgresql_only)) {
  add_app(app("id-1", "client-1"));
  BOOST_REQUIRE(store->ping().ok());
  PGconn* admin = PQconnectdb(config.conninfo.c_str());
  BOOST_REQUIRE(PQstatus(admin) == CONNECTION_OK);
  PGresult* r = PQexec(admin,
                       "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM "
                       "pg_stat_activity WHERE application_name = 'access-service' AND "
                       "pid <> pg_backend_pid()) t");
  BOOST_REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
  BOOST_TEST(std::string(PQgetvalue(r, 0, 0)) == "1");  // the store's one connection
  PQclear(r);
  PQfinish(admin);
  usleep(200 * 1000);  // the server's FATAL and end of file reach the socket
  set_log_level("warn");
  testing::CaptureStderr log;
  Result<ClientApp> found = store->find_client("id-1");
  BOOST_TEST(found.ok(), found.status().ToString());
  BOOST_TEST(store->ping().ok());
}

BOOST_AUTO_TEST_CASE(client_round_trip) {
  ClientApp a = app("id-1", "client-1", "My App", 1234);
  a.grant_types = {"authorization_code", "refresh_token"};
  a.redirect_uris = {"https://a.example/cb", "com.example.app:/cb"};
  a.scope = {"read", "profile:read"};
  a.auto_approve = true;
  a.enabled = false;
  add_app(a);
  for (Result<ClientApp> got :
       {store->find_client("id-1"), store->find_client_by_client_id("client-1")}) {
    BOOST_REQUIRE(got.ok());
    BOOST_TEST(got->id == "id-1");
    BOOST_TEST(got->client_id == "client-1");
    BOOST_TEST(got->app_name == "My App");
    BOOST_TEST(got->secret_hash == a.secret_hash);
    BOOST_TEST(got->grant_types == a.grant_types);
    BOOST_TEST(got->redirect_uris == a.redirect_uris);
    BOOST_TEST(got->scope == a.scope);
    BOOST_TEST(got->access_seconds == 3600);
    BOOST_TEST(got->refresh_seconds.value_or(0) == 86400);
    BOOST_TEST(got->auto_approve);
    BOOST_TEST(!got->enabled);
    BOOST_TEST(got->created_at == 1234);
  }
  ClientApp b = app("id-2", "client-2");
  b.refresh_seconds.reset();
  add_app(b);
  BOOST_TEST(!store->find_client("id-2")->refresh_seconds.has_value());
  BOOST_TEST(store->find_client("nope").status().is_not_found());
  BOOST_TEST(store->find_client_by_client_id("nope").status().is_not_found());
}

BOOST_AUTO_TEST_CASE(client_duplicates_conflict) {
  add_app(app("id-1", "client-1"));
  BOOST_TEST(store->insert_client(app("id-2", "client-1")).is_conflict());
  BOOST_TEST(store->insert_client(app("id-1", "client-9")).is_conflict());
  BOOST_TEST(*store->count_clients() == 1);
}

BOOST_AUTO_TEST_CASE(client_update_and_delete) {
  add_app(app("id-1", "client-1"));
  add_app(app("id-2", "client-2"));
  ClientApp a = *store->find_client("id-1");
  a.app_name = "Renamed";
  a.scope = {"read"};
  a.enabled = false;
  a.refresh_seconds.reset();
  BOOST_REQUIRE(store->update_client(a).ok());
  ClientApp got = *store->find_client("id-1");
  BOOST_TEST(got.app_name == "Renamed");
  BOOST_TEST(got.scope == std::vector<std::string>{"read"});
  BOOST_TEST(!got.enabled);
  BOOST_TEST(!got.refresh_seconds.has_value());
  a.client_id = "client-2";  // taken by the other app
  BOOST_TEST(store->update_client(a).is_conflict());
  BOOST_TEST(store->update_client(app("nope", "client-x")).is_not_found());

  BOOST_REQUIRE(store->delete_client("id-1").ok());
  BOOST_TEST(store->find_client("id-1").status().is_not_found());
  BOOST_TEST(store->delete_client("id-1").is_not_found());
  BOOST_TEST(*store->count_clients() == 1);
}

BOOST_AUTO_TEST_CASE(client_list_paging_sorting_count) {
  const char* names[] = {"delta", "alpha", "echo", "charlie", "bravo"};
  for (int i = 0; i < 5; ++i)
    add_app(app("id-" + std::to_string(i), "client-" + std::to_string(i), names[i], 100 * (i + 1)));
  Page page;
  page.sort_by = "created_at";
  auto all = store->list_clients(page);  // limit 0 = no limit
  BOOST_REQUIRE(all.ok());
  BOOST_TEST(all->items.size() == 5u);
  BOOST_TEST(all->count == 5);
  BOOST_TEST(all->items.front().created_at == 100);
  BOOST_TEST(all->items.back().created_at == 500);

  page.limit = 2;
  page.offset = 1;
  auto p = store->list_clients(page);
  BOOST_REQUIRE(p.ok());
  BOOST_REQUIRE(p->items.size() == 2u);
  BOOST_TEST(p->items[0].created_at == 200);
  BOOST_TEST(p->items[1].created_at == 300);
  BOOST_TEST(p->count == 5);  // total, regardless of paging

  page.descending = true;
  p = store->list_clients(page);
  BOOST_REQUIRE(p->items.size() == 2u);
  BOOST_TEST(p->items[0].created_at == 400);

  page = Page{};
  page.sort_by = "app_name";
  p = store->list_clients(page);
  BOOST_REQUIRE(p->items.size() == 5u);
  BOOST_TEST(p->items[0].app_name == "alpha");
  BOOST_TEST(p->items[4].app_name == "echo");

  page.offset = 10;
  p = store->list_clients(page);
  BOOST_REQUIRE(p.ok());
  BOOST_TEST(p->items.empty());
  BOOST_TEST(p->count == 5);
}

BOOST_AUTO_TEST_CASE(users_insert_find_conflict_update) {
  User u = user("u-1", "alice@example.com", 77);
  u.first_name = "Alice";
  u.mobile_number = "+61 400 000 000";
  u.roles = {"ROLE_SYSTEM_ADMIN", "ROLE_ORG_ADMIN"};
  u.password_hash = "$argon2id$x";
  u.mfa_enabled = true;
  add_user(u);
  for (Result<User> got :
       {store->find_user("u-1"), store->find_user_by_email("alice@example.com")}) {
    BOOST_REQUIRE(got.ok());
    BOOST_TEST(got->id == "u-1");
    BOOST_TEST(got->email == "alice@example.com");
    BOOST_TEST(got->first_name.value_or("") == "Alice");
    BOOST_TEST(!got->last_name.has_value());
    BOOST_TEST(got->mobile_number.value_or("") == "+61 400 000 000");
    BOOST_TEST(got->roles == u.roles);
    BOOST_TEST(got->password_hash == "$argon2id$x");
    BOOST_TEST(got->mfa_enabled);
    BOOST_TEST(got->enabled);
    BOOST_TEST(got->created_at == 77);
  }
  BOOST_TEST(store->insert_user(user("u-2", "alice@example.com")).is_conflict());
  BOOST_TEST(store->find_user("nope").status().is_not_found());
  BOOST_TEST(store->find_user_by_email("bob@example.com").status().is_not_found());

  u.first_name.reset();
  u.last_name = "Smith";
  BOOST_REQUIRE(store->update_user_profile(u).ok());
  BOOST_TEST(!store->find_user("u-1")->first_name.has_value());
  BOOST_TEST(store->find_user("u-1")->last_name.value_or("") == "Smith");
  BOOST_REQUIRE(store->set_user_enabled("u-1", false).ok());
  BOOST_TEST(!store->find_user("u-1")->enabled);
  BOOST_REQUIRE(store->set_user_password("u-1", "$argon2id$y").ok());
  BOOST_TEST(store->find_user("u-1")->password_hash == "$argon2id$y");
  BOOST_TEST(store->set_user_enabled("nope", true).is_not_found());
  BOOST_TEST(store->set_user_password("nope", "x").is_not_found());
  BOOST_TEST(store->update_user_profile(user("nope", "n@example.com")).is_not_found());
}

BOOST_AUTO_TEST_CASE(users_list_paging) {
  add_user(user("u-1", "carol@example.com", 300));
  add_user(user("u-2", "alice@example.com", 100));
  add_user(user("u-3", "bob@example.com", 200));
  Page page;
  page.sort_by = "email";
  page.limit = 2;
  auto p = store->list_users(page);
  BOOST_REQUIRE(p.ok());
  BOOST_REQUIRE(p->items.size() == 2u);
  BOOST_TEST(p->items[0].email == "alice@example.com");
  BOOST_TEST(p->items[1].email == "bob@example.com");
  BOOST_TEST(p->count == 3);
  page.sort_by = "created_at";
  page.descending = true;
  page.limit = 0;
  p = store->list_users(page);
  BOOST_REQUIRE(p->items.size() == 3u);
  BOOST_TEST(p->items[0].email == "carol@example.com");
}

BOOST_AUTO_TEST_CASE(login_failures_save_find_clear) {
  const std::string ip = "192.0.2.1", other_ip = "192.0.2.2";
  BOOST_TEST(store->find_login_failures("alice@example.com", ip).status().is_not_found());
  BOOST_REQUIRE(store->save_login_failures("alice@example.com", ip, {2, 1000, 0}).ok());
  auto f = store->find_login_failures("alice@example.com", ip);
  BOOST_REQUIRE(f.ok());
  BOOST_TEST(f->count == 2);
  BOOST_TEST(f->window_start == 1000);
  BOOST_TEST(f->locked_until == 0);
  BOOST_REQUIRE(
      store->save_login_failures("alice@example.com", ip, {0, 1500, 2400}).ok());  // upsert
  f = store->find_login_failures("alice@example.com", ip);
  BOOST_REQUIRE(f.ok());
  BOOST_TEST(f->count == 0);
  BOOST_TEST(f->locked_until == 2400);
  // Rows are per (username, ip); kEveryAddress is the account-wide one.
  BOOST_TEST(store->find_login_failures("alice@example.com", other_ip).status().is_not_found());
  BOOST_REQUIRE(store->save_login_failures("alice@example.com", other_ip, {1, 1000, 0}).ok());
  BOOST_REQUIRE(store->save_login_failures("alice@example.com", kEveryAddress, {3, 1000, 0}).ok());
  BOOST_REQUIRE(store->save_login_failures("bob@example.com", ip, {1, 1000, 0}).ok());
  // A success from `ip` clears that row and the account-wide one only.
  BOOST_REQUIRE(store->clear_login_failures("alice@example.com", &ip).ok());
  BOOST_TEST(store->find_login_failures("alice@example.com", ip).status().is_not_found());
  BOOST_TEST(
      store->find_login_failures("alice@example.com", kEveryAddress).status().is_not_found());
  BOOST_TEST(store->find_login_failures("alice@example.com", other_ip).ok());
  // Unlock clears every row of the username; others untouched.
  BOOST_REQUIRE(store->clear_login_failures("alice@example.com", nullptr).ok());
  BOOST_TEST(store->find_login_failures("alice@example.com", other_ip).status().is_not_found());
  BOOST_TEST(store->find_login_failures("bob@example.com", ip).ok());
  BOOST_TEST(store->clear_login_failures("nobody", nullptr).ok());
}

BOOST_AUTO_TEST_CASE(client_auth_failures_count_in_a_window) {
  add_app(app("app-1", "client-1"));
  BOOST_REQUIRE(store->record_client_auth_failure("app-1", 1000, 60).ok());  // new window
  BOOST_REQUIRE(store->record_client_auth_failure("app-1", 1010, 60).ok());
  auto a = store->find_client("app-1");
  BOOST_REQUIRE(a.ok());
  BOOST_TEST(a->auth_failures == 2);
  BOOST_TEST(a->auth_window_start == 1000);
  BOOST_REQUIRE(store->record_client_auth_failure("app-1", 1060, 60).ok());  // window over
  a = store->find_client("app-1");
  BOOST_TEST(a->auth_failures == 1);
  BOOST_TEST(a->auth_window_start == 1060);
  // update_client (PUT) leaves the counter alone.
  ClientApp changed = *a;
  changed.app_name = "renamed";
  changed.auth_failures = 0;
  BOOST_REQUIRE(store->update_client(changed).ok());
  BOOST_TEST(store->find_client("app-1")->auth_failures == 1);
}

BOOST_AUTO_TEST_CASE(access_token_dead_while_its_app_is_disabled) {
  add_app(app("app-1", "client-1"));
  add_user(user("u-1", "alice@example.com"));
  add_access("jti-1", "app-1", "u-1", "");
  BOOST_TEST(live("jti-1"));
  ClientApp a = *store->find_client("app-1");
  a.enabled = false;
  BOOST_REQUIRE(store->update_client(a).ok());
  BOOST_TEST(!live("jti-1"));
  a.enabled = true;
  BOOST_REQUIRE(store->update_client(a).ok());
  BOOST_TEST(live("jti-1"));
  // Revocation reports who revoked: exactly one caller wins.
  BOOST_TEST(*store->revoke_access_token("jti-1", 9999999999));
  BOOST_TEST(!*store->revoke_access_token("jti-1", 9999999999));
  BOOST_TEST(!live("jti-1"));
}

BOOST_AUTO_TEST_CASE(access_token_watermarks_cut_by_issue_time) {
  add_app(app("app-1", "client-1"));
  add_app(app("app-2", "client-2"));
  add_user(user("u-1", "alice@example.com"));
  add_access("old-1", "app-1", "u-1", "");
  add_access("old-2", "app-2", "u-1", "");
  // Approval deleted: the (user, app) watermark cuts app-1's older tokens only.
  BOOST_REQUIRE(store->revoke_user_app_tokens("u-1", "app-1", 500).ok());
  BOOST_TEST(!live("old-1"));
  BOOST_TEST(live("old-2"));
  // A token issued after the watermark lives.
  usleep(5000);
  tokens["new-1"] = AccessCheck{"new-1", "client-1", "u-1", "", now_millis(), "app-1"};
  BOOST_TEST(live("new-1"));
  // users/me/expire: the user's watermark cuts every app's older tokens.
  BOOST_REQUIRE(store->revoke_user_tokens("u-1", 600).ok());
  BOOST_TEST(!live("new-1"));
  BOOST_TEST(!live("old-2"));
  usleep(5000);
  tokens["new-2"] = AccessCheck{"new-2", "client-2", "u-1", "", now_millis(), "app-2"};
  BOOST_TEST(live("new-2"));
  // Unknown app or user: kNotFound.
  auto unknown = [&](const AccessCheck& t) {
    return store->access_token_live(t).status().is_not_found();
  };
  BOOST_TEST(unknown(AccessCheck{"x", "client-1", "u-1", "", now_millis(), "no-such-app"}));
  BOOST_TEST(unknown(AccessCheck{"x", "client-1", "no-such-user", "", now_millis(), "app-1"}));
  // The app the token names must still hold its client_id (a renamed app;
  // another app that took the name).
  BOOST_TEST(unknown(AccessCheck{"x", "client-2", "u-1", "", now_millis(), "app-1"}));
  // A token from before the app_id claim: the app is found by client_id.
  BOOST_TEST(unknown(AccessCheck{"x", "no-such-client", "u-1", "", now_millis(), ""}));
  BOOST_TEST(*store->access_token_live(AccessCheck{"x", "client-2", "u-1", "", now_millis(), ""}));
  // A family that is gone (purged) kills the tokens that name it.
  BOOST_TEST(!*store->access_token_live(
      AccessCheck{"x", "client-1", "u-1", "no-such-family", now_millis(), "app-1"}));
}

BOOST_AUTO_TEST_CASE(refresh_family_find_and_mark_used) {
  add_app(app("app-1", "client-1"));
  add_user(user("u-1", "alice@example.com"));
  BOOST_REQUIRE(store->insert_family("fam-1", "app-1", "u-1", {"read", "write"}, 100, 5000).ok());
  BOOST_REQUIRE(store->insert_refresh(sha256("r1"), "fam-1", 100).ok());
  auto rec = store->find_refresh(sha256("r1"));
  BOOST_REQUIRE(rec.ok());
  BOOST_TEST(rec->family_id == "fam-1");
  BOOST_TEST(rec->app_id == "app-1");
  BOOST_TEST(rec->user_id == "u-1");
  BOOST_TEST(rec->scope == (std::vector<std::string>{"read", "write"}));
  BOOST_TEST(rec->family_expires_at == 5000);
  BOOST_TEST(!rec->family_revoked);
  BOOST_TEST(!rec->used_at.has_value());
  // The family's user comes with the token, as find_user reads it.
  BOOST_TEST(rec->user.id == "u-1");
  BOOST_TEST(rec->user.email == "alice@example.com");
  BOOST_TEST(rec->user.roles == (std::vector<std::string>{"ROLE_ORIGINATOR"}));
  BOOST_TEST(rec->user.enabled);
  BOOST_TEST(rec->user.created_at == 1000);
  BOOST_REQUIRE(store->set_user_enabled("u-1", false).ok());
  BOOST_TEST(!store->find_refresh(sha256("r1"))->user.enabled);
  BOOST_REQUIRE(store->set_user_enabled("u-1", true).ok());
  BOOST_TEST(store->find_refresh(sha256("r2")).status().is_not_found());

  using Rotation = Store::Rotation;
  Result<Rotation> first = store->rotate_refresh(sha256("r1"), sha256("r1-next"), 200, 0, {});
  BOOST_REQUIRE(first.ok());
  BOOST_TEST((*first == Rotation::kRotated));
  BOOST_TEST(store->find_refresh(sha256("r1-next"))->family_id == "fam-1");
  BOOST_TEST(!store->find_refresh(sha256("r1-next"))->used_at.has_value());
  BOOST_TEST(store->find_refresh(sha256("r1"))->used_at.value_or(0) == 200);
  BOOST_TEST(
      (*store->rotate_refresh(sha256("unknown"), sha256("x"), 200, 0, {}) == Rotation::kUnknown));
  // Duplicate hash is a conflict.
  BOOST_TEST(store->insert_refresh(sha256("r1"), "fam-1", 100).is_conflict());
}

BOOST_AUTO_TEST_CASE(rotate_refresh_repeat_inside_grace_then_reuse_revokes) {
  using Rotation = Store::Rotation;
  add_app(app("app-1", "client-1"));
  add_user(user("u-1", "alice@example.com"));
  add_family("fam-1", "app-1", "u-1", "r1");
  BOOST_TEST(
      (*store->rotate_refresh(sha256("r1"), sha256("r2"), 200, 10, {}) == Rotation::kRotated));
  // The client's retry within 10 s: nothing changes, the same successor.
  BOOST_TEST(
      (*store->rotate_refresh(sha256("r1"), sha256("r2"), 205, 10, {}) == Rotation::kRepeat));
  BOOST_TEST(!store->find_refresh(sha256("r1"))->family_revoked);
  // Once the successor is used, a repeat is reuse even inside the grace.
  BOOST_TEST(
      (*store->rotate_refresh(sha256("r2"), sha256("r3"), 206, 10, {}) == Rotation::kRotated));
  BOOST_TEST(
      (*store->rotate_refresh(sha256("r1"), sha256("r2"), 207, 10, {}) == Rotation::kReused));
  BOOST_TEST(store->find_refresh(sha256("r3"))->family_revoked);
  BOOST_TEST(
      (*store->rotate_refresh(sha256("r3"), sha256("r4"), 208, 10, {}) == Rotation::kRevoked));
  // Without a grace, any second presentation is reuse.
  add_family("fam-2", "app-1", "u-1", "s1");
  BOOST_TEST(
      (*store->rotate_refresh(sha256("s1"), sha256("s2"), 200, 0, {}) == Rotation::kRotated));
  BOOST_TEST((*store->rotate_refresh(sha256("s1"), sha256("s2"), 200, 0, {}) == Rotation::kReused));
  BOOST_TEST(store->find_refresh(sha256("s2"))->family_revoked);
}

BOOST_AUTO_TEST_CASE(revoke_family_kills_its_tokens_only) {
  add_app(app("app-1", "client-1"));
  add_user(user("u-1", "alice@example.com"));
  add_family("fam-1", "app-1", "u-1", "r1");
  add_family("fam-2", "app-1", "u-1", "r2");
  add_access("jti-1", "app-1", "u-1", "fam-1");
  add_access("jti-2", "app-1", "u-1", "fam-2");
  add_access("jti-3", "app-1", "u-1", "");
  BOOST_TEST(live("jti-1"));

  BOOST_REQUIRE(store->revoke_family("fam-1", 500).ok());
  BOOST_TEST(!live("jti-1"));
  BOOST_TEST(live("jti-2"));
  BOOST_TEST(live("jti-3"));
  BOOST_TEST(store->find_refresh(sha256("r1"))->family_revoked);
  BOOST_TEST(!store->find_refresh(sha256("r2"))->family_revoked);
  BOOST_TEST(store->revoke_family("fam-1", 600).ok());  // twice is harmless
}

BOOST_AUTO_TEST_CASE(delete_client_revokes_access_and_removes_families) {
  add_app(app("app-1", "client-1"));
  add_app(app("app-2", "client-2"));
  add_user(user("u-1", "alice@example.com"));
  add_family("fam-1", "app-1", "u-1", "r1");
  add_family("fam-2", "app-2", "u-1", "r2");
  add_access("jti-1", "app-1", "u-1", "fam-1");
  add_access("jti-1b", "app-1", "u-1", "");
  add_access("jti-2", "app-2", "u-1", "fam-2");
  BOOST_REQUIRE(store->delete_client("app-1").ok());
  BOOST_TEST(!live("jti-1"));
  BOOST_TEST(!live("jti-1b"));
  BOOST_TEST(live("jti-2"));
  BOOST_TEST(store->find_refresh(sha256("r1")).status().is_not_found());
  BOOST_TEST(store->find_refresh(sha256("r2")).ok());
}

BOOST_AUTO_TEST_CASE(revoke_user_tokens_all_apps) {
  add_app(app("app-1", "client-1"));
  add_app(app("app-2", "client-2"));
  add_user(user("u-1", "alice@example.com"));
  add_user(user("u-2", "bob@example.com"));
  add_family("fam-1", "app-1", "u-1", "r1");
  add_family("fam-2", "app-2", "u-1", "r2");
  add_family("fam-3", "app-1", "u-2", "r3");
  add_access("jti-1", "app-1", "u-1", "fam-1");
  add_access("jti-2", "app-2", "u-1", "");
  add_access("jti-3", "app-1", "u-2", "fam-3");
  BOOST_REQUIRE(store->revoke_user_tokens("u-1", 500).ok());
  BOOST_TEST(!live("jti-1"));
  BOOST_TEST(!live("jti-2"));
  BOOST_TEST(live("jti-3"));
  BOOST_TEST(store->find_refresh(sha256("r1"))->family_revoked);
  BOOST_TEST(store->find_refresh(sha256("r2"))->family_revoked);
  BOOST_TEST(!store->find_refresh(sha256("r3"))->family_revoked);
}

BOOST_AUTO_TEST_CASE(write_transaction_rolls_back_unless_committed) {
  {
    WriteTransaction txn(*store);
    BOOST_REQUIRE(txn.status().ok());
    add_app(app("id-1", "client-1"));
  }  // no commit
  BOOST_TEST(store->find_client("id-1").status().is_not_found());
  {
    WriteTransaction txn(*store);
    BOOST_REQUIRE(txn.status().ok());
    add_app(app("id-2", "client-2"));
    BOOST_REQUIRE(txn.commit().ok());
  }
  BOOST_TEST(store->find_client("id-2").ok());
}

// One write lock: SQLite's; see the next case.
BOOST_AUTO_TEST_CASE(second_writer_waits_then_gets_unavailable,
                     *boost::unit_test::precondition(testing::sqlite_only)) {
  std::unique_ptr<Store> other = open();
  BOOST_REQUIRE(store->begin_write().ok());
  Status st = other->begin_write();  // busy_timeout_ms = 50
  BOOST_TEST(st.is_unavailable(), st.ToString());
  store->rollback();
  BOOST_TEST(other->begin_write().ok());
  other->rollback();
}

// A read-check-save of a lockout counter inside a transaction locks the row
// (created when absent): a second connection waits for it, then after
// busy_timeout_ms (50) gets kUnavailable; once the first commits it reads
// the saved count.
BOOST_AUTO_TEST_CASE(lockout_counter_is_locked_inside_a_transaction) {
  std::unique_ptr<Store> other = open();
  BOOST_REQUIRE(store->begin_write().ok());
  Result<LoginFailures> mine = store->find_login_failures("a@example.com", "10.0.0.1");
  BOOST_REQUIRE(mine.ok() || mine.status().is_not_found());
  BOOST_REQUIRE(store->save_login_failures("a@example.com", "10.0.0.1", {1, 100, 0}).ok());
  BOOST_REQUIRE(other->begin_write().is_unavailable() == !testing::testing_postgresql());
  if (testing::testing_postgresql()) {
    Result<LoginFailures> theirs = other->find_login_failures("a@example.com", "10.0.0.1");
    BOOST_TEST(theirs.status().is_unavailable(), theirs.status().ToString());
    other->rollback();
  }
  BOOST_REQUIRE(store->commit().ok());
  BOOST_REQUIRE(other->begin_write().ok());
  Result<LoginFailures> after = other->find_login_failures("a@example.com", "10.0.0.1");
  BOOST_REQUIRE(after.ok());
  BOOST_TEST(after->count == 1);
  other->rollback();
}

// A fresh grant re-reads its user inside its transaction (find_user, locked
// there: store.h). Each revocation of the user's tokens that starts while
// the grant is open waits for it, then revokes the grant's new family too.
// On PostgreSQL this needs the revocation to take the user's row first: with
// its families UPDATE first it ran before the grant's insert was visible and
// the family outlived the revocation.
BOOST_AUTO_TEST_CASE(revocation_racing_a_grant_revokes_its_new_family) {
  add_app(app("id-1", "client-1"));
  add_user(user("u-1", "a@example.com"));
  config.busy_timeout_ms = 10000;  // the revocation waits for the grant
  std::unique_ptr<Store> other = open();
  using Revoke = std::function<Status(Store&)>;
  const std::pair<const char*, Revoke> revocations[] = {
      {"revoke_user_tokens", [](Store& s) { return s.revoke_user_tokens("u-1", 1500); }},
      {"revoke_user_tokens_except",
       [](Store& s) { return s.revoke_user_tokens_except("u-1", "", "", 1500); }},
      {"revoke_user_app_tokens",
       [](Store& s) { return s.revoke_user_app_tokens("u-1", "id-1", 1500); }},
  };
  int n = 0;
  for (const auto& [name, revoke] : revocations) {
    BOOST_TEST_CONTEXT(name) {
      const std::string family = "fam-" + std::to_string(++n);
      const std::string token = sha256("refresh-" + family);
      BOOST_REQUIRE(store->begin_write().ok());
      BOOST_REQUIRE(store->find_user("u-1").ok());
      BOOST_REQUIRE(store->insert_family(family, "id-1", "u-1", {"read"}, 1000, 90000).ok());
      BOOST_REQUIRE(store->insert_refresh(token, family, 1000).ok());
      Status revoked;
      std::thread racer([&] { revoked = revoke(*other); });
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the racer is waiting
      BOOST_REQUIRE(store->commit().ok());
      racer.join();
      BOOST_REQUIRE_MESSAGE(revoked.ok(), revoked.ToString());
      Result<RefreshRecord> rec = store->find_refresh(token);
      BOOST_REQUIRE(rec.ok());
      BOOST_TEST(rec->family_revoked);
    }
  }
}

// A revocation of a user's tokens ends the user's unused authorization
// codes too (of that app, for revoke_user_app_tokens): a code minted by a
// sign-in that the revocation ends is not exchanged after it. A used code
// stays (a second presentation is still a reuse); another user's stay.
BOOST_AUTO_TEST_CASE(revocations_delete_the_users_unused_codes) {
  add_app(app("id-1", "client-1"));
  add_app(app("id-2", "client-2"));
  add_user(user("u-1", "a@example.com"));
  add_user(user("u-2", "b@example.com"));
  using Revoke = std::function<Status(Store&)>;
  const std::tuple<const char*, Revoke, bool> revocations[] = {
      {"revoke_user_tokens", [](Store& s) { return s.revoke_user_tokens("u-1", 1500); }, true},
      {"revoke_user_tokens_except",
       [](Store& s) { return s.revoke_user_tokens_except("u-1", "", "", 1500); }, true},
      {"revoke_user_app_tokens",
       [](Store& s) { return s.revoke_user_app_tokens("u-1", "id-1", 1500); }, false},
  };
  int n = 0;
  for (const auto& [name, revoke, every_app] : revocations) {
    BOOST_TEST_CONTEXT(name) {
      auto code = [&](const std::string& app_id, const std::string& user_id) {
        const std::string hash = sha256("code-" + std::to_string(++n));
        AuthCode c{app_id,       user_id, "https://a.example/cb", {"read"},
                   std::nullopt, 90000,   std::nullopt,           "",
                   "",           false};
        BOOST_REQUIRE(store->insert_code(hash, c).ok());
        return hash;
      };
      const std::string mine = code("id-1", "u-1"), other_app = code("id-2", "u-1"),
                        used = code("id-1", "u-1"), theirs = code("id-1", "u-2");
      Result<bool> consumed = store->consume_code(used, 1200, "", "jti-" + std::to_string(n));
      BOOST_REQUIRE(consumed.ok() && *consumed);
      BOOST_REQUIRE(revoke(*store).ok());
      BOOST_TEST(store->find_code(mine).status().is_not_found());
      BOOST_TEST(store->find_code(other_app).status().is_not_found() == every_app);
      BOOST_TEST(store->find_code(used).ok());
      BOOST_TEST(store->find_code(theirs).ok());
    }
  }
}

BOOST_AUTO_TEST_CASE(browser_flow_rows_keep_binding_and_redirect_uri_given) {
  ClientApp a = app("id-1", "client-1");
  a.grant_types = {"authorization_code"};
  a.redirect_uris = {"https://a.example/cb"};
  add_app(a);
  add_user(user("u-1", "a@example.com"));
  AuthRequest r;
  r.id = "rid-1";
  r.app_id = "id-1";
  r.response_type = "code";
  r.redirect_uri = "https://a.example/cb";
  r.scope = {"read"};
  r.expires_at = 2000;
  r.redirect_uri_given = false;
  r.browser_hash = sha256("cookie");
  BOOST_REQUIRE(store->insert_auth_request(r).ok());
  Result<AuthRequest> got = store->find_auth_request("rid-1", 1000);
  BOOST_REQUIRE(got.ok());
  BOOST_TEST(!got->redirect_uri_given);
  BOOST_TEST(got->browser_hash == sha256("cookie"));
  // A request ends once: the second delete (a concurrent answer) finds none.
  BOOST_REQUIRE(store->insert_auth_request(AuthRequest{r}).ok() == false);  // id taken
  r.id = "rid-2";
  BOOST_REQUIRE(store->insert_auth_request(r).ok());
  BOOST_TEST(store->delete_auth_request("rid-2").ok());
  BOOST_TEST(store->delete_auth_request("rid-2").is_not_found());
  BOOST_TEST(store->find_auth_request("rid-2", 1000).status().is_not_found());
  BOOST_TEST(store->find_auth_request("rid-1", 1000).ok());  // the other one stays
  // A device's use needs its registration: a removed one gives kNotFound.
  Device d{"u-1", "phone", "id-1", "$argon2id$x", 0, 100, std::nullopt};
  BOOST_REQUIRE(store->insert_device(d).ok());
  BOOST_TEST(store->record_device_use("u-1", "phone", 200).ok());
  BOOST_REQUIRE(store->delete_device("u-1", "phone").ok());
  BOOST_TEST(store->record_device_use("u-1", "phone", 300).is_not_found());
  BOOST_TEST(store->record_device_failure("u-1", "phone", 5).status().is_not_found());
  AuthCode c{"id-1", "u-1", r.redirect_uri, {"read"}, std::nullopt, 2000, std::nullopt,
             "",     "",    false};
  BOOST_REQUIRE(store->insert_code(sha256("code"), c).ok());
  BOOST_TEST(!store->find_code(sha256("code"))->redirect_uri_given);
  c.redirect_uri_given = true;
  BOOST_REQUIRE(store->insert_code(sha256("code2"), c).ok());
  BOOST_TEST(store->find_code(sha256("code2"))->redirect_uri_given);

  BOOST_REQUIRE(store->insert_session(sha256("s1"), "u-1", 100, 5000).ok());
  BOOST_REQUIRE(store->insert_session(sha256("s2"), "u-1", 100, 5000).ok());
  BOOST_REQUIRE(store->delete_session(sha256("s1")).ok());
  BOOST_TEST(store->find_session_user(sha256("s1"), 1000).status().is_not_found());
  BOOST_TEST(store->find_session_user(sha256("s2"), 1000).ok());
  BOOST_TEST(store->delete_session(sha256("unknown")).ok());
}

BOOST_AUTO_TEST_CASE(revoke_user_tokens_except_keeps_one_family_and_one_session) {
  add_app(app("app-1", "client-1"));
  add_user(user("u-1", "alice@example.com"));
  add_user(user("u-2", "bob@example.com"));
  add_family("fam-keep", "app-1", "u-1", "r-keep");
  add_family("fam-other", "app-1", "u-1", "r-other");
  add_family("fam-bob", "app-1", "u-2", "r-bob");
  add_access("jti-keep", "app-1", "u-1", "fam-keep");
  add_access("jti-other", "app-1", "u-1", "fam-other");
  add_access("jti-bare", "app-1", "u-1", "");  // no family (implicit, no refresh option)
  add_access("jti-bob", "app-1", "u-2", "");
  for (const char* s : {"s-keep", "s-other"})
    BOOST_REQUIRE(store->insert_session(sha256(s), "u-1", 100, 5000).ok());
  BOOST_REQUIRE(store->insert_session(sha256("s-bob"), "u-2", 100, 5000).ok());
  BOOST_REQUIRE(store->revoke_user_tokens_except("u-1", "fam-keep", sha256("s-keep"), 500).ok());
  BOOST_TEST(live("jti-keep"));
  BOOST_TEST(!store->find_refresh(sha256("r-keep"))->family_revoked);
  BOOST_TEST(!live("jti-other"));
  BOOST_TEST(store->find_refresh(sha256("r-other"))->family_revoked);
  BOOST_TEST(!live("jti-bare"));
  BOOST_TEST(store->find_session_user(sha256("s-keep"), 1000).ok());
  BOOST_TEST(store->find_session_user(sha256("s-other"), 1000).status().is_not_found());
  // Another user keeps everything.
  BOOST_TEST(live("jti-bob"));
  BOOST_TEST(!store->find_refresh(sha256("r-bob"))->family_revoked);
  BOOST_TEST(store->find_session_user(sha256("s-bob"), 1000).ok());
  // A family-less token issued afterwards lives.
  usleep(5000);
  tokens["jti-new"] = AccessCheck{"jti-new", "client-1", "u-1", "", now_millis(), "app-1"};
  BOOST_TEST(live("jti-new"));
  // Nothing kept: every family and session goes.
  BOOST_REQUIRE(store->revoke_user_tokens_except("u-1", "", "", 600).ok());
  BOOST_TEST(!live("jti-keep"));
  BOOST_TEST(store->find_session_user(sha256("s-keep"), 1000).status().is_not_found());
  BOOST_TEST(store->find_session_user(sha256("s-bob"), 1000).ok());
}

BOOST_AUTO_TEST_CASE(totp_enrolment_pending_until_confirmed) {
  add_user(user("u-1", "alice@example.com"));
  BOOST_TEST(store->find_totp_pending("u-1").value().empty());
  BOOST_REQUIRE(store->set_totp_pending("u-1", "sealed-1").ok());
  BOOST_TEST(*store->find_totp_pending("u-1") == "sealed-1");
  BOOST_TEST(!store->find_user("u-1")->mfa_enabled);
  BOOST_TEST(store->find_totp("u-1")->first.empty());  // the active secret is untouched
  // A newer enrolment replaces it: confirming the old one changes nothing.
  BOOST_REQUIRE(store->set_totp_pending("u-1", "sealed-2").ok());
  BOOST_TEST(!*store->confirm_totp("u-1", "sealed-1", 77));
  BOOST_TEST(!store->find_user("u-1")->mfa_enabled);
  BOOST_TEST(*store->confirm_totp("u-1", "sealed-2", 77));
  BOOST_TEST(store->find_user("u-1")->mfa_enabled);
  BOOST_TEST(store->find_totp("u-1")->first == "sealed-2");
  BOOST_TEST(store->find_totp("u-1")->second == 77);
  BOOST_TEST(store->find_totp_pending("u-1").value().empty());
  // Confirmed once: a second confirmation (a replay, a race) is refused.
  BOOST_TEST(!*store->confirm_totp("u-1", "sealed-2", 78));
  // While 2FA is on, a pending secret cannot be confirmed.
  BOOST_REQUIRE(store->set_totp_pending("u-1", "sealed-3").ok());
  BOOST_TEST(!*store->confirm_totp("u-1", "sealed-3", 79));
  BOOST_TEST(store->find_totp("u-1")->first == "sealed-2");
  BOOST_REQUIRE(store->set_totp_pending("u-1", "").ok());
  BOOST_TEST(store->find_totp_pending("u-1").value().empty());
  BOOST_TEST(store->set_totp_pending("no-such-user", "x").is_not_found());
  BOOST_TEST(store->find_totp_pending("no-such-user").status().is_not_found());
  BOOST_TEST(!*store->confirm_totp("no-such-user", "x", 1));
}

BOOST_AUTO_TEST_CASE(recovery_codes_single_use_per_user) {
  add_user(user("u-1", "alice@example.com"));
  add_user(user("u-2", "bob@example.com"));
  BOOST_REQUIRE(store->replace_recovery_codes("u-1", {sha256("a"), sha256("b")}, 100).ok());
  BOOST_REQUIRE(store->replace_recovery_codes("u-2", {sha256("c")}, 100).ok());
  BOOST_TEST(store->list_recovery_codes("u-1")->size() == 2);
  BOOST_TEST(!*store->use_recovery_code("u-1", sha256("c"), 200, "10.0.0.1"));  // bob's
  BOOST_TEST(*store->use_recovery_code("u-1", sha256("a"), 200, "10.0.0.1"));
  BOOST_TEST(!*store->use_recovery_code("u-1", sha256("a"), 201, "10.0.0.2"));  // used
  std::vector<RecoveryCode> codes = *store->list_recovery_codes("u-1");
  int used = 0;
  for (const auto& c : codes) {
    if (!c.used_at) continue;
    ++used;
    BOOST_TEST(*c.used_at == 200);
    BOOST_TEST(c.used_ip == "10.0.0.1");  // the first use is the one recorded
  }
  BOOST_TEST(used == 1);
  // Replaced: the old codes are gone, used or not.
  BOOST_REQUIRE(store->replace_recovery_codes("u-1", {sha256("d")}, 300).ok());
  BOOST_TEST(!*store->use_recovery_code("u-1", sha256("b"), 400, "10.0.0.1"));
  BOOST_TEST(store->list_recovery_codes("u-1")->size() == 1);
  BOOST_REQUIRE(store->replace_recovery_codes("u-1", {}, 500).ok());
  BOOST_TEST(store->list_recovery_codes("u-1")->empty());
  BOOST_TEST(store->list_recovery_codes("u-2")->size() == 1);
}

// ---- audit events (store.h): the contract a second backend must keep too.

AuditEvent event(const std::string& id, const std::string& type, int64_t ms,
                 const std::string& user = "", const std::string& client = "") {
  AuditEvent e;
  e.id = id;
  e.type = type;
  e.created_ms = ms;
  e.user_id = user;
  e.client_id = client;
  e.outcome = "success";
  e.details = "{\"k\":1}";
  return e;
}

std::vector<std::string> ids(const Result<ListResult<AuditEvent>>& r) {
  std::vector<std::string> out;
  if (r.ok())
    for (const auto& e : r->items) out.push_back(e.id);
  return out;
}

BOOST_AUTO_TEST_CASE(audit_round_trip_keeps_every_member_and_empty_is_null) {
  AuditEvent e = event("e1", "sign_in.failed", 1000, "u-1", "cli");
  e.ip = "192.0.2.1";
  e.user_agent = "agent";
  e.actor = "cli";
  e.username = "Alice@Example.com";
  e.outcome = "failure";
  BOOST_REQUIRE(store->insert_audit(e).ok());
  BOOST_REQUIRE(store->insert_audit(event("e2", "user.updated", 1001)).ok());
  BOOST_TEST(store->insert_audit(e).is_conflict());  // one row per id
  Page page;
  auto all = store->list_audit(AuditFilter{}, page);
  BOOST_REQUIRE(all.ok());
  BOOST_REQUIRE_EQUAL(all->items.size(), 2u);
  const AuditEvent& got = all->items[0];
  BOOST_TEST(got.id == "e1");
  BOOST_TEST(got.type == "sign_in.failed");
  BOOST_TEST(got.created_ms == 1000);
  BOOST_TEST(got.ip == "192.0.2.1");
  BOOST_TEST(got.user_agent == "agent");
  BOOST_TEST(got.actor == "cli");
  BOOST_TEST(got.user_id == "u-1");
  BOOST_TEST(got.client_id == "cli");
  BOOST_TEST(got.username == "Alice@Example.com");
  BOOST_TEST(got.outcome == "failure");
  BOOST_TEST(got.details == "{\"k\":1}");
  BOOST_TEST(all->items[1].ip == "");
  BOOST_TEST(all->items[1].user_id == "");
}

BOOST_AUTO_TEST_CASE(audit_list_orders_pages_and_filters) {
  BOOST_REQUIRE(store->insert_audit(event("a", "sign_in.failed", 100, "u-1", "cli")).ok());
  BOOST_REQUIRE(store->insert_audit(event("b", "sign_in.succeeded", 200, "u-1", "cli")).ok());
  BOOST_REQUIRE(store->insert_audit(event("c", "token.issued", 300, "u-2", "web")).ok());
  BOOST_REQUIRE(store->insert_audit(event("d", "sign_inx", 400)).ok());
  BOOST_REQUIRE(store->insert_audit(event("e", "client.created", 400, "", "web")).ok());
  Page page;
  BOOST_TEST(ids(store->list_audit({}, page)) ==
             (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  page.descending = true;
  BOOST_TEST(ids(store->list_audit({}, page)) ==
             (std::vector<std::string>{"e", "d", "c", "b", "a"}));
  page.limit = 2;
  page.offset = 1;
  auto paged = store->list_audit({}, page);
  BOOST_TEST(ids(paged) == (std::vector<std::string>{"d", "c"}));
  BOOST_TEST(paged->count == 5);
  page = Page{};
  AuditFilter f;
  f.type_prefix = "sign_in.";
  BOOST_TEST(ids(store->list_audit(f, page)) == (std::vector<std::string>{"a", "b"}));
  f.type_prefix = "sign_in.failed";
  BOOST_TEST(ids(store->list_audit(f, page)) == (std::vector<std::string>{"a"}));
  f = AuditFilter{};
  f.user_id = "u-1";
  BOOST_TEST(ids(store->list_audit(f, page)) == (std::vector<std::string>{"a", "b"}));
  f = AuditFilter{};
  f.client_id = "web";
  f.since_ms = 300;
  f.until_ms = 400;
  auto by_client = store->list_audit(f, page);
  BOOST_TEST(ids(by_client) == (std::vector<std::string>{"c", "e"}));
  BOOST_TEST(by_client->count == 2);
  f.until_ms = 299;
  BOOST_TEST(store->list_audit(f, page)->count == 0);
}

BOOST_AUTO_TEST_CASE(audit_rows_commit_and_roll_back_with_their_transaction) {
  {
    WriteTransaction txn(*store);
    BOOST_REQUIRE(store->insert_audit(event("gone", "client.created", 1)).ok());
    add_app(app("id-1", "client-1"));
  }  // rolled back
  BOOST_TEST(store->list_audit({}, Page{})->count == 0);
  BOOST_TEST(store->find_client("id-1").status().is_not_found());
  {
    WriteTransaction txn(*store);
    BOOST_REQUIRE(store->insert_audit(event("kept", "client.created", 1)).ok());
    add_app(app("id-1", "client-1"));
    BOOST_REQUIRE(txn.commit().ok());
  }
  BOOST_TEST(ids(store->list_audit({}, Page{})) == (std::vector<std::string>{"kept"}));
}

BOOST_AUTO_TEST_CASE(audit_purge_deletes_only_older_events_in_batches) {
  for (int i = 0; i < 7; ++i)
    BOOST_REQUIRE(
        store->insert_audit(event("old" + std::to_string(i), "token.issued", 100 + i)).ok());
  BOOST_REQUIRE(store->insert_audit(event("new", "token.issued", 1000)).ok());
  BOOST_TEST(*store->purge_audit(1000, 5) == 5);
  BOOST_TEST(*store->purge_audit(1000, 5) == 2);
  BOOST_TEST(*store->purge_audit(1000, 5) == 0);
  BOOST_TEST(ids(store->list_audit({}, Page{})) == (std::vector<std::string>{"new"}));
}

BOOST_AUTO_TEST_CASE(rotate_refresh_stores_the_audit_row_of_its_outcome_only) {
  using Rotation = Store::Rotation;
  add_app(app("app-1", "client-1"));
  add_user(user("u-1", "alice@example.com"));
  add_family("fam-1", "app-1", "u-1", "r1");
  auto audit = [](const std::string& n) {
    Store::RotationAudit a;
    a.issued = event("issued-" + n, "token.issued", 10);
    a.reused = event("reused-" + n, "refresh.reused", 10);
    return a;
  };
  BOOST_TEST((*store->rotate_refresh(sha256("r1"), sha256("r2"), 200, 10, audit("1")) ==
              Rotation::kRotated));
  BOOST_TEST((*store->rotate_refresh(sha256("r1"), sha256("r2"), 205, 10, audit("2")) ==
              Rotation::kRepeat));
  BOOST_TEST((*store->rotate_refresh(sha256("r1"), sha256("r2"), 500, 10, audit("3")) ==
              Rotation::kReused));
  BOOST_TEST((*store->rotate_refresh(sha256("r2"), sha256("r3"), 501, 10, audit("4")) ==
              Rotation::kRevoked));
  BOOST_TEST((*store->rotate_refresh(sha256("zz"), sha256("r9"), 502, 10, audit("5")) ==
              Rotation::kUnknown));
  Page page;
  auto got = ids(store->list_audit({}, page));
  std::sort(got.begin(), got.end());
  BOOST_TEST(got == (std::vector<std::string>{"issued-1", "issued-2", "reused-3"}));
  // A failed audit insert (an id taken) fails the rotation and changes nothing.
  add_family("fam-2", "app-1", "u-1", "s1");
  Store::RotationAudit dup;
  dup.issued = event("issued-1", "token.issued", 10);
  BOOST_TEST(store->rotate_refresh(sha256("s1"), sha256("s2"), 600, 0, dup).status().is_conflict());
  BOOST_TEST(!store->find_refresh(sha256("s1"))->used_at.has_value());
  BOOST_TEST(store->find_refresh(sha256("s2")).status().is_not_found());
}

BOOST_AUTO_TEST_CASE(stats_count_write_transactions) {
  StoreStats before = store->stats();
  {
    WriteTransaction txn(*store);
    BOOST_REQUIRE(txn.commit().ok());
  }
  BOOST_REQUIRE(store->purge_audit(0, 1).ok());
  StoreStats after = store->stats();
  BOOST_TEST(after.write_transactions == before.write_transactions + 2);
  BOOST_TEST(after.lock_wait_micros >= before.lock_wait_micros);
}

BOOST_AUTO_TEST_SUITE_END()
