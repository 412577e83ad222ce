// Group commit (src/store/wal_sync.h): a sync covers every ticket handed out
// before it began, in any process; a later ticket is never taken as synced.
#include "../../src/store/wal_sync.h"

#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "test_util.h"

using namespace access_service;

namespace {

struct WalSyncFixture {
  testing::TempDir tmp;
  std::string db = tmp.file("access.db");
  WalSyncFixture() { testing::write_text(db, ""); }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(wal_sync, WalSyncFixture)

BOOST_AUTO_TEST_CASE(one_sync_covers_the_commits_written_before_it) {
  auto a = WalSync::open(db);
  auto b = WalSync::open(db);  // another process's view of the same database
  BOOST_REQUIRE(a && b);
  const uint64_t t1 = a->committed();
  const uint64_t t2 = b->committed();
  BOOST_TEST(t2 == t1 + 1);
  int syncs = 0;
  auto fsync = [&] {
    ++syncs;
    return Status::Ok();
  };
  bool ran = false;
  BOOST_REQUIRE(a->make_durable(t1, fsync, &ran).ok());
  BOOST_TEST(ran);
  BOOST_REQUIRE(b->make_durable(t2, fsync, &ran).ok());
  BOOST_TEST(!ran);  // a's sync began after t2 was written
  BOOST_TEST(syncs == 1);
  const uint64_t t3 = b->committed();  // written after that sync
  BOOST_REQUIRE(b->make_durable(t3, fsync, &ran).ok());
  BOOST_TEST(ran);
  BOOST_TEST(syncs == 2);
}

BOOST_AUTO_TEST_CASE(a_failed_sync_covers_nothing) {
  auto a = WalSync::open(db);
  BOOST_REQUIRE(a);
  const uint64_t t = a->committed();
  bool ran = false;
  Status st = a->make_durable(
      t, [] { return Status::Unavailable("disk gone"); }, &ran);
  BOOST_TEST(st.is_unavailable());
  int syncs = 0;
  BOOST_REQUIRE(a->make_durable(
                     t, [&] { return ++syncs, Status::Ok(); }, &ran)
                    .ok());
  BOOST_TEST(ran);  // still owed: the failed one published nothing
  BOOST_TEST(syncs == 1);
}

BOOST_AUTO_TEST_CASE(another_database_has_its_own_counters) {
  const std::string other = tmp.file("other.db");
  testing::write_text(other, "");
  auto a = WalSync::open(db);
  auto b = WalSync::open(other);
  BOOST_REQUIRE(a && b);
  const uint64_t t = a->committed();
  bool ran = false;
  BOOST_REQUIRE(a->make_durable(
                     t, [] { return Status::Ok(); }, &ran)
                    .ok());
  const uint64_t u = b->committed();
  BOOST_REQUIRE(b->make_durable(
                     u, [] { return Status::Ok(); }, &ran)
                    .ok());
  BOOST_TEST(ran);  // a's sync says nothing about the other file
  BOOST_TEST(!WalSync::open(tmp.file("missing.db")));
}

BOOST_AUTO_TEST_CASE(processes_share_the_counters) {
  auto a = WalSync::open(db);
  BOOST_REQUIRE(a);
  const uint64_t before = a->committed();
  pid_t pid = fork();
  if (pid == 0) {  // a worker: its own open, one commit made durable
    auto child = WalSync::open(db);
    bool ran = false;
    const bool ok = child &&
                    child
                        ->make_durable(
                            child->committed(), [] { return Status::Ok(); }, &ran)
                        .ok() &&
                    ran;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  BOOST_REQUIRE(waitpid(pid, &status, 0) == pid);
  BOOST_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  bool ran = true;
  BOOST_REQUIRE(a->make_durable(
                     before, [] { return Status::Ok(); }, &ran)
                    .ok());
  BOOST_TEST(!ran);  // the child's sync began after `before` was written
  BOOST_TEST(a->committed() == before + 2);
}

BOOST_AUTO_TEST_SUITE_END()
