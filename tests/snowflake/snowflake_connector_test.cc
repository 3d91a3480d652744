// The Snowflake connector end to end: SnowflakeConnector → CurlTransport → FakeSnowflake (the
// SQL API v2 shapes, fake_snowflake.h) → SQLite. Each test names the API reference section it
// exercises.
#include "warehouse/snowflake/snowflake_connector.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "core/time.h"
#include "fake_snowflake.h"
#include "testing/temp_dir.h"
#include "warehouse/egress.h"
#include "warehouse/http/curl_transport.h"
#include "warehouse/warehouse_error.h"

namespace wsync::warehouse {
namespace {

using fake_snowflake::FakeSnowflake;
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

const fake_snowflake::KeyPairPem& Keys() {
  static const fake_snowflake::KeyPairPem keys = fake_snowflake::GenerateRsaKeyPair();
  return keys;
}

class SnowflakeConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.File("warehouse.db");
    Exec(db_, R"(
      CREATE TABLE CUSTOMERS (CUSTOMER_ID NUMBER(38,0), EMAIL VARCHAR, PLAN VARCHAR,
                              BALANCE NUMBER(12,2), UPDATED_AT TIMESTAMP_NTZ, SIGNUP_DATE DATE,
                              EPOCH_MS NUMBER(38,0));
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
      INSERT INTO CUSTOMERS SELECT i, 'customer' || i || '@example.com',
        CASE WHEN i % 2 = 0 THEN 'pro' ELSE 'free' END, printf('%.2f', i * 1.25),
        strftime('%Y-%m-%d %H:%M:%S', 1714521600 + i * 60, 'unixepoch'),
        date(1714521600 + i * 3600, 'unixepoch'), (1714521600 + i * 60) * 1000 FROM n;
      CREATE TABLE TYPES (ID NUMBER(38,0), AMOUNT NUMBER(12,2), RATIO FLOAT, NAME VARCHAR,
                          ACTIVE BOOLEAN, RAW BINARY, DAY DATE, AT_TIME TIME,
                          TS_NTZ TIMESTAMP_NTZ, TS_LTZ TIMESTAMP_LTZ, TS_TZ TIMESTAMP_TZ,
                          V VARIANT, O OBJECT, A ARRAY);
      INSERT INTO TYPES VALUES (1, '-12.50', 1.5, 'Zoë', 1, X'DEADBEEF', '2024-05-01',
                                '13:45:30.25', '2024-05-01 12:00:00.123456',
                                '2024-05-01 12:00:00', '2024-05-01 14:00:00.5+02:00',
                                '{"a":1}', '{"k":"v"}', '[1,2]');
      INSERT INTO TYPES (ID) VALUES (2);
      CREATE TABLE CODES (CODE VARCHAR);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
      INSERT INTO CODES SELECT CASE WHEN i = 2900 THEN 'abc' ELSE i END FROM n;
      CREATE TABLE SECRETS (X VARCHAR);
    )");
    options_.database_path = db_;
    options_.public_key_pem = Keys().public_pem;
    options_.token = "pat-secret-token-value";
    options_.partition_rows = 1000;
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

  void Start() { server_ = std::make_unique<FakeSnowflake>(options_); }

  json Config() const {
    return {{"account_identifier", "myorg-acct"},
            {"user", "wsync_user"},
            {"private_key", Keys().private_pem},
            {"warehouse", "COMPUTE_WH"},
            {"database", "ANALYTICS"},
            {"schema", "PUBLIC"},
            {"role", "WSYNC_READER"},
            {"base_url", server_->base_url()}};
  }

