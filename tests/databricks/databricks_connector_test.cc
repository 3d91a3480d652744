// The Databricks connector end to end: DatabricksConnector → CurlTransport → FakeDatabricks (the
// SQL Statement Execution API shapes, fake_databricks.h) → SQLite. Each test names the API
// reference section it exercises (docs.databricks.com/api/workspace/statementexecution).
#include "warehouse/databricks/databricks_connector.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

#include "core/time.h"
#include "fake_databricks.h"
#include "testing/temp_dir.h"
#include "warehouse/egress.h"
#include "warehouse/http/curl_transport.h"
#include "warehouse/warehouse_error.h"

namespace wsync::warehouse {
namespace {

using fake_databricks::FakeDatabricks;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr int64_t kStart = 1714521600;  // 2024-05-01T00:00:00Z

void Exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

int64_t Scalar(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

class DatabricksConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.File("warehouse.db");
    Exec(db_, R"(
      CREATE TABLE customers (customer_id BIGINT, email STRING, plan STRING,
                              balance DECIMAL(12,2), updated_at TIMESTAMP, signup_date DATE,
                              epoch_ms BIGINT);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
      INSERT INTO customers SELECT i, 'customer' || i || '@example.com',
        CASE WHEN i % 2 = 0 THEN 'pro' ELSE 'free' END, printf('%.2f', i * 1.25),
        strftime('%Y-%m-%d %H:%M:%S', 1714521600 + i * 60, 'unixepoch'),
        date(1714521600 + i * 3600, 'unixepoch'), (1714521600 + i * 60) * 1000 FROM n;
      CREATE TABLE types (id BIGINT, tiny TINYINT, small SMALLINT, medium INT, amount DECIMAL(12,2),
                          big DECIMAL(38,0), ratio DOUBLE, approx FLOAT, name STRING,
                          active BOOLEAN, raw BINARY, day DATE, ts TIMESTAMP,
                          ts_ntz TIMESTAMP_NTZ, tags ARRAY, attrs MAP,
                          address STRUCT);
      -- 2^70: beyond int64, and exact through SQLite's NUMERIC affinity.
      INSERT INTO types VALUES (1, 7, -300, 70000, '-12.50', '1180591620717411303424',
                                1.5, 0.25, 'Zoë', 1, X'DEADBEEF', '2024-05-01',
                                '2024-05-01 12:00:00.123456', '2024-05-01 14:00:00.5',
                                '["a","b"]', '{"k":1}', '{"city":"Oslo"}');
      INSERT INTO types (id) VALUES (2);
      CREATE TABLE codes (code STRING);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
      INSERT INTO codes SELECT CASE WHEN i = 2900 THEN 'abc' ELSE i END FROM n;
      CREATE TABLE secrets (x STRING);
    )");
    options_.database_path = db_;
    options_.token = "dapi-secret-token-value";
    options_.client_id = "sp-client-id";
    options_.client_secret = "sp-client-secret";
    options_.chunk_rows = 1000;
    options_.denied_tables = {"SECRETS"};
    network_ = *NetworkPolicy::Allowing({"127.0.0.0/8"});
    env_.sleep = [this](milliseconds d, const core::StopToken* stop) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        sleeps_.push_back(d);
      }
      const auto end = std::chrono::steady_clock::now() + std::min(d, milliseconds(20));
      while (std::chrono::steady_clock::now() < end) {
        if (stop != nullptr) RETURN_IF_ERROR(stop->Check());
        std::this_thread::sleep_for(milliseconds(1));
      }
      return stop != nullptr ? stop->Check() : core::Status::Ok();
    };
    env_.random = [] { return 0.5; };
  }

  void Start() { server_ = std::make_unique<FakeDatabricks>(options_); }

  json Config() const {
    return {{"host", "adb-1234567890123456.7.azuredatabricks.net"},
            {"warehouse_id", "abc123def456"},
            {"catalog", "main"},
            {"schema", "analytics"},
            {"token", "dapi-secret-token-value"},
            {"base_url", server_->base_url()}};
  }

  json OAuthConfig() const {
    json c = Config();
    c.erase("token");
    c["client_id"] = "sp-client-id";
    c["client_secret"] = "sp-client-secret";
    return c;
  }

  std::unique_ptr<Connector> Connect(const json& config, const core::StopToken* stop = nullptr,
                                     int wait_timeout_s = 0) {
    deps_ = {.clock = core::SystemClock::Default(), .http = &transport_};
    auto c = NewDatabricksConnector(
        config, {.stop = stop}, deps_, &env_,
        {.first = milliseconds(1), .max = milliseconds(5), .wait_timeout_s = wait_timeout_s});
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  std::vector<core::Row> ReadAll(Connector* c, const Query& q, int* batches = nullptr) {
    auto stream = c->Execute(q);
    EXPECT_TRUE(stream.ok()) << stream.status().ToString();
    std::vector<core::Row> rows;
    if (!stream.ok()) return rows;
    core::RowBatch batch;
    for (;;) {
      auto more = (*stream)->Next(&batch);
      EXPECT_TRUE(more.ok()) << more.status().ToString();
      if (!more.ok() || !*more) break;
      if (batches) ++*batches;
      for (auto& r : batch.rows) rows.push_back(std::move(r));
    }
    return rows;
  }

  static void ExpectFailure(const core::Status& s, core::StatusCode code, std::string_view reason,
                            std::string_view part) {
    EXPECT_EQ(s.code(), code) << s.ToString();
    EXPECT_EQ(WarehouseReason(s), reason) << s.ToString();
    EXPECT_NE(s.message().find(part), std::string::npos) << s.message();
  }

  testing::TempDir dir_;
  std::string db_;
  fake_databricks::Options options_;
  std::unique_ptr<FakeDatabricks> server_;
  NetworkPolicy network_;
  CurlTransport transport_{&network_};
  ConnectorDeps deps_;
  RetryEnv env_;
  std::mutex mu_;
  std::vector<milliseconds> sleeps_;
};

