#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "storage/contract/backends.h"

namespace wsync::scheduler {
namespace {

using nlohmann::json;

int64_t T(const char* text) { return *core::ParseTimestamp(text); }

// On every storage backend (storage/contract/backends.h).
class SchedulerTest : public storage::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (HasFatalFailure()) return;
    clock_.Set(0);
    catalog_ = session_->catalog();
    ASSERT_TRUE(catalog_
                    ->Create(1, catalog::Kind::kConnection,
                             {{"id", "c"},
                              {"service_provider", "sqlite"},
                              {"config", {{"path", "/tmp/none.db"}}}},
                             "t")
                    .ok());
    ASSERT_TRUE(catalog_
                    ->Create(1, catalog::Kind::kDataModel,
                             {{"id", "m"}, {"sql_query", "SELECT 1 AS customer_id"}}, "t")
                    .ok());
  }

  // Creates pipeline `id` with `schedule`, active since `activated`.
  void Pipeline(const std::string& id, json schedule, int64_t activated) {
    json body = {{"id", id},
                 {"pipeline_type", "user_attributes"},
                 {"connection_id", "c"},
                 {"data_model_id", "m"},
                 {"environment", "production"},
                 {"schedule", schedule}};
    ASSERT_TRUE(catalog_->Create(1, catalog::Kind::kPipeline, body, "t").ok());
    catalog::StateChange change;
    change.from = {catalog::Lifecycle::kDraft};
    change.to = catalog::Lifecycle::kActive;
    change.activated_at = activated;
    ASSERT_TRUE(catalog_->ChangeState(1, id, change)->applied);
  }

  // Ticks at `now`; returns the logical dates of the runs queued, as RFC 3339 text.
  std::vector<std::string> TickAt(const char* now) {
    clock_.Set(T(now));
    auto runs = Scheduler(catalog_, &clock_).Tick();
    EXPECT_TRUE(runs.ok()) << runs.status().ToString();
    std::vector<std::string> out;
    for (const auto& r : *runs)
      out.push_back(r.pipeline_id + "@" + core::FormatTimestamp(*r.logical_date));
    return out;
  }

  void FinishRuns() {
    auto runs = catalog_->UnfinishedRuns();
    ASSERT_TRUE(runs.ok());
    for (const auto& r : *runs) {
      ASSERT_TRUE(catalog_
                      ->SetRunState(r.workspace_id, r.run_id, catalog::RunState::kSucceeded,
                                    std::nullopt, clock_.NowMicros())
                      .ok());
    }
  }

  void SetState(const std::string& id, catalog::Lifecycle state) {
    catalog::StateChange change;
    change.from = {catalog::Lifecycle::kDraft, catalog::Lifecycle::kActive,
                   catalog::Lifecycle::kPaused};
    change.to = state;
    ASSERT_TRUE(catalog_->ChangeState(1, id, change)->applied);
  }

  catalog::Catalog* catalog_ = nullptr;  // the session's
};
WSYNC_INSTANTIATE_FOR_EVERY_BACKEND(SchedulerTest);

using Dates = std::vector<std::string>;

TEST_P(SchedulerTest, HourlyRunsAtEachSlotAndCoalescesMissedOnes) {
  Pipeline("h", {{"type", "interval"}, {"frequency", "hourly"}, {"start", "2026-01-01T00:00:00Z"}},
           T("2025-12-31T12:00:00Z"));
  EXPECT_EQ(TickAt("2025-12-31T23:59:59Z"), Dates{});
  EXPECT_EQ(TickAt("2026-01-01T00:00:00Z"), Dates{"h@2026-01-01T00:00:00Z"});
  EXPECT_EQ(TickAt("2026-01-01T00:30:00Z"), Dates{});  // busy and not due
  FinishRuns();
  // The server was down for hours: one run for the latest missed slot.
  EXPECT_EQ(TickAt("2026-01-01T05:10:00Z"), Dates{"h@2026-01-01T05:00:00Z"});
  FinishRuns();
  EXPECT_EQ(TickAt("2026-01-01T05:59:00Z"), Dates{});
}

TEST_P(SchedulerTest, BusyPipelineCoalescesIntoOneLaterRun) {
  Pipeline("h", {{"type", "interval"}, {"frequency", "hourly"}, {"start", "2026-01-01T00:00:00Z"}},
           T("2026-01-01T00:00:00Z"));
  EXPECT_EQ(TickAt("2026-01-01T00:00:00Z"), Dates{"h@2026-01-01T00:00:00Z"});
  EXPECT_EQ(TickAt("2026-01-01T01:00:00Z"), Dates{});  // run still going
  EXPECT_EQ(TickAt("2026-01-01T02:00:00Z"), Dates{});
  FinishRuns();
  EXPECT_EQ(TickAt("2026-01-01T02:00:01Z"), Dates{"h@2026-01-01T02:00:00Z"});
}

