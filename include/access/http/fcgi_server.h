// The worker side of FastCGI: the FCGX_Accept_r loop.
//
// The listening socket is non-blocking and shared by every worker: each waits
// in poll() (one second at most, so a stop request is seen promptly), then
// calls FCGX_Accept_r; a worker that loses the race for a connection gets
// EAGAIN and goes back to poll. Each request is read into a Request (the body
// only when CONTENT_LENGTH is within kMaxBodyBytes), handed to `handle`, and
// the Response is written with one FCGX_PutStr (never FCGX_FPrintF, which
// drops %zu); the rest of the body is drained and the connection closed at
// once. The loop returns true after the request in hand when `stop` is set,
// and false (after logging why) when the listening socket is unusable
// (poll reports POLLERR, POLLHUP or POLLNVAL, or poll itself fails): the
// worker then exits with status 1 and the master respawns it, as libfcgi's
// own example loop ends on an accept error, instead of spinning.
#pragma once

#include <csignal>
#include <functional>

#include "access/http/http.h"

namespace access_service {

bool serve_fastcgi(int listen_fd, const std::function<Response(const Request&)>& handle,
                   const volatile sig_atomic_t& stop);

}  // namespace access_service
