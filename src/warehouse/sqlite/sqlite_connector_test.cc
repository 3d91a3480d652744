#include "warehouse/sqlite/sqlite_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/stop_token.h"
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
  EXPECT_TRUE(registry.HasConnector("sqlite"));
  EXPECT_FALSE(registry.HasConnector("postgres"));
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
                  std::tuple("name", T::kString, false), std::tuple("body", T::kBytes, false),
                  std::tuple("cost", T::kDecimal, false), std::tuple("doubled", T::kInt64, true),
                  std::tuple("half", T::kDouble, true), std::tuple("Shout", T::kString, true),
                  std::tuple("blank", T::kString, true), std::tuple("mixed", T::kDouble, true)));
  ASSERT_EQ(d->sample_rows.size(), 2u);
  using V = core::Value;
  EXPECT_EQ(d->sample_rows[0],
            core::Row({V::Int64(1), V::Int64(10), V::Double(12.5), V::Double(1.5), V::Bool(true),
                       DateValue("2024-03-05"), TsValue("2024-01-01T10:00:00Z"),
                       TsValue("2024-01-01T10:00:00Z"), V::String("ann"), V::BytesValue("hi"),
                       V::Int64(3), V::Int64(2), V::Double(0.75), V::String("ANN"), V::Null(),
                       V::Int64(1)}));
  EXPECT_EQ(d->sample_rows[1],
            core::Row({V::Int64(2), V::Int64(20), V::Int64(7), V::Double(2.5), V::Bool(false),
                       DateValue("2024-03-06"), TsValue("2024-01-01T10:00:00.5Z"), V::Null(),
                       V::String("bob"), V::Null(), V::Double(4.25), V::Int64(4), V::Double(1.25),
                       V::String("BOB"), V::Null(), V::Double(2.5)}));
  EXPECT_EQ(d->warnings.size(), 6u);
  EXPECT_EQ(d->warnings[0],
            "column 'body' holds binary data (BLOB): the default mapping skips it and mapping it "
            "is a row error (binary_value); select hex() of it to sync it as text");
  EXPECT_THAT(d->warnings[1],
              HasSubstr("column 'doubled' has no declared type; int64 was inferred"));
}

// B3: a BLOB is binary whatever the column says; Latin-1 text stays text (the mapper refuses it).
TEST_F(SqliteConnectorTest, BlobsAreBytesAndInferredAsBytes) {
  MakeDb(R"(
    CREATE TABLE t(id INTEGER, pic BLOB, note TEXT, raw);
    INSERT INTO t VALUES (1, x'89504e47ff', CAST(x'e9' AS TEXT), x'00ff'),
                         (2, NULL, x'ff', NULL);
  )");
  std::vector<core::Row> rows =
      ReadAll(Query{.model_sql = "SELECT pic, note, raw FROM t ORDER BY id"});
  using V = core::Value;
  EXPECT_THAT(rows, ElementsAre(core::Row{V::BytesValue("\x89PNG\xFF"), V::String("\xE9"),
                                          V::BytesValue(std::string("\x00\xFF", 2))},
                                core::Row{V::Null(), V::BytesValue("\xFF"), V::Null()}));
  auto d = Connect()->Discover("SELECT id, raw, raw || '' AS text_of_raw FROM t", 5);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->columns.size(), 3u);
  EXPECT_EQ(d->columns[1].type, core::Type::kBytes);  // inferred: every value is a BLOB
  EXPECT_TRUE(d->columns[1].inferred);
  EXPECT_EQ(d->columns[2].type, core::Type::kString);
  // A long BLOB's sample is cut to kSampleValueBytes hex characters.
  auto big = Connect()->Discover("SELECT zeroblob(5000) AS z", 1);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->sample_rows[0][0].ToText().size(), 2 + kSampleValueBytes);
}

