// GET /api/v1/audit (API.md section 8): the audit trail, ROLE_SYSTEM_ADMIN
// only; the paged list of section 0, newest first unless orderBy says
// otherwise, filtered by type (prefix), userId, clientId, since and until.
#include "access/oauth/audit.h"

#include "access/core/strings.h"
#include "access/handlers/handlers.h"
#include "access/http/api.h"

namespace access_service {
namespace {

bool only_chars(const std::string& s, const char* allowed, size_t max) {
  return !s.empty() && s.size() <= max && s.find_first_not_of(allowed) == std::string::npos;
}

constexpr char kTypeChars[] = "abcdefghijklmnopqrstuvwxyz_.";
constexpr char kIdChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-";

// The filters of the query string; an error reply for a bad one.
std::optional<Response> read_filter(const Params& q, AuditFilter* f) {
  if (q.has("type")) {
    if (!only_chars(q.get("type"), kTypeChars, 64))
      return error_reply(ApiError::kInvalidRequest,
                         "type must be an event type or a prefix of one, such as sign_in.");
    f->type_prefix = q.get("type");
  }
  for (const auto& [name, out] :
       {std::pair<const char*, std::string*>{"userId", &f->user_id}, {"clientId", &f->client_id}}) {
    if (!q.has(name)) continue;
    if (!only_chars(q.get(name), kIdChars, 128))
      return error_reply(ApiError::kInvalidRequest,
                         std::string(name) + " must match [A-Za-z0-9._~-]{1,128}");
    *out = q.get(name);
  }
  for (const auto& [name, out] :
       {std::pair<const char*, std::optional<int64_t>*>{"since", &f->since_ms},
        {"until", &f->until_ms}}) {
    if (!q.has(name)) continue;
    long long ms = 0;
    if (!parse_rfc3339(q.get(name), &ms))
      return error_reply(
          ApiError::kInvalidRequest,
          std::string(name) + " must be an RFC 3339 time such as 2026-11-22T12:00:00Z");
    *out = ms;
  }
  if (f->since_ms && f->until_ms && *f->since_ms > *f->until_ms)
    return error_reply(ApiError::kInvalidRequest, "since is later than until");
  return std::nullopt;
}

}  // namespace

Response audit_list(Context& ctx, const Request& req, const PathParams&) {
  Page page;
  if (auto err = read_page(req, {{"createdAt", "created_at"}}, &page)) return *err;
  Result<Params> q = Params::parse(req.query);  // read_page accepted it
  if (!q.ok()) return error_reply(ApiError::kInvalidRequest, q.status().message());
  if (!q->has("orderBy")) page.descending = true;  // newest first by default
  AuditFilter filter;
  if (auto err = read_filter(*q, &filter)) return *err;
  Result<ListResult<AuditEvent>> list = ctx.store->list_audit(filter, page);
  if (!list.ok()) return status_reply(list.status());
  json items = json::array();
  for (const auto& e : list->items) items.push_back(audit_to_json(e));
  return json_reply({{"items", items}, {"count", list->count}, {"offset", page.offset}});
}

}  // namespace access_service
