// The PostgreSQL and Redshift connectors against the real server of scripts/pg-test.sh (CTest
// starts it; WSYNC_PG_ADDRESS=HOST:PORT says where): types, streaming, cancellation, each
// verify failure, read-only enforcement and incremental windows with ties.
#include "warehouse/postgres/postgres_connector.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "core/stop_token.h"
#include "core/time.h"
#include "warehouse/builtin_providers.h"
#include "warehouse/egress.h"
#include "warehouse/postgres/pg_session.h"
#include "warehouse/warehouse_error.h"

namespace wsync::warehouse {
namespace {

using nlohmann::json;

constexpr const char* kPassword = "wsync-test-pw";

class PostgresConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* address = std::getenv("WSYNC_PG_ADDRESS");
    if (address == nullptr || std::string_view(address).find(':') == std::string_view::npos) {
      GTEST_SKIP() << "WSYNC_PG_ADDRESS unset: run through ctest, which starts the test server "
                      "(scripts/pg-test.sh)";
    }
    std::string a = address;
    host_ = a.substr(0, a.rfind(':'));
    port_ = std::atoi(a.c_str() + a.rfind(':') + 1);
    auto policy = NetworkPolicy::Allowing({"127.0.0.0/8"});
    ASSERT_TRUE(policy.ok());
    policy_ = *policy;
  }

  json Config(json overrides = json::object()) const {
    json c = {{"host", host_},   {"port", port_},         {"database", "wsync_test"},
              {"user", "wsync"}, {"password", kPassword}, {"sslmode", "disable"}};
    c.update(overrides);
    return c;
  }

  std::unique_ptr<Connector> Make(json config, const core::StopToken* stop = nullptr,
                                  bool redshift = false,
                                  PgExtraction extraction = PgExtraction::kCopy) {
    auto c = NewPostgresConnector(config, {.stop = stop, .trusted = false}, &policy_, redshift,
                                  extraction);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  // Runs `sql` as the owner of the test database, outside any connector.
  void Admin(const std::string& sql) {
    std::string conninfo = "host=" + host_ + " port=" + std::to_string(port_) +
                           " dbname=wsync_test user=wsync password=" + kPassword +
                           " sslmode=disable";
    PGconn* conn = PQconnectdb(conninfo.c_str());
    ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
    PGresult* r = PQexec(conn, sql.c_str());
    EXPECT_TRUE(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
        << PQresultErrorMessage(r) << " in " << sql;
    PQclear(r);
    PQfinish(conn);
  }

  std::vector<core::Row> ReadAll(Connector* c, Query q, size_t* batches = nullptr) {
    auto stream = c->Execute(q);
    EXPECT_TRUE(stream.ok()) << stream.status().ToString();
    std::vector<core::Row> rows;
    if (!stream.ok()) return rows;
    core::RowBatch batch;
    for (;;) {
      auto more = (*stream)->Next(&batch);
      EXPECT_TRUE(more.ok()) << more.status().ToString();
      if (!more.ok() || !*more) break;
      EXPECT_LE(batch.rows.size(), q.batch_rows);
      if (batches) ++*batches;
      for (auto& r : batch.rows) rows.push_back(std::move(r));
    }
    return rows;
  }

  std::string host_;
  int port_ = 0;
  NetworkPolicy policy_;
};

void ExpectFailure(const core::Status& s, core::StatusCode code, std::string_view reason,
                   std::string_view part) {
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_EQ(WarehouseReason(s), reason) << s.ToString();
  EXPECT_NE(s.message().find(part), std::string::npos) << s.message();
}

TEST_F(PostgresConnectorTest, VerifySucceeds) {
  auto c = Make(Config());
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->Verify().ok()) << c->Verify().ToString();
  // TLS works too: the test server has a (self-signed) certificate.
  EXPECT_TRUE(Make(Config({{"sslmode", "require"}}))->Verify().ok());
  EXPECT_TRUE(Make(Config({{"database", "tlsonly"}, {"sslmode", "require"}}))->Verify().ok());
}

TEST_F(PostgresConnectorTest, VerifyTellsEachFailureApart) {
  const std::string wrong = "not-the-Password-42";
  core::Status s = Make(Config({{"password", wrong}}))->Verify();
  ExpectFailure(s, core::StatusCode::kUnauthenticated, kReasonAuthenticationFailed,
                "refused the credentials of user 'wsync': check config.user and config.password");
  EXPECT_EQ(s.message().find(wrong), std::string::npos) << s.message();

  s = Make(Config({{"database", "no_such_db"}}))->Verify();
  ExpectFailure(s, core::StatusCode::kNotFound, kReasonDatabaseNotFound,
                "has no database 'no_such_db': check config.database");

  s = Make(Config({{"port", 1}}))->Verify();
  ExpectFailure(s, core::StatusCode::kUnavailable, kReasonUnreachable,
                "could not reach the warehouse at 127.0.0.1:1: check config.host and config.port");

  s = Make(Config({{"database", "tlsonly"}, {"sslmode", "disable"}}))->Verify();
  ExpectFailure(s, core::StatusCode::kFailedPrecondition, kReasonTlsRequired,
                "requires TLS for this database and user, and config.sslmode 'disable' did not "
                "use it: set config.sslmode to 'require'");

  s = Make(Config({{"database", "plainonly"}, {"sslmode", "require"}}))->Verify();
  ExpectFailure(s, core::StatusCode::kFailedPrecondition, kReasonTlsRefused,
                "refused or failed the TLS connection that config.sslmode 'require' asks for");
  // sslmode prefer falls back to no TLS where TLS is refused.
  EXPECT_TRUE(Make(Config({{"database", "plainonly"}, {"sslmode", "prefer"}}))->Verify().ok());

  // No root certificate to check the server's against: a TLS failure, not "unreachable".
  s = Make(Config({{"sslmode", "verify-full"}}))->Verify();
  ExpectFailure(s, core::StatusCode::kFailedPrecondition, kReasonTlsRefused, "config.sslmode");
}

TEST_F(PostgresConnectorTest, PasswordsNeverAppearInErrors) {
  // A password that is also part of the database name: libpq's message names the database.
  const std::string pw = "Zq7-secret";
  core::Status s = Make(Config({{"password", pw}, {"database", "db-" + pw}}))->Verify();
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message().find(pw), std::string::npos) << s.message();
  EXPECT_EQ(ScrubSecret("a " + pw + " b " + pw, pw), "a ******** b ********");
  EXPECT_EQ(ScrubSecret("nothing", ""), "nothing");
}

