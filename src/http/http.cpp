#include "access/http/http.h"

#include <cctype>

#include "access/core/strings.h"
#include "access/crypto/crypto.h"

namespace access_service {
namespace {

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

}  // namespace

std::string Response::serialize() const {
  std::string out = "Status: " + std::to_string(status) + " " + reason(status) + "\r\n";
  for (const auto& h : headers) out += h.first + ": " + h.second + "\r\n";
  out += "\r\n";
  out += body;
  return out;
}

bool form_decode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out->push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out->push_back(c);
    }
  }
  if (out->find('\0') != std::string::npos) return false;
  return valid_utf8(*out);
}

Result<Params> Params::parse(std::string_view encoded) {
  Params p;
  size_t start = 0;
  while (start <= encoded.size()) {
    size_t amp = encoded.find('&', start);
    if (amp == std::string_view::npos) amp = encoded.size();
    std::string_view field = encoded.substr(start, amp - start);
    start = amp + 1;
    if (field.empty()) continue;
    if (p.fields_.size() >= kMaxParams) return Status::Invalid("too many parameters");
    size_t eq = field.find('=');
    std::string name, value;
    if (!form_decode(field.substr(0, eq), &name) ||
        (eq != std::string_view::npos && !form_decode(field.substr(eq + 1), &value)))
      return Status::Invalid("malformed percent-encoding or invalid UTF-8 in parameters");
    for (const auto& f : p.fields_)
      if (f.first == name)
        return Status::Invalid("parameter '" + name + "' appears more than once");
    p.fields_.emplace_back(std::move(name), std::move(value));
  }
  return p;
}

const std::string& Params::get(std::string_view name) const {
  static const std::string kEmpty;
  for (const auto& f : fields_)
    if (f.first == name) return f.second;
  return kEmpty;
}

Result<BasicCredentials> parse_basic(std::string_view header) {
  if (!iequals_prefix(header, "Basic ")) return Status::NotFound("no Basic credentials");
  std::string_view b64 = header.substr(6);
  while (!b64.empty() && b64.front() == ' ') b64.remove_prefix(1);
  std::string decoded;
  if (b64.empty() || b64.size() > 2048 || !base64_decode(b64, &decoded))
    return Status::Invalid("Basic credentials are not valid base64");
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return Status::Invalid("Basic credentials lack ':'");
  // No registered id or secret holds a NUL or invalid UTF-8 (JSON strings).
  if (decoded.find('\0') != std::string::npos || !valid_utf8(decoded))
    return Status::Invalid("Basic credentials are malformed");
  BasicCredentials c;
  c.user = decoded.substr(0, colon);
  c.password = decoded.substr(colon + 1);
  std::string user, password;
  if (form_decode(c.user, &user) && form_decode(c.password, &password) &&
      (user != c.user || password != c.password)) {
    c.decoded_user = std::move(user);
    c.decoded_password = std::move(password);
  }
  return c;
}

Result<std::string> parse_bearer(std::string_view header) {
  if (!iequals_prefix(header, "Bearer ")) return Status::NotFound("no bearer token");
  std::string_view tok = header.substr(7);
  while (!tok.empty() && tok.front() == ' ') tok.remove_prefix(1);
  if (tok.empty() || tok.size() > 8192) return Status::Invalid("malformed bearer token");
  // RFC 6750 2.1 b64token characters.
  for (char c : tok)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '='))
      return Status::Invalid("malformed bearer token");
  return std::string(tok);
}

std::string cookie_value(std::string_view header, std::string_view name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t semi = header.find(';', pos);
    if (semi == std::string_view::npos) semi = header.size();
    std::string_view part = header.substr(pos, semi - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name)
      return std::string(part.substr(eq + 1));
    pos = semi + 1;
  }
  return "";
}

bool content_type_is(std::string_view ct, std::string_view media_type) {
  size_t semi = ct.find(';');
  std::string_view type = ct.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type.size() == media_type.size() && iequals_prefix(type, media_type);
}

}  // namespace access_service
