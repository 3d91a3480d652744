// The one place that turns a core::Status into an HTTP answer (SPEC §8 "Errors"): the status
// code, and the body {"errors": [{"code", "field", "message"}]}. Every handler answers errors
// through these functions so the mapping stays consistent: one table from the status's code and
// typed reason (core::Reason, set where the error is made) to the answer; no message text is
// inspected. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace wsync::api {

// One HTTP answer: JSON unless `raw_body` is set (the OpenAPI document and the UI's files).
struct Response {
  int status = 200;
  nlohmann::json body;
  std::optional<std::string> raw_body;
  std::string content_type = "application/json";
  std::optional<std::string> www_authenticate;
  std::optional<int64_t> retry_after_seconds;                // 429: the Retry-After header
  std::vector<std::pair<std::string, std::string>> headers;  // any others
};

// {"errors": [{"code": code, "field": field or null, "message": message}]}.
nlohmann::json ErrorBody(std::string_view code, const std::optional<std::string>& field,
                         const std::string& message);

// The API's answer to one (code, reason).
struct HttpError {
  int http_status = 500;
  std::string_view code = "internal";  // the body's error code
  bool temporary = false;              // the message gets " (temporary; try again)"
};

// The table: InvalidArgument → 400 invalid_argument (reason kUnknownField: unknown_field),
// NotFound → 404, AlreadyExists → 409 already_exists, FailedPrecondition → 409 conflict
// (kInUse: in_use), Unauthenticated → 401, PermissionDenied → 403, Cancelled → 409 conflict,
// Unavailable / DeadlineExceeded / ResourceExhausted → 503 internal (temporary), Internal →
// 500. What a warehouse said (verify, discover, preview, the model checks): refusals with
// kWarehouseRejected → 422 warehouse_rejected, transient failures and Cancelled with
// kWarehouseUnreachable → 502 warehouse_unreachable. A reason the table does not list for a
// code answers as that code without a reason.
HttpError MapStatus(core::StatusCode code, core::Reason reason);

// The answer MapStatus gives; a 400 with field details answers one error per detail, each
// coded by its own reason (unknown_field or invalid_argument). 401 carries WWW-Authenticate.
Response ErrorResponse(const core::Status& status);

Response ErrorResponse(int http_status, std::string_view code,
                       const std::optional<std::string>& field, const std::string& message);

inline Response JsonResponse(int status, nlohmann::json body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace wsync::api