// S6: the timestamp text forms the mapper reads are exactly those SQLite's strftime reads, so the
// incremental SQL and the mapper agree on every row's time.
TEST_F(SqliteConnectorTest, TimestampOffsetsAgreeWithSqlite) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT strftime('%s', ?1) * 1000000", -1, &stmt, nullptr),
            SQLITE_OK);
  for (const char* text :
       {"2024-01-31T12:00:00+02:00", "2024-01-31T12:00:00+0200", "2024-01-31T12:00:00+02",
        "2024-01-31T12:00:00-05", "2024-01-31 12:00:00 +02:00", "2024-01-31T12:00:00-14:59",
        "2024-01-31T12:00:00+15:00", "2024-01-31T12:00:00+14:00", "2024-01-31T12:00:00,5Z",
        "2024-01-31T12:00:00Z", "2024-01-31T12:00", "2024-01-31T12:00:60", "2024-01-31"}) {
    sqlite3_reset(stmt);
    sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    std::optional<int64_t> ours = core::ParseTimestamp(text);
    if (sqlite3_column_type(stmt, 0) == SQLITE_NULL) {
      EXPECT_EQ(ours, std::nullopt) << text;
    } else {
      ASSERT_TRUE(ours.has_value()) << text;
      EXPECT_EQ(*ours, sqlite3_column_int64(stmt, 0)) << text;
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
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
  EXPECT_EQ(SqliteDialect().QuoteIdentifier("a\"b"), "\"a\"\"b\"");
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

// ---- Confinement (review F1, F12) ----

// A data directory beside the allowed one, as a server has: wsync.db, its WAL and the key.
class SqliteConfinementTest : public SqliteConnectorTest {
 protected:
  void SetUp() override {
    SqliteConnectorTest::SetUp();
    allowed_ = dir_ + "/allowed";
    data_ = dir_ + "/data";
    outside_ = dir_ + "/outside";
    for (const std::string& d : {allowed_, data_, outside_}) std::filesystem::create_directory(d);
    server_db_ = data_ + "/wsync.db";
    MakeDbAt(server_db_,
             "CREATE TABLE credentials(secret_hash TEXT); "
             "INSERT INTO credentials VALUES ('argon2id$secret');");
    std::ofstream(data_ + "/secret.key") << "0123456789abcdef0123456789abcdef";
    MakeDbAt(allowed_ + "/shop.db",
             "CREATE TABLE customers(id INTEGER); INSERT INTO customers "
             "VALUES (1);");
    MakeDbAt(outside_ + "/tenant2.db", "CREATE TABLE customers(id INTEGER);");
    auto options = ResolveSqliteOptions({allowed_}, data_);
    ASSERT_TRUE(options.ok()) << options.status().ToString();
    options_ = *options;
  }

  void MakeDbAt(const std::string& path, const std::string& script) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, script.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }

  core::Status VerifyPath(const std::string& path, bool trusted = false) {
    auto c = NewSqliteConnector({{"path", path}}, {.trusted = trusted}, options_);
    if (!c.ok()) return c.status();
    return (*c)->Verify();
  }

  // The one refusal an API client gets, whatever the reason.
  void ExpectRefused(const std::string& path) {
    core::Status s = VerifyPath(path);
    EXPECT_EQ(s.code(), core::StatusCode::kNotFound) << path << ": " << s.ToString();
    EXPECT_EQ(s.message(), "SQLite database '" + path +
                               "' is not available: config.path must name an existing SQLite "
                               "file under a directory this server allows")
        << path;
  }

  std::string allowed_, data_, outside_, server_db_;
};

TEST_F(SqliteConfinementTest, AFileUnderAnAllowedDirectoryOpens) {
  EXPECT_TRUE(VerifyPath(allowed_ + "/shop.db").ok());
  EXPECT_TRUE(VerifyPath(allowed_ + "/../allowed/./shop.db").ok());
}

TEST_F(SqliteConfinementTest, TheServersOwnDatabaseIsNeverOpenedByAnyPath) {
  ExpectRefused(server_db_);
  ExpectRefused(data_ + "/secret.key");
  ExpectRefused(allowed_ + "/../data/wsync.db");
  // /proc/self/cwd/wsync.db and a relative "wsync.db" while the server's cwd is its data dir.
  std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(data_);
  ExpectRefused("wsync.db");
  ExpectRefused("/proc/self/cwd/wsync.db");
  std::filesystem::current_path(cwd);
  // /proc/self/fd/N of the server's open database.
  sqlite3* open_db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(server_db_.c_str(), &open_db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(open_db, "SELECT * FROM credentials", nullptr, nullptr, nullptr),
            SQLITE_OK);
  int found = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (std::filesystem::read_symlink(entry.path(), ec) == server_db_) {
      ExpectRefused(entry.path().string());
      ++found;
    }
  }
  sqlite3_close(open_db);
  EXPECT_GE(found, 1);
}

