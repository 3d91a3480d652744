#include "warehouse/sqlite/sqlite_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "core/time.h"
#include "warehouse/sqlite/sqlite_dialect.h"

namespace wsync::core {
// Readable failures: gtest would otherwise print the bytes of the variant.
void PrintTo(const Value& v, std::ostream* os) { *os << TypeName(v.type()) << ":" << v.ToText(); }
}  // namespace wsync::core

namespace wsync::warehouse {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

int64_t Ts(std::string_view text) { return *core::ParseTimestamp(text); }
core::Value TsValue(std::string_view text) { return core::Value::TimestampValue(Ts(text)); }
core::Value DateValue(std::string_view text) {
  return core::Value::DateValue(*core::ParseDate(text));
}

class SqliteConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (std::filesystem::temp_directory_path() / "wsync-sqlite-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    path_ = (std::filesystem::path(dir_) / "warehouse.db").string();
    // API clients' files: the test directory is the one the operator allows.
    core::StatusOr<SqliteOptions> options = ResolveSqliteOptions({dir_}, "");
    ASSERT_TRUE(options.ok()) << options.status().ToString();
    options_ = *options;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void MakeDb(const std::string& script) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, script.c_str(), nullptr, nullptr, &err);
    std::string message = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  }

  std::unique_ptr<Connector> Connect(nlohmann::json config = {},
                                     ConnectorContext context = ConnectorContext()) {
    if (!config.contains("path")) config["path"] = path_;
    core::StatusOr<std::unique_ptr<Connector>> c = NewSqliteConnector(config, context, options_);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  // Every row of the query, checking that the batch sizes are as expected when given.
  std::vector<core::Row> ReadAll(const Query& query, std::vector<size_t>* sizes = nullptr) {
    auto stream = Connect()->Execute(query);
    EXPECT_TRUE(stream.ok()) << stream.status().ToString();
    if (!stream.ok()) return {};
    std::vector<core::Row> rows;
    core::RowBatch batch;
    for (;;) {
      core::StatusOr<bool> more = (*stream)->Next(&batch);
      EXPECT_TRUE(more.ok()) << more.status().ToString();
      if (!more.ok() || !*more) break;
      if (sizes) sizes->push_back(batch.rows.size());
      for (core::Row& r : batch.rows) rows.push_back(std::move(r));
    }
    EXPECT_TRUE(batch.rows.empty());
    return rows;
  }

  // The first column of every row, as int64 (the ids of the rows a range selects).
  std::vector<int64_t> Ids(const Query& query) {
    std::vector<int64_t> ids;
    for (const core::Row& r : ReadAll(query)) ids.push_back(r[0].int64_value());
    return ids;
  }

  std::string dir_;
  std::string path_;
  SqliteOptions options_;
};

void ExpectError(const core::Status& s, core::StatusCode code, std::string_view part) {
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr(part));
}

