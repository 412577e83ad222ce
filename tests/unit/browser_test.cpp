// include/access/browser.h: redirect-URI matching (exact, with the RFC 8252
// loopback port exception and what it does not allow), PKCE's rule, the
// authorization-response redirects, the HTML error page's escaping, the
// session and browser-binding cookies, the CSRF tokens and the origin check.
#include "access/oauth/browser.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "access/crypto/crypto.h"
#include "server_fixture.h"

using namespace access_service;
using namespace access_service::testing;

namespace {

ClientApp app_with(std::vector<std::string> uris, bool require_pkce = false) {
  ClientApp a;
  a.client_id = "web";
  a.redirect_uris = std::move(uris);
  a.require_pkce = require_pkce;
  return a;
}

Request with_cookie(const std::string& cookie, bool https = false) {
  Request r;
  r.cookie = cookie;
  r.https = https;
  return r;
}

// Everything after the first '?' or '#' of a Location.
std::string after(const std::string& location, char sep) {
  size_t at = location.find(sep);
  return at == std::string::npos ? "" : location.substr(at + 1);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(browser)

BOOST_AUTO_TEST_CASE(redirect_uri_matches_exactly) {
  ClientApp a = app_with({"https://app.example.com/cb", "com.example.app:/oauth"});
  BOOST_TEST(redirect_uri_registered(a, "https://app.example.com/cb"));
  BOOST_TEST(redirect_uri_registered(a, "com.example.app:/oauth"));
  // Anything else, however close, is refused (RFC 9700 2.1: no pattern,
  // prefix or normalisation).
  for (const char* uri :
       {"https://app.example.com/cb/", "https://app.example.com/cb?x=1",
        "https://app.example.com/cb#f", "https://APP.example.com/cb", "https://app.example.com/CB",
        "http://app.example.com/cb", "https://app.example.com:443/cb", "https://app.example.com/c",
        "https://app.example.com/cbx", "https://app.example.com.evil.com/cb",
        "https://evil.com/?https://app.example.com/cb", "", " https://app.example.com/cb",
        "com.example.app:/oauth/x"})
    BOOST_TEST(!redirect_uri_registered(a, uri), uri);
  BOOST_TEST(!redirect_uri_registered(app_with({}), "https://app.example.com/cb"));
}

BOOST_AUTO_TEST_CASE(loopback_http_may_differ_in_port_only) {
  ClientApp a =
      app_with({"http://127.0.0.1/cb", "http://localhost:8000/done?x=1", "http://[::1]:9/cb"});
  // RFC 8252 7.3: any port, the rest exact.
  BOOST_TEST(redirect_uri_registered(a, "http://127.0.0.1/cb"));
  BOOST_TEST(redirect_uri_registered(a, "http://127.0.0.1:51234/cb"));
  BOOST_TEST(redirect_uri_registered(a, "http://127.0.0.1:1/cb"));
  BOOST_TEST(redirect_uri_registered(a, "http://localhost:8000/done?x=1"));
  BOOST_TEST(redirect_uri_registered(a, "http://localhost/done?x=1"));
  BOOST_TEST(redirect_uri_registered(a, "http://localhost:65000/done?x=1"));
  BOOST_TEST(redirect_uri_registered(a, "http://[::1]/cb"));
  BOOST_TEST(redirect_uri_registered(a, "http://[::1]:4242/cb"));
}

BOOST_AUTO_TEST_CASE(loopback_exception_allows_nothing_else) {
  ClientApp a = app_with({"http://127.0.0.1/cb", "http://localhost:8000/done?x=1"});
  for (const char* uri : {
           "http://127.0.0.1:8080/cb2",       // another path
           "http://127.0.0.1:8080/",          // another path
           "http://127.0.0.1:8080/cb?x=1",    // a query added
           "http://localhost:8000/done?x=2",  // another query
           "http://localhost:8000/done",      // query dropped
           "http://localhost:8000/cb",        // localhost is not 127.0.0.1
           "http://[::1]:8000/cb",            // nor is [::1]
           "https://127.0.0.1:8080/cb",       // https: exact match only
           "http://127.0.0.2:8080/cb",        // another address
           "http://127.0.0.1.evil.com/cb",    // a longer host
           "http://localhost.evil.com/cb",
           "http://127.0.0.1:8080@evil.com/cb",  // userinfo trick
           "http://127.0.0.1:80x/cb",            // a port that is not digits
           "http://127.0.0.1:8080#/cb",
           "HTTP://127.0.0.1:8080/cb",  // not the literal prefix
       })
    BOOST_TEST(!redirect_uri_registered(a, uri), uri);
  // The exception applies to loopback registrations only: an ordinary http
  // URI (client_rules forbids registering one, but if it were there) or an
  // https one must match to the port.
  ClientApp plain = app_with({"http://app.example.com/cb", "https://app.example.com:8443/cb"});
  BOOST_TEST(!redirect_uri_registered(plain, "http://app.example.com:8080/cb"));
  BOOST_TEST(!redirect_uri_registered(plain, "https://app.example.com:9443/cb"));
  BOOST_TEST(redirect_uri_registered(plain, "https://app.example.com:8443/cb"));
}

BOOST_AUTO_TEST_CASE(pkce_is_required_off_https_or_when_the_app_says_so) {
  ClientApp a = app_with({});
  BOOST_TEST(!pkce_required(a, "https://app.example.com/cb"));
  BOOST_TEST(!pkce_required(a, "HTTPS://app.example.com/cb"));  // the scheme is case-insensitive
  BOOST_TEST(pkce_required(a, "http://127.0.0.1:8080/cb"));
  BOOST_TEST(pkce_required(a, "com.example.app:/oauth"));
  BOOST_TEST(pkce_required(a, "httpsx://app.example.com/cb"));
  BOOST_TEST(pkce_required(app_with({}, true), "https://app.example.com/cb"));
}

BOOST_AUTO_TEST_CASE(redirect_is_a_302_that_is_not_cached) {
  Response r = redirect("https://app.example.com/cb?code=x");
  BOOST_TEST(r.status == 302);
  BOOST_TEST(header(r, "Location") == "https://app.example.com/cb?code=x");
  BOOST_TEST(header(r, "Cache-Control") == "no-store");
  BOOST_TEST(redirect("/signin.html", 303).status == 303);
}

BOOST_AUTO_TEST_CASE(code_response_goes_in_the_query_then_state_then_iss) {
  Response r = redirect_with("https://app.example.com/cb", "code", {{"code", "a b&c=d"}},
                             std::string("s/1?"), "https://auth.example.com");
  BOOST_TEST(header(r, "Location") ==
             "https://app.example.com/"
             "cb?code=a%20b%26c%3Dd&state=s%2F1%3F&iss=https%3A%2F%2Fauth.example.com");
  // A registered URI with a query keeps it, and the parameters follow with '&'.
  Response q = redirect_with("https://app.example.com/cb?app=1", "code", {{"code", "c"}},
                             std::nullopt, "https://auth.example.com");
  BOOST_TEST(header(q, "Location") ==
             "https://app.example.com/cb?app=1&code=c&iss=https%3A%2F%2Fauth.example.com");
  BOOST_TEST(after(header(q, "Location"), '?').find("state=") ==
             std::string::npos);  // no state: none sent
}

BOOST_AUTO_TEST_CASE(token_response_goes_in_the_fragment) {
  Response r = redirect_with("https://app.example.com/cb?app=1", "token",
                             {{"access_token", "t"}, {"token_type", "bearer"}}, std::string(""),
                             "https://auth.example.com");
  const std::string loc = header(r, "Location");
  BOOST_TEST(loc.rfind("https://app.example.com/cb?app=1#", 0) == 0, loc);
  BOOST_TEST(after(loc, '#') ==
             "access_token=t&token_type=bearer&state=&iss=https%3A%2F%2Fauth.example.com");
}

BOOST_AUTO_TEST_CASE(error_redirect_carries_error_description_state_and_iss) {
  Response r = redirect_error("https://app.example.com/cb", "code", "access_denied",
                              "the user said no", std::string("xyz"), "https://auth.example.com");
  BOOST_TEST(r.status == 302);
  BOOST_TEST(
      header(r, "Location") ==
      "https://app.example.com/cb?error=access_denied&error_description=the%20user%20said%20no"
      "&state=xyz&iss=https%3A%2F%2Fauth.example.com");
  Response t = redirect_error("https://app.example.com/cb", "token", "invalid_scope", "x",
                              std::nullopt, "https://auth.example.com");
  BOOST_TEST(after(header(t, "Location"), '#') ==
             "error=invalid_scope&error_description=x&iss=https%3A%2F%2Fauth.example.com");
}

BOOST_AUTO_TEST_CASE(html_error_escapes_title_and_message) {
  Response r =
      html_error(400, "Bad <b>request</b>", "redirect_uri \"javascript:alert('x')\" & <script>");
  BOOST_TEST(r.status == 400);
  BOOST_TEST(header(r, "Content-Type") == "text/html; charset=utf-8");
  BOOST_TEST(header(r, "Cache-Control") == "no-store");
  BOOST_TEST(r.body.find("<script>") == std::string::npos);
  BOOST_TEST(r.body.find("<b>") == std::string::npos);
  BOOST_TEST(r.body.find("'x'") == std::string::npos);
  BOOST_TEST(r.body.find("<title>Bad &lt;b&gt;request&lt;/b&gt; - access-service</title>") !=
             std::string::npos);
  BOOST_TEST(
      r.body.find("redirect_uri &quot;javascript:alert(&#39;x&#39;)&quot; &amp; &lt;script&gt;") !=
          std::string::npos,
      r.body);
  BOOST_TEST(r.body.find("role=\"alert\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(binding_cookie_is_reused_only_when_well_formed) {
  const std::string mine = random_token(32);
  BOOST_REQUIRE(mine.size() == 43u);
  BOOST_TEST(browser_cookie_for(with_cookie(std::string(kBrowserCookie) + "=" + mine)) == mine);
  BOOST_TEST(browser_cookie_for(with_cookie("a=1; " + std::string(kBrowserCookie) + "=" + mine +
                                            "; b=2")) == mine);
  for (const std::string& bad : {std::string(""), std::string("short"), mine + "A",
                                 mine.substr(1) + "*", mine.substr(1) + "="}) {
    std::string fresh = browser_cookie_for(with_cookie(std::string(kBrowserCookie) + "=" + bad));
    BOOST_TEST(fresh != bad);
    BOOST_TEST(fresh.size() == 43u);
  }
  // Without one, each call makes a new random value.
  BOOST_TEST(browser_cookie_for(Request{}) != browser_cookie_for(Request{}));
  // Another cookie's value is not taken for it.
  BOOST_TEST(browser_cookie_for(with_cookie(std::string(kSessionCookie) + "=" + mine)) != mine);
}

BOOST_AUTO_TEST_CASE(binding_cookie_header_attributes) {
  BOOST_TEST(browser_cookie_header(Request{}, "v", 600) ==
             std::string(kBrowserCookie) +
                 "=v; Path=/api/oauth; Max-Age=600; HttpOnly; SameSite=Lax");
  BOOST_TEST(browser_cookie_header(with_cookie("", true), "v", 0) ==
             std::string(kBrowserCookie) +
                 "=v; Path=/api/oauth; Max-Age=0; HttpOnly; SameSite=Lax; Secure");
}

BOOST_AUTO_TEST_CASE(started_here_needs_the_cookie_that_hashes_to_the_request) {
  const std::string cookie = random_token(32);
  AuthRequest ar;
  ar.browser_hash = sha256(cookie);
  BOOST_TEST(started_here(with_cookie(std::string(kBrowserCookie) + "=" + cookie), ar));
  BOOST_TEST(!started_here(with_cookie(std::string(kBrowserCookie) + "=" + random_token(32)), ar));
  BOOST_TEST(!started_here(Request{}, ar));
  BOOST_TEST(!started_here(with_cookie(std::string(kSessionCookie) + "=" + cookie), ar));
  AuthRequest unbound;  // no hash: no browser matches
  BOOST_TEST(!started_here(with_cookie(std::string(kBrowserCookie) + "="), unbound));
}

BOOST_FIXTURE_TEST_CASE(csrf_tokens_are_bound_to_their_cookie_and_kind, ServerFixture) {
  const std::string s = random_token(32), b = random_token(32);
  Request req =
      with_cookie(std::string(kSessionCookie) + "=" + s + "; " + kBrowserCookie + "=" + b);
  const std::string session_token = csrf_token(*ctx, req, CsrfBinding::kSession);
  const std::string browser_token = csrf_token(*ctx, req, CsrfBinding::kBrowser);
  BOOST_TEST(!session_token.empty());
  BOOST_TEST(session_token != browser_token);  // each kind has its own label
  BOOST_TEST(browser_token == browser_csrf_token(*ctx, b));
  BOOST_TEST(browser_csrf_token(*ctx, "").empty());
  BOOST_TEST(csrf_valid(*ctx, req, CsrfBinding::kSession, session_token));
  BOOST_TEST(csrf_valid(*ctx, req, CsrfBinding::kBrowser, browser_token));
  BOOST_TEST(!csrf_valid(*ctx, req, CsrfBinding::kSession, browser_token));
  BOOST_TEST(!csrf_valid(*ctx, req, CsrfBinding::kBrowser, session_token));
  BOOST_TEST(!csrf_valid(*ctx, req, CsrfBinding::kSession, ""));
  BOOST_TEST(!csrf_valid(*ctx, req, CsrfBinding::kSession, session_token + "x"));
  // Another cookie, another token; no cookie, no token and nothing valid.
  Request other = with_cookie(std::string(kSessionCookie) + "=" + random_token(32));
  BOOST_TEST(csrf_token(*ctx, other, CsrfBinding::kSession) != session_token);
  BOOST_TEST(!csrf_valid(*ctx, other, CsrfBinding::kSession, session_token));
  BOOST_TEST(csrf_token(*ctx, Request{}, CsrfBinding::kSession).empty());
  BOOST_TEST(!csrf_valid(*ctx, Request{}, CsrfBinding::kSession, ""));
  BOOST_TEST(!csrf_valid(*ctx, Request{}, CsrfBinding::kBrowser, ""));
}

BOOST_FIXTURE_TEST_CASE(same_origin_allows_no_origin_or_the_issuers, ServerFixture) {
  ctx->config.issuer = "https://auth.example.com/base";
  Request r;
  BOOST_TEST(same_origin(*ctx, r));  // no Origin header (older browsers, same-origin GETs)
  r.origin = "https://auth.example.com";
  BOOST_TEST(same_origin(*ctx, r));
  for (const char* o :
       {"https://evil.example.com", "http://auth.example.com", "https://auth.example.com:8443",
        "https://auth.example.com.evil.com", "null", "https://auth.example.com/base"}) {
    r.origin = o;
    BOOST_TEST(!same_origin(*ctx, r), o);
  }
}

BOOST_FIXTURE_TEST_CASE(sessions_start_are_found_and_end, ServerFixture) {
  const long long now = now_seconds();
  User alice = add_user("alice@example.com");
  Request req;
  Result<std::string> set = start_session(*ctx, req, alice.id, now);
  BOOST_REQUIRE(set.ok());
  const std::string prefix = std::string(kSessionCookie) + "=";
  BOOST_REQUIRE(set->rfind(prefix, 0) == 0);
  const std::string cookie = set->substr(prefix.size(), set->find(';') - prefix.size());
  BOOST_TEST(cookie.size() == 43u);
  BOOST_TEST(set->find("; Path=/api; Max-Age=" + std::to_string(ctx->config.session_seconds) +
                       "; HttpOnly; SameSite=Lax") != std::string::npos,
             *set);
  BOOST_TEST(set->find("Secure") == std::string::npos);  // plain http here
  BOOST_TEST(start_session(*ctx, with_cookie("", true), alice.id, now)->find("; Secure") !=
             std::string::npos);

  Request back = with_cookie(prefix + cookie);
  Result<User> u = session_user(*ctx, back, now);
  BOOST_REQUIRE(u.ok());
  BOOST_TEST(u->id == alice.id);
  // Not after it expires, not with another or no cookie, not once disabled.
  BOOST_TEST(
      session_user(*ctx, back, now + ctx->config.session_seconds + 1).status().is_not_found());
  BOOST_TEST(
      session_user(*ctx, with_cookie(prefix + random_token(32)), now).status().is_not_found());
  BOOST_TEST(session_user(*ctx, Request{}, now).status().is_not_found());
  BOOST_TEST(
      session_user(*ctx, with_cookie(prefix + std::string(200, 'a')), now).status().is_not_found());
  BOOST_REQUIRE(ctx->store->set_user_enabled(alice.id, false).ok());
  BOOST_TEST(session_user(*ctx, back, now).status().is_not_found());
  BOOST_REQUIRE(ctx->store->set_user_enabled(alice.id, true).ok());
  BOOST_TEST(session_user(*ctx, back, now).ok());

  Result<std::string> cleared = end_session(*ctx, back);
  BOOST_REQUIRE(cleared.ok());
  BOOST_TEST(*cleared == prefix + "; Path=/api; Max-Age=0; HttpOnly; SameSite=Lax");
  BOOST_TEST(session_user(*ctx, back, now).status().is_not_found());  // the row is gone
  BOOST_TEST(end_session(*ctx, Request{}).ok());  // no cookie: just the clearing header
}

BOOST_AUTO_TEST_SUITE_END()
