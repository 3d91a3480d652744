// A machine-readable reason for a warehouse failure, beside its status code and its message for
// a person: what verify, discover and runs report so that a client can tell a wrong password
// from an unknown database without reading the message. The reason travels as the status's one
// detail whose field is kReasonField (details survive Status::Annotate); the API shows it as the
// error's "reason". Never used with InvalidArgument, whose details are field errors.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace wsync::warehouse {

inline constexpr std::string_view kReasonField = "warehouse_reason";

// The reasons, and the status code each goes with.
inline constexpr std::string_view kReasonAuthenticationFailed = "authentication_failed";  // Unauth.
inline constexpr std::string_view kReasonDatabaseNotFound = "database_not_found";  // NotFound
inline constexpr std::string_view kReasonUnreachable = "unreachable";              // Unavailable
inline constexpr std::string_view kReasonTlsRequired = "tls_required";  // FailedPrecondition
inline constexpr std::string_view kReasonTlsRefused = "tls_refused";    // FailedPrecondition
inline constexpr std::string_view kReasonPermissionDenied = "permission_denied";     // PermissionD.
inline constexpr std::string_view kReasonStatementTimeout = "statement_timeout";     // DeadlineEx.
inline constexpr std::string_view kReasonAddressNotAllowed = "address_not_allowed";  // PermissionD.
// The REST warehouses' own (Snowflake: an unknown warehouse or schema, HTTP 429 after retries).
inline constexpr std::string_view kReasonWarehouseNotFound = "warehouse_not_found";  // NotFound
inline constexpr std::string_view kReasonSchemaNotFound = "schema_not_found";        // NotFound
inline constexpr std::string_view kReasonThrottled = "throttled";  // ResourceExhausted
// BigQuery's: an unknown (or invisible) project or dataset.
inline constexpr std::string_view kReasonProjectNotFound = "project_not_found";  // NotFound
inline constexpr std::string_view kReasonDatasetNotFound = "dataset_not_found";  // NotFound

// Status(code, message) carrying `reason`.
core::Status WarehouseError(core::StatusCode code, std::string_view reason, std::string message);
// The reason `status` carries; empty when none.
std::string WarehouseReason(const core::Status& status);

}  // namespace wsync::warehouse
