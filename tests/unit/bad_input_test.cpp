// Bad input to the JSON-body endpoints that change stored state, one case
// per endpoint, driven through serve_request() like a FastCGI request:
// PUT /api/v1/clientapps/{id}, PUT /api/v1/users/{id},
// POST /api/v1/users/me/devices, and PUT, DELETE /api/v1/users/me/mfa and
// POST /api/v1/users/me/mfa/recovery-codes.
//
// Each bad request is the endpoint's valid request with one thing wrong: a
// wrong or missing Content-Type (415), malformed JSON or a body that is not
// an object (400), a body over kMaxBodyBytes, sent or only announced by
// CONTENT_LENGTH as fcgi_server.cpp passes it on (413), or a member of the
// wrong JSON type (400 invalid_request whose error_description starts with
// the member's name). After each one the stored record is read again through
// ctx->store and must be exactly as before, with no audit event added. The
// valid request, padded to exactly kMaxBodyBytes, then goes through and
// changes the record: the limit is where api.h says, the refusals were for
// the input and not for the caller, and the comparison notices a change.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <string>
#include <utility>
#include <vector>

#include "access/crypto/totp.h"
#include "access/http/api.h"
#include "access/oauth/client_rules.h"
#include "access/oauth/mfa.h"
#include "server_fixture.h"

using namespace access_service;
using namespace access_service::testing;
using json = nlohmann::json;

namespace {

const char kAppSecret[] = "phone-app-secret-0123456789";
const char kAdminPassword[] = "admin password 0123456789";
const char kStrong[] = "violet tundra marmalade 42";

struct BadInput {
  std::string what;  // BOOST_TEST_CONTEXT
  std::string content_type;
  std::string body;
  bool too_large = false;  // CONTENT_LENGTH over the limit: the body is not read
  int status = 0;
  std::string error;   // the reply's "error"
  std::string prefix;  // how its error_description starts ("" for any)
};

// `body` with an unknown member (ignored by every endpoint) that makes its
// JSON text exactly `size` bytes long.
std::string padded(json body, size_t size) {
  body["padding"] = "";
  const std::string bare = body.dump();
  BOOST_REQUIRE(bare.size() <= size);
  body["padding"] = std::string(size - bare.size(), 'x');
  std::string out = body.dump();
  BOOST_REQUIRE_EQUAL(out.size(), size);
  return out;
}

// The bad variants of the valid request `valid`; `wrong_types` gives members
// and values of a JSON type the endpoint must refuse for them.
std::vector<BadInput> bad_inputs(const json& valid,
                                 const std::vector<std::pair<std::string, json>>& wrong_types) {
  const std::string ok = valid.dump();
  const char kJson[] = "application/json";
  std::string single_quoted = ok;
  std::replace(single_quoted.begin(), single_quoted.end(), '"', '\'');
  std::vector<BadInput> out = {
      {"Content-Type text/plain", "text/plain", ok, false, 415, "unsupported_media_type",
       "Content-Type must be application/json"},
      {"Content-Type form", "application/x-www-form-urlencoded", ok, false, 415,
       "unsupported_media_type", "Content-Type must be application/json"},
      {"no Content-Type", "", ok, false, 415, "unsupported_media_type",
       "Content-Type must be application/json"},
      {"truncated JSON", kJson, ok.substr(0, ok.size() - 1), false, 400, "invalid_request",
       "malformed JSON body"},
      {"single quotes", kJson, single_quoted, false, 400, "invalid_request", "malformed JSON body"},
      {"array at the top", kJson, "[" + ok + "]", false, 400, "invalid_request",
       "JSON body must be an object"},
      {"body one byte over the limit", kJson, padded(valid, kMaxBodyBytes + 1), false, 413,
       "payload_too_large", ""},
      {"CONTENT_LENGTH over the limit", kJson, "", true, 413, "payload_too_large", ""},
  };
  for (const auto& w : wrong_types) {
    json body = valid;
    body[w.first] = w.second;
    out.push_back({w.first + " = " + w.second.dump(), kJson, body.dump(), false, 400,
                   "invalid_request", w.first + " "});
  }
  return out;
}

struct BadInputFixture : ServerFixture {
  ClientApp app = add_app("phone-app", kAppSecret, {"password", "refresh_token", "mfa", "device"});
  User admin = add_user("admin@example.com", kAdminPassword, {"ROLE_SYSTEM_ADMIN"});
  User alice = add_user("alice@example.com");

