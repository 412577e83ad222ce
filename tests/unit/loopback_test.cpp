// include/access/core/loopback.h: the one loopback rule that the issuer check,
// server.listen, redirect URI validation and redirect URI matching share.
#include "access/core/loopback.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "access/oauth/client_rules.h"

using namespace access_service;

BOOST_AUTO_TEST_SUITE(loopback)

BOOST_AUTO_TEST_CASE(exactly_three_hosts_are_loopback) {
  for (const char* h : {"127.0.0.1", "localhost", "[::1]"}) BOOST_TEST(is_loopback_host(h), h);
  for (const char* h : {"", "127.0.0.2", "127.0.0.1.nip.io", "localhost.example.com", "::1", "[::1",
                        "LOCALHOST", "0.0.0.0", "127.1", "[0:0:0:0:0:0:0:1]"})
    BOOST_TEST(!is_loopback_host(h), h);
}

BOOST_AUTO_TEST_CASE(split_drops_the_port_and_keeps_path_and_query) {
  std::string origin, rest;
  BOOST_TEST(split_loopback_http("http://127.0.0.1:8080/cb?x=1", &origin, &rest));
  BOOST_TEST(origin == "http://127.0.0.1");
  BOOST_TEST(rest == "/cb?x=1");
  BOOST_TEST(split_loopback_http("http://[::1]", &origin, &rest));
  BOOST_TEST(origin == "http://[::1]");
  BOOST_TEST(rest == "");
  BOOST_TEST(split_loopback_http("http://localhost?q", &origin, &rest));
  BOOST_TEST(rest == "?q");
}

BOOST_AUTO_TEST_CASE(split_refuses_what_only_looks_like_loopback) {
  for (const char* uri :
       {"https://127.0.0.1/cb", "http://127.0.0.1.evil.example/cb", "http://localhost.evil.example",
        "http://127.0.0.1:/cb", "http://127.0.0.1:80x/cb", "http://localhost@evil.example/",
        "http://127.0.0.2/cb", "HTTP://127.0.0.1/cb", "127.0.0.1/cb", ""}) {
    std::string origin = "unchanged", rest = "unchanged";
    BOOST_TEST(!split_loopback_http(uri, &origin, &rest), uri);
    BOOST_TEST(origin == "unchanged");
    BOOST_TEST(rest == "unchanged");
  }
}

// The rule as the client rules apply it: http redirect URIs only on the
// three hosts (the host compared case-insensitively there).
BOOST_AUTO_TEST_CASE(client_rules_use_the_same_hosts) {
  BOOST_TEST(valid_redirect_uri("http://127.0.0.1:4000/cb"));
  BOOST_TEST(valid_redirect_uri("http://LOCALHOST/cb"));
  BOOST_TEST(valid_redirect_uri("http://[::1]:9/cb"));
  BOOST_TEST(!valid_redirect_uri("http://127.0.0.2/cb"));
  BOOST_TEST(!valid_redirect_uri("http://localhost.example.com/cb"));
}

BOOST_AUTO_TEST_SUITE_END()
