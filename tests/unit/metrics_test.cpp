// include/access/core/metrics.h and GET /metrics: per-process slots summed at
// scrape (also across fork), the exposition format, the address allow-list
// (cidr.h), and the counters serve_request() moves.
#include "access/core/metrics.h"

#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <map>
#include <sstream>
#include <string>

#include "access/core/cidr.h"
#include "server_fixture.h"

using namespace access_service;
using namespace access_service::testing;

namespace {

// The value of the sample `name{labels}` (labels exactly as rendered), or
// -1 when the exposition has no such line.
double sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

// Every line is a comment (# HELP / # TYPE) or "name{labels} value", and
// every sample's family was declared with a TYPE first.
bool well_formed(const std::string& text, std::string* why) {
  std::istringstream in(text);
  std::string line;
  std::map<std::string, std::string> types;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream t(line.substr(7));
      std::string name, type;
      t >> name >> type;
      types[name] = type;
      continue;
    }
    size_t name_end = line.find_first_of("{ ");
    size_t space = line.rfind(' ');
    if (name_end == std::string::npos || space == std::string::npos || space + 1 >= line.size()) {
      *why = "malformed: " + line;
      return false;
    }
    std::string name = line.substr(0, name_end);
    bool declared = types.count(name) > 0;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string s = suffix;
      if (!declared && name.size() > s.size() &&
          name.compare(name.size() - s.size(), s.size(), s) == 0)
        declared = types.count(name.substr(0, name.size() - s.size())) > 0;
    }
    if (!declared) {
      *why = "no TYPE for " + name;
      return false;
    }
  }
  return true;
}

struct MetricsFixture : ServerFixture {
  std::unique_ptr<MetricsRegion> region;
  MetricsFixture() {
    auto r = MetricsRegion::create();
    BOOST_REQUIRE(r.ok());
    region = std::move(*r);
    region->claim(1);
    ctx->metrics = MetricsWriter(*region, 1);
    ctx->metrics_region = region.get();
  }
  std::string scrape() {
    Response r = call("GET", "/metrics", "");
    BOOST_REQUIRE_EQUAL(r.status, 200);
    return r.body;
  }
};

const char kHealth200[] =
    "access_requests_total{method=\"GET\",route=\"/api/health\",status=\"200\"}";

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(slots_are_summed_and_each_has_one_writer) {
  auto region = MetricsRegion::create();
  BOOST_REQUIRE(region.ok());
  (*region)->claim(1);
  (*region)->claim(2);
  MetricsWriter a(**region, 1), b(**region, 2);
  a.add(Counter::kRefreshReuse);
  b.add(Counter::kRefreshReuse, 2);
  a.grant(Grant::kRefreshToken, 200);
  b.grant(Grant::kRefreshToken, 400);
  b.grant(Grant::kRefreshToken, 503);
  std::string text = render_metrics(**region, ScrapeInfo{});
  BOOST_TEST(sample(text, "access_refresh_reuse_total") == 3);
  BOOST_TEST(sample(text, "access_grants_total{grant_type=\"refresh_token\",outcome=\"issued\"}") ==
             1);
  BOOST_TEST(
      sample(text, "access_grants_total{grant_type=\"refresh_token\",outcome=\"refused\"}") == 1);
  BOOST_TEST(sample(text, "access_grants_total{grant_type=\"refresh_token\",outcome=\"failed\"}") ==
             1);
  BOOST_TEST(sample(text, "access_grants_total{grant_type=\"password\",outcome=\"issued\"}") == 0);
}

BOOST_AUTO_TEST_CASE(a_child_process_counts_into_the_parents_mapping) {
  auto region = MetricsRegion::create();
  BOOST_REQUIRE(region.ok());
  (*region)->claim(3);
  pid_t pid = fork();
  if (pid == 0) {
    MetricsWriter w(**region, 3);
    for (int i = 0; i < 5; ++i) w.add(Counter::kCodeReuse);
    _exit(0);
  }
  BOOST_REQUIRE(pid > 0);
  int status = 0;
  waitpid(pid, &status, 0);
  BOOST_TEST(sample(render_metrics(**region, ScrapeInfo{}), "access_code_reuse_total") == 5);
}

BOOST_AUTO_TEST_CASE(unclaimed_slots_are_not_read) {
  auto region = MetricsRegion::create();
  BOOST_REQUIRE(region.ok());
  (*region)->claim(1);
  MetricsWriter w(**region, 1);
  w.add(Counter::kLockoutAccount);
  // Written without a claim (never done by the master): beyond slots_used.
  MetricsWriter stray(**region, 40);
  stray.add(Counter::kLockoutAccount, 100);
  BOOST_TEST(sample(render_metrics(**region, ScrapeInfo{}),
                    "access_lockouts_total{scope=\"account\"}") == 1);
}