// "Execute a SQL statement" (POST /api/2.0/sql/statements): the request body, answered within
// wait_timeout; personal access token as a Bearer token.
TEST_F(DatabricksConnectorTest, VerifiesWithAPersonalAccessTokenAndSendsTheDocumentedBody) {
  Start();
  ASSERT_TRUE(Connect(Config(), nullptr, 5)->Verify().ok());
  const auto seen = server_->requests();
  ASSERT_EQ(seen.size(), 1u);  // finished within wait_timeout: no polling
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/api/2.0/sql/statements");
  EXPECT_EQ(seen[0].authorization, "Bearer dapi-secret-token-value");
  EXPECT_EQ(json::parse(seen[0].body),
            json({{"warehouse_id", "abc123def456"},
                  {"statement", "SELECT current_catalog() AS catalog, current_schema() AS schema"},
                  {"catalog", "main"},
                  {"schema", "analytics"},
                  {"format", "JSON_ARRAY"},
                  {"disposition", "INLINE"},
                  {"wait_timeout", "5s"},
                  {"on_wait_timeout", "CONTINUE"}}));
}

// "Authenticate access to Databricks with a service principal using OAuth (OAuth M2M)": POST
// /oidc/v1/token once, the token reused, and fetched again when it is about to expire.
TEST_F(DatabricksConnectorTest, OAuthMachineToMachineTokenIsCachedAndRefreshedBeforeExpiry) {
  Start();
  auto c = Connect(OAuthConfig());
  ASSERT_TRUE(c->Verify().ok());
  ASSERT_TRUE(c->Verify().ok());
  EXPECT_EQ(server_->tokens_issued(), 1);
  for (const auto& r : server_->requests()) {
    if (r.path == "/oidc/v1/token") {
      EXPECT_EQ(r.body, "grant_type=client_credentials&scope=all-apis");
    } else {
      EXPECT_EQ(r.authorization, "Bearer dbx-oauth-1") << r.path;
    }
  }
  // A token living 30 s is within the minute of renewal: every use fetches a new one.
  options_.token_lifetime_s = 30;
  Start();
  auto short_lived = Connect(OAuthConfig());
  ASSERT_TRUE(short_lived->Verify().ok());
  ASSERT_TRUE(short_lived->Verify().ok());
  EXPECT_GE(server_->tokens_issued(), 2);
}

