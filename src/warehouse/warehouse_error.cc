#include "warehouse/warehouse_error.h"

namespace wsync::warehouse {

core::Status WarehouseError(core::StatusCode code, std::string_view reason, std::string message) {
  return core::Status(code, std::move(message))
      .WithDetails({core::FieldError{std::string(kReasonField), std::string(reason)}});
}

std::string WarehouseReason(const core::Status& status) {
  if (status.code() == core::StatusCode::kInvalidArgument) return "";
  for (const core::FieldError& d : status.details()) {
    if (d.field == kReasonField) return d.message;
  }
  return "";
}

}  // namespace wsync::warehouse
