#include "mapping/record.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace wsync::mapping {
namespace {

TEST(RowErrorCodeTest, EveryCodeRoundTripsThroughItsStoredName) {
  const std::vector<std::pair<RowErrorCode, std::string>> names = {
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
  for (const auto& [code, name] : names) {
    SCOPED_TRACE(name);
    EXPECT_EQ(Name(code), name);
    EXPECT_EQ(ParseRowErrorCode(name), code);
  }
}

TEST(RowErrorCodeTest, UnknownNamesAreRefused) {
  for (const char* name : {"", "bogus", "NO_IDENTITY", "no identity", "no_identity ", "internal"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(ParseRowErrorCode(name), std::nullopt);
  }
  EXPECT_EQ(Name(static_cast<RowErrorCode>(99)), "");
}

}  // namespace
}  // namespace wsync::mapping
