#include "access/http/api.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>

#include "access/core/log.h"
#include "access/core/strings.h"
#include "access/crypto/crypto.h"
#include "access/oauth/audit.h"

namespace access_service {

const char* error_code(ApiError e) {
  switch (e) {
    case ApiError::kInvalidRequest:
      return "invalid_request";
    case ApiError::kInvalidClient:
      return "invalid_client";
    case ApiError::kInvalidGrant:
      return "invalid_grant";
    case ApiError::kUnauthorizedClient:
      return "unauthorized_client";
    case ApiError::kUnsupportedGrantType:
      return "unsupported_grant_type";
    case ApiError::kInvalidScope:
      return "invalid_scope";
    case ApiError::kAccessDenied:
      return "access_denied";
    case ApiError::kUnsupportedResponseType:
      return "unsupported_response_type";
    case ApiError::kInvalidToken:
      return "invalid_token";
    case ApiError::kNotFound:
      return "not_found";
    case ApiError::kMethodNotAllowed:
      return "method_not_allowed";
    case ApiError::kConflict:
      return "conflict";
    case ApiError::kPayloadTooLarge:
      return "payload_too_large";
    case ApiError::kUnsupportedMediaType:
      return "unsupported_media_type";
    case ApiError::kTooManyRequests:
      return "too_many_requests";
    case ApiError::kServerError:
      return "server_error";
    case ApiError::kTemporarilyUnavailable:
      return "temporarily_unavailable";
  }
  return "server_error";
}

int error_status(ApiError e) {
  switch (e) {
    case ApiError::kInvalidClient:
    case ApiError::kInvalidToken:
      return 401;
    case ApiError::kAccessDenied:
      return 403;
    case ApiError::kNotFound:
      return 404;
    case ApiError::kMethodNotAllowed:
      return 405;
    case ApiError::kConflict:
      return 409;
    case ApiError::kPayloadTooLarge:
      return 413;
    case ApiError::kUnsupportedMediaType:
      return 415;
    case ApiError::kTooManyRequests:
      return 429;
    case ApiError::kServerError:
      return 500;
    case ApiError::kTemporarilyUnavailable:
      return 503;
    default:
      return 400;
  }
}

Response json_reply(const json& body, int status) {
  Response r;
  r.status = status;
  r.set_header("Content-Type", "application/json");
  r.set_header("Cache-Control", "no-store");
  r.set_header("Pragma", "no-cache");
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

Response error_reply(ApiError e, const std::string& description, const std::string& extra) {
  Response r =
      json_reply({{"error", error_code(e)}, {"error_description", description}}, error_status(e));
  switch (e) {
    case ApiError::kInvalidClient:
      r.set_header("WWW-Authenticate", "Basic realm=\"access-service\"");
      break;
    case ApiError::kInvalidToken:
      r.set_header("WWW-Authenticate", "Bearer realm=\"access-service\", error=\"invalid_token\"");
      break;
    case ApiError::kMethodNotAllowed:
      r.set_header("Allow", extra);
      break;
    case ApiError::kTooManyRequests:
      r.set_header("Retry-After", extra.empty() ? "60" : extra);
      break;
    case ApiError::kTemporarilyUnavailable:
      r.set_header("Retry-After", "5");
      break;
    default:
      break;
  }
  return r;
}

Response status_reply(const Status& st) {
  switch (st.code()) {
    case Status::kNotFound:
      return error_reply(ApiError::kNotFound, st.message());
    case Status::kInvalid:
      return error_reply(ApiError::kInvalidRequest, st.message());
    case Status::kConflict:
      // The store's conflicts carry the database's wording (constraint and
      // column names); handlers that expect one answer with their own words.
      log_info("conflict: " + st.message());
      return error_reply(ApiError::kConflict, "the request conflicts with stored data");
    case Status::kUnavailable:
      log_warn("store unavailable: " + st.message());
      return error_reply(ApiError::kTemporarilyUnavailable,
                         "the service cannot store data right now; retry later");
    default:
      log_error("internal error: " + st.ToString());
      return error_reply(ApiError::kServerError, "internal error");
  }
}

Response status_reply(const Status& st, const std::string& not_found) {
  if (st.is_not_found()) return error_reply(ApiError::kNotFound, not_found);
  return status_reply(st);
}

namespace {

// Rejects nesting deeper than `max` before the parser sees the text.
bool nesting_within(const std::string& s, int max) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

std::optional<Response> check_body(const Request& req, const char* media_type) {
  if (req.body_too_large || req.body.size() > kMaxBodyBytes)
    return error_reply(ApiError::kPayloadTooLarge, "request body larger than 64 KiB");
  // An empty body needs no media type; the missing members are reported.
  if (!(req.body.empty() && req.content_type.empty()) &&
      !content_type_is(req.content_type, media_type))
    return error_reply(ApiError::kUnsupportedMediaType,
                       std::string("Content-Type must be ") + media_type);
  return std::nullopt;
}

// A client's member name for a message: at most 64 bytes, cut on a UTF-8
// character boundary.
std::string shorten(const std::string& name) {
  if (name.size() <= 64) return name;
  size_t n = 64;
  while (n > 0 && (static_cast<unsigned char>(name[n]) & 0xc0) == 0x80) --n;
  return name.substr(0, n) + "...";
}

bool parse_int(const std::string& s, long long lo, long long hi, int* out) {
  if (s.empty() || s.size() > 10) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  long long v = std::strtoll(s.c_str(), nullptr, 10);
  if (v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

}  // namespace

std::optional<Response> read_json_body(const Request& req, json* out) {
  if (auto err = check_body(req, "application/json")) return err;
  if (!valid_utf8(req.body) || !nesting_within(req.body, 32))
    return error_reply(ApiError::kInvalidRequest, "malformed JSON body");
  // RFC 8259 4 leaves duplicate names to the parser, and parsers disagree on
  // which one wins (a proxy or logger may read the other): refused. One set
  // of names per open object, at any depth; the first duplicate is reported
  // once parsing is done.
  std::vector<std::set<std::string>> names;
  std::optional<std::string> duplicate;
  auto track = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      names.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!names.empty()) names.pop_back();
    } else if (event == json::parse_event_t::key && !names.empty() && !duplicate) {
      const std::string& name = parsed.get_ref<const std::string&>();
      if (!names.back().insert(name).second) duplicate = name;
    }
    return true;
  };
  *out = json::parse(req.body, track, false);
  if (out->is_discarded()) return error_reply(ApiError::kInvalidRequest, "malformed JSON body");
  if (!out->is_object())
    return error_reply(ApiError::kInvalidRequest, "JSON body must be an object");
  if (duplicate)
    return error_reply(ApiError::kInvalidRequest, "member " + shorten(*duplicate) + " given twice");
  return std::nullopt;
}

std::optional<Response> read_form_body(const Request& req, Params* out) {
  if (auto err = check_body(req, "application/x-www-form-urlencoded")) return err;
  Result<Params> p = Params::parse(req.body);
  if (!p.ok()) return error_reply(ApiError::kInvalidRequest, p.status().message());
  *out = std::move(*p);
  return std::nullopt;
}

std::optional<Response> read_page(
    const Request& req, const std::vector<std::pair<std::string, std::string>>& sort_columns,
    Page* out) {
  Result<Params> p = Params::parse(req.query);
  if (!p.ok()) return error_reply(ApiError::kInvalidRequest, p.status().message());
  *out = Page{};
  out->sort_by = sort_columns.front().second;
  if (p->has("limit") && !parse_int(p->get("limit"), 0, 100, &out->limit))
    return error_reply(ApiError::kInvalidRequest, "limit must be an integer from 0 to 100");
  if (p->has("offset") && !parse_int(p->get("offset"), 0, 1000000000, &out->offset))
    return error_reply(ApiError::kInvalidRequest, "offset must be a non-negative integer");
  // Any case: the original's clients send "desc" as readily as "DESC".
  const std::string order = to_lower(p->get("orderBy"));
  if (!order.empty() && order != "asc" && order != "desc")
    return error_reply(ApiError::kInvalidRequest, "orderBy must be ASC or DESC (any case)");
  out->descending = order == "desc";
  if (p->has("sortBy")) {
    std::string names;
    for (const auto& sc : sort_columns) {
      if (sc.first == p->get("sortBy")) {
        out->sort_by = sc.second;
        return std::nullopt;
      }
      names += (names.empty() ? "" : ", ") + sc.first;
    }
    return error_reply(ApiError::kInvalidRequest, "sortBy must be one of " + names);
  }
  return std::nullopt;
}

namespace {

bool string_array(const json& j, std::vector<std::string>* out) {
  if (!j.is_array()) return false;
  for (const auto& e : j) {
    if (!e.is_string()) return false;
    out->push_back(e.get<std::string>());
  }
  return true;
}

}  // namespace

std::optional<Response> authenticate_client(Context& ctx, const Request& req, ClientApp* out) {
  ClientAuthAudit audit{
      [&ctx] { return request_audit_event(ctx, "client_auth.failed", "failure"); }, AuditEvent{}};
  Result<ClientApp> app =
      ctx.clients.authenticate(*ctx.store, ctx.config, req.authorization, now_seconds(), &audit);
  if (app.ok()) {
    *out = std::move(*app);
    ctx.current.client_id = out->client_id;
    return std::nullopt;
  }
  if (app.status().is_unavailable() || app.status().code() == Status::kInternal)
    return status_reply(app.status());
  if (!audit.event.type.empty()) {  // stored by authenticate(); no credentials at all is no event
    log_audit(ctx, audit.event);
    ctx.metrics.add(Counter::kClientAuthFailures);
  }
  return error_reply(ApiError::kInvalidClient, "client authentication failed");
}

std::optional<Response> read_token_request(Context& ctx, const Request& req, ClientApp* app,
                                           std::string* token) {
  Params form;
  if (auto err = read_form_body(req, &form)) return err;
  if (auto err = authenticate_client(ctx, req, app)) return err;
  *token = form.get("token");
  if (token->empty()) return error_reply(ApiError::kInvalidRequest, "token is required");
  return std::nullopt;
}

long long issued_millis(const std::string& jti, long long iat) {
  return uuid7_millis(jti).value_or(iat * 1000);
}

bool looks_like_jwt(const std::string& token) {
  return std::count(token.begin(), token.end(), '.') == 2;
}

namespace {

// The checks that hold for the token's whole life in this worker (the
// signature, claim types, iss, aud, iat not in the future): what
// VerifiedTokens remembers.
Result<Principal> check_signature_and_claims(const Context& ctx, const std::string& token) {
  Result<json> claims = ctx.signer->verify(token);
  if (!claims.ok()) return claims.status();
  const json& c = *claims;
  Principal p;
  if (!c.contains("exp") || !c["exp"].is_number_integer() || !c.contains("iat") ||
      !c["iat"].is_number_integer() || !c.contains("iss") || c["iss"] != ctx.config.issuer ||
      !c.contains("sub") || !c["sub"].is_string() || !c.contains("jti") || !c["jti"].is_string() ||
      !c.contains("user_name") || !c["user_name"].is_string() || !c.contains("client_id") ||
      !c["client_id"].is_string() || !c.contains("authorities") ||
      !string_array(c["authorities"], &p.authorities) || !c.contains("scope") ||
      !string_array(c["scope"], &p.scope))
    return Status::Invalid("claims missing or of the wrong type");
  p.exp = c["exp"].get<long long>();
  p.iat = c["iat"].get<long long>();
  if (p.iat > now_seconds() + 60) return Status::Invalid("issued in the future");
  p.restrictive = contains(p.scope, "mfa");
  if (p.restrictive && c.contains("requested_scope") &&
      !string_array(c["requested_scope"], &p.requested_scope))
    return Status::Invalid("claims missing or of the wrong type");
  p.user_id = c["sub"];
  p.email = c["user_name"];
  p.client_id = c["client_id"];
  p.jti = c["jti"];
  // Tokens from before `aud` was issued have none; one that has it must name
  // this server's audience.
  p.aud = ctx.config.token_audience();
  if (c.contains("aud") && c["aud"] != p.aud) return Status::Invalid("wrong audience");
  if (c.contains("fid")) {
    if (!c["fid"].is_string()) return Status::Invalid("claims missing or of the wrong type");
    p.family_id = c["fid"];
  }
  if (c.contains("app_id")) {
    if (!c["app_id"].is_string()) return Status::Invalid("claims missing or of the wrong type");
    p.app_id = c["app_id"];
  }
  return p;
}

}  // namespace

Result<Principal> verify_access_token(Context& ctx, const std::string& token) {
  const std::string key = VerifiedTokens::key(token);
  Principal p;
  if (const Principal* known = ctx.verified_tokens.find(key)) {
    p = *known;
  } else {
    Result<Principal> checked = check_signature_and_claims(ctx, token);
    if (!checked.ok()) return checked.status();
    p = std::move(*checked);
    if (p.exp > now_seconds()) ctx.verified_tokens.add(key, p);
  }
  if (p.exp <= now_seconds()) return Status::Invalid("expired", Status::Reason::kExpired);
  Result<bool> live = ctx.store->access_token_live(
      {p.jti, p.client_id, p.user_id, p.family_id, issued_millis(p.jti, p.iat), p.app_id});
  if (!live.ok())
    return live.status().is_not_found() ? Status::Invalid("not issued here") : live.status();
  if (!*live) return Status::Invalid("revoked", Status::Reason::kRevoked);
  return p;
}

std::optional<Response> authenticate_bearer(Context& ctx, const Request& req, Principal* out) {
  Result<std::string> token = parse_bearer(req.authorization);
  if (!token.ok() && token.status().is_not_found()) {
    // RFC 6750 3.1: a request without any token gets no error code.
    Response r = error_reply(ApiError::kInvalidToken, "a bearer access token is required");
    for (auto& h : r.headers)
      if (h.first == "WWW-Authenticate") h.second = "Bearer realm=\"access-service\"";
    return r;
  }
  if (!token.ok()) return error_reply(ApiError::kInvalidToken, "malformed bearer token");
  Result<Principal> p = verify_access_token(ctx, *token);
  if (!p.ok() && !p.status().is_invalid()) return status_reply(p.status());
  if (!p.ok()) {
    const Status::Reason why = p.status().reason();
    return error_reply(ApiError::kInvalidToken,
                       why == Status::Reason::kExpired   ? "access token has expired"
                       : why == Status::Reason::kRevoked ? "access token has been revoked"
                                                         : "access token is not valid");
  }
  // A restrictive token (MFA pending) is good only for grant_type=mfa.
  if (p->restrictive) return error_reply(ApiError::kInvalidToken, "access token is not valid");
  *out = std::move(*p);
  ctx.current.user_id = out->user_id;
  ctx.current.client_id = out->client_id;
  return std::nullopt;
}

const char kSystemAdmin[] = "ROLE_SYSTEM_ADMIN";

std::optional<Response> authenticate_role(Context& ctx, const Request& req, const std::string& role,
                                          Principal* out) {
  if (auto err = authenticate_bearer(ctx, req, out)) return err;
  if (!out->has_authority(role))
    return error_reply(ApiError::kAccessDenied, "this operation requires " + role);
  return std::nullopt;
}

}  // namespace access_service
