#include "wal_sync.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace access_service {

static_assert(std::atomic<uint64_t>::is_always_lock_free,
              "the shared counters must work across processes");

std::unique_ptr<WalSync> WalSync::open(const std::string& db_path) {
  struct stat st {};
  if (::stat(db_path.c_str(), &st) != 0) return nullptr;
  char name[80];
  std::snprintf(name, sizeof name, "/access-service-wal-%llx-%llx",
                static_cast<unsigned long long>(st.st_dev),
                static_cast<unsigned long long>(st.st_ino));
  int fd = shm_open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return nullptr;
  // A new object is empty: the first opener sizes it (zero-filled, which is
  // a valid state: nothing committed, nothing synced); ftruncate to the
  // same size is harmless when two race.
  struct stat own {};
  if (fstat(fd, &own) != 0 ||
      (own.st_size < static_cast<off_t>(sizeof(Shared)) && ftruncate(fd, sizeof(Shared)) != 0)) {
    ::close(fd);
    return nullptr;
  }
  void* p = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<WalSync>(new WalSync(fd, static_cast<Shared*>(p)));
}

WalSync::~WalSync() {
  munmap(shared_, sizeof(Shared));
  ::close(fd_);
}

uint64_t WalSync::committed() { return shared_->committed.fetch_add(1) + 1; }

Status WalSync::make_durable(uint64_t ticket, const std::function<Status()>& fsync, bool* synced) {
  *synced = false;
  if (shared_->synced.load() >= ticket) return Status::Ok();
  int rc;
  while ((rc = flock(fd_, LOCK_EX)) != 0 && errno == EINTR) {
  }
  if (rc != 0) return Status::Unavailable("storage unavailable: cannot queue for the WAL sync");
  Status st;
  if (shared_->synced.load() < ticket) {
    // Every ticket up to `target` was written before this read.
    const uint64_t target = shared_->committed.load();
    st = fsync();
    *synced = true;
    if (st.ok() && shared_->synced.load() < target) shared_->synced.store(target);
  }
  flock(fd_, LOCK_UN);
  return st;
}

}  // namespace access_service