BOOST_AUTO_TEST_CASE(writer_without_a_slot_records_nothing) {
  auto region = MetricsRegion::create();
  BOOST_REQUIRE(region.ok());
  (*region)->claim(1);
  MetricsWriter w(**region, 1);
  w.add(Counter::kRefreshReuse, 2);
  w.request(0, 200, 10);
  ScrapeInfo info;
  info.routes = {{"GET", "/api/health"}};
  info.audit_types = {"token.issued"};
  const std::string before = render_metrics(**region, info);

  // Every call of a writer without a slot (must not crash either).
  auto calls = [](MetricsWriter& m) {
    m.add(Counter::kRefreshReuse);
    m.request(0, 200, 10);
    m.grant(Grant::kPassword, 200);
    m.set(Gauge::kWorkers, 7);
    m.audit(0);
  };
  MetricsWriter none;
  calls(none);
  BOOST_TEST(render_metrics(**region, info) == before);

  // The same calls through a writer with a slot do show, so the comparison
  // above would see them.
  calls(w);
  BOOST_TEST(render_metrics(**region, info) != before);
}

BOOST_AUTO_TEST_CASE(histogram_buckets_are_cumulative_and_end_with_the_count) {
  auto region = MetricsRegion::create();
  BOOST_REQUIRE(region.ok());
  (*region)->claim(1);
  MetricsWriter w(**region, 1);
  w.request(0, 200, 500);      // <= 1 ms
  w.request(0, 200, 3000);     // <= 5 ms
  w.request(0, 404, 9000000);  // > 5 s: +Inf only
  ScrapeInfo info;
  info.routes = {{"GET", "/api/health"}};
  std::string text = render_metrics(**region, info);
  const std::string l = "method=\"GET\",route=\"/api/health\"";
  BOOST_TEST(sample(text, "access_request_duration_seconds_bucket{" + l + ",le=\"0.001\"}") == 1);
  BOOST_TEST(sample(text, "access_request_duration_seconds_bucket{" + l + ",le=\"0.0025\"}") == 1);
  BOOST_TEST(sample(text, "access_request_duration_seconds_bucket{" + l + ",le=\"0.005\"}") == 2);
  BOOST_TEST(sample(text, "access_request_duration_seconds_bucket{" + l + ",le=\"5\"}") == 2);
  BOOST_TEST(sample(text, "access_request_duration_seconds_bucket{" + l + ",le=\"+Inf\"}") == 3);
  BOOST_TEST(sample(text, "access_request_duration_seconds_count{" + l + "}") == 3);
  BOOST_TEST(sample(text, "access_request_duration_seconds_sum{" + l + "}") == 9.0035);
  BOOST_TEST(sample(text, "access_requests_total{" + l + ",status=\"404\"}") == 1);
  std::string why;
  BOOST_TEST(well_formed(text, &why), why);
}

BOOST_AUTO_TEST_CASE(unknown_statuses_and_unmatched_requests_have_their_own_series) {
  auto region = MetricsRegion::create();
  BOOST_REQUIRE(region.ok());
  (*region)->claim(1);
  MetricsWriter w(**region, 1);
  w.request(-1, 418, 10);
  std::string text = render_metrics(**region, ScrapeInfo{});
  BOOST_TEST(
      sample(text, "access_requests_total{method=\"ANY\",route=\"unmatched\",status=\"other\"}") ==
      1);
}

