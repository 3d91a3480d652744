#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "profiles/profile_codec.h"
#include "storage/contract/backends.h"

// The Catalog contract (catalog/catalog.h, storage/backend.h), run against every backend.
namespace wsync::catalog {
namespace {

using nlohmann::json;

StateChange Change(std::vector<Lifecycle> from, std::optional<Lifecycle> to,
                   std::optional<int64_t> activated_at = std::nullopt) {
  StateChange change;
  change.from = std::move(from);
  change.to = to;
  change.activated_at = activated_at;
  return change;
}

class CatalogContractTest : public storage::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (HasFatalFailure()) return;
    catalog_ = session_->catalog();
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

  // Stores `mark` as pipeline `pipeline_id`'s mark the way a run's last batch does (through the
  // catalog's checkpoint), from a run that then ends.
  void CheckpointMark(const std::string& pipeline_id, const std::string& mark) {
    catalog::Run run;
    run.workspace_id = 1;
    run.pipeline_id = pipeline_id;
    auto created = catalog_->CreateRun(run);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    catalog::RunCheckpoint cp;
    cp.run_id = created->run_id;
    cp.pipeline_id = pipeline_id;
    cp.high_water_mark = mark;
    ASSERT_TRUE(catalog_->RecordCheckpoint(1, cp).ok());
    ASSERT_TRUE(catalog_
                    ->SetRunState(1, created->run_id, RunState::kSucceeded, std::nullopt,
                                  clock_.NowMicros())
                    .ok());
  }

