#include "core/column_lookup.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wsync::core {
namespace {

std::vector<Column> Columns(std::vector<std::string> names) {
  std::vector<Column> out;
  for (std::string& n : names) out.push_back({std::move(n), Type::kString, false});
  return out;
}

TEST(ColumnLookupTest, ExactNameWins) {
  std::vector<Column> columns = Columns({"ID", "id", "Email"});
  EXPECT_EQ(*FindColumn(columns, "id"), 1u);
  EXPECT_EQ(*FindColumn(columns, "ID"), 0u);
}

TEST(ColumnLookupTest, OneCaseInsensitiveMatchIsTaken) {
  std::vector<Column> columns = Columns({"ID", "Email"});
  EXPECT_EQ(*FindColumn(columns, "email"), 1u);
  EXPECT_EQ(*FindColumn(columns, "EMAIL"), 1u);
  EXPECT_EQ(*FindColumn(columns, "id"), 0u);
}

TEST(ColumnLookupTest, MissingIsNotFound) {
  StatusOr<size_t> found = FindColumn(Columns({"id"}), "email");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(found.status().message(), "the model has no column 'email'");
  EXPECT_EQ(FindColumn(Columns({}), "x").status().code(), StatusCode::kNotFound);
}

TEST(ColumnLookupTest, SeveralMatchesByCaseAreAnErrorNamingThem) {
  StatusOr<size_t> found = FindColumn(Columns({"ID", "Id", "email"}), "id");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(found.status().message(),
            "column 'id' matches several columns of the model by case: 'ID', 'Id'; write the "
            "name exactly as the model spells it");
}

TEST(ColumnLookupTest, CandidateListIsBounded) {
  // "ab" has four case variants; a model holding each twice is possible in a warehouse that
  // keeps duplicate names.
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) {
    for (const char* n : {"AB", "Ab", "aB", "AB"}) names.push_back(n);
  }
  StatusOr<size_t> found = FindColumn(names, "ab");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().message(),
            "column 'ab' matches several columns of the model by case: 'AB', 'Ab', 'aB', 'AB', "
            "'AB', 'Ab', 'aB', 'AB', 'AB', 'Ab' and 2 more; write the name exactly as the model "
            "spells it");
}

TEST(ColumnLookupTest, OnlyAsciiFoldsAndNamesAreQuotedForMessages) {
  EXPECT_TRUE(EqualsIgnoringCase("Straße_ID", "straße_id"));
  EXPECT_FALSE(EqualsIgnoringCase("É", "é"));  // no Unicode folding: SQL identifiers fold ASCII
  EXPECT_FALSE(EqualsIgnoringCase("a", "ab"));
  // Names from a warehouse may be ill-formed UTF-8; messages never carry such bytes.
  StatusOr<size_t> found = FindColumn(std::vector<std::string>{"x\xff", "X\xff"}, "x\xFF");
  EXPECT_EQ(*found, 0u);
  found = FindColumn(std::vector<std::string>{"a\xff", "A\xff"}, "a\xfe");
  EXPECT_EQ(found.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(found.status().message(), "the model has no column 'a\xEF\xBF\xBD'");
}

}  // namespace
}  // namespace wsync::core
