#include "access/oauth/client_rules.h"

#include <cctype>

#include "access/core/json_members.h"
#include "access/core/loopback.h"
#include "access/core/strings.h"
#include "access/crypto/crypto.h"

namespace access_service {
namespace {

using json = nlohmann::json;

const char* const kGrants[] = {"authorization_code", "implicit", "password",
                               "refresh_token",      "mfa",      "device"};
// Members of the app object that a client may send back but not change.
// (`clientSecret` is write-only: never returned after creation.)
const std::initializer_list<const char*> kReadOnly = {"id", "createdAt"};

bool known(const char* const* list, size_t n, const std::string& s) {
  for (size_t i = 0; i < n; ++i)
    if (s == list[i]) return true;
  return false;
}

std::optional<std::string> read_strings(const json& v, const char* name, size_t max_items,
                                        std::vector<std::string>* out) {
  if (!v.is_array()) return std::string(name) + " must be an array of strings";
  if (v.size() > max_items) return std::string(name) + " has too many items";
  std::vector<std::string> list;
  for (const auto& e : v) {
    if (!e.is_string()) return std::string(name) + " must be an array of strings";
    if (contains(list, e.get<std::string>())) return std::string(name) + " has duplicates";
    list.push_back(e.get<std::string>());
  }
  *out = std::move(list);
  return std::nullopt;
}

std::optional<std::string> read_seconds(const json& v, const char* name, std::optional<int>* out) {
  if (!v.is_number_integer()) return std::string(name) + " must be an integer";
  bool huge = v.is_number_unsigned()
                  ? v.get<uint64_t>() > 1000000000ULL
                  : v.get<int64_t>() < -1000000000LL || v.get<int64_t>() > 1000000000LL;
  if (huge) return std::string(name) + " is out of range";
  *out = static_cast<int>(v.get<int64_t>());
  return std::nullopt;
}

// Counts code points of valid UTF-8 ("1-200 chars" means characters).
size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

// C0 controls and DEL: never part of a display name, and a NUL could not
// even be presented back (form_decode refuses it).
bool has_control(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

bool all_of(const std::string& s, bool (*ok)(unsigned char)) {
  for (unsigned char c : s)
    if (!ok(c)) return false;
  return true;
}

// [A-Za-z0-9._~-]
bool client_id_char(unsigned char c) {
  return std::isalnum(c) || c == '.' || c == '_' || c == '~' || c == '-';
}
// RFC 6749 3.3 scope-token: %x21 / %x23-5B / %x5D-7E
bool scope_char(unsigned char c) {
  return c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}
// RFC 3986 3.1 scheme characters after the first letter
bool scheme_char(unsigned char c) { return std::isalnum(c) || c == '+' || c == '.' || c == '-'; }

}  // namespace

bool valid_redirect_uri(const std::string& uri) {
  if (uri.empty() || uri.size() > 2000 || !valid_utf8(uri)) return false;
  for (unsigned char c : uri)
    if (c <= 0x20 || c == 0x7f || c == '#' || c == '\\') return false;
  size_t colon = uri.find(':');
  if (colon == 0 || colon == std::string::npos || colon + 1 == uri.size() ||
      !std::isalpha(static_cast<unsigned char>(uri[0])) ||
      !all_of(uri.substr(0, colon), scheme_char))
    return false;
  std::string scheme = to_lower(uri.substr(0, colon));
  std::string rest = uri.substr(colon + 1);
  if (scheme == "javascript" || scheme == "data" || scheme == "file" || scheme == "vbscript")
    return false;
  if (scheme != "http" && scheme != "https") return true;  // native app custom scheme
  if (rest.rfind("//", 0) != 0) return false;
  std::string authority = rest.substr(2, rest.find_first_of("/?", 2) - 2);
  if (authority.empty() || authority.find('@') != std::string::npos) return false;
  std::string host = authority;
  if (host[0] == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (host.empty()) return false;
  return scheme == "https" || is_loopback_host(to_lower(host));
}

std::optional<std::string> apply_client_json(const json& body, bool create, ClientApp* app,
                                             std::string* new_secret) {
  // Unknown members are ignored (the loop below never looks at them). On
  // create, `id` and `createdAt` are assigned by the server whatever the body
  // says; on update they must equal the stored values.
  if (!create)
    if (auto err = check_read_only(body, client_to_json(*app), kReadOnly)) return err;
  if (create) {
    for (const char* req :
         {"appName", "clientId", "authorizedGrantTypes", "accessTokenValiditySeconds"})
      if (!body.contains(req)) return std::string(req) + " is required";
    app->scope = {"read", "write"};
  }
  new_secret->clear();
  std::optional<int> access, refresh = app->refresh_seconds;
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    std::optional<std::string> err;
    if (k == "appName") {
      if (!v.is_string() || v.get<std::string>().empty() || !valid_utf8(v.get<std::string>()) ||
          utf8_length(v.get<std::string>()) > 200 || has_control(v.get<std::string>()))
        return "appName must be a string of 1-200 characters without control characters";
      app->app_name = v;
    } else if (k == "clientId") {
      if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 128 ||
          !all_of(v.get<std::string>(), client_id_char))
        return "clientId must match [A-Za-z0-9._~-]{1,128}";
      app->client_id = v;
    } else if (k == "clientSecret") {
      if (v.is_null()) continue;  // no new secret (generated on create)
      // HTTP Basic cannot carry a NUL (RFC 6749 2.3.1 form-encoding; form_decode).
      if (!v.is_string() || v.get<std::string>().size() < 16 || v.get<std::string>().size() > 512 ||
          v.get<std::string>().find('\0') != std::string::npos)
        return "clientSecret must be a string of 16-512 characters without NUL";
      *new_secret = v;
    } else if (k == "authorizedGrantTypes") {
      err = read_strings(v, "authorizedGrantTypes", 6, &app->grant_types);
    } else if (k == "registeredRedirectUris") {
      err = read_strings(v, "registeredRedirectUris", 50, &app->redirect_uris);
    } else if (k == "scope") {
      err = read_strings(v, "scope", 50, &app->scope);
    } else if (k == "accessTokenValiditySeconds") {
      err = read_seconds(v, "accessTokenValiditySeconds", &access);
      if (!err) app->access_seconds = *access;
    } else if (k == "refreshTokenValiditySeconds") {
      if (v.is_null())
        refresh.reset();
      else
        err = read_seconds(v, "refreshTokenValiditySeconds", &refresh);
    } else if (k == "autoApprove") {
      if (!v.is_boolean()) return "autoApprove must be a boolean";
      app->auto_approve = v;
    } else if (k == "requirePkce") {
      if (!v.is_boolean()) return "requirePkce must be a boolean";
      app->require_pkce = v;
    } else if (k == "enabled") {
      if (!v.is_boolean()) return "enabled must be a boolean";
      app->enabled = v;
    }
    if (err) return err;
  }
  app->refresh_seconds = refresh;
  if (create && new_secret->empty()) *new_secret = random_token(32);

