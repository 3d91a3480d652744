#include "catalog/sqlite/sqlite_catalog.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "db/schema.h"
#include "testing/temp_dir.h"

namespace wsync::catalog {
namespace {

using nlohmann::json;

StateChange Change(std::vector<std::string> from, std::string to,
                   std::optional<int64_t> activated_at = std::nullopt) {
  StateChange change;
  change.from = std::move(from);
  change.to = std::move(to);
  change.activated_at = activated_at;
  return change;
}

class SqliteCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = db::Db::Open(dir_.File("w.db"));
    ASSERT_TRUE(db::Migrate(db->get()).ok());
    catalog_ = *SqliteCatalog::Open(dir_.File("w.db"), &clock_);
    ASSERT_TRUE(
        catalog_
            ->Create(
                1, Kind::kConnection,
                {{"id", "c1"}, {"service_provider", "sqlite"}, {"config", {{"path", "/tmp/x.db"}}}},
                "test")
            .ok());
    ASSERT_TRUE(
        catalog_->Create(1, Kind::kDataModel, {{"id", "m1"}, {"sql_query", "SELECT 1 AS a"}}, "t")
            .ok());
  }

  json Pipeline() {
    return {{"id", "p1"},
            {"pipeline_type", "user_attributes"},
            {"connection_id", "c1"},
            {"data_model_id", "m1"},
            {"environment", "production"}};
  }

  testing::TempDir dir_;
  core::FakeClock clock_{1'700'000'000'000'000};
  std::unique_ptr<SqliteCatalog> catalog_;
};

TEST_F(SqliteCatalogTest, CreateGetReplaceWithAudit) {
  auto p = catalog_->Create(1, Kind::kPipeline, Pipeline(), "alice");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->audit.created_by, "alice");
  EXPECT_EQ(p->audit.created_on, clock_.NowMicros());
  clock_.Advance(5);
  json changed = Pipeline();
  changed["name"] = "renamed";
  auto r = catalog_->Replace(1, Kind::kPipeline, "p1", changed, "bob");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body["name"], "renamed");
  EXPECT_EQ(r->audit.created_by, "alice");
  EXPECT_EQ(r->audit.last_modified_by, "bob");
  EXPECT_EQ(r->version, 2);
  EXPECT_EQ(catalog_->GetState(1, "p1")->state, "draft");
}

TEST_F(SqliteCatalogTest, DuplicateIdsAndMissingOnes) {
  ASSERT_TRUE(catalog_->Create(1, Kind::kPipeline, Pipeline(), "a").ok());
  auto dup = catalog_->Create(1, Kind::kPipeline, Pipeline(), "a");
  EXPECT_EQ(dup.status().code(), core::StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.status().message(), "pipeline 'p1' already exists");
  EXPECT_EQ(catalog_->Get(2, Kind::kPipeline, "p1").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(catalog_->Replace(1, Kind::kPipeline, "nope", Pipeline(), "a").status().code(),
            core::StatusCode::kNotFound);
}

TEST_F(SqliteCatalogTest, DeleteOfAReferencedResourceIsRefused) {
  ASSERT_TRUE(catalog_->Create(1, Kind::kPipeline, Pipeline(), "a").ok());
  core::Status s = catalog_->Delete(1, Kind::kConnection, "c1");
  EXPECT_EQ(s.code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "connection 'c1' is in use by pipeline 'p1'; delete or change that pipeline first");
  EXPECT_TRUE(catalog_->Delete(1, Kind::kPipeline, "p1").ok());
  EXPECT_TRUE(catalog_->Delete(1, Kind::kConnection, "c1").ok());
}

TEST_F(SqliteCatalogTest, GeneratedIdsAndPaging) {
  for (int i = 0; i < 3; ++i) {
    auto m = catalog_->Create(1, Kind::kDataModel, {{"sql_query", "SELECT 1"}}, "a");
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->id.rfind("model-", 0), 0u);
  }
  auto page = catalog_->List(1, Kind::kDataModel, {2, 2});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 4);
  EXPECT_EQ(page->items.size(), 2u);
}

