// include/access/purge.h: what purge_expired deletes (rows past their expiry
// and its grace, audit events past retention, keys past their overlap) and
// what it keeps, on the SQLite store (PostgreSQL's under make test PG=1).
#include "access/process/purge.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/crypto/key_ring.h"
#include "access/crypto/signer.h"
#include "server_fixture.h"

using namespace access_service;
using namespace access_service::testing;

namespace {

struct PurgeFixture : ServerFixture {
  const int64_t now = now_seconds();
  Store& store = *ctx->store;
  User alice = add_user("alice@example.com");
  ClientApp app = add_app("purge-app", "purge-app-secret-0123456789");

  void family(const std::string& id, int64_t expires_at, const std::string& refresh) {
    BOOST_REQUIRE(
        store.insert_family(id, app.id, alice.id, {"read"}, expires_at - 3600, expires_at).ok());
    BOOST_REQUIRE(store.insert_refresh(sha256(refresh), id, expires_at - 3600).ok());
  }
  void code(const std::string& raw, int64_t expires_at) {
    AuthCode c;
    c.app_id = app.id;
    c.user_id = alice.id;
    c.redirect_uri = "https://app.example/cb";
    c.scope = {"read"};
    c.expires_at = expires_at;
    BOOST_REQUIRE(store.insert_code(sha256(raw), c).ok());
  }
  void auth_request(const std::string& id, int64_t expires_at) {
    AuthRequest r;
    r.id = id;
    r.app_id = app.id;
    r.response_type = "code";
    r.redirect_uri = "https://app.example/cb";
    r.scope = {"read"};
    r.expires_at = expires_at;
    r.browser_hash = sha256("binding-" + id);
    BOOST_REQUIRE(store.insert_auth_request(r).ok());
  }
  void session(const std::string& raw, int64_t expires_at) {
    BOOST_REQUIRE(store.insert_session(sha256(raw), alice.id, expires_at - 3600, expires_at).ok());
  }
  // Rows are looked up as of long ago, so that a row still there is found
  // whether or not it has expired: only the purge makes it kNotFound.
  bool has_session(const std::string& raw) { return store.find_session_user(sha256(raw), 0).ok(); }
  bool has_auth_request(const std::string& id) { return store.find_auth_request(id, 0).ok(); }
  bool has_refresh(const std::string& raw) { return store.find_refresh(sha256(raw)).ok(); }
  bool has_code(const std::string& raw) { return store.find_code(sha256(raw)).ok(); }
  bool has_login_failures(const std::string& user) {
    return store.find_login_failures(user, "192.0.2.1").ok();
  }

