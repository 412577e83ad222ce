// OAuth 2.0 wire errors (RFC 6749 4.1.2.1, 5.2; RFC 6750 3.1) and the REST
// error codes of API.md section 0. Inside the server an error is this enum
// plus a sentence; handlers turn it into {"error","error_description"} with
// the status and headers it implies.
#pragma once

#include <string>

namespace access_service {

enum class ApiError {
  kInvalidRequest,           // 400
  kInvalidClient,            // 401 + WWW-Authenticate: Basic
  kInvalidGrant,             // 400
  kUnauthorizedClient,       // 400
  kUnsupportedGrantType,     // 400
  kInvalidScope,             // 400
  kAccessDenied,             // 403
  kUnsupportedResponseType,  // 400
  kInvalidToken,             // 401 + WWW-Authenticate: Bearer error="invalid_token"
  kNotFound,                 // 404
  kMethodNotAllowed,         // 405 + Allow
  kConflict,                 // 409
  kPayloadTooLarge,          // 413
  kUnsupportedMediaType,     // 415
  kTooManyRequests,          // 429 + Retry-After
  kServerError,              // 500
  kTemporarilyUnavailable,   // 503
};

// The wire code, e.g. "invalid_grant".
const char* error_code(ApiError e);
// The HTTP status that goes with it.
int error_status(ApiError e);

}  // namespace access_service
