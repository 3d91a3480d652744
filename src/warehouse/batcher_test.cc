#include "warehouse/batcher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wsync::warehouse {
namespace {

using core::Value;

TEST(BatcherTest, ValueBytesCountTextAndBinary) {
  EXPECT_EQ(ValueBytes(Value::Int64(1)), 16u);
  EXPECT_EQ(ValueBytes(Value::Null()), 16u);
  EXPECT_EQ(ValueBytes(Value::String("abcd")), 20u);
  EXPECT_EQ(ValueBytes(Value::Dec("12.50")), 21u);
  EXPECT_EQ(ValueBytes(Value::BytesValue(std::string(10, 'x'))), 26u);
  EXPECT_EQ(RowBytes({Value::Int64(1), Value::String("ab")}), 34u);
}

TEST(BatcherTest, EndsAtTheRowLimit) {
  Batcher batcher(3, 1 << 20);
  core::RowBatch batch;
  batcher.Start(&batch);
  int added = 0;
  while (!batcher.Full(batch)) {
    batcher.Add({Value::Int64(added++)}, &batch);
  }
  EXPECT_EQ(batch.rows.size(), 3u);
  EXPECT_EQ(batch.bytes, 48u);
  // Start empties the batch for the next rows and keeps its columns.
  batch.columns = std::make_shared<const std::vector<core::Column>>();
  batcher.Start(&batch);
  EXPECT_TRUE(batch.rows.empty());
  EXPECT_EQ(batch.bytes, 0u);
  EXPECT_NE(batch.columns, nullptr);
}

TEST(BatcherTest, EndsOnceTheBytesAreReachedKeepingTheRowThatCrossed) {
  Batcher batcher(1000, 100);
  core::RowBatch batch;
  batcher.Start(&batch);
  batcher.Add({Value::String(std::string(50, 'a'))}, &batch);  // 66 bytes
  EXPECT_FALSE(batcher.Full(batch));
  batcher.Add({Value::String(std::string(50, 'b'))}, &batch);  // 132: over, but kept
  EXPECT_TRUE(batcher.Full(batch));
  EXPECT_EQ(batch.rows.size(), 2u);
  // One huge row still makes a batch of its own.
  batcher.Start(&batch);
  batcher.Add({Value::String(std::string(10'000, 'c'))}, &batch);
  EXPECT_EQ(batch.rows.size(), 1u);
  EXPECT_TRUE(batcher.Full(batch));
}

TEST(BatchFillerTest, RefillsThePreviousRowsAndEndsWhereTheBatcherWould) {
  Batcher batcher(3, 1 << 20);
  core::RowBatch batch;
  batch.rows = {{Value::String("old"), Value::Int64(1), Value::Null()},
                {Value::Null()},
                {Value::Int64(2), Value::Int64(3)},
                {Value::Int64(4), Value::Int64(5)},
                {Value::Int64(6), Value::Int64(7)}};
  batch.bytes = 999;
  int n = 0;
  {
    BatchFiller filler(batcher, 2, &batch);
    EXPECT_EQ(batch.bytes, 0u);
    while (!filler.Full()) {
      core::Row& row = filler.Next();
      ASSERT_EQ(row.size(), 2u);
      row[0].SetString("row " + std::to_string(n));
      row[1].SetInt64(n++);
      filler.Added();
    }
    EXPECT_EQ(filler.Finish(), 3u);
  }
  EXPECT_EQ(batch.rows, (std::vector<core::Row>{{Value::String("row 0"), Value::Int64(0)},
                                                {Value::String("row 1"), Value::Int64(1)},
                                                {Value::String("row 2"), Value::Int64(2)}}));
  EXPECT_EQ(batch.bytes, 3u * (16 + 5 + 16));

  // Fewer rows than last time: the rest are dropped; more: new rows are added.
  {
    BatchFiller filler(batcher, 1, &batch);
    filler.Next()[0].SetNull();
    filler.Added();
    EXPECT_EQ(filler.Finish(), 1u);
  }
  EXPECT_EQ(batch.rows, (std::vector<core::Row>{{Value::Null()}}));
  {
    BatchFiller filler(batcher, 1, &batch);
    for (int i = 0; i < 2; ++i) {
      filler.Next()[0].SetInt64(i);
      filler.Added();
    }
    EXPECT_FALSE(filler.Full());
    EXPECT_EQ(filler.Finish(), 2u);
  }
  EXPECT_EQ(batch.rows, (std::vector<core::Row>{{Value::Int64(0)}, {Value::Int64(1)}}));
  EXPECT_EQ(BatchFiller(batcher, 1, &batch).Finish(), 0u);
  EXPECT_TRUE(batch.rows.empty());

  // The byte bound as in Batcher: the row that crosses it stays.
  Batcher small(1000, 100);
  BatchFiller filler(small, 1, &batch);
  filler.Next()[0].SetString(std::string(50, 'a'));  // 66 bytes
  filler.Added();
  EXPECT_FALSE(filler.Full());
  filler.Next()[0].SetString(std::string(50, 'b'));  // 132: over, but kept
  filler.Added();
  EXPECT_TRUE(filler.Full());
  EXPECT_EQ(filler.Finish(), 2u);
}

TEST(BatcherTest, LimitsAreAtLeastOneAndComeFromTheQuery) {
  Batcher zero(0, 0);
  EXPECT_EQ(zero.max_rows(), 1u);
  EXPECT_EQ(zero.max_bytes(), 1u);
  Query query;
  query.batch_rows = 7;
  query.batch_bytes = 99;
  Batcher from_query(query);
  EXPECT_EQ(from_query.max_rows(), 7u);
  EXPECT_EQ(from_query.max_bytes(), 99u);
  core::RowBatch batch;
  EXPECT_FALSE(from_query.Full(batch));
}

}  // namespace
}  // namespace wsync::warehouse
