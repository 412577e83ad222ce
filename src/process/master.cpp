#include "access/process/master.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <map>

#include "access/core/files.h"
#include "access/core/log.h"
#include "access/core/loopback.h"
#include "access/core/metrics.h"
#include "access/core/strings.h"
#include "access/crypto/key_mirror.h"
#include "access/crypto/key_ring.h"
#include "access/crypto/signer.h"
#include "access/oauth/audit.h"
#include "access/process/purge.h"
#include "access/process/worker.h"

namespace access_service {

Result<gid_t> socket_group_id(const Config& c) {
  errno = 0;
  group* g = getgrnam(c.socket_group.c_str());
  if (!g)
    return Status::Invalid("server.socket_group: no group named " + c.socket_group +
                           (errno ? std::string(": ") + strerror(errno) : std::string()));
  return g->gr_gid;
}

namespace {

Result<int> bind_unix(const Config& c) {
  std::string path = c.listen_unix_path();
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return Status::Invalid("server.listen: " + path + " exists and is not a socket");
    unlink(path.c_str());  // stale socket of a previous run
  }
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) close(fd);
    return Status::Unavailable("server.listen: cannot bind " + path + ": " + strerror(errno));
  }
  // Born owner-only (run_master's umask), then given its group, then opened
  // to that group: no moment where a wider set of users can connect. An
  // unprivileged master may only chgrp to a group it is in or to the group
  // the socket already has: in production /run/access-service is setgid
  // www-data (systemd/access-service.tmpfiles), so the socket is born in
  // nginx's group and the service needs no supplementary group.
  Status done = Status::Ok();
  if (!c.socket_group.empty()) {
    Result<gid_t> gid = socket_group_id(c);
    if (!gid.ok())
      done = gid.status();
    else if (chown(path.c_str(), static_cast<uid_t>(-1), *gid) != 0)
      done = Status::Unavailable("server.socket_group: cannot give " + path + " to group " +
                                 c.socket_group + ": " + strerror(errno) +
                                 " (make its directory setgid to that group)");
  }
  if (done.ok() && chmod(path.c_str(), static_cast<mode_t>(c.socket_mode)) != 0)
    done = Status::Unavailable("server.socket_mode: cannot chmod " + path + ": " + strerror(errno));
  if (!done.ok()) {
    close(fd);
    unlink(path.c_str());
    return done;
  }
  return fd;
}

Result<int> bind_tcp(const Config& c) {
  sockaddr_storage addr;
  socklen_t len = 0;
  if (!loopback_socket_address(c.listen, &addr, &len))
    return Status::Invalid("server.listen: not a loopback host:port: " + c.listen);
  int fd = socket(addr.ss_family, SOCK_STREAM, 0);
  int one = 1;
  if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    const int err = errno;
    if (fd >= 0) close(fd);
    return Status::Unavailable("server.listen: cannot bind " + c.listen + ": " + strerror(err));
  }
  return fd;
}

Result<int> open_listener(const Config& c) {
  Result<int> fd = c.listen_is_unix() ? bind_unix(c) : bind_tcp(c);
  if (!fd.ok()) return fd;
  if (listen(*fd, c.backlog) != 0) return Status::Unavailable("listen failed");
  fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) | O_NONBLOCK);  // see fcgi_server.h
  return fd;
}

