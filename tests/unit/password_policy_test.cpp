// include/access/crypto/password_policy.h: length, email, zxcvbn's estimate with
// the account's own words.
#include "access/crypto/password_policy.h"

#include <boost/test/unit_test.hpp>

using namespace access_service;

namespace {

User alice() {
  User u;
  u.email = "alice.liddell@wonder.example";
  u.first_name = "Alice";
  u.last_name = "Liddell";
  return u;
}

bool accepted(const std::string& password, int bits = 30) {
  return !password_policy_error(password, alice(), bits);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(password_policy)

BOOST_AUTO_TEST_CASE(issue_examples_score_as_documented) {
  // The figures API.md section 7 quotes: zxcvbn's, not ours.
  BOOST_TEST(password_entropy_bits("password1234", alice()) < 4);
  BOOST_TEST(password_entropy_bits("Password2024!", alice()) < 14);
  BOOST_TEST(!accepted("password1234"));
  BOOST_TEST(!accepted("Password2024!"));
}

BOOST_AUTO_TEST_CASE(passphrase_accepted) {
  BOOST_TEST(accepted("correct horse battery staple"));
  BOOST_TEST(accepted("kQ7#vLp2mX9!"));
}

BOOST_AUTO_TEST_CASE(length_counts_code_points) {
  BOOST_TEST(*password_policy_error("kQ7#vLp2mX9", alice(), 0) ==
             "must be 12 to 1024 characters long");
  // 11 characters of two bytes each: 22 bytes, still too short.
  BOOST_TEST(
      !accepted("\xc3\xa9\xc3\xa8\xc3\xaa\xc3\xab\xc3\xa0\xc3\xa2\xc3\xa4\xc3\xb4\xc3\xb6"
                "\xc3\xbb\xc3\xbc",
                0));
  BOOST_TEST(!accepted(std::string(1025, 'x'), 0));
  BOOST_TEST(accepted(std::string(1024, 'x'), 0));
}

BOOST_AUTO_TEST_CASE(email_refused_in_any_case) {
  BOOST_TEST(*password_policy_error("Alice.Liddell@Wonder.example", alice(), 0) ==
             "must not be the email address of the account");
  BOOST_TEST(accepted("Alice.Liddell@Wonder.example.org", 0));
}

BOOST_AUTO_TEST_CASE(the_accounts_own_words_score_low) {
  // Strong-looking to a generic list, weak for this account.
  const std::string own = "liddell-wonder-alice";
  User bob;
  bob.email = "bob@example.com";
  BOOST_TEST(password_entropy_bits(own, alice()) + 10 < password_entropy_bits(own, bob));
}

BOOST_AUTO_TEST_CASE(control_characters_and_bad_utf8_refused) {
  BOOST_TEST(!accepted(std::string("correct horse\0battery staple", 28), 0));
  BOOST_TEST(!accepted("correct horse\tbattery staple", 0));
  BOOST_TEST(!accepted("correct horse \xff battery staple", 0));
}

BOOST_AUTO_TEST_CASE(threshold_is_the_configured_one) {
  const std::string p = "my new password 2026";  // about 44 bits
  BOOST_TEST(accepted(p, 30));
  BOOST_TEST(!accepted(p, 60));
}

BOOST_AUTO_TEST_SUITE_END()
