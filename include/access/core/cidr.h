// Address allow-lists (metrics.allow): IPv4 and IPv6 addresses and CIDR
// blocks, matched against the client address nginx passes (REMOTE_ADDR).
#pragma once

#include <string>
#include <vector>

namespace access_service {

// True for "127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8": an address in
// inet_pton form, optionally "/bits" (0-32 for IPv4, 0-128 for IPv6).
bool valid_cidr(const std::string& s);

// True when `ip` is inside one of `cidrs` (each valid_cidr). An IPv4-mapped
// IPv6 address ("::ffff:127.0.0.1") is compared as the IPv4 address it maps.
// False for an empty or unparseable `ip`.
bool address_allowed(const std::vector<std::string>& cidrs, const std::string& ip);

}  // namespace access_service
