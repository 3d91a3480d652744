#include "warehouse/columns.h"

#include <gtest/gtest.h>

#include "warehouse/common_config.h"

namespace wsync::warehouse {
namespace {

TEST(ColumnsTest, CountIsBounded) {
  EXPECT_TRUE(CheckColumnCount(100, 100).ok());
  core::Status s = CheckColumnCount(101, 100);
  EXPECT_EQ(s.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "the data model returns 101 columns; the limit is 100");
}

TEST(ColumnsTest, NamesAreDistinctByTheWarehousesRule) {
  EXPECT_TRUE(CheckDistinctColumnNames({"id", "ID"}, /*fold_case=*/false).ok());
  core::Status folded = CheckDistinctColumnNames({"id", "email", "ID"}, /*fold_case=*/true);
  EXPECT_EQ(folded.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(folded.message(),
            "the data model returns column 'ID' more than once; give each column a unique alias");
  EXPECT_FALSE(CheckDistinctColumnNames({"a", "a"}, /*fold_case=*/false).ok());
  EXPECT_TRUE(CheckDistinctColumnNames({}, true).ok());
}

TEST(ColumnsTest, RangeColumnsFollowTheLookupRule) {
  const std::vector<std::string> names = {"id", "Updated_At", "ts", "TS"};
  EXPECT_TRUE(CheckRangeColumns(names, {}).ok());
  EXPECT_TRUE(CheckRangeColumns(names, {Range{.column = "updated_at"}}).ok());
  EXPECT_TRUE(CheckRangeColumns(names, {Range{.column = "ts"}}).ok());
  core::Status missing = CheckRangeColumns(names, {Range{.column = "id"}, Range{.column = "x"}});
  EXPECT_EQ(missing.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.message(), "the iterator column 'x' is not a column of the data model");
  core::Status ambiguous = CheckRangeColumns(names, {Range{.column = "Ts"}});
  EXPECT_EQ(ambiguous.code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(ambiguous.message().find("matches several columns of the model by case: 'ts', 'TS'"),
            std::string::npos)
      << ambiguous.message();
}

TEST(CommonConfigTest, DefaultsAndBounds) {
  core::StatusOr<CommonConfig> none = ReadCommonConfig(nlohmann::json::object());
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->max_columns, 100);
  EXPECT_EQ(none->statement_timeout, std::chrono::seconds(3600));
  core::StatusOr<CommonConfig> set =
      ReadCommonConfig({{"max_columns", 5}, {"statement_timeout_s", 7}});
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->max_columns, 5);
  EXPECT_EQ(set->statement_timeout, std::chrono::seconds(7));
  for (const nlohmann::json& bad :
       {nlohmann::json(0), nlohmann::json(100'001), nlohmann::json("5"), nlohmann::json(1.5)}) {
    core::StatusOr<CommonConfig> c = ReadCommonConfig({{"max_columns", bad}});
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_EQ(c.status().details().at(0).field, "config.max_columns");
  }
  core::StatusOr<CommonConfig> slow = ReadCommonConfig({{"statement_timeout_s", 604'801}});
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.status().details().at(0).field, "config.statement_timeout_s");
  EXPECT_EQ(slow.status().details().at(0).message,
            "must be an integer number of seconds between 1 and 604800");
}

}  // namespace
}  // namespace wsync::warehouse
