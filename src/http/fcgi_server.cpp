#include "access/http/fcgi_server.h"

#include <fcgiapp.h>
#include <poll.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "access/core/log.h"

namespace access_service {
namespace {

std::string param(const FCGX_Request& r, const char* name) {
  const char* v = FCGX_GetParam(name, r.envp);
  return v ? v : "";
}

Request read_request(FCGX_Request& r) {
  Request req;
  req.method = param(r, "REQUEST_METHOD");
  req.path = param(r, "DOCUMENT_URI");
  req.query = param(r, "QUERY_STRING");
  req.content_type = param(r, "CONTENT_TYPE");
  req.authorization = param(r, "HTTP_AUTHORIZATION");
  req.cookie = param(r, "HTTP_COOKIE");
  req.origin = param(r, "HTTP_ORIGIN");
  req.csrf_token = param(r, "HTTP_X_CSRF_TOKEN");
  req.remote_addr = param(r, "REMOTE_ADDR");
  req.user_agent = param(r, "HTTP_USER_AGENT");
  req.request_id = param(r, "REQUEST_ID");
  req.https = param(r, "HTTPS") == "on";
  std::string length = param(r, "CONTENT_LENGTH");
  unsigned long long n = 0;
  if (!length.empty() && length.size() <= 19 &&
      length.find_first_not_of("0123456789") == std::string::npos)
    n = std::strtoull(length.c_str(), nullptr, 10);
  else if (!length.empty())
    req.body_too_large = true;  // unparseable length: refuse rather than guess
  if (n > kMaxBodyBytes) {
    req.body_too_large = true;
  } else if (n > 0) {
    req.body.resize(n);
    int got = FCGX_GetStr(&req.body[0], static_cast<int>(n), r.in);
    req.body.resize(got > 0 ? got : 0);
  }
  return req;
}

}  // namespace

bool serve_fastcgi(int listen_fd, const std::function<Response(const Request&)>& handle,
                   const volatile sig_atomic_t& stop) {
  FCGX_Init();
  FCGX_Request r;
  FCGX_InitRequest(&r, listen_fd, 0);
  bool usable = true;
  while (!stop) {
    pollfd pfd{listen_fd, POLLIN, 0};
    int n = poll(&pfd, 1, 1000);
    if (n < 0 && errno != EINTR) {
      log_error(std::string("listen socket: poll failed: ") + strerror(errno) + "; worker exits");
      usable = false;
      break;
    }
    if (n <= 0) continue;  // timeout or EINTR: re-check `stop`
    if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) {
      log_error("listen socket unusable (poll revents " + std::to_string(pfd.revents) +
                "); worker exits");
      usable = false;
      break;
    }
    if (FCGX_Accept_r(&r) < 0) continue;  // another worker took it (EAGAIN)
    std::string out = handle(read_request(r)).serialize();
    FCGX_PutStr(out.data(), static_cast<int>(out.size()), r.out);
    // Read what is left of the body (at most nginx's 64 KiB), so that closing
    // cannot reset the connection, then close without libfcgi's shutdown +
    // wait-for-peer-close, which idled the worker for every request.
    char drain[4096];
    while (FCGX_GetStr(drain, sizeof drain, r.in) > 0) {
    }
    r.detached = 1;
    FCGX_Finish_r(&r);
  }
  FCGX_Free(&r, 1);
  return usable;
}

}  // namespace access_service
