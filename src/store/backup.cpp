#include "access/store/backup.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "access/core/loopback.h"
#include "access/core/strings.h"
#include "access/core/version.h"
#include "access/crypto/crypto.h"
#include "access/crypto/ossl.h"
#include "sqlite_schema.h"

namespace access_service {
namespace {

const char kDatabase[] = "access.db";
const char kManifest[] = "backup.json";
const char kSums[] = "SHA256SUMS";

std::string io_error(const std::string& path, const char* what, int err) {
  return path + ": " + what + ": " + os_reason(err);
}

// Regular files of `dir` by name, sorted; temporary files of an atomic write
// in progress ("*.tmp.<pid>") are not part of any state.
Result<std::vector<std::string>> regular_files(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
  if (!d) return Status::Unavailable(io_error(dir, "cannot open directory", errno));
  std::vector<std::string> names;
  while (dirent* e = readdir(d.get())) {
    std::string name = e->d_name;
    struct stat st {};
    if (name.find(".tmp.") != std::string::npos || lstat((dir + "/" + name).c_str(), &st) != 0 ||
        !S_ISREG(st.st_mode))
      continue;
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool exists(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0;
}

Status sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::Unavailable(io_error(dir, "cannot open directory", errno));
  int rc = fsync(fd);
  int err = errno;
  ::close(fd);
  return rc == 0 ? Status::Ok() : Status::Unavailable(io_error(dir, "cannot sync", err));
}

// Copies `from` into the new file `to` (0600, never over an existing file),
// synced; the copy is removed on failure.
Status copy_file(const std::string& from, const std::string& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Status::Unavailable(io_error(from, "cannot read", errno));
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    int err = errno;
    ::close(in);
    return Status::Unavailable(io_error(to, "cannot create", err));
  }
  fchmod(out, 0600);
  char buf[1 << 16];
  ssize_t n = 0;
  bool ok = true;
  while (ok && (n = ::read(in, buf, sizeof buf)) > 0) ok = ::write(out, buf, n) == n;
  int err = errno;
  ok = ok && n == 0 && fsync(out) == 0;
  if (!ok) err = errno;
  ok = ::close(out) == 0 && ok;
  ::close(in);
  if (!ok) {
    unlink(to.c_str());
    return Status::Unavailable(io_error(to, "cannot write", err));
  }
  return Status::Ok();
}

// Copies through "<to>.tmp.<pid>" and renames, so `to` is whole or absent.
Status install_file(const std::string& from, const std::string& to) {
  const std::string tmp = to + ".tmp." + std::to_string(getpid());
  Status st = copy_file(from, tmp);
  if (!st.ok()) return st;
  if (rename(tmp.c_str(), to.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return Status::Unavailable(io_error(to, "cannot write", err));
  }
  return Status::Ok();
}

Status write_new_file(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable(io_error(path, "cannot create", errno));
  fchmod(fd, 0600);
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
            fsync(fd) == 0;
  int err = errno;
  ok = ::close(fd) == 0 && ok;
  return ok ? Status::Ok() : Status::Unavailable(io_error(path, "cannot write", err));
}

Result<std::string> sha256_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Unavailable(io_error(path, "cannot read", errno));
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  bool ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1;
  char buf[1 << 16];
  ssize_t n = 0;
  while (ok && (n = ::read(fd, buf, sizeof buf)) > 0)
    ok = EVP_DigestUpdate(ctx.get(), buf, static_cast<size_t>(n)) == 1;
  ::close(fd);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ok || n < 0 || EVP_DigestFinal_ex(ctx.get(), md, &len) != 1)
    return Status::Unavailable(path + ": cannot read");
  return hex(std::string_view(reinterpret_cast<const char*>(md), len));
}

void remove_tree(const std::string& dir) {
  nftw(
      dir.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); },
      16, FTW_DEPTH | FTW_PHYS);
}

// The schema version of a database file, after SQLite's quick_check; the
// file is opened immutable, so nothing (no -wal, no -shm) is written beside it.
Result<int64_t> checked_schema_version(const std::string& path) {
  sqlite3* raw = nullptr;
  const std::string uri = "file:" + path + "?immutable=1";
  int rc = sqlite3_open_v2(uri.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, sqlite3_close_v2);
  if (rc != SQLITE_OK) return Status::Invalid(path + ": not a database: " + sqlite3_errstr(rc));
  std::string check;
  int64_t version = -1;
  for (const char* sql : {"PRAGMA quick_check", "PRAGMA user_version"}) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db.get(), sql, -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      if (check.empty()) {
        const unsigned char* t = sqlite3_column_text(st, 0);
        check = t ? reinterpret_cast<const char*>(t) : "?";
      } else {
        version = sqlite3_column_int64(st, 0);
      }
    }
    sqlite3_finalize(st);
  }
  if (check != "ok")
    return Status::Invalid(path + ": the database fails its check" +
                           (check.empty() ? std::string(" (not a database)") : ": " + check));
  return version;
}