int worker_count(const Config& c) {
  if (c.workers > 0) return c.workers;
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

class Supervisor {
 public:
  Supervisor(Config config, int listen_fd, const MetricsRegion& metrics)
      : config_(std::move(config)), fd_(listen_fd), metrics_(metrics) {
    metrics_.claim(0);
    master_metrics_ = MetricsWriter(metrics_, 0);
    master_metrics_.set(Gauge::kStartTime, std::time(nullptr));
  }

  int run() {
    for (int i = 0; i < worker_count(config_); ++i) spawn();
    log_info("access-service started: " + std::to_string(workers_.size()) + " workers on " +
             config_.listen);
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&set, s);
    timespec tick{1, 0};
    time_t next_purge = std::time(nullptr) + config_.purge_interval_seconds;
    keys_loaded_at_ = std::time(nullptr);
    for (;;) {
      int sig = sigtimedwait(&set, nullptr, &tick);
      if (sig == SIGTERM || sig == SIGINT) return stop();
      if (sig == SIGHUP) reload();
      reap();
      tend_keys();
      if (config_.purge_interval_seconds > 0 && purger_ == 0 && std::time(nullptr) >= next_purge) {
        spawn_purger();
        next_purge = std::time(nullptr) + config_.purge_interval_seconds;
      }
    }
  }

 private:
  // The lowest metrics slot no live worker holds (slot 0 is the master's).
  // A replacement takes the slot of the worker it replaces, whose counts it
  // continues; only if every slot were held would two workers share one
  // (and then lose some increments to each other).
  int free_slot() const {
    for (int i = 1; i < kMetricsSlots; ++i) {
      bool held = false;
      for (const auto& s : slots_) held = held || s.second == i;
      if (!held) return i;
    }
    return kMetricsSlots - 1;
  }

  void spawn() {
    const int slot = free_slot();
    metrics_.claim(slot);
    pid_t pid = fork();
    if (pid == 0) run_worker(config_, fd_, metrics_, slot);
    if (pid < 0) {
      log_error("fork failed");
      return;
    }
    workers_[pid] = std::time(nullptr);
    slots_[pid] = slot;
    master_metrics_.set(Gauge::kWorkers, static_cast<int64_t>(workers_.size()));
  }

  // A short-lived child with its own database connection (opened after
  // fork), so purging never runs inside a worker's request.
  void spawn_purger() {
    pid_t pid = fork();
    if (pid == 0) {
      signal(SIGTERM, SIG_DFL);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      auto store = open_store(config_);
      if (!store.ok()) std::_Exit(2);
      auto report = purge_expired(config_, **store, std::time(nullptr), "access-service");
      if (!report.ok()) {
        log_warn("purge: " + report.status().ToString());
        std::_Exit(1);
      }
      for (const auto& e : report->events) log_audit(e, "");
      if (report->rows || report->keys || report->audit_events)
        log_info("purge: removed " + std::to_string(report->rows) + " expired rows, " +
                 std::to_string(report->audit_events) + " audit events past retention and " +
                 std::to_string(report->keys) + " expired keys");
      std::_Exit(0);
    }
    if (pid > 0) purger_ = pid;
  }

  void reap() {
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid == purger_) {  // expired keys may be gone: publish the rest
        purger_ = 0;
        Status st = write_jwks_file(config_);
        if (!st.ok()) log_error("after purge: " + st.ToString());
        continue;
      }
      slots_.erase(pid);
      if (retiring_.erase(pid)) continue;
      auto it = workers_.find(pid);
      if (it == workers_.end()) continue;
      bool young = std::time(nullptr) - it->second < 1;
      workers_.erase(it);
      master_metrics_.add(Counter::kWorkerRespawns);
      log_warn("worker " + std::to_string(pid) + " exited (" +
               (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                    : "status " + std::to_string(WEXITSTATUS(status))) +
               "); respawning");
      if (young) sleep(1);
      spawn();
    }
  }

  // Once a second, from file names and sidecars alone (key_ring.h): the
  // scheduled rotation (keys.rotate_every_days), published at once, and the
  // switch of the workers to a key whose signs-from time has come.
  void tend_keys() {
    const long long now = std::time(nullptr);
    Result<KeySchedule> due =
        key_schedule(config_.key_dir, keys_loaded_at_, now, config_.rotate_every_days);
    if (!due.ok()) return;  // the key directory is checked at every load
    if (due->rotation_due && now >= next_rotation_try_) {
      Result<std::string> key = scheduled_rotation(now);
      Status st = key.ok() ? write_jwks_file(config_) : key.status();
      if (st.ok() && key->empty()) {
        log_info("keys.rotate_every_days: another host rotated; its new key is published here");
      } else if (st.ok()) {
        log_info("keys.rotate_every_days: new key " + *key + " published; it signs after " +
                 std::to_string(config_.publish_ahead_seconds) + " s (keys.publish_ahead_seconds)");
        record_rotation(*key, now);
      } else {
        log_error("keys.rotate_every_days: rotation failed, next try in an hour: " + st.message());
        next_rotation_try_ = now + 3600;
      }
    }
    if (due->switch_due) {
      keys_loaded_at_ = now;
      Status st = write_jwks_file(config_);
      if (!st.ok()) log_error("key switch: " + st.message());
      log_info("a new signing key's time has come: replacing the workers");
      replace_workers();
    }
  }

  // The key.rotated event of the scheduled rotation that made `file`.
  void record_rotation(const std::string& file, long long now) {
    auto keys = list_keys(config_.key_dir, now);
    if (!keys.ok()) return;
    for (const auto& k : *keys) {
      if (k.file != file) continue;
      AuditEvent e = new_audit_event("key.rotated");
      e.actor = "access-service";
      set_details(&e, {{"kid", k.kid}, {"alg", k.alg}, {"reason", "keys.rotate_every_days"}});
      Status st = record_offline(config_, {e});
      if (!st.ok()) {
        log_warn("audit event key.rotated not stored: " + st.ToString());
        log_audit(e, "");
      }
    }
  }

  // keys.rotate_every_days. With PostgreSQL every host keeps the same
  // schedule: the rotation runs on the database's keys, and is asked again
  // after pulling them, so a host that comes second finds the first one's
  // new key and makes none ("" then).
  Result<std::string> scheduled_rotation(long long now) {
    const Config& c = config_;
    if (!c.postgresql()) return rotate_key(c.key_dir, c.algorithm, now, c.publish_ahead_seconds);
    auto store = open_store(c);
    if (!store.ok()) return store.status();
    Result<std::string> key = std::string();
    Status st = change_keys(c, **store, [&]() -> Status {
      Result<KeySchedule> due = key_schedule(c.key_dir, keys_loaded_at_, now, c.rotate_every_days);
      if (!due.ok()) return due.status();
      if (!due->rotation_due) return Status::Ok();
      key = rotate_key(c.key_dir, c.algorithm, now, c.publish_ahead_seconds);
      return key.status();
    });
    if (!st.ok()) return st;
    return key;
  }

  void reload() {
    Result<Config> fresh = load_config(config_.path);
    if (!fresh.ok()) {
      log_error("reload refused, keeping the running config: " + config_.path + ": " +
                fresh.status().message());
      return;
    }
    if (fresh->listen != config_.listen) log_warn("server.listen changes need a restart; ignored");
    fresh->listen = config_.listen;
    Status st = check_store_schema(*fresh);
    if (st.ok()) st = write_jwks_file(*fresh);
    if (!st.ok()) {
      log_error("reload refused: " + st.ToString());
      return;
    }
    config_ = *fresh;
    keys_loaded_at_ = std::time(nullptr);
    set_log_level(config_.log_level);
    set_log_format(config_.log_format);
    replace_workers();
    master_metrics_.add(Counter::kReloads);
    log_info("reloaded: " + std::to_string(workers_.size()) + " workers");
  }

  // A new worker is started before an old one is told to stop.
  void replace_workers() {
    std::map<pid_t, time_t> old;
    old.swap(workers_);
    for (const auto& w : old) {
      spawn();
      kill(w.first, SIGTERM);
      retiring_[w.first] = w.second;
    }
    while (static_cast<int>(workers_.size()) < worker_count(config_)) spawn();
  }

  int stop() {
    for (const auto& w : workers_) kill(w.first, SIGTERM);
    for (const auto& w : retiring_) kill(w.first, SIGTERM);
    if (purger_) kill(purger_, SIGTERM);
    time_t deadline = std::time(nullptr) + 30;
    while ((!workers_.empty() || !retiring_.empty()) && std::time(nullptr) < deadline) {
      int status = 0;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid > 0) {
        workers_.erase(pid);
        retiring_.erase(pid);
      } else {
        usleep(20000);
      }
    }
    for (const auto& w : workers_) kill(w.first, SIGKILL);
    for (const auto& w : retiring_) kill(w.first, SIGKILL);
    while (waitpid(-1, nullptr, 0) > 0) {
    }
    if (config_.listen_is_unix()) unlink(config_.listen_unix_path().c_str());
    log_info("access-service stopped");
    return 0;
  }

  Config config_;
  int fd_;
  const MetricsRegion& metrics_;
  MetricsWriter master_metrics_;
  std::map<pid_t, int> slots_;        // live worker pid -> its metrics slot
  std::map<pid_t, time_t> workers_;   // pid -> start time
  std::map<pid_t, time_t> retiring_;  // asked to stop on reload; not respawned
  pid_t purger_ = 0;
  long long keys_loaded_at_ = 0;     // when the workers last loaded the keys
  long long next_rotation_try_ = 0;  // after a failed scheduled rotation
};

}  // namespace