  Catalog* catalog_ = nullptr;  // the session's
};

TEST_P(CatalogContractTest, CreateGetReplaceWithAudit) {
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
  EXPECT_EQ(catalog_->GetState(1, "p1")->state, Lifecycle::kDraft);
}

TEST_P(CatalogContractTest, DuplicateIdsAndMissingOnes) {
  ASSERT_TRUE(catalog_->Create(1, Kind::kPipeline, Pipeline(), "a").ok());
  auto dup = catalog_->Create(1, Kind::kPipeline, Pipeline(), "a");
  EXPECT_EQ(dup.status().code(), core::StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.status().message(), "pipeline 'p1' already exists");
  EXPECT_EQ(catalog_->Get(2, Kind::kPipeline, "p1").status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(catalog_->Replace(1, Kind::kPipeline, "nope", Pipeline(), "a").status().code(),
            core::StatusCode::kNotFound);
}

TEST_P(CatalogContractTest, DeleteOfAReferencedResourceIsRefused) {
  ASSERT_TRUE(catalog_->Create(1, Kind::kPipeline, Pipeline(), "a").ok());
  core::Status s = catalog_->Delete(1, Kind::kConnection, "c1");
  EXPECT_EQ(s.code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "connection 'c1' is in use by pipeline 'p1'; delete or change that pipeline first");
  EXPECT_TRUE(catalog_->Delete(1, Kind::kPipeline, "p1").ok());
  EXPECT_TRUE(catalog_->Delete(1, Kind::kConnection, "c1").ok());
}

TEST_P(CatalogContractTest, GeneratedIdsAndPaging) {
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

TEST_P(CatalogContractTest, RunsAndStates) {
  ASSERT_TRUE(catalog_->Create(1, Kind::kPipeline, Pipeline(), "a").ok());
  catalog::Run run;
  run.workspace_id = 1;
  run.pipeline_id = "p1";
  run.created_at = 10;
  auto created = catalog_->CreateRun(run);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->state, RunState::kQueued);
  EXPECT_EQ(catalog_->ActiveRuns(1, "p1", false)->size(), 1u);
  ASSERT_TRUE(catalog_->SetRunState(1, created->run_id, RunState::kRunning, std::nullopt, 20).ok());
  ASSERT_TRUE(catalog_->SetRunState(1, created->run_id, RunState::kFailed, "interrupted", 30).ok());
  auto done = catalog_->GetRun(1, created->run_id);
  EXPECT_EQ(done->started_at, 20);
  EXPECT_EQ(done->ended_at, 30);
  EXPECT_EQ(done->error, "interrupted");
  EXPECT_TRUE(catalog_->ActiveRuns(1, "p1", true)->empty());
  EXPECT_EQ(catalog_->GetRun(2, created->run_id).status().code(), core::StatusCode::kNotFound);
}

TEST_P(CatalogContractTest, ChangeStateNeverWritesHealthSlotsOrTheMark) {
  ASSERT_TRUE(catalog_->Create(1, Kind::kPipeline, Pipeline(), "a").ok());
  // Meanwhile a run faults the pipeline, checkpoints its mark, and the scheduler records a slot.
  ASSERT_TRUE(catalog_->SetHealth(1, "p1", Health::kFaulted, json::array({"boom"})).ok());
  ASSERT_TRUE(catalog_->SetLastSlot(1, "p1", 42).ok());
  ASSERT_NO_FATAL_FAILURE(CheckpointMark("p1", "17"));
  auto activated =
      catalog_->ChangeState(1, "p1", Change({Lifecycle::kDraft}, Lifecycle::kActive, 7));
  ASSERT_TRUE(activated.ok() && activated->applied);
  EXPECT_EQ(activated->state, Lifecycle::kDraft);
  for (auto [from, to] : {std::pair{Lifecycle::kActive, Lifecycle::kPaused},
                          std::pair{Lifecycle::kPaused, Lifecycle::kActive}}) {
    auto changed = catalog_->ChangeState(1, "p1", Change({from}, to));
    ASSERT_TRUE(changed.ok() && changed->applied) << Name(from);
  }
  PipelineState now = *catalog_->GetState(1, "p1");
  EXPECT_EQ(now.state, Lifecycle::kActive);
  EXPECT_EQ(now.activated_at, 7);
  EXPECT_EQ(now.status, Health::kFaulted);
  EXPECT_EQ(now.errors, json::array({"boom"}));
  EXPECT_EQ(now.last_slot, 42);
  EXPECT_EQ(now.high_water_mark, "17");

  StateChange resync = Change({Lifecycle::kActive, Lifecycle::kPaused}, std::nullopt);
  resync.reset_mark = true;
  ASSERT_TRUE(catalog_->ChangeState(1, "p1", resync)->applied);
  now = *catalog_->GetState(1, "p1");
  EXPECT_EQ(now.state, Lifecycle::kActive);
  EXPECT_EQ(now.high_water_mark, std::nullopt);
}

TEST_P(CatalogContractTest, ChangeStateFromTheWrongStateChangesNothing) {
  ASSERT_TRUE(catalog_->Create(1, Kind::kPipeline, Pipeline(), "a").ok());
  catalog::Run historical;
  historical.workspace_id = 1;
  historical.pipeline_id = "p1";
  historical.run_type = RunType::kHistorical;
  StateChange pause = Change({Lifecycle::kActive}, Lifecycle::kPaused);
  pause.run = historical;
  auto refused = catalog_->ChangeState(1, "p1", pause);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->applied);
  EXPECT_EQ(refused->state, Lifecycle::kDraft);
  EXPECT_FALSE(refused->run.has_value());
  EXPECT_EQ(catalog_->GetState(1, "p1")->state, Lifecycle::kDraft);
  EXPECT_TRUE(catalog_->UnfinishedRuns()->empty());
  EXPECT_EQ(catalog_->ChangeState(1, "nope", pause).status().code(), core::StatusCode::kNotFound);
}

TEST_P(CatalogContractTest, ResyncIsRefusedWhileARunIsActive) {
  ASSERT_TRUE(catalog_->Create(1, Kind::kPipeline, Pipeline(), "a").ok());
  ASSERT_TRUE(
      catalog_->ChangeState(1, "p1", Change({Lifecycle::kDraft}, Lifecycle::kActive, 7))->applied);
  ASSERT_NO_FATAL_FAILURE(CheckpointMark("p1", "17"));
  catalog::Run run;
  run.workspace_id = 1;
  run.pipeline_id = "p1";
  auto queued = catalog_->CreateRun(run);
  ASSERT_TRUE(queued.ok());
  StateChange resync = Change({Lifecycle::kActive, Lifecycle::kPaused}, std::nullopt);
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
TEST_P(CatalogContractTest, ConcurrentActivationsApplyExactlyOnce) {
  for (int trial = 0; trial < 5; ++trial) {
    const std::string id = "p" + std::to_string(trial);
    json body = Pipeline();
    body["id"] = id;
    ASSERT_TRUE(catalog_->Create(1, Kind::kPipeline, body, "a").ok());
    std::atomic<int> applied{0}, failed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&, i] {
        auto session = NewSession();
        if (!session.ok()) return failed.fetch_add(1), void();
        catalog::Run historical;
        historical.workspace_id = 1;
        historical.pipeline_id = id;
        historical.run_type = RunType::kHistorical;
        StateChange change = Change({Lifecycle::kDraft}, Lifecycle::kActive, 100 + i);
        change.run = historical;
        auto r = (*session)->catalog()->ChangeState(1, id, change);
        if (!r.ok()) return failed.fetch_add(1), void();
        if (r->applied) {
          applied.fetch_add(1);
          if (!r->run || r->run->run_type != RunType::kHistorical) failed.fetch_add(1);
        } else if (r->state != Lifecycle::kActive || r->run) {
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
TEST_P(CatalogContractTest, AtMostOneActiveNonHistoricalRunPerPipeline) {
  for (int trial = 0; trial < 5; ++trial) {
    const std::string id = "p" + std::to_string(trial);
    std::atomic<int> created{0}, busy{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&] {
        auto session = NewSession();
        if (!session.ok()) return other.fetch_add(1), void();
        catalog::Run run;
        run.workspace_id = 1;
        run.pipeline_id = id;
        auto r = (*session)->catalog()->CreateRun(run);
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
  run.run_type = RunType::kHistorical;
  ASSERT_TRUE(catalog_->CreateRun(run).ok());
  ASSERT_TRUE(catalog_->CreateRun(run).ok());
  run.run_type = RunType::kManual;
  EXPECT_EQ(catalog_->CreateRun(run).status().code(), core::StatusCode::kFailedPrecondition);
  auto active = catalog_->ActiveRuns(1, "p0", false);
  ASSERT_TRUE(active.ok());
  for (const catalog::Run& r : *active) {
    ASSERT_TRUE(catalog_->SetRunState(1, r.run_id, RunState::kSucceeded, std::nullopt, 1).ok());
  }
  EXPECT_TRUE(catalog_->CreateRun(run).ok());
}

// F18: run ids count each workspace's runs from 1, whatever other workspaces run, and a run of
// another workspace is reached by none of its numbers: not found, not changed, no row errors,
// no checkpoint.
TEST_P(CatalogContractTest, RunIdsCountPerWorkspace) {
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
    EXPECT_EQ(catalog_->SetRunState(2, id, RunState::kCancelled, std::nullopt, 20).code(),
              core::StatusCode::kNotFound)
        << id;
  }
  EXPECT_EQ(catalog_->GetRun(1, 3)->state, RunState::kQueued);
  EXPECT_EQ(catalog_->GetRun(1, 4)->state, RunState::kQueued);
  // Cancelling workspace 2's run 1 leaves workspace 1's run 1 alone.
  ASSERT_TRUE(catalog_->SetRunState(2, 1, RunState::kCancelled, std::nullopt, 20).ok());
  EXPECT_EQ(catalog_->GetRun(2, 1)->state, RunState::kCancelled);
  EXPECT_EQ(catalog_->GetRun(1, 1)->state, RunState::kQueued);

  // A checkpoint writes counters and row errors of its own workspace's run only.
  catalog::RunCheckpoint cp;
  cp.run_id = 3;
  cp.pipeline_id = "c";
  cp.counters.records_extracted = 7;
  cp.row_errors = {{1, "k", "email", mapping::RowErrorCode::kInvalidValue, "bad email"}};
  EXPECT_EQ(catalog_->RecordCheckpoint(2, cp).code(), core::StatusCode::kNotFound);
  ASSERT_TRUE(catalog_->RecordCheckpoint(1, cp).ok());
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
TEST_P(CatalogContractTest, AScheduleSlotIsQueuedOnce) {
  catalog::Run run;
  run.workspace_id = 1;
  run.pipeline_id = "p";
  run.run_type = RunType::kScheduled;
  run.logical_date = 3600;
  run.created_at = 10;
  auto first = catalog_->CreateRun(run);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(catalog_->SetRunState(1, first->run_id, RunState::kSucceeded, std::nullopt, 20).ok());
  EXPECT_EQ(catalog_->CreateRun(run).status().code(), core::StatusCode::kFailedPrecondition);
  run.logical_date = 7200;  // the next slot
  EXPECT_TRUE(catalog_->CreateRun(run).ok());
  run.run_type = RunType::kManual;  // manual runs have no slot
  run.logical_date = 3600;
  ASSERT_TRUE(catalog_->SetRunState(1, 2, RunState::kSucceeded, std::nullopt, 30).ok());
  EXPECT_TRUE(catalog_->CreateRun(run).ok());
}

// Run claims by lease (SPEC §10): the claim is a compare-and-set, a renewal keeps a lease
// alive and carries cancels asked through the database, and only runs whose holder is gone
// (lease passed, no holder recorded, or a dead process) are ended as interrupted.
TEST_P(CatalogContractTest, RunsAreClaimedOnceAndRecoveredOnlyWhenTheirHolderIsGone) {
  auto create = [&](const std::string& pipeline_id, RunState state) {
    catalog::Run run;
    run.workspace_id = 1;
    run.pipeline_id = pipeline_id;
    run.state = state;
    run.created_at = 10;
    return catalog_->CreateRun(run)->run_id;
  };
  const int64_t a = create("a", RunState::kQueued);
  EXPECT_TRUE(*catalog_->ClaimRun(1, a, "host:1:x", 20, 1000));
  EXPECT_FALSE(*catalog_->ClaimRun(1, a, "host:2:y", 21, 1000));  // already taken
  EXPECT_EQ(catalog_->GetRun(1, a)->lease_owner, "host:1:x");
  EXPECT_EQ(catalog_->GetRun(1, a)->started_at, 20);
  EXPECT_FALSE(*catalog_->ClaimRun(2, a, "host:2:y", 21, 1000));  // another workspace's run

  const int64_t b = create("b", RunState::kQueued);
  ASSERT_TRUE(*catalog_->ClaimRun(1, b, "host:2:y", 20, 1000));
  const int64_t legacy = create("c", RunState::kRunning);  // left by a version without leases
  const auto none_dead = [](const std::string&) { return false; };

  // At 500 every lease is alive: only the run without a holder ends.
  EXPECT_EQ(*catalog_->ExpireLeases(500, 30, none_dead), 1);
  EXPECT_EQ(catalog_->GetRun(1, legacy)->state, RunState::kFailed);
  EXPECT_EQ(catalog_->GetRun(1, legacy)->error, "interrupted");
  EXPECT_EQ(catalog_->GetRun(1, a)->state, RunState::kRunning);

  // x renews to 2000; at 1500 y's lease has passed and only y's run ends.
  auto renewed = catalog_->RenewLeases("host:1:x", 2000);
  ASSERT_TRUE(renewed.ok());
  ASSERT_EQ(renewed->size(), 1u);
  EXPECT_EQ((*renewed)[0].run_id, a);
  EXPECT_FALSE((*renewed)[0].cancel_requested);
  EXPECT_EQ(*catalog_->ExpireLeases(1500, 40, none_dead), 1);
  EXPECT_EQ(catalog_->GetRun(1, b)->state, RunState::kFailed);
  EXPECT_EQ(catalog_->GetRun(1, b)->ended_at, 40);
  EXPECT_EQ(catalog_->GetRun(1, a)->state, RunState::kRunning);

  // A cancel asked of a running run reaches its holder at the next renewal; a queued run is
  // cancelled at once; a finished one cannot be.
  EXPECT_FALSE(*catalog_->RequestCancel(1, a, 50));
  EXPECT_EQ(catalog_->GetRun(1, a)->state, RunState::kRunning);
  auto cancels = catalog_->RenewLeases("host:1:x", 3000);
  ASSERT_TRUE(cancels.ok());
  ASSERT_EQ(cancels->size(), 1u);
  EXPECT_EQ((*cancels)[0].run_id, a);
  EXPECT_TRUE((*cancels)[0].cancel_requested);
  EXPECT_TRUE(catalog_->RenewLeases("host:2:y", 3000)->empty());  // y's run was ended
  const int64_t d = create("d", RunState::kQueued);
  EXPECT_TRUE(*catalog_->RequestCancel(1, d, 60));
  EXPECT_EQ(catalog_->GetRun(1, d)->state, RunState::kCancelled);
  EXPECT_FALSE(*catalog_->ClaimRun(1, d, "host:1:x", 61, 1000));  // a cancelled run stays so
  EXPECT_EQ(catalog_->RequestCancel(1, b, 70).status().code(),
            core::StatusCode::kFailedPrecondition);

  // A holder known to be dead loses its run before its lease passes.
  EXPECT_EQ(*catalog_->ExpireLeases(1600, 80, [](const std::string& o) { return o == "host:1:x"; }),
            1);
  EXPECT_EQ(catalog_->GetRun(1, a)->state, RunState::kFailed);
}

// F18: a version 5 database kept one run sequence for every workspace. Migration 7 numbers each
// workspace's runs 1, 2, 3 … in the order they were created, and what hangs off a run follows
// it: row errors, events, attribute sources and each profile's last run. A stored run id naming
// another workspace's run (never written by wsync) becomes 0 rather than keep a global id.

WSYNC_INSTANTIATE_FOR_EVERY_BACKEND(CatalogContractTest);

}  // namespace
}  // namespace wsync::catalog
