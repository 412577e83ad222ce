// The life cycle of signing keys in the key directory (DESIGN.md, Keys).
//
// The newest key-*.pem signs (once the workers have loaded it: at start or
// after SIGHUP); older keys only verify, and are published in JWKS, until
// every token they signed has expired. When the master (re)loads the keys it
// records, for each key that is no longer the newest, the time it stopped
// signing in "<key file>.retired". A retired key is kept for
// kKeyOverlapSeconds after that (the longest access token lifetime, 24 h,
// plus 5 minutes of clock skew), then purged.
#pragma once

#include <string>
#include <vector>

#include "access/status.h"

namespace access_service {

constexpr long long kKeyOverlapSeconds = 86400 + 300;

struct KeyInfo {
  std::string kid;
  std::string alg;
  std::string file;
  bool active = false;         // the newest key: signs (after a reload)
  long long retired_at = 0;    // when it stopped signing; 0 = not recorded yet
  long long verify_until = 0;  // retired_at + kKeyOverlapSeconds; 0 when active or not recorded
};

// Every key in `dir`, oldest first. Errors as TokenSigner::load.
Result<std::vector<KeyInfo>> list_keys(const std::string& dir);

// Records `now` as the retirement time of every key that is not the newest
// and has no record yet (the master calls this whenever it loads keys).
// Returns the kids it recorded: when there are any, the newest key has just
// started signing in their place.
Result<std::vector<std::string>> mark_retired_keys(const std::string& dir, long long now);

// Removes a key that no longer signs, at once (for example after a leak):
// tokens it signed stop verifying once the workers reload. kInvalid for the
// active key (rotate first), kNotFound for an unknown kid.
Status retire_key(const std::string& dir, const std::string& kid);

// Removes retired keys whose overlap has passed; returns their kids.
Result<std::vector<std::string>> purge_expired_keys(const std::string& dir, long long now);

}  // namespace access_service