// "Get status, manifest, and result first chunk": PENDING / RUNNING answers are polled with GET
// /api/2.0/sql/statements/{statement_id} until SUCCEEDED.
TEST_F(DatabricksConnectorTest, PollsPendingStatementsUntilTheySucceed) {
  options_.pending_polls = 3;
  Start();
  ASSERT_TRUE(Connect(Config(), nullptr, 5)->Verify().ok());
  const auto seen = server_->requests();
  ASSERT_EQ(seen.size(), 4u);
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(seen[i].method, "GET");
    EXPECT_EQ(seen[i].path, "/api/2.0/sql/statements/01ef-0000-00000001");
  }
}

// "The StatementResponse object": manifest.schema.columns type_name / type_precision /
// type_scale, and JSON_ARRAY values.
TEST_F(DatabricksConnectorTest, EveryTypeAndNullMapToWsyncValues) {
  Start();
  auto c = Connect(Config());
  auto d = c->Discover("SELECT * FROM types ORDER BY id", 0);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  std::vector<std::pair<std::string, core::Type>> want = {
      {"id", core::Type::kInt64},       {"tiny", core::Type::kInt64},
      {"small", core::Type::kInt64},    {"medium", core::Type::kInt64},
      {"amount", core::Type::kDecimal}, {"big", core::Type::kDecimal},
      {"ratio", core::Type::kDouble},   {"approx", core::Type::kDouble},
      {"name", core::Type::kString},    {"active", core::Type::kBool},
      {"raw", core::Type::kBytes},      {"day", core::Type::kDate},
      {"ts", core::Type::kTimestamp},   {"ts_ntz", core::Type::kTimestamp},
      {"tags", core::Type::kString},    {"attrs", core::Type::kString},
      {"address", core::Type::kString}};
  ASSERT_EQ(d->columns.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(d->columns[i].name, want[i].first);
    EXPECT_EQ(d->columns[i].type, want[i].second) << want[i].first;
    EXPECT_FALSE(d->columns[i].inferred);
  }
  EXPECT_TRUE(d->sample_rows.empty());
  ASSERT_EQ(d->warnings.size(), 1u);
  EXPECT_EQ(d->warnings[0],
            "column 'raw' holds binary data: the default mapping skips it and mapping it is a row "
            "error (binary_value); select hex(column) to sync it as text");
  // Discovery read no table: one statement, the LIMIT 0 wrap.
  EXPECT_EQ(
      server_->statements(),
      std::vector<std::string>{"SELECT * FROM (\nSELECT * FROM types ORDER BY id\n) AS m LIMIT 0"});

  for (const char* disposition : {"INLINE", "EXTERNAL_LINKS"}) {
    json config = Config();
    config["disposition"] = disposition;
    auto rows = ReadAll(Connect(config).get(), {.model_sql = "SELECT * FROM types ORDER BY id"});
    ASSERT_EQ(rows.size(), 2u) << disposition;
    const core::Row expected = {core::Value::Int64(1),
                                core::Value::Int64(7),
                                core::Value::Int64(-300),
                                core::Value::Int64(70000),
                                core::Value::Dec("-12.50"),
                                core::Value::Dec("1180591620717411303424"),
                                core::Value::Double(1.5),
                                core::Value::Double(0.25),
                                core::Value::String("Zoë"),
                                core::Value::Bool(true),
                                core::Value::BytesValue("\xDE\xAD\xBE\xEF"),
                                core::Value::DateValue(19844),
                                core::Value::TimestampValue(1714564800123456),
                                core::Value::TimestampValue(1714572000500000),
                                core::Value::String("[\"a\",\"b\"]"),
                                core::Value::String("{\"k\":1}"),
                                core::Value::String("{\"city\":\"Oslo\"}")};
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(rows[0][i], expected[i])
          << disposition << " " << want[i].first << ": " << rows[0][i].ToText();
    }
    core::Row nulls(expected.size());
    nulls[0] = core::Value::Int64(2);
    EXPECT_EQ(rows[1], nulls) << disposition;
  }
  // A column of type NULL (SELECT NULL) is a string column of nulls.
  auto null_rows = ReadAll(c.get(), {.model_sql = "SELECT NULL AS empty"});
  ASSERT_EQ(null_rows.size(), 1u);
  EXPECT_EQ(null_rows[0], core::Row(1));
}

