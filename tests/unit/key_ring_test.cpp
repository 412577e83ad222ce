// include/access/crypto/key_ring.h and the signs-from choice of TokenSigner::load:
// publish ahead, the switch, retirement, purge, and the master's schedule.
#include "access/crypto/key_ring.h"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "access/crypto/signer.h"
#include "test_util.h"

using namespace access_service;

namespace {

constexpr long long kNow = 2000000000;  // 2033-05-18

struct RingFixture {
  testing::TempDir tmp;
  std::string dir = tmp.file("keys");

  // A key of the given name (sorting decides age) and sidecar time.
  std::string key(const std::string& stamp, long long signs_from = 0) {
    testing::TempDir other;
    Result<std::string> made = create_signing_key(other.file("k"), "ES256");
    BOOST_REQUIRE(made.ok());
    mkdir(dir.c_str(), 0700);
    const std::string path = dir + "/key-" + stamp + ".pem";
    BOOST_REQUIRE(rename(made->c_str(), path.c_str()) == 0);
    if (signs_from) testing::write_text(path + ".signs_from", std::to_string(signs_from) + "\n");
    return path;
  }
  std::vector<KeyInfo> list(long long now) {
    auto keys = list_keys(dir, now);
    BOOST_REQUIRE_MESSAGE(keys.ok(), keys.status().ToString());
    return *keys;
  }
  std::string signing_file(long long now) {
    auto s = TokenSigner::load(dir, now);
    BOOST_REQUIRE(s.ok());
    return (*s)->active().file;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(key_ring, RingFixture)

BOOST_AUTO_TEST_CASE(a_published_key_signs_only_from_its_time) {
  const std::string old_key = key("20330101T000000Z");
  const std::string new_key = key("20330501T000000Z", kNow + 300);
  BOOST_TEST(signing_file(kNow) == old_key);
  BOOST_TEST(signing_file(kNow + 299) == old_key);
  BOOST_TEST(signing_file(kNow + 300) == new_key);
  // Published from the start: both in JWKS, both verify.
  auto s = TokenSigner::load(dir, kNow);
  BOOST_REQUIRE(s.ok());
  BOOST_TEST(nlohmann::json::parse((*s)->jwks_json())["keys"].size() == 2u);
  auto later = TokenSigner::load(dir, kNow + 300);
  Result<std::string> token = (*later)->sign({{"sub", "u"}});
  BOOST_REQUIRE(token.ok());
  BOOST_TEST((*s)->verify(*token).ok());  // a signer loaded before the switch knows the key
}

BOOST_AUTO_TEST_CASE(states_next_signing_verifying_expired) {
  key("20330101T000000Z");
  key("20330301T000000Z", kNow - 10);
  key("20330501T000000Z", kNow + 300);
  auto keys = list(kNow);
  BOOST_REQUIRE(keys.size() == 3u);
  BOOST_TEST((keys[0].state == KeyState::kVerifying && keys[0].retired_at == 0));
  BOOST_TEST((keys[1].state == KeyState::kSigning));
  BOOST_TEST((keys[2].state == KeyState::kNext && keys[2].signs_from == kNow + 300));
  BOOST_REQUIRE(mark_retired_keys(dir, kNow).ok());
  keys = list(kNow);
  BOOST_TEST(keys[0].retired_at == kNow);
  BOOST_TEST(keys[0].verify_until == kNow + kKeyOverlapSeconds);
  BOOST_TEST(keys[2].retired_at == 0);  // a next key is never marked retired
  BOOST_TEST(access(((keys[2].file) + ".retired").c_str(), F_OK) != 0);
  keys = list(kNow + kKeyOverlapSeconds);
  BOOST_TEST((keys[0].state == KeyState::kExpired));
}

BOOST_AUTO_TEST_CASE(rotate_key_waits_only_when_a_key_signs) {
  Result<std::string> first = rotate_key(dir, "EdDSA", kNow, 300);
  BOOST_REQUIRE(first.ok());
  BOOST_TEST(testing::read_text(*first + ".signs_from") == std::to_string(kNow) + "\n");
  BOOST_TEST(signing_file(kNow) == *first);
  sleep(1);  // key names carry the second
  Result<std::string> second = rotate_key(dir, "EdDSA", kNow, 300);
  BOOST_REQUIRE(second.ok());
  // Rounded up: `now` is whole seconds, the wait is at least 300 s.
  BOOST_TEST(testing::read_text(*second + ".signs_from") == std::to_string(kNow + 301) + "\n");
  BOOST_TEST(signing_file(kNow + 300) == *first);
  BOOST_TEST(signing_file(kNow + 301) == *second);
  struct stat st {};
  BOOST_REQUIRE(stat((*second + ".signs_from").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
}

BOOST_AUTO_TEST_CASE(when_every_key_waits_the_oldest_signs) {
  const std::string a = key("20330101T000000Z", kNow + 10);
  key("20330201T000000Z", kNow + 20);
  BOOST_TEST(signing_file(kNow) == a);
}

BOOST_AUTO_TEST_CASE(a_sidecar_without_a_time_is_refused) {
  const std::string k = key("20330101T000000Z");
  testing::write_text(k + ".signs_from", "soon\n");
  auto s = TokenSigner::load(dir, kNow);
  BOOST_REQUIRE(!s.ok());
  BOOST_TEST(s.status().is_invalid());
  BOOST_TEST(s.status().message().find(".signs_from") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(retire_and_purge_take_the_sidecars) {
  const std::string old_key = key("20330101T000000Z");
  const std::string next = key("20330501T000000Z", kNow + 300);
  auto keys = list(kNow);
  BOOST_TEST(retire_key(dir, keys[0].kid, kNow).is_invalid());  // the signing key
  BOOST_TEST(retire_key(dir, "no-such-kid", kNow).is_not_found());
  BOOST_REQUIRE(retire_key(dir, keys[1].kid, kNow).ok());  // a next key may go
  BOOST_TEST(access(next.c_str(), F_OK) != 0);
  BOOST_TEST(access((next + ".signs_from").c_str(), F_OK) != 0);

  key("20330601T000000Z", kNow - 5);
  Result<std::vector<std::string>> marked = mark_retired_keys(dir, kNow);
  BOOST_REQUIRE(marked.ok());
  BOOST_REQUIRE(marked->size() == 1u);  // the old key: a newer one signs now
  BOOST_TEST(marked->front() == keys[0].kid);
  BOOST_TEST(mark_retired_keys(dir, kNow + 1)->empty());    // recorded once
  BOOST_TEST(purge_expired_keys(dir, kNow + 10)->empty());  // inside its overlap
  Result<std::vector<std::string>> purged = purge_expired_keys(dir, kNow + kKeyOverlapSeconds);
  BOOST_REQUIRE(purged.ok());
  BOOST_TEST((*purged == *marked));
  BOOST_TEST(access(old_key.c_str(), F_OK) != 0);
  BOOST_TEST(access((old_key + ".retired").c_str(), F_OK) != 0);
  BOOST_TEST(list(kNow + kKeyOverlapSeconds).size() == 1u);
}

BOOST_AUTO_TEST_CASE(schedule_switch_due_once_a_time_passes_after_the_load) {
  key("20330101T000000Z");
  key("20330501T000000Z", kNow + 300);
  auto due = [&](long long loaded, long long now) {
    auto s = key_schedule(dir, loaded, now, 0);
    BOOST_REQUIRE(s.ok());
    return s->switch_due;
  };
  BOOST_TEST(!due(kNow, kNow + 299));
  BOOST_TEST(due(kNow, kNow + 300));
  BOOST_TEST(!due(kNow + 300, kNow + 301));  // loaded at or after the time: done
  BOOST_TEST(key_schedule(tmp.file("absent"), 0, kNow, 0).status().is_not_found());
}

BOOST_AUTO_TEST_CASE(schedule_rotation_due_after_the_days_unless_a_key_waits) {
  key("20330501T000000Z");  // 2033-05-01, 17 days before kNow
  auto rotation = [&](long long now, int days) {
    auto s = key_schedule(dir, 0, now, days);
    BOOST_REQUIRE(s.ok());
    return s->rotation_due;
  };
  BOOST_TEST(!rotation(kNow, 0));   // off
  BOOST_TEST(!rotation(kNow, 30));  // not yet
  BOOST_TEST(rotation(kNow, 17));
  key("20330517T000000Z", kNow + 300);  // a rotation already waits to sign
  BOOST_TEST(!rotation(kNow, 17));
}

// PS256 and RS256 keys are both RSA keys: the PS256 one is an RSA-PSS key
// whose parameters name SHA-256 (jws_algorithms.h), so the file alone says
// which it is. After a restart (a fresh load and listing), and once copied
// elsewhere as backup and the key mirror copy it, each keeps its algorithm.
BOOST_AUTO_TEST_CASE(a_ps256_key_is_not_taken_for_rs256_after_a_restart) {
  Result<std::string> rs = rotate_key(dir, "RS256", kNow, 300);
  Result<std::string> ps = rotate_key(dir, "PS256", kNow, 300);
  BOOST_REQUIRE_MESSAGE(rs.ok() && ps.ok(), rs.status().ToString() + ps.status().ToString());
  std::string token;
  {
    auto s = TokenSigner::load(dir, kNow + 400);
    BOOST_REQUIRE(s.ok());
    BOOST_TEST((*s)->active().file == *ps);
    token = (*s)->sign({{"sub", "u"}}).value();
  }
  std::vector<KeyInfo> keys = list(kNow + 400);
  BOOST_REQUIRE_EQUAL(keys.size(), 2u);
  BOOST_TEST(keys[0].alg == "RS256");
  BOOST_TEST(keys[1].alg == "PS256");
  BOOST_TEST((keys[1].state == KeyState::kSigning));
  // A new process: the token's header says PS256, and it verifies.
  auto again = TokenSigner::load(dir, kNow + 400);
  BOOST_REQUIRE(again.ok());
  BOOST_TEST((*again)->keys()[1].alg == "PS256");
  BOOST_TEST((*again)->keys()[1].jwk.at("alg") == "PS256");
  BOOST_TEST((*again)->verify(token).ok());
  // The key file alone, copied into another directory.
  testing::TempDir other;
  testing::write_text(other.file("key-20260101T000000Z.pem"), testing::read_text(*ps));
  auto copied = TokenSigner::load(other.path(), kNow);
  BOOST_REQUIRE_MESSAGE(copied.ok(), copied.status().ToString());
  BOOST_TEST((*copied)->active().alg == "PS256");
  BOOST_TEST((*copied)->active().kid == (*again)->keys()[1].kid);
  BOOST_TEST((*copied)->verify(token).ok());
}

BOOST_AUTO_TEST_SUITE_END()
