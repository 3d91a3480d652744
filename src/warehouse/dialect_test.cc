#include "warehouse/dialect.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/time.h"
#include "warehouse/sqlite/sqlite_dialect.h"

namespace wsync::warehouse {
namespace {

// A dialect with visible pieces, to check what the shared statements are made of.
class BracketDialect : public Dialect {
 public:
  SqlDialect guard() const override { return SqlDialect::kPostgres; }
  bool FoldsIdentifierCase() const override { return false; }
  std::string QuoteIdentifier(std::string_view name) const override {
    return "[" + std::string(name) + "]";
  }
  std::string QuoteLiteral(std::string_view text) const override {
    return "'" + std::string(text) + "'";
  }
  std::string SelectFromModel(std::string_view expressions,
                              std::string_view model_sql) const override {
    return "SELECT " + std::string(expressions) + " FROM (" + std::string(model_sql) + ") m";
  }
  std::string IteratorExpression(std::string_view column, IteratorType) const override {
    return "it(" + QuoteIdentifier(column) + ")";
  }
  core::StatusOr<std::string> RangePredicate(const Range& range, bool include_unparsable,
                                             std::vector<SqlParam>* params) const override {
    if (range.lower) params->emplace_back(range.lower->int64_value());
    return std::string(include_unparsable ? "any" : "parsed") + "(" + range.column + ")";
  }
  std::optional<core::Type> ColumnType(std::string_view) const override { return std::nullopt; }
};

TEST(DialectTest, SharedStatementsAreComposedFromTheDialectsPieces) {
  BracketDialect d;
  EXPECT_EQ(d.WrapModel("SELECT 1"), "SELECT * FROM (SELECT 1) m");
  EXPECT_EQ(d.DescribeQuery("SELECT 1"), "SELECT * FROM (SELECT 1) m LIMIT 0");

  std::vector<SqlParam> params;
  auto none = d.ExtractQuery("q", {}, std::nullopt, &params);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, "SELECT * FROM (q) m");
  EXPECT_TRUE(params.empty());

  Range a{.column = "a", .type = IteratorType::kInteger, .lower = core::Value::Int64(5)};
  Range b{.column = "b", .type = IteratorType::kInteger, .include_unparsable = false};
  auto both = d.ExtractQuery("q", {a, b}, -3, &params);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(*both, "SELECT * FROM (q) m WHERE any(a) AND parsed(b) LIMIT ?");
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(params[0]), 5);
  EXPECT_EQ(std::get<int64_t>(params[1]), 0);  // a negative limit reads nothing

  params.clear();
  auto max = d.MaxIteratorQuery("q", a, &params);
  ASSERT_TRUE(max.ok());
  // The bound's own predicate never keeps unparsable values: they have no maximum.
  EXPECT_EQ(*max, "SELECT MAX(it([a])) FROM (q) m WHERE parsed(a)");
  EXPECT_EQ(params.size(), 1u);
}

TEST(DialectTest, StandardQuotingWrappingAndBoundChecks) {
  // SQLite overrides none of the standard pieces.
  const SqliteDialect sqlite;
  const Dialect& d = sqlite;
  EXPECT_EQ(d.QuoteIdentifier("we\"ird"), "\"we\"\"ird\"");
  EXPECT_EQ(d.QuoteIdentifier(""), "\"\"");
  EXPECT_EQ(d.QuoteLiteral("it's"), "'it''s'");
  EXPECT_EQ(d.QuoteLiteral("a\"b\\"), "'a\"b\\'");
  EXPECT_EQ(d.SelectFromModel("MAX(x)", "SELECT 1 -- note"),
            "SELECT MAX(x) FROM (\nSELECT 1 -- note\n) AS m");

  EXPECT_TRUE(CheckRangeBound({.column = "ts", .type = IteratorType::kTimestamp},
                              core::Value::TimestampValue(0))
                  .ok());
  EXPECT_TRUE(
      CheckRangeBound({.column = "d", .type = IteratorType::kDate}, core::Value::DateValue(3))
          .ok());
  EXPECT_TRUE(
      CheckRangeBound({.column = "ms", .type = IteratorType::kUnixMs}, core::Value::Int64(3)).ok());
  core::Status wrong =
      CheckRangeBound({.column = "d", .type = IteratorType::kDate}, core::Value::Int64(7));
  EXPECT_EQ(wrong.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(wrong.message(), "range on column 'd' (date): bound 7 is not a date");
  wrong =
      CheckRangeBound({.column = "n", .type = IteratorType::kInteger}, core::Value::String("7"));
  EXPECT_EQ(wrong.message(), "range on column 'n' (integer): bound 7 is not a int64");
}

TEST(SqliteDialectTest, ImplementsTheInterface) {
  const SqliteDialect sqlite;
  const Dialect& d = sqlite;
  EXPECT_EQ(d.guard(), SqlDialect::kSqlite);
  EXPECT_TRUE(d.FoldsIdentifierCase());
  EXPECT_EQ(d.QuoteIdentifier("we\"ird"), "\"we\"\"ird\"");
  EXPECT_EQ(d.QuoteLiteral("it's"), "'it''s'");
  // The newlines keep a trailing line comment of the model from hiding the ')'.
  EXPECT_EQ(d.WrapModel("SELECT 1 -- note"), "SELECT * FROM (\nSELECT 1 -- note\n) AS m");
  EXPECT_EQ(d.ColumnType("BIGINT"), core::Type::kInt64);
  EXPECT_EQ(d.ColumnType(""), std::nullopt);
  EXPECT_EQ(SqliteDialect::TypeFromDeclared(nullptr), std::nullopt);

  Range r{.column = "n",
          .type = IteratorType::kInteger,
          .lower = core::Value::Int64(1),
          .upper = core::Value::Int64(9)};
  std::vector<SqlParam> params;
  auto text = d.ExtractQuery("SELECT n FROM t", {r}, 10, &params);
  ASSERT_TRUE(text.ok());
  const std::string n = d.IteratorExpression("n", IteratorType::kInteger);
  EXPECT_EQ(*text, "SELECT * FROM (\nSELECT n FROM t\n) AS m WHERE ((" + n + " IS NOT NULL AND " +
                       n + " > ? AND " + n + " <= ?) OR (m.\"n\" IS NOT NULL AND " + n +
                       " IS NULL)) LIMIT ?");
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(std::get<int64_t>(params[0]), 1);
  EXPECT_EQ(std::get<int64_t>(params[1]), 9);
  EXPECT_EQ(std::get<int64_t>(params[2]), 10);

  // Bounds of the wrong kind are refused, naming the column.
  Range wrong{.column = "ts", .lower = core::Value::Int64(1)};
  params.clear();
  auto refused = d.MaxIteratorQuery("SELECT ts FROM t", wrong, &params);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("range on column 'ts'"), std::string::npos);
}

}  // namespace
}  // namespace wsync::warehouse