// "Get result chunk by index" with INLINE: chunks followed one at a time by
// next_chunk_internal_link.
TEST_F(DatabricksConnectorTest, StreamsEveryInlineChunkInOrderInBoundedBatches) {
  Start();
  json config = Config();
  config["disposition"] = "INLINE";
  int batches = 0;
  auto rows = ReadAll(Connect(config).get(),
                      {.model_sql = "SELECT customer_id, email FROM customers ORDER BY customer_id",
                       .batch_rows = 700},
                      &batches);
  ASSERT_EQ(rows.size(), 2500u);
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i][0], core::Value::Int64(static_cast<int64_t>(i + 1)));
  }
  EXPECT_EQ(rows[41][1], core::Value::String("customer42@example.com"));
  EXPECT_EQ(batches, 4);
  std::vector<std::string> chunks;
  for (const auto& r : server_->requests()) {
    if (r.path.find("/result/chunks/") != std::string::npos) chunks.push_back(r.path);
  }
  EXPECT_EQ(chunks, (std::vector<std::string>{
                        "/api/2.0/sql/statements/01ef-0000-00000001/result/chunks/1",
                        "/api/2.0/sql/statements/01ef-0000-00000001/result/chunks/2"}));
}

// "Execute a SQL statement" with disposition EXTERNAL_LINKS: each chunk's external_link is
// fetched without the Authorization header; the next chunk comes from next_chunk_internal_link.
TEST_F(DatabricksConnectorTest, FollowsExternalLinksWithoutTheAuthorizationHeader) {
  Start();
  auto rows = ReadAll(Connect(Config(), nullptr, 5).get(),
                      {.model_sql = "SELECT customer_id FROM customers ORDER BY customer_id"});
  ASSERT_EQ(rows.size(), 2500u);
  EXPECT_EQ(rows.back()[0], core::Value::Int64(2500));
  std::vector<std::string> paths;
  for (const auto& r : server_->requests()) {
    if (r.path.starts_with("/external/")) {
      EXPECT_EQ(r.authorization, "") << r.path;
      EXPECT_EQ(r.status, 200);
    } else {
      EXPECT_EQ(r.authorization, "Bearer dapi-secret-token-value") << r.path;
    }
    paths.push_back(r.method + " " + r.path);
  }
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "POST /api/2.0/sql/statements", "GET /external/01ef-0000-00000001/0",
                       "GET /api/2.0/sql/statements/01ef-0000-00000001/result/chunks/1",
                       "GET /external/01ef-0000-00000001/1",
                       "GET /api/2.0/sql/statements/01ef-0000-00000001/result/chunks/2",
                       "GET /external/01ef-0000-00000001/2"}));
  EXPECT_EQ(json::parse(server_->requests()[0].body)["disposition"], "EXTERNAL_LINKS");
}

// "External links" expire within minutes: a link the storage refuses is replaced once by a
// fresh one from "Get result chunk by index".
TEST_F(DatabricksConnectorTest, AnExpiredExternalLinkIsFetchedAgain) {
  options_.expired_links = 1;
  Start();
  auto rows = ReadAll(Connect(Config(), nullptr, 5).get(),
                      {.model_sql = "SELECT customer_id FROM customers ORDER BY customer_id"});
  ASSERT_EQ(rows.size(), 2500u);
  std::vector<std::string> paths;
  for (const auto& r : server_->requests())
    paths.push_back(std::to_string(r.status) + " " + r.path);
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "200 /api/2.0/sql/statements", "403 /external/01ef-0000-00000001/0",
                       "200 /api/2.0/sql/statements/01ef-0000-00000001/result/chunks/0",
                       "200 /external/01ef-0000-00000001/0",
                       "200 /api/2.0/sql/statements/01ef-0000-00000001/result/chunks/1",
                       "200 /external/01ef-0000-00000001/1",
                       "200 /api/2.0/sql/statements/01ef-0000-00000001/result/chunks/2",
                       "200 /external/01ef-0000-00000001/2"}));
}