std::string utc_stamp(long long t) {
  char stamp[32];
  std::time_t tt = static_cast<std::time_t>(t);
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", std::gmtime(&tt));
  return stamp;
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

// Writes everything but the database into a backup directory that holds it.
Result<int> write_rest(const Config& config, const std::string& dir, int64_t version) {
  const std::string keys = dir + "/keys";
  if (mkdir(keys.c_str(), 0700) != 0)
    return Status::Unavailable(io_error(keys, "cannot create", errno));
  Result<std::vector<std::string>> names = regular_files(config.key_dir);
  if (!names.ok()) return names.status();
  for (const auto& n : *names) {
    Status st = copy_file(config.key_dir + "/" + n, keys + "/" + n);
    if (!st.ok()) return st;
  }
  nlohmann::json manifest = {{"service", "access-service"},
                             {"version", kVersion},
                             {"schemaVersion", version},
                             {"createdAt", rfc3339(now_seconds())}};
  Status st = write_new_file(dir + "/" + kManifest, manifest.dump(2) + "\n");
  if (!st.ok()) return st;
  std::string sums;
  std::vector<std::string> files = {kDatabase, kManifest};
  for (const auto& n : *names) files.push_back("keys/" + n);
  for (const auto& f : files) {
    Result<std::string> sum = sha256_file(dir + "/" + f);
    if (!sum.ok()) return sum.status();
    sums += *sum + "  " + f + "\n";
  }
  st = write_new_file(dir + "/" + kSums, sums);
  if (st.ok()) st = sync_dir(keys);
  if (st.ok()) st = sync_dir(dir);
  if (!st.ok()) return st;
  return static_cast<int>(names->size());
}

// SHA256SUMS of a backup, checked against the files: every file listed and
// matching, nothing unlisted. Returns the key file names.
Result<std::vector<std::string>> verify_sums(const std::string& dir) {
  std::ifstream in(dir + "/" + kSums);
  if (!in)
    return Status::Invalid(dir + ": not a backup: cannot read " + kSums + ": " + os_reason(errno));
  std::map<std::string, std::string> listed;
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() < 67 || line.compare(64, 2, "  ") != 0)
      return Status::Invalid(dir + "/" + kSums + ": a line is not `<sha256>  <file>`");
    listed[line.substr(66)] = line.substr(0, 64);
  }
  Result<std::vector<std::string>> keys = regular_files(dir + "/keys");
  if (!keys.ok()) return Status::Invalid(dir + ": not a backup: " + keys.status().message());
  std::vector<std::string> present = {kDatabase, kManifest};
  for (const auto& k : *keys) present.push_back("keys/" + k);
  for (const auto& f : present)
    if (!listed.count(f)) return Status::Invalid(dir + "/" + f + ": not listed in " + kSums);
  for (const auto& [file, want] : listed) {
    if (!exists(dir + "/" + file)) return Status::Invalid(dir + "/" + file + ": missing");
    Result<std::string> got = sha256_file(dir + "/" + file);
    if (!got.ok()) return got.status();
    if (*got != want) return Status::Invalid(dir + "/" + file + ": checksum mismatch (damaged)");
  }
  return *keys;
}

// Moves the current state out of the way: into "<db dir>/replaced-<time>/".
Result<std::string> move_aside(const Config& config, const std::vector<std::string>& key_files) {
  const std::string aside = dir_of(config.db_path) + "/replaced-" + utc_stamp(now_seconds());
  if (mkdir(aside.c_str(), 0700) != 0 || mkdir((aside + "/keys").c_str(), 0700) != 0)
    return Status::Unavailable(io_error(aside, "cannot create", errno));
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string from = config.db_path + suffix;
    if (exists(from) && rename(from.c_str(), (aside + "/" + kDatabase + suffix).c_str()) != 0)
      return Status::Unavailable(io_error(from, "cannot move aside", errno));
  }
  for (const auto& k : key_files) {
    const std::string from = config.key_dir + "/" + k;
    if (rename(from.c_str(), (aside + "/keys/" + k).c_str()) != 0)
      return Status::Unavailable(io_error(from, "cannot move aside", errno));
  }
  return aside;
}

}  // namespace

