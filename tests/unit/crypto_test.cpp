// include/access/crypto/crypto.h: encodings with RFC test vectors, digests, randomness.
#include "access/crypto/crypto.h"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <ctime>
#include <set>
#include <string>

#include "test_util.h"

using namespace access_service;

BOOST_AUTO_TEST_SUITE(crypto)

// RFC 4648 section 10 vectors; base64url without padding.
BOOST_AUTO_TEST_CASE(base64url_rfc4648_vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& v : vectors) {
    BOOST_TEST_CONTEXT("input '" << v.first << "'") {
      BOOST_TEST(base64url_encode(v.first) == v.second);
      std::string back = "garbage";
      BOOST_TEST(base64url_decode(v.second, &back));
      BOOST_TEST(back == v.first);
    }
  }
}

BOOST_AUTO_TEST_CASE(base64url_uses_url_safe_alphabet) {
  BOOST_TEST(base64url_encode("\xFB\xFF") == "-_8");
  BOOST_TEST(base64url_encode("\xFF\xFF\xFF") == "____");
  std::string out;
  BOOST_TEST(base64url_decode("-_8", &out));
  BOOST_TEST(out == "\xFB\xFF");
  // Binary round trip of every byte value.
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  BOOST_TEST(base64url_decode(base64url_encode(all), &out));
  BOOST_TEST(out == all);
}

BOOST_AUTO_TEST_CASE(base64url_decode_is_strict) {
  std::string out;
  BOOST_TEST(!base64url_decode("Zm9v=", &out));  // padding
  BOOST_TEST(!base64url_decode("Zg==", &out));   // padding
  BOOST_TEST(!base64url_decode("Zm+v", &out));   // standard alphabet
  BOOST_TEST(!base64url_decode("Zm/v", &out));
  BOOST_TEST(!base64url_decode("Zm9 v", &out));  // whitespace
  BOOST_TEST(!base64url_decode("Zm9v\n", &out));
  BOOST_TEST(!base64url_decode(std::string("Zm\0v", 4), &out));
  BOOST_TEST(!base64url_decode("Z", &out));  // impossible length
  BOOST_TEST(!base64url_decode("Zm9vY", &out));
  BOOST_TEST(!base64url_decode("Zh", &out));   // non-zero trailing bits ("Zg" is canonical)
  BOOST_TEST(!base64url_decode("Zm9", &out));  // "Zm8" is canonical
  BOOST_TEST(!base64url_decode("-_9", &out));  // "-_8" is canonical
}

BOOST_AUTO_TEST_CASE(base64_standard_decode) {
  std::string out;
  BOOST_TEST(base64_decode("Zm9vYmFy", &out));
  BOOST_TEST(out == "foobar");
  BOOST_TEST(base64_decode("Zm9vYg==", &out));
  BOOST_TEST(out == "foob");
  BOOST_TEST(base64_decode("Zm9vYmE=", &out));
  BOOST_TEST(out == "fooba");
  BOOST_TEST(base64_decode("+/8=", &out));
  BOOST_TEST(out == "\xFB\xFF");
  BOOST_TEST(base64_decode("", &out));
  BOOST_TEST(out == "");
  BOOST_TEST(!base64_decode("Zm9vYg", &out));  // padding required
  BOOST_TEST(!base64_decode("Zm9vYg=", &out));
  BOOST_TEST(!base64_decode("-_8=", &out));  // url alphabet
  BOOST_TEST(!base64_decode("Zg=A", &out));  // padding in the middle
  BOOST_TEST(!base64_decode("Z===", &out));
  BOOST_TEST(!base64_decode("====", &out));
  BOOST_TEST(!base64_decode("Zh==", &out));  // non-canonical trailing bits
  BOOST_TEST(!base64_decode("Zm9v Yg==", &out));
}

