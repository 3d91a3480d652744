// The extract+map stage of a run: a thread of its own pulls the warehouse's batches and maps
// every row — mapping is stateless — into mapped rows: row errors, the row key, the fingerprint
// and event hash (sync/fingerprint.h), the source time and the iterator's value. A bounded
// queue hands the batches to the apply thread, so both cores work while memory stays flat
// whatever the row count.
//
// Threads: an ExtractStage is created, drained (Next) and destroyed by one thread (the apply
// thread); the stream is read on the stage's own thread only. MapRows is a pure function of its
// arguments (besides the row counter it advances); any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "core/value.h"
#include "mapping/mapper.h"
#include "mapping/record.h"
#include "sync/bounded_queue.h"
#include "warehouse/connector.h"

namespace wsync::sync {

struct MappedRow {
  mapping::Record record;
  int64_t row = 0;  // the row's number in the run, from 1
  std::string key;
  uint64_t hash = 0;        // RecordFingerprint
  uint64_t event_hash = 0;  // EventHash
  int64_t source_time = 0;
  bool failed = false;
  mapping::RowError error;  // when failed
};

struct MappedBatch {
  std::vector<MappedRow> rows;
  core::Status status;  // an extraction failure ends the stream
};

// What mapping a row needs besides the row, fixed for the run. (Default member initializers let
// designated initializers leave any member out under -Werror.)
struct RowMapping {
  const mapping::Mapper* mapper = nullptr;  // outlives the stage
  std::vector<int> primary_key{};           // column indexes of the model's primary key
  // The incremental iterator's column index (-1: a full sync), its kind, and its name and type
  // as the pipeline gives them (for row errors).
  int iterator_column = -1;
  warehouse::IteratorType iterator_type = warehouse::IteratorType::kTimestamp;
  std::string iterator{};
  std::string iterator_data_type{};
  uint64_t settings_version = 0;  // seeds every fingerprint
  int64_t run_start = 0;          // the source time of rows whose data gives none
};

// Maps one extracted batch. `row_number` is the number of the run's rows before this batch; it
// is advanced past them.
MappedBatch MapRows(const RowMapping& mapping, const core::RowBatch& batch, int64_t* row_number);

class ExtractStage {
 public:
  // Starts the extraction thread; it reads `stream` and keeps at most `queued_batches` mapped
  // batches waiting for the apply thread.
  ExtractStage(RowMapping mapping, std::unique_ptr<warehouse::RowStream> stream,
               size_t queued_batches = 3);
  // Stop(): however the run ends (an exception included), the thread is joined before the
  // queue and the stream it uses go away.
  ~ExtractStage();
  ExtractStage(const ExtractStage&) = delete;
  ExtractStage& operator=(const ExtractStage&) = delete;

  // The next mapped batch, in extraction order, blocking until it is there; nullopt at the end.
  // A batch with a non-OK status is the extraction's failure and the last one.
  std::optional<MappedBatch> Next();
  // Ends the extraction and joins its thread, which first finishes the batch it is reading (a
  // RunStop cancels the connector's token, which ends that read sooner). Idempotent. Batches
  // already queued may still be taken.
  void Stop();

 private:
  void Extract();

  const RowMapping mapping_;
  const std::unique_ptr<warehouse::RowStream> stream_;
  BoundedQueue<MappedBatch> queue_;
  std::atomic<bool> abort_{false};
  std::thread thread_;  // last: started once everything it uses exists
};

}  // namespace wsync::sync