// With a shared store (key_mirror.h): bring this host's key directory up to
// date and run `mark` on it, recording retirement times for every host. The
// connection is closed before any fork. An unreachable database is not
// fatal: the directory holds the last copy.
Status prepare_shared_store(const Config& config, const std::function<Status()>& mark) {
  auto store = open_store(config);
  if (!store.ok()) return store.status();
  Status st = change_keys(config, **store, mark);
  if (st.is_unavailable()) {
    log_warn("keys: " + st.message() + "; using this host's copy of the key directory");
    return Status::Ok();
  }
  return st;
}

Status check_store_schema(const Config& config) {
  auto store = open_store(config);
  if (!store.ok()) return store.status();
  Status st = check_schema(**store, /*create_if_empty=*/false);
  // PostgreSQL: a database that does not answer yet is not a reason to stay
  // down; the workers answer 503 until it does (pg_conn.h).
  if (st.is_unavailable() && config.postgresql()) {
    log_warn("starting without the database: " + st.message());
    return Status::Ok();
  }
  return st;
}

Status write_jwks_file(const Config& config) {
  // The workers about to start sign with the newest key: every older one
  // stops signing now, if it had not before (on one host of several, the
  // first to see it).
  std::vector<std::string> retired;
  auto mark = [&]() -> Status {
    Result<std::vector<std::string>> kids = mark_retired_keys(config.key_dir, std::time(nullptr));
    if (!kids.ok()) return kids.status();
    retired = std::move(*kids);
    return Status::Ok();
  };
  Status st = config.postgresql() ? prepare_shared_store(config, mark) : mark();
  if (!st.ok()) return st;
  auto signer = TokenSigner::load(config.key_dir);
  if (!signer.ok()) return signer.status();
  st = write_file_atomic(config.jwks_file, (*signer)->jwks_json(), 0644);
  if (!st.ok() || retired.empty()) return st;
  // A key that had not signed before does now (key.activated). An audit
  // row the database cannot take is logged, and the start or reload goes on.
  AuditEvent e = new_audit_event("key.activated");
  e.actor = "access-service";
  set_details(
      &e,
      {{"kid", (*signer)->active().kid}, {"alg", (*signer)->active().alg}, {"replaces", retired}});
  Status recorded = record_offline(config, {e});
  if (!recorded.ok()) {
    log_warn("audit event key.activated not stored: " + recorded.ToString());
    log_audit(e, "");
  }
  return Status::Ok();
}

int run_master(const Config& config) {
  set_log_level(config.log_level);
  set_log_format(config.log_format);
  // Whatever the umask of whoever started us: the database (and the -wal and
  // -shm files SQLite gives the same mode), logs and the socket are born
  // owner-only; files meant for others get an explicit mode (the JWKS 0644,
  // the socket server.socket_mode).
  umask(077);
  // Block the signals we wait for before any child exists, so none is lost.
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&set, s);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Refuse to start on a schema this build does not serve (store.h
  // check_schema) rather than fork workers that would die one by one. The
  // connection is closed before any fork.
  Status st = check_store_schema(config);
  if (!st.ok()) {
    log_error(st.message());
    return 1;
  }
  st = write_jwks_file(config);
  if (!st.ok()) {
    log_error(st.message());
    return 1;
  }
  Result<int> fd = open_listener(config);
  if (!fd.ok()) {
    log_error(fd.status().message());
    return 1;
  }
  // Mapped before any fork, so every worker shares it (metrics.h).
  Result<std::unique_ptr<MetricsRegion>> metrics = MetricsRegion::create();
  if (!metrics.ok()) {
    log_error(metrics.status().message());
    return 1;
  }
  return Supervisor(config, *fd, **metrics).run();
}

}  // namespace access_service
