// Small string helpers shared by the store, handlers and the CLI.
#pragma once

#include <string>
#include <vector>

namespace access_service {

// Splits on single spaces, dropping empty pieces ("a b" -> {"a","b"}).
std::vector<std::string> split_words(const std::string& s);
// Joins with single spaces.
std::string join_words(const std::vector<std::string>& words);
// True when `v` holds `s`.
bool contains(const std::vector<std::string>& v, const std::string& s);
// ASCII lower-case copy.
std::string to_lower(std::string s);
// RFC 3339 UTC ("2026-11-22T12:00:00Z") of a Unix time.
std::string rfc3339(long long unix_seconds);
// Current Unix time in seconds.
long long now_seconds();
// Unix time in milliseconds (revocation watermarks, UUIDv7).
long long now_millis();
// The reason for an errno value, lower-case ("no such file or directory"),
// for messages about files.
std::string os_reason(int err);

}  // namespace access_service
