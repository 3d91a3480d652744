#include "warehouse/type_inference.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace wsync::warehouse {
namespace {

using core::Type;
using core::Value;

Type InferFrom(const std::vector<Value>& values) {
  TypeInference inference(1);
  for (const Value& v : values) inference.Add(core::Row{v});
  return inference.Inferred(0);
}

TEST(TypeInferenceTest, TheRule) {
  EXPECT_EQ(InferFrom({}), Type::kString);
  EXPECT_EQ(InferFrom({Value::Null(), Value::Null()}), Type::kString);
  EXPECT_EQ(InferFrom({Value::Int64(1), Value::Null(), Value::Int64(2)}), Type::kInt64);
  EXPECT_EQ(InferFrom({Value::Double(1.5)}), Type::kDouble);
  EXPECT_EQ(InferFrom({Value::Int64(1), Value::Double(1.5)}), Type::kDouble);
  EXPECT_EQ(InferFrom({Value::Int64(1), Value::Dec("1.50")}), Type::kDecimal);
  EXPECT_EQ(InferFrom({Value::BytesValue("\x01")}), Type::kBytes);
  EXPECT_EQ(InferFrom({Value::BytesValue("\x01"), Value::Int64(1)}), Type::kString);
  EXPECT_EQ(InferFrom({Value::String("a"), Value::Int64(1)}), Type::kString);
  EXPECT_EQ(InferFrom({Value::Double(1.5), Value::Dec("1.5")}), Type::kString);
  EXPECT_EQ(InferFrom({Value::Bool(true), Value::Null()}), Type::kBool);
  EXPECT_EQ(InferFrom({Value::TimestampValue(0), Value::TimestampValue(5)}), Type::kTimestamp);
  EXPECT_EQ(InferFrom({Value::TimestampValue(0), Value::DateValue(5)}), Type::kString);
}

TEST(TypeInferenceTest, DeclaredTypesWinAndInferredOnesAreMarked) {
  TypeInference inference(3);
  inference.Add({Value::Int64(1), Value::String("x"), Value::Double(2.5)});
  inference.Add({Value::Null(), Value::String("y"), Value::Int64(3)});
  EXPECT_EQ(inference.rows(), 2u);
  std::vector<core::Column> columns =
      inference.Columns({"a", "b", "c"}, {std::nullopt, Type::kDate, std::nullopt});
  ASSERT_EQ(columns.size(), 3u);
  EXPECT_EQ(columns[0].name, "a");
  EXPECT_EQ(columns[0].type, Type::kInt64);
  EXPECT_TRUE(columns[0].inferred);
  EXPECT_EQ(columns[1].type, Type::kDate);  // declared, whatever the values were
  EXPECT_FALSE(columns[1].inferred);
  EXPECT_EQ(columns[2].type, Type::kDouble);
  EXPECT_TRUE(columns[2].inferred);
  EXPECT_EQ(InferredTypeWarning(columns[2], inference.rows()),
            "column 'c' has no declared type; double was inferred from 2 sample rows");
}

TEST(TypeInferenceTest, ConnectorsVoteWithoutConvertingValues) {
  // A driver's storage classes, as the SQLite connector reads them during discovery.
  TypeInference inference(2);
  const std::vector<std::vector<Type>> rows = {{Type::kInt64, Type::kNull},
                                               {Type::kDouble, Type::kBytes}};
  for (const auto& row : rows) inference.AddRow([&](size_t i) { return row[i]; });
  EXPECT_EQ(inference.rows(), 2u);
  EXPECT_EQ(inference.Inferred(0), Type::kDouble);
  EXPECT_EQ(inference.Inferred(1), Type::kBytes);
  // Short rows count their missing cells as NULL; names beyond the votes are strings.
  inference.Add({Value::String("s")});
  EXPECT_EQ(inference.Inferred(0), Type::kString);
  EXPECT_EQ(inference.Inferred(1), Type::kBytes);
  EXPECT_EQ(inference.Inferred(7), Type::kString);
}

TEST(TypeInferenceTest, WarningNamesAreValidUtf8) {
  core::Column c{"bad\xff", Type::kInt64, true};
  EXPECT_EQ(InferredTypeWarning(c, 1),
            "column 'bad\xEF\xBF\xBD' has no declared type; int64 was inferred from 1 sample rows");
}

}  // namespace
}  // namespace wsync::warehouse