TEST_F(SqliteConfinementTest, EvenWhenTheDataDirectoryIsUnderAnAllowedOne) {
  auto options = ResolveSqliteOptions({dir_}, data_);
  ASSERT_TRUE(options.ok());
  options_ = *options;
  ExpectRefused(server_db_);
  std::filesystem::copy_file(allowed_ + "/shop.db", data_ + "/other.db");
  ExpectRefused(data_ + "/other.db");
  // A hard link to wsync.db elsewhere is still wsync.db.
  std::filesystem::create_hard_link(server_db_, outside_ + "/innocent.db");
  ExpectRefused(outside_ + "/innocent.db");
  EXPECT_TRUE(VerifyPath(allowed_ + "/shop.db").ok());
}

TEST_F(SqliteConfinementTest, SymlinksOutOfAnAllowedDirectoryAreRefused) {
  std::filesystem::create_symlink(server_db_, allowed_ + "/link-to-server.db");
  std::filesystem::create_symlink(outside_ + "/tenant2.db", allowed_ + "/link-to-tenant2.db");
  std::filesystem::create_directory_symlink(data_, allowed_ + "/data-link");
  ExpectRefused(allowed_ + "/link-to-server.db");
  ExpectRefused(allowed_ + "/link-to-tenant2.db");
  ExpectRefused(allowed_ + "/data-link/wsync.db");
}

TEST_F(SqliteConfinementTest, OtherFilesOutsideTheAllowedDirectoriesAreRefused) {
  ExpectRefused(outside_ + "/tenant2.db");  // another tenant's warehouse
  ExpectRefused("/etc/passwd");
  ExpectRefused("/proc/self/environ");
  ExpectRefused("/dev/null");
  ExpectRefused("/sys/kernel/notes");
}

TEST_F(SqliteConfinementTest, AMissingFileAndAForbiddenOneLookTheSame) {
  ExpectRefused(allowed_ + "/missing.db");
  ExpectRefused("/etc/shadow");
  ExpectRefused("/etc/no-such-file");
  ExpectRefused(allowed_);  // a directory
  ExpectRefused(outside_);
}

