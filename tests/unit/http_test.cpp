// Parsers of include/access/http/http.h: every one treats its input as hostile.
#include "access/http/http.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "access/core/strings.h"
#include "test_util.h"

using namespace access_service;

namespace {

std::string b64(const std::string& raw) { return testing::base64_std(raw); }

bool parses(const std::string& s) { return Params::parse(s).ok(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(http)

BOOST_AUTO_TEST_CASE(params_parse_decodes_plus_and_percent) {
  Result<Params> p = Params::parse("grant_type=password&username=a%40b.example&password=x+y%2Bz");
  BOOST_REQUIRE_MESSAGE(p.ok(), p.status().ToString());
  BOOST_TEST(p->get("grant_type") == "password");
  BOOST_TEST(p->get("username") == "a@b.example");
  BOOST_TEST(p->get("password") == "x y+z");
  BOOST_TEST(p->all().size() == 3u);
  BOOST_TEST(p->get("absent") == "");
  BOOST_TEST(!p->has("absent"));
  // UTF-8 in escapes and names.
  p = Params::parse("n%C3%A4me=%E2%82%AC");
  BOOST_REQUIRE(p.ok());
  BOOST_TEST(p->get("n\xC3\xA4me") == "\xE2\x82\xAC");
}

BOOST_AUTO_TEST_CASE(params_empty_value_is_absent) {
  Result<Params> p = Params::parse("scope=&state&a=1");
  BOOST_REQUIRE(p.ok());
  BOOST_TEST(!p->has("scope"));
  BOOST_TEST(p->get("scope") == "");
  BOOST_TEST(!p->has("state"));
  BOOST_TEST(p->has("a"));
  // Empty input and stray separators.
  BOOST_TEST(Params::parse("").ok());
  BOOST_TEST(Params::parse("")->all().empty());
  p = Params::parse("&&a=1&&");
  BOOST_REQUIRE(p.ok());
  BOOST_TEST(p->get("a") == "1");
}

BOOST_AUTO_TEST_CASE(params_repeated_parameter_rejected) {
  Result<Params> p = Params::parse("a=1&b=2&a=3");
  BOOST_REQUIRE(!p.ok());
  BOOST_TEST(p.status().is_invalid());
  // Repeated after decoding counts too.
  BOOST_TEST(!parses("scope=a&%73cope=b"));
}

BOOST_AUTO_TEST_CASE(params_bad_escapes_rejected) {
  for (const char* s : {"a=%", "a=%G1", "a=%4", "a=%%41", "%=1", "a=1%2"}) {
    Result<Params> p = Params::parse(s);
    BOOST_TEST_CONTEXT("input " << s) {
      BOOST_TEST(!p.ok());
      BOOST_TEST(p.status().is_invalid());
    }
  }
}

BOOST_AUTO_TEST_CASE(params_nul_and_invalid_utf8_rejected) {
  BOOST_TEST(!parses("a=%00"));
  BOOST_TEST(!parses("a=x%00y"));
  BOOST_TEST(!parses("a%00=1"));
  BOOST_TEST(!parses("a=%FF"));
  BOOST_TEST(!parses("a=%C0%AF"));             // overlong '/'
  BOOST_TEST(!parses("a=%E0%80%AF"));          // overlong, 3 bytes
  BOOST_TEST(!parses("a=%ED%A0%80"));          // UTF-16 surrogate
  BOOST_TEST(!parses("a=%C3"));                // truncated sequence
  BOOST_TEST(!parses("a=%F4%90%80%80"));       // above U+10FFFF
  BOOST_TEST(!parses(std::string("a=\xFF")));  // raw byte, not escaped
}

BOOST_AUTO_TEST_CASE(params_field_count_is_bounded) {
  std::string s;
  for (size_t i = 0; i < kMaxParams; ++i) s += (i ? "&p" : "p") + std::to_string(i) + "=v";
  BOOST_TEST(parses(s));
  BOOST_TEST(Params::parse(s)->all().size() == kMaxParams);
  s += "&extra=v";
  Result<Params> p = Params::parse(s);
  BOOST_REQUIRE(!p.ok());
  BOOST_TEST(p.status().is_invalid());
}

BOOST_AUTO_TEST_CASE(form_decode_cases) {
  std::string out;
  BOOST_TEST(form_decode("a+b%20c%2b", &out));
  BOOST_TEST(out == "a b c+");
  BOOST_TEST(form_decode("", &out));
  BOOST_TEST(out == "");
  BOOST_TEST(form_decode("%e2%82%ac", &out));  // lower-case hex
  BOOST_TEST(out == "\xE2\x82\xAC");
  BOOST_TEST(!form_decode("%", &out));
  BOOST_TEST(!form_decode("%4", &out));
  BOOST_TEST(!form_decode("%G1", &out));
  BOOST_TEST(!form_decode("%00", &out));
  BOOST_TEST(!form_decode("%FF", &out));
  BOOST_TEST(!form_decode("%C0%AF", &out));
}

BOOST_AUTO_TEST_CASE(url_encode_keeps_unreserved_only) {
  BOOST_TEST(url_encode("AZaz09-._~") == "AZaz09-._~");
  BOOST_TEST(url_encode("a b+c/d?e=f&g#h%") == "a%20b%2Bc%2Fd%3Fe%3Df%26g%23h%25");
  BOOST_TEST(url_encode("\xE2\x82\xAC") == "%E2%82%AC");
  BOOST_TEST(url_encode("") == "");
  // Round trip through form_decode.
  std::string raw = "p@ss:w\xC3\xB6rd +%&=", back;
  BOOST_TEST(form_decode(url_encode(raw), &back));
  BOOST_TEST(back == raw);
}

BOOST_AUTO_TEST_CASE(valid_utf8_cases) {
  BOOST_TEST(valid_utf8(""));
  BOOST_TEST(valid_utf8("plain ascii"));
  BOOST_TEST(valid_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));  // é € 😀
  BOOST_TEST(valid_utf8("\xF4\x8F\xBF\xBF"));                      // U+10FFFF
  BOOST_TEST(!valid_utf8("\xFF"));
  BOOST_TEST(!valid_utf8("\x80"));              // lone continuation
  BOOST_TEST(!valid_utf8("\xC0\xAF"));          // overlong
  BOOST_TEST(!valid_utf8("\xC1\xBF"));          // overlong
  BOOST_TEST(!valid_utf8("\xE0\x80\xAF"));      // overlong
  BOOST_TEST(!valid_utf8("\xF0\x80\x80\xAF"));  // overlong
  BOOST_TEST(!valid_utf8("\xED\xA0\x80"));      // surrogate
  BOOST_TEST(!valid_utf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  BOOST_TEST(!valid_utf8("\xE2\x82"));          // truncated
  BOOST_TEST(!valid_utf8("a\xC3"));             // truncated at end
  BOOST_TEST(!valid_utf8("\xC3\x28"));          // bad continuation
}

BOOST_AUTO_TEST_CASE(parse_basic_valid) {
  Result<BasicCredentials> c = parse_basic("Basic " + b64("my-app:s3cret-value"));
  BOOST_REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  BOOST_TEST(c->user == "my-app");
  BOOST_TEST(c->password == "s3cret-value");
  // Only the first colon separates; the secret may be empty in the header.
  c = parse_basic("Basic " + b64("id:"));
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->user == "id");
  BOOST_TEST(c->password == "");
}

BOOST_AUTO_TEST_CASE(parse_basic_keeps_the_raw_and_the_decoded_reading) {
  // Seed 003 sends the parts as they are; RFC 6749 2.3.1 form-encodes them.
  Result<BasicCredentials> c = parse_basic("Basic " + b64("a%3Ab:p%40ss%3Aword+x"));
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->user == "a%3Ab");
  BOOST_TEST(c->password == "p%40ss%3Aword+x");
  BOOST_REQUIRE(c->decoded_user.has_value());
  BOOST_TEST(*c->decoded_user == "a:b");
  BOOST_TEST(*c->decoded_password == "p@ss:word x");
  // Nothing to decode: one reading only.
  c = parse_basic("Basic " + b64("app:plain-secret"));
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(!c->decoded_user.has_value());
  // A raw reading that does not decode (or decodes to a NUL) has no second one.
  c = parse_basic("Basic " + b64("a%ZZ:x"));
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->user == "a%ZZ");
  BOOST_TEST(!c->decoded_user.has_value());
  c = parse_basic("Basic " + b64("a:%00"));
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(!c->decoded_user.has_value());
  // A NUL or invalid UTF-8 in the raw reading can match nothing: malformed.
  BOOST_TEST(parse_basic("Basic " + b64(std::string("a:b\0c", 5))).status().is_invalid());
  BOOST_TEST(parse_basic("Basic " + b64("a:\xC3")).status().is_invalid());
}