TEST_F(PostgresConnectorTest, EgressRuleAppliesToClientConfigsOnly) {
  auto untrusted = NewPostgresConnector(Config(), {}, nullptr);  // public addresses only
  ASSERT_TRUE(untrusted.ok());
  core::Status s = (*untrusted)->Verify();
  ExpectFailure(s, core::StatusCode::kPermissionDenied, kReasonAddressNotAllowed,
                "config.host '127.0.0.1' is not an address this deployment may reach");
  for (const char* host : {"::1", "10.0.0.1", "169.254.169.254", "/tmp", "0.0.0.0"}) {
    auto c = NewPostgresConnector(Config({{"host", host}}), {}, &policy_);
    ASSERT_TRUE(c.ok());
    s = (*c)->Verify();
    EXPECT_EQ(s.code(), core::StatusCode::kPermissionDenied) << host << ": " << s.ToString();
    EXPECT_EQ(WarehouseReason(s), kReasonAddressNotAllowed) << host;
  }
  // The operator's own config files may reach anything.
  auto trusted = NewPostgresConnector(Config(), {.stop = nullptr, .trusted = true}, nullptr);
  ASSERT_TRUE(trusted.ok());
  EXPECT_TRUE((*trusted)->Verify().ok());
}

TEST_F(PostgresConnectorTest, ConfigIsCheckedWithoutConnecting) {
  EXPECT_EQ(NewPostgresConnector(Config({{"host", ""}})).status().message(),
            "config.host: the warehouse's host name or address is required");
  EXPECT_EQ(NewPostgresConnector(Config({{"port", 70000}})).status().message(),
            "config.port: must be an integer from 1 to 65535");
  EXPECT_EQ(NewPostgresConnector(Config({{"sslmode", "maybe"}})).status().message(),
            "config.sslmode: must be one of disable, allow, prefer, require, verify-ca, "
            "verify-full");
  EXPECT_EQ(NewPostgresConnector(Config({{"statement_timeout_s", 0}})).status().code(),
            core::StatusCode::kInvalidArgument);
  json no_user = Config();
  no_user.erase("user");
  EXPECT_EQ(NewPostgresConnector(no_user).status().message(),
            "config.user: the user name is required");
  // Registered for both providers.
  Registry registry;
  RegisterBuiltinProviders(&registry);
  EXPECT_TRUE(registry.Create("postgres", Config()).ok());
  EXPECT_TRUE(registry.Create("redshift", Config()).ok());
}

