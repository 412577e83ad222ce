// Group commit for SQLite's write-ahead log (store.synchronous: FULL),
// across every process that writes one database. Private to the SQLite
// store.
//
// The connection commits with synchronous=NORMAL (no sync while it holds
// the write lock); before the caller may answer, its commit must be on disk.
// One fsync of the WAL covers every commit whose frames were written before
// that fsync started, whoever wrote them. So, as PostgreSQL's XLogFlush
// does with its flushed-up-to pointer:
//
//   1. after a write that ended a transaction, committed() takes a ticket:
//      the next value of a shared commit counter. The counter moves only
//      after the frames are written, so a ticket <= N means "written before
//      the counter reached N";
//   2. make_durable(ticket, fsync) returns at once when the shared "synced
//      up to" value has reached the ticket (another process's fsync, begun
//      after this commit was written, covered it); otherwise it queues on an
//      flock of the shared state, checks again (the previous holder's fsync
//      may have covered it meanwhile), reads the counter as its target,
//      runs `fsync`, and publishes the target as synced.
//
// While one process syncs, the commits of the others pile up behind the
// flock, and the next holder's single fsync makes them all durable: under
// load the number of fsyncs per commit falls below one, with no timer and no
// added latency when the server is idle. Nothing is acknowledged before its
// frames are on disk.
//
// The shared state is a POSIX shared memory object named after the
// database file's device and inode (/dev/shm, so it does not outlive a
// reboot: a counter that survived a crash could claim syncs that were
// lost). Processes that cannot open it (another user, no /dev/shm) sync
// every commit themselves, which stays correct: any fsync of the file
// covers what was written before it, whichever counters were used.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "access/core/status.h"

namespace access_service {

class WalSync {
 public:
  // The shared state of the database file at `db_path` (which must exist),
  // created zeroed by the first opener. nullptr when it cannot be opened:
  // the caller then syncs every commit.
  static std::unique_ptr<WalSync> open(const std::string& db_path);
  ~WalSync();
  WalSync(const WalSync&) = delete;
  WalSync& operator=(const WalSync&) = delete;

  // Call right after a write that ended a transaction succeeded.
  uint64_t committed();
  // Makes the commit of `ticket` durable, running `fsync` only when no
  // other sync has covered it. *synced tells whether this call ran it.
  // The status of `fsync` (or kUnavailable when the lock fails).
  Status make_durable(uint64_t ticket, const std::function<Status()>& fsync, bool* synced);

 private:
  struct Shared {
    std::atomic<uint64_t> committed;  // tickets handed out
    std::atomic<uint64_t> synced;     // every ticket <= this is on disk
  };
  WalSync(int fd, Shared* shared) : fd_(fd), shared_(shared) {}
  int fd_;
  Shared* shared_;
};

}  // namespace access_service
