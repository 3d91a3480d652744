#include "core/value.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace wsync::core {
namespace {

TEST(TypeNameTest, RoundTripsEveryType) {
  for (Type t : {Type::kNull, Type::kBool, Type::kInt64, Type::kDouble, Type::kDecimal,
                 Type::kString, Type::kDate, Type::kTimestamp, Type::kArray, Type::kBytes}) {
    Type parsed = Type::kNull;
    ASSERT_TRUE(ParseTypeName(TypeName(t), &parsed)) << TypeName(t);
    EXPECT_EQ(parsed, t);
  }
  EXPECT_EQ(TypeName(Type::kTimestamp), "timestamp");
  EXPECT_EQ(TypeName(Type::kInt64), "int64");
  Type untouched = Type::kBool;
  EXPECT_FALSE(ParseTypeName("integer", &untouched));
  EXPECT_FALSE(ParseTypeName("", &untouched));
  EXPECT_EQ(untouched, Type::kBool);
}

TEST(ValueTest, TypesAndAccessors) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_EQ(Value::Null().type(), Type::kNull);
  EXPECT_EQ(Value::Bool(true).type(), Type::kBool);
  EXPECT_EQ(Value::Int64(-7).int64_value(), -7);
  EXPECT_EQ(Value::Double(1.5).double_value(), 1.5);
  EXPECT_EQ(Value::Dec("-12.50").decimal_value(), "-12.50");
  EXPECT_EQ(Value::String("x").string_value(), "x");
  EXPECT_EQ(Value::DateValue(19753).date_value(), 19753);
  EXPECT_EQ(Value::TimestampValue(-5).timestamp_value(), -5);
  EXPECT_EQ(Value::Array({Value::Int64(1)}).array_value().size(), 1u);
  EXPECT_FALSE(Value::Int64(0).is_null());
}

TEST(ValueTest, SettersOverwriteWhateverTheValueHeld) {
  Value v = Value::Int64(7);
  v.SetString("first");
  EXPECT_EQ(v, Value::String("first"));
  v.SetString("a longer string that does not fit in place");
  EXPECT_EQ(v, Value::String("a longer string that does not fit in place"));
  v.SetString("");
  EXPECT_EQ(v, Value::String(""));
  v.SetDecimal("-12.50");
  EXPECT_EQ(v, Value::Dec("-12.50"));
  v.SetDecimal("3");
  EXPECT_EQ(v, Value::Dec("3"));
  v.SetString(std::string(5000, 'x'));
  EXPECT_EQ(v.string_value(), std::string(5000, 'x'));
  v.SetString("short again");
  EXPECT_EQ(v, Value::String("short again"));
  v.SetInt64(-3);
  EXPECT_EQ(v, Value::Int64(-3));
  v.SetInt64(4);
  EXPECT_EQ(v, Value::Int64(4));
  v.SetDouble(0.5);
  EXPECT_EQ(v, Value::Double(0.5));
  v.SetBool(false);
  EXPECT_EQ(v, Value::Bool(false));
  v.SetDate(19753);
  EXPECT_EQ(v, Value::DateValue(19753));
  v.SetTimestamp(-5);
  EXPECT_EQ(v, Value::TimestampValue(-5));
  v.SetTimestamp(6);
  EXPECT_EQ(v, Value::TimestampValue(6));
  v.SetNull();
  EXPECT_TRUE(v.is_null());
  Value array = Value::Array({Value::String("kept")});
  Value alias = array;
  alias.SetString("replaced");
  EXPECT_EQ(array, Value::Array({Value::String("kept")}));
  EXPECT_EQ(alias, Value::String("replaced"));
}

struct TextCase {
  const char* name;
  Value value;
  std::string text;
  std::string json;
};

// Names the case in failure output instead of dumping the struct's bytes.
void PrintTo(const TextCase& c, std::ostream* os) { *os << c.name; }

class ValueTextTest : public testing::TestWithParam<TextCase> {};

