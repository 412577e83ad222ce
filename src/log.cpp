#include "access/log.h"

#include <unistd.h>

#include <cstdio>

namespace access_service {
namespace {

LogLevel g_level = LogLevel::kInfo;  // set once at start-up, before fork

void emit(LogLevel level, const char* tag, const std::string& msg) {
  if (level < g_level) return;
  // One write() per line so that lines from several workers never interleave.
  std::string line = std::string(tag) + " [" + std::to_string(getpid()) + "] " + msg + "\n";
  ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace

void set_log_level(const std::string& level) {
  g_level = level == "debug"  ? LogLevel::kDebug
            : level == "warn" ? LogLevel::kWarn
            : level == "error" ? LogLevel::kError
                               : LogLevel::kInfo;
}
void log_debug(const std::string& m) { emit(LogLevel::kDebug, "debug", m); }
void log_info(const std::string& m) { emit(LogLevel::kInfo, "info", m); }
void log_warn(const std::string& m) { emit(LogLevel::kWarn, "warn", m); }
void log_error(const std::string& m) { emit(LogLevel::kError, "error", m); }

}  // namespace access_service
