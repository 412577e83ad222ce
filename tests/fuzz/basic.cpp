// libFuzzer target: the Authorization header (parse_basic for client
// authentication, parse_bearer for the bearer endpoints), the Content-Type
// check and the base64 decoder under them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/http/http.h"
#include "fuzz_check.h"

using namespace access_service;

namespace {

bool clean_text(const std::string& s) { return s.find('\0') == std::string::npos && valid_utf8(s); }

bool b64token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in = fuzz::as_string(data, size);

  for (const std::string& header : {in, "Basic " + in}) {
    Result<BasicCredentials> basic = parse_basic(header);
    if (basic.ok()) {
      FUZZ_CHECK(clean_text(basic->user) && clean_text(basic->password));
      FUZZ_CHECK(basic->decoded_user.has_value() == basic->decoded_password.has_value());
      if (basic->decoded_user)
        FUZZ_CHECK(
            clean_text(*basic->decoded_user) && clean_text(*basic->decoded_password) &&
            (*basic->decoded_user != basic->user || *basic->decoded_password != basic->password));
    } else {
      FUZZ_CHECK(basic.status().is_invalid() || basic.status().is_not_found());
    }
  }
  for (const std::string& header : {in, "Bearer " + in}) {
    Result<std::string> bearer = parse_bearer(header);
    if (bearer.ok()) {
      FUZZ_CHECK(!bearer->empty() && bearer->size() <= 8192);
      for (char c : *bearer) FUZZ_CHECK(b64token_char(c));
    }
  }

  std::string raw;
  if (base64_decode(in, &raw)) FUZZ_CHECK(in.size() % 4 == 0 && raw.size() <= in.size());

  content_type_is(in, "application/json");
  content_type_is(in, "application/x-www-form-urlencoded");
  return 0;
}
