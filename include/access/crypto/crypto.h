// Small cryptographic and encoding primitives on top of OpenSSL.
//
// All randomness comes from RAND_bytes (the OpenSSL CSPRNG, reseeded per
// process after fork by OpenSSL 3 itself). Functions that cannot fail in
// practice abort the process if OpenSSL reports an error: issuing a token
// with weak randomness is worse than a crash the master restarts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace access_service {

// `n` bytes from the CSPRNG.
std::string random_bytes(size_t n);
// `n` random bytes, base64url without padding (n=32 gives a 43-char token).
std::string random_token(size_t n = 32);
// A random (version 4) UUID in lower-case canonical form.
std::string uuid4();
// A random UUID version 7 (RFC 9562 5.7): time-ordered (milliseconds first),
// so rows keyed by it are appended to their B-tree instead of scattered.
// For token families and access-token ids.
std::string uuid7();
// The Unix time in milliseconds in the first 48 bits of a UUIDv7 in canonical
// form; nullopt for anything else.
std::optional<long long> uuid7_millis(const std::string& id);

// SHA-256 digest (32 raw bytes).
std::string sha256(std::string_view data);
// HMAC-SHA-256 (32 raw bytes).
std::string hmac_sha256(std::string_view key, std::string_view data);
// Lower-case hex of raw bytes.
std::string hex(std::string_view raw);

// RFC 4648 section 5 without padding.
std::string base64url_encode(std::string_view raw);
// Strict decoder for base64url without padding; false on any other byte, on
// impossible lengths, or on non-zero trailing bits.
bool base64url_decode(std::string_view in, std::string* out);
// Strict decoder for standard base64 with padding (RFC 4648 section 4), as used
// by HTTP Basic; false on any invalid input.
bool base64_decode(std::string_view in, std::string* out);

// Constant-time equality (CRYPTO_memcmp); different lengths compare unequal
// without revealing where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace access_service
