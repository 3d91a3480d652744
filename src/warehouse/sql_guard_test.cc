#include "warehouse/sql_guard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "warehouse/connector.h"

namespace wsync::warehouse {
namespace {

using ::testing::HasSubstr;

void ExpectRefused(std::string_view sql, std::string_view message_part,
                   SqlDialect dialect = SqlDialect::kSqlite) {
  core::StatusOr<std::string> r = CheckReadOnlySql(sql, dialect);
  ASSERT_FALSE(r.ok()) << sql;
  EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument) << sql;
  EXPECT_THAT(r.status().message(), HasSubstr(message_part)) << sql;
}

void ExpectAccepted(std::string_view sql, std::string_view returned,
                    SqlDialect dialect = SqlDialect::kSqlite) {
  core::StatusOr<std::string> r = CheckReadOnlySql(sql, dialect);
  ASSERT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  EXPECT_EQ(*r, returned);
}

TEST(SqlGuardTest, RefusesWritesByName) {
  ExpectRefused("DELETE FROM users", "must start with SELECT or WITH, found 'DELETE'");
  ExpectRefused("INSERT INTO t VALUES (1)", "must start with SELECT or WITH, found 'INSERT'");
  ExpectRefused("UPDATE t SET a = 1", "must start with SELECT or WITH, found 'UPDATE'");
  ExpectRefused("WITH x AS (SELECT 1) DELETE FROM t",
                "the data model is read-only: 'DELETE' is not allowed");
  ExpectRefused("WITH gone AS (DELETE FROM t RETURNING *) SELECT * FROM gone",
                "the data model is read-only: 'DELETE' is not allowed");
  ExpectRefused("SELECT * FROM t WHERE 1 = (SELECT 1 FROM x); DROP TABLE t",
                "the data model must be a single statement");
  ExpectRefused("SELECT 1 FROM t WHERE EXISTS (SELECT 1) AND drop_me(DROP)",
                "the data model is read-only: 'DROP' is not allowed");
  ExpectRefused("WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a",
                "the data model is read-only: 'INSERT' is not allowed");
  ExpectRefused("SELECT * FROM t /* ok */ WHERE x IN (SELECT 1) OR update = 1",
                "the data model is read-only: 'UPDATE' is not allowed");
  for (std::string_view word :
       {"MERGE", "CREATE", "ALTER", "TRUNCATE", "GRANT", "REVOKE", "COPY", "CALL"}) {
    ExpectRefused("SELECT 1 " + std::string(word),
                  "the data model is read-only: '" + std::string(word) + "' is not allowed");
  }
}

TEST(SqlGuardTest, RefusesSelectInto) {
  ExpectRefused("SELECT * INTO backup FROM users", "'SELECT ... INTO' is not allowed");
  ExpectRefused("WITH a AS (SELECT 1 AS x) SELECT x INTO t2 FROM a",
                "'SELECT ... INTO' is not allowed");
}

TEST(SqlGuardTest, RefusesTwoStatements) {
  ExpectRefused("SELECT 1; SELECT 2", "the data model must be a single statement");
  ExpectRefused("SELECT 1;;", "the data model must be a single statement");
  ExpectRefused("SELECT 1; -- note\n SELECT 2", "the data model must be a single statement");
}

TEST(SqlGuardTest, LowerCaseKeywordsAreKeywords) {
  ExpectRefused("delete from users", "found 'delete'");
  ExpectRefused("select * from t; drop table t", "single statement");
  ExpectRefused("with a as (select 1) select 1 from a where 0 = (select count(*) from b) or drop",
                "'DROP' is not allowed");
  ExpectRefused("select * into t2 from t", "'SELECT ... INTO' is not allowed");
}

TEST(SqlGuardTest, RefusesEmptyAndOtherStarts) {
  ExpectRefused("", "the data model is empty");
  ExpectRefused("  -- only a comment\n /* and another */ ", "the data model is empty");
  ExpectRefused(";", "the data model is empty");
  ExpectRefused("(SELECT 1)", "must start with SELECT or WITH, found '('");
  ExpectRefused("PRAGMA table_info(t)", "found 'PRAGMA'");
  ExpectRefused("ATTACH 'x.db' AS x", "found 'ATTACH'");
}

TEST(SqlGuardTest, RefusesUnterminatedQuotes) {
  ExpectRefused("SELECT 'abc", "unterminated string literal");
  ExpectRefused("SELECT \"abc", "unterminated quoted identifier");
  ExpectRefused("SELECT 1 /* open", "unterminated comment");
  ExpectRefused("SELECT $$abc", "unterminated dollar-quoted string", SqlDialect::kPostgres);
}

TEST(SqlGuardTest, KeywordsInsideLiteralsIdentifiersAndCommentsAreText) {
  ExpectAccepted("SELECT 'DELETE' AS op", "SELECT 'DELETE' AS op");
  ExpectAccepted("SELECT 'it''s; DROP TABLE t' AS s", "SELECT 'it''s; DROP TABLE t' AS s");
  ExpectAccepted("SELECT \"drop\" FROM t", "SELECT \"drop\" FROM t");
  ExpectAccepted("SELECT `delete`, [insert into] FROM t", "SELECT `delete`, [insert into] FROM t");
  ExpectAccepted("SELECT \"a\"\"; drop\" FROM t", "SELECT \"a\"\"; drop\" FROM t");
  ExpectAccepted("SELECT 1 -- delete", "SELECT 1");
  ExpectAccepted("SELECT a /* DROP; INSERT */, b\n-- UPDATE x;\nFROM t",
                 "SELECT a /* DROP; INSERT */, b\n-- UPDATE x;\nFROM t");
  ExpectAccepted("SELECT created_at, updated_at, deleted, into_x FROM t",
                 "SELECT created_at, updated_at, deleted, into_x FROM t");
}

// PostgreSQL's own quoting: dollar quotes and E'' strings with backslash escapes are text.
TEST(SqlGuardTest, PostgresDollarQuotesAndEStringsAreText) {
  ExpectAccepted("SELECT $$; DELETE$$ AS body, $fn$ drop $fn$ AS b",
                 "SELECT $$; DELETE$$ AS body, $fn$ drop $fn$ AS b", SqlDialect::kPostgres);
  ExpectAccepted("SELECT E'it\\'s; DROP' AS s", "SELECT E'it\\'s; DROP' AS s",
                 SqlDialect::kPostgres);
}

// SQLite has neither: the review's bypasses (F13) read as SQLite reads them, so the DELETE
// they hid is seen.
TEST(SqlGuardTest, SqliteHasNoDollarQuotesOrEStrings) {
  ExpectRefused("WITH a AS (SELECT e'\\' FROM (SELECT 1 AS e)) DELETE FROM customers -- '",
                "the data model is read-only: 'DELETE' is not allowed");
  ExpectRefused("WITH x AS (SELECT $a$) DELETE FROM customers WHERE 1=$a$",
                "the data model is read-only: 'DELETE' is not allowed");
  ExpectRefused("SELECT $$; DELETE$$ AS body", "single statement");
  ExpectRefused("SELECT E'it\\'s; DROP' AS s", "unterminated string literal");
  // The default is the SQLite reading.
  EXPECT_FALSE(CheckReadOnlySql("WITH x AS (SELECT $a$) DELETE FROM t WHERE 1=$a$").ok());
  // A backslash is an ordinary character in an SQLite string; `$name` is a parameter.
  ExpectAccepted("SELECT 'C:\\dir\\' AS p, $n AS v", "SELECT 'C:\\dir\\' AS p, $n AS v");
}

TEST(SqlGuardTest, DropsTrailingSemicolonAndBlanks) {
  ExpectAccepted("  SELECT 1  ;  \n", "SELECT 1");
  ExpectAccepted("SELECT 1; -- trailing comment\n", "SELECT 1");
  ExpectAccepted("\n-- leading note\nSELECT 1;", "SELECT 1");
  ExpectAccepted("SELECT 1 /* end */ ;", "SELECT 1");
}

TEST(SqlGuardTest, AcceptsWith) {
  ExpectAccepted("WITH a AS (SELECT 1 AS x) SELECT x FROM a;",
                 "WITH a AS (SELECT 1 AS x) SELECT x FROM a");
  ExpectAccepted(
      "with recursive n(i) as (select 1 union all select i + 1 from n where i < 3) "
      "select i from n",
      "with recursive n(i) as (select 1 union all select i + 1 from n where i < 3) "
      "select i from n");
}

TEST(IteratorTypeTest, ParsesEverySpelling) {
  struct Case {
    std::string_view name;
    IteratorType type;
  };
  for (const Case& c :
       {Case{"timestamp", IteratorType::kTimestamp}, Case{"datetime", IteratorType::kTimestamp},
        Case{"timestamp_ltz", IteratorType::kTimestamp},
        Case{"TIMESTAMP_NTZ", IteratorType::kTimestamp},
        Case{"timestamp_tz", IteratorType::kTimestamp}, Case{"date", IteratorType::kDate},
        Case{"timestamp_unixtime_ms", IteratorType::kUnixMs},
        Case{"timestamp_unixtime_s", IteratorType::kUnixS},
        Case{"integer", IteratorType::kInteger}}) {
    IteratorType t = IteratorType::kDate;
    ASSERT_TRUE(ParseIteratorType(c.name, &t)) << c.name;
    EXPECT_EQ(t, c.type) << c.name;
  }
  IteratorType t;
  EXPECT_FALSE(ParseIteratorType("float", &t));
  EXPECT_FALSE(ParseIteratorType("", &t));
}

}  // namespace
}  // namespace wsync::warehouse
