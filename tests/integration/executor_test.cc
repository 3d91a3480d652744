// The run executor's edges: typed marks (a changed iterator type starts over instead of
// crashing), start dates with non-time iterators, out-of-range iterator values, a run that
// throws, and a run cancelled while its first statement runs.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "sync_fixture.h"

namespace wsync::testing {
namespace {

using nlohmann::json;

class ExecutorTest : public SyncFixture {
 protected:
  json Incremental(const std::string& iterator, const std::string& type, int64_t lookback = 0) {
    return {{"sync_mode",
             {{"type", "incremental"},
              {"iterator", iterator},
              {"iterator_data_type", type},
              {"lookback", lookback}}}};
  }
  // Activates the pipeline as of now (what POST /activate does); the historical run it queued.
  std::optional<catalog::Run> Activate() {
    auto activated = sync::Activate(catalog_, 1, "p", clock_.NowMicros());
    EXPECT_TRUE(activated.ok() && activated->applied);
    return activated.ok() ? activated->run : std::nullopt;
  }
  // Stores a mark as it is in the catalog (older versions wrote untyped marks).
  void StoreMark(const std::string& text) {
    auto db = db::Db::Open(dir_.File("data") + "/wsync.db");
    ASSERT_TRUE(db.ok());
    auto stmt = (*db)->Prepare(
        "UPDATE pipeline_state SET high_water_mark = ?1 WHERE workspace_id = 1 AND "
        "pipeline_id = 'p'");
    ASSERT_TRUE(stmt.ok());
    stmt->Bind(1, text);
    ASSERT_TRUE(stmt->Step().ok());
  }
  json Mark() {
    std::string text = catalog_->GetState(1, "p")->high_water_mark.value_or("null");
    return json::parse(text);
  }
  std::string Plan(const std::string& email) {
    profiles::Profile p = Find("email", email);
    auto it = p.attributes.find("plan");
    return it == p.attributes.end() ? "" : it->second.value.ToText();
  }
};

TEST_F(ExecutorTest, StartDateWithTimestampFieldAndIntegerIteratorRuns) {
  // T0 = 2026-01-01 (the fixture clock). The historical run owns ts < T0; a run reads ts >= T0.
  Warehouse(
      "CREATE TABLE events (email TEXT, plan TEXT, id INTEGER, ts TEXT);"
      "INSERT INTO events VALUES ('a@x.com', 'old', 1, '2025-12-01T00:00:00Z'),"
      "('b@x.com', 'new', 2, '2026-01-01T00:00:00Z');");
  json p = Incremental("id", "integer");
  p["sync_start_date"] = "2025-06-01T00:00:00Z";
  Define("SELECT * FROM events", p, nullptr, {{"timestamp_field", "ts"}});
  Activate();
  catalog::Run run = Run();
  ASSERT_EQ(run.state, catalog::RunState::kSucceeded) << run.error.value_or("");
  EXPECT_EQ(run.counters.records_extracted, 1);
  EXPECT_EQ(Plan("b@x.com"), "new");
  EXPECT_EQ(Plan("a@x.com"), "");
  EXPECT_EQ(Mark(), json({{"iterator", "id"}, {"type", "integer"}, {"value", 2}}));
  // The integer mark then moves on as usual.
  Warehouse("INSERT INTO events VALUES ('c@x.com', 'newer', 3, '2026-01-01T00:00:01Z');");
  EXPECT_EQ(Run().counters.records_extracted, 1);
  EXPECT_EQ(Plan("c@x.com"), "newer");
}

TEST_F(ExecutorTest, StartMarkIsOfTheIteratorsKindNotTheTimestampFields) {
  // A unix-seconds iterator with a TEXT timestamp field: the start mark is T0 in seconds.
  Warehouse(
      "CREATE TABLE events (email TEXT, plan TEXT, it INTEGER, ts TEXT);"
      "INSERT INTO events VALUES ('a@x.com', 'old', 1764547200, '2025-12-01T00:00:00Z'),"
      "('b@x.com', 'new', 1767225605, '2026-01-01T00:00:05Z');");
  json p = Incremental("it", "timestamp_unixtime_s");
  p["sync_start_date"] = "2025-06-01T00:00:00Z";
  Define("SELECT * FROM events", p, nullptr, {{"timestamp_field", "ts"}});
  Activate();
  clock_.Advance(10 * core::kMicrosPerSecond);
  catalog::Run run = Run();
  ASSERT_EQ(run.state, catalog::RunState::kSucceeded) << run.error.value_or("");
  EXPECT_EQ(run.counters.records_extracted, 1);
  EXPECT_EQ(Plan("b@x.com"), "new");
  EXPECT_EQ(Mark()["value"], 1767225605);
}

TEST_F(ExecutorTest, ChangingTheIteratorTypeStartsOver) {
  Warehouse(
      "CREATE TABLE events (email TEXT, plan TEXT, it INTEGER);"
      "INSERT INTO events VALUES ('a@x.com', 'a', 1700000000), ('b@x.com', 'b', 1700000100);");
  Define("SELECT * FROM events", Incremental("it", "integer"));
  EXPECT_EQ(Run().counters.records_extracted, 2);
  EXPECT_EQ(Mark(), json({{"iterator", "it"}, {"type", "integer"}, {"value", 1700000100}}));
  // The same column read as unix seconds: the integer mark no longer applies.
  Define("SELECT * FROM events", Incremental("it", "timestamp"));
  catalog::Run run = Run();
  ASSERT_EQ(run.state, catalog::RunState::kSucceeded) << run.error.value_or("");
  EXPECT_EQ(run.counters.records_extracted, 2);
  EXPECT_EQ(Mark(),
            json({{"iterator", "it"}, {"type", "timestamp"}, {"value", "2023-11-14T22:15:00Z"}}));
  // An untyped mark of the wrong kind (as stored before marks had a type) starts over too.
  StoreMark("1700000100");
  run = Run();
  ASSERT_EQ(run.state, catalog::RunState::kSucceeded) << run.error.value_or("");
  EXPECT_EQ(run.counters.records_extracted, 2);
}

TEST_F(ExecutorTest, AnExceptionFailsTheRunAndFaultsThePipeline) {
  Warehouse(
      "CREATE TABLE customers (email TEXT, plan TEXT);"
      "INSERT INTO customers VALUES ('a@x.com', 'a'), ('b@x.com', 'b'), ('c@x.com', 'c');");
  Define("SELECT * FROM customers");
  batch_rows_ = 1;  // the extraction thread is still reading when the throw happens
  after_batch_ = [](int64_t) { throw std::runtime_error("injected"); };
  catalog::Run run = Run();
  EXPECT_EQ(run.state, catalog::RunState::kFailed);
  EXPECT_EQ(run.error.value_or(""), "run crashed: injected");
  EXPECT_EQ(last_status_.code(), core::StatusCode::kInternal);
  catalog::PipelineState st = *catalog_->GetState(1, "p");
  EXPECT_EQ(st.status, catalog::Health::kFaulted);
  // The next run is not blocked and heals the pipeline.
  after_batch_ = nullptr;
  EXPECT_EQ(Run().state, catalog::RunState::kSucceeded);
  EXPECT_EQ(catalog_->GetState(1, "p")->status, catalog::Health::kHealthy);
}

// A model whose first row takes many seconds: SQLite numbers and sorts 30 million rows.
constexpr char kSlowModel[] =
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 30000000) "
    "SELECT 'u' || x || '@x.com' AS email, x AS plan FROM n ORDER BY x DESC";

TEST_F(ExecutorTest, CancelInterruptsASlowFirstStatement) {
  Warehouse("CREATE TABLE unused (x INTEGER);");
  Define(kSlowModel);
  sync::RunStop stop;
  stop_ = &stop;
  std::thread canceller([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    stop.Request(sync::StopReason::kCancelled);
  });
  const auto start = std::chrono::steady_clock::now();
  catalog::Run run = Run();
  const auto took = std::chrono::steady_clock::now() - start;
  canceller.join();
  EXPECT_EQ(run.state, catalog::RunState::kCancelled) << run.error.value_or("");
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_EQ(run.counters.records_extracted, 0);
  // A cancelled run says nothing about the pipeline's health, and the next run starts anew.
  EXPECT_EQ(catalog_->GetState(1, "p")->status, catalog::Health::kHealthy);
}

TEST_F(ExecutorTest, AShutdownInterruptsASlowFirstStatement) {
  Warehouse("CREATE TABLE unused (x INTEGER);");
  Define(kSlowModel);
  sync::RunStop stop;
  stop.Request(sync::StopReason::kInterrupted);  // before the run even starts its statement
  stop_ = &stop;
  const auto start = std::chrono::steady_clock::now();
  catalog::Run run = Run();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(run.state, catalog::RunState::kFailed);
  EXPECT_EQ(run.error.value_or(""), "interrupted");
}

// One run over `rows` (email, plan, it) with an `it` column of `column_type`; returns the run.
class RangeTest : public ExecutorTest {
 protected:
  catalog::Run RunOver(const std::string& column_type, const std::string& rows,
                       const std::string& type, int64_t lookback = 0) {
    Warehouse("CREATE TABLE IF NOT EXISTS events (email TEXT, plan TEXT, it " + column_type +
              "); DELETE FROM events; INSERT INTO events VALUES " + rows + ";");
    Define("SELECT * FROM events", Incremental("it", type, lookback));
    return Run();
  }
  std::string OnlyError(const catalog::Run& run) {
    std::vector<mapping::RowError> errors = Errors(run.run_id);
    EXPECT_EQ(errors.size(), 1u);
    if (errors.size() != 1) return "";
    EXPECT_EQ(errors[0].code, mapping::RowErrorCode::kInvalidIterator);
    return errors[0].message;
  }
};

TEST_F(RangeTest, UnixSecondsPastYear9999InATimestampIteratorAreRowErrors) {
  catalog::Run run = RunOver(
      "INTEGER", "('a@x.com', 'ok', 1767000000), ('b@x.com', 'bad', 5000000000000)", "timestamp");
  EXPECT_EQ(run.counters.records_extracted, 2);
  EXPECT_EQ(run.counters.records_failed, 1);
  EXPECT_EQ(OnlyError(run),
            "iterator value '5000000000000' is outside the years 0000-9999 as timestamp");
  EXPECT_EQ(Plan("a@x.com"), "ok");
  EXPECT_EQ(Plan("b@x.com"), "");
}

TEST_F(RangeTest, UnixMillisecondsThatOverflowMicrosAreRowErrors) {
  catalog::Run run = RunOver(
      "INTEGER", "('a@x.com', 'ok', 1767000000000), ('b@x.com', 'bad', -9000000000000000000)",
      "timestamp_unixtime_ms");
  EXPECT_EQ(run.counters.records_failed, 1);
  EXPECT_EQ(OnlyError(run),
            "iterator value '-9000000000000000000' is outside the years 0000-9999 as "
            "timestamp_unixtime_ms");
  EXPECT_EQ(Plan("a@x.com"), "ok");
}

TEST_F(RangeTest, UnixSecondsThatOverflowMicrosAreRowErrors) {
  catalog::Run run =
      RunOver("INTEGER", "('a@x.com', 'ok', 1767000000), ('b@x.com', 'bad', -9000000000000000)",
              "timestamp_unixtime_s");
  EXPECT_EQ(run.counters.records_failed, 1);
  EXPECT_EQ(OnlyError(run),
            "iterator value '-9000000000000000' is outside the years 0000-9999 as "
            "timestamp_unixtime_s");
}

TEST_F(RangeTest, HugeRealsInAnIntegerIteratorAreRowErrors) {
  catalog::Run run =
      RunOver("REAL", "('a@x.com', 'ok', 7.0), ('b@x.com', 'bad', 1e30), ('c@x.com', 'bad', -1e30)",
              "integer");
  EXPECT_EQ(run.counters.records_extracted, 3);
  EXPECT_EQ(run.counters.records_failed, 2);
  std::vector<mapping::RowError> errors = Errors(run.run_id);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].message,
            "iterator value '1e+30' is not an integer that fits 64 bits as integer");
  EXPECT_EQ(Plan("a@x.com"), "ok");
  EXPECT_EQ(Mark()["value"], 7);
}