TEST_F(SqliteCatalogTest, RunsAndStates) {
  ASSERT_TRUE(catalog_->Create(1, Kind::kPipeline, Pipeline(), "a").ok());
  catalog::Run run;
  run.workspace_id = 1;
  run.pipeline_id = "p1";
  run.created_at = 10;
  auto created = catalog_->CreateRun(run);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->state, "queued");
  EXPECT_EQ(catalog_->ActiveRuns(1, "p1", false)->size(), 1u);
  ASSERT_TRUE(catalog_->SetRunState(1, created->run_id, "running", std::nullopt, 20).ok());
  ASSERT_TRUE(catalog_->SetRunState(1, created->run_id, "failed", "interrupted", 30).ok());
  auto done = catalog_->GetRun(1, created->run_id);
  EXPECT_EQ(done->started_at, 20);
  EXPECT_EQ(done->ended_at, 30);
  EXPECT_EQ(done->error, "interrupted");
  EXPECT_TRUE(catalog_->ActiveRuns(1, "p1", true)->empty());
  EXPECT_EQ(catalog_->GetRun(2, created->run_id).status().code(), core::StatusCode::kNotFound);
}

TEST_F(SqliteCatalogTest, ChangeStateNeverWritesHealthSlotsOrTheMark) {
  ASSERT_TRUE(catalog_->Create(1, Kind::kPipeline, Pipeline(), "a").ok());
  // Meanwhile a run faults the pipeline, checkpoints its mark, and the scheduler records a slot.
  ASSERT_TRUE(catalog_->SetHealth(1, "p1", "faulted", json::array({"boom"})).ok());
  ASSERT_TRUE(catalog_->SetLastSlot(1, "p1", 42).ok());
  ASSERT_TRUE(catalog_->db()->Exec("UPDATE pipeline_state SET high_water_mark = '17'").ok());
  auto activated = catalog_->ChangeState(1, "p1", Change({"draft"}, "active", 7));
  ASSERT_TRUE(activated.ok() && activated->applied);
  EXPECT_EQ(activated->state, "draft");
  for (auto [from, to] : {std::pair{"active", "paused"}, std::pair{"paused", "active"}}) {
    auto changed = catalog_->ChangeState(1, "p1", Change({from}, to));
    ASSERT_TRUE(changed.ok() && changed->applied) << from;
  }
  PipelineState now = *catalog_->GetState(1, "p1");
  EXPECT_EQ(now.state, "active");
  EXPECT_EQ(now.activated_at, 7);
  EXPECT_EQ(now.status, "faulted");
  EXPECT_EQ(now.errors, json::array({"boom"}));
  EXPECT_EQ(now.last_slot, 42);
  EXPECT_EQ(now.high_water_mark, "17");

  StateChange resync = Change({"active", "paused"}, "");
  resync.reset_mark = true;
  ASSERT_TRUE(catalog_->ChangeState(1, "p1", resync)->applied);
  now = *catalog_->GetState(1, "p1");
  EXPECT_EQ(now.state, "active");
  EXPECT_EQ(now.high_water_mark, std::nullopt);
}

TEST_F(SqliteCatalogTest, ChangeStateFromTheWrongStateChangesNothing) {
  ASSERT_TRUE(catalog_->Create(1, Kind::kPipeline, Pipeline(), "a").ok());
  catalog::Run historical;
  historical.workspace_id = 1;
  historical.pipeline_id = "p1";
  historical.run_type = "historical";
  StateChange pause = Change({"active"}, "paused");
  pause.run = historical;
  auto refused = catalog_->ChangeState(1, "p1", pause);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->applied);
  EXPECT_EQ(refused->state, "draft");
  EXPECT_FALSE(refused->run.has_value());
  EXPECT_EQ(catalog_->GetState(1, "p1")->state, "draft");
  EXPECT_TRUE(catalog_->UnfinishedRuns()->empty());
  EXPECT_EQ(catalog_->ChangeState(1, "nope", pause).status().code(), core::StatusCode::kNotFound);
}

