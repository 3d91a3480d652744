#include "api/http_status.h"

#include <array>

#include "warehouse/warehouse_error.h"

namespace wsync::api {

using core::Reason;
using core::StatusCode;
using nlohmann::json;

namespace {

struct Row {
  StatusCode code;
  Reason reason;
  HttpError error;
};

// The one table from (code, reason) to the API's answer (SPEC §8 "Errors"). A reason not listed
// for its code answers as the code's kNone row; a code not listed answers 500 internal.
constexpr std::array kTable = {
    Row{StatusCode::kInvalidArgument, Reason::kNone, {400, "invalid_argument"}},
    Row{StatusCode::kInvalidArgument, Reason::kUnknownField, {400, "unknown_field"}},
    Row{StatusCode::kNotFound, Reason::kNone, {404, "not_found"}},
    Row{StatusCode::kAlreadyExists, Reason::kNone, {409, "already_exists"}},
    Row{StatusCode::kFailedPrecondition, Reason::kNone, {409, "conflict"}},
    Row{StatusCode::kFailedPrecondition, Reason::kInUse, {409, "in_use"}},
    Row{StatusCode::kUnauthenticated, Reason::kNone, {401, "unauthenticated"}},
    Row{StatusCode::kPermissionDenied, Reason::kNone, {403, "permission_denied"}},
    Row{StatusCode::kCancelled, Reason::kNone, {409, "conflict"}},
    Row{StatusCode::kUnavailable, Reason::kNone, {503, "internal", true}},
    Row{StatusCode::kDeadlineExceeded, Reason::kNone, {503, "internal", true}},
    Row{StatusCode::kResourceExhausted, Reason::kNone, {503, "internal", true}},
    Row{StatusCode::kInternal, Reason::kNone, {500, "internal"}},
    // What a warehouse said, for verify / discover / preview and the model checks.
    Row{StatusCode::kInvalidArgument, Reason::kWarehouseRejected, {422, "warehouse_rejected"}},
    Row{StatusCode::kNotFound, Reason::kWarehouseRejected, {422, "warehouse_rejected"}},
    Row{StatusCode::kPermissionDenied, Reason::kWarehouseRejected, {422, "warehouse_rejected"}},
    Row{StatusCode::kUnauthenticated, Reason::kWarehouseRejected, {422, "warehouse_rejected"}},
    Row{StatusCode::kFailedPrecondition, Reason::kWarehouseRejected, {422, "warehouse_rejected"}},
    Row{StatusCode::kUnavailable, Reason::kWarehouseUnreachable, {502, "warehouse_unreachable"}},
    Row{StatusCode::kDeadlineExceeded,
        Reason::kWarehouseUnreachable,
        {502, "warehouse_unreachable"}},
    Row{StatusCode::kResourceExhausted,
        Reason::kWarehouseUnreachable,
        {502, "warehouse_unreachable"}},
    Row{StatusCode::kCancelled, Reason::kWarehouseUnreachable, {502, "warehouse_unreachable"}},
};

const HttpError* FindRow(StatusCode code, Reason reason) {
  for (const Row& row : kTable) {
    if (row.code == code && row.reason == reason) return &row.error;
  }
  return nullptr;
}

}  // namespace

HttpError MapStatus(StatusCode code, Reason reason) {
  if (const HttpError* e = FindRow(code, reason)) return *e;
  if (const HttpError* e = FindRow(code, Reason::kNone)) return *e;
  return {500, "internal"};
}

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
  if (status.ok()) {
    return ErrorResponse(500, "internal", std::nullopt, "an OK status is not an error");
  }
  const HttpError e = MapStatus(status.code(), status.reason());
  if (e.http_status == 400 && !status.details().empty()) {
    json errors = json::array();
    for (const core::FieldError& d : status.details()) {
      std::optional<std::string> field;
      if (!d.field.empty()) field = d.field;
      errors.push_back({{"code", MapStatus(status.code(), d.reason).code},
                        {"field", field ? json(*field) : json()},
                        {"message", field ? *field + ": " + d.message : d.message}});
    }
    return JsonResponse(e.http_status, {{"errors", errors}});
  }
  Response r =
      ErrorResponse(e.http_status, e.code, std::nullopt,
                    e.temporary ? status.message() + " (temporary; try again)" : status.message());
  if (e.http_status == 401) r.www_authenticate = "Bearer";
  // What a warehouse failure was, for programs: "authentication_failed", "database_not_found",
  // ... (warehouse/warehouse_error.h).
  if (std::string why = warehouse::WarehouseReason(status); !why.empty()) {
    r.body["errors"][0]["reason"] = why;
  }
  return r;
}

}  // namespace wsync::api
