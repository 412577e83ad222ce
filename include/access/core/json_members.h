// Objects the server returns, sent back by a client (API.md section 0:
// read, edit, write back). The request readers of the rules modules
// (client_rules, user_rules) share this rule:
//
//   - members the server does not know are ignored (as the original Spring
//     service's JSON binding did); each reader simply never looks at them;
//   - members the server returns but the request may not change (`id`,
//     `createdAt`, ...) are read-only: sent back unchanged they are ignored,
//     changed they are refused with a 400 naming the member.
//
// Header-only so that every target linking the rules modules (server,
// accessctl, unit tests, fuzz targets) has it without a build change.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace access_service {

// Checks the read-only members `names` of `body` against `current`, the
// object as the server would return it now (client_to_json, user_to_json, or
// the defaults a new record gets). A member absent from `body`, or equal to
// its value in `current` (JSON equality: same type and value, arrays in the
// same order, numbers compared by value), passes. The first one that differs
// gives the 400 message "<name> is read-only and cannot be changed" followed
// by `hint` (for example "; use PUT /api/v1/users/{id}"); a member missing
// from `current` never matches.
inline std::optional<std::string> check_read_only(const nlohmann::json& body,
                                                  const nlohmann::json& current,
                                                  std::initializer_list<const char*> names,
                                                  const std::string& hint = "") {
  for (const char* name : names) {
    auto given = body.find(name);
    if (given == body.end()) continue;
    auto stored = current.find(name);
    if (stored == current.end() || *given != *stored)
      return std::string(name) + " is read-only and cannot be changed" + hint;
  }
  return std::nullopt;
}

}  // namespace access_service
