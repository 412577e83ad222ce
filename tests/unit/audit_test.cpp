// include/access/oauth/audit.h end to end: the events the handlers record (in the
// transaction of the change they record), what they carry and never carry,
// GET /api/v1/audit with its filters and bad input, sampling of
// token.issued, retention by the purge, and the RFC 3339 parsing of the
// since/until filters.
#include "access/oauth/audit.h"

#include <boost/test/unit_test.hpp>
#include <map>
#include <set>
#include <string>

#include "access/core/strings.h"
#include "access/process/purge.h"
#include "server_fixture.h"

using namespace access_service;
using namespace access_service::testing;
using json = nlohmann::json;

namespace {

const char kSecret[] = "cli-secret-0123456789abcdef";
const char kAdminPassword[] = "admin-password-123";

struct AuditFixture : ServerFixture {
  ClientApp app = add_app("cli", kSecret, {"password", "refresh_token"});
  User admin = add_user("admin@example.com", kAdminPassword, {"ROLE_SYSTEM_ADMIN"});
  User alice = add_user("alice@example.com");

  std::string admin_token() {
    Response r = password_grant("cli", kSecret, "admin@example.com", kAdminPassword);
    BOOST_REQUIRE_EQUAL(r.status, 200);
    return body_of(r)["access_token"];
  }
  // Every stored event, oldest first.
  std::vector<AuditEvent> all() {
    Page page;
    Result<ListResult<AuditEvent>> list = ctx->store->list_audit(AuditFilter{}, page);
    BOOST_REQUIRE(list.ok());
    return list->items;
  }
  std::vector<AuditEvent> of_type(const std::string& type) {
    std::vector<AuditEvent> out;
    for (auto& e : all())
      if (e.type == type) out.push_back(e);
    return out;
  }
  json details(const AuditEvent& e) { return json::parse(e.details); }
  Response audit(const std::string& token, const std::string& query = "") {
    Request req;
    req.method = "GET";
    req.path = "/api/v1/audit";
    req.query = query;
    req.authorization = "Bearer " + token;
    req.remote_addr = remote_addr;
    return serve_request(*ctx, req);
  }
  // Every row of the audit table as text, to search for what must never be there.
  std::string dump() {
    std::string out;
    for (const auto& e : all())
      out += e.id + e.type + e.ip + e.user_agent + e.actor + e.user_id + e.client_id + e.username +
             e.outcome + e.details + "\n";
    return out;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(audit, AuditFixture)

BOOST_AUTO_TEST_CASE(password_grant_records_sign_in_and_token_issued_with_the_request) {
  user_agent = "Mozilla/5.0 (audit test)";
  remote_addr = "192.0.2.44";
  Response r = password_grant("cli", kSecret, "alice@example.com", kPassword);
  BOOST_REQUIRE_EQUAL(r.status, 200);
  json body = body_of(r);
  auto signed_in = of_type("sign_in.succeeded");
  auto issued = of_type("token.issued");
  BOOST_REQUIRE_EQUAL(signed_in.size(), 1u);
  BOOST_REQUIRE_EQUAL(issued.size(), 1u);
  const AuditEvent& s = signed_in[0];
  BOOST_TEST(s.user_id == alice.id);
  BOOST_TEST(s.client_id == "cli");
  BOOST_TEST(s.actor == alice.id);
  BOOST_TEST(s.ip == "192.0.2.44");
  BOOST_TEST(s.user_agent == "Mozilla/5.0 (audit test)");
  BOOST_TEST(s.outcome == "success");
  BOOST_TEST(details(s)["method"] == "password");
  const AuditEvent& t = issued[0];
  BOOST_TEST(t.actor == "cli");
  BOOST_TEST(details(t)["grantType"] == "password");
  BOOST_TEST(details(t)["jti"] == body["jti"]);
  BOOST_TEST(details(t).contains("familyId"));
  BOOST_TEST(uuid7_millis(t.id).has_value());
  BOOST_TEST(std::abs(t.created_ms - now_millis()) < 60000);
  // Never the password, the access token or the refresh token.
  const std::string d = dump();
  BOOST_TEST(d.find(kPassword) == std::string::npos);
  BOOST_TEST(d.find(body["access_token"].get<std::string>()) == std::string::npos);
  BOOST_TEST(d.find(body["refresh_token"].get<std::string>()) == std::string::npos);
  BOOST_TEST(d.find(kSecret) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(failed_sign_ins_record_the_reason_and_the_username_as_typed) {
  BOOST_TEST(password_grant("cli", kSecret, "Alice@Example.com", "wrong-password-1").status == 400);
  BOOST_TEST(password_grant("cli", kSecret, "nobody@example.com", "wrong-password-2").status ==
             400);
  auto failed = of_type("sign_in.failed");
  BOOST_REQUIRE_EQUAL(failed.size(), 2u);
  BOOST_TEST(failed[0].username == "Alice@Example.com");
  BOOST_TEST(failed[0].user_id == alice.id);
  BOOST_TEST(failed[0].outcome == "failure");
  BOOST_TEST(failed[0].actor == "");
  BOOST_TEST(failed[0].client_id == "cli");
  BOOST_TEST(details(failed[0])["reason"] == "wrong_password");
  BOOST_TEST(failed[1].username == "nobody@example.com");
  BOOST_TEST(failed[1].user_id == "");
  BOOST_TEST(details(failed[1])["reason"] == "unknown_user");
  BOOST_TEST(dump().find("wrong-password") == std::string::npos);
  BOOST_TEST(of_type("sign_in.succeeded").empty());
  BOOST_TEST(of_type("token.issued").empty());
}

BOOST_AUTO_TEST_CASE(lockout_records_account_locked_once_then_locked_failures) {
  for (int i = 0; i < config.lockout_max_failures; ++i)
    password_grant("cli", kSecret, "alice@example.com", "wrong-" + std::to_string(i));
  BOOST_TEST(password_grant("cli", kSecret, "alice@example.com", kPassword).status == 429);
  auto locked = of_type("account.locked");
  BOOST_REQUIRE_EQUAL(locked.size(), 1u);
  BOOST_TEST(details(locked[0])["scope"] == "address");
  BOOST_TEST(locked[0].username == "alice@example.com");
  auto failed = of_type("sign_in.failed");
  BOOST_REQUIRE_EQUAL(failed.size(), static_cast<size_t>(config.lockout_max_failures + 1));
  BOOST_TEST(details(failed.back())["reason"] == "locked");
}

BOOST_AUTO_TEST_CASE(client_auth_failures_record_the_reason_and_the_client_as_presented) {
  BOOST_TEST(
      password_grant("cli", "wrong-secret-000000000", "alice@example.com", kPassword).status ==
      401);
  BOOST_TEST(
      password_grant("nosuchapp", "whatever-secret-0000", "alice@example.com", kPassword).status ==
      401);
  BOOST_TEST(call("POST", "/api/oauth/token", "Basic !!!notbase64",
                  "application/x-www-form-urlencoded", "grant_type=password")
                 .status == 401);
  // No credentials at all is no authentication attempt.
  BOOST_TEST(call("POST", "/api/oauth/token", "", "application/x-www-form-urlencoded",
                  "grant_type=password")
                 .status == 401);
  // By reason: events of one millisecond have no order among themselves.
  std::map<std::string, AuditEvent> by_reason;
  for (const auto& e : of_type("client_auth.failed")) by_reason[details(e)["reason"]] = e;
  BOOST_REQUIRE_EQUAL(by_reason.size(), 3u);
  BOOST_TEST(by_reason["wrong_secret"].client_id == "cli");
  BOOST_TEST(by_reason["unknown_client"].client_id == "nosuchapp");
  BOOST_TEST(by_reason["malformed"].client_id == "");
  BOOST_TEST(by_reason["malformed"].outcome == "failure");
  BOOST_TEST(dump().find("wrong-secret-000000000") == std::string::npos);
  BOOST_TEST(dump().find("whatever-secret-0000") == std::string::npos);
  // The wrong secret was counted in the same transaction as its event.
  Result<ClientApp> a = ctx->store->find_client(app.id);
  BOOST_REQUIRE(a.ok());
  BOOST_TEST(a->auth_failures == 1);
}

BOOST_AUTO_TEST_CASE(throttled_client_attempts_are_stored_once_per_window) {
  ctx->config.lockout_client_max_failures = 2;
  for (int i = 0; i < 6; ++i)
    BOOST_TEST(
        password_grant("cli", "wrong-secret-000000000", "alice@example.com", kPassword).status ==
        401);
  std::map<std::string, int> reasons;
  for (const auto& e : of_type("client_auth.failed")) ++reasons[details(e)["reason"]];
  BOOST_TEST(reasons["wrong_secret"] == 2);
  BOOST_TEST(reasons["throttled"] == 1);  // the other 3 are only logged (and counted)
  BOOST_TEST(reasons.size() == 2u);
  // A new window (the throttle over) stores its first throttled attempt again.
  BOOST_REQUIRE(ctx->store->record_client_auth_failure(app.id, now_seconds() + 3600, 60).ok());
  BOOST_REQUIRE(ctx->store->record_client_auth_failure(app.id, now_seconds() + 3600, 60).ok());
  Result<ClientApp> a = ctx->store->find_client(app.id);
  BOOST_REQUIRE(a.ok());
  BOOST_TEST(a->auth_failures == 2);
  ClientAuthAudit failure{nullptr, AuditEvent{}};
  BOOST_TEST(ctx->clients
                 .authenticate(*ctx->store, ctx->config,
                               basic_header("cli", "wrong-secret-000000000"), now_seconds() + 3601,
                               &failure)
                 .status()
                 .is_invalid());
  BOOST_TEST(details(failure.event)["reason"] == "throttled");
  BOOST_TEST(!details(failure.event).contains("notStored"));
  reasons.clear();
  for (const auto& e : of_type("client_auth.failed")) ++reasons[details(e)["reason"]];
  BOOST_TEST(reasons["throttled"] == 2);
}

BOOST_AUTO_TEST_CASE(refresh_rotation_records_token_issued_and_reuse_records_refresh_reused) {
  Response first = password_grant("cli", kSecret, "alice@example.com", kPassword);
  std::string rt = body_of(first)["refresh_token"];
  BOOST_REQUIRE_EQUAL(refresh_grant("cli", kSecret, rt).status, 200);
  auto issued = of_type("token.issued");
  BOOST_REQUIRE_EQUAL(issued.size(), 2u);
  // Events of one millisecond have no order among themselves.
  if (details(issued[0])["grantType"] == "refresh_token") std::swap(issued[0], issued[1]);
  BOOST_TEST(details(issued[0])["grantType"] == "password");
  BOOST_TEST(details(issued[1])["grantType"] == "refresh_token");
  BOOST_TEST(issued[1].user_id == alice.id);
  BOOST_TEST(refresh_grant("cli", kSecret, rt).status == 400);  // reuse
  auto reused = of_type("refresh.reused");
  BOOST_REQUIRE_EQUAL(reused.size(), 1u);
  BOOST_TEST(reused[0].user_id == alice.id);
  BOOST_TEST(reused[0].outcome == "failure");
  BOOST_TEST(details(reused[0])["familyId"] == details(issued[0])["familyId"]);
  BOOST_TEST(dump().find(rt) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(token_issued_is_sampled_by_config) {
  ctx->config.audit_token_issued_sample = 0;
  BOOST_TEST(password_grant("cli", kSecret, "alice@example.com", kPassword).status == 200);
  BOOST_TEST(of_type("token.issued").empty());
  BOOST_TEST(of_type("sign_in.succeeded").size() == 1u);  // every other type is always recorded
  ctx->config.audit_token_issued_sample = 3;
  for (int i = 0; i < 6; ++i)
    BOOST_TEST(password_grant("cli", kSecret, "alice@example.com", kPassword).status == 200);
  BOOST_TEST(of_type("token.issued").size() == 2u);
  BOOST_TEST(of_type("sign_in.succeeded").size() == 7u);
}

BOOST_AUTO_TEST_CASE(an_event_rolls_back_with_the_change_it_records) {
  ClientApp other = app;
  other.id = uuid4();
  other.client_id = "other";
  AuditEvent e = new_audit_event("client.created");
  {
    WriteTransaction txn(*ctx->store);
    BOOST_REQUIRE(ctx->store->insert_client(other).ok());
    // Two events with one id: the second insert fails, so nothing commits.
    Status st = commit_audited(*ctx, txn, {e, e});
    BOOST_TEST(st.is_conflict());
  }
  BOOST_TEST(ctx->store->find_client(other.id).status().is_not_found());
  BOOST_TEST(of_type("client.created").empty());
  {
    WriteTransaction txn(*ctx->store);
    BOOST_REQUIRE(ctx->store->insert_client(other).ok());
    BOOST_TEST(commit_audited(*ctx, txn, {e}).ok());
  }
  BOOST_TEST(ctx->store->find_client(other.id).ok());
  BOOST_TEST(of_type("client.created").size() == 1u);
}

BOOST_AUTO_TEST_CASE(admin_changes_to_apps_are_recorded_with_the_admin_as_actor) {
  std::string at = admin_token();
  Response created =
      call("POST", "/api/v1/clientapps", "Bearer " + at, "application/json",
           R"({"appName":"Portal","clientId":"portal","clientSecret":"portal-secret-0123456789",)"
           R"("authorizedGrantTypes":["password"],"accessTokenValiditySeconds":300})");
  BOOST_REQUIRE_EQUAL(created.status, 200);
  std::string id = body_of(created)["id"];
  BOOST_REQUIRE_EQUAL(
      call("PUT", "/api/v1/clientapps/" + id, "Bearer " + at, "application/json",
           R"({"appName":"Portal 2","clientSecret":"new-portal-secret-0123456789"})")
          .status,
      200);
  BOOST_REQUIRE_EQUAL(call("PUT", "/api/v1/clientapps/" + id + "/enable", "Bearer " + at).status,
                      200);
  BOOST_REQUIRE_EQUAL(call("PUT", "/api/v1/clientapps/" + id + "/enable", "Bearer " + at).status,
                      200);
  BOOST_REQUIRE_EQUAL(call("DELETE", "/api/v1/clientapps/" + id, "Bearer " + at).status, 200);
  for (const char* type : {"client.created", "client.updated", "client.disabled", "client.enabled",
                           "client.deleted"}) {
    auto events = of_type(type);
    BOOST_REQUIRE_MESSAGE(events.size() == 1u, type);
    BOOST_TEST(events[0].actor == admin.id, type);
    BOOST_TEST(events[0].client_id == "portal", type);
    BOOST_TEST(details(events[0])["id"] == id, type);
  }
  json updated = details(of_type("client.updated")[0]);
  BOOST_TEST(updated["secretChanged"] == true);
  BOOST_TEST(updated["members"] == json({"appName", "clientSecret"}));
  BOOST_TEST(dump().find("portal-secret") == std::string::npos);
  // A refused change records nothing.
  size_t before = all().size();
  BOOST_TEST(call("DELETE", "/api/v1/clientapps/" + id, "Bearer " + at).status == 404);
  BOOST_TEST(call("POST", "/api/v1/clientapps", "Bearer " + at, "application/json", "{}").status ==
             400);
  BOOST_TEST(all().size() == before);
}

BOOST_AUTO_TEST_CASE(user_admin_changes_are_recorded) {
  std::string at = admin_token();
  Response created = call(
      "POST", "/api/v1/users", "Bearer " + at, "application/json",
      R"({"email":"bob@example.com","roles":["ROLE_ORIGINATOR"],"password":"bob-password-123"})");
  BOOST_REQUIRE_EQUAL(created.status, 201);
  std::string bob = body_of(created)["id"];
  BOOST_REQUIRE_EQUAL(call("PUT", "/api/v1/users/" + bob, "Bearer " + at, "application/json",
                           R"({"enabled":false,"mfaEnabled":true})")
                          .status,
                      200);
  BOOST_TEST(of_type("user.created").size() == 1u);
  BOOST_TEST(of_type("user.created")[0].user_id == bob);
  BOOST_TEST(of_type("user.disabled").size() == 1u);
  auto mfa = of_type("user.mfa_changed");
  BOOST_REQUIRE_EQUAL(mfa.size(), 1u);
  BOOST_TEST(details(mfa[0])["mfaEnabled"] == true);
  BOOST_TEST(details(mfa[0])["newAuthenticatorKey"] == true);
  BOOST_TEST(dump().find("bob-password-123") == std::string::npos);
  BOOST_TEST(dump().find("otpauth") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(revocations_are_recorded) {
  Response g = password_grant("cli", kSecret, "alice@example.com", kPassword);
  std::string at = body_of(g)["access_token"], rt = body_of(g)["refresh_token"];
  BOOST_TEST(call("POST", "/api/oauth/revoke", basic_header("cli", kSecret),
                  "application/x-www-form-urlencoded", "token=" + rt)
                 .status == 200);
  BOOST_TEST(call("PUT", "/api/v1/users/me/expire", "Bearer " + admin_token()).status == 200);
  auto revoked = of_type("token.revoked");
  BOOST_REQUIRE_EQUAL(revoked.size(), 2u);
  BOOST_TEST(details(revoked[0])["tokenType"] == "refresh_token");
  BOOST_TEST(revoked[0].user_id == alice.id);
  BOOST_TEST(details(revoked[1])["tokenType"] == "all");
  BOOST_TEST(revoked[1].user_id == admin.id);
  // Unknown tokens: 200 and no event.
  BOOST_TEST(call("POST", "/api/oauth/revoke", basic_header("cli", kSecret),
                  "application/x-www-form-urlencoded", "token=unknown-token")
                 .status == 200);
  BOOST_TEST(of_type("token.revoked").size() == 2u);
  BOOST_TEST(dump().find(rt) == std::string::npos);
  BOOST_TEST(dump().find(at) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(list_is_newest_first_and_paged) {
  std::string at = admin_token();
  for (int i = 0; i < 3; ++i)
    password_grant("cli", kSecret, "alice@example.com", "wrong-" + std::to_string(i));
  Response r = audit(at);
  BOOST_REQUIRE_EQUAL(r.status, 200);
  json body = body_of(r);
  const size_t total = all().size();
  BOOST_TEST(body["count"] == total);
  BOOST_TEST(body["offset"] == 0);
  BOOST_REQUIRE_EQUAL(body["items"].size(), total);
  for (size_t i = 1; i < body["items"].size(); ++i)
    BOOST_TEST(body["items"][i - 1]["createdAt"].get<std::string>() >=
               body["items"][i]["createdAt"].get<std::string>());
  json first = body["items"][0];
  for (const char* m : {"id", "type", "createdAt", "ip", "userAgent", "actor", "userId", "clientId",
                        "username", "outcome", "details"})
    BOOST_TEST(first.contains(m), m);
  BOOST_TEST(first["details"].is_object());
  BOOST_TEST(has_shape(first["createdAt"].get<std::string>(), "DDDD-DD-DDTDD:DD:DD.DDDZ"));
  json page = body_of(audit(at, "limit=2&offset=1"));
  BOOST_TEST(page["count"] == total);
  BOOST_TEST(page["offset"] == 1);
  BOOST_REQUIRE_EQUAL(page["items"].size(), 2u);
  BOOST_TEST(page["items"][0]["id"] == body["items"][1]["id"]);
  json asc = body_of(audit(at, "orderBy=asc&limit=1"));
  BOOST_TEST(asc["items"][0]["id"] == body["items"][total - 1]["id"]);
}

BOOST_AUTO_TEST_CASE(list_filters_by_type_prefix_user_client_and_time) {
  std::string at = admin_token();
  password_grant("cli", kSecret, "alice@example.com", "wrong-password");
  password_grant("cli", "bad-secret-000000000", "alice@example.com", kPassword);
  json signin = body_of(audit(at, "type=sign_in."));
  BOOST_TEST(signin["count"] == 2);  // the admin's success and alice's failure
  for (const auto& e : signin["items"])
    BOOST_TEST(e["type"].get<std::string>().rfind("sign_in.", 0) == 0u);
  json failed = body_of(audit(at, "type=sign_in.failed"));
  BOOST_TEST(failed["count"] == 1);
  BOOST_TEST(body_of(audit(at, "type=sign_in.failedx"))["count"] == 0);
  json by_user = body_of(audit(at, "userId=" + alice.id));
  BOOST_TEST(by_user["count"] == 1);
  BOOST_TEST(by_user["items"][0]["userId"] == alice.id);
  json by_client = body_of(audit(at, "clientId=cli&type=client_auth."));
  BOOST_TEST(by_client["count"] == 1);
  BOOST_TEST(body_of(audit(at, "clientId=nobody"))["count"] == 0);
  // since / until, inclusive, in any RFC 3339 form.
  const std::string future = rfc3339(now_seconds() + 3600);
  BOOST_TEST(body_of(audit(at, "since=" + url_encode(future)))["count"] == 0);
  BOOST_TEST(body_of(audit(at, "until=" + url_encode(future)))["count"] == all().size());
  BOOST_TEST(
      body_of(audit(at, "since=2000-01-01T00:00:00.5%2B02:00&type=sign_in.failed"))["count"] == 1);
  json one = body_of(audit(at, "type=sign_in.failed"))["items"][0];
  const std::string t = one["createdAt"];
  json exact = body_of(audit(at, "type=sign_in.failed&since=" + t + "&until=" + t));
  BOOST_TEST(exact["count"] == 1);
}

BOOST_AUTO_TEST_CASE(list_refuses_bad_input_and_other_roles_and_changes_nothing) {
  std::string at = admin_token();
  const size_t before = all().size();
  for (const char* q :
       {"type=SIGN_IN", "type=sign%20in",
        "type=" /* empty: absent */ "&limit=101", "limit=-1", "limit=abc", "offset=-5",
        "orderBy=sideways", "sortBy=type", "since=yesterday", "since=2026-13-01T00:00:00Z",
        "until=2026-02-30T00:00:00Z", "since=2026-01-01",
        "since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", "userId=a%20b",
        "clientId=%3Cscript%3E", "type=a&type=b", "since=1969-12-31T23:59:59Z"}) {
    Response r = audit(at, q);
    BOOST_TEST(r.status == 400, q);
    BOOST_TEST(error_of(r) == "invalid_request", q);
  }
  Response big = audit(at, "type=" + std::string(65, 'a'));
  BOOST_TEST(big.status == 400);
  Response long_id = audit(at, "userId=" + std::string(129, 'a'));
  BOOST_TEST(long_id.status == 400);
  // Wrong role, no token, a bad token, the wrong method.
  std::string user_at =
      body_of(password_grant("cli", kSecret, "alice@example.com", kPassword))["access_token"];
  const size_t with_alice = all().size();
  Response forbidden = audit(user_at);
  BOOST_TEST(forbidden.status == 403);
  BOOST_TEST(error_of(forbidden) == "access_denied");
  BOOST_TEST(call("GET", "/api/v1/audit", "").status == 401);
  BOOST_TEST(audit("not-a-token").status == 401);
  Response post = call("POST", "/api/v1/audit", "Bearer " + at, "application/json", "{}");
  BOOST_TEST(post.status == 405);
  BOOST_TEST(header(post, "Allow") == "GET");
  BOOST_TEST(call("DELETE", "/api/v1/audit", "Bearer " + at).status == 405);
  BOOST_TEST(before + 2 == with_alice);  // alice's sign-in and token: the refusals added nothing
  BOOST_TEST(all().size() == with_alice);
}

BOOST_AUTO_TEST_CASE(purge_deletes_events_past_retention_only) {
  AuditEvent old_event = new_audit_event("user.updated");
  old_event.created_ms = (now_seconds() - 91LL * 86400) * 1000;
  AuditEvent recent = new_audit_event("user.updated");
  recent.created_ms = (now_seconds() - 89LL * 86400) * 1000;
  BOOST_REQUIRE(ctx->store->insert_audit(old_event).ok());
  BOOST_REQUIRE(ctx->store->insert_audit(recent).ok());
  config.audit_retention_days = 0;  // kept for ever
  Result<PurgeReport> kept = purge_expired(config, *ctx->store, now_seconds(), "test");
  BOOST_REQUIRE_MESSAGE(kept.ok(), kept.status().ToString());
  BOOST_TEST(kept->audit_events == 0);
  BOOST_TEST(of_type("user.updated").size() == 2u);
  config.audit_retention_days = 90;
  Result<PurgeReport> report = purge_expired(config, *ctx->store, now_seconds(), "test");
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report->audit_events == 1);
  auto left = of_type("user.updated");
  BOOST_REQUIRE_EQUAL(left.size(), 1u);
  BOOST_TEST(left[0].id == recent.id);
}

BOOST_AUTO_TEST_CASE(purge_deletes_in_batches_until_done) {
  const int64_t old_ms = (now_seconds() - 100LL * 86400) * 1000;
  {
    WriteTransaction txn(*ctx->store);
    for (int i = 0; i < 1203; ++i) {
      AuditEvent e = new_audit_event("token.issued");
      e.created_ms = old_ms + i;
      BOOST_REQUIRE(ctx->store->insert_audit(e).ok());
    }
    BOOST_REQUIRE(txn.commit().ok());
  }
  Result<PurgeReport> report = purge_expired(config, *ctx->store, now_seconds(), "test");
  BOOST_REQUIRE(report.ok());
  BOOST_TEST(report->audit_events == 1203);
  BOOST_TEST(of_type("token.issued").empty());
}

BOOST_AUTO_TEST_CASE(every_type_is_named_and_indexed) {
  std::set<std::string> seen;
  for (int i = 0; i < kAuditTypeCount; ++i) {
    std::string t = kAuditTypes[i];
    BOOST_TEST(audit_type_index(t) == i);
    BOOST_TEST(seen.insert(t).second, t);
    BOOST_TEST(t.find_first_not_of("abcdefghijklmnopqrstuvwxyz_.") == std::string::npos, t);
  }
  BOOST_TEST(kAuditTypeCount == 26);  // issue #14's 25 and user.deleted (accessctl user delete)
  BOOST_TEST(audit_type_index("nope") == -1);
}

BOOST_AUTO_TEST_CASE(rfc3339_parsing) {
  long long ms = 0;
  BOOST_TEST(parse_rfc3339("1970-01-01T00:00:00Z", &ms));
  BOOST_TEST(ms == 0);
  BOOST_TEST(parse_rfc3339("2026-11-22T12:00:00Z", &ms));
  BOOST_TEST(ms == 1795348800000LL);
  BOOST_TEST(parse_rfc3339("2026-11-22T12:00:00.123Z", &ms));
  BOOST_TEST(ms == 1795348800123LL);
  BOOST_TEST(parse_rfc3339("2026-11-22t13:30:00.5+01:30", &ms));
  BOOST_TEST(ms == 1795348800500LL);
  BOOST_TEST(parse_rfc3339("2026-11-22T10:00:00-02:00", &ms));
  BOOST_TEST(ms == 1795348800000LL);
  BOOST_TEST(parse_rfc3339("2024-02-29T00:00:00Z", &ms));  // leap year
  BOOST_TEST(rfc3339_millis(1795348800123LL) == "2026-11-22T12:00:00.123Z");
  for (const char* bad :
       {"", "2026-11-22", "2026-11-22T12:00:00", "2026-11-22 12:00:00Z", "2026-11-22T24:00:00Z",
        "2025-02-29T00:00:00Z", "2026-00-10T00:00:00Z", "2026-11-22T12:00:00.Z",
        "2026-11-22T12:00:00+0100", "1969-12-31T23:59:59Z", "2026-11-22T12:00:00Zjunk",
        "+2026-11-22T12:00:00Z", "2026-11-22T12:60:00Z"})
    BOOST_TEST(!parse_rfc3339(bad, &ms), bad);
}

BOOST_AUTO_TEST_SUITE_END()
