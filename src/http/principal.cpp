#include "access/http/principal.h"

#include "access/core/strings.h"
#include "access/crypto/crypto.h"

namespace access_service {

bool Principal::has_authority(const std::string& a) const { return contains(authorities, a); }

std::string VerifiedTokens::key(const std::string& token) { return sha256(token); }

const Principal* VerifiedTokens::find(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

void VerifiedTokens::add(const std::string& key, const Principal& p) {
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_.emplace(key, p);
}

}  // namespace access_service
