// The apply stage of a run: takes one mapped batch at a time and, in one session transaction,
// keeps the first row of each key (full syncs), drops rows whose fingerprint is unchanged,
// resolves the rest, counts, and writes the changes (profile store) with the run's checkpoint
// (catalog: counters, row errors and, with the last batch, the new incremental mark) — so a
// crash never loses or
// double-applies a batch, and another run writing the same profiles waits for the whole batch
// (rows resolve as if one at a time).
//
// One ApplyStage serves one run: it holds the run's counters, the number of row errors kept,
// the keys seen so far and the Resolver. Not thread-safe; the apply thread drives it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>

#include "core/run_counters.h"
#include "core/status.h"
#include "profiles/profile_store.h"
#include "profiles/resolver.h"
#include "storage/backend.h"
#include "sync/extract_stage.h"

namespace wsync::sync {

// What one committed batch wrote, for ExecutorDeps::on_batch_applied: the place where
// forwarding outputs (SPEC §11: what the run applied) and progress reporting attach. Views into
// the apply stage, valid until its next batch.
struct AppliedBatch {
  int64_t run_id = 0;
  bool last = false;                             // the run's last batch (it carried the mark)
  const core::RunCounters* counters = nullptr;   // the run's counters after this batch
  const profiles::ChangeSet* changes = nullptr;  // profiles (full state), identities, events
};

struct ApplyOptions {
  int64_t workspace_id = 0;
  int64_t run_id = 0;
  std::string pipeline_id{};
  std::string environment{};
  profiles::InputProtection protection = profiles::InputProtection::kCreateAndUpdate;
  bool full = false;  // a full sync: one row per key, unchanged fingerprints are skipped
  // The pipeline has outputs: each batch's changes are rendered (forward/batch_format.h) into
  // the outbox in the batch's transaction.
  bool forward = false;
  int64_t run_start = 0;  // the resolver's "now"
  // The incremental mark (the window's new mark) written with the last batch; unset leaves the
  // stored mark.
  std::optional<std::string> new_mark{};
};

class ApplyStage {
 public:
  // `session` outlives the stage; its catalog and store share the transaction of each batch.
  ApplyStage(storage::Session* session, ApplyOptions options);

  // Applies `batch` in one session transaction with the run's checkpoint; the `last` batch (an
  // empty one when the run read no row) also writes the new mark. The rows' errors are moved
  // out of `batch`. On failure nothing of the batch is stored and the stage is done.
  core::Status Apply(MappedBatch& batch, bool last);

  // What the batch Apply last committed.
  AppliedBatch applied() const;
  const core::RunCounters& counters() const { return counters_; }

 private:
  core::Status ApplyInTransaction(MappedBatch& batch, bool last);
  void KeepError(mapping::RowError error, catalog::RunCheckpoint* checkpoint);

  storage::Session* session_;
  const ApplyOptions options_;
  const profiles::Scope scope_;
  profiles::Resolver resolver_;
  profiles::BatchResult result_;  // the last batch's, kept for the hooks
  bool last_ = false;
  core::RunCounters counters_;
  int64_t errors_kept_ = 0;
  int64_t batches_ = 0;  // applied so far (names the forwarded batches' source_request_id)
  // The keys of a full run's rows so far, by 64-bit hash (8 bytes a row plus the set's nodes).
  std::unordered_set<uint64_t> seen_keys_;
};

}  // namespace wsync::sync
