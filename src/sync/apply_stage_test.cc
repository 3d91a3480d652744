#include "sync/apply_stage.h"

#include <gtest/gtest.h>

#include "mapping/identity_types.h"
#include "storage/sqlite/schema.h"
#include "storage/sqlite/sqlite_db.h"
#include "storage/sqlite/sqlite_profile_store.h"
#include "testing/temp_dir.h"

namespace wsync::sync {
namespace {

using core::Value;

MappedRow Person(int64_t row, const std::string& email, const std::string& plan, uint64_t hash) {
  MappedRow r;
  r.row = row;
  r.record.identities.push_back({mapping::FindIdentityType("email")->priority, email});
  r.record.attributes.push_back({"plan", Value::String(plan)});
  r.key = "email:" + email;
  r.hash = hash;
  r.source_time = 10;
  return r;
}

MappedRow Failed(int64_t row) {
  MappedRow r;
  r.row = row;
  r.key = "row " + std::to_string(row);
  r.failed = true;
  r.error = {row, r.key, "email", mapping::RowErrorCode::kNoIdentity, "row has no usable identity"};
  return r;
}

MappedBatch Batch(std::vector<MappedRow> rows) {
  MappedBatch batch;
  batch.rows = std::move(rows);
  return batch;
}

// A real SQLite store with runs 1 and 2 of pipeline 'p' in workspace 1.
class ApplyStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = db::Db::Open(dir_.File("w.db"));
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    ASSERT_TRUE(db::Migrate(db_.get()).ok());
    // Recorded as ended: a pipeline may have one running run at a time.
    core::Status inserted = db_->Exec(
        "INSERT INTO pipeline_state (workspace_id, pipeline_id) VALUES (1, 'p');"
        "INSERT INTO runs (run_id, workspace_id, pipeline_id, run_type, state, created_at) "
        "VALUES (1, 1, 'p', 'manual', 'succeeded', 0), (2, 1, 'p', 'manual', 'succeeded', 0)");
    ASSERT_TRUE(inserted.ok()) << inserted.ToString();
    auto store = profiles::SqliteProfileStore::Open(dir_.File("w.db"));
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
  }

  ApplyOptions Options(int64_t run_id, bool full) {
    return {.workspace_id = 1,
            .run_id = run_id,
            .pipeline_id = "p",
            .environment = "production",
            .full = full,
            .run_start = 100};
  }

  std::optional<std::string> Mark() {
    auto stmt = db_->Prepare("SELECT high_water_mark FROM pipeline_state WHERE pipeline_id = 'p'");
    EXPECT_TRUE(stmt.ok());
    EXPECT_TRUE(*stmt->Step());
    return stmt->OptText(0);
  }

  int64_t Count(const std::string& sql) {
    auto stmt = db_->Prepare(sql);
    EXPECT_TRUE(stmt.ok()) << sql;
    EXPECT_TRUE(*stmt->Step());
    return stmt->Int(0);
  }

  testing::TempDir dir_;
  std::unique_ptr<db::Db> db_;
  std::unique_ptr<profiles::ProfileStore> store_;
};

TEST_F(ApplyStageTest, AFullRunAppliesTheFirstRowOfEachKeyAndSkipsUnchangedRows) {
  ApplyStage first(store_.get(), Options(1, /*full=*/true));
  MappedBatch batch = Batch({Person(1, "a@x.com", "pro", 11), Failed(2),
                             Person(3, "a@x.com", "free", 12), Person(4, "b@x.com", "pro", 21)});
  ASSERT_TRUE(first.Apply(batch, /*last=*/true).ok());
  const core::RunCounters& c = first.counters();
  EXPECT_EQ(c.records_extracted, 4);
  EXPECT_EQ(c.records_failed, 1);
  EXPECT_EQ(c.row_errors_total, 1);
  EXPECT_EQ(c.records_mapped, 3);
  EXPECT_EQ(c.records_skipped, 1);
  EXPECT_EQ(c.records_duplicate, 1);  // the second a@x.com row
  EXPECT_EQ(c.profiles_created, 2);
  EXPECT_TRUE(c.Consistent());
  EXPECT_EQ(Count("SELECT count(*) FROM fingerprints"), 2);
  EXPECT_EQ(Count("SELECT records_extracted FROM runs WHERE run_id = 1"), 4);

  // The next full run: a's fingerprint is unchanged, b's is not.
  ApplyStage second(store_.get(), Options(2, /*full=*/true));
  batch = Batch({Person(1, "a@x.com", "pro", 11), Person(2, "b@x.com", "free", 22)});
  ASSERT_TRUE(second.Apply(batch, /*last=*/true).ok());
  EXPECT_EQ(second.counters().records_unchanged, 1);
  EXPECT_EQ(second.counters().records_mapped, 2);
  EXPECT_EQ(second.counters().profiles_updated, 1);
  EXPECT_EQ(second.counters().records_duplicate, 0);
}