TEST_P(ValueTextTest, ToTextAndToJson) {
  const TextCase& c = GetParam();
  EXPECT_EQ(c.value.ToText(), c.text);
  EXPECT_EQ(c.value.ToJson(), c.json);
  std::string appended = "prefix:";
  c.value.AppendJson(&appended);
  EXPECT_EQ(appended, "prefix:" + c.json);
}

// 2024-01-31 is day 19753 since the epoch.
constexpr int32_t kJan31_2024 = 19753;
constexpr int64_t kJan31_2024_10h = (int64_t{kJan31_2024} * 86400 + 10 * 3600) * 1'000'000;

INSTANTIATE_TEST_SUITE_P(
    AllTypes, ValueTextTest,
    testing::Values(
        TextCase{"Null", Value::Null(), "", "null"},
        TextCase{"True", Value::Bool(true), "true", "true"},
        TextCase{"False", Value::Bool(false), "false", "false"},
        TextCase{"Int", Value::Int64(42), "42", "42"},
        TextCase{"NegativeInt", Value::Int64(-42), "-42", "-42"},
        TextCase{"MinInt", Value::Int64(std::numeric_limits<int64_t>::min()),
                 "-9223372036854775808", "-9223372036854775808"},
        TextCase{"Double", Value::Double(1.5), "1.5", "1.5"},
        TextCase{"DoubleShortest", Value::Double(0.1), "0.1", "0.1"},
        TextCase{"DoubleWhole", Value::Double(3.0), "3", "3"},
        TextCase{"DoubleNegative", Value::Double(-2.25), "-2.25", "-2.25"},
        // JSON has no NaN or infinity; they travel as strings rather than breaking the document.
        TextCase{"DoubleNaN", Value::Double(std::nan("")), "NaN", "\"NaN\""},
        TextCase{"DoubleInf", Value::Double(std::numeric_limits<double>::infinity()), "Infinity",
                 "\"Infinity\""},
        TextCase{"DoubleNegInf", Value::Double(-std::numeric_limits<double>::infinity()),
                 "-Infinity", "\"-Infinity\""},
        TextCase{"DecimalTrailingZero", Value::Dec("12.50"), "12.50", "12.5"},
        TextCase{"DecimalTenth", Value::Dec("0.1"), "0.1", "0.1"},
        TextCase{"DecimalNegative", Value::Dec("-12.50"), "-12.50", "-12.5"},
        TextCase{"DecimalWhole", Value::Dec("100"), "100", "100"},
        TextCase{"DecimalWholeWithZeros", Value::Dec("100.00"), "100.00", "100"},
        TextCase{"DecimalZero", Value::Dec("0.00"), "0.00", "0"},
        TextCase{"DecimalNegativeZero", Value::Dec("-0.0"), "-0.0", "0"},
        TextCase{"DecimalSmall", Value::Dec("0.000001"), "0.000001", "0.000001"},
        TextCase{"DecimalSmallNegative", Value::Dec("-0.000001"), "-0.000001", "-0.000001"},
        TextCase{"DecimalTiny", Value::Dec("0.0000000000000000000000001"),
                 "0.0000000000000000000000001", "0.0000000000000000000000001"},
        TextCase{"DecimalOrdinary", Value::Dec("123.456"), "123.456", "123.456"},
        // Reads back as 0.3, so 0.3 in JSON would silently drop the trailing 1.
        TextCase{"DecimalBelowDoublePrecision", Value::Dec("0.30000000000000001"),
                 "0.30000000000000001", "\"0.30000000000000001\""},
        TextCase{"DecimalLargeExact", Value::Dec("100000000000000000000"), "100000000000000000000",
                 "100000000000000000000"},
        // Beyond a double's 15-17 significant digits: a number would lose digits, so a string.
        TextCase{"DecimalTooPrecise", Value::Dec("12345678901234567890.123"),
                 "12345678901234567890.123", "\"12345678901234567890.123\""},
        TextCase{"DecimalManyFractionDigits", Value::Dec("0.12345678901234567890"),
                 "0.12345678901234567890", "\"0.12345678901234567890\""},
        TextCase{"DecimalMaxSafeInt", Value::Dec("9007199254740993"), "9007199254740993",
                 "\"9007199254740993\""},
        TextCase{"String", Value::String("hello"), "hello", "\"hello\""},
        TextCase{"StringEmpty", Value::String(""), "", "\"\""},
        TextCase{"StringEscapes", Value::String("a\"b\\c\nd\re\tf\bg\fh"), "a\"b\\c\nd\re\tf\bg\fh",
                 "\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\""},
        TextCase{"StringControl", Value::String(std::string("\x01\x1f", 2)),
                 std::string("\x01\x1f", 2), "\"\\u0001\\u001f\""},
        TextCase{"StringNul", Value::String(std::string("a\0b", 3)), std::string("a\0b", 3),
                 "\"a\\u0000b\""},
        // UTF-8 passes through untouched; JSON allows it raw.
        TextCase{"StringUtf8", Value::String("caf\xc3\xa9 \xe2\x82\xac"),
                 "caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\""},
        TextCase{"StringSlashAndDel", Value::String("a/b\x7f"), "a/b\x7f", "\"a/b\x7f\""},
        TextCase{"DateEpoch", Value::DateValue(0), "1970-01-01", "\"1970-01-01\""},
        TextCase{"Date", Value::DateValue(kJan31_2024), "2024-01-31", "\"2024-01-31\""},
        TextCase{"DateBeforeEpoch", Value::DateValue(-1), "1969-12-31", "\"1969-12-31\""},
        TextCase{"Timestamp", Value::TimestampValue(kJan31_2024_10h), "2024-01-31T10:00:00Z",
                 "\"2024-01-31T10:00:00Z\""},
        TextCase{"TimestampQuarterSecond", Value::TimestampValue(kJan31_2024_10h + 250'000),
                 "2024-01-31T10:00:00.25Z", "\"2024-01-31T10:00:00.25Z\""},
        TextCase{"TimestampMicro", Value::TimestampValue(kJan31_2024_10h + 1),
                 "2024-01-31T10:00:00.000001Z", "\"2024-01-31T10:00:00.000001Z\""},
        TextCase{"TimestampBeforeEpoch", Value::TimestampValue(-1), "1969-12-31T23:59:59.999999Z",
                 "\"1969-12-31T23:59:59.999999Z\""},
        TextCase{"ArrayEmpty", Value::Array({}), "[]", "[]"},
        TextCase{"ArrayMixed",
                 Value::Array({Value::Int64(1), Value::String("a\"b"), Value::Null(),
                               Value::Bool(false), Value::Dec("2.50"), Value::DateValue(0)}),
                 "[1,\"a\\\"b\",null,false,2.5,\"1970-01-01\"]",
                 "[1,\"a\\\"b\",null,false,2.5,\"1970-01-01\"]"},
        TextCase{"ArrayNested",
                 Value::Array({Value::Array({Value::Int64(1), Value::Int64(2)}), Value::Array({})}),
                 "[[1,2],[]]", "[[1,2],[]]"}),
    [](const testing::TestParamInfo<TextCase>& info) { return std::string(info.param.name); });

TEST(AppendJsonStringTest, QuotesAndEscapes) {
  std::string out = "x=";
  AppendJsonString("say \"hi\"\n", &out);
  EXPECT_EQ(out, "x=\"say \\\"hi\\\"\\n\"");
}

// B3/F9: whatever reaches the writer, the document stays parseable JSON.
TEST(AppendJsonStringTest, IllFormedUtf8BecomesReplacementCharacter) {
  std::string out;
  AppendJsonString("caf\xE9 \xC3\xA9 \xF0\x9F\x98\x80 \xED\xA0\x80 \xE2\x82", &out);
  EXPECT_EQ(out,
            "\"caf\xEF\xBF\xBD \xC3\xA9 \xF0\x9F\x98\x80 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
            "\xEF\xBF\xBD\"");
  EXPECT_TRUE(nlohmann::json::accept(out));
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(),
            "caf\xEF\xBF\xBD \xC3\xA9 \xF0\x9F\x98\x80 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
            "\xEF\xBF\xBD");
}