  PurgeReport purge() {
    Result<PurgeReport> r = purge_expired(config, store, now, "unit-test");
    BOOST_REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    return *r;
  }
};

AuditEvent audit_at(const std::string& id, int64_t seconds) {
  AuditEvent e;
  e.id = id;
  e.type = "token.issued";
  e.created_ms = seconds * 1000;
  e.outcome = "success";
  return e;
}

std::vector<std::string> audit_ids(Store& store, const std::string& type_prefix = "") {
  AuditFilter f;
  f.type_prefix = type_prefix;
  Result<ListResult<AuditEvent>> r = store.list_audit(f, Page{});
  BOOST_REQUIRE(r.ok());
  std::vector<std::string> out;
  for (const auto& e : r->items) out.push_back(e.id);
  return out;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(purge, PurgeFixture)

BOOST_AUTO_TEST_CASE(nothing_to_purge_removes_nothing) {
  family("fam-live", now + 3600, "rt-live");
  session("s-live", now + 3600);
  PurgeReport r = purge();
  BOOST_TEST(r.rows == 0);
  BOOST_TEST(r.audit_events == 0);
  BOOST_TEST(r.keys == 0);
  BOOST_TEST(r.events.empty());
  BOOST_TEST(has_refresh("rt-live"));
  BOOST_TEST(has_session("s-live"));
}

BOOST_AUTO_TEST_CASE(token_families_go_a_day_after_expiry_with_their_refresh_tokens) {
  family("fam-old", now - 86400 - 10, "rt-old");  // past the day of grace
  family("fam-recent", now - 10, "rt-recent");    // expired, within the day
  family("fam-live", now + 3600, "rt-live");
  PurgeReport r = purge();
  BOOST_TEST(r.rows == 1);
  BOOST_TEST(!has_refresh("rt-old"));
  BOOST_TEST(store.find_refresh(sha256("rt-old")).status().is_not_found());
  BOOST_TEST(has_refresh("rt-recent"));  // an access token minted just before may name it
  BOOST_TEST(has_refresh("rt-live"));
  // The family is gone too: its id is free again.
  BOOST_TEST(store.insert_family("fam-old", app.id, alice.id, {"read"}, now, now + 60).ok());
  BOOST_TEST(
      store.insert_family("fam-recent", app.id, alice.id, {"read"}, now, now + 60).is_conflict());
}

BOOST_AUTO_TEST_CASE(codes_go_a_day_after_expiry) {
  code("code-old", now - 86400 - 10);
  code("code-recent", now - 10);  // a replay must still find it (and revoke what it issued)
  code("code-live", now + 60);
  PurgeReport r = purge();
  BOOST_TEST(r.rows == 1);
  BOOST_TEST(!has_code("code-old"));
  BOOST_TEST(has_code("code-recent"));
  BOOST_TEST(has_code("code-live"));
}

BOOST_AUTO_TEST_CASE(saved_requests_and_sessions_go_at_expiry) {
  auth_request("rid-old", now - 1);
  auth_request("rid-live", now + 600);
  session("s-old", now - 1);
  session("s-live", now + 3600);
  BOOST_REQUIRE(has_auth_request("rid-old"));
  BOOST_REQUIRE(has_session("s-old"));
  PurgeReport r = purge();
  BOOST_TEST(r.rows == 2);
  BOOST_TEST(!has_auth_request("rid-old"));
  BOOST_TEST(has_auth_request("rid-live"));
  BOOST_TEST(!has_session("s-old"));
  BOOST_TEST(has_session("s-live"));
}

BOOST_AUTO_TEST_CASE(revoked_jtis_go_a_minute_after_their_token_expires) {
  BOOST_REQUIRE(*store.revoke_access_token("jti-old", now - 61));
  BOOST_REQUIRE(*store.revoke_access_token("jti-recent", now - 30));  // within clock skew
  BOOST_REQUIRE(*store.revoke_access_token("jti-live", now + 600));
  PurgeReport r = purge();
  BOOST_TEST(r.rows == 1);
  // revoke_access_token is true only when the row was not there.
  BOOST_TEST(*store.revoke_access_token("jti-old", now - 61));
  BOOST_TEST(!*store.revoke_access_token("jti-recent", now - 30));
  BOOST_TEST(!*store.revoke_access_token("jti-live", now + 600));
}

BOOST_AUTO_TEST_CASE(lockout_counters_go_only_when_lock_and_window_are_over) {
  // Finished: not locked, window started more than a day ago.
  BOOST_REQUIRE(
      store.save_login_failures("done@example.com", "192.0.2.1", {5, now - 90000, now - 1}).ok());
  // Still locked, although its window is old.
  BOOST_REQUIRE(
      store.save_login_failures("locked@example.com", "192.0.2.1", {5, now - 90000, now + 600})
          .ok());
  // A recent window, not locked.
  BOOST_REQUIRE(
      store.save_login_failures("recent@example.com", "192.0.2.1", {2, now - 100, 0}).ok());
  PurgeReport r = purge();
  BOOST_TEST(r.rows == 1);
  BOOST_TEST(!has_login_failures("done@example.com"));
  BOOST_TEST(has_login_failures("locked@example.com"));
  BOOST_TEST(has_login_failures("recent@example.com"));
}

BOOST_AUTO_TEST_CASE(user_app_watermarks_go_after_a_day) {
  // A (user, app) watermark (taken from the clock) cuts the tokens issued
  // before it; a day later no such token is alive anyway, and it goes.
  BOOST_REQUIRE(store.revoke_user_app_tokens(alice.id, app.id, now).ok());
  AccessCheck before{"jti-before", app.client_id, alice.id, "", now_millis() - 5000, app.id};
  BOOST_REQUIRE(store.access_token_live(before).ok());
  BOOST_TEST(!*store.access_token_live(before));  // cut by the watermark
  BOOST_TEST(purge().rows == 0);                  // a fresh watermark stays
  BOOST_TEST(!*store.access_token_live(before));
  Result<PurgeReport> later = purge_expired(config, store, now + 86400 + 10, "unit-test");
  BOOST_REQUIRE(later.ok());
  BOOST_TEST(later->rows == 1);
  BOOST_TEST(*store.access_token_live(before));  // the watermark is gone
}

BOOST_AUTO_TEST_CASE(more_than_a_batch_is_purged_in_rounds) {
  {
    WriteTransaction txn(store);
    for (int i = 0; i < 1203; ++i) session("s-" + std::to_string(i), now - 1);
    BOOST_REQUIRE(txn.commit().ok());
  }
  session("s-live", now + 3600);
  PurgeReport r = purge();
  BOOST_TEST(r.rows == 1203);
  BOOST_TEST(!has_session("s-0"));
  BOOST_TEST(!has_session("s-1202"));
  BOOST_TEST(has_session("s-live"));
  BOOST_TEST(purge().rows == 0);  // nothing left
}

BOOST_AUTO_TEST_CASE(audit_events_go_after_the_retention_days) {
  config.audit_retention_days = 90;
  BOOST_REQUIRE(store.insert_audit(audit_at("old", now - 91 * 86400)).ok());
  BOOST_REQUIRE(store.insert_audit(audit_at("edge", now - 89 * 86400)).ok());
  BOOST_REQUIRE(store.insert_audit(audit_at("new", now - 60)).ok());
  PurgeReport r = purge();
  BOOST_TEST(r.audit_events == 1);
  BOOST_TEST(r.rows == 0);  // audit events are not counted as expired rows
  BOOST_TEST(audit_ids(store) == (std::vector<std::string>{"edge", "new"}));
}

BOOST_AUTO_TEST_CASE(retention_zero_keeps_every_audit_event) {
  config.audit_retention_days = 0;
  BOOST_REQUIRE(store.insert_audit(audit_at("ancient", now - 3650 * 86400)).ok());
  PurgeReport r = purge();
  BOOST_TEST(r.audit_events == 0);
  BOOST_TEST(audit_ids(store) == (std::vector<std::string>{"ancient"}));
}

BOOST_AUTO_TEST_CASE(keys_past_their_overlap_go_with_a_key_retired_event) {
  // Two keys older than the fixture's signing key (named by creation time,
  // which orders them): one retired past the overlap, one within it.
  auto old_key = [&](const std::string& stamp, long long retired_at) {
    TempDir other;
    Result<std::string> made = create_signing_key(other.file("k"), "ES256");
    BOOST_REQUIRE(made.ok());
    const std::string path = config.key_dir + "/key-" + stamp + ".pem";
    BOOST_REQUIRE(rename(made->c_str(), path.c_str()) == 0);
    write_text(path + ".retired", std::to_string(retired_at) + "\n");
    return path;
  };
  const std::string expired = old_key("20200101T000000Z", now - kKeyOverlapSeconds - 10);
  const std::string verifying = old_key("20200201T000000Z", now - 10);
  Result<std::vector<KeyInfo>> before = list_keys(config.key_dir, now);
  BOOST_REQUIRE(before.ok());
  BOOST_REQUIRE(before->size() == 3u);
  const std::string expired_kid = (*before)[0].kid;
  BOOST_REQUIRE((*before)[0].state == KeyState::kExpired);
  BOOST_REQUIRE((*before)[1].state == KeyState::kVerifying);
  BOOST_REQUIRE((*before)[2].state == KeyState::kSigning);

  PurgeReport r = purge();
  BOOST_TEST(r.keys == 1);
  BOOST_TEST(access(expired.c_str(), F_OK) != 0);
  BOOST_TEST(access((expired + ".retired").c_str(), F_OK) != 0);  // with its sidecar
  BOOST_TEST(access(verifying.c_str(), F_OK) == 0);
  BOOST_TEST(list_keys(config.key_dir, now)->size() == 2u);
  BOOST_REQUIRE(r.events.size() == 1u);
  BOOST_TEST(r.events[0].type == "key.retired");
  BOOST_TEST(r.events[0].actor == "unit-test");
  BOOST_TEST(r.events[0].details.find("\"kid\":\"" + expired_kid + "\"") != std::string::npos,
             r.events[0].details);
  BOOST_TEST(r.events[0].details.find("\"reason\":\"expired\"") != std::string::npos);
  // ... and the event is stored.
  BOOST_TEST(audit_ids(store, "key.retired") == (std::vector<std::string>{r.events[0].id}));

  // Again: nothing more goes, no event.
  PurgeReport again = purge();
  BOOST_TEST(again.keys == 0);
  BOOST_TEST(again.events.empty());
  BOOST_TEST(audit_ids(store, "key.retired").size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
