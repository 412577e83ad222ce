#include "access/crypto/password_policy.h"

#include <zxcvbn.h>

#include <vector>

#include "access/core/strings.h"

namespace access_service {
namespace {

constexpr size_t kMinChars = 12, kMaxChars = 1024;
constexpr size_t kEstimatedBytes = 256;

// Code points of valid UTF-8 (continuation bytes are not counted).
size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

// "alice.liddell@mail.example.com" -> the address, "alice.liddell", "alice",
// "liddell", "mail", "example", plus the names: what an attacker who knows
// the account tries first.
std::vector<std::string> user_words(const User& user) {
  const std::string email = to_lower(user.email);
  std::vector<std::string> words = {email};
  size_t at = email.find('@');
  if (at != std::string::npos) words.push_back(email.substr(0, at));
  std::string piece;
  for (char c : email + ".") {
    if (c == '@' || c == '.' || c == '-' || c == '_' || c == '+') {
      if (piece.size() >= 3) words.push_back(piece);
      piece.clear();
    } else {
      piece += c;
    }
  }
  for (const auto* name : {&user.first_name, &user.last_name, &user.other_name})
    if (*name && (*name)->size() >= 3) words.push_back(to_lower(**name));
  return words;
}

}  // namespace

double password_entropy_bits(const std::string& password, const User& user) {
  std::vector<std::string> words = user_words(user);
  std::vector<const char*> dict;
  for (const auto& w : words) dict.push_back(w.c_str());
  dict.push_back(nullptr);
  // A C string: the policy refuses control characters (NUL among them)
  // before it asks.
  std::string estimated = password.substr(0, kEstimatedBytes);
  return ZxcvbnMatch(estimated.c_str(), dict.data(), nullptr);
}

std::optional<std::string> password_policy_error(const std::string& password, const User& user,
                                                 int min_entropy_bits) {
  if (!valid_utf8(password)) return "must be valid UTF-8";
  for (unsigned char c : password)
    if (c < 0x20 || c == 0x7f) return "must not contain control characters";
  size_t n = code_points(password);
  if (n < kMinChars || n > kMaxChars) return "must be 12 to 1024 characters long";
  if (to_lower(password) == to_lower(user.email))
    return "must not be the email address of the account";
  if (password_entropy_bits(password, user) < min_entropy_bits)
    return "is too easy to guess (a common password, words, names, dates, keyboard patterns or "
           "the email address); a few unrelated words make a strong one";
  return std::nullopt;
}

}  // namespace access_service
