// The accept loop of include/access/http/fcgi_server.h ends (false) when its
// listening socket is unusable, instead of spinning; it never calls the
// handler for such a socket.
#include "access/http/fcgi_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>

#include "access/core/log.h"
#include "test_util.h"

using namespace access_service;

namespace {

struct Outcome {
  bool returned_true = true;
  int handled = 0;
  double seconds = 0;
  std::string log;  // what the loop logged
};

// `log` is made by the caller before the descriptor under test: the capture
// file must not take the number of a descriptor the test closed.
Outcome serve_on(int fd, testing::CaptureStderr& log) {
  set_log_level("error");
  volatile sig_atomic_t stop = 0;
  Outcome o;
  auto start = std::chrono::steady_clock::now();
  o.returned_true = serve_fastcgi(
      fd,
      [&o](const Request&) {
        ++o.handled;
        return Response();
      },
      stop);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  o.log = log.text();
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fcgi_server)

BOOST_AUTO_TEST_CASE(a_closed_descriptor_ends_the_loop) {
  testing::CaptureStderr log;
  int fd = open("/dev/null", O_RDONLY);
  BOOST_REQUIRE(fd >= 0);
  close(fd);  // poll now reports POLLNVAL for it
  Outcome o = serve_on(fd, log);
  BOOST_TEST(!o.returned_true);
  BOOST_TEST(o.handled == 0);
  BOOST_TEST(o.seconds < 0.5);  // at once, not after a poll timeout
  BOOST_TEST(o.log.find("listen socket unusable") != std::string::npos, o.log);
}

BOOST_AUTO_TEST_CASE(a_hung_up_socket_ends_the_loop) {
  int sv[2];
  BOOST_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  close(sv[1]);  // the peer is gone: POLLHUP
  testing::CaptureStderr log;
  Outcome o = serve_on(sv[0], log);
  close(sv[0]);
  BOOST_TEST(!o.returned_true);
  BOOST_TEST(o.handled == 0);
  BOOST_TEST(o.log.find("worker exits") != std::string::npos, o.log);
}

BOOST_AUTO_TEST_CASE(a_stop_request_ends_the_loop_cleanly) {
  int sv[2];
  BOOST_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  volatile sig_atomic_t stop = 1;
  bool clean = serve_fastcgi(
      sv[0], [](const Request&) { return Response(); }, stop);
  close(sv[0]);
  close(sv[1]);
  BOOST_TEST(clean);
}

BOOST_AUTO_TEST_SUITE_END()
