#include "sync/extract_stage.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/time.h"
#include "sync/fingerprint.h"

namespace wsync::sync {
namespace {

using core::Value;

int64_t At(std::string_view rfc3339) { return core::ParseTimestamp(rfc3339).value(); }

std::vector<core::Column> Columns() {
  return {{"email", core::Type::kString, false},
          {"plan", core::Type::kString, false},
          {"updated_at", core::Type::kString, false}};
}

core::Row Row(Value email, const char* plan, const char* updated_at) {
  return {std::move(email), Value::String(plan), Value::String(updated_at)};
}

core::RowBatch Batch(std::vector<core::Row> rows) {
  core::RowBatch batch;
  batch.rows = std::move(rows);
  return batch;
}

// Hands out the batches given, then `failure` (or the end); `endless` repeats the last batch.
class FakeStream : public warehouse::RowStream {
 public:
  FakeStream(std::vector<std::vector<core::Row>> batches, core::Status failure = {},
             bool endless = false)
      : columns_(Columns()),
        batches_(std::move(batches)),
        failure_(std::move(failure)),
        endless_(endless) {}
  const std::vector<core::Column>& columns() const override { return columns_; }
  core::StatusOr<bool> Next(core::RowBatch* batch) override {
    batch->rows.clear();
    if (next_ < batches_.size() || (endless_ && !batches_.empty())) {
      batch->rows = batches_[std::min(next_++, batches_.size() - 1)];
      return true;
    }
    if (!failure_.ok()) return failure_;
    return false;
  }

 private:
  std::vector<core::Column> columns_;
  std::vector<std::vector<core::Row>> batches_;
  core::Status failure_;
  bool endless_;
  size_t next_ = 0;
};

// A warehouse that never runs out of rows.
std::unique_ptr<warehouse::RowStream> Endless() {
  return std::make_unique<FakeStream>(
      std::vector<std::vector<core::Row>>{{Row(Value::String("a@x.com"), "pro", "")}},
      core::Status(), /*endless=*/true);
}

class ExtractStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mapping::MapperOptions options;
    options.iterator_column = "updated_at";
    auto mapper = mapping::Mapper::Compile(nullptr, Columns(), options);
    ASSERT_TRUE(mapper.ok()) << mapper.status().ToString();
    mapper_.emplace(std::move(*mapper));
    mapping_.mapper = &*mapper_;
    mapping_.settings_version = 7;
    mapping_.run_start = At("2026-01-10T12:00:00Z");
  }

  void Incremental() {
    mapping_.iterator_column = 2;
    mapping_.iterator_type = warehouse::IteratorType::kTimestamp;
    mapping_.iterator = "updated_at";
    mapping_.iterator_data_type = "timestamp_ltz";
  }

  std::optional<mapping::Mapper> mapper_;
  RowMapping mapping_;
};

TEST_F(ExtractStageTest, MapsRowsWithTheirKeyFingerprintAndSourceTime) {
  Incremental();
  int64_t row_number = 4;  // four rows came in earlier batches
  MappedBatch out = MapRows(
      mapping_, Batch({Row(Value::String("a@x.com"), "pro", "2026-01-02T00:00:00Z")}), &row_number);
  EXPECT_EQ(row_number, 5);
  ASSERT_EQ(out.rows.size(), 1u);
  const MappedRow& r = out.rows[0];
  EXPECT_FALSE(r.failed);
  EXPECT_EQ(r.row, 5);
  EXPECT_EQ(r.key, "email:a@x.com");
  EXPECT_EQ(r.source_time, At("2026-01-02T00:00:00Z"));  // the iterator says when it changed
  EXPECT_EQ(r.hash, RecordFingerprint(r.record, At("2026-01-02T00:00:00Z"), 7));
  EXPECT_EQ(r.event_hash, 0u);

  mapping_.primary_key = {1};  // a primary key names the row by its values
  EXPECT_EQ(
      MapRows(mapping_, Batch({Row(Value::String("a@x.com"), "pro", "2026-01-02")}), &row_number)
          .rows[0]
          .key,
      "pro");
}