TEST(AppendJsonStringTest, ValidTextIsCopiedUnchanged) {
  std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";
  std::string out;
  AppendJsonString(text, &out);
  EXPECT_EQ(out, "\"" + text + "\"");
}

TEST(ValueTest, BytesAreHexInTextAndJson) {
  Value v =
      Value::BytesValue(std::string("\x00\xFF\x10"
                                    "a",
                                    4));
  EXPECT_EQ(v.type(), Type::kBytes);
  EXPECT_EQ(v.bytes_value(), std::string("\x00\xFF\x10"
                                         "a",
                                         4));
  EXPECT_EQ(v.ToText(), "\\x00ff1061");
  EXPECT_EQ(v.ToJson(), "\"\\\\x00ff1061\"");
  EXPECT_EQ(v, Value::BytesValue(std::string("\x00\xFF\x10"
                                             "a",
                                             4)));
  EXPECT_FALSE(v == Value::String(std::string("\x00\xFF\x10"
                                              "a",
                                              4)));
  EXPECT_EQ(Value::BytesValue("").ToText(), "\\x");
}

TEST(ValueTest, NonFiniteDoublesStillWriteValidJson) {
  std::string out = "[";
  Value::Double(std::nan("")).AppendJson(&out);
  out += ",";
  Value::Double(-std::numeric_limits<double>::infinity()).AppendJson(&out);
  out += "]";
  EXPECT_TRUE(nlohmann::json::accept(out)) << out;
}

