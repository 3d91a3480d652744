// The BigQuery connector end to end: BigQueryConnector → CurlTransport → FakeBigQuery (the
// REST API v2 and OAuth2 shapes, fake_bigquery.h) → SQLite. Each test names the reference page
// it exercises.
#include "warehouse/bigquery/bigquery_connector.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

#include "core/time.h"
#include "fake_bigquery.h"
#include "testing/temp_dir.h"
#include "warehouse/egress.h"
#include "warehouse/http/curl_transport.h"
#include "warehouse/warehouse_error.h"

namespace wsync::warehouse {
namespace {

using fake_bigquery::FakeBigQuery;
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

const fake_bigquery::KeyPairPem& Keys() {
  static const fake_bigquery::KeyPairPem keys = fake_bigquery::GenerateRsaKeyPair();
  return keys;
}

class BigQueryConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.File("warehouse.db");
    Exec(db_, R"(
      CREATE TABLE customers (customer_id INT64, email STRING, plan STRING, balance NUMERIC CHAR,
                              updated_at TIMESTAMP, signup_date DATE, epoch_ms INT64);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
      INSERT INTO customers SELECT i, 'customer' || i || '@example.com',
        CASE WHEN i % 2 = 0 THEN 'pro' ELSE 'free' END, printf('%.2f', i * 1.25),
        strftime('%Y-%m-%d %H:%M:%S', 1714521600 + i * 60, 'unixepoch'),
        date(1714521600 + i * 3600, 'unixepoch'), (1714521600 + i * 60) * 1000 FROM n;
      CREATE TABLE types (id INT64, amount NUMERIC CHAR, big BIGNUMERIC CHAR, ratio FLOAT64,
                          name STRING, active BOOL, raw BYTES, day DATE, local_at DATETIME,
                          at_time TIME, ts TIMESTAMP, doc JSON, tags REPEATED STRING,
                          scores REPEATED INT64, address RECORD);
      INSERT INTO types VALUES (1, '-12.50', '123456789012345678901234567890.123456789', 1.5,
                                'Zoë', 1, X'DEADBEEF', '2024-05-01', '2024-05-01 12:00:00.5',
                                '13:45:30.25', '2024-05-01 12:00:00.123456', '{"a":[1,2]}',
                                '["x","y"]', '[3,4]', '{"city":"Paris","zip":75001,
                                "geo":{"lat":48.85}}');
      INSERT INTO types (id) VALUES (2);
      CREATE TABLE codes (code STRING);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
      INSERT INTO codes SELECT CASE WHEN i = 2900 THEN 'abc' ELSE i END FROM n;
      CREATE TABLE secrets (x STRING);
    )");
    options_.database_path = db_;
    options_.public_key_pem = Keys().public_pem;
    options_.page_rows = 1000;
    options_.denied_tables = {"secrets"};
    options_.record_fields["address"] = {
        {{"name", "city"}, {"type", "STRING"}},
        {{"name", "zip"}, {"type", "INTEGER"}},
        {{"name", "geo"}, {"type", "RECORD"}, {"fields", {{{"name", "lat"}, {"type", "FLOAT"}}}}}};
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

  void Start() { server_ = std::make_unique<FakeBigQuery>(options_); }

  json Config() const {
    return {{"project_id", "acme-analytics"},
            {"dataset_id", "analytics"},
            {"region", "US"},
            {"service_account_id", "wsync@acme-analytics.iam.gserviceaccount.com"},
            {"service_account_key", server_->KeyFile(Keys().private_pem)},
            {"base_url", server_->base_url()},
            {"token_url", server_->token_url()}};
  }

