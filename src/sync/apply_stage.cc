#include "sync/apply_stage.h"

#include <vector>

#include "forward/batch_format.h"
#include "sync/run_spec.h"

namespace wsync::sync {

namespace {

constexpr size_t kMaxRowErrorsKept = 1000;

}  // namespace

ApplyStage::ApplyStage(storage::Session* session, ApplyOptions options)
    : session_(session),
      options_(std::move(options)),
      scope_{options_.workspace_id, options_.environment},
      resolver_(session_->store(),
                {scope_, options_.protection, options_.pipeline_id, options_.run_id},
                options_.run_start) {}

core::Status ApplyStage::Apply(MappedBatch& batch, bool last) {
  // Lookups, resolution and writes of a batch share one transaction: another run writing the
  // same profiles waits for the whole batch, so rows resolve as if one at a time.
  return session_->Transaction([&] { return ApplyInTransaction(batch, last); });
}

AppliedBatch ApplyStage::applied() const {
  return {.run_id = options_.run_id,
          .last = last_,
          .counters = &counters_,
          .changes = &result_.changes};
}

void ApplyStage::KeepError(mapping::RowError error, catalog::RunCheckpoint* checkpoint) {
  ++counters_.records_failed;
  if (errors_kept_ + static_cast<int64_t>(checkpoint->row_errors.size()) <
      static_cast<int64_t>(kMaxRowErrorsKept)) {
    checkpoint->row_errors.push_back(std::move(error));
  }
}

core::Status ApplyStage::ApplyInTransaction(MappedBatch& batch, bool last) {
  const bool full = options_.full;
  catalog::RunCheckpoint cp;
  cp.run_id = options_.run_id;
  cp.pipeline_id = options_.pipeline_id;
  cp.row_error_seq = errors_kept_;
  std::vector<MappedRow*> live;
  for (MappedRow& r : batch.rows) {
    ++counters_.records_extracted;
    if (r.failed) {
      KeepError(std::move(r.error), &cp);
    } else {
      live.push_back(&r);
    }
  }
  if (full) {
    // Rows sharing a key (no primary key and one identity on several rows): the first mapped
    // row of each key in extraction order is applied, the later ones are skipped and counted,
    // so fingerprints keep one row per key and an unchanged warehouse stays unchanged.
    std::erase_if(live, [&](const MappedRow* r) {
      if (seen_keys_.insert(Fnv1a(r->key)).second) return false;
      ++counters_.records_mapped;
      ++counters_.records_skipped;
      ++counters_.records_duplicate;
      return true;
    });
  }
  if (full && !live.empty()) {
    std::vector<std::string> keys;
    keys.reserve(live.size());
    for (MappedRow* r : live) keys.push_back(r->key);
    ASSIGN_OR_RETURN(auto stored, session_->store()->LookupFingerprints(
                                      options_.workspace_id, options_.pipeline_id, keys));
    if (!stored.empty()) {
      std::vector<MappedRow*> changed;
      for (MappedRow* r : live) {
        auto it = stored.find(r->key);
        if (it != stored.end() && it->second == r->hash) {
          ++counters_.records_mapped;
          ++counters_.records_unchanged;
        } else {
          changed.push_back(r);
        }
      }
      live.swap(changed);
    }
  }
  std::vector<profiles::ResolveInput> inputs;
  inputs.reserve(live.size());
  for (MappedRow* r : live) {
    inputs.push_back({&r->record, r->row, r->key, r->event_hash, r->source_time});
  }
  RETURN_IF_ERROR(resolver_.ResolveBatch(inputs, &result_));
  profiles::ChangeSet& changes = result_.changes;
  changes.pipeline_id = options_.pipeline_id;
  for (size_t i = 0; i < live.size(); ++i) {
    profiles::ResolveResult& rr = result_.rows[i];
    switch (rr.outcome) {
      case profiles::Outcome::kFailed:
        KeepError(std::move(rr.error), &cp);
        break;
      case profiles::Outcome::kSkipped:
        ++counters_.records_mapped;
        ++counters_.records_skipped;
        break;
      case profiles::Outcome::kApplied:
        ++counters_.records_mapped;
        if (full) changes.fingerprints.push_back({live[i]->key, live[i]->hash, rr.mpid});
        break;
    }
  }
  counters_.profiles_created += result_.profiles_created;
  counters_.profiles_updated += result_.profiles_updated;
  counters_.identity_conflicts += result_.identity_conflicts;
  counters_.events_created += result_.events_created;
  counters_.row_errors_total = counters_.records_failed;
  cp.counters = counters_;
  if (last) cp.high_water_mark = options_.new_mark;
  errors_kept_ += static_cast<int64_t>(cp.row_errors.size());
  last_ = last;
  RETURN_IF_ERROR(session_->store()->Apply(scope_, changes));
  ++batches_;
  if (options_.forward && !changes.deltas.empty()) {
    // What the batch applied, to forward: in its transaction, so it is forwarded if and only if
    // the batch commits.
    RETURN_IF_ERROR(session_->outbox()->Enqueue(
        options_.workspace_id, options_.pipeline_id,
        forward::RenderBatches(changes, {.workspace_id = options_.workspace_id,
                                         .pipeline_id = options_.pipeline_id,
                                         .environment = options_.environment,
                                         .run_id = options_.run_id,
                                         .batch_number = batches_}),
        options_.run_start));
  }
  return session_->catalog()->RecordCheckpoint(options_.workspace_id, cp);
}

}  // namespace wsync::sync
