// What accessctl's commands share: the argument record, the one-line error,
// the CLI wording of rule messages, and reading secrets without echo.
#include <termios.h>
#include <unistd.h>

#include <cctype>
#include <iostream>

#include "access/core/strings.h"
#include "ctl.h"

namespace access_service {
namespace ctl {

bool Args::flag(const std::string& f) const { return contains(flags, f); }

std::string Args::one(const std::string& option) const {
  auto it = options.find(option);
  return it == options.end() ? "" : it->second.back();
}

int fail(const std::string& msg) {
  std::cerr << "accessctl: " << msg << "\n";
  return 1;
}

std::string cli_words(std::string msg,
                      const std::vector<std::pair<std::string, std::string>>& names) {
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (const auto& [member, option] : names) {
    std::string out;
    size_t pos = 0;
    for (size_t at; (at = msg.find(member, pos)) != std::string::npos; pos = at + member.size()) {
      const size_t end = at + member.size();
      const bool whole =
          (at == 0 || !word_char(msg[at - 1])) && (end == msg.size() || !word_char(msg[end]));
      out += msg.substr(pos, at - pos) + (whole ? option : member);
    }
    msg = out + msg.substr(pos);
  }
  return msg;
}

std::string read_line_stdin() {
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool read_new_password(const Args& args, std::string* out, std::string* why) {
  if (args.flag("--password-stdin")) {
    *out = read_line_stdin();
    return true;
  }
  if (!isatty(STDIN_FILENO)) {
    *why = "no terminal to ask for the password: use --password-stdin";
    return false;
  }
  termios old{};
  tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::cerr << "Password: ";
  std::string a = read_line_stdin();
  std::cerr << "\nRepeat password: ";
  std::string b = read_line_stdin();
  std::cerr << "\n";
  tcsetattr(STDIN_FILENO, TCSANOW, &old);
  if (a != b) {
    *why = "passwords differ";
    return false;
  }
  *out = a;
  return true;
}

}  // namespace ctl
}  // namespace access_service