TEST_F(RangeTest, AHugeLookbackSaturatesAndRereadsEverything) {
  constexpr int64_t kHuge = 9'223'372'036'854'775'807;
  struct Case {
    const char* type;
    const char* column_type;
    const char* rows;
  };
  for (const Case& c : {Case{"timestamp", "TEXT",
                             "('a@x.com', 'a', '2025-05-01T10:00:00Z'), "
                             "('b@x.com', 'b', '2025-05-02T10:00:00Z')"},
                        Case{"date", "TEXT",
                             "('a@x.com', 'a', '2025-05-01'), "
                             "('b@x.com', 'b', '2025-05-02')"},
                        Case{"timestamp_unixtime_ms", "INTEGER",
                             "('a@x.com', 'a', 1767000000000), ('b@x.com', 'b', 1767000001000)"},
                        Case{"integer", "INTEGER", "('a@x.com', 'a', -5), ('b@x.com', 'b', -3)"}}) {
    EXPECT_EQ(RunOver(c.column_type, c.rows, c.type).counters.records_extracted, 2) << c.type;
    // Nothing new; the lookback window reaches back to the smallest value of the kind.
    catalog::Run run = RunOver(c.column_type, c.rows, c.type, kHuge);
    EXPECT_EQ(run.state, catalog::RunState::kSucceeded) << c.type << ": " << run.error.value_or("");
    EXPECT_EQ(run.counters.records_extracted, 2) << c.type;
  }
}

