#include "access/crypto/key_ring.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <memory>

#include "access/core/files.h"
#include "access/core/strings.h"
#include "access/crypto/signer.h"

namespace access_service {
namespace {

const char kSignsFrom[] = ".signs_from";
const char kRetired[] = ".retired";

long long read_time(const std::string& path) {
  std::ifstream in(path);
  long long t = 0;
  if (!(in >> t)) return 0;
  return t;
}

void remove_with_sidecars(const std::string& key_file) {
  unlink((key_file + kSignsFrom).c_str());
  unlink((key_file + kRetired).c_str());
}

// "key-20261201T120000Z.pem" -> its time; 0 when the name holds none.
long long created_at(const std::string& name) {
  std::tm tm{};
  const char* end = strptime(name.c_str(), "key-%Y%m%dT%H%M%SZ.pem", &tm);
  if (!end || *end != '\0') return 0;
  return static_cast<long long>(timegm(&tm));
}

}  // namespace

Result<std::vector<KeyInfo>> list_keys(const std::string& dir, long long now) {
  auto signer = TokenSigner::load(dir, now);
  if (!signer.ok()) return signer.status();
  std::vector<KeyInfo> out;
  const auto& keys = (*signer)->keys();
  const size_t active = (*signer)->active_index();
  for (size_t i = 0; i < keys.size(); ++i) {
    KeyInfo k;
    k.kid = keys[i].kid;
    k.alg = keys[i].alg;
    k.file = keys[i].file;
    k.signs_from = keys[i].signs_from;
    if (i == active) {
      k.state = KeyState::kSigning;
    } else if (i > active) {
      k.state = KeyState::kNext;
    } else {
      k.retired_at = read_time(k.file + kRetired);
      if (k.retired_at) k.verify_until = k.retired_at + kKeyOverlapSeconds;
      k.state = k.verify_until && k.verify_until <= now ? KeyState::kExpired : KeyState::kVerifying;
    }
    out.push_back(k);
  }
  return out;
}

Result<std::string> rotate_key(const std::string& dir, const std::string& algorithm, long long now,
                               long long publish_ahead_seconds) {
  // Whether a key signs now decides whether the new one must wait.
  bool signing = false;
  if (auto names = key_file_names(dir); names.ok()) signing = !names->empty();
  // `now` is whole seconds, rounded down: one more keeps the wait at least
  // publish_ahead_seconds long.
  if (!signing || publish_ahead_seconds == 0) return create_signing_key(dir, algorithm, now);
  return create_signing_key(dir, algorithm, now + publish_ahead_seconds + 1);
}

Result<std::vector<std::string>> mark_retired_keys(const std::string& dir, long long now) {
  auto keys = list_keys(dir, now);
  if (!keys.ok()) return keys.status();
  std::vector<std::string> marked;
  for (const auto& k : *keys) {
    if (k.state != KeyState::kVerifying || k.retired_at) continue;
    Status st = write_file_atomic(k.file + kRetired, std::to_string(now) + "\n", 0600);
    if (!st.ok()) return st;
    marked.push_back(k.kid);
  }
  return marked;
}

Status retire_key(const std::string& dir, const std::string& kid, long long now) {
  auto keys = list_keys(dir, now);
  if (!keys.ok()) return keys.status();
  for (const auto& k : *keys) {
    if (k.kid != kid) continue;
    if (k.state == KeyState::kSigning)
      return Status::Invalid("key " + kid + " is the signing key; rotate first");
    if (unlink(k.file.c_str()) != 0) return Status::Internal(k.file + ": cannot remove");
    remove_with_sidecars(k.file);
    return Status::Ok();
  }
  return Status::NotFound("no key with kid " + kid);
}

Result<std::vector<std::string>> purge_expired_keys(const std::string& dir, long long now) {
  auto keys = list_keys(dir, now);
  if (!keys.ok()) return keys.status();
  std::vector<std::string> removed;
  for (const auto& k : *keys) {
    if (k.state != KeyState::kExpired) continue;
    if (unlink(k.file.c_str()) != 0) return Status::Internal(k.file + ": cannot remove");
    remove_with_sidecars(k.file);
    removed.push_back(k.kid);
  }
  return removed;
}

Result<KeySchedule> key_schedule(const std::string& dir, long long loaded_at, long long now,
                                 int rotate_every_days) {
  Result<std::vector<std::string>> names = key_file_names(dir);
  if (!names.ok()) return names.status();
  KeySchedule s;
  bool waiting = false;
  for (const auto& name : *names) {
    const long long from = read_time(dir + "/" + name + kSignsFrom);
    if (from > loaded_at && from <= now) s.switch_due = true;
    if (from > now) waiting = true;
  }
  if (rotate_every_days > 0 && !waiting && !names->empty()) {
    const long long newest = created_at(names->back());
    s.rotation_due = newest > 0 && now - newest >= rotate_every_days * 86400LL;
  }
  return s;
}

}  // namespace access_service
