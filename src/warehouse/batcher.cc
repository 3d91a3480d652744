#include "warehouse/batcher.h"

#include <algorithm>
#include <utility>

namespace wsync::warehouse {
namespace {

// Reserving for a whole 10 000-row batch up front would cost memory a small result never uses.
constexpr size_t kMaxReservedRows = 4096;

}  // namespace

size_t ValueBytes(const core::Value& value) {
  switch (value.type()) {
    case core::Type::kString:
      return 16 + value.string_value().size();
    case core::Type::kDecimal:
      return 16 + value.decimal_value().size();
    case core::Type::kBytes:
      return 16 + value.bytes_value().size();
    default:
      return 16;
  }
}

size_t RowBytes(const core::Row& row) {
  size_t bytes = 0;
  for (const core::Value& v : row) bytes += ValueBytes(v);
  return bytes;
}

Batcher::Batcher(size_t max_rows, size_t max_bytes)
    : max_rows_(std::max<size_t>(max_rows, 1)), max_bytes_(std::max<size_t>(max_bytes, 1)) {}

void Batcher::Start(core::RowBatch* batch) const {
  batch->rows.clear();
  batch->bytes = 0;
  batch->rows.reserve(std::min(max_rows_, kMaxReservedRows));
}

void Batcher::Add(core::Row row, core::RowBatch* batch) const {
  batch->bytes += RowBytes(row);
  batch->rows.push_back(std::move(row));
}

BatchFiller::BatchFiller(const Batcher& batcher, size_t columns, core::RowBatch* batch)
    : batcher_(batcher), columns_(columns), batch_(batch) {
  batch_->bytes = 0;
  batch_->rows.reserve(std::min(batcher_.max_rows(), kMaxReservedRows));
}

core::Row& BatchFiller::Next() {
  if (filled_ == batch_->rows.size()) batch_->rows.emplace_back();
  core::Row& row = batch_->rows[filled_];
  row.resize(columns_);
  return row;
}

void BatchFiller::Added() { batch_->bytes += RowBytes(batch_->rows[filled_++]); }

size_t BatchFiller::Finish() {
  batch_->rows.resize(filled_);
  return filled_;
}

}  // namespace wsync::warehouse
