// The fixed statements of both backends (src/store/sqlite_store.h, src/store/pg_store.h):
// each table lists every statement once, in the order of its enum; every
// statement prepares against a freshly migrated database; and SQL that does
// not prepare is reported, naming the statement, when the store opens or
// migrates (PostgreSQL: when it connects), not by the first request that
// runs it. PostgreSQL cases run under make test PG=1 (ACCESS_TEST_PG).
#include <sqlite3.h>

#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

#include "../../src/store/pg_store.h"
#include "../../src/store/sqlite_store.h"
#include "test_util.h"

using namespace access_service;

namespace {

// `table` with statement `s` made to name a column no table has.
template <typename Stmt>
std::vector<StatementText> broken(const std::vector<StatementText>& table, Stmt s) {
  std::vector<StatementText> out = table;
  out[static_cast<size_t>(s)].sql = "SELECT no_such_column FROM clients";
  return out;
}

void check_table(const std::vector<StatementText>& table, size_t count) {
  Status st = check_statement_table(table, count);
  BOOST_TEST(st.ok(), st.ToString());
  std::set<std::string> names;
  for (const StatementText& s : table)
    BOOST_TEST(names.insert(s.name).second, s.name << " is named twice");
}

bool internal_naming(const Status& st, const std::string& name) {
  BOOST_TEST_MESSAGE(st.ToString());
  return st.code() == Status::kInternal && st.message().find(name) != std::string::npos;
}

struct SqliteFixture {
  testing::TempDir tmp;
  Config config;
  SqliteFixture() { config.db_path = tmp.file("access.db"); }
  void make_schema() {
    auto s = open_sqlite_store(config);
    BOOST_REQUIRE(s.ok());
    BOOST_REQUIRE((*s)->migrate().ok());
  }
};

// A fresh PostgreSQL database (its schema emptied); false without ACCESS_TEST_PG.
bool use_postgresql(Config& config) {
  return testing::testing_postgresql() && testing::use_test_postgresql(config);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_statements)

BOOST_AUTO_TEST_CASE(tables_list_each_statement_once_in_enum_order) {
  check_table(sqlite::sqlite_statements(), static_cast<size_t>(sqlite::Stmt::kCount));
  check_table(pg::pg_statements(), static_cast<size_t>(pg::Stmt::kCount));
}

BOOST_FIXTURE_TEST_CASE(sqlite_every_statement_prepares_on_a_migrated_database, SqliteFixture) {
  make_schema();
  sqlite3* db = nullptr;
  BOOST_REQUIRE(sqlite3_open(config.db_path.c_str(), &db) == SQLITE_OK);
  for (const StatementText& s : sqlite::sqlite_statements()) {
    sqlite3_stmt* st = nullptr;
    BOOST_TEST(sqlite3_prepare_v2(db, s.sql.c_str(), -1, &st, nullptr) == SQLITE_OK,
               s.name << ": " << sqlite3_errmsg(db));
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  BOOST_TEST(open_sqlite_store(config).ok());
}

BOOST_FIXTURE_TEST_CASE(sqlite_bad_statement_fails_the_open_naming_it, SqliteFixture) {
  make_schema();
  const auto bad = broken(sqlite::sqlite_statements(), sqlite::Stmt::kFindClient);
  auto s = sqlite::open_sqlite_store(config, bad);
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(internal_naming(s.status(), "find_client"));
}

// A new database has no tables to prepare against: the statements that read
// none are checked at open, the others once migrate() has made the schema.
BOOST_FIXTURE_TEST_CASE(sqlite_bad_statement_on_a_new_database_fails_at_migrate, SqliteFixture) {
  const auto bad = broken(sqlite::sqlite_statements(), sqlite::Stmt::kConsumeCode);
  auto s = sqlite::open_sqlite_store(config, bad);
  BOOST_REQUIRE(s.ok());
  BOOST_TEST(internal_naming(check_schema(**s, /*create_if_empty=*/true), "consume_code"));
  BOOST_TEST(internal_naming((*s)->migrate(), "consume_code"));

  const auto bad_ping = broken(sqlite::sqlite_statements(), sqlite::Stmt::kPing);
  testing::TempDir other;
  Config fresh = config;
  fresh.db_path = other.file("access.db");
  auto p = sqlite::open_sqlite_store(fresh, bad_ping);
  BOOST_REQUIRE(!p.ok());
  BOOST_TEST(internal_naming(p.status(), "ping"));
}

BOOST_AUTO_TEST_CASE(postgresql_every_statement_prepares_on_a_migrated_database,
                     *boost::unit_test::precondition(testing::postgresql_only)) {
  Config config;
  BOOST_REQUIRE(use_postgresql(config));
  auto s = open_pg_store(config);
  BOOST_REQUIRE(s.ok());
  BOOST_REQUIRE((*s)->migrate().ok());
  pg::Conn conn(config.conninfo, 1000, &pg::pg_statements());
  Status st = conn.ensure();
  if (st.ok()) st = conn.prepare_statements(/*schema=*/true);
  BOOST_TEST(st.ok(), st.ToString());
}

// Lazy connect (store.h): the open never fails, the connect does, and with
// it check_schema, which every process runs before it serves.
BOOST_AUTO_TEST_CASE(postgresql_bad_statement_fails_the_connect_naming_it,
                     *boost::unit_test::precondition(testing::postgresql_only)) {
  Config config;
  BOOST_REQUIRE(use_postgresql(config));
  {
    auto s = open_pg_store(config);
    BOOST_REQUIRE(s.ok());
    BOOST_REQUIRE((*s)->migrate().ok());
  }
  const auto bad = broken(pg::pg_statements(), pg::Stmt::kFindClient);
  auto s = pg::open_pg_store(config, bad);
  BOOST_REQUIRE(s.ok());
  BOOST_TEST(internal_naming(check_schema(**s, /*create_if_empty=*/false), "find_client"));
  BOOST_TEST(internal_naming((*s)->ping(), "find_client"));

  const auto bad_ping = broken(pg::pg_statements(), pg::Stmt::kPing);
  auto p = pg::open_pg_store(config, bad_ping);
  BOOST_REQUIRE(p.ok());
  BOOST_TEST(internal_naming((*p)->schema_version().status(), "ping"));
}

BOOST_AUTO_TEST_CASE(postgresql_bad_statement_on_a_new_database_fails_at_migrate,
                     *boost::unit_test::precondition(testing::postgresql_only)) {
  Config config;
  BOOST_REQUIRE(use_postgresql(config));
  const auto bad = broken(pg::pg_statements(), pg::Stmt::kConsumeCode);
  auto s = pg::open_pg_store(config, bad);
  BOOST_REQUIRE(s.ok());
  BOOST_TEST(internal_naming((*s)->migrate(), "consume_code"));
}

BOOST_AUTO_TEST_SUITE_END()
