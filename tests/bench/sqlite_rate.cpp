// sqlite_rate: durable one-row write transactions per second on this disk, a
// reference of `make bench` for the scenarios that commit (each grant commits
// once, with an fsync of the WAL under synchronous=FULL): it shows the fsync
// latency of the disk at the moment of the run, which varies a lot on shared
// virtual disks.
//
//   sqlite_rate --dir DIR [--seconds S]
//
// Creates DIR/sqlite_rate.db with the service's settings (WAL,
// synchronous=FULL), sizes its WAL, runs BEGIN IMMEDIATE; INSERT one row; COMMIT in a loop
// for S seconds (default 3) on one connection, removes the files, and prints
// one line parseable by tests/bench/run.sh:
//
//   sqlite WAL synchronous=FULL txns=800 seconds=3.00 txns_per_s=266.7
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

bool exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) == SQLITE_OK) return true;
  std::fprintf(stderr, "sqlite_rate: %s: %s\n", sql, err ? err : "?");
  sqlite3_free(err);
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  double seconds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atof(argv[i + 1]);
  }
  if (dir.empty() || seconds <= 0) {
    std::fprintf(stderr, "usage: sqlite_rate --dir DIR [--seconds S]\n");
    return 2;
  }
  const std::string path = dir + "/sqlite_rate.db";
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite_rate: cannot open %s\n", path.c_str());
    return 1;
  }
  // Steady state, as in a running service: the WAL file already has its size
  // (8 MiB written once, then checkpointed), so that commits overwrite its
  // blocks instead of growing the file, which would cost a journal commit of
  // the file system at every fsync.
  bool ok = exec(db, "PRAGMA journal_mode=WAL") && exec(db, "PRAGMA synchronous=FULL") &&
            exec(db, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB)") &&
            exec(db, "INSERT INTO t (v) VALUES (zeroblob(8 * 1024 * 1024))") &&
            exec(db, "DELETE FROM t") && exec(db, "PRAGMA wal_checkpoint(PASSIVE)");
  sqlite3_stmt* insert = nullptr;
  ok = ok && sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES (randomblob(64))", -1, &insert,
                                nullptr) == SQLITE_OK;
  long txns = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (ok && elapsed < seconds) {
    ok = exec(db, "BEGIN IMMEDIATE") && sqlite3_step(insert) == SQLITE_DONE &&
         sqlite3_reset(insert) == SQLITE_OK && exec(db, "COMMIT");
    ++txns;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  sqlite3_finalize(insert);
  sqlite3_close(db);
  for (const char* suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
  if (!ok) return 1;
  std::printf("sqlite WAL synchronous=FULL txns=%ld seconds=%.2f txns_per_s=%.1f\n", txns, elapsed,
              txns / elapsed);
  return 0;
}
