#include "access/oauth/browser.h"

#include "access/core/loopback.h"
#include "access/core/strings.h"
#include "access/crypto/crypto.h"

namespace access_service {
namespace {

// A cookie value this server could have set: 32 random bytes, base64url.
bool well_formed_cookie(const std::string& v) {
  std::string raw;
  return v.size() == 43 && base64url_decode(v, &raw);
}

// The session cookie goes to every /api path (the account endpoints under
// /api/account as well as the browser flow); the binding cookie only to
// /api/oauth, where saved requests are used.
std::string cookie_attributes(const Request& req, int max_age, const char* path) {
  return std::string("; Path=") + path + "; Max-Age=" + std::to_string(max_age) +
         "; HttpOnly; SameSite=Lax" + (req.https ? "; Secure" : "");
}
constexpr char kSessionPath[] = "/api";
constexpr char kBrowserPath[] = "/api/oauth";

std::string csrf_of(const Context& ctx, CsrfBinding binding, const std::string& cookie) {
  if (cookie.empty()) return "";
  bool session = binding == CsrfBinding::kSession;
  const char* label = session ? "csrf:" : "csrf-browser:";
  return base64url_encode(hmac_sha256(ctx.hmac_key, label + cookie));
}

std::string issuer_origin(const std::string& issuer) {
  size_t scheme_end = issuer.find("://");
  size_t path = issuer.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  return issuer.substr(0, path);
}

}  // namespace

bool redirect_uri_registered(const ClientApp& app, const std::string& uri) {
  std::string host, rest;
  bool loopback = split_loopback_http(uri, &host, &rest);
  for (const auto& registered : app.redirect_uris) {
    if (registered == uri) return true;
    std::string rhost, rrest;
    if (loopback && split_loopback_http(registered, &rhost, &rrest) && rhost == host &&
        rrest == rest)
      return true;
  }
  return false;
}

bool pkce_required(const ClientApp& app, const std::string& uri) {
  return app.require_pkce || to_lower(uri.substr(0, uri.find(':'))) != "https";
}

Response redirect(const std::string& location, int status) {
  Response r;
  r.status = status;
  r.set_header("Location", location);
  r.set_header("Cache-Control", "no-store");
  return r;
}

Response redirect_with(const std::string& redirect_uri, const std::string& response_type,
                       std::vector<std::pair<std::string, std::string>> params,
                       const std::optional<std::string>& state, const std::string& issuer) {
  if (state) params.emplace_back("state", *state);
  params.emplace_back("iss", issuer);  // RFC 9207 2: mix-up defence
  std::string encoded;
  for (const auto& p : params) {
    if (!encoded.empty()) encoded += '&';
    encoded += p.first + "=" + url_encode(p.second);
  }
  char sep =
      response_type == "token" ? '#' : (redirect_uri.find('?') == std::string::npos ? '?' : '&');
  return redirect(redirect_uri + sep + encoded);
}

Response redirect_error(const std::string& redirect_uri, const std::string& response_type,
                        const std::string& error, const std::string& description,
                        const std::optional<std::string>& state, const std::string& issuer) {
  return redirect_with(redirect_uri, response_type,
                       {{"error", error}, {"error_description", description}}, state, issuer);
}

Response html_error(int status, const std::string& title, const std::string& message) {
  Response r;
  r.status = status;
  r.set_header("Content-Type", "text/html; charset=utf-8");
  r.set_header("Cache-Control", "no-store");
  r.body =
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>" +
      html_escape(title) +
      " - access-service</title>\n"
      "<link rel=\"stylesheet\" href=\"/pages.css\">\n</head>\n<body>\n"
      "<main class=\"card\" aria-labelledby=\"title\">\n"
      "<p class=\"brand\">access-service</p>\n"
      "<h1 id=\"title\">" +
      html_escape(title) +
      "</h1>\n"
      "<p class=\"message\" role=\"alert\">" +
      html_escape(message) +
      "</p>\n"
      "<p class=\"hint\">Go back to the application you came from and start again. If this "
      "keeps happening, tell the application's developer.</p>\n"
      "</main>\n</body>\n</html>\n";
  return r;
}

Result<User> session_user(Context& ctx, const Request& req, long long now) {
  std::string cookie = cookie_value(req.cookie, kSessionCookie);
  if (cookie.empty() || cookie.size() > 100) return Status::NotFound("no session");
  Result<std::string> user_id = ctx.store->find_session_user(sha256(cookie), now);
  if (!user_id.ok()) return user_id.status();
  Result<User> user = ctx.store->find_user(*user_id);
  if (!user.ok()) return user.status();
  if (!user->enabled) return Status::NotFound("user disabled");
  return user;
}

Result<std::string> start_session(Context& ctx, const Request& req, const std::string& user_id,
                                  long long now) {
  std::string cookie = random_token(32);
  Status st =
      ctx.store->insert_session(sha256(cookie), user_id, now, now + ctx.config.session_seconds);
  if (!st.ok()) return st;
  return std::string(kSessionCookie) + "=" + cookie +
         cookie_attributes(req, ctx.config.session_seconds, kSessionPath);
}

Result<std::string> end_session(Context& ctx, const Request& req) {
  std::string cookie = cookie_value(req.cookie, kSessionCookie);
  if (!cookie.empty()) {
    Status st = ctx.store->delete_session(sha256(cookie));
    if (!st.ok()) return st;
  }
  return std::string(kSessionCookie) + "=" + cookie_attributes(req, 0, kSessionPath);
}

std::string browser_cookie_for(const Request& req) {
  std::string cookie = cookie_value(req.cookie, kBrowserCookie);
  return well_formed_cookie(cookie) ? cookie : random_token(32);
}

std::string browser_cookie_header(const Request& req, const std::string& value, int max_age) {
  return std::string(kBrowserCookie) + "=" + value + cookie_attributes(req, max_age, kBrowserPath);
}

bool started_here(const Request& req, const AuthRequest& ar) {
  std::string cookie = cookie_value(req.cookie, kBrowserCookie);
  return !cookie.empty() && !ar.browser_hash.empty() &&
         constant_time_equal(sha256(cookie), ar.browser_hash);
}

std::string csrf_token(const Context& ctx, const Request& req, CsrfBinding binding) {
  bool session = binding == CsrfBinding::kSession;
  return csrf_of(ctx, binding, cookie_value(req.cookie, session ? kSessionCookie : kBrowserCookie));
}

std::string browser_csrf_token(const Context& ctx, const std::string& binding_cookie) {
  return csrf_of(ctx, CsrfBinding::kBrowser, binding_cookie);
}

bool csrf_valid(const Context& ctx, const Request& req, CsrfBinding binding,
                const std::string& presented) {
  std::string expected = csrf_token(ctx, req, binding);
  return !expected.empty() && constant_time_equal(expected, presented);
}

bool same_origin(const Context& ctx, const Request& req) {
  return req.origin.empty() || req.origin == issuer_origin(ctx.config.issuer);
}

}  // namespace access_service
