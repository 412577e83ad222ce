// The life cycle of signing keys in the key directory (DESIGN.md, Keys).
//
// Everything about a key is a file in the key directory, beside the key, so
// that the directory alone describes the ring:
//   key-<UTC time>.pem             the private key (PKCS#8 PEM, 0600)
//   key-<UTC time>.pem.signs_from  when it starts signing (decimal epoch
//                                  seconds, 0600), written by rotate_key
//   key-<UTC time>.pem.retired     when it stopped signing (decimal epoch
//                                  seconds, 0600), written by the master
// A key without .signs_from signs from the start (the first key of `init`,
// keys made before publish-ahead existed).
//
// States, in order:
//   next       published in JWKS at once, not signing until its signs_from
//              time: keys.publish_ahead_seconds after the rotation, at least
//              the JWKS max-age, so that a resource server that cached the
//              JWKS just before the rotation has fetched it again before the
//              first token the new key signs;
//   signing    the newest key whose time has come (TokenSigner::load). The
//              workers sign with the key that was signing when they loaded
//              the keys; the master reloads them by itself when a key's time
//              comes (key_schedule);
//   verifying  older than the signing key. When the master (re)loads the
//              keys it records the time each one stopped signing in
//              .retired; the key keeps verifying, and stays in JWKS, for
//              kKeyOverlapSeconds after that (the longest access token
//              lifetime, 24 h, plus 5 minutes of clock skew);
//   expired    past that overlap: purge_expired_keys removes it with its
//              sidecars.
#pragma once

#include <string>
#include <vector>

#include "access/core/status.h"

namespace access_service {

constexpr long long kKeyOverlapSeconds = 86400 + 300;

enum class KeyState { kNext, kSigning, kVerifying, kExpired };

struct KeyInfo {
  std::string kid;
  std::string alg;
  std::string file;
  KeyState state = KeyState::kSigning;
  long long signs_from = 0;    // .signs_from; 0 = signs from the start
  long long retired_at = 0;    // .retired; 0 = not recorded (yet)
  long long verify_until = 0;  // retired_at + kKeyOverlapSeconds; 0 without retired_at
};

// Every key in `dir`, oldest first, with its state at `now`. Errors as
// TokenSigner::load.
Result<std::vector<KeyInfo>> list_keys(const std::string& dir, long long now);

// Creates a key of `algorithm` in `dir` (signer.h create_signing_key) with
// its .signs_from: when a key is signing already (resource servers must see
// the new one in JWKS first), now + publish_ahead_seconds + 1 (`now` is
// whole seconds rounded down, so the wait is never shorter than asked);
// `now` when none is (nobody can have cached a JWKS without it) or
// publish_ahead_seconds is 0. Returns the key's path. On failure nothing is
// left behind.
Result<std::string> rotate_key(const std::string& dir, const std::string& algorithm, long long now,
                               long long publish_ahead_seconds);

// Records `now` as the retirement time of every key older than the signing
// key that has no record yet (the master calls this whenever it loads keys).
// Returns the kids it recorded: when there are any, a newer key has just
// started signing in their place.
Result<std::vector<std::string>> mark_retired_keys(const std::string& dir, long long now);

// Removes a key that does not sign, at once, with its sidecars (for example
// after a leak): tokens it signed stop verifying once the workers reload.
// kInvalid for the signing key (rotate first), kNotFound for an unknown kid.
Status retire_key(const std::string& dir, const std::string& kid, long long now);

// Removes expired keys with their sidecars; returns their kids.
Result<std::vector<std::string>> purge_expired_keys(const std::string& dir, long long now);

// What the master has to do about the ring at `now`, from file names and
// sidecars alone (no key is parsed, so it can ask every second):
//   switch_due    a key's signs_from time is after `loaded_at` (when the
//                 workers last loaded the keys) and not after `now`: reload;
//   rotation_due  rotate_every_days > 0, no key is waiting to sign, and the
//                 newest key was made (the time in its name) at least that
//                 many days ago: rotate_key.
struct KeySchedule {
  bool switch_due = false;
  bool rotation_due = false;
};
Result<KeySchedule> key_schedule(const std::string& dir, long long loaded_at, long long now,
                                 int rotate_every_days);

}  // namespace access_service
