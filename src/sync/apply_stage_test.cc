#include "sync/apply_stage.h"

#include <gtest/gtest.h>

#include "mapping/identity_types.h"
#include "storage/contract/backends.h"

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

// A real backend (each of them) holding pipeline 'p' of workspace 1 with two ended runs, 1 and 2.
class ApplyStageTest : public storage::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (HasFatalFailure()) return;
    catalog_ = session_->catalog();
    store_ = session_->store();
    using catalog::Kind;
    ASSERT_TRUE(
        catalog_
            ->Create(
                1, Kind::kConnection,
                {{"id", "c"}, {"service_provider", "sqlite"}, {"config", {{"path", "/tmp/x.db"}}}},
                "t")
            .ok());
    ASSERT_TRUE(
        catalog_->Create(1, Kind::kDataModel, {{"id", "m"}, {"sql_query", "SELECT 1 AS a"}}, "t")
            .ok());
    ASSERT_TRUE(catalog_
                    ->Create(1, Kind::kPipeline,
                             {{"id", "p"},
                              {"pipeline_type", "user_attributes"},
                              {"connection_id", "c"},
                              {"data_model_id", "m"},
                              {"environment", "production"}},
                             "t")
                    .ok());
    // Recorded as ended: a pipeline may have one running run at a time.
    for (int64_t id = 1; id <= 2; ++id) {
      catalog::Run run;
      run.workspace_id = 1;
      run.pipeline_id = "p";
      auto created = catalog_->CreateRun(run);
      ASSERT_TRUE(created.ok()) << created.status().ToString();
      ASSERT_EQ(created->run_id, id);
      ASSERT_TRUE(
          catalog_->SetRunState(1, id, catalog::RunState::kSucceeded, std::nullopt, 0).ok());
    }
  }

  ApplyOptions Options(int64_t run_id, bool full) {
    return {.workspace_id = 1,
            .run_id = run_id,
            .pipeline_id = "p",
            .environment = "production",
            .full = full,
            .run_start = 100};
  }

  std::optional<std::string> Mark() { return catalog_->GetState(1, "p")->high_water_mark; }
  core::RunCounters Counters(int64_t run_id) { return catalog_->GetRun(1, run_id)->counters; }
  size_t Fingerprints() {
    return store_->LookupFingerprints(1, "p", {"email:a@x.com", "email:b@x.com"})->size();
  }
  int64_t Profiles() { return store_->List(1, std::nullopt, std::nullopt, 1, 10)->total; }

  catalog::Catalog* catalog_ = nullptr;
  profiles::ProfileStore* store_ = nullptr;
};
WSYNC_INSTANTIATE_FOR_EVERY_BACKEND(ApplyStageTest);

TEST_P(ApplyStageTest, AFullRunAppliesTheFirstRowOfEachKeyAndSkipsUnchangedRows) {
  ApplyStage first(session_.get(), Options(1, /*full=*/true));
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
  EXPECT_EQ(Fingerprints(), 2u);
  EXPECT_EQ(Counters(1).records_extracted, 4);

  // The next full run: a's fingerprint is unchanged, b's is not.
  ApplyStage second(session_.get(), Options(2, /*full=*/true));
  batch = Batch({Person(1, "a@x.com", "pro", 11), Person(2, "b@x.com", "free", 22)});
  ASSERT_TRUE(second.Apply(batch, /*last=*/true).ok());
  EXPECT_EQ(second.counters().records_unchanged, 1);
  EXPECT_EQ(second.counters().records_mapped, 2);
  EXPECT_EQ(second.counters().profiles_updated, 1);
  EXPECT_EQ(second.counters().records_duplicate, 0);
}

TEST_P(ApplyStageTest, AnIncrementalRunAppliesEveryRowAndTheLastBatchCarriesTheMark) {
  ApplyOptions options = Options(1, /*full=*/false);
  options.new_mark = R"({"iterator":"updated_at","type":"integer","value":42})";
  ApplyStage stage(session_.get(), options);
  MappedBatch batch = Batch({Person(1, "a@x.com", "pro", 11), Person(2, "a@x.com", "free", 12)});
  ASSERT_TRUE(stage.Apply(batch, /*last=*/false).ok());
  EXPECT_EQ(stage.counters().records_duplicate, 0);  // source times decide, not the first row
  EXPECT_EQ(stage.counters().records_skipped, 0);
  EXPECT_EQ(Fingerprints(), 0u);
  EXPECT_FALSE(Mark());
  EXPECT_FALSE(stage.applied().last);

  MappedBatch empty;
  ASSERT_TRUE(stage.Apply(empty, /*last=*/true).ok());
  EXPECT_EQ(Mark(), options.new_mark);
  EXPECT_EQ(Counters(1).records_mapped, 2);
}

TEST_P(ApplyStageTest, KeepsTheFirstThousandRowErrorsAndCountsThemAll) {
  ApplyStage stage(session_.get(), Options(1, /*full=*/true));
  std::vector<MappedRow> rows;
  for (int64_t i = 1; i <= 999; ++i) rows.push_back(Failed(i));
  MappedBatch batch = Batch(std::move(rows));
  ASSERT_TRUE(stage.Apply(batch, false).ok());
  batch = Batch({Failed(1000), Failed(1001), Person(1002, "a@x.com", "pro", 1)});
  ASSERT_TRUE(stage.Apply(batch, true).ok());
  EXPECT_EQ(stage.counters().records_failed, 1001);
  EXPECT_EQ(stage.counters().row_errors_total, 1001);
  int64_t kept = 0;
  auto last_page = catalog_->RowErrors(1, 1, {.page = 20, .page_size = 50}, &kept);
  ASSERT_TRUE(last_page.ok());
  EXPECT_EQ(kept, 1000);
  ASSERT_EQ(last_page->size(), 50u);
  EXPECT_EQ(last_page->back().row, 1000);
  EXPECT_EQ(Counters(1).row_errors_total, 1001);
}

TEST_P(ApplyStageTest, TheAppliedViewShowsWhatTheBatchCommitted) {
  ApplyStage stage(session_.get(), Options(1, /*full=*/true));
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

TEST_P(ApplyStageTest, AFailedBatchLeavesNothingBehind) {
  ApplyStage stage(session_.get(), Options(9, /*full=*/true));  // run 9 does not exist
  MappedBatch batch = Batch({Person(1, "a@x.com", "pro", 11)});
  core::Status status = stage.Apply(batch, true);
  EXPECT_EQ(status.code(), core::StatusCode::kNotFound);
  EXPECT_EQ(Profiles(), 0);
  EXPECT_EQ(Fingerprints(), 0u);
}

}  // namespace
}  // namespace wsync::sync
