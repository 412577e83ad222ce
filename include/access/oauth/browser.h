// Pieces of the browser flows (API.md section 4) shared by the authorize,
// sign-in, consent and sign-out handlers: redirect-URI matching, redirects
// back to the client with results or errors, the HTML error page, the
// browser-binding and session cookies and their CSRF tokens.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "access/core/context.h"
#include "access/http/http.h"
#include "access/store/store.h"

namespace access_service {

// Exact string match against a registered URI (RFC 9700 2.1); the one
// exception is RFC 8252 7.3: an http loopback URI may differ in port only.
bool redirect_uri_registered(const ClientApp& app, const std::string& uri);
// True when an authorization code for `uri` needs PKCE (S256): the app says
// so (requirePkce), or `uri` is not https, i.e. a loopback http URI or a
// custom scheme of a native app (RFC 8252 8.1; client_rules allows http only
// on loopback hosts).
bool pkce_required(const ClientApp& app, const std::string& uri);

// 302 to `location` with Cache-Control: no-store.
Response redirect(const std::string& location, int status = 302);
// An authorization response: a redirect to `redirect_uri` carrying `params`
// (already plain values; they are percent-encoded here) in the query for
// response_type "code" or in the fragment for "token" (RFC 6749 4.1.2,
// 4.2.2), then `state` when set, then `iss` = `issuer` (RFC 9207, on every
// response, success or error).
Response redirect_with(const std::string& redirect_uri, const std::string& response_type,
                       std::vector<std::pair<std::string, std::string>> params,
                       const std::optional<std::string>& state, const std::string& issuer);
// The OAuth error redirect: error, error_description, state and iss.
Response redirect_error(const std::string& redirect_uri, const std::string& response_type,
                        const std::string& error, const std::string& description,
                        const std::optional<std::string>& state, const std::string& issuer);
// A small HTML page (same look as nginx/html/error.html) for errors that must
// not redirect: a bad client or redirect URI, a refused consent POST.
Response html_error(int status, const std::string& title, const std::string& message);

constexpr char kSessionCookie[] = "access_session";
// The browser-binding cookie: a random value that GET /api/oauth/authorize
// gives the browser when it saves a request; the request keeps its SHA-256
// (AuthRequest::browser_hash) so that no other browser can read, sign in to,
// resume or consent to it.
constexpr char kBrowserCookie[] = "access_rid";

// The signed-in, enabled user of the request's session cookie, or kNotFound.
Result<User> session_user(Context& ctx, const Request& req, long long now);
// Starts a session for `user_id`: stores its hash and returns the Set-Cookie
// value (HttpOnly; SameSite=Lax; Path=/api, so that the account endpoints
// under /api/account see it too; Secure over https).
Result<std::string> start_session(Context& ctx, const Request& req, const std::string& user_id,
                                  long long now);
// Ends the request's session: deletes its row when the request has a session
// cookie, and returns the Set-Cookie value that clears the cookie.
Result<std::string> end_session(Context& ctx, const Request& req);

// The binding cookie for a request about to be saved: the browser's own when
// it has a well-formed one (requests started in two tabs both stay valid),
// else a new random value. Store sha256() of it in the request.
std::string browser_cookie_for(const Request& req);
// The Set-Cookie value for it (HttpOnly; SameSite=Lax; Path=/api/oauth;
// Max-Age `max_age`; Secure over https).
std::string browser_cookie_header(const Request& req, const std::string& value, int max_age);
// True when `req` comes from the browser that saved `ar`: its binding cookie
// hashes to ar.browser_hash (constant time; false without the cookie).
bool started_here(const Request& req, const AuthRequest& ar);

// CSRF tokens of the browser-flow forms, derived (HMAC under the server's
// key) from a cookie value, so they need no storage and die with the cookie:
// kSession from the session cookie (consent, sign-out, and sign-in when
// already signed in), kBrowser from the binding cookie (sign-in before
// there is a session). Each kind has its own HMAC label.
enum class CsrfBinding { kSession, kBrowser };
// "" when the request lacks that cookie.
std::string csrf_token(const Context& ctx, const Request& req, CsrfBinding binding);
// The kBrowser token of a binding cookie about to be set (the request does
// not carry it yet); "" for "".
std::string browser_csrf_token(const Context& ctx, const std::string& binding_cookie);
// True when `presented` equals that token (constant time); false when the
// request lacks the cookie.
bool csrf_valid(const Context& ctx, const Request& req, CsrfBinding binding,
                const std::string& presented);
// True when the request has no Origin header or one equal to the issuer's
// origin: form POSTs of the browser flow from other sites are refused.
bool same_origin(const Context& ctx, const Request& req);

}  // namespace access_service
