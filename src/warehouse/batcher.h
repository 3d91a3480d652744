// Batcher: where a stream's batches end (SPEC §2 "extraction streams: memory stays bounded"):
// at `max_rows` rows, or once the rows hold about `max_bytes` bytes, whichever comes first.
// Bytes are an estimate of what the rows keep in memory (ValueBytes); the row that crosses the
// byte limit stays in its batch, so every batch holds at least one row whatever its size.
// Shared by every connector so a Query's batch_rows / batch_bytes mean the same everywhere.
// Immutable after construction; thread-safe.
#pragma once

#include <cstddef>

#include "core/value.h"
#include "warehouse/connector.h"

namespace wsync::warehouse {

// The approximate memory of one value: 16 bytes, plus the text of strings, decimals and
// binary values.
size_t ValueBytes(const core::Value& value);
size_t RowBytes(const core::Row& row);

class Batcher {
 public:
  // Each limit is at least 1.
  Batcher(size_t max_rows, size_t max_bytes);
  explicit Batcher(const Query& query) : Batcher(query.batch_rows, query.batch_bytes) {}

  size_t max_rows() const { return max_rows_; }
  size_t max_bytes() const { return max_bytes_; }

  // Empties `batch` for the next rows (columns are kept) and reserves room for them.
  void Start(core::RowBatch* batch) const;
  // True once `batch` may take no more rows.
  bool Full(const core::RowBatch& batch) const {
    return batch.rows.size() >= max_rows_ || batch.bytes >= max_bytes_;
  }
  // Appends `row`, counting its bytes.
  void Add(core::Row row, core::RowBatch* batch) const;

 private:
  size_t max_rows_;
  size_t max_bytes_;
};

// Fills one batch in place, for a stream that converts its rows cell by cell: the rows the
// batch still holds from the previous call are overwritten rather than freed and built again,
// and so are the text buffers of their values (core::Value::SetString), which at a million rows
// a second is much of the cost of an extraction. Where the batch ends and what it holds are
// exactly what Batcher::Start and Add would give. Lives for one Next() call.
class BatchFiller {
 public:
  // Starts the next batch in `batch`, of rows of `columns` values.
  BatchFiller(const Batcher& batcher, size_t columns, core::RowBatch* batch);

  bool Full() const {
    return filled_ >= batcher_.max_rows() || batch_->bytes >= batcher_.max_bytes();
  }
  // The next row: `columns` values, each still holding whatever the recycled row held, every
  // one of which the caller overwrites before calling Added().
  core::Row& Next();
  // Counts the row Next() returned.
  void Added();
  // Drops the recycled rows that were not refilled; the number of rows in the batch.
  size_t Finish();

 private:
  const Batcher& batcher_;
  size_t columns_;
  core::RowBatch* batch_;
  size_t filled_ = 0;
};

}  // namespace wsync::warehouse
