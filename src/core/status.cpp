#include "access/core/status.h"

namespace access_service {

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

std::string Status::ToString() const {
  static const char* const kNames[] = {"OK",       "NotFound",    "Invalid",
                                       "Conflict", "Unavailable", "Internal"};
  std::string out = kNames[code()];
  if (rep_) out += ": " + rep_->message;
  return out;
}

}  // namespace access_service
