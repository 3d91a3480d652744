#include "catalog/sqlite/sqlite_catalog.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "db/schema.h"
#include "profiles/profile_codec.h"
#include "profiles/sqlite/sqlite_profile_store.h"
#include "testing/providers.h"
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
    catalog_ = *SqliteCatalog::Open(dir_.File("w.db"), &clock_, &testing::BuiltinProviders());
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
        auto catalog =
            SqliteCatalog::Open(dir_.File("w.db"), &clock_, &testing::BuiltinProviders());
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
        auto catalog =
            SqliteCatalog::Open(dir_.File("w.db"), &clock_, &testing::BuiltinProviders());
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

// F18: run ids count each workspace's runs from 1, whatever other workspaces run, and a run of
// another workspace is reached by none of its numbers: not found, not changed, no row errors,
// no checkpoint.
TEST_F(SqliteCatalogTest, RunIdsCountPerWorkspace) {
  auto create = [&](int64_t workspace_id, const std::string& pipeline_id) {
    catalog::Run run;
    run.workspace_id = workspace_id;
    run.pipeline_id = pipeline_id;
    run.created_at = 10;
    core::StatusOr<catalog::Run> created = catalog_->CreateRun(run);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->run_id : -1;
  };
  EXPECT_EQ(create(1, "a"), 1);
  EXPECT_EQ(create(1, "b"), 2);
  EXPECT_EQ(create(1, "c"), 3);
  EXPECT_EQ(create(2, "x"), 1);
  EXPECT_EQ(create(1, "d"), 4);  // the fifth run created, the fourth of workspace 1
  EXPECT_EQ(create(2, "y"), 2);
  EXPECT_EQ(catalog_->GetRun(2, 1)->pipeline_id, "x");
  EXPECT_EQ(catalog_->GetRun(1, 1)->pipeline_id, "a");

  // Workspace 1's last run is its 4 and, in creation order, the 5th.
  for (int64_t id : {3, 4, 5}) {
    EXPECT_EQ(catalog_->GetRun(2, id).status().code(), core::StatusCode::kNotFound) << id;
    EXPECT_EQ(catalog_->SetRunState(2, id, "cancelled", std::nullopt, 20).code(),
              core::StatusCode::kNotFound)
        << id;
  }
  EXPECT_EQ(catalog_->GetRun(1, 3)->state, "queued");
  EXPECT_EQ(catalog_->GetRun(1, 4)->state, "queued");
  // Cancelling workspace 2's run 1 leaves workspace 1's run 1 alone.
  ASSERT_TRUE(catalog_->SetRunState(2, 1, "cancelled", std::nullopt, 20).ok());
  EXPECT_EQ(catalog_->GetRun(2, 1)->state, "cancelled");
  EXPECT_EQ(catalog_->GetRun(1, 1)->state, "queued");

  // A checkpoint writes counters and row errors of its own workspace's run only.
  auto store = profiles::SqliteProfileStore::Open(dir_.File("w.db"));
  ASSERT_TRUE(store.ok());
  profiles::Checkpoint cp;
  cp.run_id = 3;
  cp.pipeline_id = "c";
  cp.counters.records_extracted = 7;
  cp.row_errors = {{1, "k", "email", "invalid_value", "bad email"}};
  EXPECT_EQ((*store)->Apply({2, "production"}, {}, cp).code(), core::StatusCode::kNotFound);
  ASSERT_TRUE((*store)->Apply({1, "production"}, {}, cp).ok());
  EXPECT_EQ(catalog_->GetRun(1, 3)->counters.records_extracted, 7);
  int64_t total = -1;
  auto mine = catalog_->RowErrors(1, 3, {1, 50}, &total);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(total, 1);
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].message, "bad email");
  for (int64_t id : {1, 2, 3}) {
    auto theirs = catalog_->RowErrors(2, id, {1, 50}, &total);
    ASSERT_TRUE(theirs.ok());
    EXPECT_EQ(total, 0) << id;
    EXPECT_TRUE(theirs->empty()) << id;
  }

  // The queue keeps creation order across workspaces.
  auto unfinished = catalog_->UnfinishedRuns();
  ASSERT_TRUE(unfinished.ok());
  std::vector<std::pair<int64_t, int64_t>> order;
  for (const catalog::Run& r : *unfinished) order.emplace_back(r.workspace_id, r.run_id);
  EXPECT_EQ(order,
            (std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {1, 2}, {1, 3}, {1, 4}, {2, 2}}));
}

