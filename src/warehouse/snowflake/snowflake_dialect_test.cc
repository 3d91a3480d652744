#include "warehouse/snowflake/snowflake_dialect.h"

#include <gtest/gtest.h>

#include "core/time.h"

namespace wsync::warehouse {
namespace {

TEST(SnowflakeDialectTest, QuotesAndWraps) {
  SnowflakeDialect sf;
  EXPECT_EQ(sf.QuoteIdentifier("UPDATED_AT"), "\"UPDATED_AT\"");
  EXPECT_EQ(sf.QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(sf.QuoteLiteral("it's a\\b"), "'it\\'s a\\\\b'");
  EXPECT_FALSE(sf.FoldsIdentifierCase());
  EXPECT_EQ(sf.guard(), SqlDialect::kSnowflake);
  EXPECT_EQ(sf.DescribeQuery("SELECT 1 -- note"),
            "SELECT * FROM (\nSELECT 1 -- note\n) AS m LIMIT 0");
  auto limited = sf.ExtractStatement("SELECT 1", {}, -3);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(*limited, "SELECT * FROM (\nSELECT 1\n) AS m LIMIT 0");
}

TEST(SnowflakeDialectTest, TypedLiteralsForEveryIteratorType) {
  SnowflakeDialect sf;
  std::vector<SqlParam> params;
  auto ts = sf.RangePredicate(
      {.column = "T",
       .type = IteratorType::kTimestamp,
       .lower = core::Value::TimestampValue(*core::ParseTimestamp("2024-05-01T10:20:30.5Z")),
       .lower_inclusive = true},
      true, &params);
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(*ts,
            "(TO_TIMESTAMP_TZ(m.\"T\") IS NOT NULL AND TO_TIMESTAMP_TZ(m.\"T\") >= "
            "TO_TIMESTAMP_TZ('2024-05-01 10:20:30.500000 +00:00', 'YYYY-MM-DD HH24:MI:SS.FF6 "
            "TZH:TZM'))");
  auto day = sf.RangePredicate({.column = "D",
                                .type = IteratorType::kDate,
                                .upper = core::Value::DateValue(*core::ParseDate("0099-01-02")),
                                .upper_exclusive = true},
                               true, &params);
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(*day,
            "(TO_DATE(m.\"D\") IS NOT NULL AND TO_DATE(m.\"D\") < TO_DATE('0099-01-02', "
            "'YYYY-MM-DD'))");
  for (IteratorType t : {IteratorType::kInteger, IteratorType::kUnixMs, IteratorType::kUnixS}) {
    auto n = sf.RangePredicate(
        {.column = "N", .type = t, .lower = core::Value::Int64(-7), .upper = core::Value::Int64(9)},
        true, &params);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n,
              "(TO_NUMBER(m.\"N\") IS NOT NULL AND TO_NUMBER(m.\"N\") > TO_NUMBER(-7) AND "
              "TO_NUMBER(m.\"N\") <= TO_NUMBER(9))");
  }
  EXPECT_TRUE(params.empty());
  auto wrong = sf.RangePredicate(
      {.column = "T", .type = IteratorType::kTimestamp, .lower = core::Value::Int64(1)}, true,
      &params);
  EXPECT_EQ(wrong.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(SnowflakeDialect::FormatTimestamp(-1), "1969-12-31 23:59:59.999999 +00:00");
  auto max = sf.MaxIteratorQuery("SELECT 1 AS N", {.column = "N", .type = IteratorType::kInteger},
                                 &params);
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(*max,
            "SELECT MAX(TO_NUMBER(m.\"N\")) FROM (\nSELECT 1 AS N\n) AS m WHERE "
            "(TO_NUMBER(m.\"N\") IS NOT NULL)");
}

TEST(SnowflakeDialectTest, DeclaredTypes) {
  SnowflakeDialect sf;
  EXPECT_EQ(sf.ColumnType("NUMBER(38,0)"), core::Type::kInt64);
  EXPECT_EQ(sf.ColumnType("number(12, 2)"), core::Type::kDecimal);
  EXPECT_EQ(sf.ColumnType("INTEGER"), core::Type::kInt64);
  EXPECT_EQ(sf.ColumnType("FLOAT"), core::Type::kDouble);
  EXPECT_EQ(sf.ColumnType("BOOLEAN"), core::Type::kBool);
  EXPECT_EQ(sf.ColumnType("DATE"), core::Type::kDate);
  EXPECT_EQ(sf.ColumnType("TIMESTAMP_TZ(9)"), core::Type::kTimestamp);
  EXPECT_EQ(sf.ColumnType("BINARY(16)"), core::Type::kBytes);
  EXPECT_EQ(sf.ColumnType("VARCHAR(16777216)"), core::Type::kString);
  EXPECT_EQ(sf.ColumnType("VARIANT"), core::Type::kString);
  EXPECT_EQ(sf.ColumnType("TIME"), core::Type::kString);
  EXPECT_EQ(sf.ColumnType(""), std::nullopt);
}

TEST(SnowflakeDialectTest, TheGuardReadsSnowflakeStrings) {
  // 'it\'s' is one string in Snowflake; the DELETE inside it is text.
  auto ok = CheckReadOnlySql("SELECT 'it\\'s; DELETE' AS s", SqlDialect::kSnowflake);
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(CheckReadOnlySql("SELECT $$ DROP TABLE x; $$ AS s", SqlDialect::kSnowflake).ok());
  EXPECT_FALSE(CheckReadOnlySql("SELECT 'a\\' ; DELETE FROM t", SqlDialect::kSnowflake).ok());
  EXPECT_FALSE(CheckReadOnlySql("SELECT $$ x $$; DROP TABLE t", SqlDialect::kSnowflake).ok());
}

}  // namespace
}  // namespace wsync::warehouse
