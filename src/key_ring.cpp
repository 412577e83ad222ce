#include "access/key_ring.h"

#include <unistd.h>

#include <fstream>

#include "access/signer.h"

namespace access_service {
namespace {

std::string marker(const std::string& key_file) { return key_file + ".retired"; }

long long read_marker(const std::string& key_file) {
  std::ifstream in(marker(key_file));
  long long t = 0;
  if (!(in >> t)) return 0;
  return t;
}

}  // namespace

Result<std::vector<KeyInfo>> list_keys(const std::string& dir) {
  auto signer = TokenSigner::load(dir);
  if (!signer.ok()) return signer.status();
  std::vector<KeyInfo> out;
  const auto& keys = (*signer)->keys();
  for (size_t i = 0; i < keys.size(); ++i) {
    KeyInfo k;
    k.kid = keys[i]->kid;
    k.alg = keys[i]->alg;
    k.file = keys[i]->file;
    k.active = i + 1 == keys.size();
    if (!k.active) {
      k.retired_at = read_marker(k.file);
      if (k.retired_at) k.verify_until = k.retired_at + kKeyOverlapSeconds;
    }
    out.push_back(k);
  }
  return out;
}

Result<std::vector<std::string>> mark_retired_keys(const std::string& dir, long long now) {
  auto keys = list_keys(dir);
  if (!keys.ok()) return keys.status();
  std::vector<std::string> marked;
  for (const auto& k : *keys) {
    if (k.active || k.retired_at) continue;
    Status st = write_file_atomic(marker(k.file), std::to_string(now) + "\n", 0600);
    if (!st.ok()) return st;
    marked.push_back(k.kid);
  }
  return marked;
}

Status retire_key(const std::string& dir, const std::string& kid) {
  auto keys = list_keys(dir);
  if (!keys.ok()) return keys.status();
  for (const auto& k : *keys) {
    if (k.kid != kid) continue;
    if (k.active) return Status::Invalid("key " + kid + " is the signing key; rotate first");
    if (unlink(k.file.c_str()) != 0) return Status::Internal(k.file + ": cannot remove");
    unlink(marker(k.file).c_str());
    return Status::Ok();
  }
  return Status::NotFound("no key with kid " + kid);
}

Result<std::vector<std::string>> purge_expired_keys(const std::string& dir, long long now) {
  auto keys = list_keys(dir);
  if (!keys.ok()) return keys.status();
  std::vector<std::string> removed;
  for (const auto& k : *keys) {
    if (k.active || !k.verify_until || k.verify_until > now) continue;
    if (unlink(k.file.c_str()) != 0) return Status::Internal(k.file + ": cannot remove");
    unlink(marker(k.file).c_str());
    removed.push_back(k.kid);
  }
  return removed;
}

}  // namespace access_service
