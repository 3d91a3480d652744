#include "catalog/sqlite/sqlite_catalog.h"

#include <gtest/gtest.h>

#include "db/schema.h"
#include "testing/temp_dir.h"

namespace wsync::catalog {
namespace {

using nlohmann::json;

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
  ASSERT_TRUE(catalog_->SetRunState(created->run_id, "running", std::nullopt, 20).ok());
  ASSERT_TRUE(catalog_->SetRunState(created->run_id, "failed", "interrupted", 30).ok());
  auto done = catalog_->GetRun(1, created->run_id);
  EXPECT_EQ(done->started_at, 20);
  EXPECT_EQ(done->ended_at, 30);
  EXPECT_EQ(done->error, "interrupted");
  EXPECT_TRUE(catalog_->ActiveRuns(1, "p1", true)->empty());
  EXPECT_EQ(catalog_->GetRun(2, created->run_id).status().code(), core::StatusCode::kNotFound);
}

TEST_F(SqliteCatalogTest, PutStateNeverWritesBackStaleHealthOrSlots) {
  ASSERT_TRUE(catalog_->Create(1, Kind::kPipeline, Pipeline(), "a").ok());
  PipelineState read_earlier = *catalog_->GetState(1, "p1");
  // Meanwhile a run faults the pipeline and the scheduler records a slot.
  ASSERT_TRUE(catalog_->SetHealth(1, "p1", "faulted", json::array({"boom"})).ok());
  ASSERT_TRUE(catalog_->SetLastSlot(1, "p1", 42).ok());
  read_earlier.state = "active";
  read_earlier.activated_at = 7;
  ASSERT_TRUE(catalog_->PutState(1, "p1", read_earlier).ok());
  PipelineState now = *catalog_->GetState(1, "p1");
  EXPECT_EQ(now.state, "active");
  EXPECT_EQ(now.activated_at, 7);
  EXPECT_EQ(now.status, "faulted");
  EXPECT_EQ(now.errors, json::array({"boom"}));
  EXPECT_EQ(now.last_slot, 42);
}

}  // namespace
}  // namespace wsync::catalog