  std::unique_ptr<Connector> Connect(const json& config, const core::StopToken* stop = nullptr,
                                     const NetworkPolicy* network = nullptr) {
    deps_ = {.clock = core::SystemClock::Default(), .http = &transport_, .network = network};
    transport_policy_ = network != nullptr ? network : &network_;
    auto c = NewSnowflakeConnector(config, {.stop = stop}, deps_, &env_,
                                   {.first = milliseconds(1), .max = milliseconds(5)});
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
  fake_snowflake::Options options_;
  std::unique_ptr<FakeSnowflake> server_;
  NetworkPolicy network_;
  const NetworkPolicy* transport_policy_ = &network_;
  CurlTransport transport_{&network_};
  ConnectorDeps deps_;
  RetryEnv env_;
  std::mutex mu_;
  std::vector<milliseconds> sleeps_;
};

// "Authenticating to the server" (key pair, programmatic access token) and "POST
// /api/v2/statements" request body.
TEST_F(SnowflakeConnectorTest, VerifiesWithKeyPairAndTokenAndSendsTheSessionInTheBody) {
  Start();
  auto c = Connect(Config());
  ASSERT_TRUE(c->Verify().ok());
  json with_token = Config();
  with_token.erase("private_key");
  with_token["token"] = "pat-secret-token-value";
  ASSERT_TRUE(Connect(with_token)->Verify().ok());

  std::vector<fake_snowflake::SeenRequest> seen = server_->requests();
  ASSERT_GE(seen.size(), 4u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/api/v2/statements");
  EXPECT_EQ(seen[0].token_type, "KEYPAIR_JWT");
  EXPECT_EQ(seen[0].params.find("async")->second, "true");
  EXPECT_EQ(seen[0].params.find("requestId")->second.size(), 36u);
  json body = json::parse(seen[0].body);
  EXPECT_EQ(body["warehouse"], "COMPUTE_WH");
  EXPECT_EQ(body["database"], "ANALYTICS");
  EXPECT_EQ(body["schema"], "PUBLIC");
  EXPECT_EQ(body["role"], "WSYNC_READER");
  EXPECT_EQ(body["timeout"], 3600);
  EXPECT_EQ(body["parameters"]["timezone"], "UTC");
  EXPECT_EQ(body["parameters"]["multi_statement_count"], "1");
  EXPECT_EQ(body["statement"],
            "SELECT CURRENT_WAREHOUSE() AS W, CURRENT_DATABASE() AS D, CURRENT_SCHEMA() AS S, "
            "CURRENT_ROLE() AS R");
  EXPECT_EQ(seen[1].method, "GET");
  EXPECT_EQ(seen[1].path, "/api/v2/statements/01b2c3d4-0000-4a5b-0000-000000000001");
  EXPECT_EQ(seen.back().token_type, "PROGRAMMATIC_ACCESS_TOKEN");
}

// "Handling responses": 202 QueryStatus answers are polled until the ResultSet is ready.
TEST_F(SnowflakeConnectorTest, PollsAsynchronousStatementsUntilTheyFinish) {
  options_.pending_polls = 4;
  Start();
  auto c = Connect(Config());
  auto max = c->MaxIterator("SELECT customer_id, updated_at FROM customers",
                            {.column = "updated_at", .type = IteratorType::kTimestamp});
  ASSERT_TRUE(max.ok()) << max.status().ToString();
  EXPECT_EQ(*max, core::Value::TimestampValue((kStart + 2500 * 60) * core::kMicrosPerSecond));
  // The LIMIT 0 describe and the MAX: each answered 202 at least four times (more while it
  // ran), then 200.
  std::map<std::string, std::vector<int>> answers;
  for (const auto& r : server_->requests()) {
    if (r.method == "GET") answers[r.path].push_back(r.status);
  }
  ASSERT_EQ(answers.size(), 2u);
  for (const auto& [path, statuses] : answers) {
    EXPECT_GE(statuses.size(), 5u) << path;
    EXPECT_EQ(statuses.back(), 200) << path;
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 202),
              static_cast<long>(statuses.size()) - 1)
        << path;
  }
}

// "Handling responses" → "Getting the data from the results": rowType types and values.
TEST_F(SnowflakeConnectorTest, EveryTypeAndNullMapToWsyncValues) {
  Start();
  auto c = Connect(Config());
  auto d = c->Discover("SELECT * FROM types ORDER BY id", 0);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  std::vector<std::pair<std::string, core::Type>> want = {
      {"ID", core::Type::kInt64},         {"AMOUNT", core::Type::kDecimal},
      {"RATIO", core::Type::kDouble},     {"NAME", core::Type::kString},
      {"ACTIVE", core::Type::kBool},      {"RAW", core::Type::kBytes},
      {"DAY", core::Type::kDate},         {"AT_TIME", core::Type::kString},
      {"TS_NTZ", core::Type::kTimestamp}, {"TS_LTZ", core::Type::kTimestamp},
      {"TS_TZ", core::Type::kTimestamp},  {"V", core::Type::kString},
      {"O", core::Type::kString},         {"A", core::Type::kString}};
  ASSERT_EQ(d->columns.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(d->columns[i].name, want[i].first);
    EXPECT_EQ(d->columns[i].type, want[i].second) << want[i].first;
    EXPECT_FALSE(d->columns[i].inferred);
  }
  EXPECT_TRUE(d->sample_rows.empty());
  ASSERT_EQ(d->warnings.size(), 1u);
  EXPECT_EQ(d->warnings[0],
            "column 'RAW' holds binary data: the default mapping skips it and mapping it is a row "
            "error (binary_value); select HEX_ENCODE(column) to sync it as text");
  // Discovery read no table: one statement, the LIMIT 0 wrap.
  EXPECT_EQ(
      server_->statements(),
      std::vector<std::string>{"SELECT * FROM (\nSELECT * FROM types ORDER BY id\n) AS m LIMIT 0"});

  auto rows = ReadAll(c.get(), {.model_sql = "SELECT * FROM types ORDER BY id"});
  ASSERT_EQ(rows.size(), 2u);
  const core::Row expected = {core::Value::Int64(1),
                              core::Value::Dec("-12.50"),
                              core::Value::Double(1.5),
                              core::Value::String("Zoë"),
                              core::Value::Bool(true),
                              core::Value::BytesValue("\xDE\xAD\xBE\xEF"),
                              core::Value::DateValue(19844),
                              core::Value::String("13:45:30.25"),
                              core::Value::TimestampValue(1714564800123456),
                              core::Value::TimestampValue(1714564800000000),
                              core::Value::TimestampValue(1714564800500000),
                              core::Value::String("{\"a\":1}"),
                              core::Value::String("{\"k\":\"v\"}"),
                              core::Value::String("[1,2]")};
  EXPECT_EQ(rows[0], expected);
  core::Row nulls(expected.size());
  nulls[0] = core::Value::Int64(2);
  EXPECT_EQ(rows[1], nulls);
}

// "Getting the data from the results" → partitions (GET …?partition=N), gzip-encoded.
TEST_F(SnowflakeConnectorTest, StreamsEveryPartitionInOrderInBoundedBatches) {
  Start();
  auto c = Connect(Config());
  int batches = 0;
  auto rows = ReadAll(c.get(),
                      {.model_sql = "SELECT customer_id, email FROM customers ORDER BY customer_id",
                       .batch_rows = 700},
                      &batches);
  ASSERT_EQ(rows.size(), 2500u);
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i][0], core::Value::Int64(static_cast<int64_t>(i + 1)));
  }
  EXPECT_EQ(rows[41][1], core::Value::String("customer42@example.com"));
  EXPECT_EQ(batches, 4);  // 700 each; a batch goes on into the next partition; 400 left
  std::vector<std::string> partitions;
  for (const auto& r : server_->requests()) {
    auto it = r.params.find("partition");
    if (it == r.params.end()) continue;
    partitions.push_back(it->second);
    EXPECT_EQ(r.content_encoding, "gzip");
    EXPECT_NE(r.accept_encoding.find("gzip"), std::string::npos);
  }
  EXPECT_EQ(partitions, (std::vector<std::string>{"1", "2"}));
}

