#include "access/http/request_log.h"

#include <time.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "access/core/log.h"
#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/http/router.h"

namespace access_service {
namespace {

int64_t monotonic_micros() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

bool plain_id(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

// A user agent for logs and audit rows: bounded, and valid UTF-8 (bytes of
// a broken sequence become '?').
std::string clean_user_agent(const std::string& ua) {
  std::string s = truncate_utf8(ua, 200);
  if (!valid_utf8(s))
    for (char& c : s)
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
  return s;
}

// The `error` member of an error reply (debug lines only).
std::string error_code_of(const Response& res) {
  if (res.status < 400 || res.body.empty() || res.body[0] != '{') return "";
  nlohmann::json j = nlohmann::json::parse(res.body, nullptr, false);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_string()) return "";
  return j["error"].get<std::string>();
}

}  // namespace

Response serve_request(Context& ctx, const Request& req) {
  const int64_t start = monotonic_micros();
  RequestInfo& cur = ctx.current;
  cur = RequestInfo{};
  cur.request_id = plain_id(req.request_id) ? req.request_id : hex(random_bytes(16));
  cur.ip = req.remote_addr;
  cur.user_agent = clean_user_agent(req.user_agent);
  cur.method = req.method;
  cur.collect_log = true;

  Response res = route(ctx, req);
  res.set_header("X-Request-Id", cur.request_id);

  const int64_t micros = monotonic_micros() - start;
  ctx.metrics.request(cur.route, res.status, micros);
  if (cur.grant) ctx.metrics.grant(*cur.grant, res.status);
  const StoreStats now = ctx.store->stats();
  ctx.metrics.add(Counter::kStoreWriteTxns,
                  now.write_transactions - ctx.store_seen.write_transactions);
  ctx.metrics.add(Counter::kStoreLockWaitMicros,
                  now.lock_wait_micros - ctx.store_seen.lock_wait_micros);
  ctx.metrics.add(Counter::kStoreDurableCommits,
                  now.durable_commits - ctx.store_seen.durable_commits);
  ctx.metrics.add(Counter::kStoreWalSyncs, now.wal_syncs - ctx.store_seen.wal_syncs);
  ctx.store_seen = now;

  LogLine line(LogLevel::kInfo, "request");
  line.str("method", req.method)
      .str("route", cur.route >= 0 ? route_pattern(cur.route) : "unmatched")
      .num("status", res.status)
      .millis("ms", static_cast<double>(micros) / 1000.0)
      .opt("client", cur.client_id)
      .opt("user", cur.user_id)
      .str("requestId", cur.request_id);
  if (log_enabled(LogLevel::kDebug)) {
    line.str("ip", cur.ip)
        .opt("userAgent", cur.user_agent)
        .num("bytesIn", static_cast<long long>(req.body.size()))
        .num("bytesOut", static_cast<long long>(res.body.size()))
        .opt("error", error_code_of(res));
  }
  line.append_to(&cur.log_lines);
  write_log_lines(cur.log_lines);
  cur.collect_log = false;
  cur.log_lines.clear();
  return res;
}

}  // namespace access_service