BOOST_AUTO_TEST_CASE(sha256_known_vectors) {
  BOOST_TEST(hex(sha256("abc")) ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(sha256("abc").size() == 32u);
}

BOOST_AUTO_TEST_CASE(hmac_sha256_rfc4231_case_2) {
  BOOST_TEST(hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

BOOST_AUTO_TEST_CASE(hmac_sha256_rfc4231_case_1) {
  BOOST_TEST(hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")) ==
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

BOOST_AUTO_TEST_CASE(hex_is_lower_case) {
  BOOST_TEST(hex(std::string("\x00\x01\xAB\xff", 4)) == "0001abff");
  BOOST_TEST(hex("") == "");
}

BOOST_AUTO_TEST_CASE(uuid4_format_version_and_variant) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string u = uuid4();
    // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx, lower-case hex, V one of 8 9 a b.
    BOOST_TEST(testing::has_shape(u, "HHHHHHHH-HHHH-4HHH-HHHH-HHHHHHHHHHHH"), u);
    BOOST_TEST(std::string("89ab").find(u[19]) != std::string::npos, u);
    seen.insert(u);
  }
  BOOST_TEST(seen.size() == 200u);
}

BOOST_AUTO_TEST_CASE(uuid7_format_and_time_order) {
  std::set<std::string> seen;
  const long long before_ms = static_cast<long long>(time(nullptr)) * 1000;
  std::string previous;
  for (int i = 0; i < 200; ++i) {
    std::string u = uuid7();
    BOOST_TEST(testing::has_shape(u, "HHHHHHHH-HHHH-7HHH-HHHH-HHHHHHHHHHHH"), u);
    BOOST_TEST(std::string("89ab").find(u[19]) != std::string::npos, u);
    // The first 48 bits are the Unix time in milliseconds.
    long long ms = std::stoll(u.substr(0, 8) + u.substr(9, 4), nullptr, 16);
    BOOST_TEST(uuid7_millis(u).value_or(-1) == ms);
    BOOST_TEST(ms >= before_ms);
    BOOST_TEST(ms <= before_ms + 60000);
    // Across milliseconds they sort in creation order (within one, randomly).
    if (!previous.empty() && previous.substr(0, 13) != u.substr(0, 13)) BOOST_TEST(previous < u);
    previous = u;
    seen.insert(u);
    if (i % 50 == 0) usleep(2000);
  }
  BOOST_TEST(seen.size() == 200u);
  BOOST_TEST(!uuid7_millis(uuid4()).has_value());
  BOOST_TEST(!uuid7_millis("jti-1").has_value());
}

BOOST_AUTO_TEST_CASE(random_token_length_alphabet_and_distinctness) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string t = random_token(32);
    BOOST_TEST(t.size() == 43u);
    BOOST_TEST(
        t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
        std::string::npos);
    std::string raw;
    BOOST_TEST(base64url_decode(t, &raw));
    BOOST_TEST(raw.size() == 32u);
    seen.insert(t);
  }
  BOOST_TEST(seen.size() == 100u);
  BOOST_TEST(random_token().size() == 43u);  // default is 32 bytes
  BOOST_TEST(random_token(16).size() == 22u);
}

BOOST_AUTO_TEST_CASE(random_bytes_sizes_and_distinctness) {
  BOOST_TEST(random_bytes(0).empty());
  BOOST_TEST(random_bytes(1).size() == 1u);
  BOOST_TEST(random_bytes(64).size() == 64u);
  BOOST_TEST(random_bytes(32) != random_bytes(32));
}

BOOST_AUTO_TEST_CASE(constant_time_equal_cases) {
  BOOST_TEST(constant_time_equal("", ""));
  BOOST_TEST(constant_time_equal("secret", "secret"));
  BOOST_TEST(!constant_time_equal("secret", "secreT"));
  BOOST_TEST(!constant_time_equal("secret", "secret2"));
  BOOST_TEST(!constant_time_equal("secret", ""));
  BOOST_TEST(!constant_time_equal("", "x"));
  BOOST_TEST(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
  BOOST_TEST(!constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

BOOST_AUTO_TEST_SUITE_END()
