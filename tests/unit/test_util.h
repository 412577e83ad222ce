// Helpers shared by the unit tests: temporary directories (mkdtemp, removed
// recursively on destruction), small file helpers, and header lookup.
#pragma once

#include <ftw.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "access/core/config.h"
#include "access/http/http.h"

namespace access_service {
namespace testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its content when
// the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/access-unit-XXXXXX";
    if (!mkdtemp(&tmpl[0])) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    nftw(
        path_.c_str(),
        [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// make test PG=1 sets ACCESS_TEST_PG to a libpq conninfo: the store of
// `config` is then that PostgreSQL database, emptied first (its public
// schema dropped and made again), instead of SQLite. Returns whether it is.
inline bool use_test_postgresql(Config& config) {
  const char* conninfo = getenv("ACCESS_TEST_PG");
  if (!conninfo || !*conninfo) return false;
  config.store_backend = "postgresql";
  config.conninfo = conninfo;
  PGconn* c = PQconnectdb(conninfo);
  if (PQstatus(c) != CONNECTION_OK) {
    std::string err = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("ACCESS_TEST_PG: " + err);
  }
  PGresult* r = PQexec(
      c, "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public");
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  PQfinish(c);
  if (!ok) throw std::runtime_error("ACCESS_TEST_PG: cannot empty the schema");
  return true;
}
inline bool testing_postgresql() {
  const char* c = getenv("ACCESS_TEST_PG");
  return c && *c;
}

// Boost.Test preconditions for a case that means one backend only:
//   BOOST_AUTO_TEST_CASE(name, *boost::unit_test::precondition(testing::postgresql_only))
// On the other backend the case is reported skipped, not passed.
inline boost::test_tools::assertion_result postgresql_only(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(testing_postgresql());
  if (!r) r.message() << "PostgreSQL only (ACCESS_TEST_PG is not set)";
  return r;
}
inline boost::test_tools::assertion_result sqlite_only(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(!testing_postgresql());
  if (!r) r.message() << "SQLite only (ACCESS_TEST_PG is set)";
  return r;
}

// Standard base64 with padding (RFC 4648 section 4), written independently
// of the code under test, for building HTTP Basic headers.
inline std::string base64_std(const std::string& raw) {
  static const char k[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < raw.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(raw[i]) << 16) |
                 (static_cast<unsigned char>(raw[i + 1]) << 8) |
                 static_cast<unsigned char>(raw[i + 2]);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], k[v & 63]};
  }
  if (i + 1 == raw.size()) {
    unsigned v = static_cast<unsigned char>(raw[i]) << 16;
    out += {k[v >> 18], k[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == raw.size()) {
    unsigned v =
        (static_cast<unsigned char>(raw[i]) << 16) | (static_cast<unsigned char>(raw[i + 1]) << 8);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], '='};
  }
  return out;
}

// True when every character of `s` is in `allowed`.
inline bool all_of_chars(const std::string& s, const std::string& allowed) {
  return s.find_first_not_of(allowed) == std::string::npos;
}

// `s` against a shape: 'D' a decimal digit, 'H' a lower-case hex digit, any
// other character itself.
inline bool has_shape(const std::string& s, const std::string& shape) {
  if (s.size() != shape.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool ok = shape[i] == 'D'   ? isdigit(static_cast<unsigned char>(s[i])) != 0
              : shape[i] == 'H' ? all_of_chars(std::string(1, s[i]), "0123456789abcdef")
                                : s[i] == shape[i];
    if (!ok) return false;
  }
  return true;
}

// Holds what the process writes to stderr while it lives (the log lines of a
// case that is meant to fail), instead of letting them into the test output;
// text() returns it so that the case can check what was logged.
class CaptureStderr {
 public:
  CaptureStderr() {
    fflush(stderr);
    saved_ = dup(STDERR_FILENO);
    file_ = tmpfile();
    if (saved_ < 0 || !file_) throw std::runtime_error("cannot capture stderr");
    dup2(fileno(file_), STDERR_FILENO);
  }
  ~CaptureStderr() {
    restore();
    if (file_) fclose(file_);
  }
  CaptureStderr(const CaptureStderr&) = delete;
  CaptureStderr& operator=(const CaptureStderr&) = delete;

  std::string text() {
    restore();
    std::string out;
    rewind(file_);
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, file_)) > 0;) out.append(buf, n);
    return out;
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    fflush(stderr);
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    saved_ = -1;
  }
  int saved_ = -1;
  FILE* file_ = nullptr;
};

inline void write_text(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The value of the first header called `name` (case-insensitive), or "".
inline std::string header(const Response& r, const std::string& name) {
  for (const auto& h : r.headers) {
    if (h.first.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i)
      same = tolower(static_cast<unsigned char>(h.first[i])) ==
             tolower(static_cast<unsigned char>(name[i]));
    if (same) return h.second;
  }
  return "";
}

inline bool has_header(const Response& r, const std::string& name) {
  for (const auto& h : r.headers)
    if (h.first.size() == name.size() && !strncasecmp(h.first.c_str(), name.c_str(), name.size()))
      return true;
  return false;
}

// RFC 4648 base32 (upper case, no padding), for the secret of an otpauth
// URI; written independently of the code under test.
inline std::string base32_decode(const std::string& in) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= '2' && c <= '7' ? c - '2' + 26 : -1;
    if (v < 0) continue;
    buffer = (buffer << 5) | static_cast<unsigned>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

}  // namespace testing
}  // namespace access_service
