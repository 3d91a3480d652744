#include "warehouse/postgres/postgres_dialect.h"

#include <gtest/gtest.h>

#include "core/time.h"

namespace wsync::warehouse {
namespace {

using Flavor = PostgresDialect::Flavor;

TEST(PostgresDialectTest, QuotesIdentifiersAndLiterals) {
  PostgresDialect pg;
  EXPECT_EQ(pg.QuoteIdentifier("userId"), "\"userId\"");
  EXPECT_EQ(pg.QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(pg.QuoteLiteral("it's"), "'it''s'");
  EXPECT_FALSE(pg.FoldsIdentifierCase());
  EXPECT_EQ(pg.guard(), SqlDialect::kPostgres);
  PostgresDialect rs(Flavor::kRedshift);
  // Redshift matches identifiers ignoring case and reports them in lower case.
  EXPECT_EQ(rs.QuoteIdentifier("userId"), "\"userid\"");
  EXPECT_TRUE(rs.FoldsIdentifierCase());
}

TEST(PostgresDialectTest, WrapsTheModel) {
  PostgresDialect pg;
  EXPECT_EQ(pg.DescribeQuery("SELECT 1 -- note"),
            "SELECT * FROM (\nSELECT 1 -- note\n) AS m LIMIT 0");
  auto all = pg.ExtractStatement("SELECT 1", {}, std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, "SELECT * FROM (\nSELECT 1\n) AS m");
  auto limited = pg.ExtractStatement("SELECT 1", {}, -5);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(*limited, "SELECT * FROM (\nSELECT 1\n) AS m LIMIT 0");
  EXPECT_EQ(pg.DeclareCursor("c", "SELECT 1"), "DECLARE c NO SCROLL CURSOR FOR SELECT 1");
  EXPECT_EQ(PostgresDialect(Flavor::kRedshift).DeclareCursor("c", "SELECT 1"),
            "DECLARE c CURSOR FOR SELECT 1");
}

TEST(PostgresDialectTest, RangePredicatesForEveryIteratorType) {
  PostgresDialect pg;
  std::vector<SqlParam> params;
  const int64_t t = *core::ParseTimestamp("2024-03-01T10:00:00.000250Z");
  Range ts{.column = "updatedAt",
           .type = IteratorType::kTimestamp,
           .lower = core::Value::TimestampValue(t),
           .upper = core::Value::TimestampValue(t + 1'000'000)};
  auto p = pg.RangePredicate(ts, true, &params);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p,
            "((m.\"updatedAt\")::timestamptz IS NOT NULL AND (m.\"updatedAt\")::timestamptz > "
            "CAST('2024-03-01 10:00:00.000250+00' AS TIMESTAMPTZ) AND "
            "(m.\"updatedAt\")::timestamptz <= CAST('2024-03-01 10:00:01.000250+00' AS "
            "TIMESTAMPTZ))");
  EXPECT_TRUE(params.empty());

  Range d{.column = "day",
          .type = IteratorType::kDate,
          .lower = core::Value::DateValue(*core::ParseDate("2024-02-29")),
          .lower_inclusive = true,
          .upper = core::Value::DateValue(*core::ParseDate("2024-03-02")),
          .upper_exclusive = true};
  p = pg.RangePredicate(d, false, &params);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p,
            "((m.\"day\")::date IS NOT NULL AND (m.\"day\")::date >= CAST('2024-02-29' AS DATE) "
            "AND (m.\"day\")::date < CAST('2024-03-02' AS DATE))");