TEST_F(ExecutorTest, AnIteratorWhereNothingParsesGivesRowErrors) {
  Warehouse(
      "CREATE TABLE events (email TEXT, plan TEXT, it TEXT);"
      "INSERT INTO events VALUES ('a@x.com', 'a', 'garbage'), ('b@x.com', 'b', 'soon');");
  Define("SELECT * FROM events", Incremental("it", "timestamp"));
  catalog::Run run = Run();
  EXPECT_EQ(run.state, catalog::RunState::kSucceeded);
  EXPECT_EQ(run.counters.records_extracted, 2);
  EXPECT_EQ(run.counters.records_failed, 2);
  std::vector<mapping::RowError> errors = Errors(run.run_id);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].message, "iterator value 'garbage' does not parse as timestamp");
  EXPECT_TRUE(Mark().is_null());
  // Still reported on the next run, while nothing parses.
  EXPECT_EQ(Run().counters.records_failed, 2);
}

TEST_F(ExecutorTest, DateIteratorRowsOnTheActivationDayAreReadOnce) {
  Warehouse(
      "CREATE TABLE events (email TEXT, plan TEXT, it TEXT);"
      "INSERT INTO events VALUES ('a@x.com', 'before', '2025-12-31'),"
      "('b@x.com', 'activation-day', '2026-01-01'), ('c@x.com', 'after', '2026-01-02');");
  json p = Incremental("it", "date");
  p["sync_start_date"] = "2025-06-01T00:00:00Z";
  Define("SELECT * FROM events", p);
  clock_.Set(*core::ParseTimestamp("2026-01-01T12:00:00Z"));
  // The historical run: S <= d < day(T0).
  std::optional<catalog::Run> historical = Activate();
  ASSERT_TRUE(historical.has_value());
  sync::RunExecutor executor(engine_->executor_deps(), session_.get());
  ASSERT_TRUE(executor.Execute(1, historical->run_id).ok());
  EXPECT_EQ(catalog_->GetRun(1, historical->run_id)->counters.records_extracted, 1);
  // Two days later the incremental run reads the activation day and the day after.
  clock_.Set(*core::ParseTimestamp("2026-01-03T01:00:00Z"));
  catalog::Run run = Run();
  EXPECT_EQ(run.counters.records_extracted, 2);
  EXPECT_EQ(Plan("a@x.com"), "before");
  EXPECT_EQ(Plan("b@x.com"), "activation-day");
  EXPECT_EQ(Plan("c@x.com"), "after");
}