TEST_F(ExtractStageTest, AFullSyncRowWithoutADataTimeTakesTheRunsStart) {
  int64_t row_number = 0;
  MappedBatch out =
      MapRows(mapping_, Batch({Row(Value::String("a@x.com"), "pro", "not a time")}), &row_number);
  ASSERT_EQ(out.rows.size(), 1u);
  const MappedRow& r = out.rows[0];
  EXPECT_FALSE(r.failed);  // not an iterator: a full sync does not parse it
  EXPECT_EQ(r.source_time, At("2026-01-10T12:00:00Z"));
  // The run's start is not part of what the row writes.
  EXPECT_EQ(r.hash, RecordFingerprint(r.record, std::nullopt, 7));
}

TEST_F(ExtractStageTest, RowErrorsCarryTheRowsKey) {
  Incremental();
  int64_t row_number = 0;
  MappedBatch out = MapRows(mapping_,
                            Batch({Row(Value::String("b@x.com"), "free", "soon"),
                                   Row(Value::Null(), "pro", "2026-01-02T00:00:00Z")}),
                            &row_number);
  ASSERT_EQ(out.rows.size(), 2u);
  const MappedRow& bad_iterator = out.rows[0];
  EXPECT_TRUE(bad_iterator.failed);
  EXPECT_EQ(bad_iterator.error.row, 1);
  EXPECT_EQ(bad_iterator.error.key, "email:b@x.com");
  EXPECT_EQ(bad_iterator.error.column, "updated_at");
  EXPECT_EQ(bad_iterator.error.code, mapping::RowErrorCode::kInvalidIterator);
  EXPECT_EQ(bad_iterator.error.message, "iterator value 'soon' does not parse as timestamp_ltz");
  const MappedRow& no_identity = out.rows[1];
  EXPECT_TRUE(no_identity.failed);
  EXPECT_EQ(no_identity.error.code, mapping::RowErrorCode::kNoIdentity);
  EXPECT_EQ(no_identity.error.key, "row 2");  // the mapper knew no key; the row's number names it
}

TEST_F(ExtractStageTest, HandsOverEveryBatchInOrderThenTheEnd) {
  ExtractStage stage(
      mapping_,
      std::make_unique<FakeStream>(std::vector<std::vector<core::Row>>{
          {Row(Value::String("a@x.com"), "pro", ""), Row(Value::String("b@x.com"), "pro", "")},
          {Row(Value::String("c@x.com"), "pro", "")},
          {Row(Value::String("d@x.com"), "pro", "")}}),
      1);
  std::vector<std::string> seen;
  while (std::optional<MappedBatch> batch = stage.Next()) {
    ASSERT_TRUE(batch->status.ok()) << batch->status.ToString();
    for (const MappedRow& r : batch->rows) seen.push_back(std::to_string(r.row) + " " + r.key);
    seen.push_back("|");
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"1 email:a@x.com", "2 email:b@x.com", "|",
                                            "3 email:c@x.com", "|", "4 email:d@x.com", "|"}));
  EXPECT_FALSE(stage.Next());
}

TEST_F(ExtractStageTest, AnExtractionFailureIsTheLastBatch) {
  ExtractStage stage(
      mapping_, std::make_unique<FakeStream>(
                    std::vector<std::vector<core::Row>>{{Row(Value::String("a@x.com"), "pro", "")}},
                    core::Unavailable("warehouse gone")));
  std::optional<MappedBatch> first = stage.Next();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->status.ok());
  std::optional<MappedBatch> failed = stage.Next();
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status.code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(failed->status.message(), "warehouse gone");
  EXPECT_TRUE(failed->rows.empty());
  EXPECT_FALSE(stage.Next());
}

TEST_F(ExtractStageTest, StopsWhileTheQueueIsFull) {
  // An endless warehouse and an apply thread that stops taking batches: Stop (and the
  // destructor) must still end and join the extraction thread.
  ExtractStage stage(mapping_, Endless(), 1);
  ASSERT_TRUE(stage.Next());
  stage.Stop();
  stage.Stop();  // idempotent
  int left = 0;
  while (stage.Next()) ++left;
  EXPECT_LE(left, 1);  // what was queued, and nothing more
  ExtractStage never_drained(mapping_, Endless(), 1);
}

}  // namespace
}  // namespace wsync::sync
