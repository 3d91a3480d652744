#include "warehouse/bigquery/bigquery_dialect.h"

#include <gtest/gtest.h>

#include "core/time.h"
#include "warehouse/bigquery/bigquery_client.h"
#include "warehouse/sql_guard.h"

namespace wsync::warehouse {
namespace {

TEST(BigQueryDialectTest, QuotingAndWrapping) {
  BigQueryDialect d;
  EXPECT_EQ(d.QuoteIdentifier("a`b\\c"), "`a\\`b\\\\c`");
  EXPECT_EQ(d.QuoteLiteral("it's\\\n"), "'it\\'s\\\\\\n'");
  EXPECT_EQ(d.DescribeQuery("SELECT 1 -- c"), "SELECT * FROM (\nSELECT 1 -- c\n) AS m LIMIT 0");
  EXPECT_TRUE(d.FoldsIdentifierCase());
  EXPECT_EQ(d.ColumnType("ARRAY<INT64>"), core::Type::kArray);
  EXPECT_EQ(d.ColumnType("NUMERIC(10, 2)"), core::Type::kDecimal);
  EXPECT_EQ(d.ColumnType("STRUCT<a INT64>"), core::Type::kString);
  EXPECT_EQ(d.ColumnType("DATETIME"), core::Type::kTimestamp);
  EXPECT_EQ(d.ColumnType("bytes"), core::Type::kBytes);
  EXPECT_EQ(d.ColumnType(""), std::nullopt);
}

TEST(BigQueryDialectTest, TypedLiteralsForEveryIteratorType) {
  BigQueryDialect d;
  const int64_t t = 1714521600123456;
  auto ts = d.ExtractStatement("SELECT * FROM t",
                               {{.column = "Updated",
                                 .type = IteratorType::kTimestamp,
                                 .lower = core::Value::TimestampValue(t),
                                 .upper = core::Value::TimestampValue(t + 1),
                                 .upper_exclusive = true}},
                               5);
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(*ts,
            "SELECT * FROM (\nSELECT * FROM t\n) AS m WHERE (CAST(m.`Updated` AS TIMESTAMP) IS NOT "
            "NULL AND CAST(m.`Updated` AS TIMESTAMP) > TIMESTAMP '2024-05-01 "
            "00:00:00.123456+00:00' AND CAST(m.`Updated` AS TIMESTAMP) < TIMESTAMP '2024-05-01 "
            "00:00:00.123457+00:00') LIMIT 5");
  std::vector<SqlParam> params;
  auto day = d.RangePredicate({.column = "d",
                               .type = IteratorType::kDate,
                               .lower = core::Value::DateValue(19844),
                               .lower_inclusive = true},
                              true, &params);
  EXPECT_EQ(*day, "(CAST(m.`d` AS DATE) IS NOT NULL AND CAST(m.`d` AS DATE) >= DATE '2024-05-01')");
  for (IteratorType type : {IteratorType::kUnixMs, IteratorType::kUnixS, IteratorType::kInteger}) {
    auto n = d.RangePredicate({.column = "n", .type = type, .upper = core::Value::Int64(-7)}, true,
                              &params);
    EXPECT_EQ(*n, "(CAST(m.`n` AS INT64) IS NOT NULL AND CAST(m.`n` AS INT64) <= -7)");
  }
  EXPECT_TRUE(params.empty());
  auto max =
      d.MaxIteratorQuery("SELECT 1", {.column = "n", .type = IteratorType::kInteger}, &params);
  EXPECT_EQ(*max,
            "SELECT MAX(CAST(m.`n` AS INT64)) FROM (\nSELECT 1\n) AS m WHERE (CAST(m.`n` AS INT64) "
            "IS NOT NULL)");
  auto wrong = d.RangePredicate(
      {.column = "x", .type = IteratorType::kDate, .lower = core::Value::Int64(1)}, true, &params);
  EXPECT_EQ(wrong.status().message(), "range on column 'x' (date): bound 1 is not a date");
}

TEST(BigQueryDialectTest, TheGuardReadsGoogleSql) {
  EXPECT_TRUE(CheckReadOnlySql("SELECT 'it\\'s DELETE' AS a", SqlDialect::kBigQuery).ok());
  EXPECT_TRUE(CheckReadOnlySql("SELECT \"x\\\" DROP\" AS a", SqlDialect::kBigQuery).ok());
  EXPECT_TRUE(CheckReadOnlySql("SELECT '''a ' DROP ''' AS a", SqlDialect::kBigQuery).ok());
  EXPECT_TRUE(
      CheckReadOnlySql("SELECT `my-project.ds.t`.x FROM `my-project.ds.t`", SqlDialect::kBigQuery)
          .ok());
  // A raw string ends at its first quote: what follows is code.
  auto raw = CheckReadOnlySql("SELECT r'\\' DELETE FROM t --'", SqlDialect::kBigQuery);
  EXPECT_EQ(raw.status().code(), core::StatusCode::kInvalidArgument);
  // '#' comments hide nothing: the next line is code.
  auto hash = CheckReadOnlySql("SELECT 1 # it's\nDELETE FROM t", SqlDialect::kBigQuery);
  EXPECT_EQ(hash.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(hash.status().message().find("DELETE"), std::string::npos) << hash.status().message();
  EXPECT_TRUE(CheckReadOnlySql("SELECT [1, 2] AS a # DROP", SqlDialect::kBigQuery).ok());
}

TEST(BigQueryDialectTest, ErrorPositionsAreCountedFromTheModel) {
  EXPECT_EQ(ShiftBigQueryPositions("Syntax error: Unexpected identifier \"x\" at [2:27]"),
            "Syntax error: Unexpected identifier \"x\" at [1:27]");
  EXPECT_EQ(ShiftBigQueryPositions("at [1:8] and [3:1] but not [a:1] or [4:]"),
            "at [1:8] and [2:1] but not [a:1] or [4:]");
}

}  // namespace
}  // namespace wsync::warehouse
