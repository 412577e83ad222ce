#include "access/core/strings.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "access/store/store.h"

namespace access_service {

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t sp = s.find(' ', pos);
    if (sp == std::string::npos) sp = s.size();
    if (sp > pos) out.push_back(s.substr(pos, sp - pos));
    pos = sp + 1;
  }
  return out;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string to_lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string rfc3339(long long t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string rfc3339_millis(long long ms) {
  long long secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  std::string out = rfc3339(secs);
  char frac[6];
  std::snprintf(frac, sizeof frac, ".%03lld", ms - secs * 1000);
  out.insert(out.size() - 1, frac);
  return out;
}

namespace {

// `n` decimal digits at s[*i], advancing *i.
bool digits(const std::string& s, size_t* i, int n, int* out) {
  int v = 0;
  for (int k = 0; k < n; ++k, ++*i) {
    if (*i >= s.size() || s[*i] < '0' || s[*i] > '9') return false;
    v = v * 10 + (s[*i] - '0');
  }
  *out = v;
  return true;
}

bool expect_char(const std::string& s, size_t* i, const char* any) {
  if (*i >= s.size() || !std::strchr(any, s[*i])) return false;
  ++*i;
  return true;
}

}  // namespace

bool parse_rfc3339(const std::string& s, long long* unix_ms) {
  size_t i = 0;
  int year, mon, day, hour, min, sec;
  if (s.size() > 40 || !digits(s, &i, 4, &year) || !expect_char(s, &i, "-") ||
      !digits(s, &i, 2, &mon) || !expect_char(s, &i, "-") || !digits(s, &i, 2, &day) ||
      !expect_char(s, &i, "Tt") || !digits(s, &i, 2, &hour) || !expect_char(s, &i, ":") ||
      !digits(s, &i, 2, &min) || !expect_char(s, &i, ":") || !digits(s, &i, 2, &sec))
    return false;
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > kDays[mon - 1] ||
      (mon == 2 && day == 29 && !leap) || hour > 23 || min > 59 || sec > 60)
    return false;
  long long ms = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int scale = 100, n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ms += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
      ++n;
    }
    if (n == 0) return false;
  }
  long long offset = 0;
  if (expect_char(s, &i, "Zz")) {
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    const int sign = s[i++] == '-' ? -1 : 1;
    int oh, om;
    if (!digits(s, &i, 2, &oh) || !expect_char(s, &i, ":") || !digits(s, &i, 2, &om) || oh > 23 ||
        om > 59)
      return false;
    offset = sign * (oh * 3600LL + om * 60LL);
  } else {
    return false;
  }
  if (i != s.size()) return false;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec > 59 ? 59 : sec;  // a leap second counts as the one before it
  const long long t = static_cast<long long>(timegm(&tm)) - offset;
  if (t < 0) return false;
  *unix_ms = t * 1000 + ms;
  return true;
}

std::string truncate_utf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  return std::string(s.substr(0, n));
}

long long now_seconds() { return static_cast<long long>(std::time(nullptr)); }

long long now_millis() {
  struct timespec ts {};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool ClientApp::has_grant(const std::string& g) const { return contains(grant_types, g); }
bool User::has_role(const std::string& r) const { return contains(roles, r); }

std::string os_reason(int err) {
  std::string r = std::strerror(err);
  if (!r.empty()) r[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(r[0])));
  return r;
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n;
    unsigned min;
    unsigned cp;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      min = 0x80;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      min = 0x800;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      min = 0x10000;
      cp = c & 0x07;
    } else
      return false;
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

std::string url_encode(std::string_view in) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace access_service
