// Pieces of the browser flows (API.md section 4) shared by the authorize,
// sign-in and consent handlers: redirect-URI matching, redirects back to the
// client with results or errors, the HTML error page, the session cookie and
// its CSRF token.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "access/context.h"
#include "access/http.h"
#include "access/store.h"

namespace access_service {

// Exact string match against a registered URI (RFC 9700 2.1); the one
// exception is RFC 8252 7.3: an http loopback URI may differ in port only.
bool redirect_uri_registered(const ClientApp& app, const std::string& uri);

// 302 to `location` with Cache-Control: no-store.
Response redirect(const std::string& location, int status = 302);
// A redirect to `redirect_uri` carrying `params` (already plain values; they
// are percent-encoded here) in the query for response_type "code" or in the
// fragment for "token" (RFC 6749 4.1.2, 4.2.2). `state` is appended when set.
Response redirect_with(const std::string& redirect_uri, const std::string& response_type,
                       std::vector<std::pair<std::string, std::string>> params,
                       const std::optional<std::string>& state);
// The OAuth error redirect: error, error_description and state.
Response redirect_error(const std::string& redirect_uri, const std::string& response_type,
                        const std::string& error, const std::string& description,
                        const std::optional<std::string>& state);
// A small HTML page (same look as nginx/html/error.html) for errors that must
// not redirect: a bad client or redirect URI, a refused consent POST.
Response html_error(int status, const std::string& title, const std::string& message);

constexpr char kSessionCookie[] = "access_session";

// The signed-in, enabled user of the request's session cookie, or kNotFound.
Result<User> session_user(Context& ctx, const Request& req, long long now);
// Starts a session for `user_id`: stores its hash and returns the Set-Cookie
// value (HttpOnly; SameSite=Lax; Path=/api/oauth; Secure over https).
Result<std::string> start_session(Context& ctx, const Request& req, const std::string& user_id,
                                  long long now);
// The CSRF token of the request's session: HMAC of the session cookie value,
// so it is bound to that session and needs no storage. "" without a session.
std::string csrf_token(const Context& ctx, const Request& req);
// True when `presented` equals the session's CSRF token (constant time).
bool csrf_valid(const Context& ctx, const Request& req, const std::string& presented);
// True when the request has no Origin header or one equal to the issuer's
// origin: form POSTs of the browser flow from other sites are refused.
bool same_origin(const Context& ctx, const Request& req);

}  // namespace access_service
