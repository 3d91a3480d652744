#include "sync/run_executor.h"

#include <thread>

#include "sync/apply_stage.h"
#include "sync/extract_stage.h"
#include "sync/prepare.h"
#include "sync/window.h"

namespace wsync::sync {

namespace {

using nlohmann::json;

}  // namespace

RunExecutor::RunExecutor(ExecutorDeps deps, storage::Session* session)
    : deps_(std::move(deps)), session_(session), catalog_(session->catalog()) {}

core::Status RunExecutor::Execute(int64_t workspace_id, int64_t run_id, const RunStop* stop) {
  ASSIGN_OR_RETURN(catalog::Run run, catalog_->GetRun(workspace_id, run_id));
  // A run our worker already claimed under our lease (runner/run_workers.cc) is ours to run.
  const bool ours = run.state == catalog::RunState::kRunning && !deps_.lease_owner.empty() &&
                    run.lease_owner == deps_.lease_owner;
  if (run.state != catalog::RunState::kQueued && !ours) {
    return core::FailedPrecondition("run " + std::to_string(run_id) + " is " +
                                    std::string(Name(run.state)) + ", not queued");
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
  run.state = catalog::RunState::kRunning;
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
  catalog::RunState state = catalog::RunState::kSucceeded;
  std::optional<std::string> error;
  if (stopped == StopReason::kCancelled) {
    state = catalog::RunState::kCancelled;
  } else if (stopped == StopReason::kInterrupted) {
    state = catalog::RunState::kFailed;
    error = "interrupted";
  } else if (!result.ok()) {
    state = catalog::RunState::kFailed;
    error = result.message();
  }
  RETURN_IF_ERROR(catalog_->SetRunState(workspace_id, run_id, state, error, now));
  if (run.run_type != catalog::RunType::kHistorical && stopped == StopReason::kNone) {
    json errors = json::array();
    if (!result.ok()) {
      errors.push_back({{"code", std::string(core::StatusCodeName(result.code()))},
                        {"message", result.message()},
                        {"run_id", run_id}});
    }
    RETURN_IF_ERROR(catalog_->SetHealth(
        workspace_id, run.pipeline_id,
        result.ok() ? catalog::Health::kHealthy : catalog::Health::kFaulted, errors));
  }
  return result;
}

core::Status RunExecutor::RunOnce(const catalog::Run& run, const RunSpec& spec, const RunStop* stop,
                                  StopReason* stopped, bool* applied) {
  const catalog::Pipeline& pipeline = spec.pipeline;
  // Stage-two validation against the model as the warehouse sees it now (sync/prepare.h: the
  // same path as the API's checks and preview).
  ASSIGN_OR_RETURN(PreparedSync prepared, Prepare(spec, run.workspace_id,
                                                  {.registry = deps_.registry,
                                                   .reveal_config = deps_.reveal_config,
                                                   .stop = stop ? &stop->token() : nullptr}));
  warehouse::Connector* connector = prepared.connector.get();
  const int64_t run_start = run.started_at.value_or(deps_.clock->NowMicros());
  ASSIGN_OR_RETURN(catalog::PipelineState state, catalog_->GetState(run.workspace_id, pipeline.id));

  // Stage 1: the window this run reads, planned around the run's one warehouse question.
  const WindowInput window_input{.pipeline_id = pipeline.id,
                                 .sync_mode = pipeline.sync_mode,
                                 .timestamp_field = spec.model.timestamp_field,
                                 .sync_start_date = pipeline.sync_start_date,
                                 .historical = run.run_type == catalog::RunType::kHistorical,
                                 .range_end = run.range_end,
                                 .activated_at = state.activated_at,
                                 .run_start = run_start,
                                 .stored_mark = state.high_water_mark};
  ASSIGN_OR_RETURN(WindowBounds bounds, PlanBounds(window_input));
  core::Value max_iterator;
  if (bounds.max_iterator_range) {
    ASSIGN_OR_RETURN(max_iterator,
                     connector->MaxIterator(spec.model.sql_query, *bounds.max_iterator_range));
  }
  Window window = PlanWindow(window_input, bounds, max_iterator);
  if (window.nothing_to_read) return core::Status::Ok();
  warehouse::Query query{.model_sql = spec.model.sql_query,
                         .ranges = std::move(window.ranges),
                         .batch_rows = deps_.batch_rows};
  ASSIGN_OR_RETURN(std::unique_ptr<warehouse::RowStream> stream, connector->Execute(query));

  // Stage 2, extract+map, on its own thread; stage 3, apply, here.
  RowMapping mapping = prepared.mapping;
  mapping.run_start = run_start;
  ExtractStage extract(std::move(mapping), std::move(stream));
  ApplyStage apply(session_, {.workspace_id = run.workspace_id,
                              .run_id = run.run_id,
                              .pipeline_id = pipeline.id,
                              .environment = pipeline.environment,
                              .protection = pipeline.input_protection,
                              .full = !pipeline.sync_mode.incremental,
                              .forward = pipeline.outputs.is_array() && !pipeline.outputs.empty(),
                              .run_start = run_start,
                              .new_mark = std::move(window.new_mark)});

  // A batch is applied once the next one (or the end) is known, so the last batch can carry
  // the new mark in its own transaction.
  core::Status status;
  std::optional<MappedBatch> pending;
  while (true) {
    if (stop && stop->reason() != StopReason::kNone) {
      *stopped = stop->reason();
      break;
    }
    std::optional<MappedBatch> next = extract.Next();
    if (next && !next->status.ok()) {
      status = next->status.Annotate("data model '" + spec.model.id + "'");
      break;
    }
    if (pending) {
      status = apply.Apply(*pending, !next.has_value());
      if (!status.ok()) break;
      *applied = true;
      // Stage 4, after the commit: outputs (forwarding) and progress reporting.
      if (deps_.on_batch_applied) deps_.on_batch_applied(apply.applied());
      if (deps_.after_batch) deps_.after_batch(run.run_id);
    }
    if (!next) break;
    pending = std::move(next);
  }
  extract.Stop();
  if (status.ok() && *stopped == StopReason::kNone && !*applied) {
    MappedBatch empty;
    status = apply.Apply(empty, true);  // no rows: still record the counters and the mark
  }
  return status;
}

}  // namespace wsync::sync
