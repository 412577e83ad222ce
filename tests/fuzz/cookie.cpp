// libFuzzer target: cookie_value, which reads the browser session cookie out
// of the Cookie header on the sign-in and consent endpoints.
#include <cstddef>
#include <cstdint>
#include <string>

#include "access/http/http.h"
#include "fuzz_check.h"

using namespace access_service;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in = fuzz::as_string(data, size);
  // The header as it comes, and (first line as the name, rest as the header)
  // for names the fuzzer picks.
  std::string name = "access_session", header = in;
  size_t nl = in.find('\n');
  if (nl != std::string::npos) {
    name = in.substr(0, nl);
    header = in.substr(nl + 1);
  }
  for (const std::string& n : {std::string("access_session"), name}) {
    std::string v = cookie_value(header, n);
    // A value is a piece of the header that never spans into the next cookie.
    FUZZ_CHECK(v.size() <= header.size());
    FUZZ_CHECK(v.find(';') == std::string::npos);
    if (!v.empty()) FUZZ_CHECK(header.find(n + "=" + v) != std::string::npos);
  }
  return 0;
}
