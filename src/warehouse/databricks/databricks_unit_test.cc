// DatabricksDialect, the manifest's types and JSON_ARRAY values, the parsing of the Statement
// Execution API's answers, and the shared REST helpers (rest_util.h), without a server.
#include <gtest/gtest.h>

#include "core/time.h"
#include "warehouse/databricks/databricks_client.h"
#include "warehouse/databricks/databricks_dialect.h"
#include "warehouse/databricks/databricks_result.h"
#include "warehouse/http/rest_util.h"
#include "warehouse/sql_guard.h"

namespace wsync::warehouse {
namespace {

DatabricksColumn Column(const char* type_name, int precision = 0, int scale = 0) {
  return {.name = "c",
          .type_name = type_name,
          .kind = DatabricksKindOf(type_name),
          .precision = precision,
          .scale = scale};
}

TEST(DatabricksDialectTest, QuotesWithBackticksAndWrapsTheModel) {
  DatabricksDialect d;
  EXPECT_EQ(d.QuoteIdentifier("a`b"), "`a``b`");
  EXPECT_EQ(d.QuoteLiteral("it's a\\b"), "'it\\'s a\\\\b'");
  EXPECT_TRUE(d.FoldsIdentifierCase());
  EXPECT_EQ(d.DescribeQuery("SELECT 1 -- note"),
            "SELECT * FROM (\nSELECT 1 -- note\n) AS m LIMIT 0");
  std::vector<SqlParam> params;
  auto max = d.MaxIteratorQuery("SELECT * FROM t",
                                {.column = "at", .type = IteratorType::kTimestamp}, &params);
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(*max,
            "SELECT MAX(to_timestamp(m.`at`)) FROM (\nSELECT * FROM t\n) AS m WHERE "
            "(to_timestamp(m.`at`) IS NOT NULL)");
  EXPECT_TRUE(params.empty());
}

TEST(DatabricksDialectTest, RangeBoundsAreTypedLiterals) {
  DatabricksDialect d;
  std::vector<SqlParam> params;
  auto ts = d.RangePredicate({.column = "at",
                              .type = IteratorType::kTimestamp,
                              .lower = core::Value::TimestampValue(-1),
                              .lower_inclusive = true},
                             false, &params);
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(*ts,
            "(to_timestamp(m.`at`) IS NOT NULL AND to_timestamp(m.`at`) >= TIMESTAMP "
            "'1969-12-31 23:59:59.999999+00:00')");
  auto bad = d.RangePredicate(
      {.column = "day", .type = IteratorType::kDate, .lower = core::Value::Int64(1)}, false,
      &params);
  EXPECT_EQ(bad.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_TRUE(params.empty());
}

TEST(DatabricksDialectTest, DeclaredTypes) {
  DatabricksDialect d;
  EXPECT_EQ(d.ColumnType("bigint"), core::Type::kInt64);
  EXPECT_EQ(d.ColumnType("DECIMAL(10,0)"), core::Type::kInt64);
  EXPECT_EQ(d.ColumnType("DECIMAL(38,0)"), core::Type::kDecimal);
  EXPECT_EQ(d.ColumnType("decimal(12, 2)"), core::Type::kDecimal);
  EXPECT_EQ(d.ColumnType("DECIMAL"), core::Type::kInt64);
  EXPECT_EQ(d.ColumnType("double"), core::Type::kDouble);
  EXPECT_EQ(d.ColumnType("timestamp_ntz"), core::Type::kTimestamp);
  EXPECT_EQ(d.ColumnType("binary"), core::Type::kBytes);
  EXPECT_EQ(d.ColumnType("array<string>"), core::Type::kString);
  EXPECT_EQ(d.ColumnType(""), std::nullopt);
}

TEST(DatabricksDialectTest, GuardReadsDatabricksStringsWithBackslashEscapes) {
  // 'a\'b' is one string in Databricks; a keyword after it is code.
  auto ok = CheckReadOnlySql("SELECT 'a\\'; DROP' AS x", SqlDialect::kDatabricks);
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(CheckReadOnlySql("SELECT \"x\\\"\" AS a; DROP TABLE t", SqlDialect::kDatabricks)
                .status()
                .code(),
            core::StatusCode::kInvalidArgument);
}

TEST(DatabricksValuesTest, JsonArrayValuesByTypeName) {
  EXPECT_EQ(ReadDatabricksValue(Column("LONG"), "-42"), core::Value::Int64(-42));
  EXPECT_EQ(ReadDatabricksValue(Column("LONG"), "x"), core::Value::String("x"));
  EXPECT_EQ(ReadDatabricksValue(Column("DECIMAL", 38, 0), "123456789012345678901234567890"),
            core::Value::Dec("123456789012345678901234567890"));
  EXPECT_EQ(ReadDatabricksValue(Column("DECIMAL", 10, 0), "12"), core::Value::Int64(12));
  EXPECT_EQ(ReadDatabricksValue(Column("DECIMAL", 12, 2), "-0.50"), core::Value::Dec("-0.50"));
  EXPECT_EQ(ReadDatabricksValue(Column("DOUBLE"), "1.5E-3"), core::Value::Double(0.0015));
  EXPECT_EQ(ReadDatabricksValue(Column("DOUBLE"), "NaN"), core::Value::String("NaN"));
  EXPECT_EQ(ReadDatabricksValue(Column("BOOLEAN"), "false"), core::Value::Bool(false));
  EXPECT_EQ(ReadDatabricksValue(Column("DATE"), "2024-05-01"), core::Value::DateValue(19844));
  EXPECT_EQ(ReadDatabricksValue(Column("TIMESTAMP"), "2024-05-01T00:00:00.5Z"),
            core::Value::TimestampValue(1714521600500000));
  EXPECT_EQ(ReadDatabricksValue(Column("TIMESTAMP_NTZ"), "2024-05-01T00:00:00"),
            core::Value::TimestampValue(1714521600000000));
  EXPECT_EQ(ReadDatabricksValue(Column("BINARY"), "3q2+7w=="),
            core::Value::BytesValue("\xDE\xAD\xBE\xEF"));
  EXPECT_EQ(ReadDatabricksValue(Column("BINARY"), "not base64!"),
            core::Value::String("not base64!"));
  EXPECT_EQ(ReadDatabricksValue(Column("STRUCT"), "{\"a\":1}"), core::Value::String("{\"a\":1}"));
  EXPECT_EQ(DatabricksColumnType(Column("NULL")), core::Type::kString);
}

TEST(DatabricksResultTest, ParsesStatementResponsesAndRefusesMalformedOnes) {
  auto page = DatabricksPage::Parse(
      R"({"statement_id":"01ef","status":{"state":"SUCCEEDED"},"manifest":{"schema":{"columns":[
      {"name":"id","type_name":"LONG"},{"name":"d","type_name":"DECIMAL","type_precision":12,
      "type_scale":2}]}},"result":{"data_array":[["1","2.50"],[null,null]],"next_chunk_index":1,
      "next_chunk_internal_link":"/api/2.0/sql/statements/01ef/result/chunks/1"}})",
      true);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  const auto& columns = (*page)->columns();
  ASSERT_EQ(columns.size(), 2u);
  EXPECT_EQ(columns[1].scale, 2);
  EXPECT_EQ((*page)->next_link(), "/api/2.0/sql/statements/01ef/result/chunks/1");
  EXPECT_EQ((*page)->next_index(), 1);
  core::Row row;
  ASSERT_TRUE(*(*page)->NextRow(columns, &row));
  EXPECT_EQ(row, (core::Row{core::Value::Int64(1), core::Value::Dec("2.50")}));
  ASSERT_TRUE(*(*page)->NextRow(columns, &row));
  EXPECT_EQ(row, core::Row(2));
  EXPECT_FALSE(*(*page)->NextRow(columns, &row));

  auto narrow = DatabricksPage::ParseRows(R"([["1"]])");
  ASSERT_TRUE(narrow.ok());
  EXPECT_EQ((*narrow)->NextRow(columns, &row).status().message(),
            "Databricks answered with a malformed result (a row has 1 values for 2 columns)");
  EXPECT_EQ(DatabricksPage::Parse("{", true).status().code(), core::StatusCode::kInternal);
  EXPECT_EQ(DatabricksPage::Parse(R"({"status":{"state":"SUCCEEDED"}})", true).status().message(),
            "Databricks answered with a malformed result (no manifest)");
  EXPECT_EQ(
      DatabricksPage::Parse(R"({"external_links":[{"byte_count":1}]})", false).status().message(),
      "Databricks answered with a malformed result (an external link without its URL)");

  const DatabricksStatus failed = ReadDatabricksStatus(
      R"({"statement_id":"x","status":{"state":"FAILED","error":{"error_code":"BAD_REQUEST",
      "message":"boom"},"sql_state":"42601"}})");
  EXPECT_EQ(failed.state, "FAILED");
  EXPECT_EQ(failed.error_code, "BAD_REQUEST");
  EXPECT_EQ(failed.message, "boom");
  EXPECT_EQ(failed.sql_state, "42601");
  const DatabricksStatus service = ReadDatabricksStatus(R"({"error_code":"E","message":"m"})");
  EXPECT_EQ(service.error_code, "E");
  EXPECT_EQ(service.message, "m");
}

TEST(DatabricksClientTest, ShiftsLinesOfTheWrappedModel) {
  EXPECT_EQ(ShiftDatabricksErrorLines("error (line 2, pos 7); line 1, pos 0; line 9 at x"),
            "error (line 1, pos 7); line 1, pos 0; line 9 at x");
}

TEST(RestUtilTest, ConfigStringsBaseUrlsAndOneLine) {
  const nlohmann::json config = {{"a", "x"}, {"n", 1}, {"z", nullptr}};
  EXPECT_EQ(*OptionalConfigString(config, "a"), "x");
  EXPECT_EQ(*OptionalConfigString(config, "z"), "");
  EXPECT_EQ(*OptionalConfigString(config, "missing"), "");
  EXPECT_EQ(OptionalConfigString(config, "n").status().details()[0].field, "config.n");
  EXPECT_EQ(*NormalizeBaseUrl("https://h.example.com//", "base_url"), "https://h.example.com");
  EXPECT_EQ(NormalizeBaseUrl("ftp://h", "base_url").status().details()[0].field, "config.base_url");
  EXPECT_EQ(OneLine("a\nb\r\nc"), "a b  c");
}

}  // namespace
}  // namespace wsync::warehouse