BOOST_AUTO_TEST_CASE(parse_basic_scheme_is_case_insensitive) {
  for (const char* scheme : {"basic ", "BASIC ", "bAsIc "}) {
    Result<BasicCredentials> c = parse_basic(scheme + b64("id:secret"));
    BOOST_TEST_CONTEXT("scheme " << scheme) {
      BOOST_REQUIRE(c.ok());
      BOOST_TEST(c->user == "id");
    }
  }
}

BOOST_AUTO_TEST_CASE(parse_basic_malformed_is_invalid) {
  BOOST_TEST(parse_basic("Basic !!!notbase64").status().is_invalid());
  BOOST_TEST(parse_basic("Basic aWQ6c2VjcmV0").ok());                  // "id:secret", for contrast
  BOOST_TEST(parse_basic("Basic aWQ6c2VjcmV").status().is_invalid());  // bad length
  BOOST_TEST(parse_basic("Basic " + b64("no-colon-here")).status().is_invalid());
  BOOST_TEST(parse_basic("Basic ").status().is_invalid());
  BOOST_TEST(parse_basic("Basic " + std::string(5000, 'A')).status().is_invalid());
}

BOOST_AUTO_TEST_CASE(parse_basic_absent_or_other_scheme_is_not_found) {
  BOOST_TEST(parse_basic("").status().is_not_found());
  BOOST_TEST(parse_basic("Bearer abc.def.ghi").status().is_not_found());
  BOOST_TEST(parse_basic("Digest username=x").status().is_not_found());
  BOOST_TEST(parse_basic("Basicx " + b64("a:b")).status().is_not_found());
}