TEST_F(SqliteConnectorTest, ConfigNeedsAPathAndNeverOpensTheFile) {
  ExpectError(NewSqliteConnector(nlohmann::json::object()).status(),
              core::StatusCode::kInvalidArgument, "config.path");
  ExpectError(NewSqliteConnector({{"path", 42}}).status(), core::StatusCode::kInvalidArgument,
              "config.path");
  ExpectError(NewSqliteConnector({{"path", path_}, {"max_columns", 0}}).status(),
              core::StatusCode::kInvalidArgument, "config.max_columns");
  EXPECT_TRUE(NewSqliteConnector({{"path", path_}}).ok());
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(SqliteConnectorTest, RegistryCreatesSqlite) {
  Registry registry;
  RegisterSqlite(&registry);
  EXPECT_TRUE(registry.Has("sqlite"));
  EXPECT_FALSE(registry.Has("postgres"));
  EXPECT_TRUE(registry.Create("sqlite", {{"path", path_}}).ok());
  ExpectError(registry.Create("postgres", {{"path", path_}}).status(),
              core::StatusCode::kInvalidArgument, "unknown warehouse provider 'postgres'");
  ExpectError(registry.Create("sqlite", nlohmann::json::object()).status(),
              core::StatusCode::kInvalidArgument, "config.path");
}

TEST_F(SqliteConnectorTest, Verify) {
  MakeDb("CREATE TABLE t(a INTEGER);");
  EXPECT_TRUE(Connect()->Verify().ok());
}

// An API client learns only that it cannot have the file; an operator's config says why.
TEST_F(SqliteConnectorTest, VerifyMissingFileIsNotFoundAndCreatesNothing) {
  core::Status s = Connect()->Verify();
  ExpectError(s, core::StatusCode::kNotFound, "SQLite database '" + path_ + "' is not available");
  EXPECT_FALSE(std::filesystem::exists(path_));
  ExpectError(Connect()->Discover("SELECT 1", 10).status(), core::StatusCode::kNotFound,
              "is not available");
  ExpectError(Connect({}, {.trusted = true})->Verify(), core::StatusCode::kNotFound,
              "SQLite database '" + path_ + "' does not exist");
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(SqliteConnectorTest, VerifyRefusesAFileThatIsNotADatabase) {
  std::ofstream(path_) << "this is not a database, just text long enough to have a header......"
                          "........................................................";
  ExpectError(Connect()->Verify(), core::StatusCode::kInvalidArgument,
              "'" + path_ + "' is not a SQLite database");
  ExpectError(Connect({{"path", dir_}})->Verify(), core::StatusCode::kNotFound, "is not available");
  ExpectError(Connect({{"path", dir_}}, {.trusted = true})->Verify(),
              core::StatusCode::kInvalidArgument, "is a directory");
}

TEST_F(SqliteConnectorTest, DiscoverMapsDeclaredTypesAndInfersExpressions) {
  MakeDb(R"(
    CREATE TABLE t(id INTEGER, big BIGINT, price DECIMAL(10,2), amount REAL, ok BOOLEAN,
                   day DATE, at DATETIME, ts TIMESTAMP, name VARCHAR(20), body BLOB, cost MONEY);
    -- NUMERIC affinity stores well-formed numbers as integer or real whatever their length.
    INSERT INTO t VALUES (1, 10, '12.50', 1.5, 1, '2024-03-05', '2024-01-01 10:00:00',
                          1704103200, 'ann', x'6869', 3);
    INSERT INTO t VALUES (2, 20, 7, 2.5, 0, '2024-03-06', '2024-01-01T10:00:00.5Z', NULL,
                          'bob', NULL, 4.25);
    INSERT INTO t VALUES (3, 30, 0.25, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  )");
  auto d = Connect()->Discover(
      "SELECT id, big, price, amount, ok, day, at, ts, name, body, cost, id * 2 AS doubled, "
      "amount / 2 AS half, upper(name) AS Shout, NULL AS blank, CASE WHEN id = 1 THEN 1 ELSE "
      "2.5 END AS mixed FROM t ORDER BY id;",
      2);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  std::vector<std::tuple<std::string, core::Type, bool>> columns;
  for (const core::Column& c : d->columns) columns.emplace_back(c.name, c.type, c.inferred);
  using T = core::Type;
  EXPECT_THAT(
      columns,
      ElementsAre(std::tuple("id", T::kInt64, false), std::tuple("big", T::kInt64, false),
                  std::tuple("price", T::kDecimal, false), std::tuple("amount", T::kDouble, false),
                  std::tuple("ok", T::kBool, false), std::tuple("day", T::kDate, false),
                  std::tuple("at", T::kTimestamp, false), std::tuple("ts", T::kTimestamp, false),
                  std::tuple("name", T::kString, false), std::tuple("body", T::kString, false),
                  std::tuple("cost", T::kDecimal, false), std::tuple("doubled", T::kInt64, true),
                  std::tuple("half", T::kDouble, true), std::tuple("Shout", T::kString, true),
                  std::tuple("blank", T::kString, true), std::tuple("mixed", T::kDouble, true)));
  ASSERT_EQ(d->sample_rows.size(), 2u);
  using V = core::Value;
  EXPECT_EQ(
      d->sample_rows[0],
      core::Row({V::Int64(1), V::Int64(10), V::Double(12.5), V::Double(1.5), V::Bool(true),
                 DateValue("2024-03-05"), TsValue("2024-01-01T10:00:00Z"),
                 TsValue("2024-01-01T10:00:00Z"), V::String("ann"), V::String("hi"), V::Int64(3),
                 V::Int64(2), V::Double(0.75), V::String("ANN"), V::Null(), V::Int64(1)}));
  EXPECT_EQ(d->sample_rows[1],
            core::Row({V::Int64(2), V::Int64(20), V::Int64(7), V::Double(2.5), V::Bool(false),
                       DateValue("2024-03-06"), TsValue("2024-01-01T10:00:00.5Z"), V::Null(),
                       V::String("bob"), V::Null(), V::Double(4.25), V::Int64(4), V::Double(1.25),
                       V::String("BOB"), V::Null(), V::Double(2.5)}));
  EXPECT_EQ(d->warnings.size(), 5u);
  EXPECT_THAT(d->warnings[0],
              HasSubstr("column 'doubled' has no declared type; int64 was inferred"));
}

TEST_F(SqliteConnectorTest, DiscoverRefusesDuplicateColumnsBadSqlAndWrites) {
  MakeDb("CREATE TABLE t(id INTEGER, name TEXT);");
  auto c = Connect();
  ExpectError(c->Discover("SELECT id, name AS ID FROM t", 10).status(),
              core::StatusCode::kInvalidArgument, "returns column 'ID' more than once");
  ExpectError(c->Discover("SELECT * FROM missing", 10).status(), core::StatusCode::kInvalidArgument,
              "no such table: missing");
  ExpectError(c->Discover("SELECT nope FROM t", 10).status(), core::StatusCode::kInvalidArgument,
              "no such column: nope");
  ExpectError(c->Discover("DELETE FROM t", 10).status(), core::StatusCode::kInvalidArgument,
              "found 'DELETE'");
  ExpectError(c->Execute(Query{.model_sql = "SELECT 1; DROP TABLE t"}).status(),
              core::StatusCode::kInvalidArgument, "single statement");
}

TEST_F(SqliteConnectorTest, DiscoverLimitsColumns) {
  MakeDb("CREATE TABLE t(a INTEGER);");
  std::string sql = "SELECT 0 AS c0";
  for (int i = 1; i < 101; ++i) sql += ", " + std::to_string(i) + " AS c" + std::to_string(i);
  ExpectError(Connect()->Discover(sql, 1).status(), core::StatusCode::kInvalidArgument,
              "the data model returns 101 columns; the limit is 100");
  ExpectError(
      Connect({{"path", path_}, {"max_columns", 2}})->Discover("SELECT 1, 2, 3", 1).status(),
      core::StatusCode::kInvalidArgument, "returns 3 columns; the limit is 2");
  EXPECT_TRUE(Connect({{"path", path_}, {"max_columns", 3}})->Discover("SELECT 1, 2, 3", 1).ok());
}

TEST_F(SqliteConnectorTest, ExecuteStreamsInBoundedBatches) {
  MakeDb(R"(
    CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25000)
    INSERT INTO users SELECT i, 'user-' || i FROM n;
  )");
  auto stream = Connect()->Execute(Query{.model_sql = "SELECT id, name FROM users ORDER BY id"});
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  std::vector<size_t> sizes;
  std::shared_ptr<const std::vector<core::Column>> columns;
  int64_t expected = 1;
  core::RowBatch batch;
  for (;;) {
    core::StatusOr<bool> more = (*stream)->Next(&batch);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    sizes.push_back(batch.rows.size());
    if (!columns) columns = batch.columns;
    EXPECT_EQ(batch.columns.get(), columns.get());
    EXPECT_GT(batch.bytes, batch.rows.size() * 20);
    for (const core::Row& r : batch.rows) {
      ASSERT_EQ(r, core::Row({core::Value::Int64(expected),
                              core::Value::String("user-" + std::to_string(expected))}));
      ++expected;
    }
  }
  EXPECT_THAT(sizes, ElementsAre(10'000, 10'000, 5'000));
  EXPECT_EQ(expected, 25'001);
  EXPECT_TRUE(batch.rows.empty());
  ASSERT_EQ(columns->size(), 2u);
  EXPECT_EQ((*columns)[0].name, "id");
  EXPECT_EQ((*columns)[1].type, core::Type::kString);
  EXPECT_EQ(&(*stream)->columns(), columns.get());

  // Bounded by bytes too: every batch stops at the first row past the budget.
  std::vector<size_t> small;
  Query by_bytes{.model_sql = "SELECT id, name FROM users", .batch_bytes = 4096};
  EXPECT_EQ(ReadAll(by_bytes, &small).size(), 25'000u);
  EXPECT_GT(small.size(), 200u);
  for (size_t n : small) EXPECT_LE(n, 4096u / 38 + 1);  // rows take 38 to 42 bytes

  Query limited{.model_sql = "SELECT id, name FROM users ORDER BY id", .limit = 3};
  EXPECT_EQ(ReadAll(limited).size(), 3u);
}

TEST_F(SqliteConnectorTest, ExecuteOfAnEmptyModelEndsAtOnce) {
  MakeDb("CREATE TABLE t(id INTEGER, v);");
  auto stream = Connect()->Execute(Query{.model_sql = "SELECT id, v, 1 + 1 AS two FROM t"});
  ASSERT_TRUE(stream.ok());
  ASSERT_EQ((*stream)->columns().size(), 3u);
  EXPECT_TRUE((*stream)->columns()[2].inferred);
  EXPECT_EQ((*stream)->columns()[2].type, core::Type::kString);  // no rows to tell
  core::RowBatch batch;
  EXPECT_FALSE(*(*stream)->Next(&batch));
  EXPECT_FALSE(*(*stream)->Next(&batch));
}

TEST_F(SqliteConnectorTest, ConvertsMixedTimeFormats) {
  MakeDb(R"(
    CREATE TABLE ev(id INTEGER, at DATETIME, day DATE);
    INSERT INTO ev VALUES (1, '2024-01-01 10:00:00', '2024-03-05'),
                          (2, '2024-01-01T10:00:00.5Z', '2024-03-05T23:30:00-02:00'),
                          (3, '2024-01-01T12:00:00+02:00', 259200),
                          (4, 1704103200, 'garbage'),
                          (5, 2460310.9166666665, 2460310.9166666665),
                          (6, 'not a time', NULL),
                          (7, '2024-01-01T10:00:00.123456Z', NULL),
                          (8, NULL, NULL);
  )");
  std::vector<core::Row> rows = ReadAll(Query{.model_sql = "SELECT at, day FROM ev ORDER BY id"});
  using V = core::Value;
  EXPECT_THAT(rows,
              ElementsAre(core::Row{V::TimestampValue(1704103200'000000), DateValue("2024-03-05")},
                          core::Row{V::TimestampValue(1704103200'500000), DateValue("2024-03-06")},
                          core::Row{V::TimestampValue(1704103200'000000), V::DateValue(3)},
                          core::Row{V::TimestampValue(1704103200'000000), V::String("garbage")},
                          core::Row{V::TimestampValue(1704103200'000000), DateValue("2024-01-01")},
                          core::Row{V::String("not a time"), V::Null()},
                          core::Row{V::TimestampValue(1704103200'123456), V::Null()},
                          core::Row{V::Null(), V::Null()}));
}

class SqliteRangeTest : public SqliteConnectorTest {
 protected:
  void SetUp() override {
    SqliteConnectorTest::SetUp();
    MakeDb(R"(
      CREATE TABLE ev(id INTEGER, at DATETIME);
      INSERT INTO ev VALUES (1, '2024-01-01 09:00:00'), (2, '2024-01-01 10:00:00'),
                            (3, '2024-01-01T10:00:00Z'), (4, 1704106800),
                            (5, '2024-01-01T12:00:00+01:00'), (6, '2024-01-01 12:00:00.250'),
                            (7, NULL), (8, 'garbage');
      CREATE TABLE ver(id INTEGER, v TEXT);
      INSERT INTO ver VALUES (1, '5'), (2, '10'), (3, '9'), (4, '10'), (5, 'x12'), (6, ' 11 '),
                             (7, NULL), (8, '7.5');
      CREATE TABLE days(id INTEGER, day DATE);
      INSERT INTO days VALUES (1, '2024-01-01'), (2, '2024-01-02'), (3, '2024-01-02T05:00:00Z'),
                              (4, '2024-01-03'), (5, 1704240000), (6, 'soon');
      CREATE TABLE clicks(id INTEGER, ms INTEGER);
      INSERT INTO clicks VALUES (1, 1704103200000), (2, 1704103200500), (3, NULL);
    )");
  }

  static Range TsRange(std::optional<std::string_view> lower,
                       std::optional<std::string_view> upper) {
    Range r{.column = "at", .type = IteratorType::kTimestamp, .include_unparsable = false};
    if (lower) r.lower = TsValue(*lower);
    if (upper) r.upper = TsValue(*upper);
    return r;
  }
};

TEST_F(SqliteRangeTest, TimestampLowerExclusiveUpperInclusive) {
  std::string model = "SELECT id, at FROM ev ORDER BY id";
  // 10:00 is shared by rows 2 and 3 (two text forms), 11:00 by 4 and 5 (integer, offset).
  EXPECT_THAT(Ids({.model_sql = model,
                   .ranges = {TsRange("2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z")}}),
              ElementsAre(4, 5));
  EXPECT_THAT(Ids({.model_sql = model,
                   .ranges = {TsRange("2024-01-01T09:00:00Z", "2024-01-01T10:00:00Z")}}),
              ElementsAre(2, 3));
  Range inclusive = TsRange("2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z");
  inclusive.lower_inclusive = true;
  inclusive.upper_exclusive = true;
  EXPECT_THAT(Ids({.model_sql = model, .ranges = {inclusive}}), ElementsAre(2, 3));
  EXPECT_THAT(Ids({.model_sql = model, .ranges = {TsRange("2024-01-01T11:00:00Z", std::nullopt)}}),
              ElementsAre(6));
  // Millisecond bounds: 12:00:00.250 is above .249 and not above .250.
  EXPECT_THAT(
      Ids({.model_sql = model, .ranges = {TsRange("2024-01-01T12:00:00.249Z", std::nullopt)}}),
      ElementsAre(6));
  EXPECT_THAT(
      Ids({.model_sql = model, .ranges = {TsRange("2024-01-01T12:00:00.250Z", std::nullopt)}}),
      ElementsAre());
  EXPECT_THAT(Ids({.model_sql = model, .ranges = {TsRange(std::nullopt, std::nullopt)}}),
              ElementsAre(1, 2, 3, 4, 5, 6));
}

TEST_F(SqliteRangeTest, IncludeUnparsableReturnsThemButNeverNulls) {
  Range r = TsRange("2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z");
  r.include_unparsable = true;
  std::vector<core::Row> rows =
      ReadAll({.model_sql = "SELECT id, at FROM ev ORDER BY id", .ranges = {r}});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][0].int64_value(), 4);
  EXPECT_EQ(rows[1][0].int64_value(), 5);
  EXPECT_EQ(rows[2], core::Row({core::Value::Int64(8), core::Value::String("garbage")}));
}

TEST_F(SqliteRangeTest, IntegerIteratorStoredAsText) {
  std::string model = "SELECT id, v FROM ver ORDER BY id";
  Range r{.column = "v",
          .type = IteratorType::kInteger,
          .lower = core::Value::Int64(5),
          .upper = core::Value::Int64(10),
          .include_unparsable = false};
  // As text, '10' < '5' and '9' > '10'; compared as integers they fall in (5, 10].
  EXPECT_THAT(Ids({.model_sql = model, .ranges = {r}}), ElementsAre(2, 3, 4));
  r.include_unparsable = true;
  EXPECT_THAT(Ids({.model_sql = model, .ranges = {r}}), ElementsAre(2, 3, 4, 5, 8));
  r.upper.reset();
  r.include_unparsable = false;
  EXPECT_THAT(Ids({.model_sql = model, .ranges = {r}}), ElementsAre(2, 3, 4, 6));
}

TEST_F(SqliteRangeTest, DateIterator) {
  Range r{.column = "day",
          .type = IteratorType::kDate,
          .lower = DateValue("2024-01-01"),
          .upper = DateValue("2024-01-02"),
          .include_unparsable = false};
  std::string model = "SELECT id, day FROM days ORDER BY id";
  EXPECT_THAT(Ids({.model_sql = model, .ranges = {r}}), ElementsAre(2, 3));
  r.upper.reset();
  EXPECT_THAT(Ids({.model_sql = model, .ranges = {r}}), ElementsAre(2, 3, 4, 5));
  r.include_unparsable = true;
  EXPECT_THAT(Ids({.model_sql = model, .ranges = {r}}), ElementsAre(2, 3, 4, 5, 6));
}

TEST_F(SqliteRangeTest, RangesAreAndedAndCheckTheirColumnAndBounds) {
  Range a = TsRange("2024-01-01T09:00:00Z", std::nullopt);
  Range b = TsRange(std::nullopt, "2024-01-01T11:00:00Z");
  b.upper_exclusive = true;
  EXPECT_THAT(Ids({.model_sql = "SELECT id, at FROM ev ORDER BY id", .ranges = {a, b}}),
              ElementsAre(2, 3));
  auto c = Connect();
  Range missing{.column = "nope"};
  ExpectError(c->Execute({.model_sql = "SELECT id, at FROM ev", .ranges = {missing}}).status(),
              core::StatusCode::kInvalidArgument,
              "the iterator column 'nope' is not a column of the data model");
  Range wrong{.column = "at", .type = IteratorType::kTimestamp, .lower = core::Value::Int64(1)};
  ExpectError(c->Execute({.model_sql = "SELECT id, at FROM ev", .ranges = {wrong}}).status(),
              core::StatusCode::kInvalidArgument, "bound 1 is not a timestamp");
}

TEST_F(SqliteRangeTest, MaxIterator) {
  auto c = Connect();
  const std::string ev = "SELECT id, at FROM ev";
  auto max = c->MaxIterator(ev, TsRange(std::nullopt, std::nullopt));
  ASSERT_TRUE(max.ok()) << max.status().ToString();
  EXPECT_EQ(*max, TsValue("2024-01-01T12:00:00.25Z"));
  EXPECT_EQ(*c->MaxIterator(ev, TsRange(std::nullopt, "2024-01-01T11:59:59Z")),
            TsValue("2024-01-01T11:00:00Z"));
  EXPECT_EQ(*c->MaxIterator(ev, TsRange("2024-01-01T12:00:00.250Z", std::nullopt)),
            core::Value::Null());
  EXPECT_EQ(
      *c->MaxIterator("SELECT id, at FROM ev WHERE id > 100", TsRange(std::nullopt, std::nullopt)),
      core::Value::Null());

  Range v{.column = "v", .type = IteratorType::kInteger};
  EXPECT_EQ(*c->MaxIterator("SELECT v FROM ver", v), core::Value::Int64(11));
  v.upper = core::Value::Int64(10);
  EXPECT_EQ(*c->MaxIterator("SELECT v FROM ver", v), core::Value::Int64(10));

  Range day{.column = "day", .type = IteratorType::kDate};
  EXPECT_EQ(*c->MaxIterator("SELECT day FROM days", day), DateValue("2024-01-03"));
  day.upper = DateValue("2024-01-02");
  day.upper_exclusive = true;
  EXPECT_EQ(*c->MaxIterator("SELECT day FROM days", day), DateValue("2024-01-01"));

  Range ms{.column = "ms", .type = IteratorType::kUnixMs};
  EXPECT_EQ(*c->MaxIterator("SELECT ms FROM clicks", ms), core::Value::Int64(1704103200500));
  Range s{.column = "ms", .type = IteratorType::kUnixS, .lower = core::Value::Int64(1704103200500)};
  EXPECT_EQ(*c->MaxIterator("SELECT ms FROM clicks", s), core::Value::Null());

  ExpectError(c->MaxIterator("DROP TABLE ev", v).status(), core::StatusCode::kInvalidArgument,
              "found 'DROP'");
}

TEST_F(SqliteRangeTest, MaxIteratorKeepsMillisecondsOnly) {
  MakeDb("CREATE TABLE fine(at TEXT); INSERT INTO fine VALUES ('2024-01-01T10:00:00.123456Z');");
  Range r{.column = "at", .type = IteratorType::kTimestamp};
  EXPECT_EQ(*Connect()->MaxIterator("SELECT at FROM fine", r), TsValue("2024-01-01T10:00:00.123Z"));
}

TEST(SqliteDialectTest, QuotesAndFormats) {
  EXPECT_EQ(SqliteDialect::QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(SqliteDialect::FormatTimestampBound(Ts("2024-01-01T10:00:00.1234Z")),
            "2024-01-01 10:00:00.123");
  EXPECT_EQ(SqliteDialect::FormatTimestampBound(Ts("2024-01-01T23:59:59.9996Z")),
            "2024-01-02 00:00:00.000");
  EXPECT_EQ(SqliteDialect::FormatTimestampBound(-1), "1970-01-01 00:00:00.000");
  EXPECT_EQ(SqliteDialect::TypeFromDeclared("unsigned big int"), core::Type::kInt64);
  EXPECT_EQ(SqliteDialect::TypeFromDeclared("NVARCHAR(10)"), core::Type::kString);
  EXPECT_EQ(SqliteDialect::TypeFromDeclared("double precision"), core::Type::kDouble);
  EXPECT_EQ(SqliteDialect::TypeFromDeclared("timestamp with time zone"), core::Type::kTimestamp);
  EXPECT_EQ(SqliteDialect::TypeFromDeclared(nullptr), std::nullopt);
}

TEST_F(SqliteConnectorTest, ReadingQueriesRunOnTheLockedDownConnection) {
  MakeDb(
      "CREATE TABLE t(id INTEGER, grp TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'a'), (3, 'b');");
  auto c = Connect();
  for (std::string_view sql :
       {"SELECT value FROM json_each('[1, 2]')", "SELECT name FROM pragma_table_info('t')",
        "SELECT id, sum(id) OVER (PARTITION BY grp ORDER BY id) AS running FROM t",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT i FROM "
        "n",
        "SELECT grp, count(*) AS n FROM t GROUP BY grp HAVING count(*) > 1",
        "SELECT name FROM sqlite_schema"}) {
    auto d = c->Discover(sql, 10);
    EXPECT_TRUE(d.ok()) << sql << ": " << d.status().ToString();
  }
  // What the guard lets through but must not run: loading code (off unless enabled).
  ExpectError(c->Discover("SELECT load_extension('/tmp/x.so')", 1).status(),
              core::StatusCode::kInvalidArgument, "not authorized");
}

TEST_F(SqliteConnectorTest, NeverWritesTheFile) {
  MakeDb(R"(
    CREATE TABLE t(id INTEGER PRIMARY KEY, at TEXT);
    INSERT INTO t VALUES (1, '2024-01-01'), (2, '2024-01-02');
  )");
  auto read = [&] {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  std::string before = read();
  auto mtime = std::filesystem::last_write_time(path_);
  auto c = Connect();
  ASSERT_TRUE(c->Verify().ok());
  ASSERT_TRUE(c->Discover("WITH x AS (SELECT id, at FROM t) SELECT * FROM x", 10).ok());
  EXPECT_EQ(ReadAll({.model_sql = "WITH x AS (SELECT id, at FROM t) SELECT * FROM x"}).size(), 2u);
  Range r{.column = "at", .type = IteratorType::kDate};
  EXPECT_EQ(*c->MaxIterator("SELECT at FROM t", r), DateValue("2024-01-02"));
  // The guard refuses writes first; the read-only connection and its authorizer stay behind it.
  ExpectError(c->Discover("SELECT * FROM t; DELETE FROM t", 10).status(),
              core::StatusCode::kInvalidArgument, "single statement");
  EXPECT_EQ(read(), before);
  EXPECT_EQ(std::filesystem::last_write_time(path_), mtime);
  EXPECT_FALSE(std::filesystem::exists(path_ + "-journal"));
  EXPECT_FALSE(std::filesystem::exists(path_ + "-wal"));
}

}  // namespace
}  // namespace wsync::warehouse
