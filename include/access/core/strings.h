// Small string helpers shared by the store, handlers and the CLI.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace access_service {

// Splits on single spaces, dropping empty pieces ("a b" -> {"a","b"}).
std::vector<std::string> split_words(const std::string& s);
// Joins with single spaces.
std::string join_words(const std::vector<std::string>& words);
// True when `v` holds `s`.
bool contains(const std::vector<std::string>& v, const std::string& s);
// At most `max_bytes` of `s`, cut on a UTF-8 character boundary.
std::string truncate_utf8(std::string_view s, size_t max_bytes);
// ASCII lower-case copy.
std::string to_lower(std::string s);
// RFC 3339 UTC ("2026-11-22T12:00:00Z") of a Unix time.
std::string rfc3339(long long unix_seconds);
// RFC 3339 UTC with milliseconds ("2026-11-22T12:00:00.123Z") of a Unix time in ms.
std::string rfc3339_millis(long long unix_ms);
// Parses an RFC 3339 date-time ("2026-11-22T12:00:00Z", fractions of a
// second and "+01:00"-style offsets allowed, "T"/"Z" in either case) into
// Unix milliseconds; false for anything else (a date alone, an impossible
// day or hour, a year before 1970 or after 9999).
bool parse_rfc3339(const std::string& s, long long* unix_ms);
// Current Unix time in seconds.
long long now_seconds();
// Unix time in milliseconds (revocation watermarks, UUIDv7).
long long now_millis();
// The reason for an errno value, lower-case ("no such file or directory"),
// for messages about files.
std::string os_reason(int err);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates).
bool valid_utf8(std::string_view s);
// Percent-encoding for building query strings and fragments (RFC 3986
// unreserved characters are left as they are).
std::string url_encode(std::string_view in);

// The five characters that matter in HTML and XML text and attribute values
// (& < > " ') as entities; everything else as it is.
std::string html_escape(std::string_view s);

}  // namespace access_service
