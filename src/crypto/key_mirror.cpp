#include "access/crypto/key_mirror.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "access/core/files.h"
#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/crypto/totp.h"

namespace access_service {
namespace {

// name -> content of every file of the key directory (not temporaries).
Result<std::map<std::string, std::string>> read_dir(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
  if (!d) return out;  // no directory yet: nothing here
  while (dirent* e = readdir(d.get())) {
    std::string name = e->d_name;
    if (name.empty() || name[0] == '.' || name.find(".tmp.") != std::string::npos) continue;
    std::ifstream in(dir + "/" + name, std::ios::binary);
    if (!in) continue;  // a subdirectory, or gone meanwhile
    std::stringstream ss;
    ss << in.rdbuf();
    out[name] = ss.str();
  }
  return out;
}

Status push_added(Store& store, const std::string& kek,
                  const std::map<std::string, std::string>& before,
                  const std::map<std::string, std::string>& after) {
  for (const auto& f : after) {
    if (before.count(f.first)) continue;
    Status st = store.put_key_file(f.first, seal(kek, f.second, f.first), now_seconds());
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

Status pull_with(const Config& config, Store& store, const std::string& kek) {
  auto shared = store.list_key_files();
  if (!shared.ok()) return shared.status();
  auto local = read_dir(config.key_dir);
  if (!local.ok()) return local.status();
  if (shared->empty()) return push_added(store, kek, {}, *local);
  if (mkdir(config.key_dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::Internal(config.key_dir + ": cannot create key directory");
  std::map<std::string, bool> in_db;
  for (const auto& f : *shared) {
    in_db[f.first] = true;
    if (f.first.find('/') != std::string::npos || f.first[0] == '.')
      return Status::Internal("shared key file with a bad name: " + f.first);
    Result<std::string> plain = unseal(kek, f.second, f.first);
    if (!plain.ok())
      return Status::Invalid("store.kek_file: does not open the shared keys (" + f.first +
                             "); every host needs a copy of the same key-encryption key");
    auto it = local->find(f.first);
    if (it != local->end() && it->second == *plain) continue;
    Status st = write_file_atomic(config.key_dir + "/" + f.first, *plain, 0600);
    if (!st.ok()) return st;
  }
  for (const auto& f : *local)
    if (!in_db.count(f.first)) unlink((config.key_dir + "/" + f.first).c_str());
  return Status::Ok();
}

}  // namespace

Result<std::string> read_kek(const Config& config, Store& store, bool create) {
  std::ifstream in(config.kek_file, std::ios::binary);
  if (!in) {
    if (!create) return Status::NotFound("store.kek_file: " + config.kek_file + ": no such file");
    auto shared = store.list_key_files();
    if (!shared.ok()) return shared.status();
    if (!shared->empty())
      return Status::NotFound("store.kek_file: " + config.kek_file +
                              ": no such file, and the database already holds keys sealed with "
                              "another host's; copy that host's file here");
    std::string kek = random_bytes(32);
    Status st = write_file_atomic(config.kek_file, kek, 0600);
    if (!st.ok()) return st;
    return kek;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() != 32)
    return Status::Invalid("store.kek_file: " + config.kek_file + ": must hold 32 bytes");
  return ss.str();
}

Status pull_keys(const Config& config, Store& store) {
  if (!store.shares_keys()) return Status::Ok();
  Result<std::string> kek = read_kek(config, store, false);
  if (!kek.ok()) return kek.status();
  return pull_with(config, store, *kek);
}

Status change_keys(const Config& config, Store& store, const std::function<Status()>& change) {
  if (!store.shares_keys()) return change();
  Result<std::string> kek = read_kek(config, store, false);
  if (!kek.ok()) return kek.status();
  Status st = pull_with(config, store, *kek);
  if (!st.ok()) return st;
  auto before = read_dir(config.key_dir);
  if (!before.ok()) return before.status();
  st = change();
  if (!st.ok()) return st;
  auto after = read_dir(config.key_dir);
  if (!after.ok()) return after.status();
  st = push_added(store, *kek, *before, *after);
  for (const auto& f : *before) {
    if (!st.ok()) break;
    if (!after->count(f.first)) st = store.delete_key_file(f.first);
  }
  if (!st.ok()) return st;
  return pull_with(config, store, *kek);
}

}  // namespace access_service