// Two schedulers (two processes) ticking the same slot queue it once, even when the first
// run of the slot has already finished when the second scheduler gets there.
TEST_F(SqliteCatalogTest, AScheduleSlotIsQueuedOnce) {
  catalog::Run run;
  run.workspace_id = 1;
  run.pipeline_id = "p";
  run.run_type = "scheduled";
  run.logical_date = 3600;
  run.created_at = 10;
  auto first = catalog_->CreateRun(run);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(catalog_->SetRunState(1, first->run_id, "succeeded", std::nullopt, 20).ok());
  EXPECT_EQ(catalog_->CreateRun(run).status().code(), core::StatusCode::kFailedPrecondition);
  run.logical_date = 7200;  // the next slot
  EXPECT_TRUE(catalog_->CreateRun(run).ok());
  run.run_type = "manual";  // manual runs have no slot
  run.logical_date = 3600;
  ASSERT_TRUE(catalog_->SetRunState(1, 2, "succeeded", std::nullopt, 30).ok());
  EXPECT_TRUE(catalog_->CreateRun(run).ok());
}

// Run claims by lease (SPEC §10): the claim is a compare-and-set, a renewal keeps a lease
// alive and carries cancels asked through the database, and only runs whose holder is gone
// (lease passed, no holder recorded, or a dead process) are ended as interrupted.
TEST_F(SqliteCatalogTest, RunsAreClaimedOnceAndRecoveredOnlyWhenTheirHolderIsGone) {
  auto create = [&](const std::string& pipeline_id, const std::string& state) {
    catalog::Run run;
    run.workspace_id = 1;
    run.pipeline_id = pipeline_id;
    run.state = state;
    run.created_at = 10;
    return catalog_->CreateRun(run)->run_id;
  };
  const int64_t a = create("a", "queued");
  EXPECT_TRUE(*catalog_->ClaimRun(1, a, "host:1:x", 20, 1000));
  EXPECT_FALSE(*catalog_->ClaimRun(1, a, "host:2:y", 21, 1000));  // already taken
  EXPECT_EQ(catalog_->GetRun(1, a)->lease_owner, "host:1:x");
  EXPECT_EQ(catalog_->GetRun(1, a)->started_at, 20);
  EXPECT_FALSE(*catalog_->ClaimRun(2, a, "host:2:y", 21, 1000));  // another workspace's run

  const int64_t b = create("b", "queued");
  ASSERT_TRUE(*catalog_->ClaimRun(1, b, "host:2:y", 20, 1000));
  const int64_t legacy = create("c", "running");  // left by a version without leases
  const auto none_dead = [](const std::string&) { return false; };

  // At 500 every lease is alive: only the run without a holder ends.
  EXPECT_EQ(*catalog_->ExpireLeases(500, 30, none_dead), 1);
  EXPECT_EQ(catalog_->GetRun(1, legacy)->state, "failed");
  EXPECT_EQ(catalog_->GetRun(1, legacy)->error, "interrupted");
  EXPECT_EQ(catalog_->GetRun(1, a)->state, "running");

  // x renews to 2000; at 1500 y's lease has passed and only y's run ends.
  auto renewed = catalog_->RenewLeases("host:1:x", 2000);
  ASSERT_TRUE(renewed.ok());
  ASSERT_EQ(renewed->size(), 1u);
  EXPECT_EQ((*renewed)[0].run_id, a);
  EXPECT_FALSE((*renewed)[0].cancel_requested);
  EXPECT_EQ(*catalog_->ExpireLeases(1500, 40, none_dead), 1);
  EXPECT_EQ(catalog_->GetRun(1, b)->state, "failed");
  EXPECT_EQ(catalog_->GetRun(1, b)->ended_at, 40);
  EXPECT_EQ(catalog_->GetRun(1, a)->state, "running");

  // A cancel asked of a running run reaches its holder at the next renewal; a queued run is
  // cancelled at once; a finished one cannot be.
  EXPECT_FALSE(*catalog_->RequestCancel(1, a, 50));
  EXPECT_EQ(catalog_->GetRun(1, a)->state, "running");
  auto cancels = catalog_->RenewLeases("host:1:x", 3000);
  ASSERT_TRUE(cancels.ok());
  ASSERT_EQ(cancels->size(), 1u);
  EXPECT_EQ((*cancels)[0].run_id, a);
  EXPECT_TRUE((*cancels)[0].cancel_requested);
  EXPECT_TRUE(catalog_->RenewLeases("host:2:y", 3000)->empty());  // y's run was ended
  const int64_t d = create("d", "queued");
  EXPECT_TRUE(*catalog_->RequestCancel(1, d, 60));
  EXPECT_EQ(catalog_->GetRun(1, d)->state, "cancelled");
  EXPECT_FALSE(*catalog_->ClaimRun(1, d, "host:1:x", 61, 1000));  // a cancelled run stays so
  EXPECT_EQ(catalog_->RequestCancel(1, b, 70).status().code(),
            core::StatusCode::kFailedPrecondition);

  // A holder known to be dead loses its run before its lease passes.
  EXPECT_EQ(*catalog_->ExpireLeases(1600, 80, [](const std::string& o) { return o == "host:1:x"; }),
            1);
  EXPECT_EQ(catalog_->GetRun(1, a)->state, "failed");
}