bool service_answers(const Config& config) {
  int fd = -1;
  int rc = -1;
  if (config.listen_is_unix()) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    config.listen_unix_path().copy(a.sun_path, sizeof a.sun_path - 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) rc = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_storage addr;
    socklen_t len = 0;
    if (loopback_socket_address(config.listen, &addr, &len)) {
      fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd >= 0) rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), len);
    }
  }
  if (fd >= 0) ::close(fd);
  return rc == 0;
}

Result<BackupReport> backup_state(const Config& config, Store& store, const std::string& dir) {
  struct stat st {};
  bool created = false;
  if (lstat(dir.c_str(), &st) == 0) {
    std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
    int entries = 0;
    while (d && readdir(d.get())) ++entries;
    if (!S_ISDIR(st.st_mode) || entries > 2)
      return Status::Conflict(dir + ": exists and is not an empty directory");
  } else if (mkdir(dir.c_str(), 0700) != 0) {
    return Status::Unavailable(io_error(dir, "cannot create", errno));
  } else {
    created = true;
  }
  chmod(dir.c_str(), 0700);
  BackupReport report;
  Status s = store.backup_to(dir + "/" + kDatabase);
  Result<int64_t> version = s.ok() ? checked_schema_version(dir + "/" + kDatabase) : s;
  Result<int> keys = version.ok() ? write_rest(config, dir, *version) : version.status();
  if (!keys.ok()) {
    if (created) {
      remove_tree(dir);
    } else if (auto names = regular_files(dir); names.ok()) {
      remove_tree(dir + "/keys");
      for (const auto& n : *names) unlink((dir + "/" + n).c_str());
    }
    return keys.status();
  }
  report.schema_version = *version;
  report.key_files = *keys;
  return report;
}

Result<RestoreReport> restore_state(const Config& config, const std::string& dir, bool replace) {
  if (service_answers(config))
    return Status::Conflict("the service answers on server.listen (" + config.listen +
                            "): stop it first");
  Result<std::vector<std::string>> backup_keys = verify_sums(dir);
  if (!backup_keys.ok()) return backup_keys.status();
  Result<int64_t> version = checked_schema_version(dir + "/" + kDatabase);
  if (!version.ok()) return version.status();
  const int64_t latest = sizeof(kMigrations) / sizeof(kMigrations[0]);
  if (*version > latest)
    return Status::Invalid("the backup's database schema version " + std::to_string(*version) +
                           " is newer than this build's (" + std::to_string(latest) + ")");
  // The target.
  std::vector<std::string> current_keys;
  if (exists(config.key_dir)) {
    Result<std::vector<std::string>> names = regular_files(config.key_dir);
    if (!names.ok()) return names.status();
    current_keys = *names;
  }
  const bool occupied = exists(config.db_path) || exists(config.db_path + "-wal") ||
                        exists(config.db_path + "-shm") || !current_keys.empty();
  RestoreReport report;
  if (occupied && !replace)
    return Status::Conflict("store.path " + config.db_path + " or keys.dir " + config.key_dir +
                            " is not empty: restore into an empty state directory, or add "
                            "--replace to move what is there aside first");
  if (occupied) {
    Result<std::string> aside = move_aside(config, current_keys);
    if (!aside.ok()) return aside.status();
    report.moved_aside = *aside;
  }
  Status st = install_file(dir + "/" + kDatabase, config.db_path);
  if (st.ok()) st = sync_dir(dir_of(config.db_path));
  if (st.ok() && mkdir(config.key_dir.c_str(), 0700) != 0 && errno != EEXIST)
    st = Status::Unavailable(io_error(config.key_dir, "cannot create", errno));
  for (size_t i = 0; st.ok() && i < backup_keys->size(); ++i)
    st = install_file(dir + "/keys/" + (*backup_keys)[i], config.key_dir + "/" + (*backup_keys)[i]);
  if (st.ok()) st = sync_dir(config.key_dir);
  if (!st.ok()) return st;
  report.schema_version = *version;
  report.latest_schema_version = latest;
  report.key_files = static_cast<int>(backup_keys->size());
  return report;
}

}  // namespace access_service
