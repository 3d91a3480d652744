#include "api/http_status.h"

#include "warehouse/warehouse_error.h"

namespace wsync::api {

using nlohmann::json;

json ErrorBody(std::string_view code, const std::optional<std::string>& field,
               const std::string& message) {
  json error = {{"code", code}, {"field", field ? json(*field) : json()}, {"message", message}};
  return {{"errors", json::array({error})}};
}

Response ErrorResponse(int http_status, std::string_view code,
                       const std::optional<std::string>& field, const std::string& message) {
  return JsonResponse(http_status, ErrorBody(code, field, message));
}

Response ErrorResponse(const core::Status& status) {
  using core::StatusCode;
  const std::string& message = status.message();
  switch (status.code()) {
    case StatusCode::kOk:
      return ErrorResponse(500, "internal", std::nullopt, "an OK status is not an error");
    case StatusCode::kInvalidArgument: {
      if (status.details().empty()) return ErrorResponse(400, "invalid_argument", {}, message);
      json errors = json::array();
      for (const core::FieldError& d : status.details()) {
        std::optional<std::string> field;
        if (!d.field.empty()) field = d.field;
        const bool unknown = d.message == "unknown field";
        errors.push_back({{"code", unknown ? "unknown_field" : "invalid_argument"},
                          {"field", field ? json(*field) : json()},
                          {"message", field ? *field + ": " + d.message : d.message}});
      }
      return JsonResponse(400, {{"errors", errors}});
    }
    case StatusCode::kNotFound:
      return ErrorResponse(404, "not_found", {}, message);
    case StatusCode::kAlreadyExists:
      return ErrorResponse(409, "already_exists", {}, message);
    case StatusCode::kFailedPrecondition:
      return ErrorResponse(
          409, message.find(" is in use by ") != std::string::npos ? "in_use" : "conflict", {},
          message);
    case StatusCode::kUnauthenticated: {
      Response r = ErrorResponse(401, "unauthenticated", {}, message);
      r.www_authenticate = "Bearer";
      return r;
    }
    case StatusCode::kPermissionDenied:
      return ErrorResponse(403, "permission_denied", {}, message);
    case StatusCode::kCancelled:
      return ErrorResponse(409, "conflict", {}, message);
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kResourceExhausted:
      return ErrorResponse(503, "internal", {}, message + " (temporary; try again)");
    case StatusCode::kInternal:
      break;
  }
  return ErrorResponse(500, "internal", {}, message);
}

static Response WarehouseErrorResponseWithoutReason(const core::Status& status) {
  using core::StatusCode;
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnauthenticated:
    case StatusCode::kFailedPrecondition:
      return ErrorResponse(422, "warehouse_rejected", {}, status.message());
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kResourceExhausted:
    case StatusCode::kCancelled:
      return ErrorResponse(502, "warehouse_unreachable", {}, status.message());
    default:
      return ErrorResponse(status);
  }
}

Response WarehouseErrorResponse(const core::Status& status) {
  Response r = WarehouseErrorResponseWithoutReason(status);
  // What failed, for programs: "authentication_failed", "database_not_found", ...
  std::string reason = warehouse::WarehouseReason(status);
  if (!reason.empty() && r.body.contains("errors")) r.body["errors"][0]["reason"] = reason;
  return r;
}

}  // namespace wsync::api
