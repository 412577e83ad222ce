#include "access/core/log.h"

#include <pthread.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace access_service {
namespace {

LogLevel g_level = LogLevel::kInfo;  // set once at start-up, before fork
bool g_json = true;
// The pid on every line, without a getpid() system call per line: taken at
// start-up and again in every child a fork() makes.
pid_t g_pid = getpid();
const int kPidAfterFork = pthread_atfork(nullptr, nullptr, [] { g_pid = getpid(); });

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// "2026-12-01T10:00:00.123Z" of the wall clock, without allocating.
void append_now(std::string* out) {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  std::tm tm{};
  gmtime_r(&ts.tv_sec, &tm);
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                        ts.tv_nsec / 1000000);
  out->append(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

// A text-format value: bare when it is a plain word, otherwise quoted and
// escaped as a JSON string (so a space, '=', '"' or a newline cannot make
// one value look like two fields or two lines).
void append_text_value(std::string* out, std::string_view v) {
  bool plain = !v.empty();
  for (char c : v)
    if (static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '=' || c == '\\' || c == 0x7f)
      plain = false;
  if (plain) {
    out->append(v);
    return;
  }
  *out += '"';
  append_json_escaped(out, v);
  *out += '"';
}

void write_line(const std::string& line) {
  ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

// Free-form messages: in text, "level [pid] message" as before the
// structured lines (operators and scripts grep them), with the timestamp.
void emit_message(LogLevel level, const std::string& msg) {
  if (!log_enabled(level)) return;
  if (g_json) {
    LogLine(level, "message").str("msg", msg).emit();
    return;
  }
  std::string line;
  line.reserve(msg.size() + 48);
  append_now(&line);
  line += ' ';
  line += level_name(level);
  line += " [" + std::to_string(g_pid) + "] ";
  for (char c : msg) line += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  line += '\n';
  write_line(line);
}

}  // namespace

void set_log_level(const std::string& level) {
  g_level = level == "debug"   ? LogLevel::kDebug
            : level == "warn"  ? LogLevel::kWarn
            : level == "error" ? LogLevel::kError
                               : LogLevel::kInfo;
}
void set_log_format(const std::string& format) { g_json = format != "text"; }
bool log_enabled(LogLevel level) { return level >= g_level; }

void log_debug(const std::string& m) { emit_message(LogLevel::kDebug, m); }
void log_info(const std::string& m) { emit_message(LogLevel::kInfo, m); }
void log_warn(const std::string& m) { emit_message(LogLevel::kWarn, m); }
void log_error(const std::string& m) { emit_message(LogLevel::kError, m); }

void append_json_escaped(std::string* out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          *out += "\\u00";
          *out += kHex[c >> 4];
          *out += kHex[c & 15];
        } else {
          *out += ch;
        }
    }
  }
}

LogLine::LogLine(LogLevel level, const char* event) : on_(log_enabled(level)), json_(g_json) {
  if (!on_) return;
  line_.reserve(256);
  if (json_) {
    line_ += "{\"ts\":\"";
    append_now(&line_);
    line_ += "\",\"level\":\"";
    line_ += level_name(level);
    line_ += "\",\"pid\":";
    line_ += std::to_string(g_pid);
    line_ += ",\"event\":\"";
    append_json_escaped(&line_, event);
    line_ += '"';
  } else {
    append_now(&line_);
    line_ += ' ';
    line_ += level_name(level);
    line_ += " [";
    line_ += std::to_string(g_pid);
    line_ += "] ";
    line_ += event;
  }
}

void LogLine::key(const char* k) {
  if (json_) {
    line_ += ",\"";
    line_ += k;
    line_ += "\":";
  } else {
    line_ += ' ';
    line_ += k;
    line_ += '=';
  }
}

LogLine& LogLine::str(const char* k, std::string_view value) {
  if (!on_) return *this;
  key(k);
  if (json_) {
    line_ += '"';
    append_json_escaped(&line_, value);
    line_ += '"';
  } else {
    append_text_value(&line_, value);
  }
  return *this;
}

LogLine& LogLine::opt(const char* k, std::string_view value) {
  return value.empty() ? *this : str(k, value);
}

LogLine& LogLine::num(const char* k, long long value) {
  if (!on_) return *this;
  key(k);
  line_ += std::to_string(value);
  return *this;
}

LogLine& LogLine::millis(const char* k, double value) {
  if (!on_) return *this;
  key(k);
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%.3f", value);
  line_.append(buf, n > 0 ? static_cast<size_t>(n) : 0);
  return *this;
}

LogLine& LogLine::raw_json(const char* k, std::string_view json) {
  if (!on_) return *this;
  if (!json_) return str(k, json);
  key(k);
  line_ += json;
  return *this;
}

void LogLine::emit() {
  if (!on_) return;
  on_ = false;
  line_ += json_ ? "}\n" : "\n";
  write_line(line_);
}

void LogLine::append_to(std::string* out) {
  if (!on_) return;
  on_ = false;
  line_ += json_ ? "}\n" : "\n";
  *out += line_;
}

void write_log_lines(const std::string& lines) {
  if (!lines.empty()) write_line(lines);
}

}  // namespace access_service
