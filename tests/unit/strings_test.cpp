// include/access/core/strings.h: the text helpers every layer shares.
#include "access/core/strings.h"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace access_service;

BOOST_AUTO_TEST_SUITE(strings)

// One escaper for the browser flow's HTML pages and the QR code's SVG.
BOOST_AUTO_TEST_CASE(html_escape_covers_text_and_attributes) {
  BOOST_TEST(html_escape("<a href=\"x\" title='y'>&</a>") ==
             "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  BOOST_TEST(html_escape("plain text, é, 日本") == "plain text, é, 日本");
  BOOST_TEST(html_escape("") == "");
  BOOST_TEST(html_escape("&amp;") == "&amp;amp;");  // escapes what it is given, once
}

BOOST_AUTO_TEST_CASE(valid_utf8_refuses_overlongs_and_surrogates) {
  BOOST_TEST(valid_utf8("ascii"));
  BOOST_TEST(valid_utf8("\xC3\xA9"));           // é
  BOOST_TEST(valid_utf8("\xF0\x9F\x94\x91"));   // U+1F511
  BOOST_TEST(!valid_utf8("\xC0\xAF"));          // overlong '/'
  BOOST_TEST(!valid_utf8("\xED\xA0\x80"));      // a surrogate
  BOOST_TEST(!valid_utf8("\xC3"));              // cut short
  BOOST_TEST(!valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
}

BOOST_AUTO_TEST_CASE(url_encode_leaves_unreserved_characters) {
  BOOST_TEST(url_encode("aZ09-._~") == "aZ09-._~");
  BOOST_TEST(url_encode("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9");
}

BOOST_AUTO_TEST_SUITE_END()
