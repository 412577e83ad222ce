// include/access/store/backup.h: what a backup holds, its modes, and what restore
// checks before it touches anything.
#include "access/store/backup.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "access/core/context.h"
#include "access/crypto/key_ring.h"
#include "access/crypto/signer.h"
#include "test_util.h"

using namespace access_service;

namespace {

int mode_of(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 07777) : -1;
}

struct BackupFixture {
  testing::TempDir tmp;
  Config config;
  std::unique_ptr<Store> store;

  BackupFixture() {
    config = state("a");
    store = open(config);
    BOOST_REQUIRE(create_signing_key(config.key_dir, "ES256").ok());
    BOOST_REQUIRE(ensure_hmac_key(config).ok());
    User u;
    u.id = "u1";
    u.email = "u1@example.com";
    u.roles = {"ROLE_ORIGINATOR"};
    BOOST_REQUIRE(store->insert_user(u).ok());
  }
  Config state(const std::string& name) {
    Config c;
    mkdir(tmp.file(name).c_str(), 0700);
    c.db_path = tmp.file(name + "/access.db");
    c.key_dir = tmp.file(name + "/keys");
    c.jwks_file = tmp.file(name + "/jwks.json");
    c.listen = "unix:" + tmp.file(name + "/fcgi.sock");
    c.busy_timeout_ms = 50;
    return c;
  }
  std::unique_ptr<Store> open(const Config& c) {
    auto s = open_store(c);
    BOOST_REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    BOOST_REQUIRE(check_schema(**s, true).ok());
    return std::move(*s);
  }
  std::string backup(const std::string& name = "backup") {
    const std::string dir = tmp.file(name);
    Result<BackupReport> r = backup_state(config, *store, dir);
    BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    BOOST_TEST(r->key_files == 2);
    BOOST_TEST(r->schema_version == store->latest_schema_version());
    return dir;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(backup, BackupFixture)

BOOST_AUTO_TEST_CASE(backup_holds_database_keys_and_sums_owner_only) {
  Result<std::string> next = rotate_key(config.key_dir, "ES256", 2000000000, 300);
  BOOST_REQUIRE(next.ok());
  Result<BackupReport> r = backup_state(config, *store, tmp.file("b"));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->key_files == 4);  // two keys, one sidecar, hmac.key
  const std::string b = tmp.file("b");
  BOOST_TEST(mode_of(b) == 0700);
  BOOST_TEST(mode_of(b + "/keys") == 0700);
  for (const char* f : {"access.db", "backup.json", "SHA256SUMS", "keys/hmac.key"})
    BOOST_TEST(mode_of(b + "/" + f) == 0600, f);
  const std::string name = next->substr(next->rfind('/') + 1);
  BOOST_TEST(mode_of(b + "/keys/" + name + ".signs_from") == 0600);
  BOOST_TEST(testing::read_text(b + "/keys/hmac.key") ==
             testing::read_text(config.key_dir + "/hmac.key"));
  const std::string sums = testing::read_text(b + "/SHA256SUMS");
  BOOST_TEST(sums.find("  access.db\n") != std::string::npos);
  BOOST_TEST(sums.find("  keys/" + name + ".signs_from\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(backup_refuses_a_directory_that_is_not_empty) {
  const std::string dir = tmp.file("full");
  mkdir(dir.c_str(), 0700);
  testing::write_text(dir + "/precious", "x");
  Result<BackupReport> r = backup_state(config, *store, dir);
  BOOST_TEST(r.status().is_conflict());
  BOOST_TEST(testing::read_text(dir + "/precious") == "x");
  BOOST_TEST(access((dir + "/access.db").c_str(), F_OK) != 0);
  // An empty directory that exists is fine (a mount point, say).
  const std::string empty = tmp.file("empty");
  mkdir(empty.c_str(), 0755);
  BOOST_TEST(backup_state(config, *store, empty).ok());
  BOOST_TEST(mode_of(empty) == 0700);
}

BOOST_AUTO_TEST_CASE(restore_into_an_empty_state_gives_the_same_data_and_keys) {
  const std::string b = backup();
  Config fresh = state("b");
  Result<RestoreReport> r = restore_state(fresh, b, false);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(r->key_files == 2);
  BOOST_TEST(r->moved_aside.empty());
  BOOST_TEST(mode_of(fresh.db_path) == 0600);
  BOOST_TEST(mode_of(fresh.key_dir) == 0700);
  BOOST_TEST(testing::read_text(fresh.key_dir + "/hmac.key") ==
             testing::read_text(config.key_dir + "/hmac.key"));
  auto restored = open(fresh);
  BOOST_TEST(restored->find_user("u1").ok());
  auto a = TokenSigner::load(config.key_dir);
  auto c = TokenSigner::load(fresh.key_dir);
  BOOST_TEST((*a)->active().kid == (*c)->active().kid);
}

BOOST_AUTO_TEST_CASE(restore_refuses_an_occupied_target_unless_replace) {
  const std::string b = backup();
  Result<RestoreReport> r = restore_state(config, b, false);
  BOOST_TEST(r.status().is_conflict());
  BOOST_TEST(r.status().message().find("--replace") != std::string::npos);
  const std::string hmac_before = testing::read_text(config.key_dir + "/hmac.key");
  store.reset();
  r = restore_state(config, b, true);
  BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  BOOST_TEST(!r->moved_aside.empty());
  BOOST_TEST(access((r->moved_aside + "/access.db").c_str(), F_OK) == 0);
  BOOST_TEST(testing::read_text(r->moved_aside + "/keys/hmac.key") == hmac_before);
}

BOOST_AUTO_TEST_CASE(restore_refuses_damaged_or_incomplete_backups_and_touches_nothing) {
  const std::string b = backup();
  Config fresh = state("c");
  auto refused = [&](const std::string& why) {
    Result<RestoreReport> r = restore_state(fresh, b, false);
    BOOST_TEST(r.status().is_invalid(), why);
    BOOST_TEST(access(fresh.db_path.c_str(), F_OK) != 0, why);
    BOOST_TEST(access(fresh.key_dir.c_str(), F_OK) != 0, why);
    return r.status().message();
  };
  const std::string hmac = testing::read_text(b + "/keys/hmac.key");
  testing::write_text(b + "/keys/hmac.key", hmac + "x");
  BOOST_TEST(refused("changed file").find("checksum mismatch") != std::string::npos);
  testing::write_text(b + "/keys/hmac.key", hmac);
  testing::write_text(b + "/keys/extra.pem", "x");
  BOOST_TEST(refused("unlisted file").find("not listed") != std::string::npos);
  unlink((b + "/keys/extra.pem").c_str());
  const std::string sums = testing::read_text(b + "/SHA256SUMS");
  unlink((b + "/SHA256SUMS").c_str());
  BOOST_TEST(refused("no sums").find("not a backup") != std::string::npos);
  testing::write_text(b + "/SHA256SUMS", sums);
  BOOST_TEST(restore_state(fresh, b, false).ok());  // intact again: restores
}

BOOST_AUTO_TEST_CASE(restore_refuses_while_the_service_answers) {
  const std::string b = backup();
  Config fresh = state("d");
  fresh.listen = config.listen;
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  config.listen_unix_path().copy(a.sun_path, sizeof a.sun_path - 1);
  BOOST_REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  BOOST_REQUIRE(listen(fd, 1) == 0);
  BOOST_TEST(service_answers(fresh));
  Result<RestoreReport> r = restore_state(fresh, b, false);
  BOOST_TEST(r.status().is_conflict());
  BOOST_TEST(r.status().message().find("stop it first") != std::string::npos);
  close(fd);
  BOOST_TEST(!service_answers(fresh));  // the socket file is left, nobody listens
  BOOST_TEST(restore_state(fresh, b, false).ok());
}

// The TCP form of server.listen (loopback.h loopback_socket_address): the
// check connects to the address the master binds.
BOOST_AUTO_TEST_CASE(service_answers_on_loopback_tcp) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  BOOST_REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  BOOST_REQUIRE(listen(fd, 1) == 0);
  Config c = state("tcp");
  c.listen = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  BOOST_TEST(service_answers(c));
  c.listen = "localhost:" + std::to_string(ntohs(a.sin_port));
  BOOST_TEST(service_answers(c));
  close(fd);
  c.listen = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  BOOST_TEST(!service_answers(c));
}

BOOST_AUTO_TEST_SUITE_END()
