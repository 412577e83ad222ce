// The administrator's side of store.h: delete_user, the schema versions and
// check_schema, and backup_to (SQLite).
#include <sqlite3.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/store/store.h"
#include "test_util.h"

using namespace access_service;

namespace {

struct AdminFixture {
  testing::TempDir tmp;
  Config config;
  std::unique_ptr<Store> store;
  AdminFixture() {
    config.db_path = tmp.file("access.db");
    config.busy_timeout_ms = 50;
    store = open(true);
  }
  std::unique_ptr<Store> open(bool migrate) {
    auto s = open_store(config);
    BOOST_REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    if (migrate) BOOST_REQUIRE((*s)->migrate().ok());
    return std::move(*s);
  }
  void add(const std::string& user_id, const std::string& app_id) {
    User u;
    u.id = user_id;
    u.email = user_id + "@example.com";
    u.roles = {"ROLE_ORIGINATOR"};
    u.created_at = 1000;
    BOOST_REQUIRE(store->insert_user(u).ok());
    if (store->find_client(app_id).ok()) return;
    ClientApp a;
    a.id = app_id;
    a.client_id = "client-" + app_id;
    a.app_name = "App";
    a.secret_hash = "$argon2id$v=19$m=8192,t=1,p=1$c2FsdA$aGFzaA";
    a.grant_types = {"password", "refresh_token"};
    a.scope = {"read"};
    a.access_seconds = 3600;
    a.refresh_seconds = 86400;
    a.created_at = 1000;
    BOOST_REQUIRE(store->insert_client(a).ok());
  }
  // Sets PRAGMA user_version by hand (a database from another build).
  void set_version(int64_t v) {
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open(config.db_path.c_str(), &db) == SQLITE_OK);
    std::string sql = "PRAGMA user_version = " + std::to_string(v);
    BOOST_REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(store_admin, AdminFixture)

BOOST_AUTO_TEST_CASE(delete_user_takes_everything_of_theirs_and_nothing_else) {
  add("u1", "a1");
  add("u2", "a1");
  for (const char* u : {"u1", "u2"}) {
    const std::string fam = std::string("fam-") + u;
    BOOST_REQUIRE(store->insert_family(fam, "a1", u, {"read"}, 100, now_seconds() + 900).ok());
    BOOST_REQUIRE(store->insert_refresh(sha256(fam), fam, 100).ok());
    BOOST_REQUIRE(
        store->insert_session(sha256(std::string("s-") + u), u, 100, now_seconds() + 900).ok());
    Approval ap{std::string("ap-") + u, u, "a1", "", "", {"read"}, 100};
    BOOST_REQUIRE(store->upsert_approval(ap).ok());
  }
  AccessCheck t1{uuid7(), "client-a1", "u1", "fam-u1", now_millis() - 1000, "a1"};
  AccessCheck t2{uuid7(), "client-a1", "u2", "fam-u2", now_millis() - 1000, "a1"};
  BOOST_TEST(*store->access_token_live(t1));

  BOOST_TEST(store->delete_user("u1").ok());
  BOOST_TEST(store->find_user("u1").status().is_not_found());
  BOOST_TEST(store->find_refresh(sha256(std::string("fam-u1"))).status().is_not_found());
  BOOST_TEST(store->find_session_user(sha256(std::string("s-u1")), 0).status().is_not_found());
  BOOST_TEST(store->list_approvals("u1")->empty());
  BOOST_TEST(store->access_token_live(t1).status().is_not_found());  // unknown user: dead
  // The other user keeps everything.
  BOOST_TEST(store->find_refresh(sha256(std::string("fam-u2"))).ok());
  BOOST_TEST(*store->find_session_user(sha256(std::string("s-u2")), 0) == "u2");
  BOOST_TEST(store->list_approvals("u2")->size() == 1u);
  BOOST_TEST(*store->access_token_live(t2));
  BOOST_TEST(store->find_client("a1").ok());
}

BOOST_AUTO_TEST_CASE(delete_unknown_user_is_not_found) {
  BOOST_TEST(store->delete_user("nobody").is_not_found());
}

BOOST_AUTO_TEST_CASE(schema_versions_of_empty_and_migrated_databases) {
  BOOST_TEST(store->latest_schema_version() >= 7);
  BOOST_TEST(*store->schema_version() == store->latest_schema_version());
  config.db_path = tmp.file("empty.db");
  std::unique_ptr<Store> empty = open(false);
  BOOST_TEST(*empty->schema_version() == 0);
}

BOOST_AUTO_TEST_CASE(check_schema_creates_only_when_asked) {
  config.db_path = tmp.file("empty.db");
  std::unique_ptr<Store> empty = open(false);
  Status st = check_schema(*empty, /*create_if_empty=*/false);
  BOOST_TEST(st.is_invalid());
  BOOST_TEST(st.message().find("accessctl init") != std::string::npos, st.message());
  BOOST_TEST(*empty->schema_version() == 0);  // nothing created
  BOOST_TEST(check_schema(*empty, /*create_if_empty=*/true).ok());
  BOOST_TEST(*empty->schema_version() == empty->latest_schema_version());
  BOOST_TEST(check_schema(*empty, false).ok());
}

BOOST_AUTO_TEST_CASE(check_schema_refuses_older_and_newer_naming_both_versions) {
  const int64_t latest = store->latest_schema_version();
  const std::string build = "this build's (" + std::to_string(latest) + ")";
  store.reset();
  set_version(latest + 1);
  store = open(false);
  Status newer = check_schema(*store, true);
  BOOST_TEST(newer.is_invalid());
  BOOST_TEST(newer.message().find("version " + std::to_string(latest + 1) + " is newer than " +
                                  build) != std::string::npos,
             newer.message());
  BOOST_TEST(store->migrate().is_invalid());  // migrate never downgrades
  store.reset();
  set_version(latest - 1);
  store = open(false);
  Status older = check_schema(*store, true);
  BOOST_TEST(older.is_invalid());
  BOOST_TEST(older.message().find("version " + std::to_string(latest - 1) + " is older than " +
                                  build) != std::string::npos,
             older.message());
  BOOST_TEST(older.message().find("accessctl migrate") != std::string::npos);
  BOOST_TEST(*store->schema_version() == latest - 1);  // a check changes nothing
}

BOOST_AUTO_TEST_CASE(backup_to_copies_one_snapshot_with_owner_only_mode) {
  add("u1", "a1");
  const std::string copy = tmp.file("copy.db");
  BOOST_REQUIRE(store->backup_to(copy).ok());
  struct stat st {};
  BOOST_REQUIRE(stat(copy.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  // The copy is a database of its own, with the data and the schema version.
  Config other = config;
  other.db_path = copy;
  auto s = open_store(other);
  BOOST_REQUIRE(s.ok());
  BOOST_TEST(*(*s)->schema_version() == store->latest_schema_version());
  BOOST_TEST((*s)->find_user("u1").ok());
  // Later writes to the original are not in it.
  add("u2", "a1");
  BOOST_TEST((*s)->find_user("u2").status().is_not_found());
}

BOOST_AUTO_TEST_CASE(backup_to_an_existing_file_is_refused_and_leaves_it) {
  const std::string path = tmp.file("there.db");
  testing::write_text(path, "precious");
  BOOST_TEST(store->backup_to(path).is_conflict());
  BOOST_TEST(testing::read_text(path) == "precious");
  BOOST_TEST(store->backup_to(tmp.file("no/such/dir/x.db")).is_unavailable());
}

BOOST_AUTO_TEST_CASE(backup_to_while_a_write_transaction_is_open_elsewhere) {
  add("u1", "a1");
  std::unique_ptr<Store> writer = open(false);
  BOOST_REQUIRE(writer->begin_write().ok());
  User u;
  u.id = "pending";
  u.email = "pending@example.com";
  u.roles = {"ROLE_ORIGINATOR"};
  BOOST_REQUIRE(writer->insert_user(u).ok());
  const std::string copy = tmp.file("copy.db");
  BOOST_REQUIRE(store->backup_to(copy).ok());  // WAL: the reader is not blocked
  writer->rollback();
  Config other = config;
  other.db_path = copy;
  auto s = open_store(other);
  BOOST_REQUIRE(s.ok());
  BOOST_TEST((*s)->find_user("u1").ok());
  BOOST_TEST((*s)->find_user("pending").status().is_not_found());  // uncommitted: not in it
}

BOOST_AUTO_TEST_SUITE_END()