  std::unique_ptr<Connector> Connect(const json& config, const core::StopToken* stop = nullptr) {
    deps_ = {.clock = core::SystemClock::Default(), .http = &transport_, .network = &network_};
    auto c = NewBigQueryConnector(config, {.stop = stop}, deps_, &env_,
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

  std::vector<fake_bigquery::SeenRequest> Requests(std::string_view path_part) const {
    std::vector<fake_bigquery::SeenRequest> out;
    for (auto& r : server_->requests()) {
      if (r.path.find(path_part) != std::string::npos) out.push_back(r);
    }
    return out;
  }

  static void ExpectFailure(const core::Status& s, core::StatusCode code, std::string_view reason,
                            std::string_view part) {
    EXPECT_EQ(s.code(), code) << s.ToString();
    EXPECT_EQ(WarehouseReason(s), reason) << s.ToString();
    EXPECT_NE(s.message().find(part), std::string::npos) << s.message();
  }

  testing::TempDir dir_;
  std::string db_;
  fake_bigquery::Options options_;
  std::unique_ptr<FakeBigQuery> server_;
  NetworkPolicy network_;
  CurlTransport transport_{&network_};
  ConnectorDeps deps_;
  RetryEnv env_;
  std::mutex mu_;
  std::vector<milliseconds> sleeps_;
};

// OAuth 2.0 for service accounts (JWT bearer grant), jobs.query's QueryRequest, datasets.get.
TEST_F(BigQueryConnectorTest, VerifiesWithAServiceAccountTokenAndSendsTheQueryRequest) {
  Start();
  auto c = Connect(Config());
  ASSERT_TRUE(c->Verify().ok());
  ASSERT_TRUE(c->Verify().ok());
  // One token for both calls: it is cached until five minutes before it expires.
  EXPECT_EQ(server_->tokens_issued(), 1);
  std::vector<fake_bigquery::SeenRequest> seen = server_->requests();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/token");
  EXPECT_TRUE(seen[0].body.starts_with(
      "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=ey"));
  EXPECT_EQ(seen[1].path, "/bigquery/v2/projects/acme-analytics/queries");
  EXPECT_TRUE(seen[1].authorization.starts_with("Bearer ya29.fake-"));
  json body = json::parse(seen[1].body);
  EXPECT_EQ(body["query"], "SELECT 1 AS ok");
  EXPECT_EQ(body["useLegacySql"], false);
  EXPECT_EQ(body["location"], "US");
  EXPECT_EQ(body["defaultDataset"],
            json({{"projectId", "acme-analytics"}, {"datasetId", "analytics"}}));
  EXPECT_EQ(body["jobTimeoutMs"], "3600000");
  EXPECT_EQ(body["maxResults"], 10000);
  EXPECT_EQ(body["requestId"].get<std::string>().size(), 36u);
  EXPECT_EQ(seen[2].method, "GET");
  EXPECT_EQ(seen[2].path, "/bigquery/v2/projects/acme-analytics/datasets/analytics");
}

// jobs.getQueryResults while jobComplete is false.
TEST_F(BigQueryConnectorTest, PollsUntilTheJobIsComplete) {
  options_.pending_polls = 3;
  Start();
  auto c = Connect(Config());
  auto max = c->MaxIterator("SELECT customer_id, updated_at FROM customers",
                            {.column = "UPDATED_AT", .type = IteratorType::kTimestamp});
  ASSERT_TRUE(max.ok()) << max.status().ToString();
  EXPECT_EQ(*max, core::Value::TimestampValue((kStart + 2500 * 60) * core::kMicrosPerSecond));
  std::vector<fake_bigquery::SeenRequest> polls = Requests("/queries/job_fake");
  ASSERT_EQ(polls.size(), 4u);  // the describe was a dry run: only the MAX job is polled
  for (const auto& p : polls) {
    EXPECT_EQ(p.path, "/bigquery/v2/projects/acme-analytics/queries/job_fake0002");
    EXPECT_EQ(p.params.find("location")->second, "US");
  }
  // The column is quoted as the model spells it.
  EXPECT_EQ(server_->queries()[1],
            "SELECT MAX(CAST(m.`updated_at` AS TIMESTAMP)) FROM (\nSELECT customer_id, updated_at "
            "FROM customers\n) AS m WHERE (CAST(m.`updated_at` AS TIMESTAMP) IS NOT NULL)");
}

// Data types of the REST API (rows of {"f":[{"v":…}]}): every type and NULL.
TEST_F(BigQueryConnectorTest, EveryTypeAndNullMapToWsyncValues) {
  Start();
  auto c = Connect(Config());
  auto d = c->Discover("SELECT * FROM types ORDER BY id", 0);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  std::vector<std::pair<std::string, core::Type>> want = {
      {"id", core::Type::kInt64},           {"amount", core::Type::kDecimal},
      {"big", core::Type::kDecimal},        {"ratio", core::Type::kDouble},
      {"name", core::Type::kString},        {"active", core::Type::kBool},
      {"raw", core::Type::kBytes},          {"day", core::Type::kDate},
      {"local_at", core::Type::kTimestamp}, {"at_time", core::Type::kString},
      {"ts", core::Type::kTimestamp},       {"doc", core::Type::kString},
      {"tags", core::Type::kArray},         {"scores", core::Type::kArray},
      {"address", core::Type::kString}};
  ASSERT_EQ(d->columns.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(d->columns[i].name, want[i].first);
    EXPECT_EQ(d->columns[i].type, want[i].second) << want[i].first;
    EXPECT_FALSE(d->columns[i].inferred);
  }
  ASSERT_EQ(d->warnings.size(), 1u);
  EXPECT_EQ(d->warnings[0],
            "column 'raw' holds binary data: the default mapping skips it and mapping it is a row "
            "error (binary_value); select TO_BASE64(column) or TO_HEX(column) to sync it as text");
  // Discovery ran nothing: one dry run of the LIMIT 0 wrap.
  EXPECT_EQ(
      server_->queries(),
      std::vector<std::string>{"SELECT * FROM (\nSELECT * FROM types ORDER BY id\n) AS m LIMIT 0"});
  EXPECT_EQ(json::parse(Requests("/queries").at(0).body)["dryRun"], true);

  auto rows = ReadAll(c.get(), {.model_sql = "SELECT * FROM types ORDER BY id"});
  ASSERT_EQ(rows.size(), 2u);
  const core::Row expected = {
      core::Value::Int64(1),
      core::Value::Dec("-12.50"),
      core::Value::Dec("123456789012345678901234567890.123456789"),
      core::Value::Double(1.5),
      core::Value::String("Zoë"),
      core::Value::Bool(true),
      core::Value::BytesValue("\xDE\xAD\xBE\xEF"),
      core::Value::DateValue(19844),
      core::Value::TimestampValue(1714564800500000),
      core::Value::String("13:45:30.25"),
      core::Value::TimestampValue(1714564800123456),
      core::Value::String("{\"a\":[1,2]}"),
      core::Value::Array({core::Value::String("x"), core::Value::String("y")}),
      core::Value::Array({core::Value::Int64(3), core::Value::Int64(4)}),
      core::Value::String("{\"city\":\"Paris\",\"geo\":{\"lat\":48.85},\"zip\":75001}")};
  EXPECT_EQ(rows[0], expected);
  // BigQuery has no NULL arrays: REPEATED fields without values are empty.
  core::Row nulls(expected.size());
  nulls[0] = core::Value::Int64(2);
  nulls[12] = core::Value::Array({});
  nulls[13] = core::Value::Array({});
  EXPECT_EQ(rows[1], nulls);
}

// jobs.getQueryResults paging by pageToken: a result larger than one page, one page at a time.
TEST_F(BigQueryConnectorTest, StreamsEveryPageInOrderInBoundedBatches) {
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
  EXPECT_EQ(batches, 4);
  std::vector<std::string> tokens;
  for (const auto& r : Requests("/queries/job_fake")) {
    tokens.push_back(r.params.find("pageToken")->second);
    EXPECT_EQ(r.params.find("maxResults")->second, "10000");
  }
  // Opaque tokens with '=' and '?' travel percent-encoded and come back intact.
  EXPECT_EQ(tokens, (std::vector<std::string>{"b2Zmc2V0PTEwMDA/", "b2Zmc2V0PTIwMDA/"}));
}

// Iterator predicates for every iterator type, with typed literals, and the MAX of each.
TEST_F(BigQueryConnectorTest, IncrementalWindowsForEveryIteratorType) {
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

  Range ts{.column = "updated_at",
           .type = IteratorType::kTimestamp,
           .lower = core::Value::TimestampValue((kStart + 2400 * 60) * core::kMicrosPerSecond),
           .upper = core::Value::TimestampValue((kStart + 2450 * 60) * core::kMicrosPerSecond)};
  auto rows = ReadAll(c.get(), {.model_sql = model, .ranges = {ts}});
  ASSERT_EQ(rows.size(), 50u);
  EXPECT_EQ(rows.front()[0], core::Value::Int64(2401));
  EXPECT_EQ(rows.back()[0], core::Value::Int64(2450));
  EXPECT_EQ(server_->queries().back(),
            "SELECT * FROM (\n" + model +
                "\n) AS m WHERE (CAST(m.`updated_at` AS TIMESTAMP) IS NOT NULL AND "
                "CAST(m.`updated_at` AS TIMESTAMP) > TIMESTAMP '2024-05-02 16:00:00.000000+00:00' "
                "AND CAST(m.`updated_at` AS TIMESTAMP) <= TIMESTAMP '2024-05-02 "
                "16:50:00.000000+00:00')");

  Range day{.column = "SIGNUP_DATE",
            .type = IteratorType::kDate,
            .lower = core::Value::DateValue(*core::ParseDate("2024-06-01")),
            .lower_inclusive = true,
            .upper = core::Value::DateValue(*core::ParseDate("2024-06-03")),
            .upper_exclusive = true};
  EXPECT_EQ(ReadAll(c.get(), {.model_sql = model, .ranges = {day}}).size(), 48u);
  EXPECT_NE(server_->queries().back().find("CAST(m.`signup_date` AS DATE) >= DATE '2024-06-01'"),
            std::string::npos);

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
  EXPECT_NE(server_->queries().back().find("CAST(m.`epoch_ms` AS INT64) >= 1714522200000"),
            std::string::npos);
  EXPECT_TRUE(server_->queries().back().ends_with(" LIMIT 5"));

  Range wrong{
      .column = "updated_at", .type = IteratorType::kTimestamp, .lower = core::Value::Int64(5)};
  EXPECT_EQ(c->Execute({.model_sql = model, .ranges = {wrong}}).status().code(),
            core::StatusCode::kInvalidArgument);
  EXPECT_EQ(c->Execute({.model_sql = model, .ranges = {{.column = "nope"}}}).status().code(),
            core::StatusCode::kInvalidArgument);
}

// Error messages: a refused key, an unknown project / dataset, a service account without the
// Job User role.
TEST_F(BigQueryConnectorTest, VerifyTellsEachFailureApart) {
  Start();
  const fake_bigquery::KeyPairPem other = fake_bigquery::GenerateRsaKeyPair();
  json wrong_key = Config();
  wrong_key["service_account_key"] = server_->KeyFile(other.private_pem);
  core::Status s = Connect(wrong_key)->Verify();
  ExpectFailure(s, core::StatusCode::kUnauthenticated, kReasonAuthenticationFailed,
                "Google refused the key of service account "
                "'wsync@acme-analytics.iam.gserviceaccount.com' (key id "
                "5f1e0d2c3b4a69788796a5b4c3d2e1f001234567) (invalid_grant: Invalid JWT "
                "Signature.)");
  EXPECT_EQ(s.message().find("PRIVATE KEY"), std::string::npos);

  json project = Config();
  project["project_id"] = "nope-project";
  ExpectFailure(Connect(project)->Verify(), core::StatusCode::kNotFound, kReasonProjectNotFound,
                "project 'nope-project' does not exist or service account "
                "'wsync@acme-analytics.iam.gserviceaccount.com' may not see it (Not found: "
                "Project nope-project (notFound)): check config.project_id");
  json dataset = Config();
  dataset["dataset_id"] = "missing_ds";
  ExpectFailure(Connect(dataset)->Verify(), core::StatusCode::kNotFound, kReasonDatasetNotFound,
                "(Not found: Dataset acme-analytics:missing_ds was not found in location US "
                "(notFound)): check config.dataset_id, config.region");
  options_.may_create_jobs = false;
  Start();
  ExpectFailure(Connect(Config())->Verify(), core::StatusCode::kPermissionDenied,
                kReasonPermissionDenied,
                "BigQuery denied service account 'wsync@acme-analytics.iam.gserviceaccount.com' "
                "while verifying the connection (Access Denied: Project acme-analytics: User does "
                "not have bigquery.jobs.create permission in project acme-analytics. "
                "(accessDenied)): grant it the BigQuery Job User role");
}

// invalidQuery with BigQuery's message and position (counted from the model's first line), a
// query failing mid-way, accessDenied on a table, a job timeout.
TEST_F(BigQueryConnectorTest, QueryErrorsCarryBigQuerysMessage) {
  Start();
  auto c = Connect(Config());
  auto bad = c->Discover("SELECT customer_id\nFROMM customers", 0);
  EXPECT_EQ(bad.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "BigQuery could not run the statement while describing the data model: Syntax error: "
            "Unexpected identifier \"customers\" at [2:7] (invalidQuery)");
  auto midway = c->Execute({.model_sql = "SELECT CAST(code AS INT64) AS n FROM codes"});
  EXPECT_EQ(midway.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(midway.status().message(),
            "BigQuery could not run the statement while reading the data model: Bad int64 value: "
            "abc (invalidQuery)");
  ExpectFailure(c->Execute({.model_sql = "SELECT * FROM secrets"}).status(),
                core::StatusCode::kPermissionDenied, kReasonPermissionDenied,
                "Access Denied: Table acme-analytics:analytics: User does not have permission");
  auto missing = c->Execute({.model_sql = "SELECT * FROM `analytics.nope`"});
  EXPECT_EQ(missing.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().message(),
            "BigQuery could not run the statement while reading the data model: Not found: "
            "Table acme-analytics:analytics.nope was not found in location US (notFound)");
  json quick = Config();
  quick["statement_timeout_s"] = 1;
  ExpectFailure(
      Connect(quick)
          ->Execute({.model_sql = "WITH RECURSIVE n AS (SELECT 1 AS i UNION ALL SELECT i + 1 "
                                  "FROM n WHERE i < 1000000000) SELECT COUNT(*) AS c FROM n"})
          .status(),
      core::StatusCode::kDeadlineExceeded, kReasonStatementTimeout,
      "the query ran past its time limit (1 s) while reading the data model");
}

// jobs.cancel when the run's StopToken fires.
TEST_F(BigQueryConnectorTest, CancellingTheRunCancelsTheJob) {
  Start();
  core::StopToken stop;
  auto c = Connect(Config(), &stop);
  std::thread canceller([&] {
    while (server_->queries().empty()) std::this_thread::sleep_for(milliseconds(5));
    // jobs.query answers within its 1 s timeoutMs; the cancel then finds the job being polled.
    std::this_thread::sleep_for(milliseconds(1500));
    stop.Cancel("run cancelled by the user");
  });
  const auto start = std::chrono::steady_clock::now();
  auto r = c->Execute({.model_sql = "WITH RECURSIVE n AS (SELECT 1 AS i UNION ALL SELECT i + 1 "
                                    "FROM n WHERE i < 1000000000) SELECT COUNT(*) AS c FROM n"});
  canceller.join();
  EXPECT_EQ(r.status().code(), core::StatusCode::kCancelled);
  EXPECT_EQ(r.status().message(), "run cancelled by the user");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(server_->cancels(), 1);
  auto cancels = Requests("/cancel");
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0].path, "/bigquery/v2/projects/acme-analytics/jobs/job_fake0001/cancel");
  EXPECT_EQ(cancels[0].params.find("location")->second, "US");
}

// Throttling (429 with Retry-After, 403 rateLimitExceeded), backendError 503, a revoked token.
TEST_F(BigQueryConnectorTest, RetriesThrottlingServerErrorsAndExpiredTokens) {
  Start();
  auto c = Connect(Config());
  server_->ThrottleNext(1, 2);
  ASSERT_TRUE(c->Verify().ok());
  EXPECT_EQ(sleeps_.front(), milliseconds(2000));
  auto queries = Requests("/queries");
  ASSERT_GE(queries.size(), 2u);
  EXPECT_EQ(queries[0].status, 429);
  EXPECT_EQ(queries[1].status, 200);
  EXPECT_EQ(server_->queries(), std::vector<std::string>{"SELECT 1 AS ok"});  // one job

  sleeps_.clear();
  server_->ThrottleNext(1, 3, true);
  ASSERT_TRUE(c->Verify().ok());
  EXPECT_EQ(sleeps_.front(), milliseconds(3000));
  server_->FailNext(1);
  EXPECT_TRUE(c->Verify().ok());
  server_->RevokeTokens();
  EXPECT_TRUE(c->Verify().ok());
  EXPECT_EQ(server_->tokens_issued(), 2);
  server_->ThrottleNext(100, 0);
  ExpectFailure(c->Verify(), core::StatusCode::kResourceExhausted, kReasonThrottled,
                "BigQuery is throttling project 'acme-analytics' while verifying the connection "
                "(Exceeded rate limits: too many api requests per user per method for this "
                "user_method. (rateLimitExceeded))");
}

// SPEC §12: base_url and token_url are reached only under the egress rule.
TEST_F(BigQueryConnectorTest, TheEgressRuleAppliesToBothUrls) {
  Start();
  NetworkPolicy public_only;
  CurlTransport strict(&public_only);
  deps_ = {.clock = core::SystemClock::Default(), .http = &strict};
  auto c = NewBigQueryConnector(Config(), {}, deps_, &env_);
  ASSERT_TRUE(c.ok());
  ExpectFailure((*c)->Verify(), core::StatusCode::kPermissionDenied, kReasonAddressNotAllowed,
                "config.token_url '127.0.0.1' is not an address this deployment may reach");
  EXPECT_TRUE(server_->requests().empty());
}

TEST_F(BigQueryConnectorTest, ConfigIsCheckedWithoutContactingGoogle) {
  Start();
  const auto fails = [&](json config, const std::string& field) {
    auto c = NewBigQueryConnector(config, {}, {.http = &transport_});
    EXPECT_EQ(c.status().code(), core::StatusCode::kInvalidArgument) << config.dump();
    ASSERT_FALSE(c.status().details().empty()) << c.status().ToString();
    EXPECT_EQ(c.status().details()[0].field, field) << c.status().ToString();
  };
  json none = Config();
  none.erase("service_account_key");
  fails(none, "config.service_account_key");
  json other = Config();
  other["service_account_id"] = "someone@else.iam.gserviceaccount.com";
  fails(other, "config.service_account_id");
  json project = Config();
  project["project_id"] = "evil.com/x?";
  fails(project, "config.project_id");
  json region = Config();
  region["region"] = "us central";
  fails(region, "config.region");
  json url = Config();
  url["token_url"] = "file:///etc/passwd";
  fails(url, "config.token_url");
  json from_key = Config();
  from_key.erase("project_id");
  EXPECT_TRUE(NewBigQueryConnector(from_key, {}, {.http = &transport_}).ok());
  EXPECT_TRUE(server_->requests().empty());
}

}  // namespace
}  // namespace wsync::warehouse