// Iterator predicates for every iterator type, and the MAX of each ("POST
// /api/v2/statements" with the statements the dialect writes).
TEST_F(SnowflakeConnectorTest, IncrementalWindowsForEveryIteratorType) {
  Start();
  auto c = Connect(Config());
  const std::string model = "SELECT customer_id, updated_at, signup_date, epoch_ms FROM customers";
  auto max_ms = c->MaxIterator(model, {.column = "EPOCH_MS", .type = IteratorType::kUnixMs});
  ASSERT_TRUE(max_ms.ok()) << max_ms.status().ToString();
  EXPECT_EQ(*max_ms, core::Value::Int64((kStart + 2500 * 60) * 1000));
  auto max_day = c->MaxIterator(model, {.column = "signup_date", .type = IteratorType::kDate});
  ASSERT_TRUE(max_day.ok()) << max_day.status().ToString();
  EXPECT_EQ(*max_day, core::Value::DateValue(
                          static_cast<int32_t>(core::FloorDiv(kStart + 2500 * 3600, 86400))));

  // Timestamp: (start + 2400 min, start + 2450 min] → customers 2401..2450.
  Range ts{.column = "updated_at",
           .type = IteratorType::kTimestamp,
           .lower = core::Value::TimestampValue((kStart + 2400 * 60) * core::kMicrosPerSecond),
           .upper = core::Value::TimestampValue((kStart + 2450 * 60) * core::kMicrosPerSecond)};
  auto rows = ReadAll(c.get(), {.model_sql = model, .ranges = {ts}});
  ASSERT_EQ(rows.size(), 50u);
  EXPECT_EQ(rows.front()[0], core::Value::Int64(2401));
  EXPECT_EQ(rows.back()[0], core::Value::Int64(2450));
  const std::string last = server_->statements().back();
  EXPECT_EQ(
      last,
      "SELECT * FROM (\n" + model +
          "\n) AS m WHERE (TO_TIMESTAMP_TZ(m.\"UPDATED_AT\") IS NOT NULL AND "
          "TO_TIMESTAMP_TZ(m.\"UPDATED_AT\") > TO_TIMESTAMP_TZ('2024-05-02 16:00:00.000000 "
          "+00:00', 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM') AND TO_TIMESTAMP_TZ(m.\"UPDATED_AT\") "
          "<= TO_TIMESTAMP_TZ('2024-05-02 16:50:00.000000 +00:00', 'YYYY-MM-DD "
          "HH24:MI:SS.FF6 TZH:TZM'))");

  // Date: [2024-06-01, 2024-06-03) by signup_date, checked against SQLite's own count.
  Range day{.column = "SIGNUP_DATE",
            .type = IteratorType::kDate,
            .lower = core::Value::DateValue(*core::ParseDate("2024-06-01")),
            .lower_inclusive = true,
            .upper = core::Value::DateValue(*core::ParseDate("2024-06-03")),
            .upper_exclusive = true};
  EXPECT_EQ(static_cast<int64_t>(ReadAll(c.get(), {.model_sql = model, .ranges = {day}}).size()),
            Scalar(db_,
                   "SELECT COUNT(*) FROM CUSTOMERS WHERE SIGNUP_DATE >= '2024-06-01' AND "
                   "SIGNUP_DATE < '2024-06-03'"));
  EXPECT_EQ(Scalar(db_,
                   "SELECT COUNT(*) FROM CUSTOMERS WHERE SIGNUP_DATE >= '2024-06-01' AND "
                   "SIGNUP_DATE < '2024-06-03'"),
            48);

  // Unix milliseconds and plain integers, both ends inclusive, with a LIMIT.
  Range ms{.column = "epoch_ms",
           .type = IteratorType::kUnixMs,
           .lower = core::Value::Int64((kStart + 10 * 60) * 1000),
           .lower_inclusive = true,
           .upper = core::Value::Int64((kStart + 20 * 60) * 1000)};
  Range id{
      .column = "customer_id", .type = IteratorType::kInteger, .lower = core::Value::Int64(12)};
  rows = ReadAll(c.get(), {.model_sql = model, .ranges = {ms, id}, .limit = 5});
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows.front()[0], core::Value::Int64(13));
  EXPECT_NE(
      server_->statements().back().find("TO_NUMBER(m.\"EPOCH_MS\") >= TO_NUMBER(1714522200000)"),
      std::string::npos);

  // A bound of the wrong kind is refused before anything is sent.
  Range wrong{
      .column = "updated_at", .type = IteratorType::kTimestamp, .lower = core::Value::Int64(5)};
  auto refused = c->Execute({.model_sql = model, .ranges = {wrong}});
  EXPECT_EQ(refused.status().code(), core::StatusCode::kInvalidArgument);
  auto unknown = c->Execute({.model_sql = model, .ranges = {{.column = "nope"}}});
  EXPECT_EQ(unknown.status().code(), core::StatusCode::kInvalidArgument)
      << unknown.status().ToString();
}