TEST_F(ExecutorTest, TimestampIteratorRowAtActivationIsReadOnce) {
  Warehouse(
      "CREATE TABLE events (email TEXT, plan TEXT, it TEXT);"
      "INSERT INTO events VALUES ('a@x.com', 'before', '2026-01-01T11:59:59.999Z'),"
      "('b@x.com', 'at-t0', '2026-01-01T12:00:00Z');");
  json p = Incremental("it", "timestamp");
  p["sync_start_date"] = "2025-06-01T00:00:00Z";
  Define("SELECT * FROM events", p);
  clock_.Set(*core::ParseTimestamp("2026-01-01T12:00:00Z"));
  std::optional<catalog::Run> historical = Activate();
  ASSERT_TRUE(historical.has_value());
  sync::RunExecutor executor(engine_->executor_deps(), session_.get());
  ASSERT_TRUE(executor.Execute(1, historical->run_id).ok());
  EXPECT_EQ(catalog_->GetRun(1, historical->run_id)->counters.records_extracted, 1);
  clock_.Set(*core::ParseTimestamp("2026-01-01T13:00:00Z"));
  EXPECT_EQ(Run().counters.records_extracted, 1);
  EXPECT_EQ(Plan("b@x.com"), "at-t0");
}

TEST_F(ExecutorTest, RenamingTheModelOrTheMappingKeepsRowsUnchanged) {
  Warehouse(
      "CREATE TABLE orders (order_id TEXT, email TEXT, amount REAL);"
      "INSERT INTO orders VALUES ('o-1', 'a@x.com', 10.5), ('o-2', 'a@x.com', 20);");
  auto ft = [](const std::string& name) {
    return json{{"id", "order-events"},
                {"name", name},
                {"destination_type", "event_batch"},
                {"mappings",
                 {{{"mapping_type", "column"},
                   {"source", "email"},
                   {"destination", "user_identities.email"}},
                  {{"mapping_type", "static"},
                   {"destination", "events.event_type"},
                   {"value", "custom_event"},
                   {"value_type", "string"}},
                  {{"mapping_type", "static"},
                   {"destination", "events.event_name"},
                   {"value", "Order"},
                   {"value_type", "string"}},
                  {{"mapping_type", "static"},
                   {"destination", "events.custom_event_type"},
                   {"value", "transaction"},
                   {"value_type", "string"}},
                  {{"mapping_type", "column"},
                   {"source", "amount"},
                   {"destination", "events.custom_attributes.amount"}}}}};
  };
  const json events = {{"pipeline_type", "events"}};
  Define("SELECT * FROM orders", events, ft("Orders"),
         {{"name", "Orders"}, {"primary_key", {"order_id"}}});
  catalog::Run first = Run();
  ASSERT_EQ(first.state, catalog::RunState::kSucceeded) << first.error.value_or("");
  EXPECT_EQ(first.counters.events_created, 2);
  Define("SELECT * FROM orders", events, ft("Shop orders"),
         {{"name", "Shop orders (renamed)"}, {"primary_key", {"order_id"}}});
  catalog::Run second = Run();
  EXPECT_EQ(second.counters.records_unchanged, 2);
  EXPECT_EQ(second.counters.events_created, 0);
}

}  // namespace
}  // namespace wsync::testing
