#include "access/process/worker.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

#include "access/core/log.h"
#include "access/http/fcgi_server.h"
#include "access/http/request_log.h"

namespace access_service {
namespace {

volatile sig_atomic_t g_stop = 0;

void on_stop(int) { g_stop = 1; }

void install_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop;  // no SA_RESTART: poll() returns EINTR at once
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGINT, SIG_IGN);  // Ctrl-C reaches the master, which stops us in order
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);  // nginx hung up: the write fails, the worker lives
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // If the master dies (even by SIGKILL) the workers follow it.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
}

}  // namespace

void run_worker(const Config& config, int listen_fd, const MetricsRegion& metrics, int slot) {
  install_signals();
  if (getppid() == 1) std::_Exit(0);  // master already gone
  auto ctx = open_context(config);
  if (!ctx.ok()) {
    log_error("worker cannot start: " + ctx.status().ToString());
    std::_Exit(2);
  }
  Context& c = **ctx;
  c.metrics = MetricsWriter(metrics, slot);
  c.metrics_region = &metrics;
  bool clean = serve_fastcgi(
      listen_fd, [&c](const Request& req) { return serve_request(c, req); }, g_stop);
  ctx.value().reset();  // close the database cleanly
  std::_Exit(clean ? 0 : 1);
}

}  // namespace access_service