// Iterator predicates with typed literals for every iterator type, and the MAX of each.
TEST_F(DatabricksConnectorTest, IncrementalWindowsForEveryIteratorType) {
  Start();
  auto c = Connect(Config());
  const std::string model = "SELECT customer_id, updated_at, signup_date, epoch_ms FROM customers";
  auto max_ms = c->MaxIterator(model, {.column = "EPOCH_MS", .type = IteratorType::kUnixMs});
  ASSERT_TRUE(max_ms.ok()) << max_ms.status().ToString();
  EXPECT_EQ(*max_ms, core::Value::Int64((kStart + 2500 * 60) * 1000));
  auto max_ts = c->MaxIterator(model, {.column = "updated_at", .type = IteratorType::kTimestamp});
  ASSERT_TRUE(max_ts.ok()) << max_ts.status().ToString();
  EXPECT_EQ(*max_ts, core::Value::TimestampValue((kStart + 2500 * 60) * core::kMicrosPerSecond));
  auto max_day = c->MaxIterator(model, {.column = "signup_date", .type = IteratorType::kDate});
  ASSERT_TRUE(max_day.ok()) << max_day.status().ToString();
  EXPECT_EQ(*max_day, core::Value::DateValue(
                          static_cast<int32_t>(core::FloorDiv(kStart + 2500 * 3600, 86400))));

  Range ts{.column = "UPDATED_AT",
           .type = IteratorType::kTimestamp,
           .lower = core::Value::TimestampValue((kStart + 2400 * 60) * core::kMicrosPerSecond),
           .upper = core::Value::TimestampValue((kStart + 2450 * 60) * core::kMicrosPerSecond)};
  auto rows = ReadAll(c.get(), {.model_sql = model, .ranges = {ts}});
  ASSERT_EQ(rows.size(), 50u);
  EXPECT_EQ(rows.front()[0], core::Value::Int64(2401));
  EXPECT_EQ(rows.back()[0], core::Value::Int64(2450));
  EXPECT_EQ(server_->statements().back(),
            "SELECT * FROM (\n" + model +
                "\n) AS m WHERE (to_timestamp(m.`updated_at`) IS NOT NULL AND "
                "to_timestamp(m.`updated_at`) > TIMESTAMP '2024-05-02 16:00:00.000000+00:00' AND "
                "to_timestamp(m.`updated_at`) <= TIMESTAMP '2024-05-02 16:50:00.000000+00:00')");

  Range day{.column = "signup_date",
            .type = IteratorType::kDate,
            .lower = core::Value::DateValue(*core::ParseDate("2024-06-01")),
            .lower_inclusive = true,
            .upper = core::Value::DateValue(*core::ParseDate("2024-06-03")),
            .upper_exclusive = true};
  EXPECT_EQ(static_cast<int64_t>(ReadAll(c.get(), {.model_sql = model, .ranges = {day}}).size()),
            Scalar(db_,
                   "SELECT COUNT(*) FROM customers WHERE signup_date >= '2024-06-01' AND "
                   "signup_date < '2024-06-03'"));
  EXPECT_EQ(server_->statements().back(),
            "SELECT * FROM (\n" + model +
                "\n) AS m WHERE (to_date(m.`signup_date`) IS NOT NULL AND "
                "to_date(m.`signup_date`) >= DATE '2024-06-01' AND to_date(m.`signup_date`) < "
                "DATE '2024-06-03')");

  Range ms{.column = "epoch_ms",
           .type = IteratorType::kUnixMs,
           .lower = core::Value::Int64((kStart + 100 * 60) * 1000),
           .upper = core::Value::Int64((kStart + 110 * 60) * 1000)};
  rows = ReadAll(c.get(), {.model_sql = model, .ranges = {ms}});
  ASSERT_EQ(rows.size(), 10u);
  EXPECT_EQ(rows.front()[0], core::Value::Int64(101));
  EXPECT_EQ(server_->statements().back(),
            "SELECT * FROM (\n" + model +
                "\n) AS m WHERE (CAST(m.`epoch_ms` AS BIGINT) IS NOT NULL AND "
                "CAST(m.`epoch_ms` AS BIGINT) > CAST(1714527600000 AS BIGINT) AND "
                "CAST(m.`epoch_ms` AS BIGINT) <= CAST(1714528200000 AS BIGINT))");

  Range id{
      .column = "customer_id", .type = IteratorType::kInteger, .lower = core::Value::Int64(2490)};
  rows = ReadAll(c.get(), {.model_sql = model, .ranges = {id}});
  ASSERT_EQ(rows.size(), 10u);
  EXPECT_EQ(rows.back()[0], core::Value::Int64(2500));
  Range unix_s{.column = "customer_id",
               .type = IteratorType::kUnixS,
               .upper = core::Value::Int64(3),
               .upper_exclusive = true};
  EXPECT_EQ(ReadAll(c.get(), {.model_sql = model, .ranges = {unix_s}}).size(), 2u);
}

