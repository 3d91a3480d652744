#include "warehouse/snowflake/snowflake_values.h"

#include <gtest/gtest.h>

#include "warehouse/snowflake/snowflake_client.h"
#include "warehouse/snowflake/snowflake_result.h"

namespace wsync::warehouse {
namespace {

SnowflakeColumn Col(std::string type, int scale = 0) {
  SnowflakeColumn c;
  c.type = type;
  c.kind = SnowflakeKindOf(type);
  c.scale = scale;
  return c;
}

TEST(SnowflakeValuesTest, ValuesOfEveryKind) {
  EXPECT_EQ(ReadSnowflakeValue(Col("fixed"), "-42"), core::Value::Int64(-42));
  EXPECT_EQ(ReadSnowflakeValue(Col("fixed"), "12345678901234567890123"),
            core::Value::Dec("12345678901234567890123"));
  EXPECT_EQ(ReadSnowflakeValue(Col("fixed", 2), "-0.50"), core::Value::Dec("-0.50"));
  EXPECT_EQ(ReadSnowflakeValue(Col("fixed"), "1e5"), core::Value::String("1e5"));
  EXPECT_EQ(ReadSnowflakeValue(Col("real"), "1.25e+02"), core::Value::Double(125));
  EXPECT_EQ(ReadSnowflakeValue(Col("boolean"), "false"), core::Value::Bool(false));
  EXPECT_EQ(ReadSnowflakeValue(Col("date"), "18262"), core::Value::DateValue(18262));
  EXPECT_EQ(ReadSnowflakeValue(Col("date"), "-719162"),
            core::Value::DateValue(-719162));  // 0001-01-01
  EXPECT_EQ(ReadSnowflakeValue(Col("date"), "-719163"), core::Value::String("-719163"));
  EXPECT_EQ(ReadSnowflakeValue(Col("date"), "99999999"), core::Value::String("99999999"));
  EXPECT_EQ(ReadSnowflakeValue(Col("time"), "82919.000000000"), core::Value::String("23:01:59"));
  EXPECT_EQ(ReadSnowflakeValue(Col("time"), "0.123400000"), core::Value::String("00:00:00.1234"));
  EXPECT_EQ(ReadSnowflakeValue(Col("timestamp_ntz"), "1616173619.123456789"),
            core::Value::TimestampValue(1616173619123456));
  EXPECT_EQ(ReadSnowflakeValue(Col("timestamp_tz"), "1616173619.000000000 960"),
            core::Value::TimestampValue(1616173619000000));
  EXPECT_EQ(ReadSnowflakeValue(Col("timestamp_ltz"), "-1.500000000"),
            core::Value::TimestampValue(-1500000));
  EXPECT_EQ(ReadSnowflakeValue(Col("timestamp_ltz"), "-0.000000100"),
            core::Value::TimestampValue(-1));
  EXPECT_EQ(ReadSnowflakeValue(Col("timestamp_ntz"), "999999999999999.0"),
            core::Value::String("999999999999999.0"));
  EXPECT_EQ(ReadSnowflakeValue(Col("binary"), "DEADbeef"),
            core::Value::BytesValue("\xDE\xAD\xBE\xEF"));
  EXPECT_EQ(ReadSnowflakeValue(Col("binary"), "XYZ"), core::Value::String("XYZ"));
  EXPECT_EQ(ReadSnowflakeValue(Col("variant"), "{\"a\":[1]}"), core::Value::String("{\"a\":[1]}"));
  EXPECT_EQ(SnowflakeColumnType(Col("FIXED", 3)), core::Type::kDecimal);
  EXPECT_EQ(SnowflakeColumnType(Col("TIMESTAMP_TZ")), core::Type::kTimestamp);
  EXPECT_EQ(SnowflakeColumnType(Col("geography")), core::Type::kString);
}

TEST(SnowflakeResultTest, ParsesAResultSetAndItsRows) {
  const std::string body = R"({"resultSetMetaData":{"numRows":2,"format":"jsonv2",
    "rowType":[{"name":"ID","type":"fixed","scale":0},{"name":"NAME","type":"text"}],
    "partitionInfo":[{"rowCount":2,"uncompressedSize":40},{"rowCount":5}]},
    "data":[["1","a"],["2",null]],"code":"090001","statementHandle":"01ab-cd",
    "sqlState":"00000","message":"Statement executed successfully."})";
  auto page = ResultPage::Parse(body, true);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  const ResultPage& p = **page;
  EXPECT_EQ(p.info().handle, "01ab-cd");
  EXPECT_EQ(p.info().code, "090001");
  ASSERT_EQ(p.meta().columns.size(), 2u);
  EXPECT_EQ(p.meta().columns[1].name, "NAME");
  EXPECT_EQ(p.meta().partition_rows, (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(p.meta().partition_bytes, (std::vector<int64_t>{40, 0}));
  core::Row row;
  auto more = (*page)->NextRow(p.meta().columns, &row);
  ASSERT_TRUE(more.ok() && *more);
  EXPECT_EQ(row, (core::Row{core::Value::Int64(1), core::Value::String("a")}));
  more = (*page)->NextRow(p.meta().columns, &row);
  ASSERT_TRUE(more.ok() && *more);
  EXPECT_EQ(row, (core::Row{core::Value::Int64(2), core::Value::Null()}));
  more = (*page)->NextRow(p.meta().columns, &row);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
}

TEST(SnowflakeResultTest, MalformedAnswersAreStatuses) {
  EXPECT_EQ(ResultPage::Parse("not json", false).status().code(), core::StatusCode::kInternal);
  EXPECT_EQ(ResultPage::Parse("{\"data\":[]}", true).status().message(),
            "Snowflake answered with a malformed result (no resultSetMetaData)");
  auto page = ResultPage::Parse("{\"data\":[[\"1\"],[\"1\",\"2\"]]}", false);
  ASSERT_TRUE(page.ok());
  std::vector<SnowflakeColumn> two = {Col("fixed"), Col("fixed")};
  core::Row row;
  EXPECT_EQ((*page)->NextRow(two, &row).status().message(),
            "Snowflake answered with a malformed result (a row has 1 values for 2 columns)");
  auto more = (*page)->NextRow(two, &row);
  ASSERT_TRUE(more.ok() && *more);
  auto none = ResultPage::Parse("{\"data\":null}", false);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ((*none)->row_count(), 0u);
  EXPECT_EQ(
      ReadStatementInfo("{\"code\":\"002003\",\"sqlState\":\"42S02\",\"message\":\"m\"}").sql_state,
      "42S02");
  EXPECT_EQ(ReadStatementInfo("<html>").code, "");
}

TEST(SnowflakeClientTest, ErrorLinesCountFromTheModel) {
  EXPECT_EQ(ShiftErrorLines("syntax error line 2 at position 7 unexpected 'x'."),
            "syntax error line 1 at position 7 unexpected 'x'.");
  EXPECT_EQ(ShiftErrorLines("error line 1 at position 0; line 12 at position 3; line 9"),
            "error line 1 at position 0; line 11 at position 3; line 9");
}

TEST(SnowflakeClientTest, ConfigDefaultsTheAccountUrl) {
  auto c = ReadSnowflakeConfig(
      {{"account_identifier", "MyOrg-My_Acct"}, {"region", "us-east-1"}, {"token", "t"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->base_url, "https://myorg-my-acct.us-east-1.snowflakecomputing.com");
  EXPECT_EQ(c->statement_timeout, std::chrono::seconds(3600));
  auto pasted = ReadSnowflakeConfig({{"account_identifier", "xy12345.snowflakecomputing.com"},
                                     {"token", "t"},
                                     {"base_url", "https://private.example.com/"}});
  ASSERT_TRUE(pasted.ok());
  EXPECT_EQ(pasted->account_identifier, "xy12345");
  EXPECT_EQ(pasted->base_url, "https://private.example.com");
  auto no_user = ReadSnowflakeConfig({{"account_identifier", "a"}, {"private_key", "k"}});
  EXPECT_EQ(no_user.status().details()[0].field, "config.user");
}

}  // namespace
}  // namespace wsync::warehouse