  std::string access_token(const std::string& email, const std::string& password) {
    Response r = password_grant("phone-app", kAppSecret, email, password);
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    return body_of(r)["access_token"];
  }
  Response send(const std::string& method, const std::string& path, const std::string& token,
                const std::string& content_type, const std::string& body, bool too_large = false) {
    return call(method, path, "Bearer " + token, content_type, body, too_large);
  }
  int64_t audit_events() {
    Result<ListResult<AuditEvent>> list = ctx->store->list_audit(AuditFilter{}, Page{});
    BOOST_REQUIRE(list.ok());
    return list->count;
  }
  // Sends each bad input and checks its reply, and that `state` (what the
  // endpoint would change, read from the store) is still `before`.
  template <typename State>
  void refuse_all(const std::string& method, const std::string& path, const std::string& token,
                  const std::vector<BadInput>& inputs, State state) {
    const std::string before = state().dump();
    for (const BadInput& in : inputs) {
      BOOST_TEST_CONTEXT(method << " " << path << ", " << in.what) {
        Response r = send(method, path, token, in.content_type, in.body, in.too_large);
        BOOST_TEST_INFO("body " << r.body);
        BOOST_TEST(r.status == in.status);
        BOOST_TEST(error_of(r) == in.error);
        const std::string why = body_of(r).value("error_description", "");
        BOOST_TEST(why.substr(0, in.prefix.size()) == in.prefix);
        BOOST_TEST(state().dump() == before);
      }
    }
  }