// Errors: ServiceError bodies and FAILED statements mapped to actionable reasons.
TEST_F(DatabricksConnectorTest, VerifyTellsEachFailureApart) {
  Start();
  json bad_token = Config();
  bad_token["token"] = "dapi-wrong";
  ExpectFailure(Connect(bad_token)->Verify(), core::StatusCode::kUnauthenticated,
                kReasonAuthenticationFailed,
                "Databricks refused the credentials while verifying the connection (Invalid "
                "access token. (error code UNAUTHENTICATED)): check that config.token is a valid "
                "personal access token of this workspace and has not expired");
  json bad_secret = OAuthConfig();
  bad_secret["client_secret"] = "wrong";
  ExpectFailure(Connect(bad_secret)->Verify(), core::StatusCode::kUnauthenticated,
                kReasonAuthenticationFailed,
                "Databricks refused the OAuth client 'sp-client-id' (invalid_client): check "
                "config.client_id and config.client_secret");
  json warehouse = Config();
  warehouse["warehouse_id"] = "ffff0000";
  ExpectFailure(Connect(warehouse)->Verify(), core::StatusCode::kNotFound, kReasonWarehouseNotFound,
                "SQL warehouse 'ffff0000' does not exist or the principal may not use it (SQL "
                "warehouse ffff0000 does not exist. (error code RESOURCE_DOES_NOT_EXIST)): check "
                "config.warehouse_id");
  json catalog = Config();
  catalog["catalog"] = "nope";
  ExpectFailure(Connect(catalog)->Verify(), core::StatusCode::kNotFound, kReasonDatabaseNotFound,
                "catalog 'nope' does not exist or the principal may not use it "
                "([NO_SUCH_CATALOG_EXCEPTION] Catalog 'nope' was not found.");
  json schema = Config();
  schema["schema"] = "nope";
  ExpectFailure(Connect(schema)->Verify(), core::StatusCode::kNotFound, kReasonSchemaNotFound,
                "schema 'nope' does not exist or the principal may not use it "
                "([SCHEMA_NOT_FOUND] The schema `main`.`nope` cannot be found. SQLSTATE: 42704 "
                "(error code BAD_REQUEST, SQL state 42704)): check config.schema and GRANT USE "
                "SCHEMA");
  ExpectFailure(Connect(Config())->Execute({.model_sql = "SELECT * FROM secrets"}).status(),
                core::StatusCode::kPermissionDenied, kReasonPermissionDenied,
                "Databricks refused the principal while reading the data model "
                "([INSUFFICIENT_PERMISSIONS] Insufficient privileges");
  json quick = Config();
  quick["statement_timeout_s"] = 1;
  ExpectFailure(Connect(quick)->Execute({.model_sql = "SELECT sleep_seconds(5) AS w"}).status(),
                core::StatusCode::kDeadlineExceeded, kReasonStatementTimeout,
                "the statement ran past its time limit (1 s) while reading the data model and was "
                "cancelled");
  EXPECT_EQ(server_->cancels(), 1);
}

// FAILED statements carry Databricks' message, its error class and position (shifted back to
// the model's own lines), including a statement that fails after its first rows.
TEST_F(DatabricksConnectorTest, QueryErrorsCarryDatabricksMessage) {
  Start();
  auto c = Connect(Config());
  auto r = c->Execute({.model_sql = "SELECT id,\nFROM types"});
  EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "Databricks could not run the statement while reading the data model: "
            "[PARSE_SYNTAX_ERROR] Syntax error at or near 'FROM'. SQLSTATE: 42601 (line 2, pos 0) "
            "(error code BAD_REQUEST, SQL state 42601)");
  r = c->Execute({.model_sql = "SELECT CASE WHEN code = 'abc' THEN raise_error('bad code ' || "
                               "code) ELSE code END AS code FROM codes"});
  EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "Databricks could not run the statement while reading the data model: "
            "[USER_RAISED_EXCEPTION] bad code abc SQLSTATE: P0001 (error code BAD_REQUEST, SQL "
            "state P0001)");
}

