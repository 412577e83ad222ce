// TOTP (RFC 6238 appendix B vectors, 6-digit truncation), replay and window
// rules, and the sealing of secrets at rest.
#include "access/crypto/totp.h"

#include <boost/test/unit_test.hpp>

using namespace access_service;

namespace {
const std::string kRfcSecret = "12345678901234567890";  // RFC 6238 appendix B, SHA-1
}

BOOST_AUTO_TEST_SUITE(totp)

BOOST_AUTO_TEST_CASE(rfc6238_appendix_b_sha1_vectors) {
  // The RFC lists 8-digit values; 6 digits are their last six (value mod 10^6).
  const std::pair<int64_t, const char*> vectors[] = {
      {59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
      {1234567890, "005924"}, {2000000000, "279037"}, {20000000000LL, "353130"},
  };
  for (const auto& v : vectors)
    BOOST_TEST(totp_code(kRfcSecret, v.first / kTotpStepSeconds) == v.second, "time " << v.first);
}

BOOST_AUTO_TEST_CASE(window_is_plus_minus_one_step) {
  const int64_t now = 1111111111, step = now / 30;
  BOOST_TEST(totp_match(kRfcSecret, totp_code(kRfcSecret, step), now, 0).value_or(-1) == step);
  BOOST_TEST(totp_match(kRfcSecret, totp_code(kRfcSecret, step - 1), now, 0).value_or(-1) ==
             step - 1);
  BOOST_TEST(totp_match(kRfcSecret, totp_code(kRfcSecret, step + 1), now, 0).value_or(-1) ==
             step + 1);
  BOOST_TEST(!totp_match(kRfcSecret, totp_code(kRfcSecret, step - 2), now, 0));
  BOOST_TEST(!totp_match(kRfcSecret, totp_code(kRfcSecret, step + 2), now, 0));
}

BOOST_AUTO_TEST_CASE(window_edges_follow_the_30_second_boundary) {
  const int64_t boundary = 1111111110;  // a multiple of 30: a new step starts
  const std::string before = totp_code(kRfcSecret, boundary / 30 - 1);
  BOOST_TEST(totp_match(kRfcSecret, before, boundary + 29, 0).has_value());   // still previous
  BOOST_TEST(!totp_match(kRfcSecret, before, boundary + 30, 0).has_value());  // two steps back
}

BOOST_AUTO_TEST_CASE(a_used_step_and_older_ones_are_refused) {
  const int64_t now = 1234567890, step = now / 30;
  const std::string code = totp_code(kRfcSecret, step);
  BOOST_TEST(totp_match(kRfcSecret, code, now, step - 1).has_value());
  BOOST_TEST(!totp_match(kRfcSecret, code, now, step).has_value());  // replay
  BOOST_TEST(!totp_match(kRfcSecret, totp_code(kRfcSecret, step - 1), now, step).has_value());
  BOOST_TEST(totp_match(kRfcSecret, totp_code(kRfcSecret, step + 1), now, step).has_value());
}

BOOST_AUTO_TEST_CASE(malformed_codes_never_match) {
  const int64_t now = 59;
  for (const char* c : {"", "28708", "2870820", "28708a", " 87082", "287 82", "-28708"})
    BOOST_TEST(!totp_match(kRfcSecret, c, now, 0).has_value(), "code '" << c << "'");
}

BOOST_AUTO_TEST_CASE(base32_matches_rfc4648_vectors) {
  BOOST_TEST(base32_encode("") == "");
  BOOST_TEST(base32_encode("f") == "MY");
  BOOST_TEST(base32_encode("fo") == "MZXQ");
  BOOST_TEST(base32_encode("foo") == "MZXW6");
  BOOST_TEST(base32_encode("foob") == "MZXW6YQ");
  BOOST_TEST(base32_encode("fooba") == "MZXW6YTB");
  BOOST_TEST(base32_encode("foobar") == "MZXW6YTBOI");
}

BOOST_AUTO_TEST_CASE(sealed_secrets_open_only_with_the_key_and_owner) {
  const std::string key(32, 'k'), secret = kRfcSecret;
  std::string sealed = seal(key, secret, "user-1");
  BOOST_TEST(sealed.find(secret) == std::string::npos);
  BOOST_TEST(sealed.size() == 12 + secret.size() + 16);
  BOOST_TEST(seal(key, secret, "user-1") != sealed);  // fresh nonce each time
  Result<std::string> opened = unseal(key, sealed, "user-1");
  BOOST_TEST_REQUIRE(opened.ok());
  BOOST_TEST(*opened == secret);
  BOOST_TEST(!unseal(key, sealed, "user-2").ok());                   // copied to another user
  BOOST_TEST(!unseal(std::string(32, 'x'), sealed, "user-1").ok());  // another key
  std::string tampered = sealed;
  tampered[14] ^= 1;
  BOOST_TEST(!unseal(key, tampered, "user-1").ok());
  BOOST_TEST(!unseal(key, sealed.substr(0, 20), "user-1").ok());
}

BOOST_AUTO_TEST_SUITE_END()
