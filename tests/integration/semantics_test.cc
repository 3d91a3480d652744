// Sync semantics beyond one run: the historical run beside scheduled runs, runs keeping the
// versions they started with, and retries of a warehouse that fails for a while.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "sync_fixture.h"
#include "warehouse/sqlite/sqlite_connector.h"

namespace wsync::testing {
namespace {

using core::Value;

int64_t T(const char* text) { return *core::ParseTimestamp(text); }

class SemanticsTest : public SyncFixture {};

TEST_F(SemanticsTest, HistoricalRunNeverOverwritesWhatAScheduledRunWroteMeanwhile) {
  // Activation T0 = 2026-01-01T00:00Z (the fixture clock); start date S = 2025-01-01.
  Warehouse(
      "CREATE TABLE t (email TEXT, plan TEXT, updated_at TIMESTAMP);"
      "INSERT INTO t VALUES ('filler@x.com', 'f', '2025-12-27T00:00:00Z'),"
      "('a@x.com', 'old', '2025-12-22T00:00:00Z'),"
      "('ancient@x.com', 'x', '2024-12-31T23:59:59Z'),"
      "('a@x.com', 'new', '2026-01-01T01:00:00Z');");
  Define("SELECT * FROM t", {{"sync_start_date", "2025-01-01T00:00:00Z"}}, nullptr,
         {{"timestamp_field", "updated_at"}});
  const int64_t t0 = clock_.NowMicros();
  auto activated = sync::Activate(catalog_, 1, "p", t0);
  ASSERT_TRUE(activated.ok() && activated->applied) << activated.status().ToString();
  std::optional<catalog::Run> historical = activated->run;
  ASSERT_TRUE(historical.has_value());
  EXPECT_EQ(historical->range_start, "2025-01-01T00:00:00Z");
  EXPECT_EQ(historical->range_end, "2026-01-01T00:00:00Z");

  // The historical run loads one row, then waits until the scheduled run has finished.
  std::mutex mu;
  std::condition_variable cv;
  bool paused = false, resume = false;
  core::Status historical_status;
  std::thread loader([&] {
    auto session = *engine_->NewSession();
    sync::ExecutorDeps deps = engine_->executor_deps();
    deps.batch_rows = 1;
    deps.after_batch = [&](int64_t) {
      std::unique_lock lock(mu);
      if (paused) return;
      paused = true;
      cv.notify_all();
      cv.wait(lock, [&] { return resume; });
    };
    sync::RunExecutor executor(deps, session.get());
    historical_status = executor.Execute(1, historical->run_id);
  });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return paused; });
  }
  EXPECT_EQ(catalog_->GetRun(1, historical->run_id)->state, catalog::RunState::kRunning);
  clock_.Set(T("2026-01-01T02:00:00Z"));
  catalog::Run scheduled = Run();  // beside the historical run: it is not "busy"
  EXPECT_EQ(scheduled.state, catalog::RunState::kSucceeded);
  EXPECT_EQ(scheduled.counters.records_extracted, 1);  // only ts >= T0
  EXPECT_EQ(Find("email", "a@x.com").attributes.at("plan").value, Value::String("new"));
  {
    std::lock_guard lock(mu);
    resume = true;
  }
  cv.notify_all();
  loader.join();
  ASSERT_TRUE(historical_status.ok()) << historical_status.ToString();

  catalog::Run done = *catalog_->GetRun(1, historical->run_id);
  EXPECT_EQ(done.state, catalog::RunState::kSucceeded);
  EXPECT_EQ(done.counters.records_extracted, 2);  // filler and a's old row; never 'ancient'
  EXPECT_EQ(done.counters.profiles_created, 1);
  EXPECT_EQ(done.counters.profiles_updated, 0);
  profiles::Profile a = Find("email", "a@x.com");
  EXPECT_EQ(a.attributes.at("plan").value, Value::String("new"));
  EXPECT_EQ(a.attributes.at("plan").source_time, T("2026-01-01T01:00:00Z"));
  EXPECT_EQ(Find("email", "ancient@x.com").mpid, 0);
}