// "Authenticating to the server" failures, and the session's objects of "POST
// /api/v2/statements" that do not exist or are not granted.
TEST_F(SnowflakeConnectorTest, VerifyTellsEachFailureApart) {
  Start();
  const fake_snowflake::KeyPairPem other = fake_snowflake::GenerateRsaKeyPair();
  json wrong_key = Config();
  wrong_key["private_key"] = other.private_pem;
  core::Status s = Connect(wrong_key)->Verify();
  ExpectFailure(
      s, core::StatusCode::kUnauthenticated, kReasonAuthenticationFailed,
      "Snowflake refused the key-pair token of user 'wsync_user' in account "
      "'MYORG-ACCT' while verifying the connection (JWT token is invalid. (code 390144))");
  EXPECT_NE(s.message().find("fingerprint SHA256:"), std::string::npos);
  EXPECT_EQ(s.message().find("PRIVATE KEY"), std::string::npos);

  json wrong_token = Config();
  wrong_token.erase("private_key");
  wrong_token["token"] = "not-the-token-123";
  s = Connect(wrong_token)->Verify();
  ExpectFailure(s, core::StatusCode::kUnauthenticated, kReasonAuthenticationFailed,
                "Snowflake refused config.token while verifying the connection");
  EXPECT_EQ(s.message().find("not-the-token-123"), std::string::npos);

  json db = Config();
  db["database"] = "MISSING_DB";
  ExpectFailure(Connect(db)->Verify(), core::StatusCode::kNotFound, kReasonDatabaseNotFound,
                "database 'MISSING_DB' does not exist or role 'WSYNC_READER' may not use it (The "
                "requested database does not exist or not authorized. (code 390201))");
  json schema = Config();
  schema["schema"] = "NOPE";
  ExpectFailure(Connect(schema)->Verify(), core::StatusCode::kNotFound, kReasonSchemaNotFound,
                "schema 'NOPE' does not exist");
  json warehouse = Config();
  warehouse["warehouse"] = "GHOST_WH";
  ExpectFailure(Connect(warehouse)->Verify(), core::StatusCode::kNotFound, kReasonWarehouseNotFound,
                "warehouse 'GHOST_WH' does not exist or role 'WSYNC_READER' may not use it: check "
                "config.warehouse and GRANT USAGE ON WAREHOUSE to the role");
  json role = Config();
  role["role"] = "ADMIN";
  ExpectFailure(Connect(role)->Verify(), core::StatusCode::kPermissionDenied,
                kReasonPermissionDenied, "Snowflake refused role 'ADMIN' of user 'wsync_user'");
}

