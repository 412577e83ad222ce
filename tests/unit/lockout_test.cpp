// Brute-force limits end to end through route() (API.md section 3, sign_in.h,
// context.h): the sign-in lockout per (account, IP) with its account-wide
// ceiling, second-factor codes counted by the same lockout, the throttle on
// wrong client secrets, and both readings of HTTP Basic.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "access/crypto/totp.h"
#include "access/oauth/mfa.h"
#include "access/oauth/sign_in.h"
#include "server_fixture.h"

using namespace access_service;
using namespace access_service::testing;
using json = nlohmann::json;

namespace {

const char kSecret[] = "web-app-secret-0123456789";
const char kEmail[] = "alice@example.com";

struct LockoutFixture : ServerFixture {
  ClientApp app = add_app("web-app", kSecret, {"password", "refresh_token", "mfa"});
  User alice = add_user(kEmail, kPassword, {"ROLE_ORIGINATOR"});

  Response login(const std::string& password = kPassword) {
    return password_grant("web-app", kSecret, kEmail, password);
  }
  // Turns two-factor authentication on for alice; returns the raw secret.
  std::string enable_mfa() {
    Result<std::string> uri =
        change_user_mfa(*ctx->store, ctx->hmac_key, config.issuer, alice, true, false);
    BOOST_REQUIRE(uri.ok());
    size_t at = uri->find("secret=");
    BOOST_REQUIRE(at != std::string::npos);
    std::string b32 = uri->substr(at + 7, uri->find('&', at) - at - 7);
    alice.mfa_enabled = true;
    return base32_decode(b32);
  }
  std::string restrictive_token() {
    Response r = login();
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    json j = body_of(r);
    BOOST_REQUIRE(j.value("mfa_required", false));
    return j["access_token"];
  }
  Response mfa(const std::string& token, const std::string& code) {
    return this->token("web-app", kSecret,
                       "grant_type=mfa&mfa_token=" + token + "&mfa_code=" + code);
  }
};

std::string current_code(const std::string& secret, int64_t offset = 0) {
  return totp_code(secret, now_seconds() / kTotpStepSeconds + offset);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(lockout, LockoutFixture)

BOOST_AUTO_TEST_CASE(lock_is_per_address_below_the_account_ceiling) {
  remote_addr = "192.0.2.66";  // the attacker
  for (int i = 0; i < 5; ++i) BOOST_TEST(login("wrong").status == 400);
  BOOST_TEST(login().status == 429);  // even the right password, from that address
  remote_addr = "198.51.100.7";       // the owner, elsewhere
  BOOST_TEST(login().status == 200);
}

BOOST_AUTO_TEST_CASE(account_ceiling_locks_every_address) {
  ctx->config.lockout_account_max_failures = 8;
  for (int i = 0; i < 8; ++i) {
    remote_addr = "192.0.2." + std::to_string(i);  // 1 failure each: no per-address lock
    BOOST_TEST(login("wrong").status == 400);
  }
  remote_addr = "198.51.100.7";
  Response r = login();
  BOOST_TEST(r.status == 429, r.body);
  // accessctl user unlock clears both kinds.
  BOOST_REQUIRE(unlock_sign_in(*ctx->store, "ALICE@example.com").ok());
  BOOST_TEST(login().status == 200);
}

BOOST_AUTO_TEST_CASE(right_password_does_not_reset_the_counter_of_codes) {
  std::string secret = enable_mfa();
  std::string t = restrictive_token();
  for (int i = 0; i < 3; ++i) BOOST_TEST(mfa(t, "000000").status == 400);
  // A new restrictive token (the right password again) neither resets the
  // three wrong codes nor counts itself.
  t = restrictive_token();
  for (int i = 0; i < 2; ++i) BOOST_TEST(mfa(t, "000000").status == 400);
  Response r = mfa(t, current_code(secret));  // the 6th code, a right one
  BOOST_TEST(r.status == 429, r.body);
  BOOST_TEST(login().status == 429);  // the password grant too
}

BOOST_AUTO_TEST_CASE(sign_in_form_counts_a_missing_or_wrong_code) {
  // The form takes password and code at once: a right password without the
  // right code is a failure (the grant path's hand-back does not apply).
  enable_mfa();
  for (int i = 0; i < 5; ++i) {
    SignInResult r = check_password(*ctx, kEmail, kPassword, remote_addr, now_seconds());
    BOOST_TEST(r.outcome == SignInResult::kOk);  // ... and then the code is missing
  }
  SignInResult r = check_password(*ctx, kEmail, kPassword, remote_addr, now_seconds());
  BOOST_TEST(r.outcome == SignInResult::kLocked);
}

BOOST_AUTO_TEST_CASE(mfa_grant_counts_a_missing_code) {
  std::string secret = enable_mfa();
  std::string t = restrictive_token();
  for (int i = 0; i < 5; ++i) {
    Response r = token("web-app", kSecret, "grant_type=mfa&mfa_token=" + t);
    BOOST_TEST(r.status == 400, r.body);
    BOOST_TEST(error_of(r) == "invalid_request", r.body);
  }
  Response r = mfa(t, current_code(secret));  // the 6th attempt, a right code
  BOOST_TEST(r.status == 429, r.body);
}

BOOST_AUTO_TEST_CASE(wrong_codes_lock_even_with_a_right_code_after) {
  std::string secret = enable_mfa();
  std::string t = restrictive_token();  // the password step is handed back
  for (int i = 0; i < 5; ++i) BOOST_TEST(mfa(t, "000000").status == 400);
  Response r = mfa(t, current_code(secret));  // the (max_failures+1)-th code
  BOOST_TEST(r.status == 429, r.body);
  BOOST_TEST(!header(r, "Retry-After").empty());
}

BOOST_AUTO_TEST_CASE(whole_sign_in_resets_the_counter) {
  std::string secret = enable_mfa();
  for (int round = 0; round < 3; ++round) {
    std::string t = restrictive_token();
    BOOST_TEST(mfa(t, "000000").status == 400);
    Response r = mfa(t, current_code(secret, round - 1));  // a fresh step each round
    BOOST_TEST(r.status == 200, "round " << round << ": " << r.body);
  }
}

BOOST_AUTO_TEST_CASE(restrictive_token_is_single_use) {
  std::string secret = enable_mfa();
  std::string t = restrictive_token();
  BOOST_TEST(mfa(t, current_code(secret, -1)).status == 200);
  Response r = mfa(t, current_code(secret, 0));  // another valid code, same token
  BOOST_TEST(r.status == 400, r.body);
  BOOST_TEST(error_of(r) == "invalid_grant");
}

BOOST_AUTO_TEST_CASE(wrong_client_secrets_are_throttled_without_hashing) {
  const int max = ctx->config.lockout_client_max_failures;
  for (int i = 0; i < max; ++i)
    BOOST_TEST(password_grant("web-app", "wrong-secret-0123456789", kEmail, kPassword).status ==
               401);
  // Throttled: the right secret is refused too until the window passes.
  Response r = login();
  BOOST_TEST(r.status == 401, r.body);
  BOOST_TEST(error_of(r) == "invalid_client");
  // Other apps are not affected.
  add_app("other-app", kSecret);
  BOOST_TEST(password_grant("other-app", kSecret, kEmail, kPassword).status == 200);
  // The window passes (moved into the past): the right secret works again.
  ctx->config.lockout_client_window_seconds = 1;
  sleep(2);
  BOOST_TEST(login().status == 200);
}

BOOST_AUTO_TEST_CASE(basic_credentials_raw_first_then_form_decoded) {
  add_app("plus-app", "Secret+With+Plus1");
  // Seed 003: base64(clientId:clientSecret) with nothing encoded.
  BOOST_TEST(password_grant("plus-app", "Secret+With+Plus1", kEmail, kPassword).status == 200);
  // RFC 6749 2.3.1: form-encoded first ('+' as %2B).
  BOOST_TEST(password_grant("plus-app", "Secret%2BWith%2BPlus1", kEmail, kPassword).status == 200);
  // An app whose secret has a space, sent form-encoded with '+'.
  add_app("space-app", "Secret With Space1");
  BOOST_TEST(password_grant("space-app", "Secret+With+Space1", kEmail, kPassword).status == 200);
  // A wrong secret tried both ways counts once.
  BOOST_TEST(password_grant("plus-app", "Wrong+Secret+000000", kEmail, kPassword).status == 401);
  Result<ClientApp> a = ctx->store->find_client_by_client_id("plus-app");
  BOOST_REQUIRE(a.ok());
  BOOST_TEST(a->auth_failures == 1);
}

BOOST_AUTO_TEST_CASE(disabled_app_tokens_are_inactive_until_enabled) {
  Response r = login();
  BOOST_REQUIRE(r.status == 200);
  std::string at = body_of(r)["access_token"];
  BOOST_TEST(call("GET", "/api/v1/users/me", "Bearer " + at).status == 200);
  ClientApp a = *ctx->store->find_client(app.id);
  a.enabled = false;
  BOOST_REQUIRE(ctx->store->update_client(a).ok());
  BOOST_TEST(call("GET", "/api/v1/users/me", "Bearer " + at).status == 401);
  a.enabled = true;
  BOOST_REQUIRE(ctx->store->update_client(a).ok());
  BOOST_TEST(call("GET", "/api/v1/users/me", "Bearer " + at).status == 200);
}

BOOST_AUTO_TEST_CASE(access_tokens_carry_the_audience) {
  Response r = login();
  BOOST_REQUIRE(r.status == 200);
  std::string at = body_of(r)["access_token"];
  std::string payload;
  BOOST_REQUIRE(
      base64url_decode(at.substr(at.find('.') + 1, at.rfind('.') - at.find('.') - 1), &payload));
  BOOST_TEST(json::parse(payload)["aud"] == config.issuer);
  // A token for another audience is refused by this server's verifier.
  ctx->config.audience = "https://api.other.example";
  BOOST_TEST(call("GET", "/api/v1/users/me", "Bearer " + at).status == 401);
}

BOOST_AUTO_TEST_SUITE_END()
