// include/access/core/files.h: write_file_atomic.
#include "access/core/files.h"

#include <dirent.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "test_util.h"

using namespace access_service;

namespace {

int entries_in(const std::string& dir) {
  int entries = 0;
  DIR* d = opendir(dir.c_str());
  BOOST_REQUIRE(d);
  while (dirent* e = readdir(d)) entries += e->d_name[0] != '.';
  closedir(d);
  return entries;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(files)

BOOST_AUTO_TEST_CASE(write_file_atomic_content_mode_and_no_leftovers) {
  testing::TempDir tmp;
  std::string path = tmp.file("jwks.json");
  BOOST_REQUIRE(write_file_atomic(path, "first", 0644).ok());
  BOOST_REQUIRE(write_file_atomic(path, "second", 0640).ok());
  BOOST_TEST(testing::read_text(path) == "second");
  struct stat st {};
  BOOST_REQUIRE(stat(path.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0640u);
  BOOST_TEST(entries_in(tmp.path()) == 1);
  Status bad = write_file_atomic(tmp.file("no/such/dir/f"), "x", 0600);
  BOOST_TEST(bad.code() == Status::kInternal);
  BOOST_TEST(bad.message().find("no/such/dir/f") != std::string::npos, bad.message());
}

// The umask narrows neither way: 0600 stays 0600 under umask 0, 0644 stays
// 0644 under umask 077. A failed rename leaves the old content and no
// temporary file.
BOOST_AUTO_TEST_CASE(write_file_atomic_mode_ignores_umask_and_failure_keeps_old_file) {
  testing::TempDir tmp;
  const mode_t old = umask(0);
  BOOST_REQUIRE(write_file_atomic(tmp.file("a"), "a", 0600).ok());
  umask(077);
  BOOST_REQUIRE(write_file_atomic(tmp.file("b"), "b", 0644).ok());
  umask(old);
  struct stat st {};
  BOOST_REQUIRE(stat(tmp.file("a").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  BOOST_REQUIRE(stat(tmp.file("b").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0644u);
  // A directory in the way: rename fails, nothing is left behind.
  BOOST_REQUIRE(mkdir(tmp.file("dir").c_str(), 0700) == 0);
  testing::write_text(tmp.file("dir/inside"), "x");
  BOOST_TEST(!write_file_atomic(tmp.file("dir"), "new", 0600).ok());
  BOOST_TEST(entries_in(tmp.path()) == 3);  // a, b, dir
}

BOOST_AUTO_TEST_SUITE_END()