TEST_F(SemanticsTest, ARunUsesTheVersionsItStartedWith) {
  Warehouse(
      "CREATE TABLE t (email TEXT, plan TEXT, tier TEXT);"
      "INSERT INTO t VALUES ('a@x.com', 'pro', 'gold');");
  Define("SELECT email, plan FROM t");
  auto run = sync::CreateRun(catalog_, 1, "p", catalog::RunType::kManual, clock_.NowMicros());
  ASSERT_TRUE(run.ok());
  // Edited after the run was queued: the run still reads the old model.
  Define("SELECT email, tier FROM t", {{"environment", "development"}});
  sync::RunExecutor executor(engine_->executor_deps(), session_.get());
  ASSERT_TRUE(executor.Execute(1, run->run_id).ok());
  profiles::Profile p = Find("email", "a@x.com", "production");
  EXPECT_EQ(p.attributes.at("plan").value, Value::String("pro"));
  EXPECT_EQ(p.attributes.count("tier"), 0u);
  EXPECT_EQ(CountProfiles("development"), 0);
}

// A warehouse that answers "unavailable" to the first `failures` discoveries, then works.
class FlakyConnector : public warehouse::Connector {
 public:
  FlakyConnector(std::unique_ptr<warehouse::Connector> real, int* failures)
      : real_(std::move(real)), failures_(failures) {}
  core::Status Verify() override { return real_->Verify(); }
  core::StatusOr<warehouse::Discovery> Discover(std::string_view sql, int rows) override {
    if (*failures_ > 0) {
      --*failures_;
      return core::Unavailable("warehouse is restarting");
    }
    return real_->Discover(sql, rows);
  }
  core::StatusOr<core::Value> MaxIterator(std::string_view sql,
                                          const warehouse::Range& range) override {
    return real_->MaxIterator(sql, range);
  }
  core::StatusOr<std::unique_ptr<warehouse::RowStream>> Execute(
      const warehouse::Query& query) override {
    return real_->Execute(query);
  }

 private:
  std::unique_ptr<warehouse::Connector> real_;
  int* failures_;
};

TEST_F(SemanticsTest, RetryableWarehouseFailuresAreRetriedThenFailTheRun) {
  Warehouse("CREATE TABLE t (email TEXT); INSERT INTO t VALUES ('a@x.com');");
  Define("SELECT * FROM t");
  int failures = 2;
  warehouse::Registry flaky;
  flaky.Register(warehouse::SqliteProviderInfo(),
                 [&](const nlohmann::json& config, const warehouse::ConnectorContext& context,
                     const warehouse::ConnectorDeps&)
                     -> core::StatusOr<std::unique_ptr<warehouse::Connector>> {
                   ASSIGN_OR_RETURN(auto real, warehouse::NewSqliteConnector(config, context));
                   return std::unique_ptr<warehouse::Connector>(
                       new FlakyConnector(std::move(real), &failures));
                 });
  sync::ExecutorDeps deps = engine_->executor_deps();
  deps.registry = &flaky;
  deps.retry_backoff_ms = 1;
  deps.max_attempts = 3;

  auto run = sync::CreateRun(catalog_, 1, "p", catalog::RunType::kManual, clock_.NowMicros());
  sync::RunExecutor executor(deps, session_.get());
  EXPECT_TRUE(executor.Execute(1, run->run_id).ok());
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(catalog_->GetRun(1, run->run_id)->counters.profiles_created, 1);

  failures = 5;  // longer than the retries last
  run = sync::CreateRun(catalog_, 1, "p", catalog::RunType::kManual, clock_.NowMicros());
  core::Status s = executor.Execute(1, run->run_id);
  EXPECT_EQ(s.code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(failures, 2);
  catalog::Run failed = *catalog_->GetRun(1, run->run_id);
  EXPECT_EQ(failed.state, catalog::RunState::kFailed);
  EXPECT_NE(failed.error->find("warehouse is restarting"), std::string::npos);
  catalog::PipelineState state = *catalog_->GetState(1, "p");
  EXPECT_EQ(state.status, catalog::Health::kFaulted);
  EXPECT_NE(state.errors.dump().find("warehouse is restarting"), std::string::npos);
}

}  // namespace
}  // namespace wsync::testing
