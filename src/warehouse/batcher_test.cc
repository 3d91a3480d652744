#include "warehouse/batcher.h"

#include <gtest/gtest.h>

#include <string>

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