TEST_P(SchedulerTest, MonthlyClampsToTheMonthsLastDay) {
  Pipeline("m", {{"type", "interval"}, {"frequency", "monthly"}, {"start", "2024-01-31T06:00:00Z"}},
           T("2024-01-01T00:00:00Z"));
  EXPECT_EQ(TickAt("2024-01-31T06:00:00Z"), Dates{"m@2024-01-31T06:00:00Z"});
  FinishRuns();
  EXPECT_EQ(TickAt("2024-02-28T23:00:00Z"), Dates{});
  EXPECT_EQ(TickAt("2024-02-29T06:00:00Z"), Dates{"m@2024-02-29T06:00:00Z"});
  FinishRuns();
  EXPECT_EQ(TickAt("2024-03-31T06:00:00Z"), Dates{"m@2024-03-31T06:00:00Z"});
}

TEST_P(SchedulerTest, EndIsExclusive) {
  Pipeline("d",
           {{"type", "interval"},
            {"frequency", "daily"},
            {"start", "2026-01-01T00:00:00Z"},
            {"end", "2026-01-02T00:00:00Z"}},
           T("2026-01-01T00:00:00Z"));
  EXPECT_EQ(TickAt("2026-01-01T00:00:00Z"), Dates{"d@2026-01-01T00:00:00Z"});
  FinishRuns();
  EXPECT_EQ(TickAt("2026-01-02T00:00:00Z"), Dates{});
  EXPECT_EQ(TickAt("2026-01-05T00:00:00Z"), Dates{});
}

TEST_P(SchedulerTest, OnceRunsOnceAndOnDemandNever) {
  Pipeline("o", {{"type", "once"}}, T("2026-01-01T10:00:00Z"));
  Pipeline("n", {{"type", "on_demand"}}, T("2026-01-01T10:00:00Z"));
  Dates first = TickAt("2026-01-01T10:00:01Z");
  EXPECT_EQ(first, Dates{"o@2026-01-01T10:00:00Z"});
  FinishRuns();
  EXPECT_EQ(TickAt("2026-01-03T00:00:00Z"), Dates{});
  auto runs = catalog_->GetRun(1, 1);
  EXPECT_EQ(runs->run_type, catalog::RunType::kOnce);
}

TEST_P(SchedulerTest, SlotsMissedWhilePausedAreNotCaughtUp) {
  Pipeline("h", {{"type", "interval"}, {"frequency", "hourly"}, {"start", "2026-01-01T00:00:00Z"}},
           T("2026-01-01T00:00:00Z"));
  EXPECT_EQ(TickAt("2026-01-01T00:00:00Z"), Dates{"h@2026-01-01T00:00:00Z"});
  FinishRuns();
  SetState("h", catalog::Lifecycle::kPaused);
  EXPECT_EQ(TickAt("2026-01-01T03:30:00Z"), Dates{});
  SetState("h", catalog::Lifecycle::kActive);
  EXPECT_EQ(TickAt("2026-01-01T03:40:00Z"), Dates{});  // 01:00–03:00 were missed while paused
  EXPECT_EQ(TickAt("2026-01-01T04:00:00Z"), Dates{"h@2026-01-01T04:00:00Z"});
  EXPECT_EQ(catalog_->GetState(1, "h")->last_slot, T("2026-01-01T04:00:00Z"));
}

// A pipeline the scheduler cannot serve is named in problems(), not dropped in silence, and the
// others are still served.
TEST_P(SchedulerTest, APipelineWithAnUnreadableScheduleIsReportedAndTheOthersRun) {
  Pipeline("bad", {{"type", "interval"}, {"frequency", "hourly"}}, T("2026-01-01T00:00:00Z"));
  Pipeline("h", {{"type", "interval"}, {"frequency", "hourly"}, {"start", "2026-01-01T00:00:00Z"}},
           T("2026-01-01T00:00:00Z"));
  // A manual edit behind the catalog's back (its writes validate the schedule).
  json bad = catalog_->Get(1, catalog::Kind::kPipeline, "bad")->body;
  bad["schedule"]["frequency"] = "fortnightly";
  ASSERT_TRUE(OverwriteBody(1, "bad", bad.dump()).ok());
  clock_.Set(T("2026-01-01T00:00:00Z"));
  Scheduler scheduler(catalog_, &clock_);
  auto runs = scheduler.Tick();
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ(runs->front().pipeline_id, "h");
  ASSERT_EQ(scheduler.problems().size(), 1u);
  EXPECT_TRUE(scheduler.problems()[0].starts_with(
      "workspace 1 pipeline 'bad': InvalidArgument: its schedule cannot be read: "))
      << scheduler.problems()[0];
}

}  // namespace
}  // namespace wsync::scheduler