TEST(ValueEqualityTest, SameTypeAndValue) {
  EXPECT_EQ(Value::Null(), Value());
  EXPECT_EQ(Value::Int64(3), Value::Int64(3));
  EXPECT_NE(Value::Int64(3), Value::Int64(4));
  EXPECT_EQ(Value::String("a"), Value::String("a"));
  EXPECT_NE(Value::String("a"), Value::String("A"));
  EXPECT_EQ(Value::Dec("1.50"), Value::Dec("1.50"));
  EXPECT_EQ(Value::DateValue(5), Value::DateValue(5));
  EXPECT_NE(Value::DateValue(5), Value::DateValue(6));
  EXPECT_EQ(Value::TimestampValue(5), Value::TimestampValue(5));
  EXPECT_EQ(Value::Bool(true), Value::Bool(true));
  EXPECT_NE(Value::Bool(true), Value::Bool(false));
}

TEST(ValueEqualityTest, DifferentTypesNeverEqual) {
  // Equality is on the typed value, not its text: "1" the string is not 1 the integer.
  EXPECT_NE(Value::Int64(1), Value::String("1"));
  EXPECT_NE(Value::Int64(1), Value::Double(1.0));
  EXPECT_NE(Value::Int64(1), Value::Bool(true));
  EXPECT_NE(Value::Dec("1"), Value::Int64(1));
  EXPECT_NE(Value::DateValue(0), Value::TimestampValue(0));
  EXPECT_NE(Value::Null(), Value::String(""));
  // Decimals compare by their text; the canonical form is the caller's job.
  EXPECT_NE(Value::Dec("1.5"), Value::Dec("1.50"));
}

TEST(ValueEqualityTest, ArraysCompareByContents) {
  Value a = Value::Array({Value::Int64(1), Value::String("x")});
  Value b = Value::Array({Value::Int64(1), Value::String("x")});
  EXPECT_EQ(a, b);  // distinct storage, same items
  EXPECT_NE(a, Value::Array({Value::Int64(1)}));
  EXPECT_NE(a, Value::Array({Value::String("x"), Value::Int64(1)}));
  EXPECT_NE(Value::Array({}), Value::Null());
  Value copy = a;
  EXPECT_EQ(copy, a);
}

}  // namespace
}  // namespace wsync::core