BOOST_FIXTURE_TEST_CASE(serve_request_counts_each_request_once_by_route_and_status,
                        MetricsFixture) {
  double before = sample(scrape(), kHealth200);
  for (int i = 0; i < 3; ++i) BOOST_TEST(call("GET", "/api/health", "").status == 200);
  BOOST_TEST(call("GET", "/api/nowhere", "").status == 404);
  std::string text = scrape();
  BOOST_TEST(sample(text, kHealth200) == (before < 0 ? 0 : before) + 3);
  BOOST_TEST(
      sample(text, "access_requests_total{method=\"ANY\",route=\"unmatched\",status=\"404\"}") ==
      1);
  // The first scrape was counted once it had been answered.
  BOOST_TEST(
      sample(text, "access_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"}") == 1);
  std::string why;
  BOOST_TEST(well_formed(text, &why), why);
}

BOOST_FIXTURE_TEST_CASE(grants_and_audit_events_are_counted, MetricsFixture) {
  add_app("cli", "cli-secret-0123456789", {"password", "refresh_token"});
  add_user("alice@example.com");
  BOOST_TEST(
      password_grant("cli", "cli-secret-0123456789", "alice@example.com", kPassword).status == 200);
  BOOST_TEST(password_grant("cli", "cli-secret-0123456789", "alice@example.com", "wrong").status ==
             400);
  BOOST_TEST(password_grant("cli", "not-the-secret", "alice@example.com", kPassword).status == 401);
  std::string text = scrape();
  BOOST_TEST(sample(text, "access_grants_total{grant_type=\"password\",outcome=\"issued\"}") == 1);
  BOOST_TEST(sample(text, "access_grants_total{grant_type=\"password\",outcome=\"refused\"}") == 1);
  BOOST_TEST(sample(text, "access_client_auth_failures_total") == 1);
  BOOST_TEST(sample(text, "access_sign_in_failures_total") == 1);
  BOOST_TEST(sample(text, "access_audit_events_total{type=\"sign_in.succeeded\"}") == 1);
  BOOST_TEST(sample(text, "access_audit_events_total{type=\"sign_in.failed\"}") == 1);
  BOOST_TEST(sample(text, "access_audit_events_total{type=\"client_auth.failed\"}") == 1);
  BOOST_TEST(sample(text, "access_audit_events_total{type=\"token.issued\"}") == 1);
  BOOST_TEST(sample(text, "access_store_write_transactions_total") >= 3);
  BOOST_TEST(sample(text, "access_signing_keys") == 1);
  BOOST_TEST(sample(text, "access_database_size_bytes") > 0);
}

BOOST_FIXTURE_TEST_CASE(metrics_only_to_allowed_addresses, MetricsFixture) {
  remote_addr = "192.0.2.10";
  Response r = call("GET", "/metrics", "");
  BOOST_TEST(r.status == 403);
  BOOST_TEST(error_of(r) == "access_denied");
  BOOST_TEST(r.body.find("access_requests_total") == std::string::npos);
  remote_addr = "::ffff:127.0.0.1";  // IPv4-mapped loopback
  BOOST_TEST(call("GET", "/metrics", "").status == 200);
  remote_addr = "::1";
  BOOST_TEST(call("GET", "/metrics", "").status == 200);
  remote_addr = "";
  BOOST_TEST(call("GET", "/metrics", "").status == 403);
  ctx->config.metrics_allow = {"192.0.2.0/24"};
  remote_addr = "192.0.2.10";
  BOOST_TEST(call("GET", "/metrics", "").status == 200);
  remote_addr = "127.0.0.1";
  BOOST_TEST(call("GET", "/metrics", "").status == 403);
  ctx->config.metrics_allow = {};
  remote_addr = "192.0.2.10";
  BOOST_TEST(call("GET", "/metrics", "").status == 403);
}

BOOST_FIXTURE_TEST_CASE(metrics_answer_get_only, MetricsFixture) {
  Response r = call("POST", "/metrics", "");
  BOOST_TEST(r.status == 405);
  BOOST_TEST(header(r, "Allow") == "GET");
}

BOOST_FIXTURE_TEST_CASE(metrics_content_type_is_the_text_exposition_format, MetricsFixture) {
  Response r = call("GET", "/metrics", "");
  BOOST_TEST(header(r, "Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
}

BOOST_FIXTURE_TEST_CASE(a_context_without_a_region_answers_404, ServerFixture) {
  Response r = call("GET", "/metrics", "");
  BOOST_TEST(r.status == 404);
  BOOST_TEST(error_of(r) == "not_found");
}

BOOST_AUTO_TEST_CASE(cidr_blocks_parse_and_match) {
  for (const char* good : {"127.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "::1", "fd00::/8", "::/0",
                           "192.0.2.1/32", "2001:db8::/128"})
    BOOST_TEST(valid_cidr(good), good);
  for (const char* bad : {"", "localhost", "10.0.0.0/33", "::1/129", "10.0.0.0/", "10.0.0.0/-1",
                          "10.0.0.0/8/8", "1.2.3", "10.0.0.0/0x8", "fd00::/1000", " 10.0.0.1"})
    BOOST_TEST(!valid_cidr(bad), bad);
  const std::vector<std::string> allow = {"10.0.0.0/8", "192.0.2.7", "2001:db8::/32"};
  BOOST_TEST(address_allowed(allow, "10.255.0.1"));
  BOOST_TEST(address_allowed(allow, "192.0.2.7"));
  BOOST_TEST(address_allowed(allow, "::ffff:10.1.2.3"));
  BOOST_TEST(address_allowed(allow, "2001:db8:1::5"));
  BOOST_TEST(!address_allowed(allow, "11.0.0.1"));
  BOOST_TEST(!address_allowed(allow, "192.0.2.8"));
  BOOST_TEST(!address_allowed(allow, "2001:db9::1"));
  BOOST_TEST(!address_allowed(allow, "not an address"));
  BOOST_TEST(!address_allowed({}, "10.0.0.1"));
  BOOST_TEST(address_allowed({"0.0.0.0/0"}, "203.0.113.9"));
  BOOST_TEST(!address_allowed({"0.0.0.0/0"}, "::1"));  // families do not mix
  BOOST_TEST(address_allowed({"10.1.2.0/23"}, "10.1.3.255"));
  BOOST_TEST(!address_allowed({"10.1.2.0/23"}, "10.1.4.0"));
}

BOOST_AUTO_TEST_SUITE_END()