TEST_F(ApplyStageTest, AnIncrementalRunAppliesEveryRowAndTheLastBatchCarriesTheMark) {
  ApplyOptions options = Options(1, /*full=*/false);
  options.new_mark = R"({"iterator":"updated_at","type":"integer","value":42})";
  ApplyStage stage(store_.get(), options);
  MappedBatch batch = Batch({Person(1, "a@x.com", "pro", 11), Person(2, "a@x.com", "free", 12)});
  ASSERT_TRUE(stage.Apply(batch, /*last=*/false).ok());
  EXPECT_EQ(stage.counters().records_duplicate, 0);  // source times decide, not the first row
  EXPECT_EQ(stage.counters().records_skipped, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM fingerprints"), 0);
  EXPECT_FALSE(Mark());
  EXPECT_FALSE(stage.applied().last);

  MappedBatch empty;
  ASSERT_TRUE(stage.Apply(empty, /*last=*/true).ok());
  EXPECT_EQ(Mark(), options.new_mark);
  EXPECT_EQ(Count("SELECT records_mapped FROM runs WHERE run_id = 1"), 2);
}

TEST_F(ApplyStageTest, KeepsTheFirstThousandRowErrorsAndCountsThemAll) {
  ApplyStage stage(store_.get(), Options(1, /*full=*/true));
  std::vector<MappedRow> rows;
  for (int64_t i = 1; i <= 999; ++i) rows.push_back(Failed(i));
  MappedBatch batch = Batch(std::move(rows));
  ASSERT_TRUE(stage.Apply(batch, false).ok());
  batch = Batch({Failed(1000), Failed(1001), Person(1002, "a@x.com", "pro", 1)});
  ASSERT_TRUE(stage.Apply(batch, true).ok());
  EXPECT_EQ(stage.counters().records_failed, 1001);
  EXPECT_EQ(stage.counters().row_errors_total, 1001);
  EXPECT_EQ(Count("SELECT count(*) FROM row_errors WHERE run_key = (SELECT run_key FROM runs WHERE "
                  "workspace_id = 1 AND run_id = 1)"),
            1000);
  EXPECT_EQ(Count("SELECT max(row) FROM row_errors WHERE run_key = (SELECT run_key FROM runs WHERE "
                  "workspace_id = 1 AND run_id = 1)"),
            1000);
}

TEST_F(ApplyStageTest, TheAppliedViewShowsWhatTheBatchCommitted) {
  ApplyStage stage(store_.get(), Options(1, /*full=*/true));
  MappedBatch batch = Batch({Person(1, "a@x.com", "pro", 11), Person(2, "b@x.com", "pro", 21)});
  ASSERT_TRUE(stage.Apply(batch, true).ok());
  AppliedBatch applied = stage.applied();
  EXPECT_EQ(applied.run_id, 1);
  EXPECT_TRUE(applied.last);
  EXPECT_EQ(applied.counters, &stage.counters());
  ASSERT_NE(applied.changes, nullptr);
  EXPECT_EQ(applied.changes->profiles.size(), 2u);
  EXPECT_EQ(applied.changes->fingerprints.size(), 2u);
}

TEST_F(ApplyStageTest, AFailedBatchLeavesNothingBehind) {
  ApplyStage stage(store_.get(), Options(9, /*full=*/true));  // run 9 does not exist
  MappedBatch batch = Batch({Person(1, "a@x.com", "pro", 11)});
  core::Status status = stage.Apply(batch, true);
  EXPECT_EQ(status.code(), core::StatusCode::kNotFound);
  EXPECT_EQ(Count("SELECT count(*) FROM profiles"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM fingerprints"), 0);
}

}  // namespace
}  // namespace wsync::sync