TEST_F(SqliteCatalogTest, ResyncIsRefusedWhileARunIsActive) {
  ASSERT_TRUE(catalog_->Create(1, Kind::kPipeline, Pipeline(), "a").ok());
  ASSERT_TRUE(catalog_->ChangeState(1, "p1", Change({"draft"}, "active", 7))->applied);
  ASSERT_TRUE(catalog_->db()->Exec("UPDATE pipeline_state SET high_water_mark = '17'").ok());
  catalog::Run run;
  run.workspace_id = 1;
  run.pipeline_id = "p1";
  auto queued = catalog_->CreateRun(run);
  ASSERT_TRUE(queued.ok());
  StateChange resync = Change({"active", "paused"}, "");
  resync.reset_mark = true;
  resync.require_idle = true;
  auto refused = catalog_->ChangeState(1, "p1", resync);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->applied);
  ASSERT_TRUE(refused->busy_run.has_value());
  EXPECT_EQ(refused->busy_run->run_id, queued->run_id);
  EXPECT_EQ(catalog_->GetState(1, "p1")->high_water_mark, "17");
}

// B11: 8 concurrent activations, each on its own connection: exactly one applies and exactly
// one historical run is queued, in every trial.
TEST_F(SqliteCatalogTest, ConcurrentActivationsApplyExactlyOnce) {
  for (int trial = 0; trial < 5; ++trial) {
    const std::string id = "p" + std::to_string(trial);
    json body = Pipeline();
    body["id"] = id;
    ASSERT_TRUE(catalog_->Create(1, Kind::kPipeline, body, "a").ok());
    std::atomic<int> applied{0}, failed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&, i] {
        auto catalog = SqliteCatalog::Open(dir_.File("w.db"), &clock_);
        if (!catalog.ok()) return failed.fetch_add(1), void();
        catalog::Run historical;
        historical.workspace_id = 1;
        historical.pipeline_id = id;
        historical.run_type = "historical";
        StateChange change = Change({"draft"}, "active", 100 + i);
        change.run = historical;
        auto r = (*catalog)->ChangeState(1, id, change);
        if (!r.ok()) return failed.fetch_add(1), void();
        if (r->applied) {
          applied.fetch_add(1);
          if (!r->run || r->run->run_type != "historical") failed.fetch_add(1);
        } else if (r->state != "active" || r->run) {
          failed.fetch_add(1);
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(applied.load(), 1) << "trial " << trial;
    EXPECT_EQ(failed.load(), 0) << "trial " << trial;
    EXPECT_EQ(catalog_->ActiveRuns(1, id, true)->size(), 1u) << "trial " << trial;
  }
}

// S1: concurrent creates of non-historical runs: the unique index admits exactly one.
TEST_F(SqliteCatalogTest, AtMostOneActiveNonHistoricalRunPerPipeline) {
  for (int trial = 0; trial < 5; ++trial) {
    const std::string id = "p" + std::to_string(trial);
    std::atomic<int> created{0}, busy{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&] {
        auto catalog = SqliteCatalog::Open(dir_.File("w.db"), &clock_);
        if (!catalog.ok()) return other.fetch_add(1), void();
        catalog::Run run;
        run.workspace_id = 1;
        run.pipeline_id = id;
        auto r = (*catalog)->CreateRun(run);
        if (r.ok()) {
          created.fetch_add(1);
        } else if (r.status().code() == core::StatusCode::kFailedPrecondition) {
          busy.fetch_add(1);
        } else {
          other.fetch_add(1);
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(created.load(), 1) << "trial " << trial;
    EXPECT_EQ(busy.load(), 7) << "trial " << trial;
    EXPECT_EQ(other.load(), 0) << "trial " << trial;
  }
  // Historical runs overlap the others, and a finished run frees the slot.
  catalog::Run run;
  run.workspace_id = 1;
  run.pipeline_id = "p0";
  run.run_type = "historical";
  ASSERT_TRUE(catalog_->CreateRun(run).ok());
  ASSERT_TRUE(catalog_->CreateRun(run).ok());
  run.run_type = "manual";
  EXPECT_EQ(catalog_->CreateRun(run).status().code(), core::StatusCode::kFailedPrecondition);
  auto active = catalog_->ActiveRuns(1, "p0", false);
  ASSERT_TRUE(active.ok());
  for (const catalog::Run& r : *active) {
    ASSERT_TRUE(catalog_->SetRunState(1, r.run_id, "succeeded", std::nullopt, 1).ok());
  }
  EXPECT_TRUE(catalog_->CreateRun(run).ok());
}

}  // namespace
}  // namespace wsync::catalog
