// HTTP message pieces shared by every handler: the request as FastCGI gives
// it, the response a handler builds, and the parsers for the parts of a
// request that come straight from the network (query strings, form bodies,
// Authorization headers, cookies).
//
// Every parser here treats its input as hostile: it bounds sizes, rejects
// malformed escapes, NUL bytes and invalid UTF-8, and reports failure as a
// Status::Invalid whose message can be shown to the client.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "access/core/status.h"

namespace access_service {

constexpr size_t kMaxBodyBytes = 64 * 1024;  // API.md section 0: larger bodies get 413
constexpr size_t kMaxParams = 100;           // fields per query string or form body

struct Request {
  std::string method;         // REQUEST_METHOD
  std::string path;           // DOCUMENT_URI (already decoded and normalised by nginx)
  std::string query;          // QUERY_STRING, raw
  std::string content_type;   // CONTENT_TYPE
  std::string authorization;  // HTTP_AUTHORIZATION
  std::string cookie;         // HTTP_COOKIE
  std::string origin;         // HTTP_ORIGIN
  std::string csrf_token;     // HTTP_X_CSRF_TOKEN (the account endpoints, account.h)
  std::string remote_addr;    // REMOTE_ADDR
  std::string user_agent;     // HTTP_USER_AGENT
  std::string request_id;     // REQUEST_ID: nginx's $request_id
  bool https = false;         // HTTPS == "on"
  std::string body;
  bool body_too_large = false;  // CONTENT_LENGTH above kMaxBodyBytes; body not read
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void set_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  // The FastCGI/CGI wire form: "Status: ...\r\nHeader: v\r\n\r\nbody".
  std::string serialize() const;
};

// Decoded name/value pairs of a query string or an
// application/x-www-form-urlencoded body. A parameter may appear at most once
// (RFC 6749 3.1/3.2); an empty value counts as absent (RFC 6749 3.1).
class Params {
 public:
  // Errors: kInvalid for a repeated parameter, a bad %-escape, a NUL byte,
  // invalid UTF-8, or more than kMaxParams fields.
  static Result<Params> parse(std::string_view encoded);

  // The value, or "" when absent or empty.
  const std::string& get(std::string_view name) const;
  bool has(std::string_view name) const { return !get(name).empty(); }
  const std::vector<std::pair<std::string, std::string>>& all() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Percent-decoding as in application/x-www-form-urlencoded ('+' is a space).
// False on a malformed escape, a NUL byte or invalid UTF-8.
bool form_decode(std::string_view in, std::string* out);

struct BasicCredentials {
  std::string user;      // clientId, as sent (seed 003: no URL-encoding)
  std::string password;  // clientSecret, as sent
  // The RFC 6749 2.3.1 reading (each half form-decoded first), when it
  // decodes and differs from the raw one; otherwise empty.
  std::optional<std::string> decoded_user, decoded_password;
};
// Parses "Basic base64(id:secret)", split at the first ':'. Both readings
// are kept: the raw one, as the original service's clients send it, and the
// form-decoded one of RFC 6749 2.3.1; callers try the raw one first.
// kNotFound when the header is absent or another scheme, kInvalid when it is
// Basic but malformed (bad base64, no ':', over 2048 bytes).
Result<BasicCredentials> parse_basic(std::string_view header);

// Parses "Bearer <token>" (RFC 6750 2.1). kNotFound when absent or another
// scheme, kInvalid when malformed.
Result<std::string> parse_bearer(std::string_view header);

// The value of cookie `name` in a Cookie header, or "" when absent.
std::string cookie_value(std::string_view header, std::string_view name);

// True when the Content-Type's media type (parameters ignored, case-insensitive)
// equals `media_type`.
bool content_type_is(std::string_view content_type, std::string_view media_type);

}  // namespace access_service
