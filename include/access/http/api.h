// Building blocks of the JSON API handlers: replies in the one error shape of
// API.md section 0, JSON and form body reading with their 413/415/400 rules,
// list paging, and bearer-token authentication.
//
// The helpers that can fail return std::optional<Response>: empty when the
// input was accepted, otherwise the complete error reply, so a handler reads
//   if (auto err = read_json_body(req, &body)) return *err;
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "access/core/context.h"
#include "access/core/status.h"
#include "access/http/http.h"
#include "access/http/oauth_error.h"
#include "access/http/principal.h"
#include "access/store/store.h"

namespace access_service {

using json = nlohmann::json;

// 200 (or `status`) with a JSON body and Cache-Control: no-store.
Response json_reply(const json& body, int status = 200);
// {"error","error_description"} with the status and headers of `e`.
// `extra` is the value of Allow (405) or Retry-After (429) where they apply.
Response error_reply(ApiError e, const std::string& description, const std::string& extra = "");
// Maps a store Status: NotFound->404, Invalid->400, Conflict->409,
// Unavailable->503 temporarily_unavailable, Internal->500 (logged, never shown).
// The message of a NotFound or Invalid status becomes error_description, so
// it must be written for clients; a Conflict answers a fixed sentence (the
// store's carries the database's wording, which is only logged).
Response status_reply(const Status& st);
// As above, but a NotFound answers `not_found` (for example "client app not
// found"): for statuses straight from the store, whose NotFound messages
// ("no row") are internal wording that never reaches a client.
Response status_reply(const Status& st, const std::string& not_found);

// JSON bodies: 413 when too large, 415 unless Content-Type is
// application/json (an empty body without Content-Type is let through), 400
// for malformed JSON, invalid UTF-8, nesting deeper than 32, a top level
// that is not an object, or a member name given twice in one object (at any
// depth: "member X given twice"; no silent pick of one of them).
std::optional<Response> read_json_body(const Request& req, json* out);
// Form bodies: 413, 415 unless application/x-www-form-urlencoded, 400
// (invalid_request) for malformed or repeated parameters.
std::optional<Response> read_form_body(const Request& req, Params* out);

// Paging of list endpoints: limit 0-100, offset >= 0, orderBy ASC|DESC (any
// case) and sortBy from `sort_columns` (API name -> column; the first is the
// default).
std::optional<Response> read_page(
    const Request& req, const std::vector<std::pair<std::string, std::string>>& sort_columns,
    Page* out);

// Client authentication of the token, revocation and introspection endpoints
// (HTTP Basic, RFC 6749 2.3.1): the enabled app, or 401 invalid_client with
// WWW-Authenticate: Basic.
std::optional<Response> authenticate_client(Context& ctx, const Request& req, ClientApp* out);

// The request of RFC 7009 2.1 and RFC 7662 2.1: a form with `token`
// (required) and an authenticated client.
std::optional<Response> read_token_request(Context& ctx, const Request& req, ClientApp* app,
                                           std::string* token);
// True for the shape of a compact JWS (three dot-separated parts): an access
// token here, where refresh tokens are opaque base64url.
bool looks_like_jwt(const std::string& token);

// When an access token was issued, in Unix milliseconds: from its UUIDv7
// jti, or iat * 1000 for a jti of another form (revocation watermarks
// compare with it; store.h "Tokens").
long long issued_millis(const std::string& jti, long long iat);

// Checks an access token completely: TokenSigner::verify (alg allow-list,
// no crit header, kid, signature), then iss, aud (when present), exp, iat (not in the future beyond
// 60 s of skew), the claim types, and that it is not revoked (Store::access_token_live, one
// statement). kInvalid when it is not valid: with Status::Reason::kExpired
// when past its exp, kRevoked when access_token_live says it is dead, no
// reason otherwise; kUnavailable/kInternal from the store. A token this
// worker has seen pass skips the signature and claim checks
// (ctx.verified_tokens, principal.h); exp and liveness are checked every time.
Result<Principal> verify_access_token(Context& ctx, const std::string& token);

// The Authorization: Bearer token, checked by verify_access_token() and not a
// restrictive MFA token; 401 invalid_token otherwise.
std::optional<Response> authenticate_bearer(Context& ctx, const Request& req, Principal* out);
// The administrators' authority, "ROLE_SYSTEM_ADMIN" (API.md section 1).
extern const char kSystemAdmin[];
// As above, then 403 access_denied unless the principal holds `role`.
std::optional<Response> authenticate_role(Context& ctx, const Request& req, const std::string& role,
                                          Principal* out);

}  // namespace access_service