TEST_F(PostgresConnectorTest, PermissionDeniedAndStatementTimeout) {
  auto limited = Make(Config({{"user", "wsync_limited"}, {"password", "limited-pw"}}));
  ASSERT_TRUE(limited->Verify().ok());
  EXPECT_TRUE(limited->Discover("SELECT id FROM open_table", 1).ok());
  auto d = limited->Discover("SELECT o.id FROM open_table o JOIN secret_table s USING (id)", 1);
  ExpectFailure(d.status(), core::StatusCode::kPermissionDenied, kReasonPermissionDenied,
                "user 'wsync_limited' may not read what the data model reads (permission denied "
                "for table secret_table): grant it SELECT");

  auto slow = Make(Config({{"statement_timeout_s", 1}}));
  auto start = std::chrono::steady_clock::now();
  auto t = slow->Discover("SELECT pg_sleep(5)::text AS slept", 1);
  ExpectFailure(t.status(), core::StatusCode::kDeadlineExceeded, kReasonStatementTimeout,
                "the statement ran past the connection's statement timeout (1 s) while "
                "reading sample rows: raise config.statement_timeout_s");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST_F(PostgresConnectorTest, EveryTypeAndNull) {
  Admin(R"(DROP TABLE IF EXISTS typed;
    CREATE TABLE typed (
      i2 int2, i4 int4, i8 int8, num numeric(30,10), f4 float4, f8 float8, b bool, t text,
      vc varchar(10), ch char(3), d date, ts timestamp, tstz timestamptz, tm time, u uuid,
      ai int4[], at text[], j json, jb jsonb, by bytea);
    INSERT INTO typed VALUES (
      -32768, 2147483647, -9223372036854775808, 12345678901234567890.0123456789, 1.5,
      0.1, true, 'héllo ''q''', 'v', 'ab', '2024-02-29', '2024-02-29 23:59:59.123456',
      '2024-03-01 01:30:00.5+02', '10:11:12.5', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      '{1,NULL,3}', '{"a b",NULL,"c,d"}', '{"k": [1, 2]}', '{"k": {"z": null}}', '\x00ff');
    INSERT INTO typed VALUES (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
      NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);)");
  auto c = Make(Config());
  const std::string model = "SELECT * FROM typed ORDER BY i2 NULLS LAST";
  auto d = c->Discover(model, 10);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  std::vector<std::pair<std::string, core::Type>> want = {
      {"i2", core::Type::kInt64},       {"i4", core::Type::kInt64},  {"i8", core::Type::kInt64},
      {"num", core::Type::kDecimal},    {"f4", core::Type::kDouble}, {"f8", core::Type::kDouble},
      {"b", core::Type::kBool},         {"t", core::Type::kString},  {"vc", core::Type::kString},
      {"ch", core::Type::kString},      {"d", core::Type::kDate},    {"ts", core::Type::kTimestamp},
      {"tstz", core::Type::kTimestamp}, {"tm", core::Type::kString}, {"u", core::Type::kString},
      {"ai", core::Type::kArray},       {"at", core::Type::kArray},  {"j", core::Type::kString},
      {"jb", core::Type::kString},      {"by", core::Type::kBytes}};
  ASSERT_EQ(d->columns.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(d->columns[i].name, want[i].first);
    EXPECT_EQ(d->columns[i].type, want[i].second) << want[i].first;
    EXPECT_FALSE(d->columns[i].inferred);
  }
  ASSERT_EQ(d->sample_rows.size(), 2u);

  auto rows = ReadAll(c.get(), {.model_sql = model});
  ASSERT_EQ(rows.size(), 2u);
  const core::Row& r = rows[0];
  EXPECT_EQ(r[0], core::Value::Int64(-32768));
  EXPECT_EQ(r[1], core::Value::Int64(2147483647));
  EXPECT_EQ(r[2], core::Value::Int64(INT64_MIN));
  EXPECT_EQ(r[3], core::Value::Dec("12345678901234567890.0123456789"));
  EXPECT_EQ(r[4], core::Value::Double(1.5));
  EXPECT_EQ(r[5], core::Value::Double(0.1));
  EXPECT_EQ(r[6], core::Value::Bool(true));
  EXPECT_EQ(r[7], core::Value::String("héllo 'q'"));
  EXPECT_EQ(r[8], core::Value::String("v"));
  EXPECT_EQ(r[9], core::Value::String("ab "));
  EXPECT_EQ(r[10], core::Value::DateValue(*core::ParseDate("2024-02-29")));
  EXPECT_EQ(r[11],
            core::Value::TimestampValue(*core::ParseTimestamp("2024-02-29T23:59:59.123456Z")));
  EXPECT_EQ(r[12], core::Value::TimestampValue(*core::ParseTimestamp("2024-02-29T23:30:00.5Z")));
  EXPECT_EQ(r[13], core::Value::String("10:11:12.5"));
  EXPECT_EQ(r[14], core::Value::String("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
  EXPECT_EQ(r[15], core::Value::Array(
                       {core::Value::Int64(1), core::Value::Null(), core::Value::Int64(3)}));
  EXPECT_EQ(r[16], core::Value::Array({core::Value::String("a b"), core::Value::Null(),
                                       core::Value::String("c,d")}));
  EXPECT_EQ(r[17], core::Value::String("{\"k\": [1, 2]}"));
  EXPECT_EQ(r[18], core::Value::String("{\"k\": {\"z\": null}}"));
  EXPECT_EQ(r[19], core::Value::BytesValue(std::string("\0\xff", 2)));
  for (const core::Value& v : rows[1]) EXPECT_TRUE(v.is_null()) << v.ToText();
  EXPECT_EQ(d->sample_rows[0], rows[0]);
  EXPECT_EQ(d->sample_rows[1], rows[1]);
  EXPECT_EQ(d->warnings.size(), 1u);  // the bytea column
}

TEST_F(PostgresConnectorTest, CopyExtractionReadsTheSameValuesAsTheCursor) {
  Admin(R"(DROP TABLE IF EXISTS copied;
    CREATE TABLE copied (id int, t text, at text[], num numeric, ts timestamptz, j jsonb, by bytea);
    INSERT INTO copied VALUES
      (1, E'tab\there\nnew line\\ back\\slash \\N', '{"q\"x","b\\\\c",NULL}', -0.000100,
       '1999-12-31 23:59:59.999999+00', '{"a": "\\t"}', '\x0a09'),
      (2, '\N', '{}', 1e30, NULL, 'null', ''),
      (3, NULL, NULL, NULL, NULL, NULL, NULL);)");
  const std::string model = "SELECT * FROM copied ORDER BY id";
  auto cursor = Make(Config(), nullptr, false, PgExtraction::kCursor);
  auto copy = NewPostgresConnector(Config(), {}, &policy_, false, PgExtraction::kCopy);
  ASSERT_TRUE(copy.ok());
  auto by_cursor = ReadAll(cursor.get(), {.model_sql = model, .batch_rows = 2});
  auto by_copy = ReadAll(copy->get(), {.model_sql = model, .batch_rows = 2});
  ASSERT_EQ(by_cursor.size(), 3u);
  EXPECT_EQ(by_copy, by_cursor);
  EXPECT_EQ(by_copy[0][1], core::Value::String("tab\there\nnew line\\ back\\slash \\N"));
  EXPECT_EQ(by_copy[0][2],
            core::Value::Array(
                {core::Value::String("q\"x"), core::Value::String("b\\\\c"), core::Value::Null()}));
  EXPECT_EQ(by_copy[0][3], core::Value::Dec("-0.000100"));
  EXPECT_EQ(by_copy[0][6], core::Value::BytesValue("\n\t"));
  EXPECT_EQ(by_copy[1][1], core::Value::String("\\N"));
  EXPECT_TRUE(by_copy[2][1].is_null());
  // Cancelling a COPY in flight.
  core::StopToken stop;
  auto slow = NewPostgresConnector(Config(), {.stop = &stop}, &policy_, false, PgExtraction::kCopy);
  ASSERT_TRUE(slow.ok());
  auto stream = (*slow)->Execute(
      {.model_sql = "SELECT n, pg_sleep(0.005)::text AS s FROM generate_series(1, 100000) n"});
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  std::thread canceller([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop.Cancel("the run was cancelled");
  });
  auto start = std::chrono::steady_clock::now();
  core::RowBatch batch;
  core::Status s;
  for (int i = 0; i < 1000 && s.ok(); ++i) {
    auto more = (*stream)->Next(&batch);
    s = more.status();
    if (s.ok() && !*more) break;
  }
  canceller.join();
  EXPECT_EQ(s.code(), core::StatusCode::kCancelled) << s.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(PostgresConnectorTest, StreamsAResultOfManyBatches) {
  for (PgExtraction way : {PgExtraction::kCopy, PgExtraction::kCursor}) {
    SCOPED_TRACE(way == PgExtraction::kCopy ? "copy" : "cursor");
    auto c = Make(Config(), nullptr, false, way);
    size_t batches = 0;
    auto rows = ReadAll(c.get(),
                        {.model_sql = "SELECT n, 'row ' || n AS label FROM generate_series(1, "
                                      "25000) AS n ORDER BY n",
                         .batch_rows = 1000},
                        &batches);
    ASSERT_EQ(rows.size(), 25000u);
    EXPECT_EQ(batches, 25u);
    for (size_t i = 0; i < rows.size(); ++i) {
      ASSERT_EQ(rows[i][0], core::Value::Int64(static_cast<int64_t>(i + 1)));
      ASSERT_EQ(rows[i][1], core::Value::String("row " + std::to_string(i + 1)));
    }
    // A byte bound ends batches early; a limit reads only so many rows.
    batches = 0;
    rows = ReadAll(c.get(),
                   {.model_sql = "SELECT repeat('x', 1000) AS big FROM generate_series(1, 100)",
                    .batch_rows = 1000,
                    .batch_bytes = 10'000},
                   &batches);
    EXPECT_EQ(rows.size(), 100u);
    EXPECT_GE(batches, 10u);
    rows = ReadAll(c.get(), {.model_sql = "SELECT generate_series(1, 100) AS n", .limit = 7});
    EXPECT_EQ(rows.size(), 7u);
  }
}

TEST_F(PostgresConnectorTest, CancellationStopsARunningStatement) {
  core::StopToken stop;
  // The cursor (COPY is cancelled in CopyExtractionReadsTheSameValuesAsTheCursor).
  auto c = Make(Config(), &stop, false, PgExtraction::kCursor);
  // Each row sleeps 5 ms: one FETCH of 1000 rows would take 5 s.
  auto stream = c->Execute(
      {.model_sql = "SELECT n, pg_sleep(0.005)::text AS s FROM generate_series(1, 100000) n",
       .batch_rows = 1000});
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  std::thread canceller([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop.Cancel("the run was cancelled");
  });
  auto start = std::chrono::steady_clock::now();
  core::RowBatch batch;
  auto more = (*stream)->Next(&batch);
  canceller.join();
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.status().code(), core::StatusCode::kCancelled);
  EXPECT_EQ(more.status().message(), "the run was cancelled");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(batch.rows.empty());

  // A deadline ends a statement the same way, as DeadlineExceeded.
  core::StopToken deadline;
  deadline.set_timeout(std::chrono::milliseconds(300));
  start = std::chrono::steady_clock::now();
  auto d = Make(Config(), &deadline)->Discover("SELECT pg_sleep(20)::text AS x", 1);
  EXPECT_EQ(d.status().code(), core::StatusCode::kDeadlineExceeded) << d.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(PostgresConnectorTest, ModelsThatWriteAreRefused) {
  Admin(R"(DROP TABLE IF EXISTS written; CREATE TABLE written (n int);
    DROP SEQUENCE IF EXISTS counter; CREATE SEQUENCE counter;
    CREATE OR REPLACE FUNCTION sneaky_insert() RETURNS int LANGUAGE sql AS
      'INSERT INTO written VALUES (1) RETURNING 1';)");
  auto c = Make(Config());
  // Refused before it reaches the server.
  auto guard = c->Discover("DELETE FROM written", 1);
  EXPECT_EQ(guard.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(guard.status().message().find("DELETE"), std::string::npos);
  // Writes the guard cannot see are refused by the READ ONLY transaction.
  for (const char* model : {"SELECT nextval('counter') AS n", "SELECT sneaky_insert() AS n"}) {
    auto stream = c->Execute({.model_sql = model});
    core::Status s = stream.status();
    if (stream.ok()) {
      core::RowBatch batch;
      s = (*stream)->Next(&batch).status();
    }
    EXPECT_EQ(s.code(), core::StatusCode::kInvalidArgument) << model;
    EXPECT_NE(s.message().find("the data model tried to write (cannot execute"), std::string::npos)
        << s.message();
  }
  // And a statement the guard would refuse, sent through the session directly.
  PgConfig config{.host = host_,
                  .port = port_,
                  .database = "wsync_test",
                  .user = "wsync",
                  .password = kPassword,
                  .sslmode = "disable"};
  auto session = PgSession::Open(config, {}, &policy_);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto insert = (*session)->Exec("INSERT INTO written VALUES (2)", "testing");
  EXPECT_EQ(insert.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(insert.status().message(),
            "the data model tried to write (cannot execute INSERT in a read-only transaction): "
            "data models are read-only queries");
  auto counted = Make(Config())->Discover(
      "SELECT (SELECT count(*) FROM written) AS rows_written, (SELECT last_value FROM counter) "
      "AS seq, (SELECT is_called FROM counter) AS used",
      1);
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(counted->sample_rows[0][0], core::Value::Int64(0));
  EXPECT_EQ(counted->sample_rows[0][2], core::Value::Bool(false));
}

TEST_F(PostgresConnectorTest, IncrementalWindowsWithTies) {
  Admin(R"(DROP TABLE IF EXISTS events;
    CREATE TABLE events (id int, at timestamptz, local_at timestamp, day date, seq bigint);
    INSERT INTO events VALUES
      (1, '2024-01-01 10:00:00+00', '2024-01-01 10:00:00', '2024-01-01', 10),
      (2, '2024-01-01 10:00:00+00', '2024-01-01 10:00:00', '2024-01-01', 10),
      (3, '2024-01-01 12:00:00.000001+00', '2024-01-01 12:00:00.000001', '2024-01-02', 20),
      (4, '2024-01-01 12:00:00.000001+00', '2024-01-01 12:00:00.000001', '2024-01-02', 20),
      (5, '2024-01-02 08:00:00+00', '2024-01-02 08:00:00', '2024-01-03', 30),
      (6, NULL, NULL, NULL, NULL);)");
  const std::string model = "SELECT * FROM events";
  const auto ids = [](const std::vector<core::Row>& rows) {
    std::vector<int64_t> out;
    for (const auto& r : rows) out.push_back(r[0].int64_value());
    std::sort(out.begin(), out.end());
    return out;
  };
  for (bool redshift : {false, true}) {
    auto c = Make(Config(), nullptr, redshift);
    const int64_t tie = *core::ParseTimestamp("2024-01-01T12:00:00.000001Z");
    for (const char* column : {"at", "local_at"}) {
      Range first{.column = column, .type = IteratorType::kTimestamp};
      auto max = c->MaxIterator(model, first);
      ASSERT_TRUE(max.ok()) << max.status().ToString();
      EXPECT_EQ(*max, core::Value::TimestampValue(*core::ParseTimestamp("2024-01-02T08:00:00Z")));
      // A run up to the tie takes both tied rows; the next run starts after them.
      Range upto{.column = column,
                 .type = IteratorType::kTimestamp,
                 .upper = core::Value::TimestampValue(tie)};
      EXPECT_EQ(ids(ReadAll(c.get(), {.model_sql = model, .ranges = {upto}})),
                (std::vector<int64_t>{1, 2, 3, 4}))
          << column;
      Range after{.column = column,
                  .type = IteratorType::kTimestamp,
                  .lower = core::Value::TimestampValue(tie),
                  .upper = *max};
      EXPECT_EQ(ids(ReadAll(c.get(), {.model_sql = model, .ranges = {after}})),
                (std::vector<int64_t>{5}));
      Range before_tie{.column = column,
                       .type = IteratorType::kTimestamp,
                       .upper = core::Value::TimestampValue(tie - 1)};
      EXPECT_EQ(ids(ReadAll(c.get(), {.model_sql = model, .ranges = {before_tie}})),
                (std::vector<int64_t>{1, 2}));
      auto max_before = c->MaxIterator(model, before_tie);
      ASSERT_TRUE(max_before.ok());
      EXPECT_EQ(*max_before,
                core::Value::TimestampValue(*core::ParseTimestamp("2024-01-01T10:00:00Z")));
    }
    Range days{.column = "day",
               .type = IteratorType::kDate,
               .lower = core::Value::DateValue(*core::ParseDate("2024-01-01")),
               .upper = core::Value::DateValue(*core::ParseDate("2024-01-02"))};
    EXPECT_EQ(ids(ReadAll(c.get(), {.model_sql = model, .ranges = {days}})),
              (std::vector<int64_t>{3, 4}));
    auto max_day = c->MaxIterator(model, {.column = "day", .type = IteratorType::kDate});
    ASSERT_TRUE(max_day.ok());
    EXPECT_EQ(*max_day, core::Value::DateValue(*core::ParseDate("2024-01-03")));
    for (IteratorType type :
         {IteratorType::kInteger, IteratorType::kUnixMs, IteratorType::kUnixS}) {
      Range seq{.column = "seq",
                .type = type,
                .lower = core::Value::Int64(10),
                .lower_inclusive = true,
                .upper = core::Value::Int64(30),
                .upper_exclusive = true};
      EXPECT_EQ(ids(ReadAll(c.get(), {.model_sql = model, .ranges = {seq}})),
                (std::vector<int64_t>{1, 2, 3, 4}));
      auto max_seq = c->MaxIterator(model, {.column = "seq", .type = type});
      ASSERT_TRUE(max_seq.ok());
      EXPECT_EQ(*max_seq, core::Value::Int64(30));
    }
    auto none =
        c->MaxIterator(model + " WHERE false", {.column = "seq", .type = IteratorType::kInteger});
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->is_null());
    auto unknown = c->Execute({.model_sql = model, .ranges = {{.column = "nope"}}});
    EXPECT_EQ(unknown.status().code(), core::StatusCode::kInvalidArgument);
  }
}

TEST_F(PostgresConnectorTest, RedshiftFoldsIdentifierCase) {
  auto rs = Make(Config(), nullptr, true);
  auto d = rs->Discover("SELECT 1 AS id, 2 AS \"ID\"", 1);
  EXPECT_EQ(d.status().code(), core::StatusCode::kInvalidArgument) << d.status().ToString();
  auto pg = Make(Config());
  EXPECT_TRUE(pg->Discover("SELECT 1 AS id, 2 AS \"ID\"", 1).ok());
  // Unquoted names fold to lower case, as Redshift reports them; ranges then find them by any
  // case.
  auto rows = ReadAll(rs.get(), {.model_sql = "SELECT n AS UserSeq FROM generate_series(1, 5) n",
                                 .ranges = {{.column = "USERSEQ",
                                             .type = IteratorType::kInteger,
                                             .lower = core::Value::Int64(3)}}});
  EXPECT_EQ(rows.size(), 2u);
}

}  // namespace
}  // namespace wsync::warehouse
