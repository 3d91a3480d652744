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

}  // namespace wsync::warehouse
