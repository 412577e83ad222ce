// libFuzzer target: the YAML configuration loader (parse_config: yaml-cpp,
// then key-by-key validation). The file is written by the administrator, not
// the network, but a loader that crashes or accepts nonsense turns a typo
// into an outage; every error must be a Status naming the key.
#include "access/core/config.h"

#include <cstddef>
#include <cstdint>
#include <string>

#include "access/crypto/jws_algorithms.h"
#include "fuzz_check.h"

using namespace access_service;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Result<Config> c = parse_config(fuzz::as_string(data, size), "/etc/access-service");
  if (!c.ok()) {
    FUZZ_CHECK(c.status().is_invalid() && !c.status().message().empty());
    return 0;
  }
  // What is accepted satisfies the documented rules.
  FUZZ_CHECK(!c->issuer.empty() && c->issuer.back() != '/');
  FUZZ_CHECK(!c->listen.empty());
  FUZZ_CHECK(c->workers >= 0 && c->workers <= 256);
  FUZZ_CHECK(c->refresh_reuse_grace_seconds >= 0 && c->refresh_reuse_grace_seconds <= 300);
  FUZZ_CHECK(c->authorization_code_seconds >= 1 && c->authorization_code_seconds <= 600);
  FUZZ_CHECK(find_jws_algorithm(c->algorithm) != nullptr);
  FUZZ_CHECK(c->db_path.empty() || c->db_path[0] == '/');
  FUZZ_CHECK(c->key_dir.empty() || c->key_dir[0] == '/');
  return 0;
}
