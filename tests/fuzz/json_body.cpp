// libFuzzer target: JSON request bodies as the admin and profile endpoints
// read them: read_json_body (size, media type, UTF-8, nesting depth, nlohmann
// parse, top-level object), then each endpoint's validation on the parsed
// object: apply_client_json (POST and PUT /api/v1/clientapps),
// apply_new_user_json (POST /api/v1/users) and apply_profile_json
// (PUT /api/v1/users/me). Whatever these accept must satisfy the rules the
// store relies on and serialise back to JSON.
#include <cstddef>
#include <cstdint>
#include <string>

#include "access/core/strings.h"
#include "access/http/api.h"
#include "access/http/http.h"
#include "access/oauth/client_rules.h"
#include "access/oauth/user_rules.h"
#include "fuzz_check.h"

using namespace access_service;

namespace {

// Strict dump: throws on invalid UTF-8, which no accepted value may hold.
bool serialises(const json& j) {
  try {
    j.dump();
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

bool has_control(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

bool is_400(const std::optional<Response>& r) {
  return r && r->status == 400 &&
         r->body.find("\"error\":\"invalid_request\"") != std::string::npos;
}

void check_client(const json& body) {
  ClientApp app;
  std::string secret;
  if (auto err = apply_client_json(body, /*create=*/true, &app, &secret)) {
    FUZZ_CHECK(!err->empty());
  } else {
    FUZZ_CHECK(!app.client_id.empty() && app.client_id.size() <= 128);
    FUZZ_CHECK(!app.app_name.empty() && valid_utf8(app.app_name) && !has_control(app.app_name));
    FUZZ_CHECK(secret.find('\0') == std::string::npos);
    FUZZ_CHECK(app.access_seconds >= 60 && app.access_seconds <= 86400);
    FUZZ_CHECK(secret.size() >= 16);
    FUZZ_CHECK(!app.grant_types.empty() && !app.scope.empty());
    for (const auto& u : app.redirect_uris) FUZZ_CHECK(valid_redirect_uri(u));
    if (app.has_grant("refresh_token"))
      FUZZ_CHECK(app.refresh_seconds && *app.refresh_seconds > app.access_seconds);
    FUZZ_CHECK(serialises(client_to_json(app)));
  }
  // PUT on an existing, valid app: members present replace stored values.
  ClientApp stored;
  stored.client_id = "existing";
  stored.app_name = "Existing";
  stored.grant_types = {"password", "refresh_token"};
  stored.scope = {"read", "write"};
  stored.access_seconds = 300;
  stored.refresh_seconds = 3600;
  if (!apply_client_json(body, /*create=*/false, &stored, &secret)) {
    FUZZ_CHECK(stored.access_seconds >= 60 && stored.access_seconds <= 86400);
    FUZZ_CHECK(!has_control(stored.app_name));
    for (const auto& u : stored.redirect_uris) FUZZ_CHECK(valid_redirect_uri(u));
    FUZZ_CHECK(serialises(client_to_json(stored)));
  }
}

void check_users(const json& body) {
  User user;
  std::string password;
  if (!apply_new_user_json(body, &user, &password)) {
    FUZZ_CHECK(valid_email(user.email));
    FUZZ_CHECK(!user.roles.empty());
    for (const auto& r : user.roles) FUZZ_CHECK(known_role(r));
    FUZZ_CHECK(password.empty() || (password.size() >= 12 && password.size() <= 1024));
    FUZZ_CHECK(serialises(user_to_json(user)));
  }
  User me;
  me.email = "me@example.com";
  me.roles = {"ROLE_COLLABORATOR"};
  if (!apply_profile_json(body, &me)) {
    for (const auto* f : {&me.first_name, &me.last_name, &me.other_name})
      if (*f) FUZZ_CHECK(f->value().size() <= 200 && valid_utf8(f->value()));
    if (me.mobile_number) FUZZ_CHECK(me.mobile_number->size() <= 32);
    FUZZ_CHECK(serialises(user_to_json(me)));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Request req;
  req.method = "POST";
  req.content_type = "application/json";
  req.body = fuzz::as_string(data, size);
  json body;
  std::optional<Response> err = read_json_body(req, &body);
  if (err) {
    FUZZ_CHECK(is_400(err) || (err->status == 413 && size > kMaxBodyBytes));
    return 0;
  }
  FUZZ_CHECK(body.is_object());
  check_client(body);
  check_users(body);
  return 0;
}
