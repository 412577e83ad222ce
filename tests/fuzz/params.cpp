// libFuzzer target: query strings and application/x-www-form-urlencoded
// bodies (Params::parse, form_decode, url_encode) and list paging (read_page),
// the parsers every /api/oauth/* POST and every list GET runs on network bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "access/core/strings.h"
#include "access/http/api.h"
#include "access/http/http.h"
#include "fuzz_check.h"

using namespace access_service;

namespace {

bool clean_text(const std::string& s) { return s.find('\0') == std::string::npos && valid_utf8(s); }

void check_params(const std::string& in) {
  Result<Params> p = Params::parse(in);
  if (!p.ok()) {
    FUZZ_CHECK(p.status().is_invalid());
    return;
  }
  const auto& fields = p->all();
  FUZZ_CHECK(fields.size() <= kMaxParams);
  for (size_t i = 0; i < fields.size(); ++i) {
    FUZZ_CHECK(clean_text(fields[i].first) && clean_text(fields[i].second));
    for (size_t j = i + 1; j < fields.size(); ++j) FUZZ_CHECK(fields[i].first != fields[j].first);
    FUZZ_CHECK(&p->get(fields[i].first) == &fields[i].second);
  }
}

void check_form_decode(const std::string& in) {
  std::string out;
  if (form_decode(in, &out)) {
    FUZZ_CHECK(clean_text(out));
    FUZZ_CHECK(out.size() <= in.size());
  }
  // url_encode emits only unreserved characters and %XX, and form_decode
  // inverts it for every string a parameter may hold.
  std::string enc = url_encode(in);
  for (size_t i = 0; i < enc.size(); ++i) {
    char c = enc[i];
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    FUZZ_CHECK(unreserved || (c == '%' && i + 2 < enc.size()));
  }
  std::string back;
  bool ok = form_decode(enc, &back);
  FUZZ_CHECK(ok == clean_text(in));
  if (ok) FUZZ_CHECK(back == in);
}

void check_page(const std::string& in) {
  Request req;
  req.method = "GET";
  req.query = in;
  Page page;
  const std::vector<std::pair<std::string, std::string>> columns = {
      {"createdAt", "created_at"}, {"appName", "app_name"}, {"clientId", "client_id"}};
  std::optional<Response> err = read_page(req, columns, &page);
  if (err) {
    FUZZ_CHECK(err->status == 400);
    FUZZ_CHECK(err->body.find("\"error\":\"invalid_request\"") != std::string::npos);
    return;
  }
  FUZZ_CHECK(page.limit >= 0 && page.limit <= 100);
  FUZZ_CHECK(page.offset >= 0);
  FUZZ_CHECK(page.sort_by == "created_at" || page.sort_by == "app_name" ||
             page.sort_by == "client_id");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in = fuzz::as_string(data, size);
  check_params(in);
  check_form_decode(in);
  check_page(in);
  return 0;
}
