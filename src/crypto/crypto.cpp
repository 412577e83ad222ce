#include "access/crypto/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <time.h>

#include <cstdint>
#include <cstdlib>

#include "access/core/log.h"
#include "access/core/strings.h"

namespace access_service {
namespace {

const char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const char kB64Std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

[[noreturn]] void die(const char* what) {
  log_error(std::string("fatal OpenSSL failure in ") + what);
  std::abort();
}

// Value of `c` in `alphabet`, or -1: a 256-entry table per alphabet, built once.
int decode_char(const char* alphabet, char c) {
  struct Table {
    signed char v[256];
    explicit Table(const char* a) {
      for (signed char& x : v) x = -1;
      for (int i = 0; i < 64; ++i)
        v[static_cast<unsigned char>(a[i])] = static_cast<signed char>(i);
    }
  };
  static const Table url(kB64Url), std(kB64Std);
  return (alphabet == kB64Url ? url : std).v[static_cast<unsigned char>(c)];
}

// Decodes groups of 4 symbols; `n` symbols without padding.
bool decode(const char* alphabet, std::string_view in, std::string* out) {
  if (in.size() % 4 == 1) return false;
  out->clear();
  out->reserve(in.size() * 3 / 4);
  unsigned acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = decode_char(alphabet, c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero (canonical encoding only).
  return (acc & ((1u << bits) - 1)) == 0;
}

}  // namespace

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (n && RAND_bytes(reinterpret_cast<unsigned char*>(&out[0]), static_cast<int>(n)) != 1)
    die("RAND_bytes");
  return out;
}

std::string random_token(size_t n) { return base64url_encode(random_bytes(n)); }

namespace {

std::string uuid_text(const std::string& b) {
  std::string h = hex(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

}  // namespace

std::string uuid4() {
  std::string b = random_bytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  return uuid_text(b);
}

std::optional<long long> uuid7_millis(const std::string& id) {
  if (id.size() != 36 || id[8] != '-' || id[14] != '7') return std::nullopt;
  long long ms = 0;
  for (char ch : id.substr(0, 8) + id.substr(9, 4)) {
    int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
    if (v < 0) return std::nullopt;
    ms = ms * 16 + v;
  }
  return ms;
}

std::string uuid7() {
  // RFC 9562 5.7: 48-bit Unix time in milliseconds, then 74 random bits.
  const uint64_t ms = static_cast<uint64_t>(now_millis());
  std::string b = random_bytes(16);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<char>((ms >> (40 - 8 * i)) & 0xff);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x70);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  return uuid_text(b);
}

std::string sha256(std::string_view data) {
  unsigned char md[32];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) die("sha256");
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char md[32];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len))
    die("HMAC");
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string hex(std::string_view raw) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string base64url_encode(std::string_view raw) {
  std::string out;
  out.reserve((raw.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 2 < raw.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(raw[i]) << 16) |
                 (static_cast<unsigned char>(raw[i + 1]) << 8) |
                 static_cast<unsigned char>(raw[i + 2]);
    out += {kB64Url[v >> 18], kB64Url[(v >> 12) & 63], kB64Url[(v >> 6) & 63], kB64Url[v & 63]};
  }
  if (i + 1 == raw.size()) {
    unsigned v = static_cast<unsigned char>(raw[i]) << 16;
    out += {kB64Url[v >> 18], kB64Url[(v >> 12) & 63]};
  } else if (i + 2 == raw.size()) {
    unsigned v =
        (static_cast<unsigned char>(raw[i]) << 16) | (static_cast<unsigned char>(raw[i + 1]) << 8);
    out += {kB64Url[v >> 18], kB64Url[(v >> 12) & 63], kB64Url[(v >> 6) & 63]};
  }
  return out;
}

bool base64url_decode(std::string_view in, std::string* out) { return decode(kB64Url, in, out); }

bool base64_decode(std::string_view in, std::string* out) {
  if (in.size() % 4 != 0) return false;
  size_t pad = 0;
  while (pad < 2 && pad < in.size() && in[in.size() - 1 - pad] == '=') ++pad;
  return decode(kB64Std, in.substr(0, in.size() - pad), out);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace access_service
