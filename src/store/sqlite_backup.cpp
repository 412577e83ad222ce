// SqliteStore::backup_to (sqlite_store.h): SQLite's online backup API into a
// new file, then PRAGMA quick_check of the copy.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "access/core/strings.h"
#include "sqlite_store.h"

namespace access_service {
namespace sqlite {
namespace {

Status quick_check(sqlite3* db) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &raw, nullptr) != SQLITE_OK)
    return from_rc(sqlite3_errcode(db), db);
  std::unique_ptr<sqlite3_stmt, StmtFinalizer> st(raw);
  if (sqlite3_step(st.get()) != SQLITE_ROW) return from_rc(sqlite3_errcode(db), db);
  const unsigned char* r = sqlite3_column_text(st.get(), 0);
  std::string result = r ? reinterpret_cast<const char*>(r) : "";
  return result == "ok" ? Status::Ok() : Status::Internal("the copy fails its check: " + result);
}

}  // namespace

// The whole database in one backup step: one read transaction, so the copy
// is one snapshot and writers (WAL) go on meanwhile.
Status SqliteStore::backup_to(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::Conflict(path + ": exists");
    return Status::Unavailable(path + ": cannot create: " + os_reason(errno));
  }
  ::close(fd);
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, DbCloser> dest(raw);
  Status st = rc == SQLITE_OK ? copy_into(dest.get()) : from_rc(rc, dest.get());
  if (st.ok()) st = quick_check(dest.get());
  dest.reset();
  if (!st.ok()) {
    ::unlink(path.c_str());
    return Status::Unavailable(path + ": backup failed: " + st.message());
  }
  return Status::Ok();
}

Status SqliteStore::copy_into(sqlite3* dest) {
  sqlite3_backup* b = sqlite3_backup_init(dest, "main", db_.get(), "main");
  if (!b) return from_rc(sqlite3_errcode(dest), dest);
  int rc = SQLITE_OK;
  for (int waited_ms = 0;; waited_ms += 10) {
    rc = sqlite3_backup_step(b, -1);
    if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited_ms >= busy_timeout_ms_) break;
    sqlite3_sleep(10);
  }
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return from_rc(rc == SQLITE_OK ? SQLITE_INTERNAL : rc, dest);
  return from_rc(sqlite3_errcode(dest), dest);
}

}  // namespace sqlite
}  // namespace access_service
