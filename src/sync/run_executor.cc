#include "sync/run_executor.h"

#include <thread>
#include <unordered_set>

#include "core/time.h"
#include "mapping/identity_types.h"
#include "mapping/mapper.h"
#include "profiles/resolver.h"
#include "sync/bounded_queue.h"
#include "sync/fingerprint.h"
#include "sync/iterator.h"

namespace wsync::sync {

namespace {

using nlohmann::json;
using warehouse::IteratorType;

constexpr size_t kMaxRowErrorsKept = 1000;

struct MappedRow {
  mapping::Record record;
  int64_t row = 0;
  std::string key;
  uint64_t hash = 0;        // RecordFingerprint
  uint64_t event_hash = 0;  // EventHash
  int64_t source_time = 0;
  bool failed = false;
  mapping::RowError error;
};

struct MappedBatch {
  std::vector<MappedRow> rows;
  core::Status status;  // an extraction failure ends the stream
};

int FindColumn(const std::vector<core::Column>& columns, const std::string& name) {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    if (strcasecmp(columns[i].name.c_str(), name.c_str()) == 0) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

RunExecutor::RunExecutor(ExecutorDeps deps, catalog::Catalog* catalog,
                         profiles::ProfileStore* store)
    : deps_(std::move(deps)), catalog_(catalog), store_(store) {}

core::Status RunExecutor::Execute(int64_t workspace_id, int64_t run_id, const RunStop* stop) {
  ASSIGN_OR_RETURN(catalog::Run run, catalog_->GetRun(workspace_id, run_id));
  // A run our worker already claimed under our lease (runner/run_workers.cc) is ours to run.
  const bool ours =
      run.state == "running" && !deps_.lease_owner.empty() && run.lease_owner == deps_.lease_owner;
  if (run.state != "queued" && !ours) {
    return core::FailedPrecondition("run " + std::to_string(run_id) + " is " + run.state +
                                    ", not queued");
  }
  // The claim is a compare-and-set: of two workers (or processes) only one gets the run.
  const int64_t started =
      ours ? run.started_at.value_or(deps_.clock->NowMicros()) : deps_.clock->NowMicros();
  const int64_t lease_until =
      deps_.lease_until ? deps_.lease_until()
                        : core::SystemClock::Default()->NowMicros() + 30 * core::kMicrosPerSecond;
  bool claimed = ours;
  if (!ours) {
    ASSIGN_OR_RETURN(
        claimed, catalog_->ClaimRun(workspace_id, run_id, deps_.lease_owner, started, lease_until));
  }
  if (!claimed) {
    return core::FailedPrecondition("run " + std::to_string(run_id) +
                                    " was taken by another worker");
  }
  run.state = "running";
  run.started_at = started;

  core::Status result;
  StopReason stopped = StopReason::kNone;
  core::StatusOr<RunSpec> spec = RunSpecFromJson(run.spec);
  if (!spec.ok()) {
    result = spec.status();
  } else {
    int64_t backoff = deps_.retry_backoff_ms;
    for (int attempt = 1;; ++attempt) {
      bool applied = false;
      try {
        result = RunOnce(run, *spec, stop, &stopped, &applied);
      } catch (const std::exception& e) {
        // A bug must not leave the run `running` or the pipeline `healthy`.
        result = core::Internal(std::string("run crashed: ") + e.what());
      }
      // A stop that interrupted a statement shows as that statement's failure.
      if (!result.ok() && stop && stop->reason() != StopReason::kNone) stopped = stop->reason();
      // Only failures before the first applied batch are retried: they leave nothing behind.
      if (result.ok() || !result.retryable() || attempt >= deps_.max_attempts || applied ||
          stopped != StopReason::kNone) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
      backoff *= 2;
    }
  }

  int64_t now = deps_.clock->NowMicros();
  std::string state = "succeeded";
  std::optional<std::string> error;
  if (stopped == StopReason::kCancelled) {
    state = "cancelled";
  } else if (stopped == StopReason::kInterrupted) {
    state = "failed";
    error = "interrupted";
  } else if (!result.ok()) {
    state = "failed";
    error = result.message();
  }
  RETURN_IF_ERROR(catalog_->SetRunState(workspace_id, run_id, state, error, now));
  if (run.run_type != "historical" && stopped == StopReason::kNone) {
    json errors = json::array();
    if (!result.ok()) {
      errors.push_back({{"code", std::string(core::StatusCodeName(result.code()))},
                        {"message", result.message()},
                        {"run_id", run_id}});
    }
    RETURN_IF_ERROR(catalog_->SetHealth(workspace_id, run.pipeline_id,
                                        result.ok() ? "healthy" : "faulted", errors));
  }
  return result;
}

core::Status RunExecutor::RunOnce(const catalog::Run& run, const RunSpec& spec, const RunStop* stop,
                                  StopReason* stopped, bool* applied) {
  const catalog::Pipeline& pipeline = spec.pipeline;
  const std::string where = "pipeline '" + pipeline.id + "'";
  json config = spec.connection.config;
  if (deps_.reveal_config) {
    ASSIGN_OR_RETURN(config, deps_.reveal_config(run.workspace_id, spec.connection));
  }
  ASSIGN_OR_RETURN(auto connector, deps_.registry->Create(spec.connection.service_provider, config,
                                                          {.stop = stop ? &stop->token() : nullptr,
                                                           .trusted = spec.connection.trusted}));

  // Stage-two validation against the model as the warehouse sees it now.
  core::StatusOr<warehouse::Discovery> discovered = connector->Discover(spec.model.sql_query, 0);
  if (!discovered.ok()) return discovered.status().Annotate("data model '" + spec.model.id + "'");
  const std::vector<core::Column>& columns = discovered->columns;
  core::StatusOr<mapping::Mapper> mapper =
      catalog::CompileMapper(pipeline, spec.model, spec.field_transformation, columns);
  if (!mapper.ok()) return mapper.status().Annotate(where);

  std::vector<int> pk;
  for (const std::string& name : spec.model.primary_key) {
    int i = FindColumn(columns, name);
    if (i < 0) {
      return core::InvalidArgument("data model '" + spec.model.id + "': primary key column '" +
                                   name + "' is not in the model's columns");
    }
    pk.push_back(i);
  }

  // The slice this run reads.
  warehouse::Query query;
  query.model_sql = spec.model.sql_query;
  query.batch_rows = deps_.batch_rows;
  const int64_t run_start = run.started_at.value_or(deps_.clock->NowMicros());
  int iterator_col = -1;
  const IteratorType it_type = pipeline.sync_mode.iterator_type;
  const bool historical = run.run_type == "historical";
  std::optional<std::string> new_mark;
  ASSIGN_OR_RETURN(catalog::PipelineState state, catalog_->GetState(run.workspace_id, pipeline.id));
  if (pipeline.sync_mode.incremental) {
    iterator_col = FindColumn(columns, pipeline.sync_mode.iterator);
    if (iterator_col < 0) {
      return core::InvalidArgument(where + ": iterator column '" + pipeline.sync_mode.iterator +
                                   "' is not in the model's columns");
    }
  }

  // Sync start date S (SPEC §5): the historical run loads S <= ts < T0 (activation); the
  // other runs start at T0 — full runs read ts >= T0, incremental ones start with mark T0.
  std::optional<core::Value> start_mark;
  if (historical || pipeline.sync_start_date) {
    warehouse::Range ts{spec.model.timestamp_field.value_or(""), IteratorType::kTimestamp};
    if (ts.column.empty() && pipeline.sync_mode.incremental) {
      ts.column = pipeline.sync_mode.iterator;
      ts.type = it_type;
    }
    if (ts.column.empty() || ts.type == IteratorType::kInteger || !pipeline.sync_start_date) {
      return core::InvalidArgument(
          where + ": sync_start_date needs a time column: set the data model's timestamp_field");
    }
    ts.include_unparsable = false;
    std::optional<int64_t> t0 =
        run.range_end ? core::ParseTimestamp(*run.range_end) : state.activated_at;
    auto at = [&](int64_t micros) { return TimeAsIterator(micros, ts.type); };
    if (historical) {
      if (!t0) return core::Internal(where + ": historical run without an end");
      ts.lower = at(*pipeline.sync_start_date);
      ts.lower_inclusive = true;
      ts.upper = at(*t0);
      ts.upper_exclusive = true;
      query.ranges.push_back(ts);
    } else if (pipeline.sync_mode.incremental && t0 && IsTimeType(it_type)) {
      // The start mark is of the iterator's kind, whatever the timestamp field's kind.
      // Exclusive, just before T0: the historical run reads ts < T0, this run the rest.
      start_mark = JustBefore(TimeAsIterator(*t0, it_type), it_type);
    } else {
      // Full runs, and incremental runs whose iterator is not a time (an `integer` iterator
      // cannot start at T0): the timestamp field keeps them to ts >= T0.
      ts.lower = at(t0.value_or(*pipeline.sync_start_date));
      ts.lower_inclusive = true;
      query.ranges.push_back(ts);
    }
  }

  if (pipeline.sync_mode.incremental && !historical) {
    std::optional<core::Value> mark =
        MarkFromJson(state.high_water_mark, pipeline.sync_mode.iterator, it_type);
    if (!mark) mark = start_mark;
    warehouse::Range bound_range{pipeline.sync_mode.iterator, it_type};
    bound_range.include_unparsable = false;
    if (IsTimeType(it_type)) {
      // Never read past the run's start; for dates, only completed days.
      bound_range.upper = it_type == IteratorType::kDate
                              ? core::Value::DateValue(static_cast<int32_t>(
                                    core::FloorDiv(run_start, core::kMicrosPerDay) - 1))
                              : TimeAsIterator(run_start, it_type);
    }
    ASSIGN_OR_RETURN(core::Value upper, connector->MaxIterator(spec.model.sql_query, bound_range));
    if (upper.is_null()) {
      // No parsable value up to the bound. Rows whose iterator does not parse are still read
      // (two ranges that no parsable value meets both of), so they become row errors instead of
      // a silent empty success; the mark does not move.
      const core::Value pivot =
          IsTimeType(it_type) ? TimeAsIterator(run_start, it_type) : core::Value::Int64(0);
      warehouse::Range at_most{pipeline.sync_mode.iterator, it_type};
      at_most.upper = pivot;
      warehouse::Range above{pipeline.sync_mode.iterator, it_type};
      above.lower = pivot;
      query.ranges.push_back(at_most);
      query.ranges.push_back(above);
    } else if (mark && !IteratorLess(*mark, upper)) {
      // Nothing past the mark; a lookback still re-reads its window for late rows.
      if (pipeline.sync_mode.lookback == 0) return core::Status::Ok();
      upper = *mark;
    }
    if (!upper.is_null()) {
      warehouse::Range range{pipeline.sync_mode.iterator, it_type};
      if (mark) range.lower = Lookback(*mark, it_type, pipeline.sync_mode.lookback);
      range.upper = upper;
      query.ranges.push_back(range);
      new_mark = MarkToJson(upper, pipeline.sync_mode.iterator, it_type);
    }
  }

  ASSIGN_OR_RETURN(std::unique_ptr<warehouse::RowStream> stream, connector->Execute(query));

  // Extraction and mapping on their own thread; resolve and apply here.
  BoundedQueue<MappedBatch> queue(3);
  std::atomic<bool> abort{false};
  const mapping::Mapper& m = *mapper;
  // However this function ends (an exception included), the extractor stops and is joined
  // before the queue and the stream it uses go away.
  std::thread extractor;
  struct JoinOnExit {
    std::atomic<bool>& abort;
    BoundedQueue<MappedBatch>& queue;
    std::thread& thread;
    ~JoinOnExit() {
      abort = true;
      queue.Close();
      if (thread.joinable()) thread.join();
    }
  } join_on_exit{abort, queue, extractor};
  extractor = std::thread([&] {
    core::RowBatch batch;
    int64_t row_number = 0;
    while (!abort.load()) {
      MappedBatch out;
      core::StatusOr<bool> more = stream->Next(&batch);
      if (!more.ok()) {
        out.status = more.status();
        queue.Push(std::move(out));
        break;
      }
      if (!*more) break;
      out.rows.resize(batch.rows.size());
      for (size_t i = 0; i < batch.rows.size(); ++i) {
        const core::Row& row = batch.rows[i];
        MappedRow& r = out.rows[i];
        r.row = ++row_number;
        r.failed = !m.Map(row, r.row, &r.record, &r.error);
        r.key = RowKey(row, pk, r.record, r.row);
        if (r.failed) {
          if (r.error.key.empty()) r.error.key = r.key;
          continue;
        }
        std::optional<int64_t> data_time = r.record.source_time;
        if (iterator_col >= 0) {
          std::string why;
          std::optional<core::Value> v = IteratorValue(row[iterator_col], it_type, &why);
          if (!v) {
            r.failed = true;
            r.error =
                mapping::RowError{r.row, r.key, pipeline.sync_mode.iterator, "invalid_iterator",
                                  "iterator value '" + row[iterator_col].ToText().substr(0, 64) +
                                      "' " + why + " as " + pipeline.sync_mode.iterator_data_type};
            continue;
          }
          if (!data_time) data_time = IteratorMicros(*v, it_type);
        }
        // A source time the data gave is part of what the row writes; the run's start is not.
        r.source_time = data_time.value_or(run_start);
        r.hash = RecordFingerprint(r.record, data_time, spec.settings_version);
        r.event_hash = EventHash(r.record);
      }
      if (!queue.Push(std::move(out))) break;
    }
    queue.Close();
  });

  profiles::Resolver resolver(store_,
                              {profiles::Scope{run.workspace_id, pipeline.environment},
                               pipeline.input_protection, pipeline.id, run.run_id},
                              run_start);
  const bool full = !pipeline.sync_mode.incremental;
  core::RunCounters counters;
  int64_t errors_kept = 0;
  core::Status status;
  const profiles::Scope scope{run.workspace_id, pipeline.environment};
  // The keys of a full run's rows so far, by 64-bit hash (8 bytes a row plus the set's nodes).
  std::unordered_set<uint64_t> seen_keys;

  auto apply_in_transaction = [&](MappedBatch& batch, bool last) -> core::Status {
    profiles::Checkpoint cp;
    cp.run_id = run.run_id;
    cp.pipeline_id = pipeline.id;
    cp.row_error_seq = errors_kept;
    auto keep_error = [&](mapping::RowError e) {
      ++counters.records_failed;
      if (errors_kept + static_cast<int64_t>(cp.row_errors.size()) <
          static_cast<int64_t>(kMaxRowErrorsKept)) {
        cp.row_errors.push_back(std::move(e));
      }
    };
    std::vector<MappedRow*> live;
    for (MappedRow& r : batch.rows) {
      ++counters.records_extracted;
      if (r.failed) {
        keep_error(std::move(r.error));
      } else {
        live.push_back(&r);
      }
    }
    if (full) {
      // Rows sharing a key (no primary key and one identity on several rows): the first mapped
      // row of each key in extraction order is applied, the later ones are skipped and counted,
      // so fingerprints keep one row per key and an unchanged warehouse stays unchanged.
      std::erase_if(live, [&](const MappedRow* r) {
        if (seen_keys.insert(Fnv1a(r->key)).second) return false;
        ++counters.records_mapped;
        ++counters.records_skipped;
        ++counters.records_duplicate;
        return true;
      });
    }
    if (full && !live.empty()) {
      std::vector<std::string> keys;
      keys.reserve(live.size());
      for (MappedRow* r : live) keys.push_back(r->key);
      ASSIGN_OR_RETURN(auto stored,
                       store_->LookupFingerprints(run.workspace_id, pipeline.id, keys));
      if (!stored.empty()) {
        std::vector<MappedRow*> changed;
        for (MappedRow* r : live) {
          auto it = stored.find(r->key);
          if (it != stored.end() && it->second == r->hash) {
            ++counters.records_mapped;
            ++counters.records_unchanged;
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
    profiles::BatchResult result;
    RETURN_IF_ERROR(resolver.ResolveBatch(inputs, &result));
    profiles::ChangeSet& changes = result.changes;
    for (size_t i = 0; i < live.size(); ++i) {
      profiles::ResolveResult& rr = result.rows[i];
      switch (rr.outcome) {
        case profiles::Outcome::kFailed:
          keep_error(std::move(rr.error));
          break;
        case profiles::Outcome::kSkipped:
          ++counters.records_mapped;
          ++counters.records_skipped;
          break;
        case profiles::Outcome::kApplied:
          ++counters.records_mapped;
          if (full) changes.fingerprints.push_back({live[i]->key, live[i]->hash, rr.mpid});
          break;
      }
    }
    counters.profiles_created += result.profiles_created;
    counters.profiles_updated += result.profiles_updated;
    counters.identity_conflicts += result.identity_conflicts;
    counters.events_created += result.events_created;
    counters.row_errors_total = counters.records_failed;
    cp.counters = counters;
    if (last) cp.high_water_mark = new_mark;
    errors_kept += static_cast<int64_t>(cp.row_errors.size());
    return store_->Apply(scope, changes, cp);
  };
  // Lookups, resolution and writes of a batch share one transaction: another run writing the
  // same profiles waits for the whole batch, so rows resolve as if one at a time.
  auto apply = [&](MappedBatch& batch, bool last) {
    return store_->Transaction([&] { return apply_in_transaction(batch, last); });
  };

  // A batch is applied once the next one (or the end) is known, so the last batch can carry
  // the new mark in its own transaction.
  std::optional<MappedBatch> pending;
  while (true) {
    if (stop && stop->reason() != StopReason::kNone) {
      *stopped = stop->reason();
      break;
    }
    std::optional<MappedBatch> next = queue.Pop();
    if (next && !next->status.ok()) {
      status = next->status.Annotate("data model '" + spec.model.id + "'");
      break;
    }
    if (pending) {
      status = apply(*pending, !next.has_value());
      if (!status.ok()) break;
      *applied = true;
      if (deps_.after_batch) deps_.after_batch(run.run_id);
    }
    if (!next) break;
    pending = std::move(next);
  }
  abort = true;
  queue.Close();
  if (extractor.joinable()) extractor.join();
  if (status.ok() && *stopped == StopReason::kNone && !*applied) {
    MappedBatch empty;
    status = apply(empty, true);  // no rows: still record the counters and the mark
  }
  return status;
}

}  // namespace wsync::sync
