#include "sync/extract_stage.h"

#include "sync/fingerprint.h"
#include "sync/iterator.h"

namespace wsync::sync {

MappedBatch MapRows(const RowMapping& mapping, const core::RowBatch& batch, int64_t* row_number) {
  MappedBatch out;
  out.rows.resize(batch.rows.size());
  for (size_t i = 0; i < batch.rows.size(); ++i) {
    const core::Row& row = batch.rows[i];
    MappedRow& r = out.rows[i];
    r.row = ++*row_number;
    r.failed = !mapping.mapper->Map(row, r.row, &r.record, &r.error);
    r.key = RowKey(row, mapping.primary_key, r.record, r.row);
    if (r.failed) {
      if (r.error.key.empty()) r.error.key = r.key;
      continue;
    }
    std::optional<int64_t> data_time = r.record.source_time;
    if (mapping.iterator_column >= 0) {
      const core::Value& cell = row[mapping.iterator_column];
      std::string why;
      std::optional<core::Value> v = IteratorValue(cell, mapping.iterator_type, &why);
      if (!v) {
        r.failed = true;
        r.error = mapping::RowError{r.row, r.key, mapping.iterator,
                                    mapping::RowErrorCode::kInvalidIterator,
                                    "iterator value '" + cell.ToText().substr(0, 64) + "' " + why +
                                        " as " + mapping.iterator_data_type};
        continue;
      }
      if (!data_time) data_time = IteratorMicros(*v, mapping.iterator_type);
    }
    // A source time the data gave is part of what the row writes; the run's start is not.
    r.source_time = data_time.value_or(mapping.run_start);
    r.hash = RecordFingerprint(r.record, data_time, mapping.settings_version);
    r.event_hash = EventHash(r.record);
  }
  return out;
}

ExtractStage::ExtractStage(RowMapping mapping, std::unique_ptr<warehouse::RowStream> stream,
                           size_t queued_batches)
    : mapping_(std::move(mapping)),
      stream_(std::move(stream)),
      queue_(queued_batches),
      thread_([this] { Extract(); }) {}

ExtractStage::~ExtractStage() { Stop(); }

std::optional<MappedBatch> ExtractStage::Next() { return queue_.Pop(); }

void ExtractStage::Stop() {
  abort_ = true;
  queue_.Close();
  if (thread_.joinable()) thread_.join();
}

void ExtractStage::Extract() {
  core::RowBatch batch;
  int64_t row_number = 0;
  while (!abort_.load()) {
    core::StatusOr<bool> more = stream_->Next(&batch);
    if (!more.ok()) {
      MappedBatch failed;
      failed.status = more.status();
      queue_.Push(std::move(failed));
      break;
    }
    if (!*more) break;
    if (!queue_.Push(MapRows(mapping_, batch, &row_number))) break;
  }
  queue_.Close();
}

}  // namespace wsync::sync
