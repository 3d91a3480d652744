#include "mapping/record.h"

#include "core/enum_names.h"

namespace wsync::mapping {

namespace {

// The names are stored with each row error and shown by the API: never rename one.
constexpr core::EnumName<RowErrorCode> kRowErrorCodeNames[] = {
    {RowErrorCode::kInvalidRow, "invalid_row"},
    {RowErrorCode::kNoIdentity, "no_identity"},
    {RowErrorCode::kInvalidValue, "invalid_value"},
    {RowErrorCode::kInvalidUtf8, "invalid_utf8"},
    {RowErrorCode::kBinaryValue, "binary_value"},
    {RowErrorCode::kInvalidNumber, "invalid_number"},
    {RowErrorCode::kInvalidTimestamp, "invalid_timestamp"},
    {RowErrorCode::kLimitExceeded, "limit_exceeded"},
    {RowErrorCode::kInvalidIterator, "invalid_iterator"},
    {RowErrorCode::kUnknownMpid, "unknown_mpid"},
};
static_assert(core::IsDenseEnumTable(kRowErrorCodeNames));

}  // namespace

std::string_view Name(RowErrorCode code) { return core::EnumNameOf(kRowErrorCodeNames, code); }

std::optional<RowErrorCode> ParseRowErrorCode(std::string_view name) {
  return core::ParseEnumName(kRowErrorCodeNames, name);
}

}  // namespace wsync::mapping