  for (IteratorType type : {IteratorType::kInteger, IteratorType::kUnixMs, IteratorType::kUnixS}) {
    Range i{.column = "seq", .type = type, .lower = core::Value::Int64(INT64_MIN)};
    p = pg.RangePredicate(i, true, &params);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p,
              "((m.\"seq\")::bigint IS NOT NULL AND (m.\"seq\")::bigint > "
              "CAST('-9223372036854775808' AS BIGINT))");
  }
  Range only_set{.column = "seq", .type = IteratorType::kInteger};
  p = pg.RangePredicate(only_set, true, &params);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, "((m.\"seq\")::bigint IS NOT NULL)");
  EXPECT_TRUE(params.empty());

  Range wrong{.column = "seq", .type = IteratorType::kInteger, .lower = core::Value::String("1")};
  p = pg.RangePredicate(wrong, true, &params);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(p.status().message(), "range on column 'seq' (integer): bound 1 is not a int64");

  // Redshift compares the lowercased name.
  p = PostgresDialect(Flavor::kRedshift).RangePredicate(only_set, true, &params);
  ASSERT_TRUE(p.ok());
  Range upper{.column = "Seq", .type = IteratorType::kInteger};
  p = PostgresDialect(Flavor::kRedshift).RangePredicate(upper, true, &params);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, "((m.\"seq\")::bigint IS NOT NULL)");
}

TEST(PostgresDialectTest, MaxIteratorAndExtractCompose) {
  PostgresDialect pg;
  std::vector<SqlParam> params;
  Range r{.column = "n", .type = IteratorType::kInteger, .lower = core::Value::Int64(7)};
  auto max = pg.MaxIteratorQuery("SELECT n FROM t", r, &params);
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(*max,
            "SELECT MAX((m.\"n\")::bigint) FROM (\nSELECT n FROM t\n) AS m WHERE "
            "((m.\"n\")::bigint IS NOT NULL AND (m.\"n\")::bigint > CAST('7' AS BIGINT))");
  auto extract = pg.ExtractStatement("SELECT n FROM t", {r, r}, 10);
  ASSERT_TRUE(extract.ok());
  EXPECT_EQ(*extract,
            "SELECT * FROM (\nSELECT n FROM t\n) AS m WHERE ((m.\"n\")::bigint IS NOT NULL AND "
            "(m.\"n\")::bigint > CAST('7' AS BIGINT)) AND ((m.\"n\")::bigint IS NOT NULL AND "
            "(m.\"n\")::bigint > CAST('7' AS BIGINT)) LIMIT 10");
  EXPECT_TRUE(params.empty());
}

TEST(PostgresDialectTest, TimestampLiteralsAreUtcWithMicroseconds) {
  EXPECT_EQ(PostgresDialect::FormatTimestampLiteral(0), "1970-01-01 00:00:00.000000+00");
  EXPECT_EQ(PostgresDialect::FormatTimestampLiteral(-1), "1969-12-31 23:59:59.999999+00");
  EXPECT_EQ(PostgresDialect::FormatTimestampLiteral(*core::ParseTimestamp("0001-01-01T00:00:00Z")),
            "0001-01-01 00:00:00.000000+00");
}

TEST(PostgresDialectTest, ColumnTypesFromTypeNames) {
  PostgresDialect pg;
  EXPECT_EQ(pg.ColumnType("BIGINT"), core::Type::kInt64);
  EXPECT_EQ(pg.ColumnType("smallint"), core::Type::kInt64);
  EXPECT_EQ(pg.ColumnType("numeric(10,2)"), core::Type::kDecimal);
  EXPECT_EQ(pg.ColumnType("double precision"), core::Type::kDouble);
  EXPECT_EQ(pg.ColumnType("timestamp(3) with time zone"), core::Type::kTimestamp);
  EXPECT_EQ(pg.ColumnType("timestamp without time zone"), core::Type::kTimestamp);
  EXPECT_EQ(pg.ColumnType("date"), core::Type::kDate);
  EXPECT_EQ(pg.ColumnType("boolean"), core::Type::kBool);
  EXPECT_EQ(pg.ColumnType("integer[]"), core::Type::kArray);
  EXPECT_EQ(pg.ColumnType("_text"), core::Type::kArray);
  EXPECT_EQ(pg.ColumnType("uuid"), core::Type::kString);
  EXPECT_EQ(pg.ColumnType("jsonb"), core::Type::kString);
  EXPECT_EQ(pg.ColumnType("character varying(20)"), core::Type::kString);
  EXPECT_EQ(pg.ColumnType("bytea"), core::Type::kBytes);
  EXPECT_EQ(pg.ColumnType(""), std::nullopt);
}

}  // namespace
}  // namespace wsync::warehouse
