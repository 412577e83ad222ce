// The accept loop of include/access/fcgi_server.h ends (false) when its
// listening socket is unusable, instead of spinning; it never calls the
// handler for such a socket.
#include "access/fcgi_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>

#include "access/log.h"

using namespace access_service;

namespace {

struct Outcome {
  bool returned_true = true;
  int handled = 0;
  double seconds = 0;
};

Outcome serve_on(int fd) {
  set_log_level("error");
  volatile sig_atomic_t stop = 0;
  Outcome o;
  auto start = std::chrono::steady_clock::now();
  o.returned_true = serve_fastcgi(fd, [&o](const Request&) { ++o.handled; return Response(); }, stop);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fcgi_server)

BOOST_AUTO_TEST_CASE(a_closed_descriptor_ends_the_loop) {
  int fd = open("/dev/null", O_RDONLY);
  BOOST_REQUIRE(fd >= 0);
  close(fd);  // poll now reports POLLNVAL for it
  Outcome o = serve_on(fd);
  BOOST_TEST(!o.returned_true);
  BOOST_TEST(o.handled == 0);
  BOOST_TEST(o.seconds < 0.5);  // at once, not after a poll timeout
}

BOOST_AUTO_TEST_CASE(a_hung_up_socket_ends_the_loop) {
  int sv[2];
  BOOST_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  close(sv[1]);  // the peer is gone: POLLHUP
  Outcome o = serve_on(sv[0]);
  close(sv[0]);
  BOOST_TEST(!o.returned_true);
  BOOST_TEST(o.handled == 0);
}

BOOST_AUTO_TEST_CASE(a_stop_request_ends_the_loop_cleanly) {
  int sv[2];
  BOOST_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  volatile sig_atomic_t stop = 1;
  bool clean = serve_fastcgi(sv[0], [](const Request&) { return Response(); }, stop);
  close(sv[0]);
  close(sv[1]);
  BOOST_TEST(clean);
}

BOOST_AUTO_TEST_SUITE_END()
