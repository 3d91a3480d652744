#include "warehouse/postgres/pg_values.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace wsync::warehouse {
namespace {

core::Value Read(PgOid oid, std::string_view text) { return ReadPgValue(ReaderForOid(oid), text); }

TEST(PgValuesTest, ScalarsByTypeOid) {
  EXPECT_EQ(Read(16, "t"), core::Value::Bool(true));
  EXPECT_EQ(Read(16, "f"), core::Value::Bool(false));
  EXPECT_EQ(Read(21, "-32768"), core::Value::Int64(-32768));
  EXPECT_EQ(Read(20, "-9223372036854775808"), core::Value::Int64(INT64_MIN));
  EXPECT_EQ(Read(701, "0.1"), core::Value::Double(0.1));
  EXPECT_EQ(Read(700, "1.17549435e-38"), core::Value::Double(1.17549435e-38));
  EXPECT_TRUE(std::isinf(Read(701, "-Infinity").double_value()));
  EXPECT_TRUE(std::isnan(Read(701, "NaN").double_value()));
  EXPECT_EQ(Read(1700, "12345678901234567890.000000000001"),
            core::Value::Dec("12345678901234567890.000000000001"));
  EXPECT_TRUE(std::isnan(Read(1700, "NaN").double_value()));
  EXPECT_EQ(Read(1082, "2024-02-29"), core::Value::DateValue(*core::ParseDate("2024-02-29")));
  EXPECT_EQ(Read(1082, "infinity"), core::Value::String("infinity"));
  EXPECT_EQ(Read(1082, "0044-03-15 BC"), core::Value::String("0044-03-15 BC"));
  EXPECT_EQ(Read(1114, "2024-02-29 23:59:59.999999"),
            core::Value::TimestampValue(*core::ParseTimestamp("2024-02-29T23:59:59.999999Z")));
  EXPECT_EQ(Read(1184, "2024-02-29 23:59:59+00"),
            core::Value::TimestampValue(*core::ParseTimestamp("2024-02-29T23:59:59Z")));
  EXPECT_EQ(Read(1184, "10000-01-01 00:00:00+00"), core::Value::String("10000-01-01 00:00:00+00"));
  EXPECT_EQ(Read(17, "\\x00ff"), core::Value::BytesValue(std::string("\0\xff", 2)));
  EXPECT_EQ(Read(2950, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            core::Value::String("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
  EXPECT_EQ(Read(3802, "{\"a\": 1}"), core::Value::String("{\"a\": 1}"));
  EXPECT_EQ(Read(1083, "10:11:12.5"), core::Value::String("10:11:12.5"));
}

TEST(PgValuesTest, OneDimensionalArrays) {
  EXPECT_EQ(
      Read(1007, "{1,NULL,-3}"),
      core::Value::Array({core::Value::Int64(1), core::Value::Null(), core::Value::Int64(-3)}));
  EXPECT_EQ(Read(1009, "{a,\"b c\",\"NULL\",NULL,\"q\\\"x\\\\\",\"\"}"),
            core::Value::Array({core::Value::String("a"), core::Value::String("b c"),
                                core::Value::String("NULL"), core::Value::Null(),
                                core::Value::String("q\"x\\"), core::Value::String("")}));
  EXPECT_EQ(Read(1009, R"({"x\"y","plain","\\",z})"),
            core::Value::Array({core::Value::String("x\"y"), core::Value::String("plain"),
                                core::Value::String("\\"), core::Value::String("z")}));
  EXPECT_EQ(Read(1009, "{}"), core::Value::Array({}));
  EXPECT_EQ(Read(1231, "{1.50,2}"),
            core::Value::Array({core::Value::Dec("1.50"), core::Value::Dec("2")}));
  EXPECT_EQ(Read(1000, "{t,f}"),
            core::Value::Array({core::Value::Bool(true), core::Value::Bool(false)}));
  // Several dimensions or explicit bounds stay text.
  EXPECT_EQ(Read(1007, "{{1,2},{3,4}}"), core::Value::String("{{1,2},{3,4}}"));
  EXPECT_EQ(Read(1007, "[0:1]={1,2}"), core::Value::String("[0:1]={1,2}"));
}

TEST(PgValuesTest, TimestampsReadTheSameOnTheServersFormAndEveryOther) {
  EXPECT_EQ(Read(1114, "2024-02-29 23:59:59.5"),
            core::Value::TimestampValue(*core::ParseTimestamp("2024-02-29T23:59:59.5Z")));
  EXPECT_EQ(Read(1184, "0001-01-01 00:00:00+00"),
            core::Value::TimestampValue(core::kMinTimestampMicros));
  EXPECT_EQ(Read(1114, "9999-12-31 23:59:59.999999"),
            core::Value::TimestampValue(core::kMaxTimestampMicros));
  EXPECT_EQ(Read(1114, "2024-02-29 23:59"),
            core::Value::TimestampValue(*core::ParseTimestamp("2024-02-29T23:59:00Z")));
  EXPECT_EQ(Read(1114, "2024-02-30 00:00:00"), core::Value::String("2024-02-30 00:00:00"));
  EXPECT_EQ(Read(1114, "0000-12-31 23:59:59"), core::Value::String("0000-12-31 23:59:59"));
  // Each form read as the general parser (ParsePgTimestamp) reads it.
  for (std::string_view text :
       {"2024-02-29 23:59:59", "2024-02-29 23:59:59.1", "2024-02-29 23:59:59.123456",
        "2024-02-29 23:59:59.1234567", "2024-02-29 23:59:59.123456+00", "2024-02-29T23:59:59",
        "2024-02-29 24:00:00", "2024-02-29 23:60:00", "2024-02-29 23:59:59.",
        "2024-02-29 23:59:59+02", "2024-02-29 23:59:59+02:00", " 2024-02-29 23:59:59",
        "2024-02-29 23:59:59 ", "1999-12-31 23:59:59.999999+00", "2024-13-01 00:00:00",
        "20x4-01-01 00:00:00"}) {
    int64_t micros = 0;
    core::Value want = ParsePgTimestamp(text, &micros) ? core::Value::TimestampValue(micros)
                                                       : core::Value::String(std::string(text));
    EXPECT_EQ(Read(1184, text), want) << text;
  }
  for (std::string_view text :
       {"2024-02-29", "2023-02-29", "0000-01-01", " 2024-01-01", "2024-1-01", "9999-12-31"}) {
    std::optional<int32_t> days = core::ParseDate(text);
    EXPECT_EQ(Read(1082, text),
              days ? core::Value::DateValue(*days) : core::Value::String(std::string(text)))
        << text;
  }
}

TEST(PgValuesTest, ReadingIntoACellReplacesWhatItHeld) {
  core::Value cell = core::Value::String("the longer text the cell held for the row before");
  ReadPgValueInto(ReaderForOid(20), "42", &cell);
  EXPECT_EQ(cell, core::Value::Int64(42));
  ReadPgValueInto(ReaderForOid(25), "text", &cell);
  EXPECT_EQ(cell, core::Value::String("text"));
  ReadPgValueInto(ReaderForOid(25), "x", &cell);
  EXPECT_EQ(cell, core::Value::String("x"));
  ReadPgValueInto(ReaderForOid(1700), "1.50", &cell);
  EXPECT_EQ(cell, core::Value::Dec("1.50"));
  ReadPgValueInto(ReaderForOid(1700), "-7", &cell);
  EXPECT_EQ(cell, core::Value::Dec("-7"));
  ReadPgValueInto(ReaderForOid(1700), "NaN", &cell);
  EXPECT_TRUE(std::isnan(cell.double_value()));
  ReadPgValueInto(ReaderForOid(1082), "infinity", &cell);
  EXPECT_EQ(cell, core::Value::String("infinity"));
  ReadPgValueInto(ReaderForOid(1007), "{1,2}", &cell);
  EXPECT_EQ(cell, core::Value::Array({core::Value::Int64(1), core::Value::Int64(2)}));
  ReadPgValueInto(ReaderForOid(16), "t", &cell);
  EXPECT_EQ(cell, core::Value::Bool(true));
}

TEST(PgValuesTest, TypesReportedInDiscovery) {
  EXPECT_EQ(TypeForOid(23), core::Type::kInt64);
  EXPECT_EQ(TypeForOid(1700), core::Type::kDecimal);
  EXPECT_EQ(TypeForOid(1184), core::Type::kTimestamp);
  EXPECT_EQ(TypeForOid(1016), core::Type::kArray);
  EXPECT_EQ(TypeForOid(3802), core::Type::kString);
  EXPECT_EQ(TypeForOid(2950), core::Type::kString);
}

}  // namespace
}  // namespace wsync::warehouse