BOOST_AUTO_TEST_CASE(parse_bearer_cases) {
  Result<std::string> t = parse_bearer("Bearer abc.DEF-_~+/=.x");
  BOOST_REQUIRE(t.ok());
  BOOST_TEST(*t == "abc.DEF-_~+/=.x");
  t = parse_bearer("bearer tok");
  BOOST_REQUIRE(t.ok());
  BOOST_TEST(*t == "tok");
  BOOST_TEST(parse_bearer("").status().is_not_found());
  BOOST_TEST(parse_bearer("Basic " + b64("a:b")).status().is_not_found());
  BOOST_TEST(parse_bearer("Bearer ").status().is_invalid());
  BOOST_TEST(parse_bearer("Bearer a b").status().is_invalid());
  BOOST_TEST(parse_bearer("Bearer a\"b").status().is_invalid());
  BOOST_TEST(parse_bearer("Bearer a,b").status().is_invalid());
  BOOST_TEST(parse_bearer("Bearer " + std::string(9000, 'a')).status().is_invalid());
}

BOOST_AUTO_TEST_CASE(cookie_value_cases) {
  std::string h = "theme=dark; sid=abc123; other=x=y";
  BOOST_TEST(cookie_value(h, "sid") == "abc123");
  BOOST_TEST(cookie_value(h, "theme") == "dark");
  BOOST_TEST(cookie_value(h, "other") == "x=y");
  BOOST_TEST(cookie_value(h, "missing") == "");
  BOOST_TEST(cookie_value(h, "si") == "");  // no prefix matches
  BOOST_TEST(cookie_value("xsid=1", "sid") == "");
  BOOST_TEST(cookie_value("", "sid") == "");
}

BOOST_AUTO_TEST_CASE(content_type_is_cases) {
  BOOST_TEST(content_type_is("application/json", "application/json"));
  BOOST_TEST(content_type_is("application/json; charset=utf-8", "application/json"));
  BOOST_TEST(content_type_is("Application/JSON;charset=UTF-8", "application/json"));
  BOOST_TEST(content_type_is("application/x-www-form-urlencoded ; charset=utf-8",
                             "application/x-www-form-urlencoded"));
  BOOST_TEST(!content_type_is("application/jsonx", "application/json"));
  BOOST_TEST(!content_type_is("application/jso", "application/json"));
  BOOST_TEST(!content_type_is("text/plain", "application/json"));
  BOOST_TEST(!content_type_is("", "application/json"));
}

BOOST_AUTO_TEST_CASE(response_serialize_cgi_form) {
  Response r;
  r.status = 404;
  r.set_header("Content-Type", "application/json");
  r.set_header("Cache-Control", "no-store");
  r.body = "{\"error\":\"not_found\"}";
  BOOST_TEST(r.serialize() ==
             "Status: 404 Not Found\r\nContent-Type: application/json\r\nCache-Control: "
             "no-store\r\n\r\n{\"error\":\"not_found\"}");
  Response ok;
  BOOST_TEST(ok.serialize() == "Status: 200 OK\r\n\r\n");
  Response tm;
  tm.status = 429;
  BOOST_TEST(tm.serialize().rfind("Status: 429 Too Many Requests\r\n", 0) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
