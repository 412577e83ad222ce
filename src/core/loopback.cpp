#include "access/core/loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdlib>

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

bool loopback_socket_address(const std::string& listen, sockaddr_storage* addr, socklen_t* len) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || !is_loopback_host(listen.substr(0, colon))) return false;
  const std::string digits = listen.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  const long port = std::strtol(digits.c_str(), nullptr, 10);
  if (port < 1 || port > 65535) return false;
  *addr = sockaddr_storage{};
  if (listen.compare(0, colon, "[::1]") == 0) {
    auto* a = reinterpret_cast<sockaddr_in6*>(addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    a->sin6_addr = in6addr_loopback;
    *len = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *len = sizeof(sockaddr_in);
  }
  return true;
}

}  // namespace access_service
