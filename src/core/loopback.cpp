#include "access/core/loopback.h"

namespace access_service {

namespace {
const char* const kLoopbackHosts[] = {"127.0.0.1", "localhost", "[::1]"};
}  // namespace

bool is_loopback_host(const std::string& host) {
  for (const char* h : kLoopbackHosts)
    if (host == h) return true;
  return false;
}

bool split_loopback_http(const std::string& uri, std::string* origin, std::string* rest) {
  for (const char* h : kLoopbackHosts) {
    const std::string prefix = std::string("http://") + h;
    if (uri.compare(0, prefix.size(), prefix) != 0) continue;
    size_t i = prefix.size();
    if (i < uri.size() && uri[i] == ':') {
      const size_t end = uri.find_first_not_of("0123456789", i + 1);
      if (end == i + 1) return false;  // ":" without digits
      i = end == std::string::npos ? uri.size() : end;
    }
    if (i < uri.size() && uri[i] != '/' && uri[i] != '?') return false;
    *origin = prefix;
    *rest = uri.substr(i);
    return true;
  }
  return false;
}

}  // namespace access_service
