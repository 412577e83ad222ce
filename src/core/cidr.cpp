#include "access/core/cidr.h"

#include <arpa/inet.h>

#include <cstring>

namespace access_service {
namespace {

struct Address {
  int bits = 0;  // 32 or 128; 0 when unparseable
  unsigned char bytes[16] = {};
};

Address parse_address(const std::string& s) {
  Address a;
  if (s.size() > 45) return a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes) == 1) {
    a.bits = 32;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes) != 1) return a;
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a.bytes, kMapped, sizeof kMapped) == 0) {
    std::memmove(a.bytes, a.bytes + 12, 4);
    std::memset(a.bytes + 4, 0, 12);
    a.bits = 32;
    return a;
  }
  a.bits = 128;
  return a;
}

// The block `s` ("addr" or "addr/len"); prefix = -1 when invalid.
Address parse_block(const std::string& s, int* prefix) {
  *prefix = -1;
  size_t slash = s.find('/');
  Address a = parse_address(s.substr(0, slash));
  if (a.bits == 0) return a;
  if (slash == std::string::npos) {
    *prefix = a.bits;
    return a;
  }
  std::string len = s.substr(slash + 1);
  if (len.empty() || len.size() > 3 || len.find_first_not_of("0123456789") != std::string::npos)
    return a;
  int n = std::stoi(len);
  if (n <= a.bits) *prefix = n;
  return a;
}

bool same_prefix(const Address& a, const Address& b, int prefix) {
  int full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(a.bytes, b.bytes, static_cast<size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  const unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a.bytes[full] & mask) == (b.bytes[full] & mask);
}

}  // namespace

bool valid_cidr(const std::string& s) {
  int prefix;
  parse_block(s, &prefix);
  return prefix >= 0;
}

bool address_allowed(const std::vector<std::string>& cidrs, const std::string& ip) {
  Address a = parse_address(ip);
  if (a.bits == 0) return false;
  for (const auto& c : cidrs) {
    int prefix;
    Address block = parse_block(c, &prefix);
    if (prefix >= 0 && block.bits == a.bits && same_prefix(a, block, prefix)) return true;
  }
  return false;
}

}  // namespace access_service
