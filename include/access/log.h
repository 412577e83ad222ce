// Logging: one line per event on stderr (journald adds the timestamp under
// systemd). Never pass secrets, passwords, tokens or codes to these functions;
// log identifiers (clientId, user id, jti) instead.
#pragma once

#include <string>

namespace access_service {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };

// Sets the minimum level; "debug" | "info" | "warn" | "error".
void set_log_level(const std::string& level);
void log_debug(const std::string& msg);
void log_info(const std::string& msg);
void log_warn(const std::string& msg);
void log_error(const std::string& msg);

}  // namespace access_service
