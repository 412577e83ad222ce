// The account endpoints end to end through route() (account.h, mfa.h,
// API.md section 7): password change and what it keeps, two-factor
// enrolment, recovery codes in the mfa grant, the session way in with its
// CSRF header, and the QR code and recovery-code primitives.
#include "access/handlers/account.h"

#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

#include "access/core/strings.h"
#include "access/crypto/totp.h"
#include "access/oauth/browser.h"
#include "access/oauth/mfa.h"
#include "access/oauth/qr_svg.h"
#include "server_fixture.h"

using namespace access_service;
using namespace access_service::testing;
using json = nlohmann::json;

namespace {

const char kSecret[] = "web-app-secret-0123456789";
const char kEmail[] = "alice@example.com";
const char kStrong[] = "violet tundra marmalade 42";

struct AccountFixture : ServerFixture {
  ClientApp app = add_app("web-app", kSecret, {"password", "refresh_token", "mfa"});
  User alice = add_user(kEmail);
  std::string session_cookie = random_token(32);

  AccountFixture() {
    Status st = ctx->store->insert_session(sha256(session_cookie), alice.id, now_seconds(),
                                           now_seconds() + 3600);
    BOOST_REQUIRE(st.ok());
  }
  json tokens(const std::string& password = kPassword) {
    Response r = password_grant("web-app", kSecret, kEmail, password);
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    return body_of(r);
  }
  Response bearer(const std::string& method, const std::string& path, const std::string& at,
                  const json& body = json()) {
    return call(method, path, "Bearer " + at, body.is_null() ? "" : "application/json",
                body.is_null() ? "" : body.dump());
  }
  // A request of the account page: the session cookie, and the CSRF header
  // unless `csrf` says otherwise ("-" for the right one).
  Response page(const std::string& method, const std::string& path, const json& body = json(),
                const std::string& csrf = "-", const std::string& origin = "") {
    Request req;
    req.method = method;
    req.path = path;
    req.cookie = std::string(kSessionCookie) + "=" + session_cookie;
    req.origin = origin;
    req.remote_addr = remote_addr;
    req.csrf_token = csrf == "-" ? csrf_token(*ctx, req, CsrfBinding::kSession) : csrf;
    if (!body.is_null()) {
      req.content_type = "application/json";
      req.body = body.dump();
    }
    return route(*ctx, req);
  }
  bool session_alive() {
    return ctx->store->find_session_user(sha256(session_cookie), now_seconds()).ok();
  }
  // Starts and confirms an enrolment through the session; the raw secret.
  std::string enrol(std::vector<std::string>* codes = nullptr) {
    Response r = page("POST", "/api/account/mfa");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    std::string uri = body_of(r)["authenticatorUri"];
    size_t at = uri.find("secret=");
    std::string secret = base32_decode(uri.substr(at + 7, uri.find('&', at) - at - 7));
    r = page("PUT", "/api/account/mfa", {{"code", totp_code(secret, now_seconds() / 30)}});
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    if (codes) *codes = body_of(r)["recoveryCodes"].get<std::vector<std::string>>();
    alice.mfa_enabled = true;
    return secret;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(account, AccountFixture)

BOOST_AUTO_TEST_CASE(password_change_keeps_the_callers_family_only) {
  json mine = tokens(), other = tokens();
  Response r = bearer("PUT", "/api/v1/users/me/password", mine["access_token"],
                      {{"currentPassword", kPassword}, {"newPassword", kStrong}});
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  BOOST_TEST(me(mine["access_token"]).status == 200);  // the caller's own stays
  BOOST_TEST(refresh_grant("web-app", kSecret, mine["refresh_token"]).status == 200);
  BOOST_TEST(me(other["access_token"]).status == 401);
  BOOST_TEST(refresh_grant("web-app", kSecret, other["refresh_token"]).status == 400);
  BOOST_TEST(!session_alive());  // a bearer caller has no session to keep
  BOOST_TEST(password_grant("web-app", kSecret, kEmail, kPassword).status == 400);
  BOOST_TEST(password_grant("web-app", kSecret, kEmail, kStrong).status == 200);
}

BOOST_AUTO_TEST_CASE(password_change_through_the_page_keeps_its_session) {
  json other = tokens();
  Response r = page("PUT", "/api/account/password",
                    {{"currentPassword", kPassword}, {"newPassword", kStrong}});
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  BOOST_TEST(session_alive());
  BOOST_TEST(me(other["access_token"]).status == 401);
}

BOOST_AUTO_TEST_CASE(password_change_refusals_change_nothing) {
  std::string at = tokens()["access_token"];
  auto put = [&](const json& body) { return bearer("PUT", "/api/v1/users/me/password", at, body); };
  BOOST_TEST(error_of(put({{"newPassword", kStrong}})) == "invalid_request");
  BOOST_TEST(error_of(put({{"currentPassword", 42}, {"newPassword", kStrong}})) ==
             "invalid_request");
  Response weak = put({{"currentPassword", kPassword}, {"newPassword", "Password2024!"}});
  BOOST_TEST(weak.status == 400);
  BOOST_TEST(body_of(weak)["error_description"].get<std::string>().find("too easy") !=
             std::string::npos);
  BOOST_TEST(put({{"currentPassword", kPassword}, {"newPassword", kEmail}}).status == 400);
  Response wrong = put({{"currentPassword", "not the password"}, {"newPassword", kStrong}});
  BOOST_TEST(wrong.status == 403);
  BOOST_TEST(error_of(wrong) == "access_denied");
  BOOST_TEST(me(at).status == 200);
  BOOST_TEST(password_grant("web-app", kSecret, kEmail, kPassword).status == 200);
  // A restrictive or missing token is refused before anything is read.
  BOOST_TEST(call("PUT", "/api/v1/users/me/password", "", "application/json", "{}").status == 401);
}

BOOST_AUTO_TEST_CASE(wrong_current_passwords_count_toward_the_lockout) {
  std::string at = tokens()["access_token"];
  for (int i = 0; i < config.lockout_max_failures; ++i)
    BOOST_TEST(bearer("PUT", "/api/v1/users/me/password", at,
                      {{"currentPassword", "wrong " + std::to_string(i)}, {"newPassword", kStrong}})
                   .status == 403);
  Response r = bearer("PUT", "/api/v1/users/me/password", at,
                      {{"currentPassword", kPassword}, {"newPassword", kStrong}});
  BOOST_TEST(r.status == 429);
  BOOST_TEST(password_grant("web-app", kSecret, kEmail, kPassword).status == 429);
}

BOOST_AUTO_TEST_CASE(enrolment_is_pending_until_a_code_confirms_it) {
  Response r = page("POST", "/api/account/mfa");
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  json e = body_of(r);
  BOOST_TEST(e["authenticatorUri"].get<std::string>().rfind("otpauth://totp/", 0) == 0);
  BOOST_TEST(e["qrCodeSvg"].get<std::string>().rfind("<svg ", 0) == 0);
  BOOST_TEST(body_of(page("GET", "/api/account/mfa"))["enrolmentPending"] == true);
  // Not on yet: the password alone still signs in with full tokens.
  BOOST_TEST(!tokens().contains("mfa_required"));
  BOOST_TEST(page("PUT", "/api/account/mfa", {{"code", "000000"}}).status == 400);
  BOOST_TEST(page("PUT", "/api/account/mfa", {{"code", 123456}}).status == 400);
  BOOST_TEST(body_of(page("GET", "/api/account/mfa"))["mfaEnabled"] == false);
}

BOOST_AUTO_TEST_CASE(confirmation_gives_ten_distinct_recovery_codes_once) {
  std::vector<std::string> codes;
  std::string secret = enrol(&codes);
  BOOST_TEST(codes.size() == 10u);
  BOOST_TEST(std::set<std::string>(codes.begin(), codes.end()).size() == 10u);
  for (const auto& c : codes) BOOST_TEST(canonical_recovery_code(c).size() == 12u, c);
  json status = body_of(page("GET", "/api/account/mfa"));
  BOOST_TEST(status["mfaEnabled"] == true);
  BOOST_TEST(status["recoveryCodesLeft"] == 10);
  // Confirmed: neither again nor a new enrolment while it is on.
  Response again =
      page("PUT", "/api/account/mfa", {{"code", totp_code(secret, now_seconds() / 30 + 1)}});
  BOOST_TEST(again.status == 409);
  BOOST_TEST(page("POST", "/api/account/mfa").status == 409);
  BOOST_TEST(tokens()["mfa_required"] == true);
}

BOOST_AUTO_TEST_CASE(recovery_code_replaces_a_totp_code_once) {
  std::vector<std::string> codes;
  enrol(&codes);
  auto exchange = [&](const std::string& code) {
    std::string restrictive = tokens()["access_token"];
    return token("web-app", kSecret,
                 "grant_type=mfa&mfa_token=" + restrictive + "&mfa_code=" + url_encode(code));
  };
  // Typed in upper case with spaces: the same code.
  std::string typed = codes[0];
  for (char& c : typed) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  typed.replace(4, 1, " ");
  Response first = exchange(typed);
  BOOST_TEST(first.status == 200, first.body);
  BOOST_TEST(exchange(codes[0]).status == 400);
  BOOST_TEST(exchange(codes[0]).status == 400);
  json status = body_of(page("GET", "/api/account/mfa"));
  BOOST_TEST(status["recoveryCodesLeft"] == 9);
  BOOST_TEST(status["recoveryCodesUsed"].size() == 1u);
  BOOST_TEST(status["recoveryCodesUsed"][0]["ip"] == remote_addr);
}

BOOST_AUTO_TEST_CASE(new_recovery_codes_need_a_totp_code_and_end_the_old_ones) {
  std::vector<std::string> old_codes;
  std::string secret = enrol(&old_codes);
  Response refused = page("POST", "/api/account/mfa/recovery-codes", {{"code", old_codes[1]}});
  BOOST_TEST(refused.status == 403);  // a recovery code cannot mint more
  Response r = page("POST", "/api/account/mfa/recovery-codes",
                    {{"code", totp_code(secret, now_seconds() / 30 + 1)}});
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  BOOST_TEST(body_of(r)["recoveryCodes"].size() == 10u);
  std::string restrictive = tokens()["access_token"];
  BOOST_TEST(token("web-app", kSecret,
                   "grant_type=mfa&mfa_token=" + restrictive + "&mfa_code=" + old_codes[2])
                 .status == 400);
}

BOOST_AUTO_TEST_CASE(turning_off_needs_password_and_a_code) {
  std::vector<std::string> codes;
  enrol(&codes);
  BOOST_TEST(page("DELETE", "/api/account/mfa", {{"currentPassword", kPassword}}).status == 400);
  BOOST_TEST(page("DELETE", "/api/account/mfa", {{"currentPassword", "wrong"}, {"code", codes[0]}})
                 .status == 403);
  BOOST_TEST(
      page("DELETE", "/api/account/mfa", {{"currentPassword", kPassword}, {"code", "999999"}})
          .status == 403);
  BOOST_TEST(body_of(page("GET", "/api/account/mfa"))["mfaEnabled"] == true);
  // A lost phone: a recovery code in place of the TOTP code.
  Response r =
      page("DELETE", "/api/account/mfa", {{"currentPassword", kPassword}, {"code", codes[0]}});
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  json status = body_of(page("GET", "/api/account/mfa"));
  BOOST_TEST(status["mfaEnabled"] == false);
  BOOST_TEST(status["recoveryCodesLeft"] == 0);
  BOOST_TEST(!tokens().contains("mfa_required"));
  BOOST_TEST(
      page("DELETE", "/api/account/mfa", {{"currentPassword", kPassword}, {"code", codes[1]}})
          .status == 409);
}

BOOST_AUTO_TEST_CASE(session_writes_need_the_csrf_header_and_no_foreign_origin) {
  const json body = {{"firstName", "Mallory"}};
  BOOST_TEST(page("PUT", "/api/account/profile", body, "").status == 403);
  BOOST_TEST(page("PUT", "/api/account/profile", body, "forged-token").status == 403);
  BOOST_TEST(page("PUT", "/api/account/profile", body, "-", "https://evil.example").status == 403);
  BOOST_TEST(body_of(page("GET", "/api/account/session"))["user"]["firstName"].is_null());
  BOOST_TEST(body_of(page("GET", "/api/account/session"))["signedIn"] == true);
  Response ok = page("PUT", "/api/account/profile", body, "-", "http://127.0.0.1:1");
  BOOST_TEST(ok.status == 200, ok.body);
  // Without the cookie: 401 (the session endpoint says signedIn false).
  Request req;
  req.method = "GET";
  req.path = "/api/account/mfa";
  BOOST_TEST(route(*ctx, req).status == 401);
  req.path = "/api/account/session";
  BOOST_TEST(body_of(route(*ctx, req)) == json({{"signedIn", false}}));
  // A bearer token is no way into /api/account.
  BOOST_TEST(
      call("GET", "/api/account/mfa", "Bearer " + tokens()["access_token"].get<std::string>())
          .status == 401);
}

BOOST_AUTO_TEST_CASE(signout_everywhere_ends_every_session_and_token) {
  json t = tokens();
  Response r = page("POST", "/api/account/signout-everywhere");
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  BOOST_TEST(header(r, "Set-Cookie").find("Max-Age=0") != std::string::npos);
  BOOST_TEST(!session_alive());
  BOOST_TEST(me(t["access_token"]).status == 401);
  BOOST_TEST(page("GET", "/api/account/mfa").status == 401);
  BOOST_TEST(body_of(page("GET", "/api/account/session"))["signedIn"] == false);
}

BOOST_AUTO_TEST_CASE(recovery_code_canonical_forms) {
  std::string c = make_recovery_code();
  BOOST_TEST(c.size() == 14u);
  BOOST_TEST(c[4] == '-');
  BOOST_TEST(c[9] == '-');
  BOOST_TEST(canonical_recovery_code("7KQ2-M9XD-4HFA") == "7kq2m9xd4hfa");
  BOOST_TEST(canonical_recovery_code("7kq2 m9xd 4hfa") == "7kq2m9xd4hfa");
  BOOST_TEST(canonical_recovery_code("IL0O-m9xd-4hfa") == "1100m9xd4hfa");  // Crockford readings
  BOOST_TEST(canonical_recovery_code("7kq2-m9xd-4hf") == "");
  BOOST_TEST(canonical_recovery_code("7kq2-m9xd-4hfu") == "");  // u is not in the alphabet
  BOOST_TEST(canonical_recovery_code("123456") == "");
  // Bound to the user: the same code hashes differently for another.
  BOOST_TEST(recovery_code_hash("k", "u1", "7kq2m9xd4hfa") !=
             recovery_code_hash("k", "u2", "7kq2m9xd4hfa"));
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) seen.insert(make_recovery_code());
  BOOST_TEST(seen.size() == 200u);
}

BOOST_AUTO_TEST_CASE(qr_code_svg_is_self_contained) {
  Result<std::string> svg = qr_svg("otpauth://totp/x:a%40b?secret=ABC", "key <of> \"alice\"");
  BOOST_REQUIRE(svg.ok());
  // Version 3 (29 modules) with the 4-module quiet zone on each side; the
  // top row of the top-left finder pattern is 7 dark modules inside it.
  BOOST_TEST(svg->rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 37 37\"", 0) == 0,
             *svg);
  BOOST_TEST(svg->find("d=\"M4 4h7v1h-7z") != std::string::npos);
  BOOST_TEST(svg->find("role=\"img\"") != std::string::npos);
  BOOST_TEST(svg->find("key &lt;of&gt; &quot;alice&quot;") != std::string::npos);
  for (const char* banned : {"style", "<script", "href", "<image"})
    BOOST_TEST(svg->find(banned) == std::string::npos, banned);
  BOOST_TEST(qr_svg("", "x").status().is_invalid());
  BOOST_TEST(qr_svg(std::string(8000, 'x'), "x").status().is_invalid());
}

BOOST_AUTO_TEST_SUITE_END()
