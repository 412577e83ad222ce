// Password and secret hashing: argon2id PHC strings via libargon2.
//
// Used for user passwords, client secrets and device passcodes. The cost
// parameters of a new hash come from config (password.*); verification reads
// the parameters stored in the PHC string, so raising the cost later does not
// lock anyone out.
#pragma once

#include <string>
#include <string_view>

#include "access/core/status.h"

namespace access_service {

struct Argon2Params {
  int time_cost = 2;
  int memory_kib = 19456;
  int parallelism = 1;
};

// "$argon2id$v=19$m=...,t=...,p=...$salt$hash" with a 16-byte random salt and
// a 32-byte tag. kInvalid when the secret is longer than 4096 bytes;
// kInternal when libargon2 fails (out of memory).
Result<std::string> hash_password(std::string_view secret, const Argon2Params& params);

// True when `secret` matches `phc`. False for a malformed PHC string. The
// comparison inside libargon2 is constant time.
bool verify_password(const std::string& phc, std::string_view secret);

// True when `phc` was not made by hash_password at `params` (another cost,
// or not argon2id): the caller that has just verified the secret hashes it
// again, so that every account costs the same to check as an unknown name
// does (verify_password_dummy) once its user has signed in after a change of
// the password.argon2_* settings.
bool password_needs_rehash(const std::string& phc, const Argon2Params& params);

// Spends the same time as verify_password against a hash of `params` cost,
// then returns false: used when the user does not exist, so that timing does
// not reveal which usernames are registered.
bool verify_password_dummy(std::string_view secret, const Argon2Params& params);

}  // namespace access_service
