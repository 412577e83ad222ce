#include "access/status.h"

namespace access_service {

const std::string& Status::message() const {
  static const std::string kEmpty;
  return msg_ ? *msg_ : kEmpty;
}

std::string Status::ToString() const {
  static const char* const kNames[] = {"OK", "NotFound", "Invalid", "Conflict", "Unavailable",
                                       "Internal"};
  std::string out = kNames[code_];
  if (msg_) out += ": " + *msg_;
  return out;
}

}  // namespace access_service