// Query failures with Snowflake's own message and position; access control; statement
// timeout (408); a statement that fails after it has produced rows ("Handling responses":
// QueryFailureStatus).
TEST_F(SnowflakeConnectorTest, QueryErrorsCarrySnowflakesMessage) {
  Start();
  auto c = Connect(Config());
  auto bad = c->Discover("SELECT customer_id FROMM customers", 0);
  EXPECT_EQ(bad.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "Snowflake could not run the statement while describing the data model: SQL "
            "compilation error: syntax error line 1 at position 25 unexpected 'customers'. (code "
            "001003, SQL state 42000)");
  auto midway = c->Execute({.model_sql = "SELECT TO_NUMBER(code) AS n FROM codes"});
  EXPECT_EQ(midway.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(midway.status().message(),
            "Snowflake could not run the statement while reading the data model: Numeric value "
            "'abc' is not recognized (code 100038, SQL state 22018)");
  ExpectFailure(c->Execute({.model_sql = "SELECT * FROM secrets"}).status(),
                core::StatusCode::kPermissionDenied, kReasonPermissionDenied,
                "Insufficient privileges to operate on table. (code 003001, SQL state 42501)");
  json no_wh = Config();
  no_wh["warehouse"] = "GHOST_WH";
  ExpectFailure(Connect(no_wh)->Execute({.model_sql = "SELECT * FROM customers"}).status(),
                core::StatusCode::kNotFound, kReasonWarehouseNotFound,
                "no warehouse is in use while reading the data model");
  json quick = Config();
  quick["statement_timeout_s"] = 1;
  ExpectFailure(Connect(quick)->Execute({.model_sql = "SELECT SYSTEM$WAIT(5) AS w"}).status(),
                core::StatusCode::kDeadlineExceeded, kReasonStatementTimeout,
                "the statement ran past its time limit (1 s) while reading the data model");
}

// "POST /api/v2/statements/{statementHandle}/cancel" when the run's StopToken fires.
TEST_F(SnowflakeConnectorTest, CancellingTheRunCancelsTheStatementInSnowflake) {
  Start();
  core::StopToken stop;
  auto c = Connect(Config(), &stop);
  std::thread canceller([&] {
    while (server_->statements().empty()) std::this_thread::sleep_for(milliseconds(5));
    std::this_thread::sleep_for(milliseconds(100));
    stop.Cancel("run cancelled by the user");
  });
  const auto start = std::chrono::steady_clock::now();
  auto r = c->Execute({.model_sql = "SELECT SYSTEM$WAIT(30) AS w"});
  canceller.join();
  EXPECT_EQ(r.status().code(), core::StatusCode::kCancelled);
  EXPECT_EQ(r.status().message(), "run cancelled by the user");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(server_->cancels(), 1);
  const auto seen = server_->requests();
  EXPECT_EQ(std::count_if(seen.begin(), seen.end(),
                          [](const fake_snowflake::SeenRequest& r) {
                            return r.method == "POST" &&
                                   r.path ==
                                       "/api/v2/statements/01b2c3d4-0000-4a5b-0000-000000000001/"
                                       "cancel";
                          }),
            1);
}

// Throttling (429 with Retry-After) and 5xx answers are retried ("Handling responses", HTTP
// response codes); retries of the statement's POST carry retry=true.
TEST_F(SnowflakeConnectorTest, RetriesThrottlingAndServerErrors) {
  Start();
  auto c = Connect(Config());
  server_->ThrottleNext(1, 2);
  ASSERT_TRUE(c->Verify().ok());
  EXPECT_EQ(sleeps_.front(), milliseconds(2000));
  auto seen = server_->requests();
  EXPECT_EQ(seen[0].status, 429);
  EXPECT_EQ(seen[1].params.find("retry")->second, "true");
  EXPECT_EQ(seen[0].params.find("requestId")->second, seen[1].params.find("requestId")->second);

  server_->FailNext(1);
  EXPECT_TRUE(c->Verify().ok());
  server_->ThrottleNext(100, 0);
  ExpectFailure(c->Verify(), core::StatusCode::kResourceExhausted, kReasonThrottled,
                "Snowflake is throttling this account's requests while verifying the connection "
                "(Too many requests (code 000429))");
}

// SPEC §12: base_url is reached only under the egress rule.
TEST_F(SnowflakeConnectorTest, TheEgressRuleAppliesToBaseUrl) {
  Start();
  NetworkPolicy public_only;
  CurlTransport strict(&public_only);
  deps_ = {.clock = core::SystemClock::Default(), .http = &strict};
  auto c = NewSnowflakeConnector(Config(), {}, deps_, &env_);
  ASSERT_TRUE(c.ok());
  ExpectFailure((*c)->Verify(), core::StatusCode::kPermissionDenied, kReasonAddressNotAllowed,
                "'127.0.0.1' is not an address this deployment may reach");
  EXPECT_TRUE(server_->requests().empty());
}

TEST_F(SnowflakeConnectorTest, ConfigIsCheckedWithoutContactingSnowflake) {
  Start();
  const auto fails = [&](json config, const std::string& field) {
    auto c = NewSnowflakeConnector(config, {}, {.http = &transport_});
    EXPECT_EQ(c.status().code(), core::StatusCode::kInvalidArgument) << config.dump();
    ASSERT_FALSE(c.status().details().empty()) << c.status().ToString();
    EXPECT_EQ(c.status().details()[0].field, field) << c.status().ToString();
  };
  json both = Config();
  both["token"] = "t";
  fails(both, "config.token");
  json none = Config();
  none.erase("private_key");
  fails(none, "config.private_key");
  json bad_key = Config();
  bad_key["private_key"] = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n";
  fails(bad_key, "config.private_key");
  json account = Config();
  account["account_identifier"] = "evil.com/x?";
  fails(account, "config.account_identifier");
  json timeout = Config();
  timeout["statement_timeout_s"] = 0;
  fails(timeout, "config.statement_timeout_s");
  EXPECT_TRUE(server_->requests().empty());
}

}  // namespace
}  // namespace wsync::warehouse
