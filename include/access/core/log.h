// Logging: one line per event on stderr (journald under systemd, service.log
// in development), written with a single write() so that the lines of
// several workers never interleave.
//
// Every line carries a timestamp (RFC 3339 UTC, milliseconds), the level,
// the pid and an event name, then the event's fields in the order given:
//   json (log.format default):
//     {"ts":"2026-12-01T10:00:00.123Z","level":"info","pid":42,"event":"request","method":"GET",...}
//   text:
//     2026-12-01T10:00:00.123Z info [42] request method=GET route=/api/health status=200 ...
// Values are escaped in both formats (quotes, backslashes and every control
// character), so a value that came from the network (a username as typed, a
// user agent) can neither end the line nor forge a field of its own. In the
// text format a value with a space, '=' or '"' is written in double quotes.
// Free-form messages (log_info and friends) are the event "message" with a
// field "msg"; in the text format they print as "<ts> info [42] msg", the
// message as it is (control characters made spaces).
//
// Never pass secrets, passwords, tokens, codes or passcodes to these
// functions; log identifiers (clientId, user id, jti) instead.
//
// The level and format are set once at start-up (and on SIGHUP in the master),
// before any worker is forked; they are process-wide, like a signal flag.
#pragma once

#include <string>
#include <string_view>

namespace access_service {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };

// Sets the minimum level; "debug" | "info" | "warn" | "error".
void set_log_level(const std::string& level);
// Sets the line format; "json" | "text" (anything else: json).
void set_log_format(const std::string& format);
// True when a line of `level` would be written (skip building it otherwise).
bool log_enabled(LogLevel level);

void log_debug(const std::string& msg);
void log_info(const std::string& msg);
void log_warn(const std::string& msg);
void log_error(const std::string& msg);

// One structured line: LogLine(LogLevel::kInfo, "request").str("method", m).num("status",
// 200).emit(); Nothing is formatted when the level is below the minimum.
class LogLine {
 public:
  LogLine(LogLevel level, const char* event);
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;
  // A string field (escaped); written even when empty ("" / key="").
  LogLine& str(const char* key, std::string_view value);
  // A string field left out when `value` is empty.
  LogLine& opt(const char* key, std::string_view value);
  LogLine& num(const char* key, long long value);
  // A number with three decimals (milliseconds of latency).
  LogLine& millis(const char* key, double value);
  // A field whose value is already a JSON document (an object of details);
  // in the text format it is written as one quoted value.
  LogLine& raw_json(const char* key, std::string_view json);
  // Writes the line (once); a line never emitted is dropped.
  void emit();
  // Appends the finished line to *out instead (once), for write_log_lines.
  void append_to(std::string* out);

 private:
  void key(const char* k);
  bool on_;
  bool json_;
  std::string line_;
};

// Writes lines finished with LogLine::append_to in one write(): the lines of
// one request (its audit events, then its request line) cost one system call
// and stay together.
void write_log_lines(const std::string& lines);

// JSON string escaping (RFC 8259 7) of `s`, without the quotes, appended to
// *out: '"', '\\' and control characters escaped; other bytes as they are.
void append_json_escaped(std::string* out, std::string_view s);

}  // namespace access_service