  // Rules on the result.
  if (app->grant_types.empty()) return "authorizedGrantTypes must not be empty";
  for (const auto& g : app->grant_types)
    if (!known(kGrants, std::size(kGrants), g))
      return "authorizedGrantTypes has an unknown grant type: " + g;
  if (!app->has_grant("authorization_code") && !app->has_grant("implicit") &&
      !app->has_grant("password"))
    return "authorizedGrantTypes needs one of authorization_code, implicit, password";
  bool redirects = app->has_grant("authorization_code") || app->has_grant("implicit");
  if (redirects && app->redirect_uris.empty())
    return "registeredRedirectUris is required for authorization_code and implicit";
  for (const auto& u : app->redirect_uris)
    if (!valid_redirect_uri(u)) return "registeredRedirectUris has an invalid URI: " + u;
  if (app->access_seconds < 60 || app->access_seconds > 86400)
    return "accessTokenValiditySeconds must be from 60 to 86400";
  if (app->has_grant("refresh_token")) {
    if (!app->refresh_seconds) return "refreshTokenValiditySeconds is required with refresh_token";
    if (*app->refresh_seconds <= app->access_seconds || *app->refresh_seconds > 31536000)
      return "refreshTokenValiditySeconds must be greater than accessTokenValiditySeconds and at "
             "most 31536000";
  } else if (app->refresh_seconds &&
             (*app->refresh_seconds <= app->access_seconds || *app->refresh_seconds > 31536000)) {
    return "refreshTokenValiditySeconds must be greater than accessTokenValiditySeconds and at "
           "most 31536000";
  }
  if (app->scope.empty()) return "scope must not be empty";
  for (const auto& s : app->scope)
    if (s.empty() || s.size() > 128 || !all_of(s, scope_char))
      return "scope has an invalid value: " + s;
  return std::nullopt;
}

json client_to_json(const ClientApp& a) {
  return {{"id", a.id},
          {"clientId", a.client_id},
          {"appName", a.app_name},
          {"authorizedGrantTypes", a.grant_types},
          {"registeredRedirectUris", a.redirect_uris},
          {"accessTokenValiditySeconds", a.access_seconds},
          {"refreshTokenValiditySeconds", a.refresh_seconds ? json(*a.refresh_seconds) : json()},
          {"scope", a.scope},
          {"autoApprove", a.auto_approve},
          {"requirePkce", a.require_pkce},
          {"enabled", a.enabled},
          {"createdAt", rfc3339(a.created_at)}};
}

}  // namespace access_service
