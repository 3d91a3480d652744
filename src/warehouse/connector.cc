#include "warehouse/connector.h"

#include <cctype>
#include <string>

namespace wsync::warehouse {

bool ParseIteratorType(std::string_view name, IteratorType* type) {
  struct Entry {
    std::string_view name;
    IteratorType type;
  };
  static constexpr Entry kEntries[] = {
      {"timestamp", IteratorType::kTimestamp},
      {"datetime", IteratorType::kTimestamp},
      {"timestamp_ltz", IteratorType::kTimestamp},
      {"timestamp_ntz", IteratorType::kTimestamp},
      {"timestamp_tz", IteratorType::kTimestamp},
      {"date", IteratorType::kDate},
      {"timestamp_unixtime_ms", IteratorType::kUnixMs},
      {"timestamp_unixtime_s", IteratorType::kUnixS},
      {"integer", IteratorType::kInteger},
  };
  // Users copy the Snowflake spellings in upper case.
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const Entry& e : kEntries) {
    if (e.name == lower) {
      *type = e.type;
      return true;
    }
  }
  return false;
}

std::string_view IteratorTypeName(IteratorType type) {
  switch (type) {
    case IteratorType::kTimestamp:
      return "timestamp";
    case IteratorType::kDate:
      return "date";
    case IteratorType::kUnixMs:
      return "timestamp_unixtime_ms";
    case IteratorType::kUnixS:
      return "timestamp_unixtime_s";
    case IteratorType::kInteger:
      return "integer";
  }
  return "integer";
}

core::Status WithWarehouseReason(core::Status status) {
  if (status.ok() || status.reason() != core::Reason::kNone) return status;
  switch (status.code()) {
    case core::StatusCode::kInvalidArgument:
    case core::StatusCode::kNotFound:
    case core::StatusCode::kPermissionDenied:
    case core::StatusCode::kUnauthenticated:
    case core::StatusCode::kFailedPrecondition:
      return status.WithReason(core::Reason::kWarehouseRejected);
    case core::StatusCode::kUnavailable:
    case core::StatusCode::kDeadlineExceeded:
    case core::StatusCode::kResourceExhausted:
    case core::StatusCode::kCancelled:
      return status.WithReason(core::Reason::kWarehouseUnreachable);
    default:
      return status;
  }
}

}  // namespace wsync::warehouse
