// The one place that turns a core::Status into an HTTP answer (SPEC §8 "Errors"): the status
// code, and the body {"errors": [{"code", "field", "message"}]}. Every handler answers errors
// through these functions so the mapping stays consistent. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/status.h"

namespace wsync::api {

// One HTTP answer: JSON unless `raw_body` is set (the OpenAPI document is served as text).
struct Response {
  int status = 200;
  nlohmann::json body;
  std::optional<std::string> raw_body;
  std::string content_type = "application/json";
  std::optional<std::string> www_authenticate;
  std::optional<int64_t> retry_after_seconds;  // 429: the Retry-After header
};

// {"errors": [{"code": code, "field": field or null, "message": message}]}.
nlohmann::json ErrorBody(std::string_view code, const std::optional<std::string>& field,
                         const std::string& message);

// InvalidArgument → 400 (a detail whose message is "unknown field" → code unknown_field, one
// error per detail), NotFound → 404, AlreadyExists → 409 already_exists, FailedPrecondition →
// 409 in_use when the message says "is in use by", else conflict, Unauthenticated → 401,
// PermissionDenied → 403, Unavailable / DeadlineExceeded / ResourceExhausted → 503,
// Cancelled → 409, anything else → 500 internal.
Response ErrorResponse(const core::Status& status);

// What a warehouse said, for verify / discover / preview and the model checks: refusals
// (InvalidArgument, NotFound, PermissionDenied, Unauthenticated, FailedPrecondition) → 422
// warehouse_rejected; Unavailable / DeadlineExceeded / ResourceExhausted / Cancelled → 502
// warehouse_unreachable; Internal → 500. The error carries the status's machine-readable
// "reason" when it has one (warehouse/warehouse_error.h).
Response WarehouseErrorResponse(const core::Status& status);

Response ErrorResponse(int http_status, std::string_view code,
                       const std::optional<std::string>& field, const std::string& message);

inline Response JsonResponse(int status, nlohmann::json body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace wsync::api
