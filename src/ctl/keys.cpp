// accessctl key ...: the signing keys in keys.dir (key_ring.h). Changes are
// recorded as audit events in the database (and, with PostgreSQL, the keys
// themselves are shared there).
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>

#include "access/core/strings.h"
#include "access/crypto/key_mirror.h"
#include "access/crypto/key_ring.h"
#include "access/process/master.h"
#include "ctl.h"

namespace access_service {
namespace ctl {
namespace {

using json = nlohmann::json;

std::string state_text(const KeyInfo& k) {
  switch (k.state) {
    case KeyState::kNext:
      return "next (signs from " + rfc3339(k.signs_from) + ")";
    case KeyState::kSigning:
      return "signing";
    case KeyState::kVerifying:
      return k.verify_until ? "verifying until " + rfc3339(k.verify_until)
                            : "verifying (its overlap starts at the next reload)";
    case KeyState::kExpired:
      break;
  }
  return "expired (removed by the next purge)";
}

const char* state_word(KeyState s) {
  switch (s) {
    case KeyState::kNext:
      return "next";
    case KeyState::kSigning:
      return "signing";
    case KeyState::kVerifying:
      return "verifying";
    case KeyState::kExpired:
      break;
  }
  return "expired";
}

// Runs a change of the key directory; with PostgreSQL on the database's
// keys, pushed back after (key_mirror.h).
Status on_keys(Env& env, const std::function<Status()>& change) {
  return change_keys(env.config, *env.store, change);
}

}  // namespace

// Published at once: the JWKS file is rewritten here (nginx serves it), so
// the wait before the key signs starts now, not at the next reload.
int cmd_key_rotate(Env& env, const Args& args) {
  const long long now = now_seconds();
  const long long ahead = args.flag("--now") ? 0 : env.config.publish_ahead_seconds;
  Result<std::string> path = Status::Internal("no key made");
  Status made_st = on_keys(env, [&]() -> Status {
    path = rotate_key(env.config.key_dir, env.config.algorithm, now, ahead);
    return path.status();
  });
  if (!made_st.ok()) return fail(made_st.message());
  auto keys = list_keys(env.config.key_dir, now);
  if (!keys.ok()) return fail(keys.status().message());
  KeyInfo made;
  for (const auto& k : *keys)
    if (k.file == *path) made = k;
  std::cout << "created " << *path << " (kid " << made.kid << ", " << made.alg << ")\n";
  Status recorded =
      record(*env.store, {ctl_event("key.rotated", {{"kid", made.kid}, {"alg", made.alg}})});
  if (!recorded.ok()) std::cout << "its audit event was not stored: " << recorded.message() << "\n";
  Status st = write_jwks_file(env.config);
  if (st.ok())
    std::cout << "published in " << env.config.jwks_file << "\n";
  else
    std::cout << "not published yet (" << st.message()
              << "); the service publishes it when it starts\n";
  if (made.state == KeyState::kNext)
    std::cout << "it signs from " << rfc3339(made.signs_from) << " (in " << made.signs_from - now
              << " s, keys.publish_ahead_seconds): the running service switches to it by itself\n";
  else
    std::cout << "it signs now: the running service switches to it within a second\n";
  return 0;
}

int cmd_key_list(Env& env, const Args& args) {
  if (env.store) {
    Status pulled = pull_keys(env.config, *env.store);
    if (!pulled.ok()) return fail(pulled.message());
  }
  auto keys = list_keys(env.config.key_dir, now_seconds());
  if (!keys.ok()) return fail(keys.status().message());
  if (args.flag("--json")) {
    json items = json::array();
    for (const auto& k : *keys) {
      json item = {
          {"kid", k.kid}, {"alg", k.alg}, {"state", state_word(k.state)}, {"file", k.file}};
      if (k.signs_from) item["signsFrom"] = rfc3339(k.signs_from);
      if (k.verify_until) item["verifyUntil"] = rfc3339(k.verify_until);
      items.push_back(item);
    }
    std::cout << json{{"items", items}, {"count", items.size()}}.dump(2) << "\n";
    return 0;
  }
  for (const auto& k : *keys)
    std::cout << k.kid << "\t" << k.alg << "\t" << state_text(k) << "\t" << k.file << "\n";
  return 0;
}

int cmd_key_retire(Env& env, const Args& args) {
  Status st = on_keys(
      env, [&] { return retire_key(env.config.key_dir, args.positional[0], now_seconds()); });
  if (!st.ok()) return fail(st.message());
  st = record(*env.store,
              {ctl_event("key.retired", {{"kid", args.positional[0]}, {"reason", "manual"}})});
  if (!st.ok())
    return fail("the key was removed, but its audit event was not stored: " + st.message());
  std::cout << "removed key " << args.positional[0]
            << "; reload the service so that it stops verifying and publishing it\n";
  return 0;
}

}  // namespace ctl
}  // namespace access_service
