#include "warehouse/bigquery/bigquery_values.h"

#include <gtest/gtest.h>

#include "core/time.h"
#include "warehouse/bigquery/bigquery_result.h"

namespace wsync::warehouse {
namespace {

TEST(BigQueryValuesTest, TimestampsAreReadExactlyFromTheirDecimalText) {
  int64_t m = 0;
  ASSERT_TRUE(ParseBigQuerySeconds("1.714564800123456E9", &m));
  EXPECT_EQ(m, 1714564800123456);
  // A double's nearest text for a whole microsecond: rounded, never truncated.
  ASSERT_TRUE(ParseBigQuerySeconds("1.7145648001234559E9", &m));
  EXPECT_EQ(m, 1714564800123456);
  ASSERT_TRUE(ParseBigQuerySeconds("1.7145216E9", &m));
  EXPECT_EQ(m, 1714521600000000);
  ASSERT_TRUE(ParseBigQuerySeconds("1714521600.5", &m));
  EXPECT_EQ(m, 1714521600500000);
  ASSERT_TRUE(ParseBigQuerySeconds("-1.0E-6", &m));
  EXPECT_EQ(m, -1);
  ASSERT_TRUE(ParseBigQuerySeconds("-8.64E4", &m));
  EXPECT_EQ(m, -86400000000);
  ASSERT_TRUE(ParseBigQuerySeconds("0.0", &m));
  EXPECT_EQ(m, 0);
  ASSERT_TRUE(ParseBigQuerySeconds("2.534023007999999E11", &m));
  EXPECT_EQ(m, 253402300799999900);
  for (const char* bad : {"", "E9", "1.2.3", "abc", "1e", "1.5E9x", "9.9E20", "NaN", "1e99999"}) {
    EXPECT_FALSE(ParseBigQuerySeconds(bad, &m)) << bad;
  }
}

TEST(BigQueryValuesTest, ScalarsOfEveryType) {
  EXPECT_EQ(ReadBigQueryScalar(BigQueryKind::kInt64, "-42"), core::Value::Int64(-42));
  EXPECT_EQ(ReadBigQueryScalar(BigQueryKind::kFloat64, "1.5"), core::Value::Double(1.5));
  EXPECT_EQ(ReadBigQueryScalar(BigQueryKind::kFloat64, "NaN"), core::Value::String("NaN"));
  EXPECT_EQ(ReadBigQueryScalar(BigQueryKind::kFloat64, "-Infinity"),
            core::Value::String("-Infinity"));
  EXPECT_EQ(ReadBigQueryScalar(BigQueryKind::kNumeric, "123456789012345678901234567890.123456789"),
            core::Value::Dec("123456789012345678901234567890.123456789"));
  EXPECT_EQ(ReadBigQueryScalar(BigQueryKind::kBool, "true"), core::Value::Bool(true));
  EXPECT_EQ(ReadBigQueryScalar(BigQueryKind::kBytes, "3q2+7w=="),
            core::Value::BytesValue("\xDE\xAD\xBE\xEF"));
  EXPECT_EQ(ReadBigQueryScalar(BigQueryKind::kBytes, "not base64!"),
            core::Value::String("not base64!"));
  EXPECT_EQ(ReadBigQueryScalar(BigQueryKind::kDate, "2024-05-01"), core::Value::DateValue(19844));
  EXPECT_EQ(ReadBigQueryScalar(BigQueryKind::kDateTime, "2024-05-01T12:00:00.123456"),
            core::Value::TimestampValue(1714564800123456));
  EXPECT_EQ(ReadBigQueryScalar(BigQueryKind::kTime, "13:45:30.250000"),
            core::Value::String("13:45:30.25"));
  EXPECT_EQ(ReadBigQueryScalar(BigQueryKind::kTime, "13:45:30"), core::Value::String("13:45:30"));
  EXPECT_EQ(ReadBigQueryScalar(BigQueryKind::kJson, "{\"a\":1}"), core::Value::String("{\"a\":1}"));
  EXPECT_EQ(ReadBigQueryScalar(BigQueryKind::kTimestamp, "soon"), core::Value::String("soon"));
}

TEST(BigQueryResultTest, PagesWithRepeatedAndRecordFields) {
  const std::string body = R"({
    "kind": "bigquery#queryResponse",
    "schema": {"fields": [
      {"name": "id", "type": "INTEGER", "mode": "NULLABLE"},
      {"name": "tags", "type": "STRING", "mode": "REPEATED"},
      {"name": "addr", "type": "RECORD", "mode": "NULLABLE", "fields": [
        {"name": "city", "type": "STRING"}, {"name": "zip", "type": "INTEGER"},
        {"name": "since", "type": "TIMESTAMP"}, {"name": "n", "type": "NUMERIC"},
        {"name": "codes", "type": "INTEGER", "mode": "REPEATED"}]}]},
    "jobReference": {"projectId": "p", "jobId": "job_1", "location": "US"},
    "totalRows": "2", "pageToken": "tok==", "jobComplete": true,
    "rows": [
      {"f": [{"v": "1"}, {"v": [{"v": "a"}, {"v": "b"}]},
             {"v": {"f": [{"v": "Paris"}, {"v": "75001"}, {"v": "1.7145216E9"}, {"v": "1.50"},
                          {"v": [{"v": "7"}]}]}}]},
      {"f": [{"v": "2"}, {"v": []}, {"v": null}]}]})";
  auto page = BigQueryPage::Parse(body);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  const BigQueryPage& p = **page;
  EXPECT_TRUE(p.job_complete());
  EXPECT_EQ(p.job().job_id, "job_1");
  EXPECT_EQ(p.job().location, "US");
  EXPECT_EQ(p.page_token(), "tok==");
  EXPECT_EQ(p.total_rows(), 2);
  ASSERT_EQ(p.schema().size(), 3u);
  EXPECT_EQ(BigQueryColumnType(p.schema()[0]), core::Type::kInt64);
  EXPECT_EQ(BigQueryColumnType(p.schema()[1]), core::Type::kArray);
  EXPECT_EQ(BigQueryColumnType(p.schema()[2]), core::Type::kString);
  core::Row row;
  ASSERT_TRUE(*(*page)->NextRow(p.schema(), &row));
  EXPECT_EQ(row,
            (core::Row{core::Value::Int64(1),
                       core::Value::Array({core::Value::String("a"), core::Value::String("b")}),
                       core::Value::String("{\"city\":\"Paris\",\"codes\":[7],\"n\":\"1.50\","
                                           "\"since\":\"2024-05-01T00:00:00Z\",\"zip\":75001}")}));
  ASSERT_TRUE(*(*page)->NextRow(p.schema(), &row));
  EXPECT_EQ(row, (core::Row{core::Value::Int64(2), core::Value::Array({}), core::Value::Null()}));
  EXPECT_FALSE(*(*page)->NextRow(p.schema(), &row));