  // Two-factor authentication of alice: its stored state, whole.
  json mfa_state() {
    Result<User> u = ctx->store->find_user(alice.id);
    BOOST_REQUIRE(u.ok());
    Result<std::pair<std::string, int64_t>> totp = ctx->store->find_totp(alice.id);
    BOOST_REQUIRE(totp.ok());
    Result<std::string> pending = ctx->store->find_totp_pending(alice.id);
    BOOST_REQUIRE(pending.ok());
    Result<std::vector<RecoveryCode>> codes = ctx->store->list_recovery_codes(alice.id);
    BOOST_REQUIRE(codes.ok());
    int left = 0;
    json used = json::array();
    for (const auto& c : *codes) {
      if (c.used_at)
        used.push_back({*c.used_at, c.used_ip});
      else
        ++left;
    }
    json failures = json::array();
    for (const char* ip : {remote_addr.c_str(), kEveryAddress}) {
      Result<LoginFailures> f = ctx->store->find_login_failures(alice.email, ip);
      BOOST_REQUIRE(f.ok() || f.status().is_not_found());
      failures.push_back(f.ok() ? json{f->count, f->locked_until} : json());
    }
    return {{"mfaEnabled", u->mfa_enabled}, {"secret", hex(totp->first)},
            {"lastStep", totp->second},     {"pending", hex(*pending)},
            {"recoveryCodesLeft", left},    {"recoveryCodesUsed", used},
            {"loginFailures", failures},    {"auditEvents", audit_events()}};
  }
  // Starts and confirms alice's enrolment with her bearer token `at`; the
  // raw secret, and her recovery codes in `codes`. The first code is then
  // used (as from another address), so that new codes would show.
  std::string enrol(const std::string& at, std::vector<std::string>* codes) {
    Response r = send("POST", "/api/v1/users/me/mfa", at, "", "");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    const std::string uri = body_of(r)["authenticatorUri"];
    const size_t from = uri.find("secret=") + 7;
    const std::string secret = base32_decode(uri.substr(from, uri.find('&', from) - from));
    r = send("PUT", "/api/v1/users/me/mfa", at, "application/json",
             json{{"code", totp_code(secret, now_seconds() / 30)}}.dump());
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    *codes = body_of(r)["recoveryCodes"].get<std::vector<std::string>>();
    BOOST_REQUIRE_EQUAL(codes->size(), 10u);
    Result<bool> used = ctx->store->use_recovery_code(
        alice.id, recovery_code_hash(ctx->hmac_key, alice.id, canonical_recovery_code((*codes)[0])),
        now_seconds(), "192.0.2.7");
    BOOST_REQUIRE(used.ok() && *used);
    return secret;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(bad_input, BadInputFixture)

BOOST_AUTO_TEST_CASE(clientapp_update_refuses_bad_input_and_changes_nothing) {
  const ClientApp target = add_app("target-app", "target-secret-0123456789");
  const std::string at = access_token(admin.email, kAdminPassword);
  const std::string path = "/api/v1/clientapps/" + target.id;
  const json valid = {{"appName", "Renamed app"},
                      {"clientSecret", "new-target-secret-0123456789"},
                      {"enabled", false},
                      {"scope", {"read"}},
                      {"accessTokenValiditySeconds", 600}};
  auto state = [&] {
    Result<ClientApp> a = ctx->store->find_client(target.id);
    BOOST_REQUIRE(a.ok());
    json j = client_to_json(*a);
    j["secretHash"] = a->secret_hash;
    j["auditEvents"] = audit_events();
    return j;
  };
  const json before = state();
  refuse_all("PUT", path, at,
             bad_inputs(valid, {{"appName", 42},
                                {"clientSecret", 12345678901234567890u},
                                {"enabled", "false"},
                                {"enabled", 0},
                                {"scope", "read"},
                                {"accessTokenValiditySeconds", "600"},
                                {"accessTokenValiditySeconds", 600.5},
                                {"authorizedGrantTypes", "password"},
                                {"registeredRedirectUris", "https://app.example/cb"},
                                {"refreshTokenValiditySeconds", true},
                                {"autoApprove", "yes"},
                                {"requirePkce", json::array()},
                                {"clientId", json::object()}}),
             state);

  Response r = send("PUT", path, at, "application/json", padded(valid, kMaxBodyBytes));
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  const json after = state();
  BOOST_TEST(after["appName"] == "Renamed app");
  BOOST_TEST(after["enabled"] == false);
  BOOST_TEST(after["scope"] == json({"read"}));
  BOOST_TEST(after["accessTokenValiditySeconds"] == 600);
  BOOST_TEST(after["secretHash"] != before["secretHash"]);
  BOOST_TEST(after["auditEvents"] == before["auditEvents"].get<int64_t>() + 1);
}

BOOST_AUTO_TEST_CASE(user_update_refuses_bad_input_and_changes_nothing) {
  const std::string at = access_token(admin.email, kAdminPassword);
  const std::string alice_at = access_token(alice.email, kPassword);
  const std::string path = "/api/v1/users/" + alice.id;
  const json valid = {{"enabled", false},
                      {"mfaEnabled", true},
                      {"generateNewAuthenticatorKey", true},
                      {"password", kStrong}};
  auto state = [&] {
    Result<User> u = ctx->store->find_user(alice.id);
    BOOST_REQUIRE(u.ok());
    Result<std::pair<std::string, int64_t>> totp = ctx->store->find_totp(alice.id);
    BOOST_REQUIRE(totp.ok());
    return json{{"roles", u->roles},
                {"enabled", u->enabled},
                {"mfaEnabled", u->mfa_enabled},
                {"secret", hex(totp->first)},
                {"passwordHash", u->password_hash},
                {"tokenAccepted", me(alice_at).status == 200},
                {"auditEvents", audit_events()}};
  };
  const json before = state();
  BOOST_REQUIRE(before["tokenAccepted"] == true);
  refuse_all("PUT", path, at,
             bad_inputs(valid, {{"enabled", "false"},
                                {"enabled", nullptr},
                                {"mfaEnabled", 1},
                                {"generateNewAuthenticatorKey", "yes"},
                                {"password", 123456789012345},
                                {"password", json::array({kStrong})},
                                {"roles", "ROLE_SYSTEM_ADMIN"},
                                {"firstName", 42}}),
             state);

  Response r = send("PUT", path, at, "application/json", padded(valid, kMaxBodyBytes));
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  BOOST_TEST(body_of(r).contains("authenticatorUri"));
  const json after = state();
  BOOST_TEST(after["roles"] == before["roles"]);  // read-only here
  BOOST_TEST(after["enabled"] == false);
  BOOST_TEST(after["mfaEnabled"] == true);
  BOOST_TEST(after["secret"] != "");
  BOOST_TEST(after["passwordHash"] != before["passwordHash"]);
  BOOST_TEST(after["tokenAccepted"] == false);
}

BOOST_AUTO_TEST_CASE(device_registration_refuses_bad_input_and_changes_nothing) {
  const std::string at = access_token(alice.email, kPassword);
  const std::string path = "/api/v1/users/me/devices";
  const json valid = {{"deviceId", "phone-1"}, {"passcode", "123456"}};
  auto state = [&] {
    Result<std::vector<Device>> list = ctx->store->list_devices(alice.id);
    BOOST_REQUIRE(list.ok());
    json ids = json::array();
    for (const auto& d : *list) ids.push_back(d.device_id);
    return json{{"devices", ids}, {"auditEvents", audit_events()}};
  };
  const json before = state();
  BOOST_REQUIRE(before["devices"].empty());
  refuse_all("POST", path, at,
             bad_inputs(valid, {{"deviceId", 42},
                                {"deviceId", nullptr},
                                {"passcode", 123456},
                                {"passcode", json::array({"123456"})}}),
             state);

  Response r = send("POST", path, at, "application/json", padded(valid, kMaxBodyBytes));
  BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
  BOOST_TEST(state()["devices"] == json({"phone-1"}));
}

BOOST_AUTO_TEST_CASE(mfa_confirmation_refuses_bad_input_and_changes_nothing) {
  const std::string at = access_token(alice.email, kPassword);
  Response started = send("POST", "/api/v1/users/me/mfa", at, "", "");
  BOOST_REQUIRE_MESSAGE(started.status == 200, started.body);
  const std::string uri = body_of(started)["authenticatorUri"];
  const size_t from = uri.find("secret=") + 7;
  const std::string secret = base32_decode(uri.substr(from, uri.find('&', from) - from));
  const json before = mfa_state();
  BOOST_REQUIRE(before["pending"] != "");
  const json valid = {{"code", totp_code(secret, now_seconds() / 30)}};
  refuse_all("PUT", "/api/v1/users/me/mfa", at,
             bad_inputs(valid, {{"code", std::stoi(valid["code"].get<std::string>())},
                                {"code", json::array({valid["code"]})},
                                {"code", nullptr}}),
             [&] { return mfa_state(); });

  Response r = send("PUT", "/api/v1/users/me/mfa", at, "application/json",
                    padded({{"code", totp_code(secret, now_seconds() / 30)}}, kMaxBodyBytes));
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  const json after = mfa_state();
  BOOST_TEST(after["mfaEnabled"] == true);
  BOOST_TEST(after["pending"] == "");
  BOOST_TEST(after["recoveryCodesLeft"] == 10);
}

BOOST_AUTO_TEST_CASE(mfa_turning_off_refuses_bad_input_and_changes_nothing) {
  const std::string at = access_token(alice.email, kPassword);
  std::vector<std::string> codes;
  enrol(at, &codes);
  const json before = mfa_state();
  BOOST_REQUIRE(before["mfaEnabled"] == true);
  BOOST_REQUIRE(before["recoveryCodesLeft"] == 9);
  const json valid = {{"currentPassword", kPassword}, {"code", codes[1]}};
  refuse_all("DELETE", "/api/v1/users/me/mfa", at,
             bad_inputs(valid, {{"currentPassword", 42},
                                {"currentPassword", json::array({kPassword})},
                                {"code", 123456},
                                {"code", json::object({{"code", codes[1]}})},
                                {"code", false}}),
             [&] { return mfa_state(); });

  Response r =
      send("DELETE", "/api/v1/users/me/mfa", at, "application/json", padded(valid, kMaxBodyBytes));
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  const json after = mfa_state();
  BOOST_TEST(after["mfaEnabled"] == false);
  BOOST_TEST(after["secret"] == "");
  BOOST_TEST(after["recoveryCodesLeft"] == 0);
  BOOST_TEST(after["recoveryCodesUsed"].empty());
}

BOOST_AUTO_TEST_CASE(new_recovery_codes_refuse_bad_input_and_change_nothing) {
  const std::string at = access_token(alice.email, kPassword);
  std::vector<std::string> codes;
  const std::string secret = enrol(at, &codes);
  const json before = mfa_state();
  BOOST_REQUIRE(before["recoveryCodesLeft"] == 9);
  BOOST_REQUIRE(before["recoveryCodesUsed"].size() == 1u);
  // The step after the enrolment's (which is used up): valid all along.
  const std::string code = totp_code(secret, now_seconds() / 30 + 1);
  const json valid = {{"code", code}};
  refuse_all(
      "POST", "/api/v1/users/me/mfa/recovery-codes", at,
      bad_inputs(valid,
                 {{"code", std::stoi(code)}, {"code", json::array({code})}, {"code", nullptr}}),
      [&] { return mfa_state(); });

  Response r = send("POST", "/api/v1/users/me/mfa/recovery-codes", at, "application/json",
                    padded(valid, kMaxBodyBytes));
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  BOOST_TEST(body_of(r)["recoveryCodes"].size() == 10u);
  const json after = mfa_state();
  BOOST_TEST(after["mfaEnabled"] == true);
  BOOST_TEST(after["recoveryCodesLeft"] == 10);
  BOOST_TEST(after["recoveryCodesUsed"].empty());  // the old codes, the used one with them, died
  BOOST_TEST(after["lastStep"] != before["lastStep"]);
}

BOOST_AUTO_TEST_SUITE_END()
