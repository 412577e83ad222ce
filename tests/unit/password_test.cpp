// include/access/crypto/password.h: argon2id PHC strings (small costs keep it fast).
#include "access/crypto/password.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "test_util.h"

using namespace access_service;

namespace {

const Argon2Params kFast{1, 8192, 1};

std::string must_hash(const std::string& secret, const Argon2Params& p = kFast) {
  Result<std::string> h = hash_password(secret, p);
  BOOST_REQUIRE_MESSAGE(h.ok(), h.status().ToString());
  return *h;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(password)

BOOST_AUTO_TEST_CASE(hash_is_argon2id_phc_with_given_params) {
  std::string phc = must_hash("correct horse battery staple");
  BOOST_TEST(phc.rfind("$argon2id$v=19$m=8192,t=1,p=1$", 0) == 0, phc);
  // "$argon2id$v=19$m=..,t=..,p=..$<salt b64>$<hash b64>": 16-byte salt (22
  // chars) and 32-byte tag (43 chars), unpadded base64.
  const std::string prefix = "$argon2id$v=19$m=8192,t=1,p=1$";
  const std::string b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string rest = phc.substr(prefix.size());
  size_t dollar = rest.find('$');
  BOOST_REQUIRE_MESSAGE(dollar != std::string::npos, phc);
  std::string salt = rest.substr(0, dollar), tag = rest.substr(dollar + 1);
  BOOST_TEST(salt.size() == 22u, phc);
  BOOST_TEST(tag.size() == 43u, phc);
  BOOST_TEST(testing::all_of_chars(salt, b64), phc);
  BOOST_TEST(testing::all_of_chars(tag, b64), phc);

  std::string other = must_hash("x", Argon2Params{2, 16384, 2});
  BOOST_TEST(other.rfind("$argon2id$v=19$m=16384,t=2,p=2$", 0) == 0, other);
}

BOOST_AUTO_TEST_CASE(hash_uses_a_fresh_salt) {
  BOOST_TEST(must_hash("same secret") != must_hash("same secret"));
}

BOOST_AUTO_TEST_CASE(verify_right_and_wrong_secret) {
  std::string phc = must_hash("correct horse battery staple");
  BOOST_TEST(verify_password(phc, "correct horse battery staple"));
  BOOST_TEST(!verify_password(phc, "correct horse battery stapl"));
  BOOST_TEST(!verify_password(phc, "Correct horse battery staple"));
  BOOST_TEST(!verify_password(phc, ""));
  BOOST_TEST(!verify_password(phc, std::string("correct horse battery staple\0", 29)));
}

BOOST_AUTO_TEST_CASE(verify_reads_cost_from_the_phc_string) {
  // A hash made with other parameters still verifies (raising the cost later
  // must not lock anyone out).
  std::string phc = must_hash("s3cret", Argon2Params{2, 9000, 1});
  BOOST_TEST(verify_password(phc, "s3cret"));
  BOOST_TEST(!verify_password(phc, "s3cret!"));
}

BOOST_AUTO_TEST_CASE(needs_rehash_when_made_at_another_cost) {
  BOOST_TEST(!password_needs_rehash(must_hash("s3cret"), kFast));
  BOOST_TEST(password_needs_rehash(must_hash("s3cret", Argon2Params{2, 8192, 1}), kFast));
  BOOST_TEST(password_needs_rehash(must_hash("s3cret", Argon2Params{1, 9000, 1}), kFast));
  BOOST_TEST(password_needs_rehash(must_hash("s3cret", Argon2Params{1, 8192, 2}), kFast));
  // m=81920 begins like m=8192: the whole parameter is compared.
  BOOST_TEST(password_needs_rehash(must_hash("s3cret", Argon2Params{1, 81920, 1}), kFast));
  BOOST_TEST(password_needs_rehash("$argon2i$v=19$m=8192,t=1,p=1$c2FsdA$aGFzaA", kFast));
  BOOST_TEST(password_needs_rehash("", kFast));
}

BOOST_AUTO_TEST_CASE(empty_and_unicode_secrets) {
  std::string phc = must_hash("");
  BOOST_TEST(verify_password(phc, ""));
  BOOST_TEST(!verify_password(phc, " "));
  phc = must_hash("p\xC3\xA4ssw\xC3\xB6rd");
  BOOST_TEST(verify_password(phc, "p\xC3\xA4ssw\xC3\xB6rd"));
  BOOST_TEST(!verify_password(phc, "passwrd"));
}

BOOST_AUTO_TEST_CASE(verify_malformed_phc_is_false) {
  std::string phc = must_hash("secret");
  BOOST_TEST(!verify_password("", "secret"));
  BOOST_TEST(!verify_password("secret", "secret"));                        // a plaintext "hash"
  BOOST_TEST(!verify_password(phc.substr(0, phc.size() - 10), "secret"));  // truncated
  BOOST_TEST(!verify_password("$argon2id$v=19$m=8192,t=1,p=1$$", "secret"));
  BOOST_TEST(!verify_password("$argon2id$garbage", "secret"));
  // Corrupt one character of the tag.
  std::string bad = phc;
  bad.back() = bad.back() == 'A' ? 'B' : 'A';
  BOOST_TEST(!verify_password(bad, "secret"));
}

BOOST_AUTO_TEST_CASE(verify_non_argon2id_is_false) {
  std::string phc = must_hash("secret");
  std::string argon2i = "$argon2i$" + phc.substr(std::string("$argon2id$").size());
  BOOST_TEST(!verify_password(argon2i, "secret"));
  std::string argon2d = "$argon2d$" + phc.substr(std::string("$argon2id$").size());
  BOOST_TEST(!verify_password(argon2d, "secret"));
  BOOST_TEST(
      !verify_password("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", "secret"));
}

BOOST_AUTO_TEST_CASE(oversized_secret_is_refused) {
  Result<std::string> h = hash_password(std::string(4097, 'a'), kFast);
  BOOST_REQUIRE(!h.ok());
  BOOST_TEST(h.status().is_invalid());
  BOOST_TEST(hash_password(std::string(4096, 'a'), kFast).ok());
  std::string phc = must_hash("secret");
  BOOST_TEST(!verify_password(phc, std::string(5000, 'a')));
}

BOOST_AUTO_TEST_CASE(verify_password_dummy_is_always_false) {
  BOOST_TEST(!verify_password_dummy("anything", kFast));
  BOOST_TEST(!verify_password_dummy("", kFast));
  // Not even the dummy's own secret matches.
  BOOST_TEST(!verify_password_dummy("dummy-password-never-matches", kFast));
}

BOOST_AUTO_TEST_SUITE_END()