  auto narrow = BigQueryPage::Parse(R"({"jobComplete":true,"rows":[{"f":[{"v":"1"}]}]})");
  ASSERT_TRUE(narrow.ok());
  auto r = (*narrow)->NextRow(p.schema(), &row);
  EXPECT_EQ(r.status().code(), core::StatusCode::kInternal);
  EXPECT_EQ(r.status().message(),
            "BigQuery answered with a malformed result (a row has 1 values for 3 columns)");
  EXPECT_EQ(BigQueryPage::Parse("[1]").status().message(),
            "BigQuery answered with a malformed result (not an object)");
}

TEST(BigQueryResultTest, ErrorBodies) {
  BigQueryError e = ReadBigQueryError(R"({"error":{"code":400,"message":"Syntax error: x at [2:5]",
    "errors":[{"message":"Syntax error: x at [2:5]","domain":"global","reason":"invalidQuery",
    "location":"q","locationType":"parameter"}],"status":"INVALID_ARGUMENT"}})");
  EXPECT_EQ(e.code, 400);
  EXPECT_EQ(e.reason, "invalidQuery");
  EXPECT_EQ(e.status, "INVALID_ARGUMENT");
  EXPECT_EQ(e.message, "Syntax error: x at [2:5]");
  e = ReadBigQueryError(
      R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})");
  EXPECT_EQ(e.oauth_error, "invalid_grant");
  EXPECT_EQ(e.message, "Invalid JWT Signature.");
  EXPECT_EQ(ReadBigQueryError("<html>").code, 0);
}

}  // namespace
}  // namespace wsync::warehouse