TEST_F(SqliteConfinementTest, AFifoIsRefusedWithoutHanging) {
  std::string fifo = allowed_ + "/pipe.db";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto start = std::chrono::steady_clock::now();
  ExpectRefused(fifo);
  EXPECT_EQ(VerifyPath(fifo, /*trusted=*/true).code(), core::StatusCode::kInvalidArgument);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(SqliteConfinementTest, WithoutAllowedDirectoriesTheErrorTellsTheOperatorWhatToDo) {
  options_ = *ResolveSqliteOptions({}, data_);
  core::Status s = VerifyPath(allowed_ + "/shop.db");
  EXPECT_EQ(s.code(), core::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("this server allows none (the operator starts it with "
                                     "`wsync serve --sqlite-dir DIR`)"));
  ExpectError(ResolveSqliteOptions({dir_ + "/nope"}, data_).status(),
              core::StatusCode::kInvalidArgument, "--sqlite-dir '" + dir_ + "/nope' is not");
}

TEST_F(SqliteConfinementTest, ATrustedConfigReadsAnyFileButTheDeploymentsOwn) {
  EXPECT_TRUE(VerifyPath(outside_ + "/tenant2.db", /*trusted=*/true).ok());
  EXPECT_TRUE(VerifyPath(allowed_ + "/shop.db", /*trusted=*/true).ok());
  ExpectError(VerifyPath(server_db_, true), core::StatusCode::kPermissionDenied,
              "wsync never reads its own files");
  ExpectError(VerifyPath(data_ + "/secret.key", true), core::StatusCode::kPermissionDenied,
              "wsync never reads its own files");
  ExpectError(VerifyPath("/proc/self/root" + server_db_, true), core::StatusCode::kPermissionDenied,
              "wsync never reads its own files");
  std::filesystem::create_hard_link(server_db_, outside_ + "/copy.db");
  ExpectError(VerifyPath(outside_ + "/copy.db", true), core::StatusCode::kPermissionDenied,
              "is one of this deployment's own files");
  // The demo keeps its sample warehouse in the data directory.
  std::filesystem::copy_file(allowed_ + "/shop.db", data_ + "/warehouse.db");
  EXPECT_TRUE(VerifyPath(data_ + "/warehouse.db", true).ok());
}

TEST_F(SqliteConfinementTest, RegisteredOptionsReachTheConnector) {
  Registry registry;
  RegisterSqlite(&registry, options_);
  auto refused = registry.Create("sqlite", {{"path", server_db_}});
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ((*refused)->Verify().code(), core::StatusCode::kNotFound);
  auto ok = registry.Create("sqlite", {{"path", allowed_ + "/shop.db"}});
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE((*ok)->Verify().ok());
}

// ---- Defensive SQLite (review F8) ----

TEST_F(SqliteConnectorTest, Fts3TokenizerAndOtherUnlistedFunctionsAreRefused) {
  MakeDb("CREATE TABLE t(id INTEGER);");
  auto c = Connect();
  ExpectError(c->Discover("SELECT hex(fts3_tokenizer('simple')) AS ptr", 1).status(),
              core::StatusCode::kInvalidArgument, "may not use the function 'fts3_tokenizer'");
  ExpectError(c->Discover("SELECT fts3_tokenizer('evil', x'4141414141414141') AS x", 1).status(),
              core::StatusCode::kInvalidArgument, "may not use the function 'fts3_tokenizer'");
  ExpectError(c->Discover("SELECT load_extension('/tmp/x.so') AS x", 1).status(),
              core::StatusCode::kInvalidArgument, "may not use the function 'load_extension'");
  ExpectError(c->Discover("SELECT sqlite_compileoption_get(0) AS x", 1).status(),
              core::StatusCode::kInvalidArgument, "may not use the function");
}

TEST_F(SqliteConnectorTest, PragmaFunctionsOtherThanSchemaInfoAreRefused) {
  MakeDb("CREATE TABLE t(id INTEGER);");
  auto c = Connect();
  ExpectError(c->Discover("SELECT file FROM pragma_database_list", 1).status(),
              core::StatusCode::kInvalidArgument, "may not use the table 'pragma_database_list'");
  ExpectError(c->Discover("SELECT * FROM pragma_journal_mode('delete')", 1).status(),
              core::StatusCode::kInvalidArgument, "may not use the table 'pragma_journal_mode'");
  ExpectError(c->Discover("SELECT * FROM pragma_compile_options", 1).status(),
              core::StatusCode::kInvalidArgument, "may not use");
  EXPECT_TRUE(c->Discover("SELECT name FROM pragma_table_info('t')", 1).ok());
}

TEST_F(SqliteConnectorTest, ANormalModelWithJsonDatesAndWindowsStillRuns) {
  MakeDb(R"(
    CREATE TABLE orders(id INTEGER, customer TEXT, at TEXT, doc TEXT);
    INSERT INTO orders VALUES (1, 'a', '2024-01-02T10:00:00Z', '{"plan":"pro","n":2}'),
                              (2, 'a', '2024-01-03T11:00:00Z', '{"plan":"free","n":3}'),
                              (3, 'b', '2024-02-01T12:00:00Z', '{"plan":"pro","n":1}');
  )");
  std::vector<core::Row> rows = ReadAll({.model_sql = R"(
    SELECT customer, json_extract(doc, '$.plan') AS plan, doc ->> '$.n' AS n,
           strftime('%Y-%m', at) AS month, date(at) AS day, unixepoch(at) AS ts,
           row_number() OVER (PARTITION BY customer ORDER BY at) AS nth,
           sum(id) OVER (PARTITION BY customer) AS total, lag(id) OVER (ORDER BY id) AS prev,
           round(sqrt(id * 1.0), 3) AS root, upper(coalesce(NULL, customer)) AS up,
           printf('%05d', id) AS code, length(group_concat(id) OVER ()) AS l
    FROM orders ORDER BY id)"});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1][1], core::Value::String("free"));
  EXPECT_EQ(rows[1][2], core::Value::Int64(3));
  EXPECT_EQ(rows[1][3], core::Value::String("2024-01"));
  EXPECT_EQ(rows[1][4], core::Value::String("2024-01-03"));
  EXPECT_EQ(rows[1][5], core::Value::Int64(1704279600));
  EXPECT_EQ(rows[1][6], core::Value::Int64(2));
  EXPECT_EQ(rows[1][7], core::Value::Int64(3));
  EXPECT_EQ(rows[1][8], core::Value::Int64(1));
  EXPECT_EQ(rows[2][9], core::Value::Double(1.732));
  EXPECT_EQ(rows[2][10], core::Value::String("B"));
  EXPECT_EQ(rows[2][11], core::Value::String("00003"));
}

TEST_F(SqliteConnectorTest, AValueAboveTheLengthLimitIsRefused) {
  MakeDb("CREATE TABLE t(id INTEGER);");
  ExpectError(Connect()->Discover("SELECT randomblob(17000000) AS big", 1).status(),
              core::StatusCode::kInvalidArgument, "a value may hold at most 16 MB");
}

// ---- Runaway statements (review F3) ----

constexpr std::string_view kEndless =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c";

TEST_F(SqliteConnectorTest, AnEndlessQueryStopsAtTheTokensDeadline) {
  MakeDb("CREATE TABLE t(id INTEGER);");
  core::StopToken stop;
  stop.set_timeout(std::chrono::milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  core::Status s = Connect({}, {.stop = &stop})->Discover(kEndless, 1).status();
  auto took = std::chrono::steady_clock::now() - start;
  ExpectError(s, core::StatusCode::kDeadlineExceeded, "ran past its time limit");
  EXPECT_LT(took, std::chrono::seconds(1));
}

TEST_F(SqliteConnectorTest, AnEndlessQueryStopsWhenCancelledFromAnotherThread) {
  MakeDb("CREATE TABLE t(id INTEGER);");
  core::StopToken stop;
  auto c = Connect({}, {.stop = &stop});
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop.Cancel("the run was cancelled");
  });
  auto start = std::chrono::steady_clock::now();
  core::Status s =
      c->MaxIterator(kEndless, {.column = "n", .type = IteratorType::kInteger}).status();
  auto took = std::chrono::steady_clock::now() - start;
  canceller.join();
  ExpectError(s, core::StatusCode::kCancelled, "the run was cancelled");
  EXPECT_LT(took, std::chrono::seconds(1));
}

TEST_F(SqliteConnectorTest, AnEndlessQueryStopsAtTheStatementTimeout) {
  MakeDb("CREATE TABLE t(id INTEGER);");
  auto c = Connect({{"statement_timeout_s", 1}});
  auto start = std::chrono::steady_clock::now();
  core::Status s = c->Discover(kEndless, 1).status();
  ExpectError(s, core::StatusCode::kDeadlineExceeded,
              "the data model ran longer than its 1 s statement timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1800));
  ExpectError(NewSqliteConnector({{"path", path_}, {"statement_timeout_s", 0}}).status(),
              core::StatusCode::kInvalidArgument, "config.statement_timeout_s");
  ExpectError(NewSqliteConnector({{"path", path_}, {"statement_timeout_s", "60"}}).status(),
              core::StatusCode::kInvalidArgument, "config.statement_timeout_s");
}

TEST_F(SqliteConnectorTest, AStreamStopsWhileItsNextIsStepping) {
  MakeDb("CREATE TABLE t(id INTEGER); INSERT INTO t VALUES (1);");
  core::StopToken stop;
  auto c = Connect({}, {.stop = &stop});
  // Rows come at once, then the generator runs on without producing any.
  auto stream =
      c->Execute({.model_sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                               "SELECT x FROM c WHERE x <= 3 OR x < 0",
                  .batch_rows = 2});
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  core::RowBatch batch;
  ASSERT_TRUE(*(*stream)->Next(&batch));
  EXPECT_EQ(batch.rows.size(), 2u);
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop.Cancel();
  });
  core::StatusOr<bool> more = (*stream)->Next(&batch);
  canceller.join();
  ExpectError(more.status(), core::StatusCode::kCancelled, "cancelled");
}