// "Cancel statement execution" (POST …/{statement_id}/cancel) when the run's StopToken fires.
TEST_F(DatabricksConnectorTest, CancellingTheRunCancelsTheStatementInDatabricks) {
  Start();
  core::StopToken stop;
  auto c = Connect(Config(), &stop);
  std::thread canceller([&] {
    while (server_->statements().empty()) std::this_thread::sleep_for(milliseconds(5));
    std::this_thread::sleep_for(milliseconds(100));
    stop.Cancel("run cancelled by the user");
  });
  const auto start = std::chrono::steady_clock::now();
  auto r = c->Execute({.model_sql = "SELECT sleep_seconds(30) AS w"});
  canceller.join();
  EXPECT_EQ(r.status().code(), core::StatusCode::kCancelled);
  EXPECT_EQ(r.status().message(), "run cancelled by the user");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(server_->cancels(), 1);
  const auto seen = server_->requests();
  EXPECT_EQ(std::count_if(seen.begin(), seen.end(),
                          [](const fake_databricks::SeenRequest& s) {
                            return s.method == "POST" &&
                                   s.path == "/api/2.0/sql/statements/01ef-0000-00000001/cancel";
                          }),
            1);
}

// 429 with Retry-After is retried after the server's delay; persistent throttling is a reason.
TEST_F(DatabricksConnectorTest, RetriesThrottlingHonouringRetryAfter) {
  Start();
  auto c = Connect(Config());
  server_->ThrottleNext(2, 3);
  ASSERT_TRUE(c->Verify().ok());
  ASSERT_GE(sleeps_.size(), 2u);
  EXPECT_EQ(sleeps_[0], milliseconds(3000));
  EXPECT_EQ(sleeps_[1], milliseconds(3000));
  auto seen = server_->requests();
  EXPECT_EQ(seen[0].status, 429);
  EXPECT_EQ(seen[1].status, 429);
  EXPECT_EQ(seen[2].status, 200);
  server_->ThrottleNext(100, 0);
  ExpectFailure(c->Verify(), core::StatusCode::kResourceExhausted, kReasonThrottled,
                "Databricks is throttling this workspace's requests while verifying the "
                "connection (Too many requests. Retry later. (error code TOO_MANY_REQUESTS))");
}

// SPEC §12: base_url is reached only under the egress rule.
TEST_F(DatabricksConnectorTest, TheEgressRuleAppliesToBaseUrl) {
  Start();
  NetworkPolicy public_only;
  CurlTransport strict(&public_only);
  deps_ = {.clock = core::SystemClock::Default(), .http = &strict};
  auto c = NewDatabricksConnector(Config(), {}, deps_, &env_);
  ASSERT_TRUE(c.ok());
  ExpectFailure((*c)->Verify(), core::StatusCode::kPermissionDenied, kReasonAddressNotAllowed,
                "'127.0.0.1' is not an address this deployment may reach");
  EXPECT_TRUE(server_->requests().empty());
}

TEST_F(DatabricksConnectorTest, ConfigIsCheckedWithoutContactingDatabricks) {
  Start();
  const auto fails = [&](json config, const std::string& field) {
    auto c = NewDatabricksConnector(config, {}, {.http = &transport_});
    EXPECT_EQ(c.status().code(), core::StatusCode::kInvalidArgument) << config.dump();
    ASSERT_FALSE(c.status().details().empty()) << c.status().ToString();
    EXPECT_EQ(c.status().details()[0].field, field) << c.status().ToString();
  };
  json both = OAuthConfig();
  both["token"] = "t";
  fails(both, "config.token");
  json none = Config();
  none.erase("token");
  fails(none, "config.token");
  json half = OAuthConfig();
  half.erase("client_secret");
  fails(half, "config.client_secret");
  json warehouse = Config();
  warehouse["warehouse_id"] = "abc/../x";
  fails(warehouse, "config.warehouse_id");
  json host = Config();
  host.erase("base_url");
  host["host"] = "evil.com/x?";
  fails(host, "config.host");
  json disposition = Config();
  disposition["disposition"] = "CSV";
  fails(disposition, "config.disposition");
  json timeout = Config();
  timeout["statement_timeout_s"] = 0;
  fails(timeout, "config.statement_timeout_s");
  EXPECT_TRUE(server_->requests().empty());
}

}  // namespace
}  // namespace wsync::warehouse