// F18: a version 5 database kept one run sequence for every workspace. Migration 7 numbers each
// workspace's runs 1, 2, 3 … in the order they were created, and what hangs off a run follows
// it: row errors, events, attribute sources and each profile's last run. A stored run id naming
// another workspace's run (never written by wsync) becomes 0 rather than keep a global id.
TEST(SqliteCatalogMigrationTest, Version5RunsAreNumberedPerWorkspace) {
  testing::TempDir dir;
  const std::string path = dir.File("w.db");
  {
    auto db = db::Db::Open(path);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db::MigrateTo(db->get(), 5).ok());
    // Global ids: workspace 1 ran 1, 3 and 6; workspace 2 ran 2, 4 and 5.
    core::Status s = (*db)->Exec(
        "INSERT INTO runs (run_id, workspace_id, pipeline_id, run_type, state, created_at, "
        "row_errors_total) VALUES (1, 1, 'p', 'manual', 'succeeded', 10, 0), "
        "(2, 2, 'p', 'manual', 'succeeded', 20, 0), (3, 1, 'p', 'manual', 'succeeded', 30, 1), "
        "(4, 2, 'p', 'manual', 'failed', 40, 2), (5, 2, 'q', 'manual', 'succeeded', 50, 0), "
        "(6, 1, 'p', 'manual', 'queued', 60, 0);"
        "INSERT INTO row_errors (run_id, seq, row, key, column_name, code, message) VALUES "
        "(3, 0, 7, 'k7', 'email', 'invalid_value', 'global run 3'), "
        "(4, 0, 2, 'k2', '', 'no_identity', 'global run 4, first'), "
        "(4, 1, 5, 'k5', '', 'no_identity', 'global run 4, second');"
        "INSERT INTO events (workspace_id, environment, dedup_key, mpid, body, pipeline_id, "
        "run_id, created_at) VALUES (1, 'production', 'm:a', 100, '{}', 'p', 3, 1), "
        "(2, 'production', 'm:b', 200, '{}', 'q', 5, 1);");
    ASSERT_TRUE(s.ok()) << s.ToString();
    // Workspace 1's profile in the current attribute format, workspace 2's in version 1.
    const std::string ws1_attributes =
        profiles::EncodeAttributes({{"plan", {core::Value::String("pro"), false, 5, "p", 3, 9}},
                                    {"seats", {core::Value::Int64(4), false, 6, "p", 6, 9}}});
    const std::string ws2_attributes = R"({"plan":{"v":"free","s":5,"p":"p","r":4,"u":9},)"
                                       R"("seats":{"v":2,"s":5,"p":"q","r":1,"u":9}})";
    auto insert = (*db)->Prepare(
        "INSERT INTO profiles (mpid, workspace_id, environment, identities, attributes, "
        "created_at, updated_at, updated_run) VALUES (?1, ?2, 'production', '{}', ?3, 1, 1, ?4)");
    ASSERT_TRUE(insert.ok());
    insert->Bind(1, int64_t{100}).Bind(2, int64_t{1}).Bind(3, ws1_attributes).Bind(4, int64_t{6});
    ASSERT_TRUE(insert->Run().ok());
    insert->Reset();
    insert->Bind(1, int64_t{200}).Bind(2, int64_t{2}).Bind(3, ws2_attributes).Bind(4, int64_t{5});
    ASSERT_TRUE(insert->Run().ok());
    ASSERT_TRUE(db::Migrate(db->get()).ok());
    auto version = (*db)->Prepare("PRAGMA user_version");
    ASSERT_TRUE(version.ok() && *version->Step());
    EXPECT_EQ(version->Int(0), db::LatestSchemaVersion());
  }

  core::FakeClock clock{1'700'000'000'000'000};
  auto catalog = SqliteCatalog::Open(path, &clock, &testing::BuiltinProviders());
  ASSERT_TRUE(catalog.ok());
  // (workspace, run id) → created_at: the order of creation within each workspace.
  const std::vector<std::tuple<int64_t, int64_t, int64_t>> expected = {
      {1, 1, 10}, {1, 2, 30}, {1, 3, 60}, {2, 1, 20}, {2, 2, 40}, {2, 3, 50}};
  for (const auto& [ws, id, created_at] : expected) {
    auto run = (*catalog)->GetRun(ws, id);
    ASSERT_TRUE(run.ok()) << ws << "/" << id;
    EXPECT_EQ(run->created_at, created_at) << ws << "/" << id;
  }
  for (int64_t ws : {1, 2}) {
    for (int64_t id : {4, 5, 6}) {
      EXPECT_EQ((*catalog)->GetRun(ws, id).status().code(), core::StatusCode::kNotFound);
    }
  }

  // Row errors stay with their runs: global 3 is workspace 1's run 2, global 4 workspace 2's.
  auto messages = [&](int64_t ws, int64_t id) {
    int64_t total = -1;
    std::vector<std::string> out;
    auto errors = (*catalog)->RowErrors(ws, id, {1, 50}, &total);
    EXPECT_TRUE(errors.ok());
    if (errors.ok()) {
      for (const mapping::RowError& e : *errors) out.push_back(e.message);
    }
    EXPECT_EQ(total, static_cast<int64_t>(out.size()));
    return out;
  };
  using Messages = std::vector<std::string>;
  EXPECT_EQ(messages(1, 2), Messages{"global run 3"});
  EXPECT_EQ(messages(2, 2), (Messages{"global run 4, first", "global run 4, second"}));
  for (const auto& [ws, id] :
       std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {1, 3}, {2, 1}, {2, 3}, {1, 4}, {2, 4}}) {
    EXPECT_TRUE(messages(ws, id).empty()) << ws << "/" << id;
  }

  auto store = profiles::SqliteProfileStore::Open(path);
  ASSERT_TRUE(store.ok());
  auto ada = (*store)->Get(1, 100);
  ASSERT_TRUE(ada.ok()) << ada.status().ToString();
  EXPECT_EQ(ada->attributes.at("plan").run_id, 2);
  EXPECT_EQ(ada->attributes.at("plan").value, core::Value::String("pro"));
  EXPECT_EQ(ada->attributes.at("seats").run_id, 3);
  EXPECT_EQ(ada->attributes.at("seats").value, core::Value::Int64(4));
  EXPECT_EQ(ada->updated_run, 3);
  auto bob = (*store)->Get(2, 200);
  ASSERT_TRUE(bob.ok()) << bob.status().ToString();
  EXPECT_EQ(bob->attributes.at("plan").run_id, 2);
  EXPECT_EQ(bob->attributes.at("plan").value, core::Value::String("free"));
  EXPECT_EQ(bob->attributes.at("plan").source_time, 5);
  EXPECT_EQ(bob->attributes.at("seats").run_id, 0);  // named workspace 1's run
  EXPECT_EQ(bob->attributes.at("seats").value, core::Value::Int64(2));
  EXPECT_EQ(bob->updated_run, 3);
  auto ada_events = (*store)->Events(1, 100, 10);
  ASSERT_TRUE(ada_events.ok() && ada_events->size() == 1u);
  EXPECT_EQ((*ada_events)[0].run_id, 2);
  auto bob_events = (*store)->Events(2, 200, 10);
  ASSERT_TRUE(bob_events.ok() && bob_events->size() == 1u);
  EXPECT_EQ((*bob_events)[0].run_id, 3);

  // New runs continue each workspace's count; a new workspace starts at 1.
  for (const auto& [ws, next] : std::vector<std::pair<int64_t, int64_t>>{{1, 4}, {2, 4}, {3, 1}}) {
    catalog::Run run;
    run.workspace_id = ws;
    run.pipeline_id = "new";
    auto created = (*catalog)->CreateRun(run);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    EXPECT_EQ(created->run_id, next) << ws;
  }
}

}  // namespace
}  // namespace wsync::catalog