// ---- Bounded discover (review F4, F9) ----

TEST_F(SqliteConnectorTest, DiscoverKeepsABoundedSampleAndStillInfersFromAHundredRows) {
  MakeDb("CREATE TABLE t(id INTEGER);");
  auto d = Connect()->Discover(
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 100) "
      "SELECT x AS id, CASE WHEN x = 100 THEN 'text' ELSE x END AS late, "
      "hex(randomblob(600000)) AS big FROM c",
      10);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  // The string in row 100 still makes `late` a string.
  EXPECT_EQ(d->columns[1].type, core::Type::kString);
  ASSERT_EQ(d->sample_rows.size(), 10u);
  size_t total = 0;
  for (const core::Row& row : d->sample_rows) {
    const std::string& big = row[2].string_value();
    EXPECT_EQ(big.size(), kSampleValueBytes + kTruncatedMarker.size());
    EXPECT_TRUE(big.ends_with(kTruncatedMarker));
    total += big.size();
  }
  EXPECT_LT(total, kSampleBytesBudget);
}

TEST_F(SqliteConnectorTest, DiscoverStopsKeepingSamplesAtTheBudget) {
  MakeDb("CREATE TABLE t(id INTEGER);");
  // 100 columns of 1,054 bytes each (1 KB cut + marker + 16 bytes of bookkeeping): 105,362
  // bytes a row with its id, so ten rows fit in 1 MiB and the eleventh does not.
  std::string sql =
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 20) "
      "SELECT x AS id";
  for (int i = 1; i < 100; ++i) sql += ", hex(zeroblob(600)) AS c" + std::to_string(i);
  sql += " FROM c";
  auto d = Connect()->Discover(sql, 20);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->sample_rows.size(), 10u);
  EXPECT_THAT(d->warnings.back(), HasSubstr("only 10 sample rows are shown"));
}

TEST_F(SqliteConnectorTest, DiscoverShowsInvalidUtf8AsReplacementCharacters) {
  MakeDb("CREATE TABLE t(id INTEGER);");
  auto d = Connect()->Discover(
      "SELECT 1 AS id, CAST(x'ff' AS TEXT) AS a, CAST(x'41e9' AS TEXT) AS b", 10);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->sample_rows.size(), 1u);
  EXPECT_EQ(d->sample_rows[0][1], core::Value::String("\xEF\xBF\xBD"));
  EXPECT_EQ(d->sample_rows[0][2], core::Value::String("A\xEF\xBF\xBD"));
  // Valid JSON, which the API's discover answer is built from.
  nlohmann::json j = d->sample_rows[0][1].string_value();
  EXPECT_NO_THROW(j.dump());
}

}  // namespace
}  // namespace wsync::warehouse
