// include/access/core/loopback.h: the one loopback rule that the issuer check,
// server.listen, redirect URI validation and redirect URI matching share.
#include "access/core/loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>

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

BOOST_AUTO_TEST_SUITE(loopback_socket)

// server.listen's TCP form, as the master binds it and `accessctl restore`
// connects to it.
BOOST_AUTO_TEST_CASE(address_of_each_loopback_form) {
  sockaddr_storage addr;
  socklen_t len = 0;
  BOOST_REQUIRE(loopback_socket_address("127.0.0.1:9000", &addr, &len));
  BOOST_TEST(addr.ss_family == AF_INET);
  BOOST_TEST(len == sizeof(sockaddr_in));
  const auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr);
  BOOST_TEST(ntohs(v4->sin_port) == 9000);
  BOOST_TEST(ntohl(v4->sin_addr.s_addr) == INADDR_LOOPBACK);
  BOOST_REQUIRE(loopback_socket_address("localhost:1", &addr, &len));
  BOOST_TEST(addr.ss_family == AF_INET);
  BOOST_REQUIRE(loopback_socket_address("[::1]:65535", &addr, &len));
  BOOST_TEST(addr.ss_family == AF_INET6);
  BOOST_TEST(len == sizeof(sockaddr_in6));
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr);
  BOOST_TEST(ntohs(v6->sin6_port) == 65535);
  BOOST_TEST(IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr));
}

BOOST_AUTO_TEST_CASE(anything_else_is_refused) {
  sockaddr_storage addr;
  socklen_t len = 0;
  for (const char* bad : {"0.0.0.0:9000", ":9000", "9000", "127.0.0.1:", "127.0.0.1:0",
                          "127.0.0.1:65536", "127.0.0.1:90x", "127.0.0.1:+90", "::1:9000",
                          "10.0.0.1:9000", "unix:/run/x.sock", "127.0.0.1:000009000"})
    BOOST_TEST(!loopback_socket_address(bad, &addr, &len), bad);
}

BOOST_AUTO_TEST_SUITE_END()
